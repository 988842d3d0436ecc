/* Tests of the fuzzy matcher: lev_visit against a brute-force restricted Damerau-Levenshtein
 * (optimal string alignment) over code points, and the pruned walks over the term table
 * (termtab_walk + lev_visit) and over the dictionary itself (dict_walk, the same terms visited)
 * against that brute force over every term of a whole dictionary of
 * about 18,000 terms (random words over an alphabet with two-byte and three-byte characters, some
 * sharing their first byte, so prefixes end inside characters); dict_walk's seeks to hints
 * at, inside and between its blocks. Seed printed; TRAWL_TEST_SEED
 * replays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dict.h"
#include "err.h"
#include "levenshtein.h"
#include "segment.h"
#include "segment_writer.h"
#include "termtab.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LT_TERMS 24000
#define LT_DOCS  50

static uint64_t lt_rng;

static uint64_t lt_rand(void)
{
    lt_rng ^= lt_rng >> 12;
    lt_rng ^= lt_rng << 25;
    lt_rng ^= lt_rng >> 27;
    return lt_rng * 0x2545F4914F6CDD1DULL;
}

static uint32_t lt_below(uint32_t n)
{
    return (uint32_t)(lt_rand() % n);
}

/* Letters of the random words: ASCII, two-byte é and ê (same first byte), three-byte €. */
static const char *const lt_alpha[] = {"a", "b",        "c",        "d",
                                       "e", "\xc3\xa9", "\xc3\xaa", "\xe2\x82\xac"};
#define LT_ALPHA 8

static void lt_word(char *out, size_t cap, uint32_t min_chars, uint32_t max_chars)
{
    uint32_t n = min_chars + lt_below(max_chars - min_chars + 1);
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++) {
        /* mostly ASCII: close neighbours are frequent */
        const char *c = lt_alpha[lt_below(8) < 6 ? lt_below(5) : 5 + lt_below(3)];
        size_t cl = strlen(c);
        if (len + cl >= cap) break;
        memcpy(out + len, c, cl);
        len += cl;
    }
    out[len] = '\0';
}

/* ------------------------------------------------------------------ brute force */

static uint32_t lt_decode(const char *s, uint32_t *cp)
{
    const uint8_t *p = (const uint8_t *)s;
    uint32_t n = 0;
    while (*p) {
        if (*p < 0x80) {
            cp[n++] = *p++;
        } else if ((*p & 0xE0) == 0xC0) {
            cp[n++] = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
            p += 2;
        } else {
            cp[n++] = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
            p += 3;
        }
    }
    return n;
}

