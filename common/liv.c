/* liv: maps and verifies a live-documents file (contract in liv.h). A flipped bit would
 * silently resurrect or hide a document, or shift a term's idf, so nothing is read before its
 * checksum is verified: the bitmap at open (every query tests it), the term table at the first
 * df lookup (it is most of the file: 1.4 MB when 10% of the kernel docs are deleted, whose
 * hashing and deep check at every open cost ~1.4 ms where an open otherwise costs ~70 us). */
#include "liv.h"

#include "checksum.h"

#include <xxhash.h>

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int liv_corrupt(const liv *l, err *e, const char *what, uint64_t a, uint64_t b)
{
    return err_set(e, TRAWL_ECORRUPT, "%s: %s (%" PRIu64 ", %" PRIu64 ")", l->name, what, a, b);
}

static uint64_t liv_pad8(uint64_t n)
{
    return (n + 7) & ~(uint64_t)7;
}

/* Header, trailer and the sizes the header implies; sets the section pointers. */
static int liv_frame(liv *l, uint64_t seg_id, uint32_t n_docs, err *e)
{
    const uint8_t *p = l->map.base;
    size_t len = l->map.len;
    fmt_liv_header h;
    fmt_liv_trailer tr;
    if (len < sizeof h + sizeof tr || memcmp(p, FMT_LIV_MAGIC, 8) != 0)
        return err_set(e, TRAWL_ECORRUPT, "%s: not a live-documents file (bad magic or size)",
                       l->name);
    memcpy(&h, p, sizeof h);
    memcpy(&tr, p + len - sizeof tr, sizeof tr);
    if (h.version != FMT_LIV_VERSION)
        return err_set(e, TRAWL_EVERSION, "%s: live file version %" PRIu32 ", this build reads %u",
                       l->name, h.version, FMT_LIV_VERSION);
    if (memcmp(tr.magic, FMT_LIV_FOOTER_MAGIC, 8) != 0 || checksum64(p, sizeof h) != tr.hash)
        return liv_corrupt(l, e, "header checksum mismatch or truncated", len, 0);
    if (h.flags || h.seg_id != seg_id || h.n_docs != n_docs || h.n_deleted > n_docs)
        return liv_corrupt(l, e, "header disagrees with its segment (id, documents)", h.seg_id,
                           h.n_docs);
    uint64_t words = ((uint64_t)n_docs + 63) / 64, room = len - sizeof h - sizeof tr;
    if (h.n_terms > room / sizeof(fmt_liv_term) || h.blob_len > room ||
        h.n_overrides > room / sizeof(fmt_liv_override) || h.hash_slots > room / 4 ||
        (h.hash_slots & (h.hash_slots - 1)) || (h.n_terms && h.hash_slots < 2 * h.n_terms) ||
        words * 8 + h.n_overrides * sizeof(fmt_liv_override) + h.n_terms * sizeof(fmt_liv_term) +
                liv_pad8(h.blob_len) + h.hash_slots * 4 !=
            room)
        return liv_corrupt(l, e, "section sizes disagree with the file size", len, h.n_terms);
    l->n_docs = n_docs;
    l->n_deleted = h.n_deleted;
    l->deleted_tokens = h.deleted_tokens;
    l->generation = h.generation;
    l->bits = (const uint64_t *)(const void *)(p + sizeof h);
    l->overrides = (const fmt_liv_override *)(const void *)(l->bits + words);
    l->n_overrides = h.n_overrides;
    l->terms = (const fmt_liv_term *)(const void *)(l->overrides + h.n_overrides);
    l->n_terms = h.n_terms;
    l->blob = (const uint8_t *)(l->terms + h.n_terms);
    l->blob_len = h.blob_len;
    l->hash = (const uint32_t *)(const void *)(l->blob + liv_pad8(h.blob_len));
    l->hash_slots = h.hash_slots;
    l->terms_hash = h.terms_hash;
    size_t docs_len = (size_t)((const uint8_t *)l->terms - (const uint8_t *)l->bits);
    if (checksum64(l->bits, docs_len) != h.docs_hash)
        return liv_corrupt(l, e, "bitmap or overrides checksum mismatch", docs_len, 0);
    return TRAWL_OK;
}

/* Population of the bitmap equals n_deleted; no bit past n_docs. */
static int liv_check_bits(const liv *l, err *e)
{
    uint64_t words = ((uint64_t)l->n_docs + 63) / 64, pop = 0;
    for (uint64_t w = 0; w < words; w++)
        pop += (uint64_t)__builtin_popcountll(l->bits[w]);
    if (l->n_docs % 64 && (l->bits[words - 1] >> (l->n_docs % 64)) != 0)
        return liv_corrupt(l, e, "bitmap marks a document past the segment's end", l->n_docs, 0);
    if (pop != l->n_deleted)
        return liv_corrupt(l, e, "bitmap population differs from the deleted count", pop,
                           l->n_deleted);
    return TRAWL_OK;
}

/* A term's first 8 bytes, zero-padded, as a big-endian number: orders like memcmp. */
static uint64_t liv_key(const void *p, size_t len)
{
    uint8_t k[8] = {0};
    memcpy(k, p, len < 8 ? len : 8);
    return (uint64_t)k[0] << 56 | (uint64_t)k[1] << 48 | (uint64_t)k[2] << 40 |
           (uint64_t)k[3] << 32 | (uint64_t)k[4] << 24 | (uint64_t)k[5] << 16 |
           (uint64_t)k[6] << 8 | k[7];
}

