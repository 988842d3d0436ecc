#!/bin/sh
# Symbol hygiene of the libraries a program links (README "Library"): libtrawl.so exports and
# libtrawl.a defines only trawl_ names, and a program that defines every internal name of the
# library (tests/embed/collide.c + the generated collide_syms.c) links against either and
# searches correctly. Usage: sh tests/cli/symbols.sh BUILD_DIR. Prints "N passed, M failed".
set -u
B=${1:?usage: tests/cli/symbols.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$B" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/trawl-symbols-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
. "$(dirname "$0")/lib.sh" # ok, bad, check, run, cli_done

# only_trawl NAME: stdin holds "address type name" lines; every name must start with trawl_
only_trawl() {
    awk 'NF == 3 { print $3 }' >"$T/names"
    others=$(grep -v '^trawl_' "$T/names" | head -5 | tr '\n' ' ')
    if [ ! -s "$T/names" ]; then bad "$1: no symbols at all"
    elif [ -n "$others" ]; then bad "$1 exports non-trawl_ names: $others"
    else ok; fi
}
nm -D --defined-only "$B/libtrawl.so" | only_trawl libtrawl.so
nm -g --defined-only "$B/libtrawl.a" | only_trawl libtrawl.a
# The two libraries export the same names.
nm -D --defined-only "$B/libtrawl.so" | awk 'NF == 3 { print $3 }' | sort >"$T/so"
nm -g --defined-only "$B/libtrawl.a" | awk 'NF == 3 { print $3 }' | sort >"$T/a"
if cmp -s "$T/so" "$T/a"; then ok; else bad "libtrawl.so and libtrawl.a export different names"; fi
# The impostors are really there: the internal names the issue found colliding.
for n in checksum64 buf_init err_set plan_build; do
    if grep -q "^long $n(void) {" "$B/tests/collide_syms.c"; then ok; else
        bad "collide_syms.c does not define $n"; fi
done

if "$B/trawl-index" -q -o "$T/idx" "$ROOT/tests/data/seeds" >"$T/out" 2>&1; then ok; else
    bad "trawl-index failed: $(cat "$T/out")"
fi
for kind in static shared; do
    if "$B/tests/collide-$kind" "$T/idx" rafah >"$T/got" 2>"$T/err"; then
        sort "$T/got" >"$T/got.sorted"
        if cmp -s "$T/got.sorted" "$ROOT/tests/data/expected/rafah.ids"; then ok; else
            bad "collide-$kind: wrong hits for rafah: $(tr '\n' ' ' <"$T/got")"; fi
    else
        bad "collide-$kind failed: $(cat "$T/err")"
    fi
done
# The shared one really runs on the library of this build, not an installed copy.
lib=$(ldd "$B/tests/collide-shared" 2>/dev/null | awk '/libtrawl\.so/ { print $3 }')
if [ -n "$lib" ] && [ "$(cd "$(dirname "$lib")" && pwd)" = "$B" ]; then ok; else
    bad "collide-shared loads '$lib', not the library in $B"; fi

cli_done
