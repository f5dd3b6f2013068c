#!/usr/bin/env bash
# A PostgreSQL server for roster's tests and benchmarks: Debian's PostgreSQL
# (installed when missing), run as the postgres user on a free loopback
# port, with its data in a folder of its own under /tmp.
#
#   ./scripts/postgres.sh start   start it (or reuse the one running) and print its URL
#   ./scripts/postgres.sh url     print the URL of the running server
#   ./scripts/postgres.sh stop    stop it and remove its folder
#
# ROSTER_PG_DIR names the folder (default /tmp/roster-postgres-$UID), so
# that a second start finds the first server and reuses it. The server
# trusts connections from this machine's loopback only: it is for tests.
set -euo pipefail

dir=${ROSTER_PG_DIR:-/tmp/roster-postgres-$(id -u)}
cmd=${1:-}

die() {
	echo "postgres.sh: $*" >&2
	exit 1
}

# bindir finds the server's programs: Debian keeps them out of PATH.
bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return
		fi
	done
	return 1
}

install_server() {
	bindir >/dev/null && return
	echo "postgres.sh: installing Debian's PostgreSQL" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y postgresql >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y postgresql >/dev/null; } ||
		die "could not install PostgreSQL (apt-get install -y postgresql)"
	# Debian's package creates and starts a cluster of its own; ours is separate.
	bindir >/dev/null || die "PostgreSQL is installed but initdb and pg_ctl are not found"
}

# as_server runs a command as the user that owns the server's files: the
# postgres user when we are root (PostgreSQL refuses to run as root).
as_server() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

url() {
	[ -f "$dir/port" ] || return 1
	echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/roster?sslmode=disable"
}

running() {
	[ -f "$dir/port" ] && as_server "$(bindir)/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

free_port() {
	local p
	for p in $(seq 54330 54429); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port between 54330 and 54429"
}

# folder makes the server's folder, refusing one that someone else made
# (a symlink or another owner's folder put there to catch the data).
folder() {
	local owner=$(id -un)
	[ "$(id -u)" = 0 ] && owner=postgres
	if [ -L "$dir" ] || { [ -e "$dir" ] && [ "$(stat -c %U "$dir")" != "$owner" ]; }; then
		die "$dir exists and is not a folder of $owner; remove it or set ROSTER_PG_DIR"
	fi
	if [ ! -d "$dir" ]; then
		mkdir -m 0700 "$dir"
		[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	fi
}

start() {
	install_server
	local bin
	bin=$(bindir)
	if running; then
		url
		return
	fi
	folder
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_server rm -rf "$dir/data"
		as_server "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			die "initdb failed; see $dir/initdb.log"
	fi
	local port
	port=$(free_port)
	# Loopback only, the socket in our folder. Sized as a database server
	# is (PostgreSQL's defaults fit a small machine of long ago): a buffer
	# cache that holds a million users with their indexes, and a log large
	# enough that a million-row load is not cut by checkpoints.
	as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c shared_buffers=1GB -c max_wal_size=4GB -c max_connections=200" start >/dev/null ||
		die "the server did not start; see $dir/server.log"
	as_server tee "$dir/port" >/dev/null <<<"$port"
	as_server "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAtc \
		"SELECT 1 FROM pg_database WHERE datname = 'roster'" | grep -q 1 ||
		as_server "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres roster
	url
}

stop() {
	local bin
	bin=$(bindir) || return 0
	[ -d "$dir" ] || return 0
	if [ -f "$dir/data/PG_VERSION" ]; then
		as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}

case $cmd in
start) start ;;
url) running && url || die "no server is running in $dir; run: $0 start" ;;
stop) stop ;;
*) die "usage: $0 start|url|stop" ;;
esac
