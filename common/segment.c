/* segment: maps a segment file and validates its frame (header, trailer, section table, section
 * sizes) at open; serves per-document data (lengths, dates, ids, stored text); runs the deep
 * check. The dictionary lives in dict.c, postings in term_cursor.c. */
#include "segment_impl.h"

#include "checksum.h"
#include "rd.h"
#include "termtab.h"
#include "zblock.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *seg_sec_name(uint32_t id)
{
    static const char *const names[] = {
        "?",           "stats",     "dictionary", "dictionary index", "postings",     "positions",
        "doc lengths", "doc table", "ids",        "stored text",      "stored index", "doc sources",
        "chunk sums"};
    return id <= FMT_SEC_COUNT ? names[id] : "?";
}

static int seg_corrupt(const segment *s, err *e, uint32_t sec, const char *what, uint64_t a,
                       uint64_t b)
{
    return err_set(e, TRAWL_ECORRUPT, "%s: %s: %s (%" PRIu64 ", %" PRIu64 ")", s->name,
                   seg_sec_name(sec), what, a, b);
}

/* Magic, version, flags and id. A wrong magic means "not ours"; a wrong version "not yet". */
static int seg_check_header(segment *s, uint64_t expect_id, err *e)
{
    rd r;
    rd_init(&r, s->map.base, s->map.len);
    const uint8_t *magic = rd_bytes(&r, FMT_MAGIC_LEN);
    if (!magic || memcmp(magic, FMT_MAGIC, FMT_MAGIC_LEN) != 0)
        return err_set(e, TRAWL_ENOTINDEX, "%s: not a trawl segment (bad magic)", s->name);
    uint32_t version = rd_u32(&r), flags = rd_u32(&r);
    s->id = rd_u64(&r);
    if (r.err) return err_set(e, TRAWL_ECORRUPT, "%s: header truncated", s->name);
    if (version < FMT_VERSION_MIN || version > FMT_VERSION)
        return err_set(e, TRAWL_EVERSION,
                       "%s: format version %" PRIu32 ", this build reads %u to %u", s->name,
                       version, FMT_VERSION_MIN, FMT_VERSION);
    s->version = version;
    if (flags != 0)
        return err_set(e, TRAWL_ECORRUPT, "%s: header: reserved flags 0x%" PRIx32 " set", s->name,
                       flags);
    if (s->id != expect_id)
        return err_set(e, TRAWL_ECORRUPT,
                       "%s: file mismatch: header id %" PRIu64 ", manifest expects %" PRIu64,
                       s->name, s->id, expect_id);
    return TRAWL_OK;
}

/* Reads the trailer and returns the section table's place through r_table. */
static int seg_read_trailer(segment *s, rd *r_table, err *e)
{
    size_t len = s->map.len;
    fmt_trailer tr;
    if (len < sizeof(fmt_header) + sizeof tr)
        return err_set(e, TRAWL_ECORRUPT, "%s: file of %zu bytes is truncated", s->name, len);
    memcpy(&tr, s->map.base + len - sizeof tr, sizeof tr);
    if (memcmp(tr.magic, FMT_FOOTER_MAGIC, FMT_MAGIC_LEN) != 0)
        return err_set(e, TRAWL_ECORRUPT, "%s: footer magic missing (truncated file?)", s->name);
    if (tr.checksum_algo != FMT_CHECKSUM_XXH64 || tr.n_sections != fmt_n_sections(s->version))
        return err_set(e, TRAWL_ECORRUPT,
                       "%s: footer: checksum algorithm %" PRIu32 " or section count %" PRIu32
                       " unknown",
                       s->name, tr.checksum_algo, tr.n_sections);
    uint64_t table_len = (uint64_t)tr.n_sections * sizeof(fmt_section);
    /* the table must fit between header and trailer before its offset can be checked */
    if (table_len > len - sizeof(fmt_header) - sizeof tr || tr.table_off < sizeof(fmt_header) ||
        tr.table_off != len - sizeof tr - table_len)
        return err_set(e, TRAWL_ECORRUPT,
                       "%s: footer: section table offset %" PRIu64 " does not end at the trailer",
                       s->name, tr.table_off);
    if (checksum64(s->map.base + tr.table_off, table_len) != tr.table_hash)
        return err_set(e, TRAWL_ECORRUPT, "%s: footer: section table checksum mismatch", s->name);
    rd_init(r_table, s->map.base + tr.table_off, table_len);
    return TRAWL_OK;
}

