/* postings_buf: term hash table -> growable LEB128 byte lists (layout in postings_buf.h).
 *
 * Tokens of the document being indexed are not written to the lists at once: a term's tokens
 * in one document are chained through the token scratch array (head in doc_terms, next in
 * toks), and pb_doc_end walks each chain once to append "tf, doc gap, position gaps". That
 * keeps lists append-only with no per-document sort.
 *
 *   table[tag >> shift] = slot { tag, term index + 1, last token, len, first 19 bytes }
 *   terms[i] { term, list bytes, last_doc }
 *   doc_terms: (term index, first token) of the current document's terms, in first-seen order
 *   toks[k] { pos, next token of the same term }
 *
 * pb_add is the hot path (once per token): one 32-byte slot answers it for any term of up to
 * PB_INLINE bytes, so a token costs one cache miss at most. The slot also holds the term's
 * latest token as a number counted across documents ("last"): a value from before this
 * document's first token means "not seen in this document yet", so nothing is reset per
 * document. */
#include "postings_buf.h"

#include "arena.h"
#include "checksum.h"
#include "hugemem.h"
#include "listpool.h"

#include <stdlib.h>
#include <string.h>

#define PB_NONE       UINT32_MAX
#define PB_TABLE_BITS 8  /* initial hash table: 2^8 slots (what an empty buffer costs) */
#define PB_MALLOC_OH  16 /* per-allocation overhead glibc adds, counted against the budget */
#define PB_INLINE     16 /* term bytes a slot holds */
#define PB_TOK_WRAP   ((uint32_t)1 << 31) /* token count at which the "last" numbers restart */
#define PB_AHEAD      16 /* tokens between a slot's prefetch and its use (a power of two) */
#define PB_POST_AHEAD 32 /* postings in flight in pb_add_posting (a power of two) */

typedef struct pb_slot {
    uint32_t tag;        /**< high half of pb_stage(term); its top bits pick the slot */
    uint32_t ix1;        /**< term index + 1, 0 = empty slot */
    uint32_t last;       /**< 1 + number of the term's latest token (0 = none) */
    uint32_t len;        /**< term bytes */
    char key[PB_INLINE]; /**< the first min(len, PB_INLINE) term bytes, zero padded */
} pb_slot;

_Static_assert(sizeof(pb_slot) == 32, "two slots per cache line");

typedef struct pb_entry {
    const char *term;  /**< bytes, in the arena */
    uint8_t *list;     /**< postings bytes, in lists */
    size_t n, cap;     /**< bytes used / allocated in list */
    uint32_t last_doc; /**< doc of the last posting in list (0 before the first) */
    uint32_t len;      /**< bytes in term */
} pb_entry;

typedef struct pb_tok {
    uint32_t pos;  /**< token position */
    uint32_t next; /**< next token of the same term in this document, or PB_NONE */
} pb_tok;

typedef struct pb_doc_term {
    uint32_t ix;   /**< term index */
    uint32_t head; /**< its first token in toks */
} pb_doc_term;

/* A token waiting for its slot's cache line: pb_add hashes the term and prefetches the slot,
 * and the lookup happens PB_AHEAD tokens later, so that the misses of a document overlap
 * instead of stalling one after the other. */
typedef struct pb_pend {
    uint32_t tag;               /**< high half of pb_stage(term) */
    uint32_t len;               /**< term bytes */
    uint32_t pos;               /**< token position */
    char term[PB_MAX_TERM + 1]; /**< term bytes, zero padded to PB_INLINE at least (the
                                     analyzer's buffer is gone by then) */
} pb_pend;

/* A posting from pb_add_posting on its way to its list. Three lines are missed on the way (the
 * hash slot, the term's entry, the list's end), each known only once the one before is read, so
 * a posting moves through three stages as newer ones arrive: its slot is prefetched when it is
 * added, looked up (and its entry prefetched) PB_POST_AHEAD / 2 postings later, its list end
 * prefetched PB_POST_AHEAD / 4 after that, and it is appended last. */
typedef struct pb_post {
    uint32_t tag, len, doc, tf;
    uint32_t ix;        /**< term index once looked up, else PB_NONE */
    const uint8_t *pos; /**< position gaps, in the caller's memory until pb_doc_end */
    size_t n_pos;
    char term[PB_MAX_TERM + 1]; /**< zero padded to PB_INLINE at least */
} pb_post;

