/* postings_buf: term hash table -> growable LEB128 byte lists (layout in postings_buf.h).
 *
 * Tokens of the document being indexed are not written to the lists at once: a term's tokens
 * in one document are chained through the token scratch array (head/tail/next), and
 * pb_doc_end walks each chain once to append "tf, doc gap, position gaps". That keeps lists
 * append-only with no per-document sort.
 *
 *   table[h] --> terms[i] { term, list bytes, last_doc, head --> toks[head] --> toks[next] ... }
 *   doc_terms: distinct terms of the current document, in first-seen order
 */
#include "postings_buf.h"

#include "arena.h"
#include "checksum.h"

#include <stdlib.h>
#include <string.h>

#define PB_NONE      UINT32_MAX
#define PB_TABLE_MIN 1024 /* initial hash table slots */
#define PB_MALLOC_OH 16   /* per-allocation overhead glibc adds, counted against the budget */

typedef struct pb_entry {
    const char *term;    /**< bytes, in the arena */
    uint32_t len;        /**< bytes in term */
    uint32_t hash;       /**< low bits of xxhash64(term) */
    uint8_t *list;       /**< postings bytes; owned */
    size_t n, cap;       /**< bytes used / allocated in list */
    uint32_t last_doc;   /**< doc of the last posting in list (0 before the first) */
    uint32_t tf;         /**< tokens in the current document (0: not seen in it yet) */
    uint32_t head, tail; /**< chain of this term's tokens in the current document */
} pb_entry;

typedef struct pb_tok {
    uint32_t pos;  /**< token position */
    uint32_t next; /**< next token of the same term in this document, or PB_NONE */
} pb_tok;

struct postings_buf {
    pb_entry *terms;
    size_t n_terms, cap_terms;
    uint64_t *table; /**< open addressing: hash << 32 | (term index + 1), 0 = empty; the
                          hash beside the index spares a cache miss on terms[] per probe */
    size_t table_cap;
    pb_tok *toks; /**< tokens of the current document */
    size_t n_toks, cap_toks;
    uint32_t *doc_terms; /**< distinct terms of the current document */
    size_t n_doc_terms, cap_doc_terms;
    uint32_t *sorted; /**< term indices in byte order, after pb_sort */
    size_t cap_sorted;
    arena names;       /**< term strings */
    size_t list_bytes; /**< sum of list capacities plus overheads */
    size_t name_bytes; /**< arena bytes handed out */
    int rc;            /**< sticky TRAWL_ENOMEM */
};

