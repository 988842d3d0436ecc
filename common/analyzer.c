/* analyzer: UTF-8 scanning, token rules, folding and stemming (rules in docs/ANALYZER.md).
 *
 * Per token the work is:
 *
 *   skip separators ──► scan token ──► cleaned form in a->tok (ASCII already lower-cased,
 *                                      apostrophes as U+0027, other bytes as in the input)
 *     pure ASCII:  strip "'s" ──► length check ──► stem via cache (key = folded form)
 *     non-ASCII:   cache (key = cleaned form) or: utf8proc fold ──► strip "'s" ──► length
 *                  check ──► stem ──► cache
 *
 * ASCII bytes are classified by one table lookup and never reach utf8proc. Both cache key
 * spaces share one table: a non-ASCII key always holds a byte >= 0x80, a folded ASCII key never
 * does. Nothing is allocated per token; the only buffers are a->tok, a->ahead, a->ucs and the
 * cache.
 *
 * The cache outgrows the CPU caches, and a lookup of a rare token waits on memory: that wait was
 * most of the lookup's time. So analyzer_run scans AN_AHEAD tokens ahead of the one it finishes,
 * each into its own buffer, and prefetches each one's cache slot as soon as its key is known;
 * by the time a token is finished, its slot has usually arrived. */
#include "analyzer.h"

#include "checksum.h"
#include "stemcache.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Byte/codepoint classes. LETTER and DIGIT must be 1 and 2: the ASCII fast loop tests
 * "k - 1 < 2" and lower-cases with "c | (k & 1) << 5". */
enum {
    AN_SEP = 0,    /**< separates tokens */
    AN_LETTER = 1, /**< Unicode L* */
    AN_DIGIT = 2,  /**< Unicode Nd */
    AN_APOS = 3,   /**< U+0027 or U+2019: kept between two letters */
    AN_NUMSEP = 4, /**< '.' or ',': kept between two digits */
    AN_HIGH = 5,   /**< byte >= 0x80: decode first */
    AN_MARK = 6,   /**< Unicode M*: kept inside a token */
    AN_NUMBER = 7  /**< Unicode Nl, No */
};

/* Flags an_scan_token returns. AN_TOK_LETTER equals AN_LETTER so the ASCII loop can OR classes. */
#define AN_TOK_LETTER 1u /**< the token has a letter */
#define AN_TOK_HIGH   8u /**< the token has a non-ASCII byte */

/* clang-format off */
static const uint8_t an_cls[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4, 0, 4, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
};
/* clang-format on */

/* Folding with compatibility mappings too (NFKC casefold without dropping ignorables): the
 * ligature "ﬁ" and full-width "ｆｏｏ" meet their ASCII spellings. */
#define AN_FOLD_OPTS (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD)

/* Folding can shrink a token at most 4x (U+1D400 "𝐀", 4 bytes, folds to "a"), so a cleaned
 * form longer than this cannot fold to max_len bytes or fewer and is dropped unfolded. */
#define AN_TOK_CAP(max_len) (4 * (size_t)(max_len) + 8)

#define AN_AHEAD 4 /* tokens scanned ahead of the one being finished (a power of two) */

/* A token scanned but not yet finished. */
typedef struct an_pend {
    uint32_t start, end; /**< bytes in the input */
    size_t n;            /**< cleaned bytes (all counted; tok keeps tok_cap of them) */
    unsigned flags;      /**< AN_TOK_* */
    uint64_t h;          /**< hash of its cache key (an_key_hash) */
    size_t n_invalid;    /**< invalid sequences skipped up to its end */
    char tok[AN_TOK_CAP(ANALYZER_MAX_TOKEN_LIMIT)]; /**< cleaned form */
} an_pend;

