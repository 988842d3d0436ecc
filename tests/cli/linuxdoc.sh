#!/bin/sh
# The acceptance test of issue 9 on a real tree: Debian's linux-doc-6.1 documentation as shipped
# (/usr/share/doc/linux-doc-6.1: 8,860 .gz files among 15,427) indexes in one command, and a
# search for "memory barrier" in --vimgrep form opens Documentation/memory-barriers.txt.gz at a
# line holding the words, as vim -q (with its gzip plugin) jumps there. Skipped, and says so,
# when the package is not installed (apt-get install linux-doc-6.1).
# Usage: sh tests/cli/linuxdoc.sh BUILD_DIR. Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh" && cli_setup linuxdoc "$@"
DOC=/usr/share/doc/linux-doc-6.1
if [ ! -f "$DOC/Documentation/memory-barriers.txt.gz" ]; then
    echo "linuxdoc: $DOC not installed, skipped"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi

"$B/trawl-index" -o "$T/idx" "$DOC" >"$T/out" 2>"$T/err"
st=$?
if [ "$st" = 0 ] && grep -Eq '^[0-9,]+ added, 0 updated, 0 deleted, 0 unchanged;' "$T/out"; then ok; else bad "indexing $DOC (status $st)"; cat "$T/out" "$T/err" >&2; fi
# no warning per file: binary files (images, fonts) are one summary line
if [ "$(grep -c . "$T/err")" -le 3 ] && ! grep -q 'binary file, skipped' "$T/err"; then ok; else bad "stderr is a few lines"; head "$T/err" >&2; fi
n=$(sed -n 's/^\([0-9,]*\) added.*/\1/p' "$T/out" | tr -d ,)
if [ "${n:-0}" -gt 15000 ]; then ok; else bad "documents: ${n:-none}"; fi

cd "$DOC" || exit 1
"$B/trawl-search" -i "$T/idx" --vimgrep -n 1 '"memory barrier"' >"$T/qf"
IFS=: read -r path line col text <"$T/qf"
if [ "$path" = Documentation/memory-barriers.txt.gz ]; then ok; else bad "best hit: $(cat "$T/qf")"; fi
got=$(gzip -dc "$path" | sed -n "${line}p" | cut -b "$col-" | cut -c1-14 | tr '[:upper:]' '[:lower:]')
if [ "$got" = "memory barrier" ]; then ok; else bad "$path:$line:$col shows '$got'"; fi
if [ "$(gzip -dc "$path" | sed -n "${line}p")" = "$text" ]; then ok; else bad "the line text"; fi

if command -v vim >/dev/null 2>&1; then
    vim -N -u NONE -i NONE -es --cmd 'runtime plugin/gzip.vim' -q "$T/qf" \
        -c 'call writefile([expand("%") . ":" . line(".") . ":" . tolower(strpart(getline("."), col(".") - 1, 14))], "'"$T/vim"'")' \
        -c 'qa!' </dev/null >/dev/null 2>&1
    if [ "$(cat "$T/vim" 2>/dev/null)" = "$path:$line:memory barrier" ]; then ok; else
        bad "vim -q: $(cat "$T/vim" 2>/dev/null)"
    fi
fi

cli_done
