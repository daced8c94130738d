#!/usr/bin/env bash
#
# tests/conformance/run.sh: build the conformance fixture (DESIGN.md §6)
# from tests/conformance/src plus src/eio (and src/sio, src/util when
# present) and run it in the foreground on http://127.0.0.1:3000.
#
#   PORT=3000 WORKERS=1 ./kore.build conformance
#   ./tests/conformance/run.sh --build-only    print the module path, exit
#
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PORT=${PORT:-3000}
WORKERS=${WORKERS:-1}

mods="eio"
[ -d "$ROOT/src/util" ] && mods="$mods util"
[ -d "$ROOT/src/sio" ] && [ -f "$ROOT/tests/conformance/src/fixture_sio.c" ] && mods="$mods sio"
[ -d "$ROOT/src/bus" ] && [ -f "$ROOT/tests/conformance/src/fixture_sio.c" ] && mods="$mods bus"

# kodev rebuilds an object only when its .c changed: after a header
# change, start from clean objects.
stage=$ROOT/.build/conformance/conformance
if [ -f "$stage/conformance.so" ] && [ -n "$(find "$ROOT/src" "$ROOT/tests/conformance/src" \
    -name '*.h' -newer "$stage/conformance.so" 2>/dev/null | head -1)" ]; then
	rm -rf "$stage/.objs" "$stage/conformance.so"
fi

# shellcheck disable=SC2086
so=$("$ROOT/kore.build" stage-fixture conformance \
    "$ROOT/tests/conformance/conf/fixture.conf" "$ROOT/tests/conformance/src" $mods)
if [ "${1:-}" = "--build-only" ]; then
	echo "$so"
	exit 0
fi

mkdir -p "$ROOT/var/run"
conf=$ROOT/var/run/conformance-$PORT.conf
{
	echo "load $so"
	echo "pidfile $ROOT/var/run/conformance-$PORT.pid"
	sed -e "s|@PORT@|$PORT|g" -e "s|@WORKERS@|$WORKERS|g" \
	    "$ROOT/tests/conformance/conf/fixture.conf"
} > "$conf"
echo "[conformance] http://127.0.0.1:$PORT (workers $WORKERS): /engine.io/ echo" >&2
cd "$ROOT"
exec stdbuf -oL -eL kore -fnrc "$conf"
