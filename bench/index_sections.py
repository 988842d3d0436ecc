#!/usr/bin/env python3
"""index_sections: bytes of each section of a trawl index, and its share of the raw text.

Reads every segment named in DIR/MANIFEST, version 1 or 2 (docs/FORMAT.md: the trailer is the last 32 bytes,
the section table of 32-byte entries sits just before it) and sums the sections over segments.
The raw text is the sum of the stored index's RawLen fields, i.e. the bytes the indexer saw.
"Index without stored text" is the file bytes minus the stored text section, the figure
bench/results/latest.md reports as "index (no text)".

Usage: index_sections.py DIR [DIR...]
"""
import os
import struct
import sys

NAMES = {
    1: "stats",
    2: "dictionary",
    3: "dictionary index",
    4: "postings",
    5: "positions",
    6: "doc lengths",
    7: "doc table",
    8: "ids",
    9: "stored text",
    10: "stored index",
    11: "doc sources",
    12: "chunk sums",
}
FOOTER_MAGIC = b"\xfftrawl\r\n"
STORED, STORED_INDEX = 9, 10


def segments(index_dir):
    """File names of the segments listed in the manifest, in order."""
    with open(os.path.join(index_dir, "MANIFEST"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    if not lines or not lines[0].startswith("trawl-manifest "):
        raise SystemExit(f"{index_dir}: not a trawl index (MANIFEST magic)")
    # version 1 lists "name id" lines, version 2 "name id n_docs liv n_deleted": both start
    # with the segment's file name; every other line starts with a key
    return [ln.split()[0] for ln in lines[1:] if ln.startswith("seg-")]


def read_sections(path):
    """{id: (offset, length)} from the segment's section table, and the file size."""
    with open(path, "rb") as f:
        data = f.read()
    table_off, n_sec, _algo, _hash, magic = struct.unpack_from("<QIIQ8s", data, len(data) - 32)
    if magic != FOOTER_MAGIC:
        raise SystemExit(f"{path}: footer magic missing")
    secs = {}
    for i in range(n_sec):
        sid, _res, off, length, _h = struct.unpack_from("<IIQQQ", data, table_off + 32 * i)
        secs[sid] = (off, length)
    off, length = secs[STORED_INDEX]
    raw = sum(struct.unpack_from("<QII", data, off + 16 * i)[2] for i in range(length // 16))
    return secs, len(data), raw


def report(index_dir):
    totals = {sid: 0 for sid in NAMES}
    file_bytes = raw = 0
    for name in segments(index_dir):
        secs, size, seg_raw = read_sections(os.path.join(index_dir, name))
        for sid, (_off, length) in secs.items():
            totals[sid] = totals.get(sid, 0) + length
        file_bytes += size
        raw += seg_raw
    frame = file_bytes - sum(totals.values())
    no_text = file_bytes - totals[STORED]
    pct = (lambda n: 100.0 * n / raw) if raw else (lambda n: 0.0)
    print(f"{index_dir}: raw text {raw:,} bytes")
    print(f"{'section':<18} {'bytes':>12} {'% of raw':>9}")
    for sid, name in NAMES.items():
        print(f"{name:<18} {totals[sid]:>12,} {pct(totals[sid]):>8.2f}%")
    print(f"{'header/pad/table':<18} {frame:>12,} {pct(frame):>8.2f}%")
    print(f"{'file':<18} {file_bytes:>12,} {pct(file_bytes):>8.2f}%")
    print(f"{'index (no text)':<18} {no_text:>12,} {pct(no_text):>8.2f}%")


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    for d in argv[1:]:
        report(d)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