const uint8_t *liv_term_at(const liv *l, uint64_t i, size_t *len, uint32_t *del_df)
{
    uint32_t off = l->terms[i].off;
    if (off >= l->blob_len || l->blob[off] > l->blob_len - off - 1) return NULL;
    *len = l->blob[off];
    *del_df = l->terms[i].del_df;
    return l->blob + off + 1;
}

/* The index of term in the term index, or UINT64_MAX: one or two probes of the hash. */
static uint64_t liv_find(const liv *l, const char *term, size_t len)
{
    uint64_t mask = l->hash_slots - 1, want = liv_key(term, len);
    for (uint64_t h = XXH3_64bits(term, len) & mask, n = 0; l->hash_slots && n < l->hash_slots;
         h = (h + 1) & mask, n++) {
        uint32_t slot = l->hash[h];
        if (slot == 0 || slot > l->n_terms) break;
        if (liv_key(l->terms[slot - 1].key, 8) != want) continue;
        size_t tl;
        uint32_t df;
        const uint8_t *t = liv_term_at(l, slot - 1, &tl, &df);
        if (t && tl == len && memcmp(t, term, len) == 0) return slot - 1;
    }
    return UINT64_MAX;
}

/* Overrides in strictly increasing doc order inside the segment. */
static int liv_check_overrides(const liv *l, err *e)
{
    for (uint64_t i = 0; i < l->n_overrides; i++)
        if (l->overrides[i].doc >= l->n_docs || l->overrides[i].reserved ||
            (i && l->overrides[i].doc <= l->overrides[i - 1].doc))
            return liv_corrupt(l, e, "override out of order or range", i, l->overrides[i].doc);
    return TRAWL_OK;
}

/* The term table's checksum, once per file: the state caches a function of immutable bytes, so
 * threads racing here compute the same value and relaxed order suffices. */
static int liv_verify_terms(const liv *l, err *e)
{
    _Atomic int8_t *state = (_Atomic int8_t *)&l->terms_state;
    int8_t v = atomic_load_explicit(state, memory_order_relaxed);
    if (v == 0) {
        size_t n = (size_t)(l->map.base + l->map.len - sizeof(fmt_liv_trailer) -
                            (const uint8_t *)l->terms);
        v = checksum64(l->terms, n) == l->terms_hash ? 1 : -1;
        atomic_store_explicit(state, v, memory_order_relaxed);
    }
    return v > 0 ? TRAWL_OK : liv_corrupt(l, e, "term table checksum mismatch", l->n_terms, 0);
}

int liv_check(const liv *l, err *e)
{
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    if (liv_verify_terms(l, e) < 0) return e->rc;
    for (uint64_t i = 0; i < l->n_terms; i++) {
        size_t len;
        uint32_t df;
        const uint8_t *t = liv_term_at(l, i, &len, &df);
        if (!t || len == 0 || df == 0 || df > l->n_deleted)
            return liv_corrupt(l, e, "term entry out of bounds", i, l->terms[i].off);
        size_t m = len < prev_len ? len : prev_len;
        if (liv_key(l->terms[i].key, 8) != liv_key(t, len))
            return liv_corrupt(l, e, "term key differs from the term", i, l->terms[i].off);
        int c = prev ? memcmp(prev, t, m) : -1;
        if (c > 0 || (c == 0 && prev_len >= len))
            return liv_corrupt(l, e, "terms not in increasing order", i, l->terms[i].off);
        if (liv_find(l, (const char *)t, len) != i)
            return liv_corrupt(l, e, "term not found through the hash", i, 0);
        prev = t;
        prev_len = len;
    }
    for (uint64_t i = 0; i < l->hash_slots; i++)
        if (l->hash[i] > l->n_terms) return liv_corrupt(l, e, "hash slot out of range", i, 0);
    return TRAWL_OK;
}

int liv_open(liv **out, const char *path, const char *name, uint64_t seg_id, uint32_t n_docs,
             err *e)
{
    *out = NULL;
    liv *l = calloc(1, sizeof *l);
    if (!l) return err_set(e, TRAWL_ENOMEM, "%s: out of memory", name);
    snprintf(l->name, sizeof l->name, "%s", name);
    l->refs = 1;
    int rc = mmapfile_open(&l->map, path, e);
    if (rc == TRAWL_OK) rc = liv_frame(l, seg_id, n_docs, e);
    if (rc == TRAWL_OK) rc = liv_check_bits(l, e);
    if (rc == TRAWL_OK) rc = liv_check_overrides(l, e);
    if (rc != TRAWL_OK) {
        liv_close(l);
        return rc;
    }
    *out = l;
    return TRAWL_OK;
}

liv *liv_retain(liv *l)
{
    __atomic_add_fetch(&l->refs, 1, __ATOMIC_RELAXED);
    return l;
}

void liv_close(liv *l)
{
    if (!l || __atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) > 0) return;
    mmapfile_close(&l->map);
    free(l);
}

int liv_term_df(const liv *l, const char *term, size_t len, uint32_t *df, err *e)
{
    *df = 0;
    if (l->n_terms == 0) return TRAWL_OK;
    if (liv_verify_terms(l, e) < 0) return e->rc;
    uint64_t i = liv_find(l, term, len);
    if (i != UINT64_MAX) *df = l->terms[i].del_df;
    return TRAWL_OK;
}

int liv_override(const liv *l, uint32_t doc, fmt_liv_override *o)
{
    uint64_t lo = 0, hi = l->n_overrides;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (l->overrides[mid].doc == doc) {
            *o = l->overrides[mid];
            return 1;
        }
        if (l->overrides[mid].doc < doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}
