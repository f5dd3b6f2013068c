#!/usr/bin/env bash
# Runs roster's whole test suite: vet, every test, and a short run of every
# fuzz target. CI calls exactly this (see .ci/run). FUZZTIME changes how long
# each fuzz target runs (default 3s: with forty targets two at a time, that
# is about two minutes of the suite's ten; longer runs are for FUZZTIME=60s
# by hand).
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-3s}

# The console's browser tests drive Debian's Chromium: install it when it
# is missing. Run from here, they fail without it rather than skip.
./scripts/install-chromium.sh
export ROSTER_TEST_BROWSER=required

# The PostgreSQL directory is tested on a real server: a throwaway one,
# installed when missing, started here and stopped at the end, whatever
# ends the run.
ROSTER_TEST_POSTGRES=$(./scripts/postgres.sh start)
export ROSTER_TEST_POSTGRES
trap './scripts/postgres.sh stop' EXIT

echo "== go vet (at ${SECONDS}s)"
go vet ./...

echo "== go test (at ${SECONDS}s)"
go test -count=1 ./...

# The engine runs its stages on several goroutines, and so does a
# PostgreSQL bulk load: run the packages that share memory between them,
# and the server and its console whose requests run side by side, under
# the race detector too (it needs cgo).
if [ "$(go env CGO_ENABLED)" = 1 ]; then
	echo "== go test -race (at ${SECONDS}s)"
	go test -race -count=1 ./provision/ ./sqlite/ ./postgres/ ./catalog/ ./http/ ./jobs/ ./console/...
fi

echo "== go test, the engine and the server on PostgreSQL (at ${SECONDS}s)"
ROSTER_TEST_STORE=postgres go test -count=1 ./provision/ ./http/

# The directory has two SQLite drivers: the C library with cgo (above, when
# a C compiler is installed) and pure Go without. Test the other one too,
# on the packages that use it directly (the command above them only wires).
echo "== go test, pure-Go SQLite (at ${SECONDS}s)"
CGO_ENABLED=0 go test -count=1 ./sqlite/ ./provision/

# fuzz runs one target. A short run spends little on minimizing the new
# inputs it finds: minimizing a seed workbook of tens of kilobytes takes up
# to a minute, during which the worker reports nothing.
#
# Go 1.26's fuzz coordinator can fail a target with a bare "context
# deadline exceeded" when -fuzztime ends while a worker is busy (the race
# go.dev/issue/75804, fixed in Go 1.27). That failure names no input, so it
# is not a finding: when it is the only failure and no failing input was
# written, the target's seeds are replayed and the run counts as passed.
# A real crash always writes its input and fails.
fuzz() {
	local pkg=$1 target=$2 out status=0
	out=$(mktemp)
	go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" -fuzzminimizetime=100x -parallel=1 "$pkg" >"$out" 2>&1 || status=$?
	if [ "$status" -ne 0 ] && grep -q '^    context deadline exceeded$' "$out" &&
		! grep -q -e 'Failing input written' -e '^panic:' -e '^    --- FAIL' "$out"; then
		echo "-- $pkg $target: Go's fuzz deadline race, no failing input; replaying the seeds" >>"$out"
		status=0
		go test -count=1 -run="^${target}\$" "$pkg" >>"$out" 2>&1 || status=$?
	fi
	{
		echo "-- $pkg $target"
		cat "$out"
	}
	rm -f "$out"
	return "$status"
}
export -f fuzz
export fuzztime

# Two targets at a time, one worker each: as much fuzzing as one target
# with two workers, while the other target's test binary is built. Every
# target runs even when one fails; xargs then fails the script.
echo "== fuzz ($fuzztime each, two at a time) (at ${SECONDS}s)"
# Every FuzzXxx function, found in the test files, in its package.
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
	pkg=./$(dirname "${file#./}")
	for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
		echo "$pkg $target"
	done
done | xargs -P 2 -n 2 bash -c 'fuzz "$1" "$2"' _
echo "== all tests passed (at ${SECONDS}s)"
