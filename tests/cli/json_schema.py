#!/usr/bin/env python3
"""json_schema.py: the record schema of trawl-search --json and --queries, as trawl-search(1)
documents it under JSON OUTPUT, checked on every line of a file (tests/cli/json.sh).

Usage: json_schema.py FILE [EXPR]   exit 0 if every line is a valid record and the Python
expression EXPR (over recs, the list of records) is true; else the reasons, exit 1.
"""
import json
import sys

INT, NUM, STR, BOOL = int, (int, float), str, bool
OPT_STR = (str, type(None))
SPANS = 'spans'  # [[int, int], ...]

HIT = {'required': {'type': STR, 'rank': INT, 'id': STR, 'path': OPT_STR, 'score': NUM,
                    'date': OPT_STR},
       'optional': {'line': INT, 'column': INT, 'snippet': STR, 'highlights': SPANS,
                    'highlights_cp': SPANS, 'doc_len': INT, 'explain': list}}
EXPLAIN = {'required': {'term': STR, 'tf': INT, 'df': INT, 'idf': NUM, 'norm': NUM, 'score': NUM},
           'optional': {'kind': STR, 'origin': STR, 'weight': NUM, 'closeness': NUM,
                        'edits': INT, 'from': STR}}
QUERY_TERM = {'required': {'term': STR, 'weight': NUM, 'df': INT, 'origin': STR},
              'optional': {'edits': INT, 'from': STR}}
SCHEMAS = {
    'hit': HIT,
    'summary': {'required': {'type': STR},
                'optional': {'count': INT, 'exact': BOOL, 'offset': INT, 'shown': INT, 'ms': NUM,
                             # a batch's timing summary
                             'summary': BOOL, 'queries': INT, 'errors': INT, 'warmup': INT,
                             'p50_us': NUM, 'p95_us': NUM, 'p99_us': NUM, 'mean_us': NUM,
                             'qps': NUM, 'wall_s': NUM}},
    'warning': {'required': {'type': STR, 'kind': STR, 'message': STR, 'column': INT,
                             'bytes': INT}, 'optional': {}},
    'error': {'required': {'type': STR, 'code': STR, 'message': STR, 'column': INT},
              'optional': {}},
    # trawl-search --terms and --show
    'term': {'required': {'type': STR, 'term': STR, 'df': INT, 'cf': INT, 'cf_exact': BOOL},
             'optional': {}},
    'document': {'required': {'type': STR, 'id': STR, 'path': OPT_STR, 'date': OPT_STR,
                              'text': STR}, 'optional': {}},
    # with --explain, when fuzzy variants, expansion or weights changed the query's terms
    'query_terms': {'required': {'type': STR, 'terms': list}, 'optional': {}},
    # "did you mean", after the summary
    'suggestion': {'required': {'type': STR, 'query': STR}, 'optional': {}},
    'query': {'required': {'type': STR, 'line': INT, 'query': STR},
              'optional': {'count': INT, 'exact': BOOL, 'hits': list, 'us': NUM,
                           'error': dict}},
}


def check_fields(rec, schema, where):
    problems = []
    for k, t in schema['required'].items():
        if k not in rec:
            problems.append('%s: no "%s"' % (where, k))
        elif not check_type(rec[k], t):
            problems.append('%s: "%s" is %r' % (where, k, rec[k]))
    for k, v in rec.items():
        t = schema['required'].get(k, schema['optional'].get(k))
        if t is None:
            problems.append('%s: unknown key "%s"' % (where, k))
        elif not check_type(v, t):
            problems.append('%s: "%s" is %r' % (where, k, v))
    return problems


def check_type(v, t):
    if t is SPANS:
        return isinstance(v, list) and all(
            isinstance(s, list) and len(s) == 2 and all(type(x) is int and x >= 0 for x in s)
            for s in v)
    if t is INT:
        return type(v) is int
    if t is BOOL:
        return type(v) is bool
    return isinstance(v, t) and type(v) is not bool


def check(rec, where):
    if not isinstance(rec, dict) or rec.get('type') not in SCHEMAS:
        return ['%s: no known "type": %r' % (where, rec)]
    problems = check_fields(rec, SCHEMAS[rec['type']], where)
    if rec['type'] == 'hit':
        for e in rec.get('explain', []):
            problems += check_fields(e, EXPLAIN, where + ' explain')
        if ('snippet' in rec) != ('highlights_cp' in rec) or ('line' in rec) != ('snippet' in rec):
            problems.append('%s: snippet, line and highlights come together' % where)
    if rec['type'] == 'query_terms':
        for t in rec['terms']:
            problems += check_fields(t, QUERY_TERM, where + ' term')
    if rec['type'] == 'query':
        for h in rec.get('hits', []):
            h = dict(h, type='hit', path=None)
            problems += check_fields(h, HIT, where + ' hit')
    return problems


def main():
    recs, problems = [], []
    with open(sys.argv[1], encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            try:
                rec = json.loads(line)
            except ValueError as e:
                problems.append('line %d: not JSON (%s)' % (n, e))
                continue
            recs.append(rec)
            problems += check(rec, 'line %d' % n)
    expr = sys.argv[2] if len(sys.argv) > 2 else 'True'
    if not problems and not eval('(' + expr + ')', {'recs': recs}):
        problems.append('assertion failed: ' + expr)
    for p in problems:
        print(p, file=sys.stderr)
    sys.exit(1 if problems else 0)


main()
