#!/usr/bin/env bash
# Measures what docs/performance.md reports: each figure is the median of
# RUNS runs (default 5) of the command, with its peak memory, beside the
# baseline the issue names (sqlite3 loading the same file). Files go to
# BENCH_DIR (default a temporary folder).
#
#   ./scripts/bench.sh            all measurements
#   ./scripts/bench.sh check      one of: check import import-lines generate update update-passwords export read
#                                 read1m refs import-full import-small rerun-skip api
#                                 pg-import pg-import-more pg-export (PostgreSQL: scripts/postgres.sh starts a server)
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

# alternate LABEL_A SETUP_A COMMAND_A LABEL_B SETUP_B COMMAND_B: runs A and
# B in turn, RUNS times each, so that a busy machine slows both alike, and
# prints their median wall times and the ratio of B's to A's. A command that
# fails is reported: its time would mean nothing.
alternate() {
	local ta=() tb=() a b out
	for _ in $(seq "$runs"); do
		for side in a b; do
			if [ $side = a ]; then eval "$2"; else eval "$5"; fi
			local cmd=$3
			[ $side = a ] || cmd=$6
			/usr/bin/time -o "$dir/.time" -f "%e %x" sh -c "$cmd" >/dev/null 2>&1 || true
			out=$(tail -1 "$dir/.time")
			[ "${out#* }" = 0 ] || echo "  failed (exit ${out#* }): $cmd" >&2
			if [ $side = a ]; then ta+=("${out% *}"); else tb+=("${out% *}"); fi
		done
	done
	a=$(printf '%s\n' "${ta[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
	b=$(printf '%s\n' "${tb[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
	printf '%-44s %8.2f s   (runs: %s)\n' "$1" "$a" "${ta[*]}"
	printf '%-44s %8.2f s   (runs: %s)\n' "$4" "$b" "${tb[*]}"
	printf '  ratio: %.2f (goal: at most 3)\n' "$(awk -v a="$a" -v b="$b" 'BEGIN {print b / a}')"
}

# split_sample NAME N FIRST REST: the first N users of a sample, and the others,
# each file with the header.
split_sample() {
	[ -f "$dir/$3" ] || head -n $(($2 + 1)) "$dir/$1" >"$dir/$3"
	[ -f "$dir/$4" ] || { head -n 1 "$dir/$1" && tail -n +$(($2 + 2)) "$dir/$1"; } >"$dir/$4"
}

# make_directory NAME FILE...: a directory made once by importing the files.
make_directory() {
	local db=$1
	shift
	if [ ! -f "$dir/$db" ]; then
		for f in "$@"; do "$roster" --db "$dir/$db.tmp" import "$dir/$f" >/dev/null; done
		for s in "" .key; do [ ! -f "$dir/$db.tmp$s" ] || mv "$dir/$db.tmp$s" "$dir/$db$s"; done
	fi
}

# copy: the setup that makes work.db a fresh copy of the directory $db,
# written out to the disk: else the import's first sync would write the
# whole copy, which is no part of the import.
copy="rm -f $dir/work.db*; cp $dir/\$db $dir/work.db; [ ! -f $dir/\$db.key ] || cp $dir/\$db.key $dir/work.db.key; sync $dir/work.db"

if [[ $what == all || $what == import-full ]]; then
	# The weekly file of new hires into a large directory: 10,000 users
	# into a directory of 1,000,000 others, against an empty directory.
	sample 1010000 groups users1010k.csv
	split_sample users1010k.csv 1000000 users1m-first.csv users10k-next.csv
	make_directory full.db users1m-first.csv
	db=full.db
	alternate "import 10k into an empty directory" "rm -f $dir/work.db*" "$roster --db $dir/work.db import $dir/users10k-next.csv" \
		"import 10k into a directory of 1M" "$copy" "$roster --db $dir/work.db import $dir/users10k-next.csv"
fi

if [[ $what == all || $what == import-small || $what == rerun-skip ]]; then
	sample 301000 groups users301k.csv
	split_sample users301k.csv 1000 users1k-first.csv users300k-next.csv
fi

if [[ $what == all || $what == import-small ]]; then
	# 300,000 users into a directory of 1,000 others.
	make_directory small.db users1k-first.csv
	db=small.db
	alternate "import 300k into an empty directory" "rm -f $dir/work.db*" "$roster --db $dir/work.db import $dir/users300k-next.csv" \
		"import 300k into a directory of 1k" "$copy" "$roster --db $dir/work.db import $dir/users300k-next.csv"
fi

if [[ $what == all || $what == rerun-skip ]]; then
	# The same 300,000 users again, once they are there, with
	# --on-existing skip: every row is looked up and skipped.
	make_directory again.db users1k-first.csv users300k-next.csv
	db=again.db
	alternate "import 300k into an empty directory" "rm -f $dir/work.db*" "$roster --db $dir/work.db import $dir/users300k-next.csv" \
		"import --on-existing skip, 300k already there" "$copy" "$roster --db $dir/work.db import --on-existing skip $dir/users300k-next.csv"
fi

# PostgreSQL: a server of scripts/postgres.sh (started, or reused when one
# runs); each directory is a schema of the database "roster".
pg() {
	pgurl=$(./scripts/postgres.sh start)
	command -v psql >/dev/null || { echo "psql is missing" >&2; exit 1; }
}

if [[ $what == all || $what == pg-import ]]; then
	pg
	sample 1000000 groups users1m.csv
	# The baseline of the issue: psql's \copy of the same CSV into one table
	# with unique username and email indexes.
	base="DROP TABLE IF EXISTS bench_base; CREATE TABLE bench_base (username text, firstname text, lastname text, email text, mobile_phone_number text, groups text);
		CREATE UNIQUE INDEX ON bench_base (username); CREATE UNIQUE INDEX ON bench_base (email); CHECKPOINT"
	measure "psql \\copy, unique username+email (1M)" "psql '$pgurl' -qc '$base'" psql "$pgurl" -qc "\\copy bench_base from $dir/users1m.csv csv header"
	measure "roster import into PostgreSQL (1M)" "psql '$pgurl' -qc 'DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench; CHECKPOINT' 2>/dev/null; rm -f $dir/pg.key" \
		"$roster" --db "$pgurl&search_path=bench" --key-file "$dir/pg.key" import "$dir/users1m.csv"
fi

if [[ $what == all || $what == pg-import-more ]]; then
	pg
	sample 1000000 groups users1m.csv
	sample 10000 groups users10k.csv
	# 10,000 users the million does not have: the sample's names, prefixed.
	awk -F, 'BEGIN {OFS=","} NR == 1 {print; next} {$1 = "new." $1; $4 = "new." $4; print}' "$dir/users10k.csv" >"$dir/new10k.csv"
	psql "$pgurl" -qc 'DROP SCHEMA IF EXISTS full1m CASCADE; CREATE SCHEMA full1m' 2>/dev/null
	"$roster" --db "$pgurl&search_path=full1m" --key-file "$dir/pg.key" import "$dir/users1m.csv" >/dev/null
	measure "roster import 10k into an empty PostgreSQL" "psql '$pgurl' -qc 'DROP SCHEMA IF EXISTS empty CASCADE; CREATE SCHEMA empty' 2>/dev/null" \
		"$roster" --db "$pgurl&search_path=empty" --key-file "$dir/pg.key" import "$dir/new10k.csv"
	# Each run adds the 10,000 users to the million, and the next run's
	# setup deletes them again.
	measure "roster import 10k into PostgreSQL of 1M" "psql '$pgurl' -qc \"DELETE FROM full1m.users WHERE username LIKE 'new.%'\" -c 'VACUUM full1m.users'" \
		"$roster" --db "$pgurl&search_path=full1m" --key-file "$dir/pg.key" import "$dir/new10k.csv"
fi

if [[ $what == all || $what == pg-export ]]; then
	pg
	sample 1000000 groups users1m.csv
	if [ ! -f "$dir/exp.db" ]; then "$roster" --db "$dir/exp.db" import "$dir/users1m.csv" >/dev/null; fi
	psql "$pgurl" -qc 'DROP SCHEMA IF EXISTS exp1m CASCADE; CREATE SCHEMA exp1m' 2>/dev/null
	"$roster" --db "$pgurl&search_path=exp1m" --key-file "$dir/pg.key" import "$dir/users1m.csv" >/dev/null
	measure "roster export, SQLite (1M users, CSV)" : "$roster" --db "$dir/exp.db" export -o "$dir/export.csv"
	measure "roster export, PostgreSQL (1M users, CSV)" : "$roster" --db "$pgurl&search_path=exp1m" --key-file "$dir/pg.key" export -o "$dir/export-pg.csv"
fi

if [[ $what == all || $what == api ]]; then
	# The same 1,000,000-row file imported by the CLI and through the API
	# (upload, job, wait: from the first byte sent to the job's end), each
	# into a new directory, alternating; and the server's peak memory.
	sample 1000000 groups users1m.csv
	api_import() { # prints: seconds peak-MB cpu-seconds
		rm -rf "$dir"/api.db*
		"$roster" --db "$dir/api.db" init >/dev/null
		local client id secret port=$((20000 + RANDOM % 20000))
		client=$("$roster" --db "$dir/api.db" clients create bench --all-tenants --scope "users:read users:write" --json)
		id=$(jq -r .client_id <<<"$client")
		secret=$(jq -r .client_secret <<<"$client")
		"$roster" --db "$dir/api.db" serve --addr "127.0.0.1:$port" 2>"$dir/serve.log" &
		local pid=$! base="http://127.0.0.1:$port" tok job status t0 t1
		until curl -sf "$base/healthz" >/dev/null; do sleep 0.05; done
		tok=$(curl -s -u "$id:$secret" -d grant_type=client_credentials "$base/oauth2/token" | jq -r .access_token)
		t0=$(date +%s.%N)
		job=$(curl -s -X POST -H "Authorization: Bearer $tok" -H "Content-Type: text/csv" -T "$dir/users1m.csv" \
			"$base/api/v1/jobs?filename=users1m.csv&wait=60s")
		status=$(jq -r .status <<<"$job")
		while [[ $status == queued || $status == running ]]; do
			sleep 0.05
			status=$(curl -s -H "Authorization: Bearer $tok" "$base/api/v1/jobs/$(jq -r .id <<<"$job")" | jq -r .status)
		done
		t1=$(date +%s.%N)
		local peak cpu
		peak=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status")
		# User and system time of the server, in clock ticks: a busy host
		# moves wall times more than this.
		cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$pid/stat")
		kill -TERM "$pid"
		wait "$pid" || true
		[[ $status == succeeded ]] || echo "job $status" >&2
		echo "$(echo "$t1 - $t0" | bc) $peak $cpu"
	}
	cli_times=() api_times=() api_mems=() cli_cpus=() api_cpus=()
	for _ in $(seq "$runs"); do
		rm -f "$dir"/cli.db*
		/usr/bin/time -o "$dir/.time" -f "%e %U %S" "$roster" --db "$dir/cli.db" import "$dir/users1m.csv" >/dev/null 2>&1
		read -r e u s < <(tail -1 "$dir/.time")
		cli_times+=("$e")
		cli_cpus+=("$(echo "$u + $s" | bc)")
		read -r t m c < <(api_import)
		api_times+=("$t")
		api_mems+=("$m")
		api_cpus+=("$c")
	done
	median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
	c=$(median "${cli_times[@]}")
	a=$(median "${api_times[@]}")
	printf '%-44s %8.2f s              (runs: %s)\n' "roster import (CLI, 1M)" "$c" "${cli_times[*]}"
	printf '%-44s %8.2f s %8d MB   (runs: %s; peak MB: %s)\n' "POST /api/v1/jobs + wait (API, 1M)" "$a" "$(median "${api_mems[@]}")" "${api_times[*]}" "${api_mems[*]}"
	echo "ratio API/CLI: $(echo "scale=3; $a / $c" | bc)"
	cc=$(median "${cli_cpus[@]}")
	ac=$(median "${api_cpus[@]}")
	echo "CPU seconds (user+system): CLI $cc (${cli_cpus[*]}), API server $ac (${api_cpus[*]}); ratio $(echo "scale=3; $ac / $cc" | bc)"
fi