typedef struct pb_sort_key {
    uint64_t prefix; /**< first 8 term bytes, big-endian, zero padded */
    uint32_t ix;     /**< term index */
} pb_sort_key;

struct postings_buf {
    pb_entry *terms;
    size_t n_terms, cap_terms;
    pb_slot *table; /**< open addressing, linear probing */
    size_t table_cap;
    unsigned shift; /**< 32 - log2(table_cap) */
    pb_tok *toks;   /**< tokens of the current document */
    size_t n_toks, cap_toks;
    uint32_t tok_base;      /**< tokens counted before the current document (see "last") */
    pb_doc_term *doc_terms; /**< distinct terms of the current document */
    size_t n_doc_terms, cap_doc_terms;
    pb_pend pend[PB_AHEAD]; /**< tokens added but not yet looked up, a ring */
    size_t n_pend, pend_head;
    pb_post posts[PB_POST_AHEAD]; /**< postings added but not yet looked up, a ring */
    size_t n_posts, posts_head;
    pb_sort_key *sorted; /**< terms in byte order, after pb_sort */
    size_t cap_sorted;
    arena names;       /**< term strings */
    listpool lists;    /**< the terms' lists */
    size_t list_bytes; /**< sum of list capacities plus overheads */
    size_t name_bytes; /**< arena bytes handed out */
    int rc;            /**< sticky TRAWL_ENOMEM */
};

/* Allocates an empty table of 2^bits slots (hugemem.h: zeroed by writing, on huge pages when
 * large). Returns 0 or -1. */
static int pb_table_new(postings_buf *pb, unsigned bits)
{
    pb_slot *t = hugemem_zalloc(((size_t)1 << bits) * sizeof *t);
    if (!t) return -1;
    free(pb->table);
    pb->table = t;
    pb->table_cap = (size_t)1 << bits;
    pb->shift = 32 - bits;
    return 0;
}

int pb_new(postings_buf **out, err *e)
{
    postings_buf *pb = calloc(1, sizeof *pb);
    *out = NULL;
    if (!pb) return err_set(e, TRAWL_ENOMEM, "out of memory for the postings buffer");
    arena_init(&pb->names);
    lp_init(&pb->lists);
    if (pb_table_new(pb, PB_TABLE_BITS) < 0) {
        free(pb);
        return err_set(e, TRAWL_ENOMEM, "out of memory for the postings buffer");
    }
    *out = pb;
    return TRAWL_OK;
}

void pb_free(postings_buf *pb)
{
    if (!pb) return;
    pb_clear(pb);
    arena_free(&pb->names);
    free(pb->terms);
    free(pb->table);
    free(pb->toks);
    free(pb->doc_terms);
    free(pb->sorted);
    free(pb);
}

/* Grows *p (an array of elem-byte items with capacity *cap) to hold at least need items. */
static int pb_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t c = *cap ? *cap : 64;
    if (need <= *cap) return 0;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Doubles the hash table. Slots move by their stored tag: no key is read or hashed again. */
static int pb_rehash(postings_buf *pb)
{
    pb_slot *old = pb->table;
    size_t old_cap = pb->table_cap;
    pb->table = NULL;
    if (pb_table_new(pb, 33 - pb->shift) < 0) {
        pb->table = old;
        return -1;
    }
    size_t mask = pb->table_cap - 1;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].ix1) continue;
        size_t h = old[i].tag >> pb->shift;
        while (pb->table[h].ix1)
            h = (h + 1) & mask;
        pb->table[h] = old[i];
    }
    free(old);
    return 0;
}

/* 1 if slot s holds term. Both the slot key and a pending term are zero padded to PB_INLINE
 * bytes, so the inline part compares as two words without a library call. */
static inline int pb_slot_is(const postings_buf *pb, const pb_slot *s, uint32_t tag,
                             const char *term, size_t len)
{
    uint64_t a[2], b[2];
    if (s->tag != tag || s->len != len) return 0;
    memcpy(a, s->key, PB_INLINE);
    memcpy(b, term, PB_INLINE);
    if (a[0] != b[0] || a[1] != b[1]) return 0;
    return len <= PB_INLINE ||
           memcmp(pb->terms[s->ix1 - 1].term + PB_INLINE, term + PB_INLINE, len - PB_INLINE) == 0;
}

