#!/bin/sh
# End-to-end tests of corpora as they are (issue 9, item 2): .gz files read through zlib (ids
# keep the .gz name; the size+mtime gate still skips unchanged ones); --include, --exclude,
# --type; hidden entries and VCS directories; .gitignore and .ignore, compared with git itself
# (git ls-files) on a tree of nested ignore files, also from a directory inside the repository; Latin-1 converted; binary files summed up in
# one line (-v lists them); and a file that stops being part of the tree (excluded, ignored,
# turned binary) deleted from the index by the next sync. Also the progress line on a terminal.
# Usage: sh tests/cli/corpus.sh BUILD_DIR. Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh" && cli_setup corpus "$@"
# docs IDX: the ids of every document of IDX, sorted (each file holds the word "marker")
docs() { "$S" -i "$1" --json --no-snippets -n 1000 marker | sed -n 's/^{"type":"hit","rank":[0-9]*,"id":"\([^"]*\)".*/\1/p' | LC_ALL=C sort; }
# same NAME GOT WANT
same() {
    if [ "$2" = "$3" ]; then ok; else
        bad "$1"
        printf 'got:\n%s\nwant:\n%s\n' "$2" "$3" >&2
    fi
}
cd "$T" || exit 1

# ---- .gz
mkdir gz
printf 'marker plain wombat\n' >gz/a.txt
printf 'marker\nzipped numbat\n' | gzip -c >gz/b.txt.gz
printf 'marker\nconcatenated ' | gzip -c >gz/c.txt.gz
printf 'members quoll\n' | gzip -c >>gz/c.txt.gz
printf 'marker broken' | gzip -c | head -c 20 >gz/d.txt.gz
run "$X" -o igz gz
same ".gz: indexed, ids keep the name" "$(docs igz)" "a.txt
b.txt.gz
c.txt.gz"
if grep -q '^3 added' "$T/out" && grep -q "gz/d.txt.gz: bad gzip data (.*), skipped" "$T/err"; then ok; else bad ".gz: a truncated file is warned about"; cat "$T/err" >&2; fi
run "$S" -i igz --vimgrep numbat OR quoll
same ".gz: words of every member, lines of the text" "$(cat "$T/out")" "gz/b.txt.gz:2:8:zipped numbat
gz/c.txt.gz:2:22:concatenated members quoll"
run "$X" -o igz gz
if grep -q '^0 added, 0 updated, 0 deleted, 3 unchanged' "$T/out"; then ok; else bad ".gz: unchanged files skipped by size and mtime"; cat "$T/out" >&2; fi
touch gz/b.txt.gz
run "$X" -o igz gz
if grep -q '^0 added, 0 updated, 0 deleted, 3 unchanged' "$T/out"; then ok; else bad ".gz: a touch is no update"; cat "$T/out" >&2; fi
printf 'marker\nzipped again\n' | gzip -c >gz/b.txt.gz
run "$X" -o igz gz
if grep -q '^0 added, 1 updated, 0 deleted, 2 unchanged' "$T/out"; then ok; else bad ".gz: a changed file is updated"; cat "$T/out" >&2; fi

# ---- selection: hidden, VCS, --include, --exclude, --type; a file left out is deleted
mkdir -p sel/.hid sel/.git sel/sub sel/CVS
for f in a.txt b.md c.log sub/d.txt sub/e.rst.gz .hid/f.txt .git/g.txt CVS/h.txt .dot.txt; do
    case $f in
    *.gz) printf 'marker\n' | gzip -c >"sel/$f" ;;
    *) printf 'marker\n' >"sel/$f" ;;
    esac
done
run "$X" -o isel sel
same "default: no hidden entries, no VCS directories" "$(docs isel)" "a.txt
b.md
c.log
sub/d.txt
sub/e.rst.gz"
run "$X" --hidden -o isel sel
same "--hidden: hidden entries too, still no VCS" "$(docs isel)" ".dot.txt
.hid/f.txt
a.txt
b.md
c.log
sub/d.txt
sub/e.rst.gz"
run "$X" --exclude '*.log' --exclude .hid -o isel sel
same "--exclude: the next sync deletes what it leaves out" "$(docs isel)" "a.txt
b.md
sub/d.txt
sub/e.rst.gz"
if grep -q '^0 added, 0 updated, 3 deleted, 4 unchanged' "$T/out"; then ok; else bad "--exclude: deletions counted"; cat "$T/out" >&2; fi
run "$X" --rebuild --include '*.txt' --include 'sub/*.gz' -o isel sel
same "--include" "$(docs isel)" "a.txt
sub/d.txt
sub/e.rst.gz"
run "$X" --rebuild --type rst --type md -o isel sel
same "--type (and its .gz)" "$(docs isel)" "b.md
sub/e.rst.gz"
run "$X" --type nosuch -o isel sel
if [ "$st" = 2 ] && grep -q 'unknown --type nosuch' "$T/err"; then ok; else bad "unknown --type: exit 2"; fi
run "$X" --type-list
if [ "$st" = 0 ] && grep -q '^rst    \*\.rst (and each \.gz)$' "$T/out"; then ok; else bad "--type-list"; fi
run "$X" -q --include '*.txt' -o isel2 sel/b.md
same "a file named on the command line is always read" "$(docs isel2)" "b.md"

