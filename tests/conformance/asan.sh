#!/usr/bin/env bash
#
# tests/conformance/asan.sh: run the Engine.IO integration tests against an
# ASan/UBSan build of the conformance fixture (src/eio + fixture_eio.c),
# loaded into the stock kore binary with the sanitizer runtimes preloaded.
# Sanitizer reports land in var/asan/{asan,ubsan}.<pid>; any report fails.
set -euo pipefail

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
OUT=$ROOT/var/asan
mkdir -p "$OUT"
rm -f "$OUT"/asan.* "$OUT"/ubsan.*

gcc -std=c99 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined \
    -fno-omit-frame-pointer -fPIC -shared -I"$ROOT/src" \
    -I/usr/include/postgresql -DKORE_USE_PGSQL -DKORE_USE_TASKS \
    -o "$OUT/conformance.so" "$ROOT"/src/eio/*.c \
    "$ROOT"/tests/conformance/src/fixture_eio.c

export EIO_FIXTURE_SO=$OUT/conformance.so
export EIO_FIXTURE_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS=detect_leaks=0:log_path=$OUT/asan
export UBSAN_OPTIONS=print_stacktrace=1:log_path=$OUT/ubsan

cd "$ROOT/tests"
rc=0
node --test --test-reporter=tap --test-concurrency=1 integration/1*-eio-*.test.mjs \
    > "$OUT/tests.log" 2>&1 || rc=1
grep -E '^not ok|^# (pass|fail)' "$OUT/tests.log" || true
if ls "$OUT"/asan.* "$OUT"/ubsan.* >/dev/null 2>&1; then
	echo "sanitizer reports:"; cat "$OUT"/asan.* "$OUT"/ubsan.* 2>/dev/null | head -80
	rc=1
fi
exit $rc
