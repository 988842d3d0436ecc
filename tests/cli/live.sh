#!/bin/sh
# End-to-end tests of the live index through the binaries: usage $0 BUILD_DIR. The new-user
# story of the live-index issue (index a notes folder, edit one file, delete another, run the
# same command again, search), identity however a path is spelled, two roots with the same
# file names, touch without re-indexing, JSON Lines replace and delete, and bad input: an id
# that does not exist, a root that vanished, a full disk during a merge. Prints
# "N passed, M failed".
set -u
B=${1:?usage: live.sh BUILD_DIR}
B=$(cd "$B" && pwd) # the tests change directory
IDX=$B/trawl-index
SRCH=$B/trawl-search
T=$(mktemp -d /tmp/trawl-cli-live.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
. "$(dirname "$0")/lib.sh" # ok, bad, check, run, cli_done
# hits QUERY: the ids of every hit, sorted, on one line
hits() { "$SRCH" -i "$T/idx" --json -n 100 --no-snippets -- "$1" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | sort | tr '\n' ' '; }

# --- the story: index, edit one file, delete another, sync, search
mkdir -p "$T/notes"
printf 'alpha bravo\n' >"$T/notes/a.txt"
printf 'charlie delta\n' >"$T/notes/b.txt"
printf 'echo foxtrot\n' >"$T/notes/c.txt"
printf 'golf hotel\n' >"$T/notes/d.txt"
"$IDX" -o "$T/idx" "$T/notes" >"$T/out" 2>&1
check "first run: 4 added" grep -q '^4 added, 0 updated, 0 deleted, 0 unchanged;' "$T/out"
printf 'alpha zulu\n' >"$T/notes/a.txt"
rm "$T/notes/b.txt"
"$IDX" -o "$T/idx" "$T/notes" >"$T/out" 2>&1
check "sync: 1 updated, 1 deleted, 2 unchanged" \
    grep -q '^0 added, 1 updated, 1 deleted, 2 unchanged; .*; 3 documents in ' "$T/out"
check "the new word finds the edited file" test "$(hits zulu)" = "a.txt "
check "the old word finds nothing" test "$(hits bravo)" = ""
check "the deleted file is no hit" test "$(hits charlie)" = ""
check "alpha still there once" test "$(hits alpha)" = "a.txt "
"$SRCH" -i "$T/idx" --count alpha >"$T/out"
check "count is exact" test "$(cat "$T/out")" = 1
"$IDX" --check "$T/idx" >"$T/out" 2>&1
check "--check after the sync" grep -q '^ok: ' "$T/out"

# --- one document however the path is spelled
(cd "$T" && "$IDX" -o idx ./notes/ >"$T/out" 2>&1)
check "./notes/: all unchanged" grep -q '^0 added, 0 updated, 0 deleted, 3 unchanged;' "$T/out"
ln -s "$T/notes" "$T/link"
"$IDX" -o "$T/idx" "$T/link" >"$T/out" 2>&1
check "a symlink: all unchanged" grep -q '^0 added, 0 updated, 0 deleted, 3 unchanged;' "$T/out"
"$IDX" -o "$T/idx" "$T/notes/a.txt" >"$T/out" 2>&1
check "the file alone: unchanged" grep -q '^0 added, 0 updated, 0 deleted, 1 unchanged;' "$T/out"
check "still one document for alpha" test "$(hits alpha)" = "a.txt "

# --- a touch: read once, not re-indexed, not read again
touch "$T/notes/c.txt"
"$IDX" -o "$T/idx" "$T/notes" >"$T/out" 2>&1
check "touch: unchanged" grep -q '^0 added, 0 updated, 0 deleted, 3 unchanged; 0 tokens' "$T/out"
"$IDX" -o "$T/idx" "$T/notes" >"$T/out" 2>&1
check "after a touch: unchanged" grep -q '^0 added, 0 updated, 0 deleted, 3 unchanged;' "$T/out"

# --- two roots with the same file names are two sets of documents; a sync of one leaves the other
mkdir -p "$T/d1" "$T/d2"
printf 'india juliet\n' >"$T/d1/n.txt"
printf 'india kilo\n' >"$T/d2/n.txt"
"$IDX" -o "$T/idx" "$T/d1" "$T/d2" >"$T/out" 2>&1
check "two n.txt: both added" grep -q "^2 added, 0 updated, 0 deleted, 0 unchanged;" "$T/out"
"$SRCH" -i "$T/idx" --count india >"$T/out"
check "india in both" test "$(cat "$T/out")" = 2
rm "$T/d1/n.txt"
"$IDX" -o "$T/idx" "$T/d1" >"$T/out" 2>&1
check "sync of d1 deletes only its file" grep -q '^0 added, 0 updated, 1 deleted, 0 unchanged;' "$T/out"
check "d2's file stays" test "$(hits kilo)" = "n.txt "
check "notes stay" test "$(hits alpha)" = "a.txt "

# --- a root that vanished: an error, the index intact
rm -rf "$T/d2"
"$IDX" -o "$T/idx" "$T/d2" >"$T/out" 2>"$T/err"
check "vanished root: exit 2" test $? -eq 2
check "vanished root: one line naming it" grep -q "d2: No such file or directory" "$T/err"
check "vanished root: index unchanged" test "$(hits kilo)" = "n.txt "

# --- JSON Lines: a record with a known id replaces it; --delete, --delete-from
printf '{"id":"r1","text":"lima mike"}\n{"id":"r2","text":"lima november"}\n' >"$T/a.jsonl"
"$IDX" --jsonl -o "$T/j" "$T/a.jsonl" >"$T/out" 2>&1
printf '{"id":"r1","text":"lima oscar"}\n{"id":"r2","text":"lima november"}\n' >"$T/a.jsonl"
"$IDX" --jsonl -o "$T/j" "$T/a.jsonl" >"$T/out" 2>&1
check "jsonl: one replaced, one unchanged" grep -q '^0 added, 1 updated, 0 deleted, 1 unchanged;' "$T/out"
"$SRCH" -i "$T/j" --count mike >"$T/out"
check "jsonl: the old text is gone" test "$(cat "$T/out")" = 0
"$IDX" -o "$T/j" --delete r2 --delete nosuch >"$T/out" 2>"$T/err"
check "--delete: exit 0" test $? -eq 0
check "--delete: one deleted" grep -q '^0 added, 0 updated, 1 deleted, 0 unchanged;' "$T/out"
check "--delete of an unknown id: a warning" \
    grep -q '^trawl-index: warning: nosuch: no such document in the index, nothing deleted$' "$T/err"
printf 'r1\n' | "$IDX" -o "$T/j" --delete-from - >"$T/out" 2>&1
check "--delete-from -: deleted" grep -q '^0 added, 0 updated, 1 deleted, 0 unchanged; .*; 0 documents in ' "$T/out"
"$SRCH" -i "$T/j" --count lima >"$T/out"
check "jsonl: nothing left" test "$(cat "$T/out")" = 0

# --- --merge: one segment, deleted documents gone, same answers
before=$(hits alpha)
"$IDX" --merge "$T/idx" >"$T/out" 2>&1
check "--merge: one segment" grep -q ' in 1 segment;' "$T/out"
check "--merge: no live file left" test -z "$(ls "$T/idx" | grep '\.liv$')"
check "--merge: same answers" test "$(hits alpha)" = "$before"

# --- a full disk during a merge (a file size limit stands in): one error line, old index intact
mkdir -p "$T/big"
awk -v dir="$T/big" 'BEGIN { srand(3); for (d = 0; d < 300; d++) { f = sprintf("%s/f%03d.txt", dir, d);
     for (i = 0; i < 400; i++) printf "w%d ", int(rand() * 5000) > f; close(f) } }'
"$IDX" -q --no-merge -o "$T/m" "$T/big"
for k in 1 2 3; do printf 'extra%d\n' $k >"$T/big/x$k.txt"; "$IDX" -q --no-merge -o "$T/m" "$T/big"; done
"$SRCH" -i "$T/m" --count w1 >"$T/before"
(trap '' XFSZ; ulimit -f 200; exec "$IDX" --merge "$T/m") >"$T/out" 2>"$T/err"
check "merge on a full disk: exit 1" test $? -eq 1
check "merge on a full disk: one line" test "$(wc -l <"$T/err")" -eq 1
check "merge on a full disk: names the file" grep -q 'File too large' "$T/err"
"$IDX" --check "$T/m" >"$T/out" 2>&1
check "merge on a full disk: index intact" grep -q '^ok: 4 segments' "$T/out"
"$SRCH" -i "$T/m" --count w1 >"$T/after"
check "merge on a full disk: same answers" cmp -s "$T/before" "$T/after"
check "merge on a full disk: no temporary file" test -z "$(ls -a "$T/m" | grep '\.tmp')"

cli_done
