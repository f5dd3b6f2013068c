// Package throttle slows down the addresses that keep failing to
// authenticate: token requests of API clients and operators' sign-ins
// count against one limiter, so that a guesser gets the same few tries a
// minute whichever door it knocks at.
package throttle

import (
	"net"
	"sync"
	"time"
)

// Limiter slows down an address that keeps failing: after max failures
// within a window, its requests are refused until the window ends. It
// counts failures only, so a client that authenticates right is never
// slowed down, and a guesser gets max tries a window.
type Limiter struct {
	max    int
	window time.Duration

	mu    sync.Mutex
	addrs map[string]*failures
}

type failures struct {
	count int
	start time.Time
}

// maxTracked bounds the addresses remembered, so that a flood from many
// addresses cannot grow the map without end.
const maxTracked = 100_000

// New returns a limiter that allows max failures per address within a
// window.
func New(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, addrs: map[string]*failures{}}
}

// Blocked tells how long an address must wait, zero when it may go on.
func (l *Limiter) Blocked(addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.addrs[host(addr)]
	if f == nil || f.count < l.max {
		return 0
	}
	if end := f.start.Add(l.window); now.Before(end) {
		return end.Sub(now)
	}
	return 0
}

// Fail counts a failure of an address.
func (l *Limiter) Fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := host(addr)
	f := l.addrs[h]
	if f == nil || now.Sub(f.start) >= l.window {
		if len(l.addrs) >= maxTracked {
			l.sweep(now)
		}
		f = &failures{start: now}
		l.addrs[h] = f
	}
	f.count++
}

// sweep forgets the addresses whose window has ended, and when that is
// not enough, all of them: a flood that large is not held off by
// counting anyway.
func (l *Limiter) sweep(now time.Time) {
	for h, f := range l.addrs {
		if now.Sub(f.start) >= l.window {
			delete(l.addrs, h)
		}
	}
	if len(l.addrs) >= maxTracked {
		clear(l.addrs)
	}
}

// host is the address a failure is counted against: the IP without its
// port (a client opens a new port for each connection), and for IPv6 its
// /64, which one machine usually holds whole and could rotate through.
func host(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		h = addr
	}
	ip := net.ParseIP(h)
	if ip == nil || ip.To4() != nil {
		return h
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
