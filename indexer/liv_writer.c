/* liv_writer: builds a live-documents file (contract in liv_writer.h). The deleted documents'
 * term counts live in an open-addressing table over a byte store until lb_write sorts and
 * serialises them; each newly deleted document is analysed once, at write time. */
#include "liv_writer.h"

#include "buf.h"
#include "checksum.h"
#include "format.h"
#include "fsx.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* One counted term: its bytes in the store, its deleted df, the last doc that counted it (so a
 * document counts each of its terms once). */
typedef struct lb_slot {
    uint32_t off; /**< of the term's length byte in store, + 1 (0 = empty slot) */
    uint32_t df;
    uint32_t last_doc;
} lb_slot;

struct liv_builder {
    const segment *seg;
    const liv *old;
    uint32_t n_docs;
    uint64_t *bits; /**< current deletions */
    uint32_t n_deleted;
    uint32_t n_new;        /**< deleted here, not in old */
    fmt_liv_override *ovr; /**< overrides recorded here, in call order */
    size_t n_ovr, cap_ovr;
    buf store; /**< <len u8, bytes> per counted term */
    lb_slot *slots;
    size_t cap, n;    /**< cap is a power of two */
    uint32_t cur_doc; /**< the document being counted */
    int oom;
};

static size_t lb_words(uint32_t n_docs)
{
    return ((size_t)n_docs + 63) / 64;
}

int lb_new(liv_builder **out, const segment *seg, const liv *old, err *e)
{
    *out = NULL;
    liv_builder *b = calloc(1, sizeof *b);
    uint32_t n_docs = segment_n_docs(seg);
    if (!b || !(b->bits = calloc(lb_words(n_docs) + 1, sizeof *b->bits))) {
        free(b);
        return err_set(e, TRAWL_ENOMEM, "out of memory for the deletions of %s", segment_name(seg));
    }
    b->seg = seg;
    b->old = old;
    b->n_docs = n_docs;
    buf_init(&b->store);
    if (old) {
        memcpy(b->bits, old->bits, lb_words(n_docs) * sizeof *b->bits);
        b->n_deleted = old->n_deleted;
    }
    *out = b;
    return TRAWL_OK;
}

void lb_free(liv_builder *b)
{
    if (!b) return;
    free(b->bits);
    free(b->ovr);
    free(b->slots);
    buf_free(&b->store);
    free(b);
}

int lb_is_deleted(const liv_builder *b, uint32_t doc)
{
    return (int)((b->bits[doc >> 6] >> (doc & 63)) & 1);
}

uint32_t lb_n_deleted(const liv_builder *b)
{
    return b->n_deleted;
}

int lb_is_dirty(const liv_builder *b)
{
    return b->n_new > 0 || b->n_ovr > 0;
}

int lb_delete(liv_builder *b, uint32_t doc)
{
    if (doc >= b->n_docs) return TRAWL_EARG;
    if (lb_is_deleted(b, doc)) return TRAWL_OK;
    b->bits[doc >> 6] |= (uint64_t)1 << (doc & 63);
    b->n_deleted++;
    b->n_new++;
    return TRAWL_OK;
}

int lb_override(liv_builder *b, uint32_t doc, uint64_t size, int64_t mtime_ns)
{
    if (doc >= b->n_docs) return TRAWL_EARG;
    if (b->n_ovr == b->cap_ovr) {
        size_t cap = b->cap_ovr ? 2 * b->cap_ovr : 16;
        fmt_liv_override *o = realloc(b->ovr, cap * sizeof *o);
        if (!o) return TRAWL_ENOMEM;
        b->ovr = o;
        b->cap_ovr = cap;
    }
    b->ovr[b->n_ovr++] = (fmt_liv_override){doc, 0, size, mtime_ns};
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- term counts */

static const uint8_t *lb_term(const liv_builder *b, const lb_slot *s, size_t *len)
{
    const uint8_t *p = b->store.p + s->off - 1;
    *len = p[0];
    return p + 1;
}

static size_t lb_find(const liv_builder *b, const char *t, size_t len)
{
    size_t h = hash64(t, len) & (b->cap - 1);
    for (; b->slots[h].off; h = (h + 1) & (b->cap - 1)) {
        size_t l;
        const uint8_t *x = lb_term(b, &b->slots[h], &l);
        if (l == len && memcmp(x, t, len) == 0) break;
    }
    return h;
}

static int lb_grow(liv_builder *b)
{
    size_t cap = b->cap ? 2 * b->cap : 1024, old_cap = b->cap;
    lb_slot *old = b->slots;
    if (!(b->slots = calloc(cap, sizeof *b->slots))) {
        b->slots = old;
        return -1;
    }
    b->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        size_t l;
        if (!old[i].off) continue;
        const uint8_t *t = lb_term(b, &old[i], &l);
        b->slots[lb_find(b, (const char *)t, l)] = old[i];
    }
    free(old);
    return 0;
}

