#!/bin/sh
# End-to-end tests of hits that open (issue 9, item 1): the path printed opens from the working
# directory (relative under it, absolute elsewhere or with --absolute), line:column point at the
# matched word in the file (also after a date prefix, in a .gz file, on later lines, several
# stored blocks deep), --vimgrep lines that vim -q jumps to, -l and -0, and JSON Lines ids kept
# as ids.
# Usage: sh tests/cli/open.sh BUILD_DIR. Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh" && cli_setup open "$@"
# at FILE LINE COL: the bytes of FILE (gunzipped if .gz) from LINE:COL on
at() {
    case $1 in
    *.gz) gzip -dc "$1" ;;
    *) cat "$1" ;;
    esac | sed -n "$2p" | cut -b "$3-"
}
# points NAME WORD: every line of $T/out is path:line:col:... and points at WORD (any case)
points() {
    n=0
    while IFS=: read -r p l c _; do
        n=$((n + 1))
        got=$(at "$p" "$l" "$c" | cut -c1-${#2} | tr '[:upper:]' '[:lower:]')
        if [ "$got" != "$2" ]; then
            bad "$1: $p:$l:$c shows '$got', not '$2'"
            return
        fi
    done <"$T/out"
    if [ "$n" -gt 0 ]; then ok; else bad "$1: no lines"; fi
}

mkdir -p "$T/work/notes/sub" "$T/elsewhere"
cp "$ROOT"/tests/data/seeds/* "$T/work/notes/"
printf 'first line\n\nthird line has the word zebra here\n\tzebra again, after a tab\n' >"$T/work/notes/sub/zoo.txt"
printf 'date 2024-01-02\n\nprefix then\nline four: quokka\n' >"$T/work/notes/sub/dated.txt"
printf 'one\ntwo\nthree: wombat\n' | gzip -c >"$T/work/notes/sub/packed.txt.gz"
printf '{"id":"rec-1","text":"alpha\\nbeta numbat gamma"}\n' >"$T/recs.jsonl"
# A text of several stored blocks (16 KiB each) with one match far from its start, after a
# multi-byte character: the line count and column run through every block before it.
awk 'BEGIN { for (i = 1; i <= 3000; i++)
                 if (i == 2500) print "h\303\251llo narwhal caf\303\251, row " i
                 else print "row " i ": filler words for the stored blocks" }' \
    >"$T/work/notes/sub/long.txt"
"$X" -q -o "$T/idx" "$T/work/notes" && "$X" -q --jsonl -o "$T/idx" "$T/recs.jsonl" || {
    bad "indexing failed"
    cli_done
    exit 1
}

cd "$T/work" || exit 1
# ---- text output: path:line:column relative to the working directory
run "$S" -i "$T/idx" -n 1 zebra
if [ "$st" = 0 ] && grep -q '^1\. [0-9.]*  notes/sub/zoo\.txt:3:25$' "$T/out"; then ok; else bad "text: relative path:line:col"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" --absolute -n 1 zebra
if grep -q "^1\. [0-9.]*  $T/work/notes/sub/zoo\.txt:3:25$" "$T/out"; then ok; else bad "--absolute"; cat "$T/out" >&2; fi
(cd "$T/elsewhere" && "$S" -i "$T/idx" -n 1 zebra) >"$T/out"
if grep -q "^1\. [0-9.]*  $T/work/notes/sub/zoo\.txt:3:25$" "$T/out"; then ok; else bad "outside the tree: absolute"; cat "$T/out" >&2; fi
(cd "$T/work/notes" && "$S" -i "$T/idx" -n 1 zebra) >"$T/out"
if grep -q '^1\. [0-9.]*  sub/zoo\.txt:3:25$' "$T/out"; then ok; else bad "from inside the root"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" -n 1 --no-snippets zebra
if grep -q '^1\. [0-9.]*  notes/sub/zoo\.txt$' "$T/out"; then ok; else bad "--no-snippets: path only"; cat "$T/out" >&2; fi

# ---- --vimgrep: path:line:col:line, pointing at the word
run "$S" -i "$T/idx" --vimgrep zebra
if [ "$st" = 0 ] && [ "$(cat "$T/out")" = "notes/sub/zoo.txt:3:25:third line has the word zebra here" ]; then ok; else bad "--vimgrep line"; cat "$T/out" >&2; fi
points "--vimgrep zebra" zebra
run "$S" -i "$T/idx" --vimgrep --no-snippets zebra
if [ "$(cat "$T/out")" = "notes/sub/zoo.txt:3:25:third line has the word zebra here" ]; then ok; else bad "--vimgrep needs the snippet even with --no-snippets"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" --vimgrep rafah
if [ "$(wc -l <"$T/out")" = 5 ]; then ok; else bad "--vimgrep lists every match without -n"; fi
points "--vimgrep rafah (dated seeds)" rafah
run "$S" -i "$T/idx" --vimgrep -n 2 rafah
if [ "$(wc -l <"$T/out")" = 2 ]; then ok; else bad "--vimgrep -n 2"; fi
run "$S" -i "$T/idx" --vimgrep quokka
if [ "$(cat "$T/out")" = "notes/sub/dated.txt:4:12:line four: quokka" ]; then ok; else bad "a date prefix keeps lines right"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" --vimgrep wombat
if [ "$(cat "$T/out")" = "notes/sub/packed.txt.gz:3:8:three: wombat" ]; then ok; else bad ".gz: line of the decompressed text"; cat "$T/out" "$T/err" >&2; fi
run "$S" -i "$T/idx" --vimgrep numbat
if [ "$(cat "$T/out")" = "rec-1:2:6:beta numbat gamma" ]; then ok; else bad "JSON Lines: the id stays the id"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" --vimgrep --color always zebra
if [ "$(cat "$T/out")" = "$(printf 'notes/sub/zoo.txt:3:25:third line has the word \033[1;31mzebra\033[0m here')" ]; then ok; else bad "--vimgrep --color always"; fi
run "$S" -i "$T/idx" --vimgrep narwhal
if [ "$(cat "$T/out")" = "$(printf 'notes/sub/long.txt:2500:8:h\303\251llo narwhal caf\303\251, row 2500')" ]; then ok; else bad "a match blocks deep: line and byte column"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" -n 1 narwhal
if [ "$(sed -n 2p "$T/out")" = "$(printf '   \342\200\246h\303\251llo narwhal caf\303\251, row 2500 row 2501: filler words for the stored blocks row 2502: filler words for the stored blocks row 2503: filler words\342\200\246')" ]; then ok; else bad "a match blocks deep: snippet"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" --vimgrep nosuchword
if [ "$st" = 1 ] && [ ! -s "$T/out" ]; then ok; else bad "--vimgrep without hits: exit 1, no output"; fi

# vim -q opens the file at the line and column
if command -v vim >/dev/null 2>&1; then
    "$S" -i "$T/idx" --vimgrep -n 1 zebra >"$T/qf"
    vim -N -u NONE -i NONE -es -q "$T/qf" \
        -c 'call writefile([expand("%") . ":" . line(".") . ":" . strpart(getline("."), col(".") - 1, 5)], "'"$T/vim"'")' \
        -c 'qa!' </dev/null >/dev/null 2>&1
    if [ "$(cat "$T/vim" 2>/dev/null)" = "notes/sub/zoo.txt:3:zebra" ]; then ok; else bad "vim -q lands on the word: $(cat "$T/vim" 2>/dev/null)"; fi
fi

# ---- -l, -0
run "$S" -i "$T/idx" -l zebra
if [ "$st" = 0 ] && [ "$(cat "$T/out")" = notes/sub/zoo.txt ]; then ok; else bad "-l"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" --files-with-matches rafah
if [ "$(wc -l <"$T/out")" = 5 ] && ! grep -qv '^notes/0' "$T/out"; then ok; else bad "-l lists every match"; fi
"$S" -i "$T/idx" -l0 zebra OR wombat OR numbat >"$T/out"
if [ "$(tr '\0' '\n' <"$T/out" | sort | tr '\n' ' ')" = "notes/sub/packed.txt.gz notes/sub/zoo.txt rec-1 " ]; then ok; else bad "-l0: NUL-separated"; od -c "$T/out" | head >&2; fi
run "$S" -i "$T/idx" -0 zebra
if [ "$st" = 2 ] && grep -q -- '-0 goes with -l' "$T/err"; then ok; else bad "-0 without -l"; fi
run "$S" -i "$T/idx" -l --json zebra
if [ "$st" = 2 ]; then ok; else bad "-l with --json: usage error"; fi

# ---- JSON: path, line and column
run "$S" -i "$T/idx" --json zebra OR numbat
if python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
hits = {r["id"]: r for r in recs if r.get("type") == "hit"}
z, n = hits["sub/zoo.txt"], hits["rec-1"]
assert (z["path"], z["line"], z["column"]) == ("notes/sub/zoo.txt", 3, 25), z
assert (n["path"], n["line"], n["column"]) == (None, 2, 6), n
' "$T/out"; then ok; else bad "--json path/line/column"; cat "$T/out" >&2; fi

cli_done