/* Section table: known ids, each once, in file order, 8-aligned, padded, inside the file. */
static int seg_read_table(segment *s, rd *r, err *e)
{
    uint64_t table_off = (uint64_t)(r->base - s->map.base), prev_end = sizeof(fmt_header);
    uint32_t n_secs = fmt_n_sections(s->version);
    for (uint32_t i = 0; i < n_secs; i++) {
        fmt_section t;
        t.id = rd_u32(r);
        t.reserved = rd_u32(r);
        t.off = rd_u64(r);
        t.len = rd_u64(r);
        t.hash = rd_u64(r);
        if (r->err || t.id == 0 || t.id > n_secs || s->sec[t.id].p || t.reserved)
            return err_set(e, TRAWL_ECORRUPT,
                           "%s: section table: entry %" PRIu32
                           " has unknown or repeated id %" PRIu32,
                           s->name, i, t.id);
        if (t.off % FMT_ALIGN || t.off < prev_end || t.off > table_off ||
            t.len > table_off - t.off || table_off - t.off - t.len < FMT_PAD)
            return seg_corrupt(s, e, t.id, "offset/length outside the file or overlapping", t.off,
                               t.len);
        s->sec[t.id] = (seg_sec){s->map.base + t.off, (size_t)t.len, t.off, t.hash};
        prev_end = t.off + t.len + FMT_PAD;
    }
    return TRAWL_OK;
}

/* The dictionary index's block offsets: the first 0, then increasing (a block holds at least
 * one entry), all inside the dictionary. Checked once here so a lookup trusts them. */
static int seg_check_dict_index(segment *s, err *e)
{
    const uint8_t *p = s->sec[FMT_SEC_DICT_INDEX].p;
    uint64_t dict_len = s->sec[FMT_SEC_DICT].len;
    uint32_t prev = 0, off;
    for (uint64_t b = 0; b < s->n_dict_blocks; b++) {
        memcpy(&off, p + b * sizeof(fmt_dict_ix), 4);
        if ((b == 0 ? off != 0 : off <= prev) || off >= dict_len)
            return seg_corrupt(s, e, FMT_SEC_DICT_INDEX,
                               "block offset not increasing or outside the dictionary", b, off);
        prev = off;
    }
    return TRAWL_OK;
}

/* Stats and the sizes that must agree with them. */
static int seg_read_stats(segment *s, err *e)
{
    const seg_sec *st = &s->sec[FMT_SEC_STATS];
    fmt_stats v;
    if (st->len != sizeof v)
        return seg_corrupt(s, e, FMT_SEC_STATS, "length differs from 56", st->len, 0);
    memcpy(&v, st->p, sizeof v);
    if (v.n_docs >= (uint32_t)INT32_MAX || memchr(v.language, 0, sizeof v.language) == NULL)
        return seg_corrupt(s, e, FMT_SEC_STATS, "n_docs too large or language unterminated",
                           v.n_docs, 0);
    s->n_docs = v.n_docs;
    s->max_token_len = v.max_token_len;
    s->total_tokens = v.total_tokens;
    s->n_terms = v.n_terms;
    memcpy(s->language, v.language, sizeof v.language);
    s->n_dict_blocks = v.n_terms / FMT_DICT_BLOCK + (v.n_terms % FMT_DICT_BLOCK != 0);
    if (s->sec[FMT_SEC_DOC_LENS].len != (uint64_t)v.n_docs * 4)
        return seg_corrupt(s, e, FMT_SEC_DOC_LENS, "length disagrees with n_docs",
                           s->sec[FMT_SEC_DOC_LENS].len, v.n_docs);
    if (s->sec[FMT_SEC_DOC_TABLE].len != (uint64_t)v.n_docs * sizeof(fmt_doc))
        return seg_corrupt(s, e, FMT_SEC_DOC_TABLE, "length disagrees with n_docs",
                           s->sec[FMT_SEC_DOC_TABLE].len, v.n_docs);
    if (s->n_dict_blocks > SIZE_MAX / sizeof(fmt_dict_ix) ||
        s->sec[FMT_SEC_DICT_INDEX].len != s->n_dict_blocks * sizeof(fmt_dict_ix))
        return seg_corrupt(s, e, FMT_SEC_DICT_INDEX, "length disagrees with n_terms",
                           s->sec[FMT_SEC_DICT_INDEX].len, v.n_terms);
    if (s->version >= 2 && s->sec[FMT_SEC_DOC_SRC].len != (uint64_t)v.n_docs * sizeof(fmt_src))
        return seg_corrupt(s, e, FMT_SEC_DOC_SRC, "length disagrees with n_docs",
                           s->sec[FMT_SEC_DOC_SRC].len, v.n_docs);
    if (s->sec[FMT_SEC_STORED_INDEX].len % sizeof(fmt_stored_block))
        return seg_corrupt(s, e, FMT_SEC_STORED_INDEX, "length not a multiple of 16",
                           s->sec[FMT_SEC_STORED_INDEX].len, 0);
    s->n_stored_blocks = s->sec[FMT_SEC_STORED_INDEX].len / sizeof(fmt_stored_block);
    s->doc_lens = (const uint32_t *)(const void *)s->sec[FMT_SEC_DOC_LENS].p;
    return seg_check_dict_index(s, e);
}