struct analyzer {
    struct sb_stemmer *stemmer;                     /**< NULL for "none" */
    uint32_t max_len;                               /**< longest kept term, bytes */
    size_t tok_cap;                                 /**< bytes of a token kept in tok */
    char lang[32];                                  /**< name given to analyzer_new */
    char tok[AN_TOK_CAP(ANALYZER_MAX_TOKEN_LIMIT)]; /**< cleaned form of the current token */
    utf8proc_int32_t *ucs;   /**< fold work area: codepoints, then UTF-8 in place */
    size_t ucs_cap;          /**< codepoints ucs holds (one more is allocated for the NUL) */
    stemcache cache;         /**< token -> term, see the top comment */
    an_pend ahead[AN_AHEAD]; /**< analyzer_run's tokens scanned ahead, a ring */
    int noting_drops;        /**< inside analyzer_run_all: a dropped token's reason is needed */
};

/* Cursor over the input of one analyzer_run or analyzer_fold call. */
typedef struct an_scan {
    const uint8_t *p; /**< input */
    size_t len;       /**< input bytes */
    size_t i;         /**< next byte to look at */
    size_t n_invalid; /**< invalid sequences skipped so far */
} an_scan;

/* Decodes the sequence at p[i] (p[i] >= 0x80, i < len). Returns its width (2..4) and sets *cp,
 * or returns minus the number of bytes to skip when it is invalid: a byte that cannot start a
 * sequence (1), a lead with missing continuation bytes (the lead and the continuations seen), an
 * overlong form, a surrogate or a value above U+10FFFF (the whole sequence). */
static int an_decode(const uint8_t *p, size_t len, size_t i, uint32_t *cp)
{
    uint32_t c = p[i], v, min;
    size_t n, k;
    if (c < 0xC0 || c > 0xF7) return -1;
    if (c < 0xE0) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c < 0xF0) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else {
        n = 4, v = c & 0x07, min = 0x10000;
    }
    for (k = 1; k < n; k++) {
        if (k >= len - i || (p[i + k] & 0xC0) != 0x80) return -(int)k;
        v = (v << 6) | (p[i + k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return -(int)n;
    *cp = v;
    return (int)n;
}

/* Class of a non-ASCII codepoint. */
static int an_kind(uint32_t cp)
{
    if (cp == 0x2019) return AN_APOS;
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return AN_LETTER;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return AN_MARK;
    case UTF8PROC_CATEGORY_ND:
        return AN_DIGIT;
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return AN_NUMBER;
    default:
        return AN_SEP;
    }
}

/* Class of whatever starts at p[i]; AN_SEP past the end or on invalid bytes. */
static int an_peek(const uint8_t *p, size_t len, size_t i)
{
    uint32_t cp;
    if (i >= len) return AN_SEP;
    if (p[i] < 0x80) return an_cls[p[i]];
    if (an_decode(p, len, i, &cp) < 0) return AN_SEP;
    return an_kind(cp);
}

/* Moves s->i to the next token start (a letter or number), counting invalid sequences on the
 * way. Returns 0 when the input ends first. */
static int an_skip(an_scan *s)
{
    const uint8_t *p = s->p;
    size_t len = s->len, i = s->i;
    int found = 0;
    while (i < len) {
        uint32_t cp;
        int w, k;
        if (p[i] < 0x80) {
            if ((unsigned)an_cls[p[i]] - 1u < 2u) {
                found = 1;
                break;
            }
            i++;
            continue;
        }
        w = an_decode(p, len, i, &cp);
        if (w < 0) {
            s->n_invalid++;
            i += (size_t)-w;
            continue;
        }
        k = an_kind(cp);
        if (k == AN_LETTER || k == AN_DIGIT || k == AN_NUMBER) {
            found = 1;
            break;
        }
        i += (size_t)w;
    }
    s->i = i;
    return found;
}

/* Appends w bytes to the token, keeping at most cap; *n counts every byte. */
static void an_put(char *b, size_t *n, size_t cap, const void *src, size_t w)
{
    if (*n + w <= cap) memcpy(b + *n, src, w);
    *n += w;
}

#ifdef __SSE2__
/* The start of an_ascii_run 16 bytes at a time (SSE2 is part of x86-64): classifies, lower-cases
 * and stores a whole block, then keeps the bytes up to the first one that is not an ASCII letter
 * or digit. Needs p[i..lim) readable and b[*m..*m + 16) writable for each block; the caller's
 * lim bounds both (tok is AN_TOK_CAP bytes). Leaves the tail to the byte loop. */
static inline size_t an_ascii_run16(const uint8_t *p, size_t lim, size_t i, char *b, size_t *m,
                                    unsigned *acc)
{
    const __m128i a0 = _mm_set1_epi8('a' - 1), z1 = _mm_set1_epi8('z' + 1);
    const __m128i d0 = _mm_set1_epi8('0' - 1), d1 = _mm_set1_epi8('9' + 1);
    const __m128i bit5 = _mm_set1_epi8(0x20);
    while (lim - i >= 16) {
        __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i lc = _mm_or_si128(c, bit5);
        /* Bytes >= 0x80 are negative as signed chars, so neither range takes them. */
        __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lc, a0), _mm_cmplt_epi8(lc, z1));
        __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(c, d0), _mm_cmplt_epi8(c, d1));
        unsigned keep = (unsigned)_mm_movemask_epi8(_mm_or_si128(alpha, digit));
        unsigned run = keep == 0xFFFFu ? 16u : (unsigned)__builtin_ctz(~keep);
        unsigned in_run = (1u << run) - 1u;
        _mm_storeu_si128((__m128i *)(void *)(b + *m), _mm_or_si128(c, _mm_and_si128(alpha, bit5)));
        if ((unsigned)_mm_movemask_epi8(alpha) & in_run) *acc |= AN_LETTER;
        if ((unsigned)_mm_movemask_epi8(digit) & in_run) *acc |= AN_DIGIT;
        i += run;
        *m += run;
        if (run < 16) break;
    }
    return i;
}
#else
static inline size_t an_ascii_run16(const uint8_t *p, size_t lim, size_t i, char *b, size_t *m,
                                    unsigned *acc)
{
    (void)p, (void)lim, (void)b, (void)m, (void)acc;
    return i;
}
#endif

