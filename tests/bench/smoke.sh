#!/usr/bin/env bash
# The benchmark's smoke run on its own (./kore.build test runs
# tests/bench/*.test.mjs itself when this file is executable): the load
# generator against the peer and parley with a few sockets and messages.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
if [ -z "${DATABASE_URL:-}" ]; then
	./kore.build db-start
	export DATABASE_URL
	DATABASE_URL=$(./kore.build db-url postgres)
fi
if [ -z "${PARLEY_MODULE:-}" ] && ./kore.build build; then
	export PARLEY_MODULE=$ROOT/.build/dev/parley/parley.so
fi
exec node --test --test-reporter=tap tests/bench/*.test.mjs
