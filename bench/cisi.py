#!/usr/bin/env python3
"""cisi.py: turns the CISI test collection (see /work/shared/relevance/cisi/README.md) into the
inputs of the relevance run:
  OUT/cisi.jsonl   {"id": "<.I>", "text": ".T title\\n.W abstract"}, one line a document
  OUT/queries.tsv  <query id> TAB <.W text, lower-cased, every non-alphanumeric byte a space>
                   (a bag of words: no query syntax survives, so it is a plain union query)
  OUT/qrels.txt    TREC qrels: <query id> 0 <doc id> 1 (every listed CISI.REL pair is relevant)

Usage: cisi.py CISI_DIR OUT_DIR
"""
import json
import os
import re
import sys

MARKER = re.compile(r'^\.([ITAWXB])\b\s*(.*)$')


def records(path):
    """Yields (id, {field letter: text}) per .I record; a field runs to the next marker line."""
    rid, fields, cur = None, {}, None
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = MARKER.match(line.rstrip('\n'))
            if m and m.group(1) == 'I':
                if rid is not None:
                    yield rid, fields
                rid, fields, cur = m.group(2).strip(), {}, None
            elif m:
                cur = m.group(1)
                fields.setdefault(cur, [])
                if m.group(2).strip():
                    fields[cur].append(m.group(2))
            elif cur is not None:
                fields[cur].append(line.rstrip('\n'))
    if rid is not None:
        yield rid, fields


def text_of(fields, letter):
    return '\n'.join(fields.get(letter, [])).strip()


def clean_query(text):
    return ' '.join(re.sub(r'[^a-z0-9]+', ' ', text.lower()).split())


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    n_docs = n_q = n_rel = 0
    with open(os.path.join(out, 'cisi.jsonl'), 'w', encoding='utf-8') as f:
        for rid, fields in records(os.path.join(src, 'CISI.ALL')):
            text = text_of(fields, 'T') + '\n' + text_of(fields, 'W')
            f.write(json.dumps({'id': rid, 'text': text}) + '\n')
            n_docs += 1
    with open(os.path.join(out, 'queries.tsv'), 'w', encoding='utf-8') as f:
        for rid, fields in records(os.path.join(src, 'CISI.QRY')):
            f.write('%s\t%s\n' % (rid, clean_query(text_of(fields, 'W'))))
            n_q += 1
    with open(os.path.join(src, 'CISI.REL')) as f, \
            open(os.path.join(out, 'qrels.txt'), 'w') as g:
        for line in f:
            p = line.split()
            if len(p) >= 2:
                g.write('%s 0 %s 1\n' % (p[0], p[1]))
                n_rel += 1
    print('cisi: %d documents, %d queries, %d judgements' % (n_docs, n_q, n_rel))


if __name__ == '__main__':
    main()
