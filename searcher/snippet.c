/* snippet: best passage of a stored text for a query.
 *
 *   query tree ──► positive terms (exact terms + prefixes, each with a distinct id)
 *   stored text ──► analyzer ──► matches (byte start, end, term id), in text order
 *   matches ──► sliding window of max_bytes: most distinct ids, then most matches, then
 *               earliest ──► widened around its matches, cut at whitespace (or, in a text
 *               without whitespace, at a UTF-8 character boundary)
 *
 * Highlighting compares analysed forms, exactly as matching does, so "invading" lights up for
 * the query word "invade" only if both stem alike. Phrase terms are marked one by one (a
 * snippet does not verify adjacency); must_not subtrees are skipped. */
#include "snippet.h"

#include <string.h>

#define SN_DEFAULT_BYTES 200

/* One positive query term: an exact analysed term or a folded prefix. */
typedef struct sn_term {
    const char *s;
    uint32_t len;
    int is_prefix;
    uint32_t id; /**< equal exact terms share an id (distinct-term counting) */
} sn_term;

typedef struct sn_match {
    uint32_t start, end; /**< bytes in the text */
    uint32_t id;         /**< sn_term.id */
} sn_match;

typedef struct sn_ctx {
    arena *a;
    sn_term *terms;
    uint32_t n_terms, cap_terms, n_ids;
    sn_match *m;
    uint32_t n_m, cap_m;
    int oom;
} sn_ctx;

/* Grows an arena array of elem-sized items from *cap to at least n+1 (old array abandoned). */
static void *sn_grow(arena *a, void *old, uint32_t n, uint32_t *cap, size_t elem)
{
    uint32_t nc = *cap ? *cap * 2 : 16;
    void *v = arena_alloc(a, (size_t)nc * elem);
    if (!v) return NULL;
    if (n) memcpy(v, old, (size_t)n * elem);
    *cap = nc;
    return v;
}

static void sn_add_term(sn_ctx *c, const char *s, uint32_t len, int is_prefix)
{
    uint32_t id = c->n_ids;
    for (uint32_t i = 0; i < c->n_terms; i++) {
        const sn_term *t = &c->terms[i];
        if (t->len == len && t->is_prefix == is_prefix && memcmp(t->s, s, len) == 0) return;
    }
    if (c->n_terms == c->cap_terms) {
        sn_term *v = sn_grow(c->a, c->terms, c->n_terms, &c->cap_terms, sizeof *v);
        if (!v) {
            c->oom = 1;
            return;
        }
        c->terms = v;
    }
    c->terms[c->n_terms++] = (sn_term){s, len, is_prefix, id};
    c->n_ids++;
}

/* Collects the positive terms of n (must and should subtrees; never must_not). */
static void sn_collect(sn_ctx *c, const qnode *n)
{
    if (!n) return;
    if (n->kind == Q_TERM || n->kind == Q_PHRASE || n->kind == Q_PREFIX || n->kind == Q_FUZZY) {
        for (uint32_t i = 0; i < n->n_terms; i++)
            sn_add_term(c, n->terms[i], n->lens[i], n->kind == Q_PREFIX);
    } else if (n->kind == Q_BOOL) {
        for (uint32_t i = 0; i < n->n_must; i++)
            sn_collect(c, n->must[i]);
        for (uint32_t i = 0; i < n->n_should; i++)
            sn_collect(c, n->should[i]);
    }
}

/* Returns the id of the query term t matches, or -1. */
static int64_t sn_lookup(const sn_ctx *c, const token *t)
{
    for (uint32_t i = 0; i < c->n_terms; i++) {
        const sn_term *q = &c->terms[i];
        if (q->is_prefix ? t->len >= q->len && memcmp(t->term, q->s, q->len) == 0
                         : t->len == q->len && memcmp(t->term, q->s, q->len) == 0)
            return q->id;
    }
    return -1;
}

