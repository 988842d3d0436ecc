#!/usr/bin/env python3
"""layout.py: the struct half of the ABI check (tests/cli/abi.sh; abidiff does the functions).

Compares the public structs of two abidw XML files, the committed baseline and the current
library, under trawl.h's "ABI promise": a growable struct keeps every baseline member (name,
offset, type) and may only gain members at its end; a frozen struct must not change at all;
opaque handles are not compared. abidiff 2.2 cannot say this itself: its
has_data_member_inserted_at suppression also hid a member inserted in the middle.

Usage: layout.py BASELINE.abi CURRENT.abi     exit 0 = compatible, 1 = broken (reasons printed)
"""
import sys
import xml.etree.ElementTree as ET

GROWABLE = {'trawl_options', 'trawl_stats', 'trawl_hit', 'trawl_snippet', 'trawl_writer_options',
            'trawl_writer_stats', 'trawl_term', 'trawl_explain_info', 'trawl_query_term'}
FROZEN = {'trawl_span', 'trawl_explain', 'trawl_warning'}
OPAQUE = {'trawl_index', 'trawl_search', 'trawl_writer', 'trawl_qstats', 'trawl_terms'}


def load(path):
    """{struct name: (size in bits, [(member, offset in bits, type name)])} of trawl_ structs."""
    root = ET.parse(path).getroot()
    by_id = {e.get('id'): e for e in root.iter() if e.get('id')}

    def type_name(tid, depth=0):
        e = by_id.get(tid)
        if e is None or depth > 20:
            return '?'
        tag = e.tag
        if tag == 'pointer-type-def':
            return type_name(e.get('type-id'), depth + 1) + '*'
        if tag == 'qualified-type-def':
            return ('const ' if e.get('const') == 'yes' else '') + type_name(e.get('type-id'),
                                                                            depth + 1)
        if tag == 'array-type-def':
            return '%s[%s]' % (type_name(e.get('type-id'), depth + 1), e.get('size-in-bits'))
        return e.get('name', '?')

    structs = {}
    for c in root.iter('class-decl'):
        name = c.get('name', '')
        if not name.startswith('trawl_') or c.get('is-declaration-only') == 'yes':
            continue
        members = []
        for dm in c.findall('data-member'):
            v = dm.find('var-decl')
            members.append((v.get('name'), int(dm.get('layout-offset-in-bits', '0')),
                            type_name(v.get('type-id'))))
        structs[name] = (int(c.get('size-in-bits', '0')), members)
    return structs


def compare(base, cur):
    problems = []
    for name in sorted(base):
        if name in OPAQUE:
            continue
        if name not in cur:
            problems.append('%s: gone from the library' % name)
            continue
        (bsize, bm), (csize, cm) = base[name], cur[name]
        if name in GROWABLE:
            if cm[:len(bm)] != bm:
                problems.append('%s: members changed, moved or inserted before the end: was %s, '
                                'now %s' % (name, bm, cm[:len(bm)]))
            if csize < bsize:
                problems.append('%s: shrank from %d to %d bits' % (name, bsize, csize))
        elif name in FROZEN:
            if (bsize, bm) != (csize, cm):
                problems.append('%s: a frozen struct changed: was %d bits %s, now %d bits %s'
                                % (name, bsize, bm, csize, cm))
        else:
            problems.append('%s: not classified as growable, frozen or opaque in abi/layout.py'
                            % name)
    for name in sorted(set(cur) - set(base) - OPAQUE):
        if name not in GROWABLE | FROZEN:
            problems.append('%s: a new public struct; classify it in abi/layout.py' % name)
    return problems


def main():
    problems = compare(load(sys.argv[1]), load(sys.argv[2]))
    for p in problems:
        print('abi: ' + p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
