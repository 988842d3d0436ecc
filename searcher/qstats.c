/* qstats: the trawl_qstats_* functions of trawl.h and plan.c's hook (qstats_node). A
 * trawl_qstats holds the totals and an array of keyed counts, sorted and unique once finished:
 * an export collects them in plan order (duplicates possible, the same count each time), then
 * sorts; a merge walks two sorted arrays; a lookup is a binary search. */
#include "qstats.h"

#include "bm25.h"
#include "checksum.h"
#include "rd.h"
#include "search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Encoding: magic, version 1, and its fixed-size header (docs/FORMAT.md "Query statistics"). */
static const uint8_t qs_magic[4] = {0xF9, 'Q', 'S', 'T'};
#define QS_VERSION    1
#define QS_HEADER     72 /* magic .. n_entries */
#define QS_ENTRY_HEAD 16 /* kind, key length, df */
#define QS_FOOTER     8  /* xxhash64 */

int trawl_qstats_new(trawl_qstats **out)
{
    if (!out) return TRAWL_EARG;
    *out = calloc(1, sizeof **out);
    if (!*out) return TRAWL_ENOMEM;
    buf_init(&(*out)->keys);
    return TRAWL_OK;
}

void trawl_qstats_free(trawl_qstats *qs)
{
    if (!qs) return;
    free(qs->e);
    buf_free(&qs->keys);
    free(qs);
}

static const char *qs_key(const trawl_qstats *qs, const qs_entry *e)
{
    return qs->keys.p ? (const char *)qs->keys.p + e->off : "";
}

/* Appends a count (not kept sorted). Returns 0, or -1 out of memory. */
static int qs_add(trawl_qstats *qs, uint32_t kind, const char *key, size_t len, uint64_t df)
{
    if (len > UINT32_MAX) return -1;
    if (qs->n == qs->cap) {
        size_t cap = qs->cap ? 2 * qs->cap : 16;
        qs_entry *e = realloc(qs->e, cap * sizeof *e);
        if (!e) return -1;
        qs->e = e;
        qs->cap = cap;
    }
    size_t off = qs->keys.len;
    buf_put(&qs->keys, key, len);
    if (qs->keys.oom) return -1;
    qs->e[qs->n++] = (qs_entry){.kind = kind, .len = (uint32_t)len, .off = off, .df = df};
    return 0;
}

/* (kind, key) order: kind, then bytes, then length (a key sorts before its extensions). */
static int qs_cmp_key(uint32_t ka, const char *a, size_t la, uint32_t kb, const char *b, size_t lb)
{
    if (ka != kb) return ka < kb ? -1 : 1;
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c) return c;
    return la < lb ? -1 : la > lb;
}

static int qs_cmp_entries(const void *pa, const void *pb, void *arg)
{
    const trawl_qstats *qs = arg;
    const qs_entry *a = pa, *b = pb;
    return qs_cmp_key(a->kind, qs_key(qs, a), a->len, b->kind, qs_key(qs, b), b->len);
}

/* Sorts an export's counts and drops repeats (one index counts a clause the same each time it
 * occurs in the plan). */
static void qs_finish(trawl_qstats *qs)
{
    if (qs->n > 1) qsort_r(qs->e, qs->n, sizeof *qs->e, qs_cmp_entries, qs);
    size_t u = 0;
    for (size_t i = 0; i < qs->n; i++)
        if (u == 0 || qs_cmp_entries(&qs->e[u - 1], &qs->e[i], qs) != 0) qs->e[u++] = qs->e[i];
    qs->n = u;
}