/* Adds df to term's count (at most once per document when doc is not UINT32_MAX). */
static int lb_count(liv_builder *b, const char *t, size_t len, uint32_t df, uint32_t doc)
{
    if (len == 0 || len > FMT_MAX_TERM) return 0;
    if ((b->n + 1) * 10 > b->cap * 7 && lb_grow(b) < 0) return -1;
    size_t h = lb_find(b, t, len);
    lb_slot *s = &b->slots[h];
    if (!s->off) {
        if (b->store.len >= UINT32_MAX - 256) return -1;
        s->off = (uint32_t)b->store.len + 1;
        s->last_doc = UINT32_MAX;
        buf_put_u8(&b->store, (uint8_t)len);
        buf_put(&b->store, t, len);
        if (b->store.oom) return -1;
        b->n++;
    }
    if (doc != UINT32_MAX && s->last_doc == doc) return 0;
    s->last_doc = doc;
    s->df += df;
    return 0;
}

static int lb_sink(void *ctx, const token *t)
{
    liv_builder *b = ctx;
    return lb_count(b, t->term, t->len, 1, b->cur_doc) < 0 ? TRAWL_ENOMEM : 0;
}

/* Counts the old file's terms, then every newly deleted document's. */
static int lb_count_all(liv_builder *b, analyzer *an, const grams *g, err *e)
{
    buf text;
    buf_init(&text);
    if (b->old && liv_check(b->old, e) < 0) goto out; /* its counts carry into the new file */
    for (uint64_t i = 0; b->old && i < b->old->n_terms; i++) {
        size_t len;
        uint32_t df;
        const uint8_t *t = liv_term_at(b->old, i, &len, &df);
        if (lb_count(b, (const char *)t, len, df, UINT32_MAX) < 0) goto oom;
    }
    for (uint32_t d = 0; d < b->n_docs && b->n_new; d++) {
        if (!lb_is_deleted(b, d) || (b->old && liv_is_deleted(b->old, d))) continue;
        text.len = 0;
        if (segment_doc_text(b->seg, d, &text, e) < 0) goto out;
        b->cur_doc = d;
        gram_sink gs;
        void *ctx;
        analyzer_sink sink = gram_sink_for(&gs, g, lb_sink, b, &ctx);
        int rc = analyzer_run(an, (const char *)text.p, text.len, 0, sink, ctx, NULL, NULL);
        if (rc < 0) goto oom;
    }
    goto out;
oom:
    err_set(e, TRAWL_ENOMEM, "out of memory counting the terms of deleted documents");
out:
    buf_free(&text);
    return e->rc;
}

/* ---------------------------------------------------------------- serialising */

static int lb_cmp_slot(const void *x, const void *y, void *ctx)
{
    size_t la, lb;
    const uint8_t *a = lb_term(ctx, x, &la), *c = lb_term(ctx, y, &lb);
    int r = memcmp(a, c, la < lb ? la : lb);
    return r ? r : (la > lb) - (la < lb);
}

static int lb_cmp_ovr(const void *x, const void *y)
{
    const fmt_liv_override *a = x, *c = y;
    return (a->doc > c->doc) - (a->doc < c->doc);
}

/* The overrides to keep: the old ones and the new ones (the newest per doc), none for a
 * deleted document, in doc order. Returns the count, or SIZE_MAX when out of memory. */
