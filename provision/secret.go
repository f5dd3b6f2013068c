package provision

import (
	"context"
	"crypto/rand"
	"sync"

	"github.com/roster-dev/roster/password"
)

// hasher hashes passwords on the cores the workers allow, while the
// caller goes on reading. It stops with its context: each hash takes tens
// of milliseconds, and a cancelled run must not first hash the thousand
// passwords queued (40 s).
type hasher struct {
	ctx    context.Context
	jobs   chan hashJob
	wg     sync.WaitGroup
	hashed func() // called after each hash, for tests; nil otherwise
}

type hashJob struct {
	password string
	out      *string
	done     *sync.WaitGroup
}

func newHasher(ctx context.Context, w *Workers, hashed func()) *hasher {
	h := &hasher{ctx: ctx, jobs: make(chan hashJob, 1024), hashed: hashed}
	for range w.n {
		h.wg.Go(func() {
			for j := range h.jobs {
				// A cancelled run commits nothing, so a job left
				// unhashed is only released.
				if take(h.ctx, w.hashes) == nil {
					*j.out = password.Hash(j.password)
					release(w.hashes)
					if h.hashed != nil {
						h.hashed()
					}
				}
				j.done.Done()
			}
		})
	}
	return h
}

// hash queues a password; done is released when *out holds its hash, or at
// once when the context is cancelled.
func (h *hasher) hash(password string, out *string, done *sync.WaitGroup) {
	done.Add(1)
	select {
	case h.jobs <- hashJob{password: password, out: out, done: done}:
	case <-h.ctx.Done():
		done.Done()
	}
}

func (h *hasher) close() {
	close(h.jobs)
	h.wg.Wait()
}

const (
	letters = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	digits  = "0123456789"
)

// randomText returns n characters drawn uniformly from alphabet.
func randomText(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randIndex(len(alphabet))]
	}
	return string(b)
}

// randIndex returns a uniform random index below n, without modulo bias.
func randIndex(n int) int {
	limit := 256 - 256%n
	var one [1]byte
	for {
		rand.Read(one[:])
		if int(one[0]) < limit {
			return int(one[0]) % n
		}
	}
}

// NewPassword generates a password: 16 letters and digits (without the
// look-alikes l, I, O, 0 and 1), or 10 digits for phones that only take
// digits.
func NewPassword(digitsOnly bool) string {
	if digitsOnly {
		return randomText(digits, 10)
	}
	return randomText(letters, 16)
}