/* The first entry not below (kind, key), or qs->n. */
static size_t qs_lower(const trawl_qstats *qs, uint32_t kind, const char *key, size_t len)
{
    size_t lo = 0, hi = qs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const qs_entry *m = &qs->e[mid];
        if (qs_cmp_key(m->kind, qs_key(qs, m), m->len, kind, key, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const qs_entry *qs_find(const trawl_qstats *qs, uint32_t kind, const char *key, size_t len)
{
    size_t i = qs_lower(qs, kind, key, len);
    if (i == qs->n) return NULL;
    const qs_entry *e = &qs->e[i];
    return e->kind == kind && e->len == len && memcmp(qs_key(qs, e), key, len) == 0 ? e : NULL;
}

size_t qstats_prefix_terms(const trawl_qstats *qs, const char *prefix, size_t len, uint64_t *max_df)
{
    size_t n = 0;
    *max_df = 0;
    for (size_t i = qs_lower(qs, TRAWL_QSTATS_TERM, prefix, len); i < qs->n; i++) {
        const qs_entry *e = &qs->e[i];
        if (e->kind != TRAWL_QSTATS_TERM || e->len < len || memcmp(qs_key(qs, e), prefix, len) != 0)
            break;
        n += e->df > 0;
        *max_df = e->df > *max_df ? e->df : *max_df;
    }
    return n;
}

uint64_t qstats_term_df(const trawl_qstats *qs, const char *term, size_t len)
{
    const qs_entry *e = qs_find(qs, TRAWL_QSTATS_TERM, term, len);
    return e ? e->df : 0;
}

double qstats_avgdl(const trawl_qstats *qs)
{
    return bm25_avgdl(qs->n_docs, qs->total_tokens);
}

static void qs_set_analyzer(trawl_qstats *qs, const char *language, uint32_t max_token_len)
{
    snprintf(qs->language, sizeof qs->language, "%s", language);
    qs->max_token_len = max_token_len;
}

int qstats_check_index(const trawl_qstats *qs, const trawl_index *idx, err *e)
{
    if (qs->n_parts == 0) return err_set(e, TRAWL_EARG, "the global statistics are empty");
    if (strcmp(qs->language, idx->language) != 0 || qs->max_token_len != idx->max_token_len)
        return err_set(e, TRAWL_EARG,
                       "global statistics of another analyzer (%s, tokens up to %u bytes) than "
                       "the index's (%s, %u)",
                       qs->language, qs->max_token_len, idx->language, idx->max_token_len);
    if (qs->n_docs < idx->n_docs || qs->total_tokens < idx->total_tokens)
        return err_set(e, TRAWL_EARG,
                       "global statistics of %llu documents (%llu tokens) cannot include this "
                       "index of %llu (%llu)",
                       (unsigned long long)qs->n_docs, (unsigned long long)qs->total_tokens,
                       (unsigned long long)idx->n_docs, (unsigned long long)idx->total_tokens);
    return TRAWL_OK;
}

/* ------------------------------------------------------------------ the plan's hook */

/* This index's df of a term (local), recorded when x->record is set; *df receives the df to
 * score with: the global statistics' when x->global is set, else local. */
static int qs_term(exec *x, const char *key, size_t len, uint64_t local, uint64_t *df)
{
    *df = local;
    if (x->record && qs_add(x->record, TRAWL_QSTATS_TERM, key, len, local) < 0)
        return err_set(x->e, TRAWL_ENOMEM, "out of memory collecting query statistics");
    if (!x->global) return TRAWL_OK;
    const qs_entry *g = qs_find(x->global, TRAWL_QSTATS_TERM, key, len);
    if (local && !g)
        return err_set(x->e, TRAWL_EARG, "the global statistics lack the term \"%.*s\"", (int)len,
                       key);
    if (g && g->df < local)
        return err_set(x->e, TRAWL_EARG,
                       "the global statistics count the term \"%.*s\" in %llu documents, "
                       "fewer than the %llu of this index",
                       (int)len, key, (unsigned long long)g->df, (unsigned long long)local);
    if (g) *df = g->df;
    return TRAWL_OK;
}

/* A phrase is weighted as Lucene's PhraseQuery weighs it: its idf is the sum of its terms'
 * (a word written twice counts twice), so it needs no count of its own, and its df (shown by
 * explain) is its rarest term's: the documents that may hold it. */
static int qs_phrase(exec *x, pnode *p, uint64_t n_docs)
{
    p->idf = 0;
    p->df = UINT64_MAX;
    for (uint32_t i = 0; i < p->n_words; i++) {
        const plan_term *t = p->words[i];
        uint64_t df;
        if (qs_term(x, t->term, t->len, t->df, &df) != TRAWL_OK) return x->e->rc;
        p->idf += bm25_idf(n_docs, df);
        p->df = df < p->df ? df : p->df;
    }
    return TRAWL_OK;
}

int qstats_node(exec *x, pnode *p)
{
    uint64_t n_docs = x->global ? x->global->n_docs : x->idx->n_docs;
    p->n_match = 0;
    if (p->kind == P_PHRASE) return qs_phrase(x, p, n_docs);
    p->n_match = p->df;
    if (qs_term(x, p->t->term, p->t->len, p->n_match, &p->df) != TRAWL_OK) return x->e->rc;
    p->idf = bm25_idf(n_docs, p->df);
    return TRAWL_OK;
}

/* ------------------------------------------------------------------ export, run, merge */

static trawl_qstats *qs_of_index(const trawl_index *idx)
{
    trawl_qstats *qs;
    if (trawl_qstats_new(&qs) != TRAWL_OK) return NULL;
    qs_set_analyzer(qs, idx->language, idx->max_token_len);
    qs->n_parts = 1;
    qs->n_docs = idx->n_docs;
    qs->total_tokens = idx->total_tokens;
    return qs;
}

int trawl_index_qstats(const trawl_index *idx, trawl_qstats **out)
{
    if (!out) return TRAWL_EARG;
    *out = NULL;
    if (!idx) return TRAWL_EARG;
    *out = qs_of_index(idx);
    return *out ? TRAWL_OK : TRAWL_ENOMEM;
}

int trawl_search_qstats_sized(trawl_search *s, const char *query_text, const trawl_options *o,
                              size_t o_size, trawl_qstats **out)
{
    if (!s || !out) return TRAWL_EARG;
    *out = NULL;
    trawl_qstats *qs = qs_of_index(s->idx);
    if (!qs) {
        err_init(&s->e);
        return err_set(&s->e, TRAWL_ENOMEM, "out of memory collecting query statistics");
    }
    s->record = qs;
    int rc = trawl_search_run_sized(s, query_text, o, o_size);
    s->record = NULL;
    if (rc != TRAWL_OK) {
        trawl_qstats_free(qs);
        return rc;
    }
    qs_finish(qs);
    *out = qs;
    return TRAWL_OK;
}

int trawl_search_run_global_sized(trawl_search *s, const char *query_text, const trawl_options *o,
                                  size_t o_size, const trawl_qstats *global)
{
    if (!s) return TRAWL_EARG;
    if (!global) {
        err_init(&s->e);
        s->n_hits = 0;
        s->count = 0;
        return err_set(&s->e, TRAWL_EARG, "no global statistics");
    }
    s->global = global;
    int rc = trawl_search_run_sized(s, query_text, o, o_size);
    s->global = NULL;
    return rc;
}

static int qs_add_sum(uint64_t *into, uint64_t v)
{
    if (*into > UINT64_MAX - v) return -1;
    *into += v;
    return 0;
}

/* Merges the sorted counts of a and b into m (empty), summing equal keys. Returns TRAWL_OK,
 * TRAWL_EARG (a sum overflows) or TRAWL_ENOMEM. */
static int qs_merge_entries(trawl_qstats *m, const trawl_qstats *a, const trawl_qstats *b)
{
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        const qs_entry *ea = i < a->n ? &a->e[i] : NULL, *eb = j < b->n ? &b->e[j] : NULL;
        int c =
            !ea   ? 1
            : !eb ? -1
                  : qs_cmp_key(ea->kind, qs_key(a, ea), ea->len, eb->kind, qs_key(b, eb), eb->len);
        const qs_entry *src = c <= 0 ? ea : eb;
        const char *key = c <= 0 ? qs_key(a, ea) : qs_key(b, eb);
        uint64_t df = src->df;
        if (c == 0 && qs_add_sum(&df, eb->df) < 0) return TRAWL_EARG;
        if (qs_add(m, src->kind, key, src->len, df) < 0) return TRAWL_ENOMEM;
        i += c <= 0;
        j += c >= 0;
    }
    return TRAWL_OK;
}

int trawl_qstats_merge(trawl_qstats *into, const trawl_qstats *from)
{
    if (!into || !from) return TRAWL_EARG;
    if (into->n_parts && from->n_parts &&
        (strcmp(into->language, from->language) != 0 || into->max_token_len != from->max_token_len))
        return TRAWL_EARG;
    trawl_qstats m = {0};
    buf_init(&m.keys);
    memcpy(m.language, into->n_parts ? into->language : from->language, sizeof m.language);
    m.max_token_len = into->n_parts ? into->max_token_len : from->max_token_len;
    m.n_parts = into->n_parts;
    m.n_docs = into->n_docs;
    m.total_tokens = into->total_tokens;
    int rc = TRAWL_OK;
    if (m.n_parts > UINT32_MAX - from->n_parts || qs_add_sum(&m.n_docs, from->n_docs) < 0 ||
        qs_add_sum(&m.total_tokens, from->total_tokens) < 0)
        rc = TRAWL_EARG;
    m.n_parts += from->n_parts;
    if (rc == TRAWL_OK) rc = qs_merge_entries(&m, into, from);
    if (rc != TRAWL_OK) {
        free(m.e);
        buf_free(&m.keys);
        return rc;
    }
    free(into->e);
    buf_free(&into->keys);
    *into = m;
    return TRAWL_OK;
}

void trawl_qstats_totals(const trawl_qstats *qs, uint64_t *n_docs, uint64_t *total_tokens,
                         uint32_t *n_parts)
{
    if (n_docs) *n_docs = qs ? qs->n_docs : 0;
    if (total_tokens) *total_tokens = qs ? qs->total_tokens : 0;
    if (n_parts) *n_parts = qs ? qs->n_parts : 0;
}

size_t trawl_qstats_count(const trawl_qstats *qs)
{
    return qs ? qs->n : 0;
}

int trawl_qstats_entry(const trawl_qstats *qs, size_t i, int *kind, const char **key,
                       size_t *key_len, uint64_t *df)
{
    if (!qs || i >= qs->n) return TRAWL_ENOTFOUND;
    const qs_entry *e = &qs->e[i];
    if (kind) *kind = (int)e->kind;
    if (key) *key = qs_key(qs, e);
    if (key_len) *key_len = e->len;
    if (df) *df = e->df;
    return TRAWL_OK;
}

/* ------------------------------------------------------------------ bytes */

size_t trawl_qstats_encoded_size(const trawl_qstats *qs)
{
    size_t n = QS_HEADER + QS_FOOTER;
    for (size_t i = 0; qs && i < qs->n; i++)
        n += QS_ENTRY_HEAD + qs->e[i].len;
    return n;
}

int trawl_qstats_encode(const trawl_qstats *qs, void *out, size_t cap)
{
    if (!qs || !out || cap < trawl_qstats_encoded_size(qs)) return TRAWL_EARG;
    buf b;
    buf_init(&b);
    buf_put(&b, qs_magic, sizeof qs_magic);
    buf_put_u16(&b, QS_VERSION);
    buf_put_u16(&b, 0); /* flags */
    buf_put_u32(&b, qs->n_parts);
    buf_put_u32(&b, qs->max_token_len);
    buf_put(&b, qs->language, sizeof qs->language);
    buf_put_u64(&b, qs->n_docs);
    buf_put_u64(&b, qs->total_tokens);
    buf_put_u64(&b, qs->n);
    for (size_t i = 0; i < qs->n; i++) {
        buf_put_u32(&b, qs->e[i].kind);
        buf_put_u32(&b, qs->e[i].len);
        buf_put_u64(&b, qs->e[i].df);
        buf_put(&b, qs_key(qs, &qs->e[i]), qs->e[i].len);
    }
    buf_put_u64(&b, checksum64(b.p, b.len));
    int rc = b.oom ? TRAWL_ENOMEM : TRAWL_OK;
    if (rc == TRAWL_OK) memcpy(out, b.p, b.len);
    buf_free(&b);
    return rc;
}

/* Reads the entries after the header into qs, checking each against the bytes left and the
 * previous entry's key (strictly ascending). */
static int qs_decode_entries(trawl_qstats *qs, rd *r, uint64_t n, err *e)
{
    if (n > rd_left(r) / QS_ENTRY_HEAD)
        return err_set(e, TRAWL_ECORRUPT, "query statistics: %llu entries cannot fit in %zu bytes",
                       (unsigned long long)n, rd_left(r));
    for (uint64_t i = 0; i < n; i++) {
        size_t at = r->pos;
        uint32_t kind = rd_u32(r), len = rd_u32(r);
        uint64_t df = rd_u64(r);
        const uint8_t *key = rd_bytes(r, len);
        if (r->err || kind == 0 || kind > INT32_MAX || len == 0)
            return err_set(e, TRAWL_ECORRUPT, "query statistics: entry %llu at byte %zu: %s",
                           (unsigned long long)i, at,
                           r->err ? "runs past the end"
                           : len  ? "kind out of range 1..2^31-1"
                                  : "empty key");
        const qs_entry *prev = qs->n ? &qs->e[qs->n - 1] : NULL;
        if (prev &&
            qs_cmp_key(prev->kind, qs_key(qs, prev), prev->len, kind, (const char *)key, len) >= 0)
            return err_set(e, TRAWL_ECORRUPT,
                           "query statistics: entry %llu at byte %zu is out of order",
                           (unsigned long long)i, at);
        if (qs_add(qs, kind, (const char *)key, len, df) < 0)
            return err_set(e, TRAWL_ENOMEM, "out of memory decoding query statistics");
    }
    return TRAWL_OK;
}

/* Checks the magic, version, flags and checksum, then reads the header and entries. */
static int qs_decode(trawl_qstats *qs, const uint8_t *p, size_t len, err *e)
{
    rd r;
    if (len < QS_HEADER + QS_FOOTER || memcmp(p, qs_magic, sizeof qs_magic) != 0)
        return err_set(e, TRAWL_ECORRUPT, "not a query statistics record (%zu bytes)", len);
    rd_init(&r, p, len - QS_FOOTER);
    r.pos = sizeof qs_magic;
    uint16_t version = rd_u16(&r), flags = rd_u16(&r);
    if (version > QS_VERSION)
        return err_set(e, TRAWL_EVERSION,
                       "query statistics of format version %u (this library "
                       "reads up to %u)",
                       version, QS_VERSION);
    uint64_t sum;
    memcpy(&sum, p + len - QS_FOOTER, sizeof sum);
    if (version == 0 || flags != 0 || sum != checksum64(p, len - QS_FOOTER))
        return err_set(e, TRAWL_ECORRUPT, "query statistics: %s",
                       version == 0 ? "version 0"
                       : flags      ? "reserved flags set"
                                    : "checksum mismatch");
    qs->n_parts = rd_u32(&r);
    qs->max_token_len = rd_u32(&r);
    memcpy(qs->language, rd_bytes(&r, sizeof qs->language), sizeof qs->language);
    if (qs->language[sizeof qs->language - 1] != '\0')
        return err_set(e, TRAWL_ECORRUPT, "query statistics: language at byte 16 not terminated");
    qs->n_docs = rd_u64(&r);
    qs->total_tokens = rd_u64(&r);
    uint64_t n = rd_u64(&r);
    if (qs_decode_entries(qs, &r, n, e) != TRAWL_OK) return e->rc;
    if (rd_left(&r) != 0)
        return err_set(e, TRAWL_ECORRUPT, "query statistics: %zu bytes after the last entry",
                       rd_left(&r));
    return TRAWL_OK;
}

int trawl_qstats_decode(trawl_qstats **out, const void *data, size_t len, char *errbuf,
                        size_t errbuf_len)
{
    err e;
    err_init(&e);
    if (errbuf && errbuf_len) errbuf[0] = '\0';
    if (!out) return TRAWL_EARG;
    *out = NULL;
    if (!data) return TRAWL_EARG;
    trawl_qstats *qs;
    if (trawl_qstats_new(&qs) != TRAWL_OK) return TRAWL_ENOMEM;
    if (qs_decode(qs, data, len, &e) != TRAWL_OK) {
        if (errbuf && errbuf_len) snprintf(errbuf, errbuf_len, "%s", e.msg);
        trawl_qstats_free(qs);
        return e.rc;
    }
    *out = qs;
    return TRAWL_OK;
}
