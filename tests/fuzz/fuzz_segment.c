/* libFuzzer target for a whole segment file (segment_open, segment_check, dict, term_cursor,
 * per-document data). The input is the file. Before mapping it, the harness recomputes every
 * section's xxhash64 and the section table's hash wherever the table lets it, so mutations reach
 * the decoders instead of stopping at a checksum (that path is covered by test_corrupt_index).
 * The header's segment id is passed as the expected id for the same reason.
 * Beyond "no crash, no sanitizer report" it checks:
 *   open fails: TRAWL_ECORRUPT, TRAWL_ENOTINDEX or TRAWL_EVERSION, with a message;
 *   always:     dict_iter yields at most n_terms terms; every cursor's doc ids strictly
 *               increase, stay below n_docs and number at most df; a failed cursor sits at
 *               DOC_END with an error; ids lie inside the ids section; seeks and shallow seeks
 *               land at or after their target;
 *   check OK:   every cursor and dict_iter ends with TRAWL_OK; df, cf and max_tf agree with
 *               the dictionary; tfs >= 1; positions number tf, strictly increase and stay
 *               below the doc length; terms strictly increase and dict_find finds each;
 *               tc_seek lands exactly where a linear walk says; a shallow seek's block bounds
 *               (max tf, min length, and one of its impact pairs) hold for every doc of its
 *               block; stored texts inflate to
 *               their recorded length;
 *   cursor OK:  a second cursor's seeks agree with the first cursor's walk;
 *   term table: it builds, or fails with TRAWL_ECORRUPT or TRAWL_ENOMEM (always, if the check
 *               failed); with the check OK it holds n_terms terms, walked in strictly increasing
 *               order with their true shared lengths, and a fuzzy walk (lev_visit) stays in
 *               bounds.
 *
 * Seeds: tests/fuzz/corpus/segment/, written by this file's seed mode with the real writer:
 *   cc -std=c11 -D_GNU_SOURCE -DFUZZ_SEGMENT_SEEDS -Icommon -Iindexer \
 *      tests/fuzz/fuzz_segment.c indexer/segment_writer.c indexer/term_enc.c common/[a-z]*.c \
 *      -lstemmer -lutf8proc -lxxhash -lz -ldeflate -lm -lpthread -o /tmp/segseeds && /tmp/segseeds
 * tests/fuzz/corpus/segment Rerun it after a format change (tests/fuzz/run.sh uses the committed
 * files as they are). */
#include "dict.h"
#include "format.h"
#include "levenshtein.h"
#include "segment.h"
#include "segment_impl.h"
#include "term_cursor.h"
#include "termtab.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FS_CHECK(cond)                 \
    do {                               \
        if (!(cond)) __builtin_trap(); \
    } while (0)

#define FS_MAX_TERMS 4096 /* terms walked per input, bounding the time of one run */
#define FS_MAX_DOCS  8    /* documents whose id and text are fetched */

#ifndef FUZZ_SEGMENT_SEEDS

#include "checksum.h"

static int fs_fd = -1;   /* memfd holding the current input */
static char fs_path[64]; /* /proc/self/fd/N */

/* One term's postings as a plain walk saw them: the reference for seeks. */
typedef struct fs_list {
    uint32_t *docs, *tfs;
    uint32_t n;
} fs_list;

static uint64_t fs_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Section id's place from the table at table_off (0 and 0 when absent or outside the file). */
static void fs_section(const uint8_t *data, uint64_t table_off, uint32_t id, uint64_t *off,
                       uint64_t *len)
{
    *off = *len = 0;
    for (size_t i = 0; i < FMT_SEC_COUNT; i++) {
        const uint8_t *ent = data + table_off + i * sizeof(fmt_section);
        uint32_t got;
        memcpy(&got, ent + offsetof(fmt_section, id), 4);
        uint64_t o = fs_le64(ent + offsetof(fmt_section, off));
        uint64_t l = fs_le64(ent + offsetof(fmt_section, len));
        if (got == id && o <= table_off && l <= table_off - o) {
            *off = o;
            *len = l;
        }
    }
}

/* Rewrites the chunk sums (format 4) of the dictionary and the ids, so that mutations there
 * reach the decoders. */