# ---- .gitignore and .ignore, against git
if command -v git >/dev/null 2>&1; then
    mkdir -p repo/src/build repo/src/keep repo/docs/deep/er repo/logs repo/notes
    cd repo || exit 1
    git init -q .
    # (each ignore file holds "marker" in a comment, so docs lists it too)
    printf '# marker\n*.log\n!important.log\nbuild/\n/top.txt\ndocs/**/secret*\nnotes/*.tmp\n' >.gitignore
    printf '# marker\n!x.log\n!build/\n*.bak\n' >src/.gitignore
    printf '# marker\nkeep/\n!keep/\n' >src/keep/.gitignore
    for f in a.txt top.txt src/top.txt src/x.log src/z.log src/important.log src/build/o.txt \
        src/keep/k.txt src/y.bak docs/secret.txt docs/deep/er/secret-2.txt docs/deep/ok.txt \
        logs/app.log logs/important.log notes/n.tmp notes/n.txt notes/sub.tmp.txt; do
        printf 'marker\n' >"$f"
    done
    git ls-files --cached --others --exclude-standard | LC_ALL=C sort >"$T/git"
    cd "$T" || exit 1
    "$X" -q --hidden -o irepo repo
    same ".gitignore as git reads it (--hidden: the ignore files too)" "$(docs irepo)" "$(cat "$T/git")"
    # a directory inside the repository: the ignore files above it count too, as for git
    (cd repo/src && git ls-files --cached --others --exclude-standard | LC_ALL=C sort) >"$T/git-src"
    "$X" -q --hidden -o isrc repo/src
    same "the ignore files above a walked directory, up to the repository's top" "$(docs isrc)" "$(cat "$T/git-src")"
    "$X" -q --no-ignore -o irepo2 repo
    if docs irepo2 | grep -q 'src/y.bak'; then ok; else bad "--no-ignore"; fi
    printf 'marker\n' >repo/later.log
    run "$X" --hidden -o irepo repo
    if grep -q '^0 added, 0 updated, 0 deleted' "$T/out"; then ok; else bad "an ignored new file is not added"; cat "$T/out" >&2; fi
    printf 'notes/\n' >>repo/.gitignore
    run "$X" --hidden -o irepo repo
    if grep -q '^0 added, 1 updated, 2 deleted' "$T/out" && ! docs irepo | grep -q '^notes/'; then ok; else bad "a newly ignored directory is deleted"; cat "$T/out" >&2; fi
fi
mkdir -p nogit/sub
printf 'marker\n' >nogit/a.txt
printf 'marker\n' >nogit/sub/b.txt
printf 'marker\n' >nogit/c.txt
printf 'sub\n' >nogit/.ignore
printf 'c.txt\n' >nogit/.gitignore
"$X" -q -o inogit nogit
same ".ignore everywhere, .gitignore only in a git repository" "$(docs inogit)" "a.txt
c.txt"

# ---- encodings and binary files
mkdir enc
printf 'marker caf\351 na\357ve \223quoted\224\n' >enc/latin1.txt
printf 'marker caf\303\251 and one bad byte \377\n' >enc/mixed.txt
printf 'bin\000ary marker' >enc/b1.bin
printf 'bin\000ary marker' >enc/b2.bin
run "$X" -o ienc enc
if [ "$(cat "$T/err")" = "trawl-index: warning: mixed.txt: 1 invalid UTF-8 sequence skipped
trawl-index: 2 binary files skipped (-v lists them)
trawl-index: 1 file not UTF-8, read as Latin-1 and converted (-v lists them)" ]; then ok; else bad "binary and Latin-1: one line each"; cat "$T/err" >&2; fi
run "$S" -i ienc --vimgrep café
same "Latin-1 converted to UTF-8 (Windows-1252 quotes)" "$(grep latin1 "$T/out")" "enc/latin1.txt:1:8:marker café naïve “quoted”"
run "$X" -v --rebuild -o ienc enc
if grep -qx "trawl-index: note: $T/enc/b1.bin: binary file, skipped" "$T/err" &&
    grep -qx "trawl-index: note: $T/enc/latin1.txt: not UTF-8, read as Latin-1 and converted" "$T/err" &&
    ! grep -q 'lists them' "$T/err"; then ok; else bad "-v lists them"; cat "$T/err" >&2; fi
printf 'bin\000ary now' >enc/mixed.txt
run "$X" -o ienc enc
if grep -q '^0 added, 0 updated, 1 deleted' "$T/out"; then ok; else bad "a file turned binary is deleted"; cat "$T/out" >&2; fi

# ---- progress on a terminal: files, files/s, MB/s
mkdir -p many
i=0
while [ $i -lt 50 ]; do
    printf 'marker %d\n' $i >many/f$i.txt
    i=$((i + 1))
done
cli_tty "$X" -o imany many >"$T/out"
if grep -q ' / 50 files ([0-9]*%), [0-9]* files/s, [0-9.]* MB, [0-9.]* MB/s' "$T/out"; then ok; else bad "progress line"; od -c "$T/out" | head -5 >&2; fi

cli_done