static size_t lb_overrides(liv_builder *b, fmt_liv_override **out)
{
    size_t n_old = b->old ? (size_t)b->old->n_overrides : 0, n = 0;
    fmt_liv_override *v = malloc((n_old + b->n_ovr + 1) * sizeof *v);
    if (!v) return SIZE_MAX;
    /* New ones first and stable-sorted, so the first of a doc after sorting is the newest. */
    for (size_t i = b->n_ovr; i-- > 0;)
        v[n++] = b->ovr[i];
    for (size_t i = 0; i < n_old; i++)
        v[n++] = b->old->overrides[i];
    for (size_t i = 1; i < n; i++) { /* insertion sort: stable, and n is small */
        fmt_liv_override x = v[i];
        size_t j = i;
        for (; j > 0 && lb_cmp_ovr(&v[j - 1], &x) > 0; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!lb_is_deleted(b, v[i].doc) && (k == 0 || v[k - 1].doc != v[i].doc)) v[k++] = v[i];
    *out = v;
    return k;
}

/* Slots of the term hash for k terms: a power of two at least 2k, 0 without terms. */
static uint64_t lb_hash_slots(size_t k)
{
    uint64_t n = k ? 2 : 0;
    while (n && n < 2 * (uint64_t)k)
        n *= 2;
    return n;
}

/* Appends the term hash: term index + 1 at XXH3-64(term) mod slots, linear probing. */
static int lb_put_hash(const liv_builder *b, const lb_slot *v, size_t k, uint64_t slots, buf *out)
{
    uint32_t *t = slots ? calloc(slots, sizeof *t) : NULL;
    if (slots && !t) return -1;
    for (size_t i = 0; i < k; i++) {
        size_t len;
        const uint8_t *term = lb_term(b, &v[i], &len);
        uint64_t h = XXH3_64bits(term, len) & (slots - 1);
        while (t[h])
            h = (h + 1) & (slots - 1);
        t[h] = (uint32_t)(i + 1);
    }
    buf_put(out, t, slots * sizeof *t);
    free(t);
    return 0;
}

/* Appends the file's bytes to out. */
static int lb_serialise(liv_builder *b, uint64_t gen, buf *out)
{
    fmt_liv_override *ovr = NULL;
    size_t n_ovr = lb_overrides(b, &ovr);
    lb_slot *v = malloc((b->n + 1) * sizeof *v);
    if (n_ovr == SIZE_MAX || !v) {
        free(ovr);
        free(v);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < b->cap; i++)
        if (b->slots[i].off && b->slots[i].df) v[k++] = b->slots[i];
    if (k > 1) qsort_r(v, k, sizeof *v, lb_cmp_slot, b);
    fmt_liv_header h = {.version = FMT_LIV_VERSION,
                        .seg_id = 0,
                        .generation = gen,
                        .n_docs = b->n_docs,
                        .n_deleted = b->n_deleted,
                        .n_terms = k,
                        .n_overrides = n_ovr,
                        .hash_slots = lb_hash_slots(k)};
    memcpy(h.magic, FMT_LIV_MAGIC, 8);
    for (uint32_t d = 0; d < b->n_docs; d++)
        if (lb_is_deleted(b, d)) h.deleted_tokens += segment_doc_len(b->seg, d);
    uint32_t off = 0;
    for (size_t i = 0; i < k; i++) {
        size_t len;
        lb_term(b, &v[i], &len);
        h.blob_len += 1 + len;
    }
    h.seg_id = segment_id(b->seg);
    buf_put(out, &h, sizeof h); /* rewritten below, once the checksums are known */
    size_t docs_at = out->len;
    buf_put(out, b->bits, lb_words(b->n_docs) * sizeof *b->bits);
    buf_put(out, ovr, n_ovr * sizeof *ovr);
    size_t terms_at = out->len;
    for (size_t i = 0; i < k; i++) {
        size_t len;
        fmt_liv_term t = {{0}, off, v[i].df};
        const uint8_t *term = lb_term(b, &v[i], &len);
        memcpy(t.key, term, len < 8 ? len : 8);
        buf_put(out, &t, sizeof t);
        off += (uint32_t)(1 + len);
    }
    for (size_t i = 0; i < k; i++) {
        size_t len;
        const uint8_t *t = lb_term(b, &v[i], &len);
        buf_put_u8(out, (uint8_t)len);
        buf_put(out, t, len);
    }
    buf_put_zeros(out, (8 - h.blob_len % 8) % 8);
    if (lb_put_hash(b, v, k, h.hash_slots, out) < 0) out->oom = 1;
    if (!out->oom) {
        h.docs_hash = checksum64(out->p + docs_at, terms_at - docs_at);
        h.terms_hash = checksum64(out->p + terms_at, out->len - terms_at);
        memcpy(out->p, &h, sizeof h);
    }
    fmt_liv_trailer tr = {checksum64(&h, sizeof h), {0}};
    memcpy(tr.magic, FMT_LIV_FOOTER_MAGIC, 8);
    buf_put(out, &tr, sizeof tr);
    free(v);
    free(ovr);
    return out->oom ? -1 : 0;
}

int lb_write(liv_builder *b, analyzer *an, const grams *g, const char *dir, const char *name,
             uint64_t gen, err *e)
{
    buf out;
    buf_init(&out);
    if (lb_count_all(b, an, g, e) < 0) return e->rc;
    int rc =
        lb_serialise(b, gen, &out) < 0
            ? err_set(e, TRAWL_ENOMEM, "%s: out of memory writing %s", segment_name(b->seg), name)
            : fsx_replace_file(dir, name, out.p, out.len, e);
    buf_free(&out);
    return rc;
}
