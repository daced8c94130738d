#!/usr/bin/env bash
#
# ./kore.build bench: parley against the seed's own stack (the Node.js peer
# in tests/bench/peer), scenario by scenario, in one run (tests/bench/bench.mjs
# has the scenarios and the knobs: BENCH_REPS, BENCH_SCENARIOS, ...).
# Sets up what it needs: npm packages, pgbench, the private PostgreSQL
# cluster with two throwaway databases, the load generator, parley's module;
# cleans up after itself. Tables on stdout, JSON in tests/bench/results/.

set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KB=$ROOT/kore.build
BENCH=$ROOT/tests/bench
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

say() { printf '[bench] %s\n' "$*" >&2; }

cd "$ROOT"

# npm packages (socket.io, pg) come from tests/package.json.
if [ ! -d "$ROOT/tests/node_modules/socket.io" ] || [ ! -d "$ROOT/tests/node_modules/pg" ]; then
	say "installing npm packages"
	(cd "$ROOT/tests" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# pgbench ships with Debian's postgresql-15 package (as does the server).
if [ ! -x "$PGBIN/pgbench" ]; then
	say "installing postgresql-15 (for pgbench)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi

# Descriptors for 10000 sockets on each side.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

mkdir -p "$ROOT/var/bench"
export LOADGEN=$ROOT/var/bench/loadgen
gcc -std=c99 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -o "$LOADGEN" "$BENCH/loadgen.c"

"$KB" db-start
ADMIN_URL=$("$KB" db-url postgres)
export PEER_DB=bench_peer_$$ PARLEY_DB=bench_parley_$$
cleanup() {
	for db in "$PEER_DB" "$PARLEY_DB"; do
		psql -q -X "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
	done
}
trap cleanup EXIT
for db in "$PEER_DB" "$PARLEY_DB"; do
	psql -q -X -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "CREATE DATABASE \"$db\"" >/dev/null
done
export PEER_DB_URL PARLEY_DB_URL
PEER_DB_URL=$("$KB" db-url "$PEER_DB")
PARLEY_DB_URL=$("$KB" db-url "$PARLEY_DB")
export PGBENCH=$PGBIN/pgbench

# parley as it is staged by `./kore.build build`, but compiled with the
# prod flavor's flags (-O2): a copy of the staged app in .build/bench.
export PARLEY_MODULE=""
if "$KB" build; then
	opt=$ROOT/.build/bench/parley
	rm -rf "$opt"
	mkdir -p "$ROOT/.build/bench"
	cp -a "$ROOT/.build/dev/parley" "$opt"
	rm -rf "$opt/.objs" "$opt/parley.so"
	if (cd "$opt" && kodev flavor prod >/dev/null && kodev build >/dev/null 2>&1); then
		PARLEY_MODULE=$opt/parley.so
	else
		say "the -O2 build failed: benchmarking the development (-O0) module"
		PARLEY_MODULE=$ROOT/.build/dev/parley/parley.so
	fi
else
	say "parley does not build: benchmarking the peer only"
fi
say "parley module: $PARLEY_MODULE"

export BENCH_LOGDIR=$ROOT/var/bench
node "$BENCH/bench.mjs"