int pb_new(postings_buf **out, err *e)
{
    postings_buf *pb = calloc(1, sizeof *pb);
    *out = NULL;
    if (!pb) return err_set(e, TRAWL_ENOMEM, "out of memory for the postings buffer");
    arena_init(&pb->names);
    pb->table_cap = PB_TABLE_MIN;
    pb->table = calloc(pb->table_cap, sizeof *pb->table);
    if (!pb->table) {
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

/* Doubles the hash table and reinserts every term. */
static int pb_rehash(postings_buf *pb)
{
    size_t cap = pb->table_cap * 2;
    uint64_t *t = calloc(cap, sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < pb->n_terms; i++) {
        size_t h = pb->terms[i].hash & (cap - 1);
        while (t[h])
            h = (h + 1) & (cap - 1);
        t[h] = (uint64_t)pb->terms[i].hash << 32 | (i + 1);
    }
    free(pb->table);
    pb->table = t;
    pb->table_cap = cap;
    return 0;
}

/* Returns the index of term, inserting it if new, or PB_NONE when out of memory. */
static uint32_t pb_intern(postings_buf *pb, const char *term, size_t len)
{
    uint32_t hash = (uint32_t)checksum64(term, len);
    size_t h = hash & (pb->table_cap - 1);
    for (uint64_t slot; (slot = pb->table[h]) != 0; h = (h + 1) & (pb->table_cap - 1)) {
        if ((uint32_t)(slot >> 32) != hash) continue;
        uint32_t ix = (uint32_t)slot - 1;
        const pb_entry *t = &pb->terms[ix];
        if (t->len == len && memcmp(t->term, term, len) == 0) return ix;
    }
    if (pb->n_terms >= UINT32_MAX - 1 ||
        pb_grow((void **)&pb->terms, &pb->cap_terms, pb->n_terms + 1, sizeof *pb->terms) < 0)
        return PB_NONE;
    char *name = arena_alloc(&pb->names, len);
    if (!name) return PB_NONE;
    memcpy(name, term, len);
    pb->name_bytes += (len + 15) & ~(size_t)15;
    uint32_t ix = (uint32_t)pb->n_terms++;
    pb->terms[ix] = (pb_entry){
        .term = name, .len = (uint32_t)len, .hash = hash, .head = PB_NONE, .tail = PB_NONE};
    pb->table[h] = (uint64_t)hash << 32 | (ix + 1);
    if (pb->n_terms * 10 > pb->table_cap * 7 && pb_rehash(pb) < 0) return PB_NONE;
    return ix;
}

int pb_add(postings_buf *pb, const char *term, size_t len, uint32_t pos)
{
    if (pb->rc) return pb->rc;
    uint32_t ix = pb_intern(pb, term, len);
    if (ix == PB_NONE || pb->n_toks >= UINT32_MAX - 1 ||
        pb_grow((void **)&pb->toks, &pb->cap_toks, pb->n_toks + 1, sizeof *pb->toks) < 0)
        return pb->rc = TRAWL_ENOMEM;
    pb_entry *t = &pb->terms[ix];
    uint32_t k = (uint32_t)pb->n_toks++;
    pb->toks[k] = (pb_tok){pos, PB_NONE};
    if (t->tf == 0) {
        if (pb_grow((void **)&pb->doc_terms, &pb->cap_doc_terms, pb->n_doc_terms + 1,
                    sizeof *pb->doc_terms) < 0)
            return pb->rc = TRAWL_ENOMEM;
        pb->doc_terms[pb->n_doc_terms++] = ix;
        t->head = k;
    } else {
        pb->toks[t->tail].next = k;
    }
    t->tail = k;
    t->tf++;
    return TRAWL_OK;
}

static size_t pb_put_vu32(uint8_t *out, uint32_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* Appends term t's posting for doc, walking its token chain. */
static int pb_append(postings_buf *pb, pb_entry *t, uint32_t doc)
{
    size_t need = t->n + 5 * ((size_t)t->tf + 2);
    if (need > t->cap) {
        size_t cap = t->cap ? t->cap : 8;
        while (cap < need)
            cap *= 2;
        uint8_t *q = realloc(t->list, cap);
        if (!q) return -1;
        pb->list_bytes += cap - t->cap + (t->cap ? 0 : PB_MALLOC_OH);
        t->list = q;
        t->cap = cap;
    }
    uint8_t *o = t->list + t->n;
    o += pb_put_vu32(o, t->tf);
    o += pb_put_vu32(o, doc - t->last_doc);
    uint32_t prev = 0;
    for (uint32_t k = t->head; k != PB_NONE; k = pb->toks[k].next) {
        o += pb_put_vu32(o, pb->toks[k].pos - prev);
        prev = pb->toks[k].pos;
    }
    t->n = (size_t)(o - t->list);
    t->last_doc = doc;
    t->tf = 0;
    t->head = t->tail = PB_NONE;
    return 0;
}

int pb_doc_end(postings_buf *pb, uint32_t doc)
{
    if (pb->rc) return pb->rc;
    for (size_t i = 0; i < pb->n_doc_terms; i++) {
        if (pb_append(pb, &pb->terms[pb->doc_terms[i]], doc) < 0) return pb->rc = TRAWL_ENOMEM;
    }
    pb->n_doc_terms = 0;
    pb->n_toks = 0;
    return TRAWL_OK;
}

size_t pb_mem(const postings_buf *pb)
{
    return pb->list_bytes + pb->name_bytes + pb->cap_terms * sizeof(pb_entry) +
           pb->table_cap * sizeof(uint64_t) + pb->cap_toks * sizeof(pb_tok) +
           pb->cap_doc_terms * sizeof(uint32_t) + pb->cap_sorted * sizeof(uint32_t);
}

size_t pb_n_terms(const postings_buf *pb)
{
    return pb->n_terms;
}

static int pb_cmp(const void *a, const void *b, void *ctx)
{
    const pb_entry *terms = ctx;
    const pb_entry *x = &terms[*(const uint32_t *)a], *y = &terms[*(const uint32_t *)b];
    int c = memcmp(x->term, y->term, x->len < y->len ? x->len : y->len);
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

int pb_sort(postings_buf *pb, err *e)
{
    if (pb->rc) return err_set(e, pb->rc, "out of memory in the postings buffer");
    if (pb_grow((void **)&pb->sorted, &pb->cap_sorted, pb->n_terms, sizeof *pb->sorted) < 0)
        return err_set(e, TRAWL_ENOMEM, "out of memory sorting %zu terms", pb->n_terms);
    for (size_t i = 0; i < pb->n_terms; i++)
        pb->sorted[i] = (uint32_t)i;
    qsort_r(pb->sorted, pb->n_terms, sizeof *pb->sorted, pb_cmp, pb->terms);
    return TRAWL_OK;
}

void pb_term(const postings_buf *pb, size_t i, const char **term, size_t *len, const uint8_t **list,
             size_t *list_len)
{
    const pb_entry *t = &pb->terms[pb->sorted[i]];
    *term = t->term;
    *len = t->len;
    *list = t->list;
    *list_len = t->n;
}

void pb_clear(postings_buf *pb)
{
    for (size_t i = 0; i < pb->n_terms; i++)
        free(pb->terms[i].list);
    pb->n_terms = 0;
    pb->n_toks = 0;
    pb->n_doc_terms = 0;
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
    if (pb->table_cap > PB_TABLE_MIN) {
        uint64_t *t = calloc(PB_TABLE_MIN, sizeof *t);
        if (t) {
            free(pb->table);
            pb->table = t;
            pb->table_cap = PB_TABLE_MIN;
        }
    }
    memset(pb->table, 0, pb->table_cap * sizeof *pb->table);
    arena_reset(&pb->names);
}
