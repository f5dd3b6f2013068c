package provision

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// uuidLen is the length of a UUID's text.
const uuidLen = 36

// uuids makes the version 7 UUIDs (RFC 9562) of a batch's new users: random,
// but ordered by time, so that a directory's uuid index grows at its end, as
// new ids do, instead of being rewritten all over by every import. A batch
// reads the clock and the system's random source once, and writes the text
// of all its UUIDs into one string, where uuid.NewV7 took a lock, read the
// clock and allocated twice for every row: a tenth of a million-row check.
//
// Within a batch the UUIDs follow row order (the 12 bits after the
// millisecond count them, as RFC 9562's method 1 allows); two batches made
// in the same millisecond on two cores may interleave, which does not
// matter to an index. The other 62 bits are random.
type uuids struct {
	text string // the text of the UUIDs made so far, back to back
	next int    // how many of them were handed out
	seq  int    // how many were made for the batch
}

// reset forgets the UUIDs of the batch's last use.
func (u *uuids) reset() { *u = uuids{} }

// make returns a new UUID.
func (u *uuids) make() string {
	if (u.next+1)*uuidLen > len(u.text) {
		u.fill()
	}
	s := u.text[u.next*uuidLen : (u.next+1)*uuidLen]
	u.next++
	return s
}

// fill makes the UUIDs of a whole batch at once.
func (u *uuids) fill() {
	ms := uint64(time.Now().UnixMilli())
	var random [batchSize * 8]byte
	rand.Read(random[:])
	text := make([]byte, batchSize*uuidLen)
	for i := range batchSize {
		var id [16]byte
		binary.BigEndian.PutUint64(id[:8], ms<<16|0x7000|uint64(u.seq&0xfff))
		copy(id[8:], random[i*8:])
		id[8] = id[8]&0x3f | 0x80 // the variant of RFC 9562
		formatUUID(text[i*uuidLen:(i+1)*uuidLen], &id)
		u.seq++
	}
	u.text, u.next = string(text), 0
}

// formatUUID writes a UUID's canonical text (lower-case hex, with dashes)
// into dst, which holds uuidLen bytes.
func formatUUID(dst []byte, id *[16]byte) {
	const hex = "0123456789abcdef"
	j := 0
	for i, b := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = hex[b>>4], hex[b&0xf]
		j += 2
	}
}
