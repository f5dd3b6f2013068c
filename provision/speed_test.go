package provision_test

import (
	"context"
	"encoding/binary"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sample"
)

// TestPlanUUIDsAreVersion7 checks the uuids a check plans for new users:
// version 7 of RFC 9562, with the time of the run, all different, and in
// row order within each batch of rows.
func TestPlanUUIDsAreVersion7(t *testing.T) {
	path := sampleFile(t, 3000, sample.WithGroups)
	before := time.Now().UnixMilli()
	var plan []roster.Step
	res, err := provision.Check(context.Background(), source(t, path), provision.Options{Step: func(s roster.Step) { plan = append(plan, s) }})
	after := time.Now().UnixMilli()
	if err != nil || res.Failed != 0 || len(plan) != 3000 {
		t.Fatalf("check: %v, %d failed, %d steps", err, res.Failed, len(plan))
	}
	seen := map[string]bool{}
	for i, s := range plan {
		id, err := uuid.Parse(s.UUID)
		if err != nil || id.Version() != 7 || id.Variant() != uuid.RFC4122 || id.String() != s.UUID {
			t.Fatalf("row %d: %q is not the text of a version 7 uuid (%v)", s.Row, s.UUID, err)
		}
		if ms := int64(binary.BigEndian.Uint64(id[:8]) >> 16); ms < before || ms > after {
			t.Fatalf("row %d: %s has the time %d, not within the run (%d to %d)", s.Row, s.UUID, ms, before, after)
		}
		if seen[s.UUID] {
			t.Fatalf("row %d: %s planned twice", s.Row, s.UUID)
		}
		seen[s.UUID] = true
		if i%512 != 0 && s.UUID < plan[i-1].UUID {
			t.Fatalf("row %d: %s comes before the row above's %s", s.Row, s.UUID, plan[i-1].UUID)
		}
	}
}

// TestCheckAllocatesTwicePerRow counts the allocations of a whole check
// of 20,000 sample rows: the string of each row's cells and the digits of
// its phone number (written with spaces); the rest (values, uuids, hashes
// of unique values, the plan) allocates per batch, not per row. A million
// rows allocated five million times before: a uuid twice, the phone
// number's digits twice, a count in the result.
func TestCheckAllocatesTwicePerRow(t *testing.T) {
	const rows = 20_000
	path := sampleFile(t, rows, sample.WithGroups)
	check := func() {
		steps := 0
		res, err := provision.Check(context.Background(), source(t, path), provision.Options{Step: func(roster.Step) { steps++ }})
		if err != nil || res.Failed != 0 || steps != rows {
			t.Fatalf("check: %v, %+v", err, res)
		}
	}
	check() // tables built on first use
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	check()
	runtime.ReadMemStats(&after)
	if per := float64(after.Mallocs-before.Mallocs) / rows; per > 2.2 {
		t.Fatalf("%.2f allocations per row; at most 2 expected", per)
	}
}
