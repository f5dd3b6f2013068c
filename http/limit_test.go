package http

import (
	"testing"
	"time"
)

// Failures count per IPv4 address and per IPv6 /64, whatever the port.
func TestLimiterKeys(t *testing.T) {
	now := time.Now()
	l := newLimiter(2, time.Minute)
	l.fail("192.0.2.1:1000", now)
	l.fail("192.0.2.1:2000", now)
	l.fail("[2001:db8::1]:1000", now)
	l.fail("[2001:db8::ffff:2]:1000", now)
	for _, c := range []struct {
		addr    string
		blocked bool
	}{
		{"192.0.2.1:3000", true},
		{"192.0.2.2:3000", false},
		{"[2001:db8::3]:443", true},
		{"[2001:db8:0:1::1]:443", false},
	} {
		if got := l.blocked(c.addr, now) > 0; got != c.blocked {
			t.Errorf("%s: blocked %v, want %v", c.addr, got, c.blocked)
		}
	}
	if l.blocked("192.0.2.1:3000", now.Add(time.Minute)) != 0 {
		t.Error("still blocked after the window")
	}
}
