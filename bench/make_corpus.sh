#!/bin/sh
# make_corpus.sh: extracts the benchmark corpus (Linux kernel documentation from Debian's
# linux-doc-6.1) into a cache outside the repository, reproducibly: one document per source
# file, as a directory tree and as JSON Lines. Does nothing when the cache is already complete.
#
# Usage: sh bench/make_corpus.sh      (BENCH_SCALE="4 16" also writes 4x and 16x replicas)
# Output: $CACHE/kdocs/tree/<relative path>, $CACHE/kdocs/kdocs.jsonl ({"id": path, "text": ...}),
#         $CACHE/kdocs/kdocs-x<N>.jsonl, $CACHE/kdocs/STAMP (documents, bytes, sha256).
set -eu

CACHE=${TRAWL_BENCH_CACHE:-/var/tmp/trawl-bench}
SCALE=${BENCH_SCALE:-1} # space-separated replication factors
PKG=linux-doc-6.1
SRC=/usr/share/doc/$PKG/Documentation
OUT=$CACHE/kdocs
# Bump when the extraction rule changes so every cache is rebuilt.
RULE=kdocs-extract-v1

if [ ! -d "$SRC" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "make_corpus: installing $PKG" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PKG >/dev/null ||
            { apt-get update -qq >/dev/null &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PKG >/dev/null; }
    else
        echo "make_corpus: $SRC missing; run: sudo apt-get install -y $PKG" >&2
        exit 1
    fi
fi

mkdir -p "$OUT"
VERSION=$(dpkg-query -W -f '${Version}' $PKG 2>/dev/null || echo unknown)
if [ -f "$OUT/STAMP" ] && grep -q "^rule $RULE $PKG $VERSION\$" "$OUT/STAMP"; then
    :
else
    rm -rf "$OUT/tree" "$OUT"/kdocs*.jsonl "$OUT/STAMP"
    python3 - "$SRC" "$OUT" <<'EOF'
import gzip, json, os, sys

src, out = sys.argv[1], sys.argv[2]
# Markup, pictures, scripts for browsers and fonts are not prose; everything else that decodes
# as text (reStructuredText, plain text, README, Kconfig, YAML bindings, examples) is kept.
SKIP = {'html', 'htm', 'svg', 'gif', 'png', 'jpg', 'jpeg', 'ico', 'pdf', 'js', 'css',
        'ttf', 'otf', 'woff', 'woff2', 'eot'}
paths = []
for root, dirs, files in os.walk(src):
    dirs.sort()
    for f in files:
        p = os.path.join(root, f)
        if os.path.islink(p):  # Changes.gz points at process/changes.rst.gz: a duplicate
            continue
        paths.append(os.path.relpath(p, src))
paths.sort()
n = 0
total = 0
with open(os.path.join(out, 'kdocs.jsonl'), 'w', encoding='utf-8') as jl:
    for rel in paths:
        with open(os.path.join(src, rel), 'rb') as fh:
            raw = fh.read()
        if rel.endswith('.gz'):
            raw = gzip.decompress(raw)
            rel = rel[:-3]
        ext = rel.rsplit('.', 1)[-1].lower() if '.' in os.path.basename(rel) else ''
        if ext in SKIP or b'\0' in raw:
            continue
        # Invalid UTF-8 becomes U+FFFD so the tree and the JSONL hold the same bytes.
        text = raw.decode('utf-8', errors='replace')
        data = text.encode('utf-8')
        dst = os.path.join(out, 'tree', rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, 'wb') as fh:
            fh.write(data)
        jl.write(json.dumps({'id': rel, 'text': text}, ensure_ascii=False) + '\n')
        n += 1
        total += len(data)
print(n, total)
EOF
    docs_bytes=$(python3 -c "
import json,sys
n=b=0
for l in open(sys.argv[1],encoding='utf-8'):
    n+=1; b+=len(json.loads(l)['text'].encode())
print(n,b)" "$OUT/kdocs.jsonl")
    {
        echo "rule $RULE $PKG $VERSION"
        echo "docs $(echo $docs_bytes | cut -d' ' -f1)"
        echo "bytes $(echo $docs_bytes | cut -d' ' -f2)"
        echo "sha256 $(sha256sum "$OUT/kdocs.jsonl" | cut -d' ' -f1)"
    } >"$OUT/STAMP.tmp"
    mv "$OUT/STAMP.tmp" "$OUT/STAMP"
fi

# Replicated corpora for the growth table: copy r of document d gets id "r<r>/<id>".
for k in $SCALE; do
    [ "$k" -gt 1 ] && [ ! -f "$OUT/kdocs-x$k.jsonl" ] || continue
    python3 - "$OUT/kdocs.jsonl" "$k" "$OUT/kdocs-x$k.jsonl" <<'EOF'
import json, sys
src, k, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(src, encoding='utf-8').read().splitlines()
with open(dst + '.tmp', 'w', encoding='utf-8') as out:
    for r in range(k):
        for l in lines:
            d = json.loads(l)
            d['id'] = 'r%d/%s' % (r, d['id'])
            out.write(json.dumps(d, ensure_ascii=False) + '\n')
import os
os.rename(dst + '.tmp', dst)
EOF
done
cat "$OUT/STAMP"