/* Copies the run of ASCII letters and digits at p[i], lower-cased, to b[*n...] (as far as cap
 * allows; *n counts the whole run) and ORs the classes seen into *seen. Returns the index one
 * past the run. Most of the analyzer's time is spent here, so the bound check on b is hoisted
 * out of the loop. */
static inline size_t an_ascii_run(const uint8_t *p, size_t len, size_t i, char *b, size_t *n,
                                  size_t cap, unsigned *seen)
{
    size_t m = *n, lim;
    unsigned k, acc = 0;
    if (m < cap) {
        lim = len - i < cap - m ? len : i + (cap - m);
        i = an_ascii_run16(p, lim, i, b, &m, &acc);
        while (i < lim && (k = an_cls[p[i]]) - 1u < 2u) {
            b[m++] = (char)(p[i++] | ((k & 1u) << 5));
            acc |= k;
        }
        if (i < lim || i == len) goto out;
    }
    while (i < len && (k = an_cls[p[i]]) - 1u < 2u)
        i++, m++, acc |= k;
out:
    *n = m;
    *seen |= acc;
    return i;
}

/* Scans the token starting at s->i (a letter or number) and leaves s->i one past it. Writes
 * the cleaned form to b, keeping its first tok_cap bytes; *n_out counts them all.
 * Returns AN_TOK_* flags. Invalid bytes end the token (an_skip counts them next). */
static unsigned an_scan_token(const analyzer *a, an_scan *s, char *b, size_t *n_out)
{
    const uint8_t *p = s->p;
    size_t len = s->len, i = s->i, n = 0, cap = a->tok_cap;
    unsigned prev = AN_SEP, k, seen = 0;
    int w;
    for (;;) {
        uint32_t cp;
        size_t i0 = i;
        i = an_ascii_run(p, len, i, b, &n, cap, &seen);
        if (i > i0) prev = an_cls[p[i - 1]];
        if (i >= len) break;
        if (p[i] < 0x80) {
            w = 1, k = an_cls[p[i]];
        } else {
            w = an_decode(p, len, i, &cp);
            if (w < 0) break;
            k = (unsigned)an_kind(cp);
        }
        if (k == AN_LETTER || k == AN_DIGIT || k == AN_NUMBER || k == AN_MARK) {
            an_put(b, &n, cap, p + i, (size_t)w);
            seen |= AN_TOK_HIGH | (k == AN_LETTER ? AN_TOK_LETTER : 0);
            prev = k == AN_MARK ? prev : k;
        } else if (k == AN_APOS && prev == AN_LETTER && an_peek(p, len, i + w) == AN_LETTER) {
            an_put(b, &n, cap, "'", 1);
            prev = AN_APOS;
        } else if (k == AN_NUMSEP && prev == AN_DIGIT && an_peek(p, len, i + w) == AN_DIGIT) {
            an_put(b, &n, cap, p + i, 1);
            prev = AN_NUMSEP;
        } else {
            break;
        }
        i += (size_t)w;
    }
    s->i = i;
    *n_out = n;
    return seen & (AN_TOK_LETTER | AN_TOK_HIGH);
}

