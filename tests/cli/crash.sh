#!/bin/sh
# kill -9 at random instants of a sync, a delete and a merge: a bounded run of
# tests/crash/crash.sh (CRASH_TRIALS per operation, default 10) for every test run; run the
# script itself with 100 or more trials when changing the writer.
exec sh "$(dirname "$0")/../crash/crash.sh" "${1:?usage: crash.sh BUILD_DIR}" "${CRASH_TRIALS:-10}"
