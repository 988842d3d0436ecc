#!/bin/sh
# scale.sh: the sharded index on Dask distributed (bench/scale.py: builds with 1 and 2 workers
# against one trawl-index run, query latency and throughput with 1 and 2 workers, the overhead
# of the distributed path over the same two phases in one process), then the tail-latency
# simulation of many shards from the measured per-shard calls (bench/tail_sim.py). bench/run.sh
# calls it; it also runs alone. Writes key=value lines to OUT (and OUT.calls, OUT.sim.md).
# Needs an interpreter that imports Debian's python3-distributed (python3, else /usr/bin/python3).
# Usage: sh bench/scale.sh BUILD_DIR CORPUS_JSONL QUERIES_JSONL WORK_DIR OUT   (REPS, SHARDS)
set -eu
B=${1:?usage: bench/scale.sh BUILD_DIR CORPUS_JSONL QUERIES_JSONL WORK_DIR OUT}
CORPUS=$2
QJ=$3
W=$4
OUT=$5
PY=""
for p in ${PYTHON:-python3} /usr/bin/python3; do
    if "$p" -c 'import distributed' >/dev/null 2>&1; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
    echo "bench/scale.sh: no python3 imports distributed (sh .ci/deps bench)" >&2
    exit 1
fi
TRAWL_LIB=$(cd "$B" && pwd)/libtrawl.so.1 "$PY" -W ignore::DeprecationWarning bench/scale.py \
    "$B" "$CORPUS" "$QJ" "$W" "$OUT" --shards "${SHARDS:-2}" --reps "${REPS:-3}" 2>&1 |
    grep '^bench scale:' >&2 || true
[ -s "$OUT" ] || { echo "bench/scale.sh: bench/scale.py wrote nothing" >&2; exit 1; }
"$PY" bench/tail_sim.py "$OUT.calls" --kv >>"$OUT"
"$PY" bench/tail_sim.py "$OUT.calls" >"$OUT.sim.md"