/* Length of a folded token without a trailing possessive "'s". The apostrophe is there only
 * if a letter precedes it, so the result is never 0. */
static size_t an_strip_possessive(const char *t, size_t n)
{
    if (n >= 3 && t[n - 2] == '\'' && t[n - 1] == 's') return n - 2;
    return n;
}

/* Stems t[0..n). *out points to the stemmer's buffer (valid until the next call) or, should
 * the stem come out empty or longer than max_len, to t itself. Returns 0 or TRAWL_ENOMEM. */
static int an_stem(analyzer *a, const char *t, size_t n, const char **out, size_t *out_len)
{
    const sb_symbol *r = sb_stemmer_stem(a->stemmer, (const sb_symbol *)t, (int)n);
    int m;
    if (!r) return TRAWL_ENOMEM;
    m = sb_stemmer_length(a->stemmer);
    if (m <= 0 || (size_t)m > a->max_len) {
        *out = t, *out_len = n;
    } else {
        *out = (const char *)r, *out_len = (size_t)m;
    }
    return 0;
}

/* Unicode case folds t[0..n) (valid UTF-8) into a->ucs. Sets *out and *out_len (SIZE_MAX
 * if utf8proc refuses the text). Returns 0 or TRAWL_ENOMEM. */
static int an_fold_utf8(analyzer *a, const char *t, size_t n, const char **out, size_t *out_len)
{
    utf8proc_ssize_t r, m;
    for (;;) {
        r = utf8proc_decompose((const utf8proc_uint8_t *)t, (utf8proc_ssize_t)n, a->ucs,
                               (utf8proc_ssize_t)a->ucs_cap, AN_FOLD_OPTS);
        if (r < 0 || (size_t)r <= a->ucs_cap) break;
        utf8proc_int32_t *g = realloc(a->ucs, ((size_t)r + 1) * sizeof *g);
        if (!g) return TRAWL_ENOMEM;
        a->ucs = g;
        a->ucs_cap = (size_t)r;
    }
    /* Re-encoding writes UTF-8 over the codepoints plus a NUL: the +1 slot covers it. */
    m = r < 0 ? r : utf8proc_reencode(a->ucs, r, AN_FOLD_OPTS);
    *out = (const char *)a->ucs;
    *out_len = m < 0 ? SIZE_MAX : (size_t)m;
    return 0;
}

static int an_is_ascii_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Compatibility folding turns a few letters and numbers into text with ASCII separators
 * (U+2474 "⑴" -> "(1)", U+037A -> " ι", U+2488 "⒈" -> "1."). A term never holds a separator,
 * so the folded form keeps what an ASCII token could hold: letters, digits, the apostrophe, and
 * '.' or ',' between two digits. Works in place on f; returns the new length. */
static size_t an_drop_separators(char *f, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        char c = f[i];
        int keep = (unsigned char)c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                   an_is_ascii_digit(c) || c == '\'';
        if ((c == '.' || c == ',') && j > 0 && i + 1 < n)
            keep = an_is_ascii_digit(f[j - 1]) && an_is_ascii_digit(f[i + 1]);
        if (keep) f[j++] = c;
    }
    return j;
}

/* 1 if the finishing of a token (flags and n as an_scan_token gave them) looks in the cache,
 * and then sets *h to the hash of its key: for pure ASCII the form without "'s" when stemmed
 * (unstemmed ASCII needs no cache), else the cleaned form. */