/* The textbook optimal-string-alignment table, no pruning, no cap. */
static uint32_t lt_osa(const char *x, const char *y)
{
    static uint32_t D[128][128];
    uint32_t a[128], b[128];
    uint32_t n = lt_decode(x, a), m = lt_decode(y, b);
    for (uint32_t i = 0; i <= n; i++)
        D[i][0] = i;
    for (uint32_t j = 0; j <= m; j++)
        D[0][j] = j;
    for (uint32_t i = 1; i <= n; i++)
        for (uint32_t j = 1; j <= m; j++) {
            uint32_t v = D[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (D[i - 1][j] + 1 < v) v = D[i - 1][j] + 1;
            if (D[i][j - 1] + 1 < v) v = D[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                D[i - 2][j - 2] + 1 < v)
                v = D[i - 2][j - 2] + 1;
            D[i][j] = v;
        }
    return D[n][m];
}

static size_t lt_lcp(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    return i;
}

/* ------------------------------------------------------------------ lev alone */

static void test_known_distances(void **state)
{
    (void)state;
    static lev l;
    uint32_t d;
    uint8_t hint[DICT_WALK_HINT_MAX];
    static const struct {
        const char *a, *b;
        uint32_t k, want;
    } cases[] = {
        {"galant", "gallant", 1, 1},
        {"galant", "galant", 0, 0},
        {"anthony", "antony", 1, 1},
        {"rafha", "rafah", 1, 1},     /* a transposition */
        {"ca", "abc", 2, UINT32_MAX}, /* OSA: 3 (true Damerau: 2) */
        {"abcd", "acbd", 1, 1},
        {"abcd", "badc", 2, 2},
        {"caf\xc3\xa9", "cafe", 1, 1}, /* one code point, two bytes */
        {"\xe2\x82\xac", "\xc3\xa9", 1, 1},
        {"kitten", "sitting", 2, UINT32_MAX},
        {"", "ab", 2, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(lev_init(&l, cases[i].a, strlen(cases[i].a), cases[i].k), 0);
        size_t keep;
        memcpy(hint, cases[i].b, strlen(cases[i].b));
        lev_visit(&l, hint, strlen(cases[i].b), 0, &d, &keep);
        if (d != cases[i].want)
            fail_msg("%s / %s k %u: %u, want %u", cases[i].a, cases[i].b, cases[i].k, d,
                     cases[i].want);
    }
    assert_int_equal(lev_init(&l, "a", 1, LEV_MAX_DIST + 1), -1);
}

static int lt_bytes_cmp(const char *a, size_t na, const char *b, size_t nb)
{
    int r = memcmp(a, b, na < nb ? na : nb);
    return r ? r : (na > nb) - (na < nb);
}

/* Random candidates in sorted order with their real shared prefix: the kept rows must give the
 * brute force's answer, the hint must not pass the candidate, and a string below the hint must
 * really be beyond k (checked on random strings between the candidate and the hint). */
static void test_random_pairs(void **state)
{
    (void)state;
    static lev l;
    static char cand[400][40];
    char pat[40];
    uint8_t hint[DICT_WALK_HINT_MAX];
    for (int round = 0; round < 200; round++) {
        uint32_t k = lt_below(3);
        lt_word(pat, sizeof pat, 1, 8);
        assert_int_equal(lev_init(&l, pat, strlen(pat), k), 0);
        for (int i = 0; i < 400; i++)
            lt_word(cand[i], sizeof cand[i], 0, 9);
        qsort(cand, 400, sizeof cand[0], (int (*)(const void *, const void *))strcmp);
        for (int i = 0; i < 400; i++) {
            uint32_t d;
            size_t len = strlen(cand[i]), lcp = i ? lt_lcp(cand[i - 1], cand[i]) : 0, keep;
            memcpy(hint, cand[i], len);
            size_t hl = lev_visit(&l, hint, len, lcp, &d, &keep);
            if (hl != LEV_END &&
                (keep > hl || keep > len || memcmp(hint, cand[i], keep) != 0 ||
                 (keep < hl && keep < len && hint[keep] == (uint8_t)cand[i][keep])))
                fail_msg("pattern %s candidate %s: keep %zu is not the shared length", pat, cand[i],
                         keep);
            if (d != UINT32_MAX && (hl != len || memcmp(hint, cand[i], len) != 0))
                fail_msg("pattern %s: a match %s was rewritten", pat, cand[i]);
            uint32_t want = lt_osa(pat, cand[i]);
            if ((want <= k ? want : UINT32_MAX) != d)
                fail_msg("pattern %s k %u candidate %s: %u, want %u", pat, k, cand[i], d, want);
            if (hl != LEV_END && lt_bytes_cmp((const char *)hint, hl, cand[i], len) < 0)
                fail_msg("pattern %s k %u candidate %s: hint below it", pat, k, cand[i]);
            /* strings in [candidate, hint) are beyond k (all strings after it with LEV_END) */
            for (int t = 0; t < 20; t++) {
                char ext[80];
                size_t stem = lt_below((uint32_t)len + 1), el;
                memcpy(ext, cand[i], stem);
                lt_word(ext + stem, sizeof ext - stem, 0, 6);
                el = strlen(ext);
                if (lt_bytes_cmp(ext, el, cand[i], len) <= 0) continue;
                if (hl != LEV_END && lt_bytes_cmp(ext, el, (const char *)hint, hl) >= 0) continue;
                if (lt_osa(pat, ext) <= k)
                    fail_msg("pattern %s k %u: %s lies between %s and the hint but matches", pat, k,
                             ext, cand[i]);
            }
        }
    }
}

/* Patterns longer than LEV_BP_CHARS run on the cell rows instead of bit vectors: the same
 * answers and hints, on candidates made from the pattern by random edits. */
static void test_long_patterns(void **state)
{
    (void)state;
    static lev l;
    uint8_t hint[DICT_WALK_HINT_MAX];
    for (int round = 0; round < 60; round++) {
        char pat[100], cand[100];
        uint32_t k = round % 3, n = 60 + lt_below(10);
        for (uint32_t i = 0; i < n; i++)
            pat[i] = (char)('a' + lt_below(4));
        pat[n] = '\0';
        assert_int_equal(lev_init(&l, pat, n, k), 0);
        assert_int_equal(l.bp, n <= LEV_BP_CHARS);
        for (int t = 0; t < 50; t++) {
            uint32_t d, len;
            memcpy(cand, pat, n + 1);
            for (uint32_t e = lt_below(4); e > 0; e--) { /* random substitutions and deletions */
                len = (uint32_t)strlen(cand);
                uint32_t at = lt_below(len);
                if (lt_below(2))
                    cand[at] = (char)('a' + lt_below(4));
                else
                    memmove(cand + at, cand + at + 1, len - at);
            }
            len = (uint32_t)strlen(cand);
            size_t keep;
            memcpy(hint, cand, len);
            size_t hl = lev_visit(&l, hint, len, 0, &d, &keep);
            uint32_t want = lt_osa(pat, cand);
            if ((want <= k ? want : UINT32_MAX) != d)
                fail_msg("long pattern k %u: %u, want %u", k, d, want);
            assert_true(hl == LEV_END || lt_bytes_cmp((const char *)hint, hl, cand, len) >= 0);
        }
    }
}

/* ------------------------------------------------------------------ the whole dictionary */

static char lt_dir[256];
static char (*lt_terms)[40];
static size_t lt_n;
static segment *lt_seg;
static const termtab *lt_tab;

static int lt_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int lt_setup(void **state)
{
    (void)state;
    const char *env = getenv("TRAWL_TEST_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 10) : 20261125;
    printf("test_levenshtein: seed %llu (set TRAWL_TEST_SEED to replay)\n",
           (unsigned long long)seed);
    lt_rng = seed * 2654435761u + 1;
    if (!tu_mkdtemp(lt_dir, sizeof lt_dir, "lev")) return -1;
    lt_terms = calloc(LT_TERMS, sizeof *lt_terms);
    if (!lt_terms) return -1;
    for (size_t i = 0; i < LT_TERMS; i++)
        lt_word(lt_terms[i], sizeof lt_terms[i], 1, 12);
    qsort(lt_terms, LT_TERMS, sizeof *lt_terms, lt_cmp);
    for (size_t i = 0; i < LT_TERMS; i++)
        if (lt_n == 0 || strcmp(lt_terms[lt_n - 1], lt_terms[i]) != 0)
            memcpy(lt_terms[lt_n++], lt_terms[i], sizeof *lt_terms);
    /* Term i sits in doc i % LT_DOCS at position i / LT_DOCS. */
    segment_writer *w;
    err e;
    err_init(&e);
    if (sw_open(&w, lt_dir, "seg-000001.trw", 1, "none", 64, &e) != TRAWL_OK) return -1;
    for (uint32_t d = 0; d < LT_DOCS; d++) {
        char id[16];
        uint32_t len = (uint32_t)((lt_n - d + LT_DOCS - 1) / LT_DOCS);
        int il = snprintf(id, sizeof id, "d%u", d);
        if (sw_add_doc(w, id, (size_t)il, 0, len, "x", 1, NULL) != TRAWL_OK) return -1;
    }
    for (size_t i = 0; i < lt_n; i++) {
        uint32_t pos = (uint32_t)(i / LT_DOCS);
        if (sw_term_begin(w, lt_terms[i], strlen(lt_terms[i])) != TRAWL_OK ||
            sw_term_doc(w, (uint32_t)(i % LT_DOCS), &pos, 1) != TRAWL_OK ||
            sw_term_end(w) != TRAWL_OK)
            return -1;
    }
    if (sw_finish(w, NULL) != TRAWL_OK) return -1;
    sw_free(w);
    char path[400];
    snprintf(path, sizeof path, "%s/seg-000001.trw", lt_dir);
    if (segment_open(&lt_seg, path, "seg-000001.trw", 1, &e) != TRAWL_OK) return -1;
    return (lt_tab = termtab_get(lt_seg, &e)) ? 0 : -1;
}

static int lt_teardown(void **state)
{
    (void)state;
    segment_close(lt_seg);
    free(lt_terms);
    return tu_rm_rf(lt_dir);
}

/* What a walk saw: every visited term and the matches. */
typedef struct lt_walk {
    lev *l;
    int prune;
    size_t visited;
    char last[300];
    size_t n_match;
    char (*match)[40];
    uint32_t *dist;
    uint64_t sum; /**< a hash of the visited terms in order */
} lt_walk;

static size_t lt_visit(void *ctx, uint8_t *term, size_t len, size_t lcp, size_t *keep)
{
    lt_walk *w = ctx;
    uint32_t d;
    char t[300];
    memcpy(t, term, len);
    t[len] = '\0';
    if (w->visited && (strcmp(w->last, t) >= 0 || lt_lcp(w->last, t) != lcp))
        fail_msg("walk: %s after %s with lcp %zu", t, w->last, lcp);
    memcpy(w->last, t, len + 1);
    w->visited++;
    for (size_t i = 0; i < len; i++)
        w->sum = (w->sum ^ (uint8_t)t[i]) * 0x100000001B3ull;
    w->sum = (w->sum ^ 0xFF) * 0x100000001B3ull;
    size_t hl = lev_visit(w->l, term, len, lcp, &d, keep);
    if (d != UINT32_MAX) {
        memcpy(w->match[w->n_match], t, len + 1);
        w->dist[w->n_match++] = d;
    }
    if (w->prune) return hl;
    memcpy(term, t, len); /* no skipping: the term is its own hint */
    *keep = len;
    return len;
}

static void test_walk_visits_everything(void **state)
{
    (void)state;
    static lev l;
    lt_walk w = {.l = &l, .prune = 0};
    err e;
    err_init(&e);
    w.match = calloc(lt_n, sizeof *w.match);
    w.dist = calloc(lt_n, sizeof *w.dist);
    assert_int_equal(lev_init(&l, "abc", 3, 0), 0);
    assert_int_equal(termtab_n_terms(lt_tab), lt_n);
    assert_int_equal(termtab_walk(lt_tab, lt_visit, &w), TRAWL_OK);
    assert_int_equal(w.visited, lt_n);
    assert_ptr_equal(termtab_get(lt_seg, &e), lt_tab); /* built once */
    free(w.match);
    free(w.dist);
}

/* One walk of pattern pat at distance k, over the term table or the dictionary itself, checked
 * against brute force over every term; *visited and *sum: the terms it visited and a hash of
 * them in order. */
static void lt_walk_check(lt_walk *w, const char *pat, uint32_t k, int by_dict, size_t *visited,
                          uint64_t *sum)
{
    err e;
    err_init(&e);
    uint64_t n_read = 0;
    assert_int_equal(lev_init(w->l, pat, strlen(pat), k), 0);
    w->visited = w->n_match = 0;
    w->sum = 0;
    if (by_dict)
        assert_int_equal(dict_walk(lt_seg, lt_visit, w, &n_read, &e), TRAWL_OK);
    else
        assert_int_equal(termtab_walk(lt_tab, lt_visit, w), TRAWL_OK);
    if (by_dict && (n_read < w->visited || n_read > lt_n))
        fail_msg("pattern %s: %zu visited, %llu entries read", pat, w->visited,
                 (unsigned long long)n_read);
    size_t m = 0;
    for (size_t i = 0; i < lt_n; i++) {
        uint32_t d = lt_osa(pat, lt_terms[i]);
        if (d > k) continue;
        if (m >= w->n_match || strcmp(w->match[m], lt_terms[i]) != 0 || w->dist[m] != d)
            fail_msg("pattern %s k %u (%s): brute force has %s (%u), the walk %s", pat, k,
                     by_dict ? "dictionary" : "table", lt_terms[i], d,
                     m < w->n_match ? w->match[m] : "nothing more");
        m++;
    }
    if (m != w->n_match) fail_msg("pattern %s k %u: %zu extra matches", pat, k, w->n_match - m);
    *visited = w->visited;
    *sum = w->sum;
}

/* Both walks, the table's and the dictionary's, find exactly brute force's terms and visit the
 * same terms in the same order. */
static void test_walk_against_brute_force(void **state)
{
    (void)state;
    static lev l;
    lt_walk w = {.l = &l, .prune = 1};
    w.match = calloc(lt_n, sizeof *w.match);
    w.dist = calloc(lt_n, sizeof *w.dist);
    size_t total_visited = 0, total_match = 0;
    for (int round = 0; round < 300; round++) {
        char pat[40];
        uint32_t k = round % 3;
        size_t vt, vd;
        uint64_t st, sd;
        if (round % 2)
            memcpy(pat, lt_terms[lt_below((uint32_t)lt_n)], sizeof pat);
        else
            lt_word(pat, sizeof pat, 1, 10);
        lt_walk_check(&w, pat, k, 0, &vt, &st);
        total_match += w.n_match;
        lt_walk_check(&w, pat, k, 1, &vd, &sd);
        if (vt != vd || st != sd)
            fail_msg("pattern %s k %u: the table's walk visits %zu terms, the dictionary's %zu",
                     pat, k, vt, vd);
        total_visited += vt;
    }
    printf("test_levenshtein: 300 walks over %zu terms visited %zu terms (%.1f%%), %zu matches\n",
           lt_n, total_visited, 100.0 * (double)total_visited / (300.0 * (double)lt_n),
           total_match);
    assert_true(total_visited < 300 * lt_n / 4); /* the pruning prunes */
    free(w.match);
    free(w.dist);
}

/* termtab_walk_seg on a segment opened afresh: its first walks read the dictionary, and once
 * they have read as many entries as it holds terms it builds the table; the matches are the
 * same either way. */
static void test_walk_seg_builds_when_due(void **state)
{
    (void)state;
    static lev l;
    lt_walk w = {.l = &l, .prune = 1};
    segment *seg;
    err e;
    char path[400], first[40];
    size_t walks = 0, n_first;
    err_init(&e);
    w.match = calloc(lt_n, sizeof *w.match);
    w.dist = calloc(lt_n, sizeof *w.dist);
    snprintf(path, sizeof path, "%s/seg-000001.trw", lt_dir);
    assert_int_equal(segment_open(&seg, path, "seg-000001.trw", 1, &e), TRAWL_OK);
    memcpy(first, lt_terms[lt_n / 2], sizeof first);
    while (!termtab_peek(seg)) {
        assert_int_equal(lev_init(&l, first, strlen(first), 1), 0);
        w.visited = w.n_match = 0;
        assert_int_equal(termtab_walk_seg(seg, lt_visit, &w, &e), TRAWL_OK);
        if (walks == 0) n_first = w.n_match;
        assert_int_equal(w.n_match, n_first);
        assert_true(++walks < lt_n);
    }
    assert_true(walks > 1); /* one walk reads far fewer entries than the segment has terms */
    assert_int_equal(lev_init(&l, first, strlen(first), 1), 0);
    w.visited = w.n_match = 0;
    assert_int_equal(termtab_walk_seg(seg, lt_visit, &w, &e), TRAWL_OK);
    assert_int_equal(w.n_match, n_first);
    printf("test_levenshtein: the table was built after %zu walks\n", walks);
    segment_close(seg);
    free(w.match);
    free(w.dist);
}

/* ------------------------------------------------------------------ the dictionary's seeks */

/* A visitor that checks each term is the first at or above the last hint, with the exact
 * shared length, then asks for a new hint: the term itself, a later term (a block's first one
 * among them), one a byte past it, a prefix of it, a string past every term, or the end. */
typedef struct lt_seek {
    size_t at;      /**< index of the term expected next */
    size_t visited; /**< terms visited */
    size_t ended;   /**< walks ended by the visitor */
    char last[300];
} lt_seek;

/* The first index >= from whose term is >= h[0..hl). */
static size_t lt_first_at_least(size_t from, const uint8_t *h, size_t hl)
{
    size_t lo = from, hi = lt_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, tl = strlen(lt_terms[mid]);
        int c = memcmp(lt_terms[mid], h, tl < hl ? tl : hl);
        if (c < 0 || (c == 0 && tl < hl))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t lt_seek_visit(void *ctx, uint8_t *term, size_t len, size_t lcp, size_t *keep)
{
    lt_seek *q = ctx;
    uint8_t h[300];
    size_t hl;
    if (q->at >= lt_n || strlen(lt_terms[q->at]) != len || memcmp(lt_terms[q->at], term, len))
        fail_msg("seek: visited %.*s, want %s", (int)len, (const char *)term,
                 q->at < lt_n ? lt_terms[q->at] : "the end");
    if (q->visited && lcp != lt_lcp(q->last, lt_terms[q->at]))
        fail_msg("seek: %s after %s with lcp %zu", lt_terms[q->at], q->last, lcp);
    memcpy(q->last, term, len);
    q->last[len] = '\0';
    q->visited++;
    uint32_t pick = lt_below(100);
    size_t j = q->at + 1 + (pick % 4 ? lt_below(40) : lt_below(2000));
    if (j >= lt_n) j = lt_n - 1;
    if (pick >= 10 && pick < 20 && (j + 15) / 16 * 16 < lt_n) j = (j + 15) / 16 * 16;
    hl = strlen(lt_terms[j]);
    memcpy(h, lt_terms[j], hl);
    if (pick < 10) { /* the term itself */
        memcpy(h, term, len);
        hl = len;
    } else if (pick < 20) { /* a block's first term, as it is or a byte short */
        hl -= pick % 2 && hl > 1;
    } else if (pick < 35) { /* just past a term */
        h[hl++] = 0x01;
    } else if (pick < 45) { /* a prefix of a later term */
        hl = 1 + lt_below((uint32_t)hl);
    } else if (pick == 45) { /* past every term */
        h[0] = 0xff;
        hl = 1;
    } else if (pick == 46) {
        q->ended++;
        return DICT_WALK_END;
    }
    int c = memcmp(h, term, hl < len ? hl : len);
    if (c < 0 || (c == 0 && hl < len)) { /* a hint is never below the term */
        memcpy(h, term, len);
        hl = len;
    }
    size_t same = 0;
    while (same < hl && same < len && h[same] == term[same])
        same++;
    *keep = same;
    memcpy(term + same, h + same, hl - same);
    q->at = lt_first_at_least(q->at + 1, h, hl);
    return hl;
}

/* dict_walk seeks each hint to the first term at or above it, across and inside blocks. */
static void test_dict_walk_seeks(void **state)
{
    (void)state;
    lt_seek q = {0};
    err e;
    err_init(&e);
    size_t total = 0;
    for (int round = 0; round < 400; round++) {
        uint64_t n_read = 0;
        size_t ended = q.ended;
        q.at = q.visited = 0;
        assert_int_equal(dict_walk(lt_seg, lt_seek_visit, &q, &n_read, &e), TRAWL_OK);
        if (q.ended == ended && q.at != lt_n) fail_msg("seek: stopped before %s", lt_terms[q.at]);
        total += q.visited;
    }
    printf("test_levenshtein: 400 seeking walks visited %zu terms\n", total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_distances),
        cmocka_unit_test(test_random_pairs),
        cmocka_unit_test(test_long_patterns),
        cmocka_unit_test(test_walk_visits_everything),
        cmocka_unit_test(test_walk_against_brute_force),
        cmocka_unit_test(test_walk_seg_builds_when_due),
        cmocka_unit_test(test_dict_walk_seeks),
    };
    return cmocka_run_group_tests(tests, lt_setup, lt_teardown);
}
