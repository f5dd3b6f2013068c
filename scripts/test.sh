#!/usr/bin/env bash
# Runs roster's whole test suite: vet, every test, and a short run of every
# fuzz target. CI calls exactly this (see .ci/run). FUZZTIME changes how long
# each fuzz target runs (default 10s).
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-10s}

echo "== go vet"
go vet ./...

echo "== go test"
go test -count=1 ./...

# The directory has two SQLite drivers: the C library with cgo (above, when
# a C compiler is installed) and pure Go without. Test the other one too.
echo "== go test, pure-Go SQLite"
CGO_ENABLED=0 go test -count=1 ./sqlite/ ./provision/ ./cmd/...

echo "== fuzz ($fuzztime each)"
# Every FuzzXxx function, found in the test files, in its package.
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
	pkg=./$(dirname "${file#./}")
	for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
		echo "-- $pkg $target"
		go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$pkg"
	done
done
echo "== all tests passed"