/* Adds a new term whose slot would be table[h]. Returns its slot, or NULL when out of memory. */
static pb_slot *pb_insert(postings_buf *pb, size_t h, uint32_t tag, const char *term, size_t len)
{
    if (pb->n_terms >= UINT32_MAX - 1 ||
        pb_grow((void **)&pb->terms, &pb->cap_terms, pb->n_terms + 1, sizeof *pb->terms) < 0)
        return NULL;
    if ((pb->n_terms + 1) * 10 > pb->table_cap * 7) {
        if (pb_rehash(pb) < 0) return NULL;
        for (h = tag >> pb->shift; pb->table[h].ix1; h = (h + 1) & (pb->table_cap - 1))
            ;
    }
    char *name = arena_alloc(&pb->names, len);
    if (!name) return NULL;
    memcpy(name, term, len);
    pb->name_bytes += (len + 15) & ~(size_t)15;
    pb->terms[pb->n_terms] = (pb_entry){.term = name, .len = (uint32_t)len};
    pb_slot *s = &pb->table[h];
    s->tag = tag;
    s->ix1 = (uint32_t)++pb->n_terms;
    s->last = 0;
    s->len = (uint32_t)len;
    memset(s->key, 0, PB_INLINE);
    memcpy(s->key, term, len < PB_INLINE ? len : PB_INLINE);
    return s;
}

/* Returns term's slot, inserting the term if new, or NULL when out of memory. */
static pb_slot *pb_lookup(postings_buf *pb, uint32_t tag, const char *term, size_t len)
{
    size_t mask = pb->table_cap - 1, h = tag >> pb->shift;
    for (; pb->table[h].ix1; h = (h + 1) & mask) {
        if (pb_slot_is(pb, &pb->table[h], tag, term, len)) return &pb->table[h];
    }
    return pb_insert(pb, h, tag, term, len);
}

/* Records the pending token p: chains it to its term's tokens in this document. */
static int pb_put(postings_buf *pb, const pb_pend *p)
{
    if (pb_grow((void **)&pb->toks, &pb->cap_toks, pb->n_toks + 1, sizeof *pb->toks) < 0)
        return pb->rc = TRAWL_ENOMEM;
    pb_slot *s = pb_lookup(pb, p->tag, p->term, p->len);
    if (!s) return pb->rc = TRAWL_ENOMEM;
    uint32_t k = (uint32_t)pb->n_toks++;
    pb->toks[k] = (pb_tok){p->pos, PB_NONE};
    if (s->last <= pb->tok_base) {
        if (pb_grow((void **)&pb->doc_terms, &pb->cap_doc_terms, pb->n_doc_terms + 1,
                    sizeof *pb->doc_terms) < 0)
            return pb->rc = TRAWL_ENOMEM;
        pb->doc_terms[pb->n_doc_terms++] = (pb_doc_term){s->ix1 - 1, k};
    } else {
        pb->toks[s->last - 1 - pb->tok_base].next = k;
    }
    s->last = pb->tok_base + k + 1;
    return TRAWL_OK;
}

/* Looks up the oldest pending token. */
static int pb_put_oldest(postings_buf *pb)
{
    const pb_pend *p = &pb->pend[pb->pend_head];
    pb->pend_head = (pb->pend_head + 1) & (PB_AHEAD - 1);
    pb->n_pend--;
    return pb_put(pb, p);
}

/* Mixes the two zero-padded words of a term of up to PB_INLINE bytes (multiply-xorshift), so
 * that the top bits, which pick the slot, depend on every input bit. The value only places
 * terms in this buffer's table and never reaches a file. */
static inline uint64_t pb_mix(uint64_t a, uint64_t b, size_t len)
{
    uint64_t h = (a ^ 0x9e3779b97f4a7c15u) * 0xbf58476d1ce4e5b9u;
    h ^= (b ^ (uint64_t)len) * 0x94d049bb133111ebu;
    h ^= h >> 31;
    h *= 0xd6e8feb86659fd93u;
    return h ^ (h >> 32);
}