static void fs_repair_chunks(uint8_t *data, uint64_t table_off)
{
    uint64_t s_off, s_len, k = 0;
    fs_section(data, table_off, FMT_SEC_CHUNK_SUMS, &s_off, &s_len);
    const uint32_t ids[2] = {FMT_SEC_DICT, FMT_SEC_IDS};
    for (int j = 0; j < 2 && s_len; j++) {
        uint64_t off, len;
        fs_section(data, table_off, ids[j], &off, &len);
        for (uint64_t at = 0; at < len; at += FMT_CHUNK, k++) {
            size_t n = len - at < FMT_CHUNK ? (size_t)(len - at) : FMT_CHUNK;
            uint32_t v = (uint32_t)checksum64(data + off + at, n);
            if ((k + 1) * 4 <= s_len) memcpy(data + s_off + k * 4, &v, 4);
        }
    }
}

/* Rewrites the chunk sums, the section hashes and the table hash of data in place when the
 * trailer locates a table inside the file; leaves anything else alone. */
static void fs_repair_sums(uint8_t *data, size_t size)
{
    const size_t table_len = FMT_SEC_COUNT * sizeof(fmt_section);
    if (size < sizeof(fmt_header) + table_len + sizeof(fmt_trailer)) return;
    uint8_t *tr = data + size - sizeof(fmt_trailer);
    uint64_t table_off = fs_le64(tr + offsetof(fmt_trailer, table_off));
    if (table_off != size - sizeof(fmt_trailer) - table_len) return;
    fs_repair_chunks(data, table_off);
    for (size_t i = 0; i < FMT_SEC_COUNT; i++) {
        uint8_t *ent = data + table_off + i * sizeof(fmt_section);
        uint64_t off = fs_le64(ent + offsetof(fmt_section, off));
        uint64_t len = fs_le64(ent + offsetof(fmt_section, len));
        if (off <= table_off && len <= table_off - off) {
            uint64_t h = checksum64(data + off, (size_t)len);
            memcpy(ent + offsetof(fmt_section, hash), &h, 8);
        }
    }
    uint64_t th = checksum64(data + table_off, table_len);
    memcpy(tr + offsetof(fmt_trailer, table_hash), &th, 8);
}

