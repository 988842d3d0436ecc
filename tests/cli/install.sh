#!/bin/sh
# The installed copy, as a new user meets it: make test installs under BUILD_DIR/stage (a fresh
# PREFIX); this builds the example of the installed trawl.h with nothing but pkg-config's
# flags, from C and from C++, against libtrawl.so and against libtrawl.a, and runs each on the
# seed articles; then the installed man pages and Python package.
# Usage: sh tests/cli/install.sh BUILD_DIR. Prints "N passed, M failed".
set -u
B=${1:?usage: tests/cli/install.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$B" && pwd)
P=$B/stage
T=$(mktemp -d "${TMPDIR:-/tmp}/trawl-install-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
. "$(dirname "$0")/lib.sh" # ok, bad, check, run, cli_done

if [ ! -f "$P/include/trawl.h" ]; then
    echo "install: no installed copy in $P (make test installs it)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
V=$(sed -n 's/^#define TRAWL_VERSION_\(MAJOR\|MINOR\|PATCH\)  *\([0-9]*\).*/\2/p' "$ROOT/searcher/include/trawl.h" | paste -sd.)
if [ "$(pkg-config --modversion trawl)" = "$V" ]; then ok; else bad "trawl.pc version $(pkg-config --modversion trawl), want $V"; fi

# The example exactly as the installed header shows it.
sed -n '/^ \* Example/,/^ \*\//p' "$P/include/trawl.h" | sed -e '1d' -e '$d' \
    -e 's/^ \*     //' -e 's/^ \*$//' >"$T/example.c"
if grep -q 'int main' "$T/example.c"; then ok; else bad "no example in the installed trawl.h"; fi

# A sanitizer build's library needs its runtime in the program too.
SAN=""
readelf -d "$P/lib/libtrawl.so" | grep -q libasan && SAN="-fsanitize=address,undefined"
CFLAGS_PC=$(pkg-config --cflags trawl)
LIBS_PC=$(pkg-config --libs trawl)
LIBS_STATIC=$(pkg-config --static --libs trawl | sed 's/-ltrawl/-Wl,-Bstatic -ltrawl -Wl,-Bdynamic/')
# shellcheck disable=SC2086 # flag lists split on purpose
build() { # NAME COMPILER-AND-FLAGS... -- LIBS
    name=$1
    shift
    if "$@" >"$T/$name.log" 2>&1; then ok; else bad "$name does not build: $(head -5 "$T/$name.log")"; return 1; fi
}
# shellcheck disable=SC2086
{
    build c-shared ${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Werror $SAN $CFLAGS_PC -o "$T/c-shared" "$T/example.c" $LIBS_PC
    build c-static ${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Werror $SAN $CFLAGS_PC \
        -o "$T/c-static" "$T/example.c" $LIBS_STATIC
    build cxx-shared ${CXX:-c++} -x c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror $SAN \
        $CFLAGS_PC -o "$T/cxx-shared" "$T/example.c" -x none $LIBS_PC
    build cxx-static ${CXX:-c++} -x c++ -std=c++11 -Wall -Wextra -Wpedantic -Werror $SAN \
        $CFLAGS_PC -o "$T/cxx-static" "$T/example.c" -x none $LIBS_STATIC
}
for s in c-static cxx-static; do
    if [ -x "$T/$s" ] && ! readelf -d "$T/$s" | grep -q 'libtrawl'; then ok; else
        bad "$s: not linked statically with libtrawl.a"; fi
done

if "$B/trawl-index" -q -o "$T/idx" "$ROOT/tests/data/seeds" >"$T/out" 2>&1; then ok; else
    bad "trawl-index failed: $(cat "$T/out")"
fi
for e in c-shared c-static cxx-shared cxx-static; do
    [ -x "$T/$e" ] || continue
    if LD_LIBRARY_PATH="$P/lib" "$T/$e" "$T/idx" rafah >"$T/out" 2>"$T/err" &&
        [ "$(grep -c '\.txt$' "$T/out")" = 5 ] && grep -q '^5 matching documents$' "$T/out"; then
        ok
    else bad "$e rafah: $(cat "$T/out" "$T/err" | head -3)"; fi
    if LD_LIBRARY_PATH="$P/lib" "$T/$e" "$T/idx" '(unclosed' >"$T/out" 2>"$T/err"; then
        bad "$e accepted a malformed query"
    elif grep -q "The query is malformed. unmatched" "$T/err"; then ok; else
        bad "$e malformed query: $(cat "$T/err")"; fi
    if LD_LIBRARY_PATH="$P/lib" "$T/$e" "$T/nowhere" rafah >"$T/out" 2>"$T/err"; then
        bad "$e opened a missing index"
    elif grep -q "not a trawl index" "$T/err"; then ok; else bad "$e missing index: $(cat "$T/err")"; fi
done

for m in man1/trawl-index.1 man1/trawl-search.1 man3/trawl.3; do
    if [ -f "$P/share/man/$m" ]; then ok; else bad "man page $m not installed"; fi
done

# The Python package, installed under PYDIR, finds the installed library by itself.
PYLIB=$P/lib/python3/dist-packages
if [ -z "$SAN" ]; then
    if (cd "$T" && env -u TRAWL_LIB PYTHONPATH="$PYLIB" python3 -c '
import sys, trawl
assert trawl.__file__.startswith(sys.argv[1]), trawl.__file__
assert len(trawl.Index(sys.argv[2]).search("rafah")) == 5' "$PYLIB" "$T/idx") >"$T/py" 2>&1; then
        ok
    else bad "installed Python package: $(tail -3 "$T/py")"; fi
fi

cli_done
