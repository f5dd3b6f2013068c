package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"
)

// Marks are the one-time records that a server must know at once but that
// would otherwise wait for the write lock, which an import holds for
// minutes: the IDs of used JWT assertions (a replay is refused) and of
// signed-out console sessions (a copy of the cookie is refused). A mark is
// written at once when the write lock can be had within markWait, which is
// nearly always; else this DB keeps it in memory, where its own checks find
// it at once, and a goroutine of the DB writes it as soon as the lock is
// free, for the other processes sharing the directory. Every check reads
// the table (on a reader, which does not wait) and the memory.

// markWait is how long a request waits for the write lock to record a
// mark before leaving it to the background writer: a commit's time, not an
// import's.
const markWait = 100 * time.Millisecond

// maxMarks bounds the marks held in memory. Past it, a request waits for
// the write lock to record its own, as long as its context allows.
const maxMarks = 100_000

// closeWait is how long Close tries to write the marks still in memory.
const closeWait = 5 * time.Second

type markKind int

const (
	usedAssertion markKind = iota
	endedSession
)

type mark struct {
	kind  markKind
	owner string // the client of an assertion
	id    string // the assertion's jti, the session's ID
}

// insert writes a mark that is kept until expires, and tells whether the
// table did not hold it yet.
func (m mark) insert(ctx context.Context, tx *sql.Tx, expires int64) (bool, error) {
	var (
		res sql.Result
		err error
	)
	switch m.kind {
	case usedAssertion:
		res, err = tx.ExecContext(ctx, `INSERT INTO assertions (client_id, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			m.owner, m.id, expires)
	case endedSession:
		res, err = tx.ExecContext(ctx, `INSERT INTO ended_sessions (id, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, m.id, expires)
	}
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// pruneMarks drops the marks that have expired: their assertions and
// cookies are refused by their own expiry now, and an assertion's ID may
// be used again.
func pruneMarks(ctx context.Context, tx *sql.Tx, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM assertions WHERE expires_at < ?`, now.Unix()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM ended_sessions WHERE expires_at < ?`, now.Unix())
	return err
}

// marks are the marks this DB holds in memory, and its writer of them.
type marks struct {
	mu     sync.Mutex
	held   map[mark]heldMark
	wake   chan struct{}
	cancel context.CancelFunc // stops the writer; nil until it runs
	done   chan struct{}      // closed when the writer has stopped
	closed bool
}

type heldMark struct {
	expires int64 // Unix seconds
	queued  bool  // waits to be written; else a request is checking it
}

// claim holds a mark while a request checks that it is new, and tells
// whether it was not held yet: two requests with one assertion at once,
// one of them is refused here.
func (ms *marks) claim(m mark) bool {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if _, ok := ms.held[m]; ok {
		return false
	}
	if ms.held == nil {
		ms.held = map[mark]heldMark{}
	}
	ms.held[m] = heldMark{}
	return true
}

// release drops a claimed mark that the table holds now, or that was
// refused.
func (ms *marks) release(m mark) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if h, ok := ms.held[m]; ok && !h.queued {
		delete(ms.held, m)
	}
}

// holds tells whether a mark is held in memory.
func (ms *marks) holds(m mark) bool {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	_, ok := ms.held[m]
	return ok
}

// queue keeps a mark until the writer has written it, and tells whether
// there was room for it.
func (ms *marks) queue(m mark, expires int64, now time.Time) bool {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.closed {
		return false
	}
	if len(ms.held) >= maxMarks {
		ms.dropExpired(now)
		if len(ms.held) >= maxMarks {
			return false
		}
	}
	if ms.held == nil {
		ms.held = map[mark]heldMark{}
	}
	ms.held[m] = heldMark{expires: expires, queued: true}
	select {
	case ms.wake <- struct{}{}:
	default:
	}
	return true
}

func (ms *marks) dropExpired(now time.Time) {
	for m, h := range ms.held {
		if h.queued && h.expires < now.Unix() {
			delete(ms.held, m)
		}
	}
}

