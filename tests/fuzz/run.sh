#!/usr/bin/env bash
#
# tests/fuzz/run.sh [SECONDS]: build every tests/fuzz/fuzz_*.c target with
# libFuzzer + ASan/UBSan against the pure sources and the unit-test shim,
# then run each for SECONDS (default 60). Corpora live in
# tests/fuzz/corpus-run/<target>/ (ignored), seeded from tests/fuzz/seeds/<target>/
# when present. Crashes land in tests/fuzz/out/. Exit status 1 if any
# target found a crash.
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SECS=${1:-60}
OUT=$ROOT/tests/fuzz/out
CORPUS=$ROOT/tests/fuzz/corpus-run
CC=${CC:-clang}
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -I$ROOT/src -I/usr/include/kore -I/usr/include/postgresql"
mkdir -p "$OUT" "$CORPUS"

srcs=$(ls "$ROOT"/src/util/util_*.c "$ROOT"/src/*/*_packet.c "$ROOT"/src/*/*_codec.c 2>/dev/null || true)
rc=0
for t in "$ROOT"/tests/fuzz/fuzz_*.c; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .c)
	bin=$OUT/$name
	# shellcheck disable=SC2086
	$CC $CFLAGS -o "$bin" "$t" "$ROOT/tests/unit/kore_shim.c" \
	    /usr/share/kore/src/buf.c $srcs -ljansson -lcrypto
	mkdir -p "$CORPUS/$name"
	seeds=""
	[ -d "$ROOT/tests/fuzz/seeds/$name" ] && seeds=$ROOT/tests/fuzz/seeds/$name
	echo "[fuzz] $name for ${SECS}s"
	if ! (cd "$OUT" && "$bin" -max_total_time="$SECS" -max_len=4096 \
	    -artifact_prefix="$OUT/$name-" -print_final_stats=1 \
	    "$CORPUS/$name" $seeds) >"$OUT/$name.log" 2>&1; then
		echo "[fuzz] $name: FAILED (see $OUT/$name.log)"
		tail -30 "$OUT/$name.log"
		rc=1
	else
		grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$OUT/$name.log" | tail -2 | sed "s|^|[fuzz] $name: |"
	fi
done
exit $rc
