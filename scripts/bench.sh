#!/usr/bin/env bash
# Measures what docs/performance.md reports: each figure is the median of
# RUNS runs (default 5) of the command, with its peak memory, beside the
# baseline the issue names (sqlite3 loading the same file). Files go to
# BENCH_DIR (default a temporary folder).
#
#   ./scripts/bench.sh            all measurements
#   ./scripts/bench.sh check      one of: check import import-lines generate update update-passwords export read read1m refs
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
dir=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$dir"
roster="$dir/roster"
go build -o "$roster" ./cmd/roster

if ! command -v sqlite3 >/dev/null; then
	(apt-get install -y sqlite3 >/dev/null 2>&1 || sudo apt-get install -y sqlite3 >/dev/null 2>&1) || true
fi

# measure LABEL SETUP COMMAND...: runs SETUP (untimed) then COMMAND, RUNS
# times, and prints the median wall time and the median peak memory. The
# median is left in t, for ratios.
measure() {
	local label=$1 setup=$2
	shift 2
	local times=() mems=()
	for _ in $(seq "$runs"); do
		eval "$setup"
		local out
		/usr/bin/time -o "$dir/.time" -f "%e %M" "$@" >/dev/null 2>&1 || true
		out=$(tail -1 "$dir/.time")
		times+=("${out% *}")
		mems+=("${out#* }")
	done
	local m
	t=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	m=$(printf '%s\n' "${mems[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	printf '%-44s %8.2f s %8d MB   (runs: %s)\n' "$label" "$t" "$((m / 1024))" "${times[*]}"
}

sample() { # sample ROWS WITH NAME
	[ -f "$dir/$3" ] || "$roster" sample --rows "$1" --with "$2" -o "$dir/$3" 2>/dev/null
}

what=${1:-all}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1024/1024+0.5) " GiB"}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "go: $(go version | cut -d' ' -f3), sqlite3: $(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"

if [[ $what == all || $what == check ]]; then
	sample 1000000 groups users1m.csv
	# The 6 columns of the issue: username, firstname, lastname, email, groups, mobile_phone_number.
	measure "sqlite3 :memory: .import --csv (1M rows)" : sqlite3 :memory: ".import --csv $dir/users1m.csv t"
	measure "roster check --json (1M rows)" : "$roster" check --json "$dir/users1m.csv"
fi

if [[ $what == all || $what == import ]]; then
	sample 1000000 groups users1m.csv
	cat >"$dir/base.sql" <<SQL
CREATE TABLE users (username TEXT UNIQUE, firstname TEXT, lastname TEXT, email TEXT UNIQUE, mobile_phone_number TEXT, groups TEXT);
.import --csv --skip 1 $dir/users1m.csv users
SQL
	measure "sqlite3 .import, unique username+email (1M)" "rm -f $dir/base.db" sh -c "sqlite3 $dir/base.db < $dir/base.sql"
	measure "roster import into a new directory (1M)" "rm -f $dir/roster.db*" "$roster" --db "$dir/roster.db" import "$dir/users1m.csv"
fi

if [[ $what == all || $what == import-lines ]]; then
	sample 100000 groups,lines,voicemail,incalls users100k-lines.csv
	measure "roster import, lines+voicemail+incalls (100k)" "rm -f $dir/lines.db*; $roster --db $dir/lines.db setup $dir/users100k-lines.csv.setup.yaml >/dev/null" \
		"$roster" --db "$dir/lines.db" import "$dir/users100k-lines.csv"
fi

if [[ $what == all || $what == generate ]]; then
	sample 10000 groups users10k.csv
	measure "roster import --generate password (10k)" "rm -f $dir/gen.db*" "$roster" --db "$dir/gen.db" import --generate password --report-dir "$dir/reports" "$dir/users10k.csv"
	echo "single-core argon2id rate: go test -run '^\$' -bench BenchmarkHashPassword ./provision/"
fi

if [[ $what == all || $what == update ]]; then
	sample 100000 groups users100k.csv
	rm -f "$dir/upd.db"*
	"$roster" --db "$dir/upd.db" import "$dir/users100k.csv" >/dev/null
	"$roster" --db "$dir/upd.db" export -o "$dir/upd.csv" 2>/dev/null
	# Change the lastname of 1 row in 100.
	awk -F, 'BEGIN {OFS=","} NR > 1 && NR % 100 == 0 {$4 = $4 "x"} {print}' "$dir/upd.csv" >"$dir/upd-1pc.csv"
	measure "roster update, 1% of 100k rows change" "cp $dir/upd.db $dir/upd2.db; rm -f $dir/upd2.db-*" "$roster" --db "$dir/upd2.db" update "$dir/upd-1pc.csv"