// queued returns the marks waiting to be written, dropping the expired.
func (ms *marks) queued(now time.Time) map[mark]int64 {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.dropExpired(now)
	out := map[mark]int64{}
	for m, h := range ms.held {
		if h.queued {
			out[m] = h.expires
		}
	}
	return out
}

// written drops the marks that the table holds now.
func (ms *marks) written(batch map[mark]int64) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	for m := range batch {
		if h, ok := ms.held[m]; ok && h.queued {
			delete(ms.held, m)
		}
	}
}

// record writes a mark, at once when the write lock is free within
// markWait, else through memory and the writer. It tells whether the
// table did not hold the mark yet (a mark left to the writer counts as
// new: the caller checked the table before).
func (db *DB) record(ctx context.Context, m mark, expires, now time.Time) (bool, error) {
	var fresh bool
	write := func(tx *sql.Tx) (err error) {
		if err := pruneMarks(ctx, tx, now); err != nil {
			return err
		}
		fresh, err = m.insert(ctx, tx, expires.Unix())
		return err
	}
	err := db.writeNow(ctx, markWait, write)
	switch {
	case err == nil:
		return fresh, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	}
	// Busy, or failing for now: the writer tries again, and logs why.
	if db.startWriter() && db.marks.queue(m, expires.Unix(), now) {
		return true, nil
	}
	// No room left in memory: wait for the lock, as every write does.
	err = db.writeNow(ctx, 0, write)
	return fresh, busy(err)
}

// startWriter starts the goroutine that writes queued marks, once, and
// tells whether it runs (not after Close).
func (db *DB) startWriter() bool {
	ms := &db.marks
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.closed {
		return false
	}
	if ms.cancel == nil {
		var ctx context.Context
		ctx, ms.cancel = context.WithCancel(context.Background())
		ms.wake, ms.done = make(chan struct{}, 1), make(chan struct{})
		go db.writeMarks(ctx)
	}
	return true
}

// writeMarks writes the queued marks whenever there are some, waiting for
// the write lock as long as it takes, until ctx ends. A failure (a full
// disk) is logged and tried again after a pause that grows to a minute.
func (db *DB) writeMarks(ctx context.Context) {
	defer close(db.marks.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-db.marks.wake:
		}
		for pause := time.Second; ; pause = min(2*pause, time.Minute) {
			err := db.flushMarks(ctx)
			if err == nil || ctx.Err() != nil {
				break
			}
			slog.Warn("recording used assertions and ended sessions in the directory; trying again", "err", err, "in", pause.String())
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
		}
	}
}

// flushMarks writes every queued mark in one transaction.
func (db *DB) flushMarks(ctx context.Context) error {
	for {
		now := time.Now()
		batch := db.marks.queued(now)
		if len(batch) == 0 {
			return nil
		}
		err := db.writeNow(ctx, 0, func(tx *sql.Tx) error {
			if err := pruneMarks(ctx, tx, now); err != nil {
				return err
			}
			for m, expires := range batch {
				// A mark the schema refuses (its client is gone) would
				// keep the others from being written: it is dropped.
				if _, err := m.insert(ctx, tx, expires); code(err) == codeConstraint {
					slog.Warn("dropped a used assertion or an ended session that the directory refuses", "err", err)
				} else if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		db.marks.written(batch)
	}
}

// stopMarks stops the writer, then tries for closeWait to write what is
// still queued. What cannot be written is lost to the other processes
// sharing the directory (this one is closing): logged, by count only.
func (db *DB) stopMarks() {
	ms := &db.marks
	ms.mu.Lock()
	ms.closed = true
	cancel, done := ms.cancel, ms.done
	ms.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
	ctx, stop := context.WithTimeout(context.Background(), closeWait)
	defer stop()
	if err := db.flushMarks(ctx); err != nil {
		slog.Warn("closing the directory before recording used assertions and ended sessions: other servers do not know them",
			"count", len(db.marks.queued(time.Now())), "err", err)
	}
}