/* Loads a term of 1..PB_INLINE bytes as two zero-padded words in memory order, with
 * overlapping fixed-size loads instead of a variable memcpy. */
static inline void pb_words(const char *t, size_t len, uint64_t *a, uint64_t *b)
{
    uint64_t x = 0, y = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (len >= 8) {
        memcpy(&x, t, 8);
        if (len > 8) memcpy(&y, t + len - 8, 8), y >>= 8 * (16 - len);
    } else if (len >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, t, 4);
        memcpy(&hi, t + len - 4, 4);
        x = lo | (uint64_t)hi << 8 * (len - 4);
    } else {
        x = (uint64_t)(uint8_t)t[0] | (uint64_t)(uint8_t)t[len / 2] << 8 * (len / 2) |
            (uint64_t)(uint8_t)t[len - 1] << 8 * (len - 1);
    }
#else
    char w[PB_INLINE] = {0};
    memcpy(w, t, len);
    memcpy(&x, w, 8);
    memcpy(&y, w + 8, 8);
#endif
    *a = x, *b = y;
}

/* Copies a term into a pending slot, zero padded to PB_INLINE, and returns its hash. Short terms
 * (nearly all) go through registers: storing the bytes and loading them back as words for the
 * hash made the loads wait on the stores, and the library XXH3 call cost 4% of indexing. */
static inline uint64_t pb_stage(char *dst, const char *term, size_t len)
{
    uint64_t a, b;
    if (len > PB_INLINE) {
        memcpy(dst, term, len);
        return hash64(dst, len);
    }
    pb_words(term, len, &a, &b);
    memcpy(dst, &a, 8);
    memcpy(dst + 8, &b, 8);
    return pb_mix(a, b, len);
}

int pb_add(postings_buf *pb, const char *term, size_t len, uint32_t pos)
{
    if (pb->rc) return pb->rc;
    if (len == 0 || len > PB_MAX_TERM) return TRAWL_EARG;
    if (pb->n_toks + pb->n_pend >= PB_TOK_WRAP) return pb->rc = TRAWL_ENOMEM;
    if (pb->n_pend == PB_AHEAD && pb_put_oldest(pb) < 0) return pb->rc;
    pb_pend *p = &pb->pend[(pb->pend_head + pb->n_pend++) & (PB_AHEAD - 1)];
    p->tag = (uint32_t)(pb_stage(p->term, term, len) >> 32);
    p->len = (uint32_t)len;
    p->pos = pos;
    __builtin_prefetch(&pb->table[p->tag >> pb->shift]);
    return TRAWL_OK;
}

