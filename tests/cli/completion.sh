#!/bin/sh
# Shell completion (issue 9, item 6): the bash and zsh scripts offer exactly the options each
# program's --help lists; the bash functions complete options and their values (--color,
# --sort by mode, --type from trawl-index --type-list); and, as a person would use them, Tab
# typed into bash and into zsh in a tmux terminal completes with the copies make install put
# under BUILD_DIR/stage (make test installs there first). Waits are bounded.
# Usage: sh tests/cli/completion.sh BUILD_DIR. Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh" && cli_setup completion "$@"
BASH_SCRIPT=$ROOT/completions/trawl.bash
ZSH_SCRIPT=$ROOT/completions/_trawl
SOCK=trawl-completion-$$
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT INT TERM

# ---- the scripts know every option of --help, and no other
for p in trawl-search trawl-index; do
    "$B/$p" --help | grep -oE -- '--[a-z0-9-]+' | grep -v -- '--$' | sort -u >"$T/help-$p"
done
# the options a script offers for program p: bash lists them in compgen -W, zsh in _arguments
sed -n '/^_trawl_search()/,/^}/p' "$BASH_SCRIPT" | grep -oE -- '--[a-z0-9-]+' | sort -u >"$T/bash-trawl-search"
sed -n '/^_trawl_index()/,/^}/p' "$BASH_SCRIPT" | grep -oE -- '--[a-z0-9-]+' | sort -u >"$T/bash-trawl-index"
sed -n '/^_trawl_search()/,/^}/p' "$ZSH_SCRIPT" | grep -oE -- '--[a-z0-9-]+' | sort -u >"$T/zsh-trawl-search"
sed -n '/^_trawl_index()/,/^}/p' "$ZSH_SCRIPT" | grep -oE -- '--[a-z0-9-]+' | sort -u >"$T/zsh-trawl-index"
for sh in bash zsh; do
    for p in trawl-search trawl-index; do
        # --colour is an alias --help does not list
        if diff "$T/help-$p" "$T/$sh-$p" | grep '^[<>]' | grep -v -- '--colour$' >"$T/diff"; then
            bad "$sh completion of $p differs from --help (<: missing, >: unknown)"
            cat "$T/diff" >&2
        else ok; fi
    done
done

# ---- the bash functions, called as bash-completion calls them
complete_bash() { # WORDS...: the candidates for the last word
    PATH="$B:$PATH" bash -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        case $1 in trawl-search) _trawl_search ;; *) _trawl_index ;; esac
        printf "%s\n" "${COMPREPLY[@]}"' "$BASH_SCRIPT" "$@" | sort | tr '\n' ' '
}
if [ "$(complete_bash trawl-search --col)" = "--color --colour " ]; then ok; else bad "bash: --col"; fi
if [ "$(complete_bash trawl-search --color a)" = "always auto " ]; then ok; else bad "bash: --color a"; fi
if [ "$(complete_bash trawl-search --sort '')" = "date score " ]; then ok; else bad "bash: --sort"; fi
if [ "$(complete_bash trawl-search --terms x --sort '')" = "cf df term " ]; then ok; else bad "bash: --sort with --terms"; fi
if [ "$(complete_bash trawl-index --type r)" = "rst rust " ]; then ok; else bad "bash: --type r: $(complete_bash trawl-index --type r)"; fi
if [ "$(complete_bash trawl-index --no-)" = "--no-ignore --no-merge " ]; then ok; else bad "bash: --no-"; fi

# ---- installed, and typed into a terminal
STAGE=$B/stage/share
if [ -f "$STAGE/bash-completion/completions/trawl-search" ] && [ -f "$STAGE/bash-completion/completions/trawl-index" ] &&
    [ -f "$STAGE/zsh/site-functions/_trawl" ]; then ok; else bad "make install puts the scripts in share/"; fi
if ! command -v tmux >/dev/null 2>&1; then
    echo "completion: tmux not installed, terminal tests skipped"
    cli_done
    exit
fi
# wait_screen PATTERN: (10 s at most) until a line of the screen matches
wait_screen() {
    i=0
    while [ $i -lt 100 ]; do
        tm capture-pane -p >"$T/screen" 2>/dev/null
        if grep -q -- "$1" "$T/screen"; then return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    cat "$T/screen" >&2
    return 1
}
# type_tab SHELL_COMMAND SETUP TYPED WANT: starts the shell, runs SETUP, types TYPED and a Tab,
# and waits for WANT on the screen
N=0
type_tab() {
    tm kill-server 2>/dev/null
    N=$((N + 1))
    SOCK=trawl-completion-$$-$N # a new server each time: no race with the last one's exit
    tm new-session -d -x 120 -y 20 "env PATH='$B:$PATH' PS1='$ ' $1"
    tm send-keys -l "$2"
    tm send-keys Enter
    wait_screen 'ready' >/dev/null
    tm send-keys -l "$3"
    tm send-keys Tab
    wait_screen "$4"
}
if type_tab "bash --norc --noprofile" ". '$STAGE/bash-completion/completions/trawl-search'; echo ready" \
    "trawl-search --vimg" '^\$ trawl-search --vimgrep'; then ok; else bad "bash: Tab completes --vimg"; fi
if type_tab "bash --norc --noprofile" ". '$STAGE/bash-completion/completions/trawl-index'; echo ready" \
    "trawl-index --type rs" '^\$ trawl-index --type rst'; then ok; else bad "bash: Tab completes a --type"; fi
if command -v zsh >/dev/null 2>&1; then
    ZSETUP="fpath=('$STAGE/zsh/site-functions' \$fpath); autoload -Uz compinit; compinit -u -D; echo ready"
    if type_tab "zsh -f" "$ZSETUP" "trawl-index --stat" '^\$ trawl-index --stats'; then ok; else bad "zsh: Tab completes --stat"; fi
    if type_tab "zsh -f" "$ZSETUP" "trawl-search --interac" '^\$ trawl-search --interactive'; then ok; else bad "zsh: Tab completes --interac"; fi
    if type_tab "zsh -f" "$ZSETUP" "trawl-search --color=al" '^\$ trawl-search --color=always'; then ok; else bad "zsh: Tab completes a --color value"; fi
    if type_tab "zsh -f" "$ZSETUP" "trawl-index --type=rs" '^\$ trawl-index --type=rst'; then ok; else bad "zsh: Tab completes a --type"; fi
else
    echo "completion: zsh not installed, its terminal tests skipped"
fi
tm kill-server 2>/dev/null

cli_done