/* Version 4: the chunk sums' length against the two sections they cover, and their states. */
static int seg_read_chunks(segment *s, err *e)
{
    if (s->version < 4) return TRAWL_OK;
    s->n_dict_chunks = fmt_n_chunks(s->sec[FMT_SEC_DICT].len);
    s->n_ids_chunks = fmt_n_chunks(s->sec[FMT_SEC_IDS].len);
    uint64_t n = s->n_dict_chunks + s->n_ids_chunks;
    if (s->sec[FMT_SEC_CHUNK_SUMS].len != n * 4)
        return seg_corrupt(s, e, FMT_SEC_CHUNK_SUMS,
                           "length disagrees with the dictionary and ids lengths",
                           s->sec[FMT_SEC_CHUNK_SUMS].len, n);
    if (n && !(s->chunk_state = calloc((size_t)n, sizeof *s->chunk_state)))
        return err_set(e, TRAWL_ENOMEM, "%s: out of memory", s->name);
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- checksums at open */

/* When each section's checksum is verified (docs/FORMAT.md, "What is verified when"). Searches
 * read most sections as plain numbers (statistics, document lengths, dates, ids, dictionary
 * entries), where a flipped byte would change an answer without any decoder noticing; those are
 * hashed before anything reads them, at a few hundred microseconds per MB of bytes that queries
 * and hits read anyway. A section added later is verified at open unless listed here. */
enum {
    SEG_SUM_AT_OPEN = 0,   /* segment_open */
    SEG_SUM_FIRST_USE = 1, /* seg_verify_first_use, by the one accessor that reads it */
    SEG_SUM_BY_CHECK = 2,  /* only segment_check (--check) */
};
static const uint8_t seg_sum_when[FMT_SEC_COUNT + 1] = {
    [FMT_SEC_DICT] = SEG_SUM_FIRST_USE,     /* the first term lookup (version 4: by chunks) */
    [FMT_SEC_IDS] = SEG_SUM_FIRST_USE,      /* the first hit's id (version 4: by chunks) */
    [FMT_SEC_POSTINGS] = SEG_SUM_BY_CHECK,  /* most of the index; decoders stay in bounds, */
    [FMT_SEC_POSITIONS] = SEG_SUM_BY_CHECK, /* a flip may still change an answer */
    [FMT_SEC_STORED] = SEG_SUM_BY_CHECK,    /* zlib's adler32 fails a damaged block's inflate */
};

/* Section id's bytes against the xxhash64 of the section table. */
static int seg_verify_sum(const segment *s, uint32_t id, err *e)
{
    const seg_sec *sec = &s->sec[id];
    if (checksum64(sec->p, sec->len) == sec->hash) return TRAWL_OK;
    return err_set(e, TRAWL_ECORRUPT,
                   "%s: %s: checksum mismatch (section at %" PRIu64 ", %zu bytes)", s->name,
                   seg_sec_name(id), sec->off, sec->len);
}

/* The checksums open verifies, before anything reads those sections. */
static int seg_verify_at_open(const segment *s, err *e)
{
    for (uint32_t id = 1; id <= fmt_n_sections(s->version); id++)
        if (seg_sum_when[id] == SEG_SUM_AT_OPEN && seg_verify_sum(s, id, e) < 0) return e->rc;
    return TRAWL_OK;
}

/* Verifies a section whole on its first use (versions 1 to 3). */
static int seg_verify_first_use(const segment *s, uint32_t id, err *e)
{
    /* The state caches a function of immutable bytes: threads racing here compute the same
     * value, so relaxed order suffices, and writing it through a const segment changes nothing
     * a reader could see (the segment itself was allocated writable). */
    _Atomic int8_t *state = (_Atomic int8_t *)&s->sum_state[id];
    int8_t v = atomic_load_explicit(state, memory_order_relaxed);
    if (v > 0) return TRAWL_OK;
    if (v == 0) {
        v = checksum64(s->sec[id].p, s->sec[id].len) == s->sec[id].hash ? 1 : -1;
        atomic_store_explicit(state, v, memory_order_relaxed);
    }
    return v > 0 ? TRAWL_OK : seg_verify_sum(s, id, e);
}

/* 1 if chunk c of section id (its index among that section's chunks) matches its sum. */
static int seg_chunk_ok(const segment *s, uint32_t id, uint64_t c)
{
    const seg_sec *sec = &s->sec[id];
    size_t at = (size_t)c * FMT_CHUNK, n = sec->len - at < FMT_CHUNK ? sec->len - at : FMT_CHUNK;
    uint64_t k = id == FMT_SEC_IDS ? s->n_dict_chunks + c : c;
    uint32_t want;
    memcpy(&want, s->sec[FMT_SEC_CHUNK_SUMS].p + k * 4, 4);
    return (uint32_t)checksum64(sec->p + at, n) == want;
}

int seg_verify_range(const segment *s, uint32_t id, size_t start, size_t end, err *e)
{
    if (s->version < 4) return seg_verify_first_use(s, id, e);
    if (end <= start) return TRAWL_OK;
    _Atomic int8_t *state = s->chunk_state + (id == FMT_SEC_IDS ? s->n_dict_chunks : 0);
    for (uint64_t c = start / FMT_CHUNK; c <= (end - 1) / FMT_CHUNK; c++) {
        /* relaxed, as seg_verify_first_use's state */
        int8_t v = atomic_load_explicit(&state[c], memory_order_relaxed);
        if (v == 0) {
            v = seg_chunk_ok(s, id, c) ? 1 : -1;
            atomic_store_explicit(&state[c], v, memory_order_relaxed);
        }
        if (v < 0)
            return err_set(e, TRAWL_ECORRUPT,
                           "%s: %s: checksum mismatch (chunk of %u bytes at %" PRIu64 ")", s->name,
                           seg_sec_name(id), FMT_CHUNK, s->sec[id].off + c * FMT_CHUNK);
    }
    return TRAWL_OK;
}

int segment_open(segment **out, const char *path, const char *name, uint64_t expect_id, err *e)
{
    rd table = {0};
    *out = NULL;
    segment *s = calloc(1, sizeof *s);
    if (!s) return err_set(e, TRAWL_ENOMEM, "%s: out of memory", name);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->refs = 1;
    int rc = mmapfile_open(&s->map, path, e);
    if (rc == TRAWL_OK) rc = seg_check_header(s, expect_id, e);
    if (rc == TRAWL_OK) rc = seg_read_trailer(s, &table, e);
    if (rc == TRAWL_OK) rc = seg_read_table(s, &table, e);
    if (rc == TRAWL_OK) rc = seg_verify_at_open(s, e);
    if (rc == TRAWL_OK) rc = seg_read_stats(s, e);
    if (rc == TRAWL_OK) rc = seg_read_chunks(s, e);
    if (rc != TRAWL_OK) {
        segment_close(s);
        return rc;
    }
    *out = s;
    return TRAWL_OK;
}

segment *segment_retain(segment *s)
{
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
    return s;
}

void segment_close(segment *s)
{
    if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
    termtab_free(atomic_load_explicit(&s->termtab, memory_order_acquire));
    free((void *)s->chunk_state);
    mmapfile_close(&s->map);
    free(s);
}

const char *segment_name(const segment *s)
{
    return s->name;
}

uint64_t segment_id(const segment *s)
{
    return s->id;
}

uint32_t segment_n_docs(const segment *s)
{
    return s->n_docs;
}

uint64_t segment_total_tokens(const segment *s)
{
    return s->total_tokens;
}

uint64_t segment_n_terms(const segment *s)
{
    return s->n_terms;
}

uint64_t segment_file_bytes(const segment *s)
{
    return s->map.len;
}

void segment_file_id(const segment *s, uint64_t *dev, uint64_t *ino)
{
    *dev = s->map.dev;
    *ino = s->map.ino;
}

uint64_t segment_stored_bytes(const segment *s)
{
    return s->sec[FMT_SEC_STORED].len;
}

const char *segment_language(const segment *s)
{
    return s->language;
}

uint32_t segment_max_token_len(const segment *s)
{
    return s->max_token_len;
}

uint32_t segment_doc_len(const segment *s, uint32_t doc)
{
    return s->doc_lens[doc];
}

static fmt_doc seg_doc(const segment *s, uint32_t doc)
{
    fmt_doc d;
    memcpy(&d, s->sec[FMT_SEC_DOC_TABLE].p + (size_t)doc * sizeof d, sizeof d);
    return d;
}

uint32_t segment_doc_date(const segment *s, uint32_t doc)
{
    return seg_doc(s, doc).date;
}

int segment_doc_meta(const segment *s, uint32_t doc, uint32_t *date, const char **id, size_t *len,
                     err *e)
{
    if (doc >= s->n_docs)
        return err_set(e, TRAWL_EARG, "%s: doc %" PRIu32 " out of range", s->name, doc);
    fmt_doc d = seg_doc(s, doc);
    *date = d.date;
    if (d.id_off > s->sec[FMT_SEC_IDS].len || d.id_len > s->sec[FMT_SEC_IDS].len - d.id_off)
        return seg_corrupt(s, e, FMT_SEC_DOC_TABLE, "id of doc runs past the ids section", doc,
                           d.id_off);
    if (seg_verify_range(s, FMT_SEC_IDS, d.id_off, (size_t)d.id_off + d.id_len, e) < 0)
        return e->rc;
    *id = (const char *)s->sec[FMT_SEC_IDS].p + d.id_off;
    *len = d.id_len;
    return TRAWL_OK;
}

void segment_doc_prefetch(const segment *s, uint32_t doc)
{
    __builtin_prefetch(s->sec[FMT_SEC_DOC_TABLE].p + (size_t)doc * sizeof(fmt_doc));
}

int segment_doc_id(const segment *s, uint32_t doc, const char **id, size_t *len, err *e)
{
    uint32_t date;
    return segment_doc_meta(s, doc, &date, id, len, e);
}

int segment_has_src(const segment *s)
{
    return s->version >= 2;
}

void segment_doc_src(const segment *s, uint32_t doc, fmt_src *out)
{
    if (s->version < 2 || doc >= s->n_docs) {
        memset(out, 0, sizeof *out);
        return;
    }
    memcpy(out, s->sec[FMT_SEC_DOC_SRC].p + (size_t)doc * sizeof *out, sizeof *out);
}

/* Stored index entry b, checked against the stored section. */
static int seg_stored_block(const segment *s, uint64_t b, fmt_stored_block *sb, err *e)
{
    if (b >= s->n_stored_blocks)
        return seg_corrupt(s, e, FMT_SEC_DOC_TABLE, "stored block index out of range", b,
                           s->n_stored_blocks);
    memcpy(sb, s->sec[FMT_SEC_STORED_INDEX].p + b * sizeof *sb, sizeof *sb);
    size_t len = s->sec[FMT_SEC_STORED].len;
    if (sb->off > len || sb->comp_len > len - sb->off || sb->raw_len == 0 ||
        sb->raw_len > FMT_STORED_BLOCK)
        return seg_corrupt(s, e, FMT_SEC_STORED_INDEX, "block runs past the stored section", b,
                           sb->off);
    return TRAWL_OK;
}

/* Inflates stored block b to the end of out (out->len grows by its raw length). */
static int seg_inflate(const segment *s, uint64_t b, buf *out, fmt_stored_block *sb, err *e)
{
    if (seg_stored_block(s, b, sb, e) < 0) return e->rc;
    if (buf_reserve(out, sb->raw_len) < 0)
        return err_set(e, TRAWL_ENOMEM, "%s: out of memory", s->name);
    char why[128];
    int rc = zblock_inflate(s->sec[FMT_SEC_STORED].p + sb->off, sb->comp_len, out->p + out->len,
                            sb->raw_len, NULL, why, sizeof why);
    if (rc != TRAWL_OK)
        return err_set(e, rc, "%s: %s: block %" PRIu64 " (%" PRIu32 " bytes at %" PRIu64 "): %s",
                       s->name, seg_sec_name(FMT_SEC_STORED), b, sb->comp_len, sb->off, why);
    out->len += sb->raw_len;
    return TRAWL_OK;
}

uint64_t segment_n_stored_blocks(const segment *s)
{
    return s->n_stored_blocks;
}

int segment_stored_block(const segment *s, uint64_t b, const uint8_t **z, uint32_t *zlen,
                         uint32_t *raw_len, err *e)
{
    fmt_stored_block sb;
    if (seg_stored_block(s, b, &sb, e) < 0) return e->rc;
    *z = s->sec[FMT_SEC_STORED].p + sb.off;
    *zlen = sb.comp_len;
    *raw_len = sb.raw_len;
    return TRAWL_OK;
}

int segment_inflate_block(const segment *s, uint64_t b, buf *out, err *e)
{
    fmt_stored_block sb;
    return seg_inflate(s, b, out, &sb, e);
}

uint32_t segment_doc_text_len(const segment *s, uint32_t doc)
{
    return seg_doc(s, doc).text_len;
}

int segment_doc_text(const segment *s, uint32_t doc, buf *out, err *e)
{
    if (doc >= s->n_docs)
        return err_set(e, TRAWL_EARG, "%s: doc %" PRIu32 " out of range", s->name, doc);
    fmt_doc d = seg_doc(s, doc);
    uint64_t b = d.text_block;
    uint32_t off = d.text_off, left = d.text_len;
    while (left > 0) {
        fmt_stored_block sb;
        size_t base = out->len;
        if (seg_inflate(s, b, out, &sb, e) < 0) return e->rc;
        if (off >= sb.raw_len) {
            out->len = base;
            return seg_corrupt(s, e, FMT_SEC_DOC_TABLE, "text offset past its block", doc, off);
        }
        uint32_t k = sb.raw_len - off < left ? sb.raw_len - off : left;
        memmove(out->p + base, out->p + base + off, k);
        out->len = base + k;
        left -= k;
        off = 0;
        b++;
    }
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- deep check */

/* Where the padding after sec ends: the next section's start, or the section table. */
static uint64_t seg_pad_end(const segment *s, const seg_sec *sec)
{
    uint64_t end = sec->off + sec->len;
    uint32_t n_secs = fmt_n_sections(s->version);
    uint64_t next = s->map.len - sizeof(fmt_trailer) - n_secs * sizeof(fmt_section);
    for (uint32_t id = 1; id <= n_secs; id++)
        if (s->sec[id].off >= end && s->sec[id].off < next) next = s->sec[id].off;
    return next;
}

/* Version 4: every chunk of the dictionary and the ids against its sum. */
static int seg_check_chunks(const segment *s, err *e)
{
    for (uint64_t c = 0; c < s->n_dict_chunks + s->n_ids_chunks; c++) {
        uint32_t id = c < s->n_dict_chunks ? FMT_SEC_DICT : FMT_SEC_IDS;
        uint64_t i = c < s->n_dict_chunks ? c : c - s->n_dict_chunks;
        if (!seg_chunk_ok(s, id, i))
            return seg_corrupt(s, e, FMT_SEC_CHUNK_SUMS, "sum disagrees with its chunk", id,
                               i * FMT_CHUNK);
    }
    return TRAWL_OK;
}

/* Every section's checksum, and every padding byte (up to the next section) is zero. */
static int seg_check_sums(const segment *s, err *e)
{
    for (uint32_t id = 1; id <= fmt_n_sections(s->version); id++) {
        const seg_sec *sec = &s->sec[id];
        if (seg_verify_sum(s, id, e) < 0) return e->rc;
        uint64_t pad = seg_pad_end(s, sec) - sec->off - sec->len;
        for (size_t i = 0; i < pad; i++)
            if (sec->p[sec->len + i] != 0)
                return seg_corrupt(s, e, id, "padding byte not zero", sec->off + sec->len + i, 0);
    }
    return TRAWL_OK;
}

/* Every stored block inflates to its length; blocks are contiguous and fill the section. In
 * version 1 every block but the last holds exactly FMT_STORED_BLOCK bytes; from version 2 any
 * block may be shorter (a merge copies blocks as they are). starts[b] receives the offset of
 * block b's first byte in the concatenated texts, starts[n_blocks] their total. */
static int seg_check_stored(const segment *s, uint64_t *starts, err *e)
{
    buf tmp;
    buf_init(&tmp);
    uint64_t next = 0;
    starts[0] = 0;
    for (uint64_t b = 0; b < s->n_stored_blocks; b++) {
        fmt_stored_block sb;
        tmp.len = 0;
        if (seg_inflate(s, b, &tmp, &sb, e) < 0) break;
        int short_ok = s->version >= 2 || b + 1 == s->n_stored_blocks;
        if (sb.off != next || (!short_ok && sb.raw_len != FMT_STORED_BLOCK)) {
            seg_corrupt(s, e, FMT_SEC_STORED_INDEX, "block not contiguous or not full", b, sb.off);
            break;
        }
        next = sb.off + sb.comp_len;
        starts[b + 1] = starts[b] + sb.raw_len;
    }
    buf_free(&tmp);
    if (e->rc == TRAWL_OK && next != s->sec[FMT_SEC_STORED].len)
        seg_corrupt(s, e, FMT_SEC_STORED, "blocks do not fill the section", next,
                    s->sec[FMT_SEC_STORED].len);
    return e->rc;
}

/* Where doc d's text starts in the concatenated texts, from the block starts; UINT64_MAX if its
 * block and offset name no byte (an empty text may sit just past the last block). */
static uint64_t seg_text_at(const segment *s, const fmt_doc *d, const uint64_t *starts)
{
    uint64_t nb = s->n_stored_blocks;
    if (d->text_block > nb) return UINT64_MAX;
    if (d->text_block == nb) return d->text_off == 0 && d->text_len == 0 ? starts[nb] : UINT64_MAX;
    if (d->text_off >= starts[d->text_block + 1] - starts[d->text_block]) return UINT64_MAX;
    return starts[d->text_block] + d->text_off;
}

/* Documents: ids in bounds, texts laid end to end through the stored blocks, lengths summing
 * to total_tokens. */
static int seg_check_docs(const segment *s, err *e)
{
    uint64_t text_pos = 0, tokens = 0;
    uint64_t *starts = malloc((s->n_stored_blocks + 1) * sizeof *starts);
    if (!starts) return err_set(e, TRAWL_ENOMEM, "%s: out of memory checking stored text", s->name);
    if (seg_check_stored(s, starts, e) < 0) goto out;
    uint64_t raw_total = starts[s->n_stored_blocks];
    for (uint32_t doc = 0; doc < s->n_docs; doc++) {
        fmt_doc d = seg_doc(s, doc);
        const char *id;
        size_t id_len;
        if (segment_doc_id(s, doc, &id, &id_len, e) < 0) goto out;
        uint64_t at = seg_text_at(s, &d, starts);
        if (at != text_pos || d.text_len > raw_total - at) {
            seg_corrupt(s, e, FMT_SEC_DOC_TABLE, "stored text of doc misplaced", doc, at);
            goto out;
        }
        text_pos += d.text_len;
        tokens += s->doc_lens[doc];
    }
    if (text_pos != raw_total)
        seg_corrupt(s, e, FMT_SEC_DOC_TABLE, "texts do not fill the stored blocks", text_pos,
                    raw_total);
    else if (tokens != s->total_tokens)
        seg_corrupt(s, e, FMT_SEC_DOC_LENS, "lengths do not sum to total_tokens", tokens,
                    s->total_tokens);
out:
    free(starts);
    return e->rc;
}

/* Document sources: reserved flags zero. */
static int seg_check_src(const segment *s, err *e)
{
    fmt_src src;
    for (uint32_t doc = 0; s->version >= 2 && doc < s->n_docs; doc++) {
        segment_doc_src(s, doc, &src);
        if (src.flags != 0)
            return seg_corrupt(s, e, FMT_SEC_DOC_SRC, "reserved flags of doc set", doc, src.flags);
    }
    return TRAWL_OK;
}

int segment_check(const segment *s, err *e)
{
    if (seg_check_sums(s, e) < 0 || seg_check_chunks(s, e) < 0 || seg_check_docs(s, e) < 0 ||
        seg_check_src(s, e) < 0)
        return e->rc;
    return dict_check(s, e);
}
