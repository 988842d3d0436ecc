#!/bin/sh
# trawl-search --interactive, tested the way a person uses it (issue 9, item 7): in a tmux
# terminal, keys typed with send-keys, the screen read with capture-pane. Typing re-runs the
# query, Backspace edits it, the arrows move the selection, the preview shows the selected
# document at its matched line, Enter opens $EDITOR at +LINE on the file, a malformed query shows
# its error, Esc and Ctrl-C end it with the terminal's modes restored. Every wait has a timeout,
# so a hang fails the test instead of blocking CI; the tmux server is private and killed at the
# end. Usage: sh tests/cli/tui.sh BUILD_DIR. Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh" && cli_setup tui "$@"
if ! command -v tmux >/dev/null 2>&1; then
    echo "tui: tmux not installed (sh .ci/deps test), skipped"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
SOCK=trawl-tui-$$
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT INT TERM

# wait_screen PATTERN: polls the screen (10 s at most) until a line matches the grep pattern
wait_screen() {
    i=0
    while [ $i -lt 100 ]; do
        tm capture-pane -p >"$T/screen" 2>/dev/null
        if grep -q -- "$1" "$T/screen"; then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
# wait_file FILE: (10 s at most) until FILE exists and is not empty
wait_file() {
    i=0
    while [ $i -lt 100 ]; do
        if [ -s "$1" ]; then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
# start ARGS...: trawl-search ARGS in a new 100x30 terminal, from $T/work; its exit status goes
# to $T/exit and the terminal modes before and after to $T/stty-before, $T/stty-after
start() {
    tm kill-server 2>/dev/null
    rm -f "$T/exit" "$T/stty-after" "$T/editor-args"
    cat >"$T/run.sh" <<EOF
cd "$T/work"
stty -a >"$T/stty-before"
LANG=C.UTF-8 EDITOR="$T/editor" ASAN_OPTIONS=detect_leaks=0 "$S" -i "$T/idx" --interactive $*
echo \$? >"$T/exit"
stty -a >"$T/stty-after"
sleep 60
EOF
    tm new-session -d -x 100 -y 30 "sh $T/run.sh"
}
# check NAME: the command given after it succeeds, else the screen is shown
check() {
    name=$1
    shift
    if "$@"; then ok; else
        bad "$name"
        cat "$T/screen" >&2
    fi
}

mkdir -p "$T/work/notes/sub"
cp "$ROOT"/tests/data/seeds/* "$T/work/notes/"
printf 'first line\n\nthird line has the word zebra here\n' >"$T/work/notes/sub/zoo.txt"
"$B/trawl-index" -q -o "$T/idx" "$T/work/notes" || exit 1
printf '#!/bin/sh\necho "$@" >"%s/editor-args"\n' "$T" >"$T/editor"
chmod +x "$T/editor"
(cd "$T/work" && "$S" -i "$T/idx" --vimgrep rafah) >"$T/ranked"
third=$(sed -n 3p "$T/ranked")

start
check "the prompt" wait_screen '^trawl>'
tm send-keys -l zebra
check "typing searches" wait_screen '^1 matching document in'
check "the hit: path:line:column" grep -q '^> notes/sub/zoo\.txt:3:25 *$' "$T/screen"
check "its snippet" grep -q '^    third line has the word zebra here' "$T/screen"
check "the preview at the matched line" grep -q '^>     3 third line has the word zebra here' "$T/screen"
tm send-keys BSpace BSpace BSpace BSpace BSpace
check "Backspace edits the query" wait_screen '^type a query'
tm send-keys -l rafah
check "each keystroke re-runs it" wait_screen '^5 matching documents in'
tm send-keys Down Down
check "Down moves the selection" wait_screen "^> ${third%%:*}:"
tm send-keys Up
check "Up moves it back" wait_screen "^> $(sed -n 2p "$T/ranked" | cut -d: -f1):"
tm send-keys Down Enter
if wait_file "$T/editor-args" && [ "$(cat "$T/editor-args")" = "+$(echo "$third" | cut -d: -f2) $(echo "$third" | cut -d: -f1)" ]; then ok; else
    bad "Enter opens \$EDITOR +LINE PATH: $(cat "$T/editor-args" 2>/dev/null)"
fi
check "the view comes back after the editor" wait_screen '^5 matching documents in'
tm send-keys -l ' "'
check "a malformed query shows its error" wait_screen "unmatched '\"'"
tm send-keys Escape
if wait_file "$T/stty-after" && [ "$(cat "$T/exit")" = 0 ]; then ok; else bad "Esc: exit 0 (got $(cat "$T/exit" 2>/dev/null))"; fi
if cmp -s "$T/stty-before" "$T/stty-after"; then ok; else bad "Esc: terminal modes restored"; diff "$T/stty-before" "$T/stty-after" >&2; fi

start zebra
check "a query given on the command line starts it" wait_screen '^1 matching document in'
tm send-keys C-c
if wait_file "$T/stty-after" && [ "$(cat "$T/exit")" = 130 ]; then ok; else bad "Ctrl-C: exit 130 (got $(cat "$T/exit" 2>/dev/null))"; fi
if cmp -s "$T/stty-before" "$T/stty-after"; then ok; else bad "Ctrl-C: terminal modes restored"; fi
tm kill-server 2>/dev/null

"$S" -i "$T/idx" --interactive </dev/null >"$T/out" 2>"$T/err"
st=$?
if [ "$st" = 2 ] && grep -q 'needs a terminal' "$T/err"; then ok; else bad "not a terminal: exit 2 (got $st)"; fi
"$S" -i "$T/idx" --interactive --json </dev/null >"$T/out" 2>"$T/err"
if [ $? = 2 ]; then ok; else bad "--interactive --json: usage error"; fi

cli_done
