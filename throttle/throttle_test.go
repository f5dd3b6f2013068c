package throttle

import (
	"testing"
	"time"
)

// Failures count per IPv4 address and per IPv6 /64, whatever the port.
func TestLimiterKeys(t *testing.T) {
	now := time.Now()
	l := New(2, time.Minute)
	l.Fail("192.0.2.1:1000", now)
	l.Fail("192.0.2.1:2000", now)
	l.Fail("[2001:db8::1]:1000", now)
	l.Fail("[2001:db8::ffff:2]:1000", now)
	for _, c := range []struct {
		addr    string
		blocked bool
	}{
		{"192.0.2.1:3000", true},
		{"192.0.2.2:3000", false},
		{"[2001:db8::3]:443", true},
		{"[2001:db8:0:1::1]:443", false},
	} {
		if got := l.Blocked(c.addr, now) > 0; got != c.blocked {
			t.Errorf("%s: blocked %v, want %v", c.addr, got, c.blocked)
		}
	}
	if l.Blocked("192.0.2.1:3000", now.Add(time.Minute)) != 0 {
		t.Error("still blocked after the window")
	}
}