static int sn_sink(void *ctx, const token *t)
{
    sn_ctx *c = ctx;
    int64_t id = sn_lookup(c, t);
    if (id < 0) return 0;
    if (c->n_m == c->cap_m) {
        sn_match *v = sn_grow(c->a, c->m, c->n_m, &c->cap_m, sizeof *v);
        if (!v) return TRAWL_ENOMEM;
        c->m = v;
    }
    c->m[c->n_m++] = (sn_match){t->start, t->end, (uint32_t)id};
    return 0;
}

/* Picks matches [*lo, *hi) of the best window no wider than max_bytes: most distinct ids, then
 * most matches, then earliest. O(matches) with a count per id. */
static int sn_best(sn_ctx *c, size_t max_bytes, uint32_t *lo, uint32_t *hi)
{
    uint32_t *cnt = arena_calloc(c->a, (size_t)c->n_ids * sizeof *cnt);
    if (!cnt) return TRAWL_ENOMEM;
    uint32_t j = 0, distinct = 0, best_d = 0, best_n = 0;
    *lo = *hi = 0;
    for (uint32_t i = 0; i < c->n_m; i++) {
        if (j < i + 1) { /* the window always holds match i, even if it alone is too wide */
            j = i + 1;
            distinct += cnt[c->m[i].id]++ == 0;
        }
        while (j < c->n_m && (size_t)c->m[j].end - c->m[i].start <= max_bytes) {
            distinct += cnt[c->m[j].id]++ == 0;
            j++;
        }
        if (distinct > best_d || (distinct == best_d && j - i > best_n)) {
            best_d = distinct;
            best_n = j - i;
            *lo = i;
            *hi = j;
        }
        distinct -= --cnt[c->m[i].id] == 0;
    }
    return TRAWL_OK;
}

static int sn_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static int sn_cont(const char *t, size_t len, size_t p)
{
    return p < len && ((unsigned char)t[p] & 0xC0) == 0x80;
}

#define SN_REACH 32 /* bytes a cut may move outward to reach white space */

static int sn_word_start(const char *t, size_t p)
{
    return p == 0 || sn_space(t[p - 1]);
}

static int sn_word_end(const char *t, size_t len, size_t p)
{
    return p == len || sn_space(t[p]);
}

/* Cuts a window start s (<= limit, the first match, a character boundary): at the first word
 * start in [s, limit], else the nearest one up to SN_REACH bytes before s, else (text without
 * white space) at the character boundary at or after s. Then skips white space. */
static size_t sn_snap_start(const char *t, size_t len, size_t s, size_t limit)
{
    size_t p = s;
    while (p < limit && !sn_word_start(t, p))
        p++;
    if (!sn_word_start(t, p)) {
        for (p = s; p > 0 && s - p < SN_REACH && !sn_word_start(t, p); p--)
            ;
        if (!sn_word_start(t, p))
            for (p = s; sn_cont(t, len, p) && p < limit; p++)
                ;
    }
    while (p < limit && sn_space(t[p]))
        p++;
    return p;
}

/* Cuts a window end e (>= limit, the end of the last match, a character boundary): at the last
 * word end in [limit, e], else the nearest one up to SN_REACH bytes after e, else at the
 * character boundary at or before e. Then drops trailing white space. */
static size_t sn_snap_end(const char *t, size_t len, size_t e, size_t limit)
{
    size_t p = e;
    while (p > limit && !sn_word_end(t, len, p))
        p--;
    if (!sn_word_end(t, len, p)) {
        for (p = e; p < len && p - e < SN_REACH && !sn_word_end(t, len, p); p++)
            ;
        if (!sn_word_end(t, len, p))
            for (p = e; sn_cont(t, len, p) && p > limit; p--)
                ;
    }
    while (p > limit && sn_space(t[p - 1]))
        p--;
    return p;
}

