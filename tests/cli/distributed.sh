#!/bin/sh
# trawl.distributed on a LocalCluster of 3 worker processes on loopback
# (bindings/python/tests_dist) against BUILD_DIR's libtrawl.so. Needs an interpreter that
# imports Debian's python3-distributed: python3 if it does, else Debian's own /usr/bin/python3
# (a python3 earlier in PATH, say pyenv's, does not see Debian's packages). A sanitizer
# build's runtime is preloaded as in python.sh; the workers inherit it.
# Usage: sh tests/cli/distributed.sh BUILD_DIR
set -u
B=${1:?usage: tests/cli/distributed.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$B" && pwd)
PY=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import distributed' >/dev/null 2>&1; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
    echo "FAIL: no python3 imports distributed (Debian python3-distributed: sh .ci/deps test)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
export TRAWL_BUILD="$B" TRAWL_LIB="$B/libtrawl.so.1"
if readelf -d "$B/libtrawl.so" | grep -q 'libasan'; then
    LD_PRELOAD="$(${CC:-cc} -print-file-name=libasan.so) $(${CC:-cc} -print-file-name=libubsan.so)"
    export LD_PRELOAD ASAN_OPTIONS=detect_leaks=0
fi
cd "$ROOT/bindings/python" && exec "$PY" -W ignore::DeprecationWarning -m unittest discover -s tests_dist 2>&1
