#!/bin/sh
# End-to-end tests of trawl-index --watch: usage $0 BUILD_DIR. A watcher runs in the background
# on a temporary tree while the tree changes the ways editors and people change it; after each
# change the script polls the index (at most WAIT_S seconds) until it holds exactly the expected
# documents, so nothing here depends on timing but the upper bound. Then SIGINT must commit and
# exit 0 with a consistent index that a plain sync finds already in sync. Also: the batch size
# and stop commit, SIGTERM, an overflowed event queue, usage errors. Prints "N passed, M failed".
set -u
B=${1:?usage: watch.sh BUILD_DIR}
IDX_BIN=$B/trawl-index
SEARCH=$B/trawl-search
WAIT_S=10
T=$(mktemp -d /tmp/trawl-cli-watch.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$T"' EXIT INT TERM
. "$(dirname "$0")/lib.sh" # ok, bad, check, run, cli_done


# ids INDEX QUERY: the ids of every hit, sorted, on one line; "?" if the search failed (no index
# yet, say: exit status 2; 1 is no hits), which never equals an expectation.
ids() {
    out=$("$SEARCH" -i "$1" --json -n 1000 --no-snippets "$2" 2>/dev/null)
    [ $? -le 1 ] || { echo "?"; return; }
    echo "$out" | grep -o '"id":"[^"]*"' | sed 's/^"id":"//; s/"$//' | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect NAME INDEX QUERY IDS: polls until QUERY finds exactly IDS (space separated, sorted).
expect() {
    name=$1 idx=$2 query=$3 want=$4
    i=0
    while [ $i -lt $((WAIT_S * 10)) ]; do
        got=$(ids "$idx" "$query")
        if [ "$got" = "$want" ]; then ok; return; fi
        sleep 0.1
        i=$((i + 1))
    done
    bad "$name: '$query' found [$got], expected [$want] (waited ${WAIT_S}s)"
}

# lines_at_least FILE N: polls until FILE has N lines.
lines_at_least() {
    i=0
    while [ $i -lt $((WAIT_S * 10)) ]; do
        [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# stop PID SIGNAL: sends it and waits for the exit, at most WAIT_S seconds (then kill -9, whose
# status 137 fails the check); code receives the exit status.
stop() {
    kill -"$2" "$1"
    (sleep "$WAIT_S"; kill -9 "$1" 2>/dev/null) &
    killer=$!
    wait "$1"
    code=$?
    kill "$killer" 2>/dev/null
    wait "$killer" 2>/dev/null
}

SUMMARY='^[0-9,]+ added, [0-9,]+ updated, [0-9,]+ deleted, [0-9,]+ unchanged; [0-9,]+ tokens, [0-9,]+ terms, [0-9,]+ bytes written \([0-9,]+ stored text\); [0-9,]+ documents? in [0-9]+ segments?; [0-9]+\.[0-9]+ s$'

# --- the main run: the index lives inside the tree it watches (and is never indexed)
W=$T/tree
I=$W/idx
mkdir -p "$W/sub"
echo "common alpha" >"$W/a.txt"
echo "common bravo" >"$W/sub/b.txt"
echo "common hidden" >"$W/.hidden.txt"
"$IDX_BIN" --watch -v --commit-interval 0.2 -o "$I" "$W" >"$T/out" 2>"$T/err" &
pid=$!
check "start: first summary" lines_at_least "$T/out" 1
check "start: the usual summary" grep -Eq '^2 added, 0 updated, 0 deleted, 0 unchanged;' "$T/out"
expect "start" "$I" common "a.txt sub/b.txt"

echo "common charlie" >"$W/c.txt"
expect "create" "$I" common "a.txt c.txt sub/b.txt"

echo "delta" >>"$W/a.txt"
expect "edit in place" "$I" delta "a.txt"
expect "edit in place keeps the old words" "$I" alpha "a.txt"

# Save by rename, a visible temporary name (some editors) and a hidden one (others).
echo "common echo" >"$W/sub/b.txt.new"
mv "$W/sub/b.txt.new" "$W/sub/b.txt"
expect "save by rename" "$I" echo "sub/b.txt"
expect "save by rename: old text gone" "$I" bravo ""
echo "common echo golf" >"$W/sub/.b.txt.swp"
mv "$W/sub/.b.txt.swp" "$W/sub/b.txt"
expect "save by rename (hidden temporary)" "$I" golf "sub/b.txt"
# Save by delete and create.
rm "$W/c.txt"
echo "common charlie foxtrot" >"$W/c.txt"
expect "save by delete+create" "$I" foxtrot "c.txt"
expect "no temporary file indexed" "$I" common "a.txt c.txt sub/b.txt"

rm "$W/a.txt"
expect "delete" "$I" common "c.txt sub/b.txt"

mkdir -p "$W/new/deep"
echo "common hotel" >"$W/new/n1.txt"
echo "common india" >"$W/new/deep/n2.txt"
expect "new subdirectory" "$I" common "c.txt new/deep/n2.txt new/n1.txt sub/b.txt"
echo "common juliet" >"$W/new/deep/n3.txt"
expect "new subdirectory is watched" "$I" juliet "new/deep/n3.txt"

mv "$W/new" "$T/outside"
expect "directory moved out" "$I" common "c.txt sub/b.txt"
# A change in the moved-out directory stays out of the index. The file created in the tree
# after it tells when the watcher has seen both.
echo "common kilo" >"$T/outside/deep/n2.txt"
echo "common lima" >"$W/l.txt"
expect "sync point" "$I" lima "l.txt"
expect "changes in a moved-out directory stay out" "$I" kilo ""

mkdir -p "$T/incoming/sub2"
echo "common mike" >"$T/incoming/x.txt"
echo "common november" >"$T/incoming/sub2/y.txt"
mv "$T/incoming" "$W/in"
expect "directory moved in" "$I" common "c.txt in/sub2/y.txt in/x.txt l.txt sub/b.txt"
echo "common oscar" >"$W/in/sub2/z.txt"
expect "moved-in directory is watched" "$I" oscar "in/sub2/z.txt"

mv "$W/in" "$W/in2"
expect "directory renamed in the tree" "$I" common \
    "c.txt in2/sub2/y.txt in2/sub2/z.txt in2/x.txt l.txt sub/b.txt"
echo "common papa" >"$W/in2/sub2/p.txt"
expect "renamed directory watched at its new path" "$I" papa "in2/sub2/p.txt"

rm -r "$W/in2"
expect "directory deleted" "$I" common "c.txt l.txt sub/b.txt"

# A directory reached by two paths (a symbolic link to it) is indexed under both, as a plain
# sync does, and follows changes under both; removing the link removes its documents.
mkdir "$W/shared"
echo "common uniform" >"$W/shared/s.txt"
ln -s shared "$W/lnk"
expect "symbolic link to a directory" "$I" uniform "lnk/s.txt shared/s.txt"
echo "common uniform victor" >"$W/shared/s.txt"
expect "a change seen under both paths" "$I" victor "lnk/s.txt shared/s.txt"
rm "$W/lnk"
expect "link removed" "$I" uniform "shared/s.txt"
rm -r "$W/shared"
expect "linked directory removed" "$I" common "c.txt l.txt sub/b.txt"

# Skip rules: hidden files and directories, binary files (a warning), and the index itself.
echo "common quebec" >"$W/.q.txt"
mkdir "$W/.hid" && echo "common quebec" >"$W/.hid/q.txt"
printf 'quebec\000binary' >"$W/q.bin"
echo "common romeo" >"$W/r.txt"
expect "sync point" "$I" romeo "r.txt"
expect "hidden and binary files skipped" "$I" quebec ""
check "binary file noted (-v)" grep -q "^trawl-index: note: .*/q.bin: binary file, skipped" "$T/err"

stop "$pid" INT
pid=""
check "SIGINT: exit 0 (got $code)" test "$code" = 0
check "one summary line per commit" test "$(grep -Evc "$SUMMARY" "$T/out")" -eq 0
check "several commits" test "$(wc -l <"$T/out")" -ge 15
"$IDX_BIN" --check "$I" >"$T/check" 2>&1
check "--check after the watch" grep -Eqx 'ok: [0-9]+ segments?, 4 documents' "$T/check"
expect "final content" "$I" common "c.txt l.txt r.txt sub/b.txt"
"$IDX_BIN" -o "$I" "$W" >"$T/out2" 2>/dev/null
check "a plain sync afterwards finds nothing to do" \
    grep -q '^0 added, 0 updated, 0 deleted, 4 unchanged;' "$T/out2"

# --- a file argument: saving it by rename is seen through its directory; its siblings are not
F=$T/files
mkdir "$F"
echo "sierra one" >"$F/note.txt"
echo "sierra sibling" >"$F/other.txt"
"$IDX_BIN" --watch --commit-interval 0.2 -o "$T/fidx" "$F/note.txt" >"$T/fout" 2>"$T/ferr" &
pid=$!
expect "file argument" "$T/fidx" sierra "note.txt"
echo "sierra tango" >"$F/note.txt.tmp" && mv "$F/note.txt.tmp" "$F/note.txt"
echo "sierra tango" >"$F/other.txt"
expect "file argument saved by rename" "$T/fidx" tango "note.txt"
stop "$pid" TERM
pid=""
check "SIGTERM: exit 0 (got $code)" test "$code" = 0

# --- the file selection holds for every change as for the first walk, its globs relative to
# the given path: --exclude, --type, and .gitignore files of the tree and of a git repository
# above it
G=$T/git
S=$G/tree
mkdir -p "$G/.git" "$S/logs" "$S/deep/build"
printf 'tree/deep/build/\n' >"$G/.gitignore"
printf '*.tmp\n' >"$S/.gitignore"
echo "whiskey start" >"$S/a.txt"
"$IDX_BIN" --watch --commit-interval 0.2 --exclude '/logs/' --type txt -o "$T/sidx" "$S" \
    >"$T/sout" 2>"$T/serr" &
pid=$!
expect "selection: first sync" "$T/sidx" whiskey "a.txt"
echo "whiskey log" >"$S/logs/l.txt"
echo "whiskey md" >"$S/deep/n.md"
echo "whiskey built" >"$S/deep/build/b.txt"
echo "whiskey temp" >"$S/deep/t.tmp"
mkdir -p "$S/deep/logs" && echo "whiskey nested" >"$S/deep/logs/k.txt"
echo "whiskey end" >"$S/z.txt"
expect "selection: excluded, other-type and ignored files stay out" "$T/sidx" whiskey \
    "a.txt deep/logs/k.txt z.txt"
stop "$pid" INT
pid=""
"$IDX_BIN" --exclude '/logs/' --type txt -o "$T/sidx" "$S" >"$T/sout2" 2>/dev/null
check "selection: a plain sync agrees" grep -q '^0 added, 0 updated, 0 deleted, 3 unchanged;' \
    "$T/sout2"

# --- --commit-changes commits before the interval; a stop commits what is pending (separate
# runs: a file's events may straddle a batch, so a count of pending paths is not exact)
P=$T/pend
mkdir "$P"
echo "uniform" >"$P/u0.txt"
"$IDX_BIN" --watch -q --commit-interval 600 --commit-changes 2 -o "$T/pidx" "$P" \
    >"$T/pout" 2>"$T/perr" &
pid=$!
expect "batch start" "$T/pidx" uniform "u0.txt"
# Written beside the tree and moved in whole: a file created in place can be committed between
# its creation and its write (the second change comes due first), empty, and its write is
# then a change that waits for the interval (seen once under ASan).
echo "uniform" >"$T/u1.txt"
echo "uniform" >"$T/u2.txt"
mv "$T/u1.txt" "$T/u2.txt" "$P/"
expect "--commit-changes 2: committed long before the interval" "$T/pidx" uniform \
    "u0.txt u1.txt u2.txt"
stop "$pid" INT
pid=""
check "-q prints nothing" test ! -s "$T/pout"
"$IDX_BIN" --watch --commit-interval 600 -o "$T/pidx" "$P" >"$T/pout" 2>"$T/perr" &
pid=$!
check "second start: first summary" lines_at_least "$T/pout" 1
check "second start: all unchanged" grep -q '^0 added, 0 updated, 0 deleted, 3 unchanged;' "$T/pout"
echo "victor" >"$P/v.txt"
sleep 0.3
check "a change pending, not yet committed" test "$(ids "$T/pidx" victor)" = ""
stop "$pid" INT
pid=""
check "stop with a batch pending: exit 0 (got $code)" test "$code" = 0
check "the pending batch was committed" test "$(ids "$T/pidx" victor)" = "v.txt"
check "its summary line" test "$(wc -l <"$T/pout")" -eq 2

# --- an overflowed event queue: the watcher is stopped while more changes than the kernel
# queues happen; it falls back to a full sync and misses nothing
qmax=$(cat /proc/sys/fs/inotify/max_queued_events 2>/dev/null || echo 0)
if [ "$qmax" -gt 0 ] && [ "$qmax" -le 65536 ]; then
    n=$((qmax / 3 + 500)) # a file makes 3 events or more: create, modify, close
    O=$T/over
    mkdir "$O"
    echo "whiskey" >"$O/w.txt"
    "$IDX_BIN" --watch --commit-interval 0.2 -o "$T/oidx" "$O" >"$T/oout" 2>"$T/oerr" &
    pid=$!
    expect "overflow start" "$T/oidx" whiskey "w.txt"
    kill -STOP "$pid"
    awk -v d="$O" -v n="$n" 'BEGIN { for (i = 0; i < n; i++) {
        f = sprintf("%s/x%06d.txt", d, i); print "xray" > f; close(f) } }'
    kill -CONT "$pid"
    i=0
    while [ $i -lt $((WAIT_S * 10)) ]; do
        got=$("$SEARCH" -i "$T/oidx" --count xray 2>/dev/null)
        [ "$got" = "$n" ] && break
        sleep 0.1
        i=$((i + 1))
    done
    check "overflow: all $n files indexed (got $got)" test "$got" = "$n"
    check "overflow warned about" grep -q 'event queue overflowed' "$T/oerr"
    stop "$pid" INT
    pid=""
    check "overflow: exit 0 (got $code)" test "$code" = 0
    "$IDX_BIN" --check "$T/oidx" >"$T/check" 2>&1
    check "overflow: --check" grep -Eqx "ok: [0-9]+ segments?, $((n + 1)) documents" "$T/check"
else
    echo "skip: overflow test (max_queued_events $qmax)"
fi

# --- usage errors
"$IDX_BIN" --commit-interval 1 -o "$T/u" "$W" >/dev/null 2>&1
check "--commit-interval without --watch: exit 2" test $? -eq 2
"$IDX_BIN" --watch --jsonl -o "$T/u" "$W" >/dev/null 2>&1
check "--watch --jsonl: exit 2" test $? -eq 2
"$IDX_BIN" --watch --commit-interval -1 -o "$T/u" "$W" >/dev/null 2>&1
check "--commit-interval -1: exit 2" test $? -eq 2
"$IDX_BIN" --watch --commit-changes 0 -o "$T/u" "$W" >/dev/null 2>&1
check "--commit-changes 0: exit 2" test $? -eq 2
"$IDX_BIN" --watch -o "$T/u" >/dev/null 2>&1
check "--watch without paths: exit 2" test $? -eq 2
check "usage errors wrote nothing" test ! -e "$T/u"

cli_done