/* Prefers to start at a sentence start in [s, first] (after ". ", "! ", "? " or a newline). */
static size_t sn_sentence_start(const char *t, size_t s, size_t first)
{
    for (size_t p = first; p > s; p--) {
        char prev = t[p - 1];
        if (prev == '\n' ||
            (sn_space(prev) && p >= 2 && (t[p - 2] == '.' || t[p - 2] == '!' || t[p - 2] == '?')))
            return p;
    }
    return s;
}

/* Places a window of about max_bytes around text[first, last) and cuts it cleanly. */
static void sn_window(const char *t, size_t len, size_t max_bytes, size_t first, size_t last,
                      size_t *s, size_t *e)
{
    size_t span = last - first;
    size_t slack = span < max_bytes ? max_bytes - span : 0;
    size_t lead = slack / 3; /* a third of the room before the matches, the rest after */
    size_t start = first > lead ? first - lead : 0;
    size_t end = start + (span > max_bytes ? span : max_bytes);
    if (end > len) {
        size_t over = end - len;
        end = len;
        start = start > over ? start - over : 0;
        if (start > first) start = first;
    }
    start = sn_sentence_start(t, start, first);
    *s = sn_snap_start(t, len, start, first);
    *e = sn_snap_end(t, len, end, last);
}

static int sn_only_space(const char *t, size_t from, size_t to)
{
    for (size_t p = from; p < to; p++)
        if (!sn_space(t[p])) return 0;
    return 1;
}

/* Fills out's spans with the matches inside [s, e). */
static int sn_spans(sn_ctx *c, size_t s, size_t e, trawl_snippet *out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->n_m; i++)
        n += c->m[i].start >= s && c->m[i].end <= e;
    trawl_span *spans = arena_alloc(c->a, (size_t)(n ? n : 1) * sizeof *spans);
    if (!spans) return TRAWL_ENOMEM;
    n = 0;
    for (uint32_t i = 0; i < c->n_m; i++)
        if (c->m[i].start >= s && c->m[i].end <= e)
            spans[n++] = (trawl_span){(uint32_t)(c->m[i].start - s), c->m[i].end - c->m[i].start};
    out->spans = spans;
    out->n_spans = n;
    return TRAWL_OK;
}

int snippet_make(analyzer *an, const query *q, const char *text, size_t len, size_t max_bytes,
                 arena *a, trawl_snippet *out, err *e)
{
    sn_ctx c;
    memset(&c, 0, sizeof c);
    memset(out, 0, sizeof *out);
    c.a = a;
    if (max_bytes == 0) max_bytes = SN_DEFAULT_BYTES;
    if (len > UINT32_MAX)
        len = UINT32_MAX; /* analyzer offsets are 32-bit; a snippet never needs more */
    sn_collect(&c, q ? q->root : NULL);
    if (c.oom ||
        (c.n_terms && analyzer_run(an, text, len, 0, sn_sink, &c, NULL, NULL) == TRAWL_ENOMEM))
        return err_set(e, TRAWL_ENOMEM, "out of memory while making a snippet");
    uint32_t lo = 0, hi = 0;
    if (c.n_m && sn_best(&c, max_bytes, &lo, &hi) != TRAWL_OK)
        return err_set(e, TRAWL_ENOMEM, "out of memory while making a snippet");
    size_t s, end;
    if (c.n_m) {
        uint32_t last = c.m[lo].end;
        for (uint32_t i = lo; i < hi; i++)
            last = c.m[i].end > last ? c.m[i].end : last;
        sn_window(text, len, max_bytes, c.m[lo].start, last, &s, &end);
    } else {
        s = 0;
        while (s < len && sn_space(text[s]))
            s++;
        end = sn_snap_end(text, len, s + max_bytes < len ? s + max_bytes : len, s);
    }
    out->text = text + s;
    out->len = end - s;
    out->is_start = sn_only_space(text, 0, s);
    out->is_end = sn_only_space(text, end, len);
    if (sn_spans(&c, s, end, out) != TRAWL_OK)
        return err_set(e, TRAWL_ENOMEM, "out of memory while making a snippet");
    return TRAWL_OK;
}
