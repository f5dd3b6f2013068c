package xmlscan

import (
	"io"
)

// chunkSize is how much inflated XML one hand-over between the goroutines
// carries: large enough that handing over costs nothing next to inflating
// it, small enough that the chunks in flight stay a few hundred KiB.
const chunkSize = 128 << 10

// inFlight is how many chunks the inflating goroutine may be ahead by.
const inFlight = 4

// chunk is a piece of the stream, or the error that ended it.
type chunk struct {
	b   []byte
	err error
}

// pipe reads a stream on a goroutine of its own, so that inflating an entry
// of a ZIP and scanning its XML run on two cores, with at most inFlight
// chunks between them.
type pipe struct {
	out  chan chunk
	free chan []byte
	done chan struct{}
	err  error // the error that ended the stream, once received
}

func newPipe(r io.Reader) *pipe {
	p := &pipe{out: make(chan chunk, inFlight), free: make(chan []byte, inFlight+1), done: make(chan struct{})}
	go p.run(r)
	return p
}

func (p *pipe) run(r io.Reader) {
	defer close(p.out)
	made := 0
	for {
		var b []byte
		select {
		case b = <-p.free:
		default:
			if made < inFlight+1 {
				b = make([]byte, chunkSize)
				made++
				break
			}
			select {
			case b = <-p.free:
			case <-p.done:
				return
			}
		}
		n, err := fill(r, b[:cap(b)])
		select {
		case p.out <- chunk{b[:n], err}:
		case <-p.done:
			return
		}
		if err != nil {
			return
		}
	}
}

// next returns the next chunk, which the caller hands back with release
// once it has copied it; the last chunk comes with the stream's error
// (io.EOF at its end).
func (p *pipe) next() ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	c, ok := <-p.out
	if !ok {
		p.err = io.ErrClosedPipe
		return nil, p.err
	}
	if c.err != nil {
		p.err = c.err
	}
	return c.b, c.err
}

func (p *pipe) release(b []byte) {
	select {
	case p.free <- b:
	default:
	}
}

// stop ends the goroutine and waits for it, so that the stream it reads
// may be closed.
func (p *pipe) stop() {
	close(p.done)
	for range p.out {
	}
}

// fill reads into b until it is full or r fails, as io.ReadFull does but
// with r's own error: a truncated deflate stream's io.ErrUnexpectedEOF
// must not pass for the end of the document.
func fill(r io.Reader, b []byte) (int, error) {
	n, empty := 0, 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
		if m == 0 {
			if empty++; empty == 100 {
				return n, io.ErrNoProgress
			}
		}
	}
	return n, nil
}
