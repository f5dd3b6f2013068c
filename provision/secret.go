package provision

import (
	"crypto/rand"
	"runtime"
	"sync"

	"github.com/roster-dev/roster/password"
)

// hasher hashes passwords on all cores, while the caller goes on reading.
type hasher struct {
	jobs chan hashJob
	wg   sync.WaitGroup
}

type hashJob struct {
	password string
	out      *string
	done     *sync.WaitGroup
}

func newHasher() *hasher {
	h := &hasher{jobs: make(chan hashJob, 1024)}
	for range runtime.GOMAXPROCS(0) {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			for j := range h.jobs {
				*j.out = password.Hash(j.password)
				j.done.Done()
			}
		}()
	}
	return h
}

// hash queues a password; done is released when *out holds its hash.
func (h *hasher) hash(password string, out *string, done *sync.WaitGroup) {
	done.Add(1)
	h.jobs <- hashJob{password: password, out: out, done: done}
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