static int an_key_hash(const analyzer *a, const char *tok, size_t n, unsigned flags, int do_stem,
                       uint64_t *h)
{
    if (n > a->tok_cap) return 0;
    if (flags & AN_TOK_HIGH) {
        if (!do_stem && a->stemmer) return 0;
    } else {
        n = an_strip_possessive(tok, n);
        if (n > a->max_len || !do_stem || !a->stemmer || !(flags & AN_TOK_LETTER)) return 0;
    }
    *h = hash64(tok, n);
    return 1;
}

/* Term of a pure-ASCII token of n bytes in tok (already lower-cased); h: its key's hash when
 * it is stemmed (an_key_hash). Returns 1 (t->term, t->len set), 0 when the token is too long,
 * or TRAWL_ENOMEM. Tokens without letters skip the stemmer: no Snowball stemmer changes digits
 * (checked for every language of libstemmer 2.2), and numbers are a large share of the rarely
 * repeated tokens that miss the cache. */
static int an_finish_ascii(analyzer *a, char *tok, size_t n, int do_stem, uint64_t h, token *t)
{
    const char *v;
    size_t v_len;
    int rc;
    n = an_strip_possessive(tok, n);
    t->is_long = 1; /* the only reason an ASCII token is dropped */
    if (n > a->max_len) return 0;
    if (!do_stem || !a->stemmer) {
        t->term = tok, t->len = (uint32_t)n;
        return 1;
    }
    v = stemcache_get(&a->cache, tok, n, h, &v_len);
    if (!v) {
        rc = an_stem(a, tok, n, &v, &v_len);
        if (rc < 0) return rc;
        /* A failed put only costs speed. */
        (void)stemcache_put(&a->cache, tok, n, h, v, v_len);
    }
    t->term = v, t->len = (uint32_t)v_len;
    return 1;
}

/* Term of a token with non-ASCII bytes, n bytes in tok; h: its hash (an_key_hash) when the
 * cache is used. The cache holds this analyzer's full result (an empty value for a dropped
 * token), so it is bypassed when a stemming analyzer folds without stemming. Returns 1, 0
 * (dropped) or TRAWL_ENOMEM. */
static int an_finish_high(analyzer *a, const char *tok, size_t n, int do_stem, uint64_t h, token *t)
{
    int use_cache = do_stem || !a->stemmer, rc;
    const char *f, *v = NULL;
    size_t f_len, v_len = 0;
    if (use_cache) {
        v = stemcache_get(&a->cache, tok, n, h, &v_len);
        /* A cached drop does not say why: folded again when the reason is wanted. */
        if (v && v_len == 0 && a->noting_drops) {
            use_cache = 0;
        } else if (v) {
            t->term = v, t->len = (uint32_t)v_len;
            return v_len != 0;
        }
    }
    rc = an_fold_utf8(a, tok, n, &f, &f_len);
    if (rc < 0) return rc;
    if (f_len != SIZE_MAX) f_len = an_drop_separators((char *)a->ucs, f_len);
    if (f_len != SIZE_MAX) f_len = an_strip_possessive(f, f_len);
    t->is_long = f_len != 0; /* when dropped: too long (or refused by utf8proc), or empty */
    if (f_len == 0 || f_len > a->max_len) {
        v = NULL, v_len = 0;
    } else if (do_stem && a->stemmer) {
        rc = an_stem(a, f, f_len, &v, &v_len);
        if (rc < 0) return rc;
    } else {
        v = f, v_len = f_len;
    }
    if (use_cache) (void)stemcache_put(&a->cache, tok, n, h, v, v_len);
    t->term = v, t->len = (uint32_t)v_len;
    return v_len != 0;
}

/* Finishes a scanned token: sets t->term/len (t->len == 0 when it is dropped) and is_long.
 * Returns 1, or TRAWL_ENOMEM. */
static int an_finish(analyzer *a, char *tok, size_t n, unsigned flags, int do_stem, uint64_t h,
                     token *t)
{
    int rc;
    t->is_long = 1;
    if (n > a->tok_cap)
        rc = 0;
    else if (flags & AN_TOK_HIGH)
        rc = an_finish_high(a, tok, n, do_stem, h, t);
    else
        rc = an_finish_ascii(a, tok, n, do_stem && (flags & AN_TOK_LETTER), h, t);
    if (rc < 0) return rc;
    if (rc == 0) t->term = NULL, t->len = 0;
    return 1;
}

