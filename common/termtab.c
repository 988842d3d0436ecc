/* termtab: the compact front-coded copy of a segment's terms and its pruned walk. */
#include "termtab.h"

#include "segment_impl.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct termtab {
    uint64_t n;     /**< terms */
    uint8_t *lcp;   /**< [n + 8] bytes term i shares with term i - 1 (0 for the first); 8 zero
                         bytes follow, so a scan may load 8 at a time */
    uint32_t *off;  /**< [n + 1] term i's suffix is bytes[off[i] .. off[i + 1]) */
    uint8_t *bytes; /**< the suffixes, back to back; 8 zero bytes follow */
};

/* ------------------------------------------------------------------ build */

typedef struct tt_build {
    termtab *t;
    size_t cap_n;     /**< terms lcp and off have room for */
    size_t cap_bytes; /**< suffix bytes allocated */
    size_t len;       /**< suffix bytes used */
    int oom;
} tt_build;

/* Makes room for one more term of at most len suffix bytes. */
static int tt_build_room(tt_build *b, size_t len)
{
    termtab *t = b->t;
    if (t->n + 9 > b->cap_n) {
        size_t cap = b->cap_n ? 2 * b->cap_n : 4096;
        uint8_t *l = realloc(t->lcp, cap);
        if (l) t->lcp = l;
        uint32_t *o = l ? realloc(t->off, cap * sizeof *o) : NULL;
        if (!o) return -1;
        t->off = o;
        b->cap_n = cap;
    }
    if (b->len + len + 8 > b->cap_bytes) { /* 8 bytes of slack: the walk copies 8 at a time */
        size_t cap = b->cap_bytes ? 2 * b->cap_bytes : 65536;
        uint8_t *y = cap > UINT32_MAX ? NULL : realloc(t->bytes, cap);
        if (!y) return -1;
        t->bytes = y;
        b->cap_bytes = cap;
    }
    return 0;
}

static void tt_build_term(void *ctx, const uint8_t *term, size_t len, size_t lcp)
{
    tt_build *b = ctx;
    termtab *t = b->t;
    if (b->oom || (b->oom = tt_build_room(b, len - lcp) < 0)) return;
    t->lcp[t->n] = (uint8_t)lcp;
    t->off[t->n] = (uint32_t)b->len;
    memcpy(t->bytes + b->len, term + lcp, len - lcp);
    b->len += len - lcp;
    t->n++;
    t->off[t->n] = (uint32_t)b->len;
}

static termtab *tt_build_table(const segment *s, err *e)
{
    tt_build b = {0};
    int rc = (b.t = calloc(1, sizeof *b.t)) ? dict_each_term(s, tt_build_term, &b, e) : TRAWL_OK;
    if (rc == TRAWL_OK && b.t && !b.oom && b.t->n == 0) { /* no terms: still a valid table */
        b.oom = tt_build_room(&b, 0) < 0;
        if (!b.oom) b.t->off[0] = 0;
    }
    if (rc == TRAWL_OK && (!b.t || b.oom))
        rc = err_set(e, TRAWL_ENOMEM, "%s: out of memory for the term table", segment_name(s));
    if (rc != TRAWL_OK) {
        termtab_free(b.t);
        return NULL;
    }
    memset(b.t->lcp + b.t->n, 0, 8);
    memset(b.t->bytes + b.len, 0, 8);
    return b.t;
}

const termtab *termtab_get(const segment *s, err *e)
{
    /* A cache of immutable bytes on a const segment, as seg_verify_first_use's state: the
     * segment was allocated writable, and every table built from it holds the same terms. */
    termtab *_Atomic *slot = (termtab * _Atomic *)&s->termtab;
    termtab *t = atomic_load_explicit(slot, memory_order_acquire), *none = NULL;
    if (t) return t;
    if (!(t = tt_build_table(s, e))) return NULL;
    if (!atomic_compare_exchange_strong_explicit(slot, &none, t, memory_order_acq_rel,
                                                 memory_order_acquire)) {
        termtab_free(t);
        t = none;
    }
    return t;
}