static inline size_t pb_put_vu32(uint8_t *out, uint32_t v)
{
    size_t n = 0;
    if (v < 0x80) {
        out[0] = (uint8_t)v;
        return 1;
    }
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* Makes room for need bytes in term t's list, counting the growth against the budget. 0 or -1. */
static int pb_list_reserve(postings_buf *pb, pb_entry *t, size_t need)
{
    if (need <= t->cap) return 0;
    size_t cap = t->cap ? t->cap : 8;
    while (cap < need)
        cap *= 2;
    uint8_t *q = lp_grow(&pb->lists, t->list, t->cap, t->n, cap);
    if (!q) return -1;
    pb->list_bytes += cap - t->cap + (t->cap ? 0 : PB_MALLOC_OH);
    t->list = q;
    t->cap = cap;
    return 0;
}

/* Starts doc's posting in term t's list with room for pos_bytes of positions after its tf
 * and doc gap: returns where the positions go (t->n still to be set), or NULL when out of
 * memory. */
static uint8_t *pb_posting_open(postings_buf *pb, pb_entry *t, uint32_t tf, uint32_t doc,
                                size_t pos_bytes)
{
    if (pb_list_reserve(pb, t, t->n + 10 + pos_bytes) < 0) return NULL;
    uint8_t *o = t->list + t->n;
    o += pb_put_vu32(o, tf);
    o += pb_put_vu32(o, doc - t->last_doc);
    t->last_doc = doc;
    return o;
}

/* Appends term t's posting for doc, walking its token chain from head. */
static int pb_append(postings_buf *pb, pb_entry *t, uint32_t head, uint32_t doc)
{
    uint32_t tf = 0;
    for (uint32_t k = head; k != PB_NONE; k = pb->toks[k].next)
        tf++;
    uint8_t *o = pb_posting_open(pb, t, tf, doc, 5 * (size_t)tf);
    if (!o) return -1;
    uint32_t prev = 0;
    for (uint32_t k = head; k != PB_NONE; k = pb->toks[k].next) {
        o += pb_put_vu32(o, pb->toks[k].pos - prev);
        prev = pb->toks[k].pos;
    }
    t->n = (size_t)(o - t->list);
    return 0;
}

/* The pending posting k places after the oldest. */
static inline pb_post *pb_post_at(postings_buf *pb, size_t k)
{
    return &pb->posts[(pb->posts_head + k) & (PB_POST_AHEAD - 1)];
}

/* Finds (or adds) q's term and prefetches its entry. */
static int pb_post_lookup(postings_buf *pb, pb_post *q)
{
    pb_slot *s = pb_lookup(pb, q->tag, q->term, q->len);
    if (!s) return pb->rc = TRAWL_ENOMEM;
    q->ix = s->ix1 - 1;
    __builtin_prefetch(&pb->terms[q->ix]);
    return TRAWL_OK;
}

/* Appends the oldest pending posting to its term's list. */
static int pb_post_oldest(postings_buf *pb)
{
    pb_post *q = pb_post_at(pb, 0);
    pb->posts_head = (pb->posts_head + 1) & (PB_POST_AHEAD - 1);
    pb->n_posts--;
    if (q->ix == PB_NONE && pb_post_lookup(pb, q) < 0) return pb->rc;
    pb_entry *t = &pb->terms[q->ix];
    uint8_t *o = pb_posting_open(pb, t, q->tf, q->doc, q->n_pos);
    if (!o) return pb->rc = TRAWL_ENOMEM;
    memcpy(o, q->pos, q->n_pos);
    t->n = (size_t)(o + q->n_pos - t->list);
    return TRAWL_OK;
}

int pb_add_posting(postings_buf *pb, const char *term, size_t len, uint32_t doc, uint32_t tf,
                   const uint8_t *pos, size_t n_pos)
{
    if (pb->rc) return pb->rc;
    if (len == 0 || len > PB_MAX_TERM || tf == 0) return TRAWL_EARG;
    if (pb->n_posts == PB_POST_AHEAD && pb_post_oldest(pb) < 0) return pb->rc;
    pb_post *q = pb_post_at(pb, pb->n_posts++);
    q->tag = (uint32_t)(pb_stage(q->term, term, len) >> 32);
    q->len = (uint32_t)len;
    q->doc = doc;
    q->tf = tf;
    q->pos = pos;
    q->n_pos = n_pos;
    q->ix = PB_NONE;
    __builtin_prefetch(&pb->table[q->tag >> pb->shift]);
    if (pb->n_posts > PB_POST_AHEAD / 2 &&
        pb_post_lookup(pb, pb_post_at(pb, pb->n_posts - 1 - PB_POST_AHEAD / 2)) < 0)
        return pb->rc;
    if (pb->n_posts > PB_POST_AHEAD / 2 + PB_POST_AHEAD / 4) {
        const pb_entry *t =
            &pb->terms[pb_post_at(pb, pb->n_posts - 1 - PB_POST_AHEAD / 2 - PB_POST_AHEAD / 4)->ix];
        __builtin_prefetch(t->list + t->n, 1);
    }
    return TRAWL_OK;
}

int pb_doc_end(postings_buf *pb, uint32_t doc)
{
    while (pb->rc == TRAWL_OK && pb->n_pend > 0)
        pb_put_oldest(pb);
    while (pb->rc == TRAWL_OK && pb->n_posts > 0)
        pb_post_oldest(pb);
    if (pb->rc) return pb->rc;
    for (size_t i = 0; i < pb->n_doc_terms; i++) {
        const pb_doc_term *d = &pb->doc_terms[i];
        /* Entries PB_AHEAD terms on, and the list ends of those half as far: by the time
         * they are used both lines are in cache. */
        if (i + PB_AHEAD < pb->n_doc_terms)
            __builtin_prefetch(&pb->terms[pb->doc_terms[i + PB_AHEAD].ix]);
        if (i + PB_AHEAD / 2 < pb->n_doc_terms) {
            const pb_entry *t = &pb->terms[pb->doc_terms[i + PB_AHEAD / 2].ix];
            __builtin_prefetch(t->list + t->n, 1);
        }
        if (pb_append(pb, &pb->terms[d->ix], d->head, doc) < 0) return pb->rc = TRAWL_ENOMEM;
    }
    pb->n_doc_terms = 0;
    pb->tok_base += (uint32_t)pb->n_toks;
    pb->n_toks = 0;
    if (pb->tok_base >= PB_TOK_WRAP) {
        /* Restart the token numbers before they overflow: every term is outside any doc now. */
        for (size_t i = 0; i < pb->table_cap; i++)
            pb->table[i].last = 0;
        pb->tok_base = 0;
    }
    return TRAWL_OK;
}

size_t pb_mem(const postings_buf *pb)
{
    return pb->list_bytes + pb->name_bytes + pb->cap_terms * sizeof(pb_entry) +
           pb->table_cap * sizeof(pb_slot) + pb->cap_toks * sizeof(pb_tok) +
           pb->cap_doc_terms * sizeof(pb_doc_term) + pb->cap_sorted * sizeof(pb_sort_key);
}

size_t pb_n_terms(const postings_buf *pb)
{
    return pb->n_terms;
}

/* Byte order (memcmp, then shorter first). The zero-padded big-endian prefixes already agree
 * with it wherever they differ, so most comparisons never touch the term strings. */
static int pb_cmp(const void *a, const void *b, void *ctx)
{
    const pb_sort_key *ka = a, *kb = b;
    if (ka->prefix != kb->prefix) return ka->prefix < kb->prefix ? -1 : 1;
    const pb_entry *terms = ctx, *x = &terms[ka->ix], *y = &terms[kb->ix];
    int c = memcmp(x->term, y->term, x->len < y->len ? x->len : y->len);
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

#define PB_RADIX_MIN 1024 /* fewer keys: qsort, cheaper than eight 256-entry histograms */

/* Sorts k[0..n) by prefix alone: LSD radix, a byte per pass, skipping the bytes all prefixes
 * share. The scratch array lives only during the sort, like qsort's, so it is not counted in
 * pb_mem. Returns 0, or -1 (nothing done) for a small n or when the scratch cannot be had. */
static int pb_radix_prefix(pb_sort_key *k, size_t n)
{
    size_t cnt[8][256] = {{0}};
    pb_sort_key *tmp = n < PB_RADIX_MIN ? NULL : malloc(n * sizeof *tmp), *src = k, *dst = tmp;
    if (!tmp) return -1;
    for (size_t i = 0; i < n; i++)
        for (unsigned d = 0; d < 8; d++)
            cnt[d][(k[i].prefix >> (8 * d)) & 0xFF]++;
    for (unsigned d = 0; d < 8; d++) {
        size_t sum = 0, *c = cnt[d];
        if (c[(k[0].prefix >> (8 * d)) & 0xFF] == n) continue;
        for (unsigned b = 0; b < 256; b++) {
            size_t t = c[b];
            c[b] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++)
            dst[c[(src[i].prefix >> (8 * d)) & 0xFF]++] = src[i];
        pb_sort_key *x = src;
        src = dst;
        dst = x;
    }
    if (src != k) memcpy(k, src, n * sizeof *k);
    free(tmp);
    return 0;
}

/* The order of pb_cmp in two steps: the radix sort by prefix, then qsort of each run of equal
 * prefixes (terms sharing their first 8 bytes). A third of qsort's cost on the kernel docs.
 * Returns 0, or -1 (nothing done) as pb_radix_prefix. */
static int pb_radix(postings_buf *pb)
{
    pb_sort_key *k = pb->sorted;
    size_t n = pb->n_terms;
    if (pb_radix_prefix(k, n) < 0) return -1;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && k[j].prefix == k[i].prefix; j++)
            ;
        if (j - i > 1) qsort_r(k + i, j - i, sizeof *k, pb_cmp, pb->terms);
    }
    return 0;
}