/* Replaces the memfd's contents with the input. Returns 0, or -1 if the system refuses. */
static int fs_write_file(const uint8_t *data, size_t size)
{
    if (fs_fd < 0) {
        fs_fd = memfd_create("fuzz_segment", MFD_CLOEXEC);
        if (fs_fd < 0) return -1;
        snprintf(fs_path, sizeof fs_path, "/proc/self/fd/%d", fs_fd);
    }
    if (ftruncate(fs_fd, 0) < 0) return -1;
    for (size_t done = 0; done < size;) {
        ssize_t n = pwrite(fs_fd, data + done, size - done, (off_t)done);
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

/* Ids, dates, lengths and stored texts of a few documents. */
static void fs_docs(const segment *s, int check_ok)
{
    uint32_t n = segment_n_docs(s);
    const seg_sec *ids = &s->sec[FMT_SEC_IDS];
    buf text;
    buf_init(&text);
    for (uint32_t k = 0; k < FS_MAX_DOCS && k < n; k++) {
        uint32_t doc = k < FS_MAX_DOCS / 2 ? k : n - 1 - (k - FS_MAX_DOCS / 2);
        const char *id;
        size_t id_len;
        err e;
        err_init(&e);
        (void)segment_doc_len(s, doc);
        (void)segment_doc_date(s, doc);
        if (segment_doc_id(s, doc, &id, &id_len, &e) == TRAWL_OK)
            FS_CHECK((const uint8_t *)id >= ids->p && id_len <= ids->len &&
                     (size_t)((const uint8_t *)id - ids->p) <= ids->len - id_len);
        else
            FS_CHECK(!check_ok && e.rc == TRAWL_ECORRUPT);
        fmt_doc d;
        memcpy(&d, s->sec[FMT_SEC_DOC_TABLE].p + (size_t)doc * sizeof d, sizeof d);
        text.len = 0;
        int rc = segment_doc_text(s, doc, &text, &e);
        FS_CHECK(rc == TRAWL_OK || rc == TRAWL_ECORRUPT || rc == TRAWL_ENOMEM);
        if (check_ok) FS_CHECK(rc == TRAWL_OK && text.len == d.text_len);
    }
    buf_free(&text);
}

/* Positions of the cursor's current doc: with a passed check, tf of them, increasing, below
 * the doc length. */
static void fs_positions(term_cursor *c, const segment *s, uint32_t tf, int check_ok)
{
    const uint32_t *pos;
    uint32_t np;
    int rc = tc_positions(c, &pos, &np);
    if (rc != TRAWL_OK) {
        FS_CHECK(!check_ok && np == 0 && c->rc != TRAWL_OK && c->doc == DOC_END);
        return;
    }
    if (!check_ok) return;
    uint32_t len = segment_doc_len(s, c->doc);
    FS_CHECK(np == tf);
    for (uint32_t j = 0; j < np; j++)
        FS_CHECK(pos[j] < len && (j == 0 || pos[j] > pos[j - 1]));
}

/* Walks the whole list with tc_next/tc_freq/tc_positions into ref. Returns the cursor's rc. */
static int fs_walk(const segment *s, const term_info *ti, fs_list *ref, int check_ok)
{
    term_cursor c;
    err e;
    err_init(&e);
    ref->n = 0;
    int rc = tc_open(&c, s, ti, &e);
    FS_CHECK(rc == TRAWL_OK || (rc == TRAWL_ECORRUPT && c.doc == DOC_END));
    uint64_t cf = 0;
    uint32_t max_tf = 0, n_docs = segment_n_docs(s);
    while (c.doc != DOC_END) {
        FS_CHECK(c.doc < n_docs && ref->n < ti->df);
        FS_CHECK(ref->n == 0 || c.doc > ref->docs[ref->n - 1]);
        uint32_t tf = tc_freq(&c);
        if (c.rc != TRAWL_OK) break;
        if (check_ok) FS_CHECK(tf >= 1);
        ref->docs[ref->n] = c.doc;
        ref->tfs[ref->n++] = tf;
        cf += tf;
        max_tf = tf > max_tf ? tf : max_tf;
        fs_positions(&c, s, tf, check_ok);
        if (c.rc != TRAWL_OK) break;
        tc_next(&c);
    }
    FS_CHECK(c.doc == DOC_END && (c.rc == TRAWL_OK || e.rc == c.rc));
    if (check_ok)
        FS_CHECK(c.rc == TRAWL_OK && ref->n == ti->df && cf == ti->cf && max_tf == ti->max_tf);
    rc = c.rc;
    tc_close(&c);
    return rc;
}

/* First index in ref with doc >= target (ref->n if none). */
static uint32_t fs_lower_bound(const fs_list *ref, uint32_t target)
{
    uint32_t lo = 0, hi = ref->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ref->docs[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* After tc_shallow_seek(target): the block bounds cover every doc of the block (check OK). */
static void fs_check_bounds(term_cursor *c, const segment *s, const fs_list *ref, uint32_t target)
{
    uint32_t last = tc_block_last(c), tf[FMT_IMPACTS], len[FMT_IMPACTS];
    uint32_t m = tc_block_impacts(c, tf, len);
    FS_CHECK(last >= target && m >= 1 && m <= FMT_IMPACTS);
    for (uint32_t i = fs_lower_bound(ref, target); i < ref->n && ref->docs[i] <= last; i++) {
        uint32_t dl = segment_doc_len(s, ref->docs[i]), j = 0;
        FS_CHECK(ref->tfs[i] <= tc_block_max_tf(c) && dl >= tc_block_min_len(c));
        while (j < m && !(tf[j] >= ref->tfs[i] && len[j] <= dl)) /* under one impact pair */
            j++;
        FS_CHECK(j < m);
    }
}

/* Seeks with strides derived from seed (1..~300 docs, or just past the decoded block, where a
 * new block's first doc may be the answer), interleaved with shallow seeks and nexts, compared
 * with ref when the walk that built ref succeeded. Targets never decrease, so each shallow
 * seek's block holds exactly the list's docs in [target, block last]. */
static void fs_seeks(const segment *s, const term_info *ti, const fs_list *ref, int ref_ok,
                     int check_ok, uint32_t seed)
{
    term_cursor c;
    err e;
    err_init(&e);
    if (tc_open(&c, s, ti, &e) != TRAWL_OK) {
        FS_CHECK(!ref_ok);
        tc_close(&c);
        return;
    }
    uint32_t target = c.doc, strides[] = {1, 2, 3, 7, 64, 129, 300};
    for (uint32_t step = 0; c.doc != DOC_END; step++) {
        uint32_t stride = strides[(seed + step) % 7];
        if ((seed + step) % 3 == 0 && c.blk_last < DOC_END - 1)
            target = c.blk_last + 1 > target ? c.blk_last + 1 : target + 1;
        else
            target = target > DOC_END - stride ? DOC_END : target + stride;
        tc_shallow_seek(&c, target);
        if (check_ok) fs_check_bounds(&c, s, ref, target);
        /* every 4th step is a tc_next: its target is the doc after the current one */
        uint32_t want = (step & 3) == 3 ? c.doc + 1 : target;
        uint32_t got = (step & 3) == 3 ? tc_next(&c) : tc_seek(&c, target);
        if (c.rc != TRAWL_OK) {
            FS_CHECK(!ref_ok && got == DOC_END);
            break;
        }
        FS_CHECK(got >= want);
        if (ref_ok) {
            uint32_t i = fs_lower_bound(ref, want);
            FS_CHECK(got == (i < ref->n ? ref->docs[i] : DOC_END));
        }
        if (got != DOC_END && (step & 1)) fs_positions(&c, s, tc_freq(&c), check_ok);
        target = got > target ? got : target;
    }
    FS_CHECK(tc_seek(&c, DOC_END) == DOC_END);
    if (check_ok) FS_CHECK(c.rc == TRAWL_OK);
    tc_close(&c);
}

/* Every term (up to FS_MAX_TERMS): walk, seek, look up. */
static void fs_terms(const segment *s, int check_ok)
{
    dict_iter it;
    err e;
    err_init(&e);
    uint32_t n_docs = segment_n_docs(s);
    fs_list ref = {malloc(((size_t)n_docs + 1) * 4), malloc(((size_t)n_docs + 1) * 4), 0};
    char prev[FMT_MAX_TERM + 1];
    size_t prev_len = 0;
    uint64_t n = 0;
    int rc = dict_iter_seek(&it, s, "", 0, &e);
    FS_CHECK(ref.docs && ref.tfs);
    while (rc == TRAWL_OK && n < FS_MAX_TERMS) {
        const char *t;
        size_t len;
        term_info ti;
        rc = dict_iter_next(&it, &t, &len, &ti, &e);
        if (rc != 1) break;
        rc = TRAWL_OK;
        FS_CHECK(++n <= segment_n_terms(s) && len >= 1 && len <= FMT_MAX_TERM);
        if (check_ok) {
            term_info found;
            err fe;
            err_init(&fe);
            int cmp = memcmp(prev, t, prev_len < len ? prev_len : len);
            FS_CHECK(n == 1 || cmp < 0 || (cmp == 0 && prev_len < len));
            FS_CHECK(dict_find(s, t, len, &found, &fe) == 1 && found.post_off == ti.post_off);
        }
        memcpy(prev, t, len);
        prev_len = len;
        int walk_rc = fs_walk(s, &ti, &ref, check_ok);
        fs_seeks(s, &ti, &ref, walk_rc == TRAWL_OK, check_ok, (uint32_t)n);
    }
    FS_CHECK(rc <= TRAWL_OK);
    if (check_ok) FS_CHECK(rc == TRAWL_OK && (n == segment_n_terms(s) || n == FS_MAX_TERMS));
    free(ref.docs);
    free(ref.tfs);
}

/* A term table walk that skips nothing: terms in order, true shared lengths. */
typedef struct fs_tt {
    uint8_t prev[DICT_WALK_HINT_MAX];
    size_t prev_len;
    uint64_t n;
    int check_ok; /**< the segment passed its check: its terms are in order */
    lev *l;       /**< NULL: no pruning */
} fs_tt;

static size_t fs_tt_visit(void *ctx, uint8_t *term, size_t len, size_t lcp, size_t *keep)
{
    fs_tt *w = ctx;
    if (w->l) {
        uint32_t d;
        return lev_visit(w->l, term, len, lcp, &d, keep);
    }
    size_t n = len < w->prev_len ? len : w->prev_len, l = 0;
    while (l < n && term[l] == w->prev[l])
        l++;
    FS_CHECK(!w->check_ok || w->n == 0 ||
             (l == lcp && l < len && (l == w->prev_len || term[l] > w->prev[l])));
    memcpy(w->prev, term, len);
    w->prev_len = len;
    w->n++;
    *keep = len;
    return len;
}

static void fs_termtab(const segment *s, int check_ok)
{
    err e;
    err_init(&e);
    const termtab *t = termtab_get(s, &e);
    if (!t) {
        FS_CHECK(e.rc == TRAWL_ECORRUPT || e.rc == TRAWL_ENOMEM);
        FS_CHECK(!check_ok || e.rc == TRAWL_ENOMEM);
        return;
    }
    fs_tt w = {.check_ok = check_ok};
    termtab_walk(t, fs_tt_visit, &w);
    FS_CHECK(w.n == termtab_n_terms(t));
    if (check_ok) FS_CHECK(w.n == segment_n_terms(s));
    static lev l;
    if (lev_init(&l, "t01", 3, 2) == 0) {
        fs_tt f = {.l = &l};
        termtab_walk(t, fs_tt_visit, &f);
    }
}

/* The same walks over the dictionary itself (dict_walk). */
static void fs_dict_walk(const segment *s, int check_ok)
{
    err e;
    err_init(&e);
    uint64_t n_read = 0;
    fs_tt w = {.check_ok = check_ok};
    int rc = dict_walk(s, fs_tt_visit, &w, &n_read, &e);
    FS_CHECK(rc == TRAWL_OK || (rc == TRAWL_ECORRUPT && !check_ok));
    FS_CHECK(n_read >= w.n); /* out of order, a term read may be below the last one */
    if (check_ok) FS_CHECK(w.n == segment_n_terms(s) && n_read == w.n);
    static lev l;
    if (lev_init(&l, "t01", 3, 2) == 0) {
        fs_tt f = {.l = &l};
        err_init(&e);
        dict_walk(s, fs_tt_visit, &f, &n_read, &e);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    segment *s = NULL;
    err e;
    if (!copy) return 0;
    memcpy(copy, data, size);
    fs_repair_sums(copy, size);
    int written = fs_write_file(copy, size);
    uint64_t id = size >= sizeof(fmt_header) ? fs_le64(copy + offsetof(fmt_header, seg_id)) : 0;
    free(copy);
    if (written < 0) return 0;
    err_init(&e);
    int rc = segment_open(&s, fs_path, "fuzz.trw", id, &e);
    if (rc != TRAWL_OK) {
        FS_CHECK(s == NULL && e.msg[0] != '\0');
        FS_CHECK(rc == TRAWL_ECORRUPT || rc == TRAWL_ENOTINDEX || rc == TRAWL_EVERSION);
        return 0;
    }
    err ce;
    err_init(&ce);
    int check_ok = segment_check(s, &ce) == TRAWL_OK;
    FS_CHECK(check_ok || ce.rc == TRAWL_ECORRUPT || ce.rc == TRAWL_ENOMEM);
    fs_docs(s, check_ok);
    fs_terms(s, check_ok);
    fs_termtab(s, check_ok);
    fs_dict_walk(s, check_ok);
    segment_close(s);
    return 0;
}

#else /* FUZZ_SEGMENT_SEEDS: writes the seed corpus with the real writer */

#include "segment_writer.h"

/* Writes one seed: n_docs documents, each n_terms-term vocabulary word t present in doc d
 * when (d % (t + 1)) == 0, with tf 1 + (d + t) % 3 at positions spread over the doc. */
static int fs_seed(const char *dir, const char *name, uint32_t n_docs, uint32_t n_terms)
{
    segment_writer *w;
    err e;
    err_init(&e);
    if (sw_open(&w, dir, name, 7, "english", 64, &e) != TRAWL_OK) return -1;
    for (uint32_t d = 0; d < n_docs; d++) {
        char id[16], text[64];
        int il = snprintf(id, sizeof id, "d%u", d);
        int tl = snprintf(text, sizeof text, "doc %u text", d);
        uint32_t date = d % 3 ? 20240101 + d % 28 : 0;
        sw_add_doc(w, id, (size_t)il, date, 12, text, (size_t)tl, NULL);
    }
    for (uint32_t t = 0; t < n_terms; t++) {
        char term[16];
        int len = snprintf(term, sizeof term, "t%02u", t);
        sw_term_begin(w, term, (size_t)len);
        for (uint32_t d = 0; d < n_docs; d += t + 1) {
            uint32_t tf = 1 + (d + t) % 3, pos[3] = {t % 4, 4 + d % 4, 9 + t % 3};
            sw_term_doc(w, d, pos, tf);
        }
        sw_term_end(w);
    }
    int rc = sw_finish(w, NULL);
    if (rc != TRAWL_OK) fprintf(stderr, "%s: %s\n", name, e.msg);
    sw_free(w);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    int rc = fs_seed(argv[1], "tiny", 2, 2);      /* one partial block per term */
    rc |= fs_seed(argv[1], "two-blocks", 20, 20); /* two dictionary blocks */
    rc |= fs_seed(argv[1], "skips", 300, 3);      /* 300, 150, 100 docs: skip tables */
    return rc ? 1 : 0;
}

#endif