void termtab_free(termtab *t)
{
    if (!t) return;
    free(t->lcp);
    free(t->off);
    free(t->bytes);
    free(t);
}

const termtab *termtab_peek(const segment *s)
{
    termtab *_Atomic *slot = (termtab * _Atomic *)&s->termtab;
    return atomic_load_explicit(slot, memory_order_acquire);
}

int termtab_walk_seg(const segment *s, dict_walk_fn visit, void *ctx, err *e)
{
    /* Read and added to without ordering: the debt only decides when to build. */
    _Atomic uint64_t *debt = (_Atomic uint64_t *)&s->termtab_debt;
    const termtab *t = termtab_peek(s);
    if (!t && atomic_load_explicit(debt, memory_order_relaxed) >= s->n_terms &&
        !(t = termtab_get(s, e)))
        return e->rc;
    if (t) return termtab_walk(t, visit, ctx);
    uint64_t n_read = 0;
    int rc = dict_walk(s, visit, ctx, &n_read, e);
    atomic_fetch_add_explicit(debt, n_read, memory_order_relaxed);
    return rc;
}

uint64_t termtab_n_terms(const termtab *t)
{
    return t->n;
}

/* ------------------------------------------------------------------ walk */

/* The first index from i on whose shared length is at most `shared` (n if none): the terms in
 * between share more with the hint than the one before them and stay below it. Eight lengths
 * a step, tested at once (a byte below `shared + 1`: the "has less" trick of Anderson's bit
 * hacks, exact for bounds up to 128). */
static uint64_t tt_skip(const termtab *t, uint64_t i, size_t shared)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    if (shared < 128) {
        uint64_t below = ones * (shared + 1);
        while (i + 8 <= t->n) {
            uint64_t x, hit;
            memcpy(&x, t->lcp + i, 8);
            hit = (x - below) & ~x & highs;
            if (hit) return i + (unsigned)__builtin_ctzll(hit) / 8;
            i += 8;
        }
    }
    while (i < t->n && t->lcp[i] > shared)
        i++;
    return i;
}

static size_t tt_lcp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen, i = 0;
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* The walk compares each term with the hint without rebuilding the skipped ones: `shared` is
 * the bytes the current term shares with the hint. The last visited term is at or below the
 * hint, so the terms after it rise towards it: one sharing more bytes with its predecessor
 * than the predecessor shares with the hint is below the hint too (skipped eight at a time),
 * one sharing fewer is above it, and one sharing exactly that many compares its suffix. A
 * skipped term's bytes up to `shared` are the hint's, which is all a later term takes from it,
 * so one buffer (cur) holds the hint and, rewritten from its shared bytes on, the next visited
 * term. */
int termtab_walk(const termtab *t, dict_walk_fn visit, void *ctx)
{
    uint8_t cur[DICT_WALK_HINT_MAX + 8];
    size_t hint_len = 0, hint_lcp = 0, shared = 0;
    uint64_t i = 0;
    while (i < t->n) {
        size_t prefix = t->lcp[i];
        if (prefix > shared) {
            i = tt_skip(t, i, shared);
            continue;
        }
        const uint8_t *suf = t->bytes + t->off[i];
        size_t slen = t->off[i + 1] - t->off[i];
        if (prefix == shared) {
            size_t l = tt_lcp(suf, slen, cur + prefix, hint_len - prefix);
            shared = prefix + l;
            if (shared < hint_len && (l == slen || suf[l] < cur[shared])) { /* below */
                i++;
                continue;
            }
        } else {
            shared = prefix;
        }
        size_t len = prefix + slen, lcp = shared < hint_lcp ? shared : hint_lcp;
        for (size_t o = 0; o < slen; o += 8) /* fixed-size copies: the buffers have slack */
            memcpy(cur + prefix + o, suf + o, 8);
        hint_len = visit(ctx, cur, len, lcp, &hint_lcp);
        if (hint_len == DICT_WALK_END) break;
        shared = hint_lcp;
        i++;
    }
    return TRAWL_OK;
}