int pb_sort(postings_buf *pb, err *e)
{
    if (pb->rc) return err_set(e, pb->rc, "out of memory in the postings buffer");
    if (pb_grow((void **)&pb->sorted, &pb->cap_sorted, pb->n_terms, sizeof *pb->sorted) < 0)
        return err_set(e, TRAWL_ENOMEM, "out of memory sorting %zu terms", pb->n_terms);
    for (size_t i = 0; i < pb->n_terms; i++) {
        const pb_entry *t = &pb->terms[i];
        uint64_t p = 0;
        for (size_t j = 0; j < 8; j++)
            p = p << 8 | (j < t->len ? (uint8_t)t->term[j] : 0);
        pb->sorted[i] = (pb_sort_key){p, (uint32_t)i};
    }
    /* Fewer than two terms are sorted already; with none, sorted may be NULL, which qsort_r
     * must not be given even for 0 elements (a corpus whose documents have no tokens). */
    if (pb->n_terms < 2) return TRAWL_OK;
    if (pb_radix(pb) < 0) qsort_r(pb->sorted, pb->n_terms, sizeof *pb->sorted, pb_cmp, pb->terms);
    return TRAWL_OK;
}

void pb_term(const postings_buf *pb, size_t i, const char **term, size_t *len, const uint8_t **list,
             size_t *list_len)
{
    const pb_entry *t = &pb->terms[pb->sorted[i].ix];
    /* The caller walks the order: fetch the entries and lists a few terms on meanwhile. */
    if (i + 8 < pb->n_terms) __builtin_prefetch(&pb->terms[pb->sorted[i + 8].ix]);
    if (i + 4 < pb->n_terms) __builtin_prefetch(pb->terms[pb->sorted[i + 4].ix].list);
    *term = t->term;
    *len = t->len;
    *list = t->list;
    *list_len = t->n;
}