/* Finds the next token. Returns 1 with t->start/end set and t->term/len set (t->len == 0 when
 * the token is dropped as too long), 0 at the end of the input, or TRAWL_ENOMEM. */
static int an_next(analyzer *a, an_scan *s, int do_stem, token *t)
{
    size_t n;
    unsigned f;
    uint64_t h = 0;
    if (!an_skip(s)) return 0;
    t->start = (uint32_t)s->i;
    f = an_scan_token(a, s, a->tok, &n);
    t->end = (uint32_t)s->i;
    (void)an_key_hash(a, a->tok, n, f, do_stem, &h);
    return an_finish(a, a->tok, n, f, do_stem, h, t);
}

/* Scans the next token into p and prefetches its cache slot. Returns 0 at the end of input. */
static int an_scan_ahead(analyzer *a, an_scan *s, an_pend *p)
{
    if (!an_skip(s)) return 0;
    p->start = (uint32_t)s->i;
    p->flags = an_scan_token(a, s, p->tok, &p->n);
    p->end = (uint32_t)s->i;
    p->n_invalid = s->n_invalid;
    p->h = 0;
    if (an_key_hash(a, p->tok, p->n, p->flags, 1, &p->h)) stemcache_prefetch(&a->cache, p->h);
    return 1;
}

/* The loop of analyzer_run and analyzer_run_all: with all, dropped tokens reach the sink too.
 * Tokens are scanned up to AN_AHEAD ahead of the one finished (see the top comment). */
static int an_run(analyzer *a, const char *text, size_t len, uint32_t first_pos, int all,
                  analyzer_sink sink, void *ctx, uint32_t *n_tokens, size_t *n_invalid)
{
    an_scan s = {(const uint8_t *)text, len, 0, 0};
    uint32_t pos = first_pos;
    size_t head = 0, n_pend = 0, invalid;
    int rc = 0, more = 1;
    token t;
    if (len > UINT32_MAX) {
        rc = TRAWL_EARG;
        s.len = 0;
    }
    for (;;) {
        while (more && n_pend < AN_AHEAD) {
            more = an_scan_ahead(a, &s, &a->ahead[(head + n_pend) & (AN_AHEAD - 1)]);
            n_pend += (size_t)more;
        }
        if (n_pend == 0) {
            invalid = s.n_invalid;
            break;
        }
        an_pend *p = &a->ahead[head];
        head = (head + 1) & (AN_AHEAD - 1);
        n_pend--;
        invalid = p->n_invalid;
        int r = an_finish(a, p->tok, p->n, p->flags, 1, p->h, &t);
        if (r < 0) {
            rc = r;
            break;
        }
        t.start = p->start, t.end = p->end, t.pos = pos++;
        if ((t.len != 0 || all) && (rc = sink(ctx, &t)) != 0) break;
    }
    if (n_tokens) *n_tokens = pos - first_pos;
    if (n_invalid) *n_invalid = invalid;
    return rc;
}

int analyzer_run(analyzer *a, const char *text, size_t len, uint32_t first_pos, analyzer_sink sink,
                 void *ctx, uint32_t *n_tokens, size_t *n_invalid)
{
    return an_run(a, text, len, first_pos, 0, sink, ctx, n_tokens, n_invalid);
}

int analyzer_run_all(analyzer *a, const char *text, size_t len, uint32_t first_pos,
                     analyzer_sink sink, void *ctx, uint32_t *n_tokens)
{
    a->noting_drops = 1;
    int rc = an_run(a, text, len, first_pos, 1, sink, ctx, n_tokens, NULL);
    a->noting_drops = 0;
    return rc;
}

size_t analyzer_fold(analyzer *a, const char *word, size_t len, char *out, size_t cap)
{
    an_scan s = {(const uint8_t *)word, len, 0, 0};
    token t;
    if (an_next(a, &s, 0, &t) <= 0 || t.len == 0) return 0;
    memcpy(out, t.term, t.len < cap ? t.len : cap);
    return t.len;
}

