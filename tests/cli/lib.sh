# lib.sh: what the end-to-end test scripts share. Sourced as
#     . "$(dirname "$0")/lib.sh" && cli_setup NAME "$@"
# which sets ROOT (the source tree), B (the build directory, absolute), S and X (trawl-search and
# trawl-index), T (a fresh temporary directory with a physical path, removed on exit) and the
# counters behind ok, bad and cli_done. The scripts stay plain POSIX sh.

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*" >&2
}
# check NAME CMD...: passes when CMD succeeds
check() {
    name=$1
    shift
    if "$@"; then ok; else bad "$name"; fi
}
# run CMD...: its standard output, error and status into $T/out, $T/err and $st
run() {
    "$@" >"$T/out" 2>"$T/err"
    st=$?
}
# cli_tty CMD...: runs CMD on a pseudo-terminal and prints what the terminal showed (its
# standard output and error, with the terminal's line endings)
cli_tty() {
    python3 -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        d = os.read(fd, 65536)
    except OSError:
        break
    if not d:
        break
    out += d
os.waitpid(pid, 0)
sys.stdout.buffer.write(out)' "$@"
}
# cli_setup NAME BUILD_DIR
cli_setup() {
    [ -n "${2:-}" ] || {
        echo "usage: tests/cli/$1.sh BUILD_DIR" >&2
        exit 2
    }
    ROOT=$(cd "$(dirname "$0")/../.." && pwd)
    B=$(cd "$2" && pwd)
    S=$B/trawl-search
    X=$B/trawl-index
    T=$(mktemp -d "${TMPDIR:-/tmp}/trawl-$1-test.XXXXXX")
    T=$(cd "$T" && pwd -P)
    trap 'rm -rf "$T"' EXIT INT TERM
}
# cli_done: prints "N passed, M failed"; the status says whether all passed
cli_done() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
