#!/bin/sh
# The Python binding's unittest suite (bindings/python/tests) against BUILD_DIR's libtrawl.so.
# A sanitizer build's library needs its runtime first in the process: it is preloaded (leak
# detection off: the interpreter keeps its memory to the end).
# Usage: sh tests/cli/python.sh BUILD_DIR
set -u
B=${1:?usage: tests/cli/python.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$B" && pwd)
export TRAWL_BUILD="$B" TRAWL_LIB="$B/libtrawl.so.1"
if readelf -d "$B/libtrawl.so" | grep -q 'libasan'; then
    LD_PRELOAD="$(${CC:-cc} -print-file-name=libasan.so) $(${CC:-cc} -print-file-name=libubsan.so)"
    export LD_PRELOAD ASAN_OPTIONS=detect_leaks=0
fi
cd "$ROOT/bindings/python" && exec python3 -m unittest discover -s tests 2>&1