/* Reads one LEB128 value of at most 5 bytes. Returns 0, or -1 if the list ends inside it. */
static inline int pb_get_vu32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    const uint8_t *q = *p;
    uint32_t x = 0;
    for (unsigned shift = 0; q < end && shift < 35; shift += 7) {
        uint8_t b = *q++;
        x |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *p = q;
            *v = x;
            return 0;
        }
    }
    return -1;
}

int pb_list_next(const uint8_t **p, const uint8_t *end, uint32_t *doc, uint32_t *tf)
{
    uint32_t gap;
    if (*p >= end) return 0;
    if (pb_get_vu32(p, end, tf) < 0 || *tf == 0 || pb_get_vu32(p, end, &gap) < 0) return -1;
    *doc += gap;
    return 1;
}

int pb_list_positions(const uint8_t **p, const uint8_t *end, uint32_t tf, uint32_t *pos)
{
    uint32_t prev = 0, g;
    for (uint32_t i = 0; i < tf; i++) {
        if (*p < end && **p < 0x80) {
            g = *(*p)++;
        } else if (pb_get_vu32(p, end, &g) < 0) {
            return -1;
        }
        prev += g;
        pos[i] = prev;
    }
    return 0;
}

void pb_clear(postings_buf *pb)
{
    for (size_t i = 0; i < pb->n_terms; i++)
        if (pb->terms[i].cap > LP_MAX_BLOCK)
            lp_release(&pb->lists, pb->terms[i].list, pb->terms[i].cap);
    lp_free(&pb->lists);
    pb->n_terms = 0;
    pb->n_toks = 0;
    pb->tok_base = 0;
    pb->n_doc_terms = 0;
    pb->n_pend = 0;
    pb->n_posts = 0;
    pb->list_bytes = 0;
    pb->name_bytes = 0;
    /* The term array, sort order and table shrink back: kept at their peak size they would
     * count against the budget after every spill and make the next runs ever smaller. */
    free(pb->terms);
    pb->terms = NULL;
    pb->cap_terms = 0;
    free(pb->sorted);
    pb->sorted = NULL;
    pb->cap_sorted = 0;
    if (pb->table_cap == (size_t)1 << PB_TABLE_BITS || pb_table_new(pb, PB_TABLE_BITS) < 0)
        memset(pb->table, 0, pb->table_cap * sizeof *pb->table);
    arena_reset(&pb->names);
}