fi

if [[ $what == all || $what == update-passwords ]]; then
	# 1,000 users whose update file gives each the password they already have.
	[ -f "$dir/pw1k.csv" ] || awk 'BEGIN {print "username,firstname,email,password"; for (i = 0; i < 1000; i++) printf "pw%d,P,pw%d@example.com,Secret-%06d\n", i, i, i}' >"$dir/pw1k.csv"
	rm -f "$dir/pw.db"*
	"$roster" --db "$dir/pw.db" import --report-dir "$dir/reports" "$dir/pw1k.csv" >/dev/null
	measure "roster update, 1000 unchanged passwords" "cp $dir/pw.db $dir/pw2.db; rm -f $dir/pw2.db-* $dir/pw2.db.key; [ ! -f $dir/pw.db.key ] || cp $dir/pw.db.key $dir/pw2.db.key" \
		"$roster" --db "$dir/pw2.db" update --key username "$dir/pw1k.csv"
fi

if [[ $what == all || $what == export ]]; then
	sample 1000000 groups users1m.csv
	if [ ! -f "$dir/exp.db" ]; then "$roster" --db "$dir/exp.db" import "$dir/users1m.csv" >/dev/null; fi
	measure "roster export (1M users, CSV)" : "$roster" --db "$dir/exp.db" export -o "$dir/export.csv"
fi

# workbook ROWS EXT: the ROWS-row sample saved as EXT by LibreOffice, as HR
# would send it (shared strings in XLSX, styled rows), or by roster's own
# writer when LibreOffice is not installed.
workbook() {
	local csv="$dir/users$1.csv" out="$dir/users$1.$2"
	[ -f "$out" ] && return
	if command -v soffice >/dev/null; then
		soffice --headless --infilter="CSV:44,34,76,1" --convert-to "$2" --outdir "$dir" "$csv" >/dev/null 2>&1
	else
		echo "(no LibreOffice: users$1.$2 written by roster sample)"
		"$roster" sample --rows "$1" --with groups -o "$out" 2>/dev/null
	fi
}

# read ROWS: roster read and check of the same rows as CSV, XLSX and ODS.
read_case() {
	local n=$1
	sample "$n" groups "users$n.csv"
	workbook "$n" xlsx
	workbook "$n" ods
	for f in csv xlsx ods; do
		measure "roster read ($n rows, $f)" : "$roster" read "$dir/users$n.$f"
		measure "roster check --json ($n rows, $f)" : "$roster" check --json "$dir/users$n.$f"
	done
}

if [[ $what == all || $what == read ]]; then
	read_case 100000
	echo "xls: go test -run '^\$' -bench BenchmarkRead100k ./sheet/xls/ (no XLS writer: the benchmark builds its own file)"
fi

if [[ $what == all || $what == read1m ]]; then
	read_case 1000000
fi

if [[ $what == all || $what == refs ]]; then
	# Delete and membership commands against the import of the same users,
	# named by a file with a username column.
	sample 30000 groups users30k.csv
	cut -d, -f1 "$dir/users30k.csv" >"$dir/names30k.csv"
	fill="rm -f $dir/refs.db*; $roster --db $dir/refs.db import $dir/users30k.csv >/dev/null"
	measure "roster import (30k), the baseline below" "rm -f $dir/refs.db*" "$roster" --db "$dir/refs.db" import "$dir/users30k.csv"
	base=$t
	measure "roster delete users --yes (30k)" "$fill" "$roster" --db "$dir/refs.db" delete users --yes "$dir/names30k.csv"
	echo "  ratio to the import: $(awk -v a="$t" -v b="$base" 'BEGIN {printf "%.2f", a / b}')"
	measure "roster rooms add --create (30k)" "$fill" "$roster" --db "$dir/refs.db" rooms add Everyone --create "$dir/names30k.csv"
	echo "  ratio to the import: $(awk -v a="$t" -v b="$base" 'BEGIN {printf "%.2f", a / b}')"
fi
