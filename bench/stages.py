#!/usr/bin/env python3
"""Where indexing time goes: one trawl-index run under perf (DWARF call graphs), each sample
given to the stage of the innermost frame that belongs to one (so pb_add called from inside
the analyzer counts as postings buffer, and XXH3 called by the stem cache as analysis), the
shares times the wall time of the fastest of three runs without perf.

usage: stages.py TRAWL_INDEX CORPUS WORKDIR [trawl-index flags...]
Prints a Markdown table; exits 0 with a one-line note when perf is missing or not allowed.
"""
import os
import re
import shutil
import subprocess
import sys
import time

# (stage, pattern on the function name, or on the library for frames without symbols);
# checked for every frame from the innermost outwards, first match wins.
STAGES = [
    ('postings buffer (hash table, per-document lists)',
     r'^pb_(add|put|doc_end|append|lookup|insert|rehash|add_posting|stage|grow|put_oldest|mem)'),
    ('sort and merge of terms and runs', r'^(pb_sort|pb_radix|pb_cmp|merge_|spill_|sb_merge|msort|qsort)'),
    ('postings encoding (blocks, skips, dictionary)',
     r'^(sw_term_|sw_pfor|sw_dict|sw_skip|sw_put|sw_block|pb_list_|pb_term|sb_write_|sb_terms|codec_|enc_)'),
    ('stored-text compression', r'^(sw_zip|zip_|libdeflate|deflate)|libdeflate\.so'),
    ('writing and fsync', r'^(sw_finish|sw_write|sw_section|fsx_|__libc_write|write|fsync|fdatasync|'
     r'__libc_pwrite|pwrite|rename|ksys_write|do_fsync)'),
    ('analysis (tokenise, fold, stem)',
     r'^(analyzer_|an_|stemcache_|sb_stemmer|utf8proc|ap_token|ap_emit|ap_analyse)|libstemmer\.so|libutf8proc\.so'),
    ('document table, ids, catalog', r'^(sw_add_doc|iw_|cat_|catalog_|sb_add|sb_doc_end|ap_put|ap_replay|sb_replay)'),
    ('reading and parsing input', r'^(cw_|corpus_|json_|bld_|gz_|enc_|__libc_read|read$|jansson)|libjansson\.so'),
]
COMPILED = [(name, re.compile(p)) for name, p in STAGES]
OTHER = 'other (start-up, exit, kernel without a trawl caller)'


def stage_of(frames):
    for sym, dso in frames:
        for name, rx in COMPILED:
            if rx.search(sym) or rx.search(os.path.basename(dso)):
                return name
    return OTHER


def samples(script_out):
    """Yields each sample's frames (symbol, dso), innermost first."""
    frames = []
    for line in script_out.splitlines():
        if not line.strip():
            if frames:
                yield frames
            frames = []
            continue
        if not line.startswith((' ', '\t')):
            continue  # the sample's header line
        m = re.match(r'\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$', line)
        if m:
            sym = re.sub(r'\+0x[0-9a-f]+$', '', m.group(1))
            frames.append((sym, m.group(2)))
    if frames:
        yield frames


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    exe, corpus, work = sys.argv[1:4]
    flags = sys.argv[4:]
    out = os.path.join(work, 'stages-index')
    cmd = [exe, '-q'] + flags + ['-o', out, corpus]
    if not shutil.which('perf'):
        print('stages: perf is missing (apt-get install -y linux-perf); no breakdown')
        return
    best = None
    for _ in range(3):
        shutil.rmtree(out, ignore_errors=True)
        t = time.monotonic()
        subprocess.run(cmd, check=True)
        t = time.monotonic() - t
        best = t if best is None or t < best else best
    shutil.rmtree(out, ignore_errors=True)
    data = os.path.join(work, 'stages.perf')
    rec = subprocess.run(['perf', 'record', '-q', '-F', '2000', '--call-graph', 'dwarf,16384',
                          '-o', data, '--'] + cmd, capture_output=True, text=True)
    if rec.returncode != 0:
        print('stages: perf record failed (%s); no breakdown' % rec.stderr.strip().splitlines()[-1:])
        return
    script = subprocess.run(['perf', 'script', '-i', data, '-F', 'ip,sym,dso'],
                            capture_output=True, text=True, check=True).stdout
    os.unlink(data)
    shutil.rmtree(out, ignore_errors=True)
    counts = {}
    total = 0
    for frames in samples(script):
        s = stage_of(frames)
        counts[s] = counts.get(s, 0) + 1
        total += 1
    print('`%s` (fastest of 3: %.3f s), %d perf samples:' % (
        ' '.join(['trawl-index'] + flags + ['-o', 'IDX', os.path.basename(corpus)]), best, total))
    print()
    print('| stage | share | seconds |')
    print('|---|---:|---:|')
    for name in [n for n, _ in STAGES] + [OTHER]:
        c = counts.get(name, 0)
        print('| %s | %.1f%% | %.3f |' % (name, 100.0 * c / max(total, 1), best * c / max(total, 1)))


if __name__ == '__main__':
    main()