/* 1 if libstemmer has a stemmer for language: sb_stemmer_new's NULL then means out of memory. */
static int an_is_language(const char *language)
{
    for (const char **l = sb_stemmer_list(); *l; l++)
        if (strcmp(*l, language) == 0) return 1;
    return 0;
}

/* Sets TRAWL_EARG with the list of valid language names. */
static int an_bad_language(err *e, const char *language)
{
    char names[400];
    size_t off = 0;
    const char **l;
    names[0] = '\0';
    for (l = sb_stemmer_list(); *l && off < sizeof names; l++)
        off += (size_t)snprintf(names + off, sizeof names - off, ", %s", *l);
    return err_set(e, TRAWL_EARG, "analyzer: unknown language \"%.40s\"; valid: none%s", language,
                   names);
}

int analyzer_new(analyzer **out, const char *language, uint32_t max_token_len, err *e)
{
    analyzer *a;
    *out = NULL;
    if (!language) language = "english";
    if (max_token_len == 0) max_token_len = ANALYZER_DEFAULT_MAX_TOKEN;
    if (max_token_len > ANALYZER_MAX_TOKEN_LIMIT)
        return err_set(e, TRAWL_EARG, "analyzer: max token length %u is not in 1..%d",
                       (unsigned)max_token_len, ANALYZER_MAX_TOKEN_LIMIT);
    if (strlen(language) >= sizeof a->lang) return an_bad_language(e, language);
    a = calloc(1, sizeof *a);
    if (!a) return err_set(e, TRAWL_ENOMEM, "analyzer: out of memory");
    memcpy(a->lang, language, strlen(language) + 1);
    a->max_len = max_token_len;
    a->tok_cap = AN_TOK_CAP(max_token_len);
    a->ucs_cap = 2 * a->tok_cap;
    a->ucs = malloc((a->ucs_cap + 1) * sizeof *a->ucs);
    analyzer_cache_limit(a, 0);
    if (!a->ucs) {
        analyzer_free(a);
        return err_set(e, TRAWL_ENOMEM, "analyzer: out of memory");
    }
    if (strcmp(language, "none") != 0) {
        a->stemmer = sb_stemmer_new(language, "UTF_8");
        if (!a->stemmer) {
            analyzer_free(a);
            return an_is_language(language)
                       ? err_set(e, TRAWL_ENOMEM, "analyzer: out of memory for the %s stemmer",
                                 language)
                       : an_bad_language(e, language);
        }
    }
    *out = a;
    return TRAWL_OK;
}

void analyzer_cache_limit(analyzer *a, size_t bytes)
{
    uint32_t max_entries;
    size_t max_bytes;
    stemcache_limits(bytes ? bytes : ANALYZER_DEFAULT_CACHE_BYTES, &max_entries, &max_bytes);
    if (max_entries == a->cache.max_entries && max_bytes == a->cache.max_bytes) return;
    stemcache_free(&a->cache);
    stemcache_init(&a->cache, max_entries, max_bytes);
}

void analyzer_cache_drop(analyzer *a)
{
    uint32_t max_entries = a->cache.max_entries;
    size_t max_bytes = a->cache.max_bytes;
    stemcache_free(&a->cache);
    stemcache_init(&a->cache, max_entries, max_bytes);
}

int analyzer_check_language(const char *language, err *e)
{
    if (strcmp(language, "none") == 0) return TRAWL_OK;
    /* libstemmer also takes aliases ("en") that sb_stemmer_list does not name: ask it. */
    struct sb_stemmer *st = sb_stemmer_new(language, "UTF_8");
    if (!st) return an_bad_language(e, language);
    sb_stemmer_delete(st);
    return TRAWL_OK;
}

void analyzer_free(analyzer *a)
{
    if (!a) return;
    if (a->stemmer) sb_stemmer_delete(a->stemmer);
    stemcache_free(&a->cache);
    free(a->ucs);
    free(a);
}

const char *analyzer_language(const analyzer *a)
{
    return a->lang;
}

uint32_t analyzer_max_token_len(const analyzer *a)
{
    return a->max_len;
}
