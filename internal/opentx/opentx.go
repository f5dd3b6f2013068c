// Package opentx keeps the transactions a directory handle has open, so
// that closing the handle rolls back those its caller left open (a pending
// change never applied nor released) instead of waiting for them, or
// keeping the directory's write lock for as long as the process lives.
package opentx

import "sync"

// A Tx is what a store's transaction is to the set: something to roll back.
type Tx interface{ Rollback() error }

// Set is the open transactions of one handle. The zero Set is ready.
type Set struct {
	mu sync.Mutex
	m  map[Tx]struct{}
}

// Add records a transaction that began.
func (s *Set) Add(t Tx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[Tx]struct{}{}
	}
	s.m[t] = struct{}{}
}

// Remove forgets a transaction that ended.
func (s *Set) Remove(t Tx) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, t)
}

// RollbackAll rolls back every transaction still open. Their errors are
// not reported: one that ended meanwhile says so, and the connections are
// closed next, which ends any other.
func (s *Set) RollbackAll() {
	s.mu.Lock()
	open := make([]Tx, 0, len(s.m))
	for t := range s.m {
		open = append(open, t)
	}
	s.mu.Unlock()
	for _, t := range open {
		t.Rollback()
	}
}
