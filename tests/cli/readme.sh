#!/bin/sh
# The README's command examples, run as written (issue 9): every line of the sh blocks under
# "Indexing", "Searching", "Many queries: batch mode" and "From the terminal", with HOME and
# the working directory a scratch directory holding the files they name (~/notes, docs.jsonl,
# queries.txt, log.txt), must exit 0 without an error; an example whose comment shows a JSON
# record must print a line starting like it. The --interactive example needs a terminal and is
# tested by tests/cli/tui.sh; the linux-doc one runs when the package is installed. Also: every
# long option of each program's --help is described in its man page.
# Usage: sh tests/cli/readme.sh BUILD_DIR. Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh" && cli_setup readme "$@"
SEEDS=$ROOT/tests/data/seeds

# ---- the files the examples name
mkdir -p "$T/notes/.git"
cp "$SEEDS"/004_* "$T/notes/rafah.txt"
cp "$SEEDS"/002_* "$T/notes/blinken.md"
gzip -c "$SEEDS"/000_* >"$T/notes/talks.txt.gz"
cp "$SEEDS"/001_* "$T/notes/.hidden.txt" # skipped: hidden
cp "$SEEDS"/003_* "$T/notes/draft.tmp"   # skipped: .ignore
printf '*.tmp\n' >"$T/notes/.ignore"
printf '[core]\n' >"$T/notes/.git/config"
printf '{"id":"old-id","text":"an old record about rafah"}\n{"id":"j2","text":"gaza talks at the egypt border"}\n' >"$T/docs.jsonl"
printf 'rafah\n"ground invasion"\nblinken -netanyahu\n' >"$T/queries.txt"
cp "$T/queries.txt" "$T/log.txt"

# blocks SECTION: the lines of the first sh block after the heading SECTION
block() {
    awk -v h="$1" '$0 == h { on = 1; next } on && /^```sh$/ { inb = 1; next }
        inb && /^```$/ { exit } inb { print }' "$ROOT/README.md"
}
n_run=0
for section in "## Indexing" "## Searching" "### Many queries: batch mode" "## From the terminal"; do
    block "$section" >"$T/lines"
    if [ -s "$T/lines" ]; then ok; else bad "README has no sh block under '$section'"; fi
    while IFS= read -r line; do
        case $line in
        *--interactive*) continue ;; # tests/cli/tui.sh
        */usr/share/doc/linux-doc-6.1*) [ -d /usr/share/doc/linux-doc-6.1 ] || continue ;;
        esac
        cmd=$(printf '%s' "$line" | sed 's|build/release/||g')
        (cd "$T" && HOME="$T" PATH="$B:$PATH" sh -c "$cmd" </dev/null >"$T/out" 2>"$T/err")
        st=$?
        n_run=$((n_run + 1))
        if [ "$st" = 0 ] && ! grep -q 'error' "$T/err"; then ok; else
            bad "README ($section): '$line' exits $st"
            head -3 "$T/err" >&2
        fi
        want=$(printf '%s' "$line" | sed -n 's/.*# \({"type".*\),\.\.\.}.*/\1/p')
        if [ -n "$want" ]; then
            if grep -qF -- "$want" "$T/out"; then ok; else bad "README: '$line' prints no '$want'"; fi
        fi
    done <"$T/lines"
done
if [ "$n_run" -ge 20 ]; then ok; else bad "only $n_run README examples ran"; fi

# ---- every option of --help is in the man page
for p in trawl-search trawl-index; do
    for o in $("$B/$p" --help | grep -oE -- '--[a-z0-9-]+' | grep -v -- '--$' | sort -u); do
        man_o=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
        if grep -q -- "$man_o" "$ROOT/docs/$p.1"; then ok; else bad "$p(1) does not describe $o"; fi
    done
done

cli_done
