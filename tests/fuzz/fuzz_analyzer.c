/* libFuzzer target for the analyzer (analyzer_run, analyzer_fold) over arbitrary bytes, with
 * the languages english and none and two token length limits. The input is the text. Beyond
 * "no crash, no sanitizer report" it checks, for every analyzer:
 *   tokens:  positions start at >= first_pos and strictly increase; start < end <= len and each
 *            token starts at or after the previous one's end; every term is valid UTF-8 of
 *            1..max_token_len bytes with no ASCII control, space, upper-case letter or
 *            punctuation other than the apostrophe, '.' and ',' the token rules keep, unless a
 *            character of the token brings it by its compatibility mapping (fa_from_compat);
 *   run:     returns 0; *n_tokens >= the tokens seen and covers the last position; *n_invalid
 *            <= len; a second run (stem cache now warm) gives exactly the same tokens;
 *   fold:    analyzer_fold's result is valid UTF-8 of at most max_token_len bytes; it is the
 *            first token's term when the analyzer does not stem and that token is kept, else 0;
 *            folding one token's input bytes alone gives that token's unstemmed term;
 *   across:  english and none with the same limit find the same tokens (positions, offsets,
 *            kept or dropped) and fold to the same bytes. */
#include "analyzer.h"
#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define FA_CHECK(cond)                 \
    do {                               \
        if (!(cond)) __builtin_trap(); \
    } while (0)

#define FA_FIRST_POS 1000u /* positions of a later field of the same document */

/* Analyzers in pairs (english, none) with the same max_token_len, created once: a new analyzer
 * per input would spend the run allocating stem caches. */
static const struct {
    const char *language;
    uint32_t max_len;
} fa_conf[] = {{"english", 64}, {"none", 64}, {"english", 5}, {"none", 5}};
#define FA_N_CONF (sizeof fa_conf / sizeof fa_conf[0])
static analyzer *fa_an[FA_N_CONF];

/* Tokens of one run: (pos, start, end, term) records, plus the checks' running state. */
typedef struct fa_run {
    buf log;
    const char *text; /**< input */
    size_t len;       /**< input bytes */
    uint32_t max_len; /**< the analyzer's limit */
    uint32_t next;    /**< lowest position the next token may have */
    uint32_t end;     /**< end offset of the previous token */
    uint32_t n_seen;  /**< tokens the sink received */
} fa_run;

static int fa_utf8_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t r =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (r <= 0 || cp == 0) return 0;
        i += (size_t)r;
    }
    return 1;
}

/* An ASCII byte a term may hold: lower-case letters, digits, and the joiners kept inside a
 * token (apostrophe between letters, '.' and ',' between digits). */
static int fa_ascii_ok(unsigned char c)
{
    return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'' || c == '.' ||
           c == ',';
}

/* Whether some non-ASCII character of src[0..len), folded alone, gives the byte c. A few
 * letters and numbers have compatibility mappings with ASCII space or punctuation (U+037A and
 * the Arabic isolated forms U+FE70..U+FE7E give " " + a mark, U+2474 "(1)", U+2488 "1.",
 * U+1F101 "0,", U+FDFA a phrase with spaces): the analyzer keeps them whole, so the check
 * allows exactly the bytes those characters bring. */
static int fa_from_compat(const char *src, size_t len, unsigned char c)
{
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_uint8_t *f = NULL;
        utf8proc_ssize_t r =
            utf8proc_iterate((const utf8proc_uint8_t *)src + i, (utf8proc_ssize_t)(len - i), &cp);
        if (r <= 0) {
            i++;
            continue;
        }
        utf8proc_ssize_t n = cp < 0x80 ? -1
                                       : utf8proc_map((const utf8proc_uint8_t *)src + i, r, &f,
                                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                          UTF8PROC_COMPAT | UTF8PROC_CASEFOLD);
        int found = n > 0 && memchr(f, c, (size_t)n) != NULL;
        free(f);
        if (found) return 1;
        i += (size_t)r;
    }
    return 0;
}

/* Checks a term made from src[0..src_len). */
static void fa_check_term(const char *term, size_t len, uint32_t max_len, const char *src,
                          size_t src_len)
{
    FA_CHECK(len >= 1 && len <= max_len);
    FA_CHECK(fa_utf8_ok(term, len));
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)term[i];
        FA_CHECK(fa_ascii_ok(c) || fa_from_compat(src, src_len, c));
    }
}

static int fa_sink(void *ctx, const token *t)
{
    fa_run *r = ctx;
    FA_CHECK(t->pos >= r->next);
    FA_CHECK(t->start < t->end && t->end <= r->len && t->start >= r->end);
    fa_check_term(t->term, t->len, r->max_len, r->text + t->start, t->end - t->start);
    r->next = t->pos + 1;
    r->end = t->end;
    r->n_seen++;
    uint32_t f[4] = {t->pos, t->start, t->end, t->len};
    buf_put(&r->log, f, sizeof f);
    buf_put(&r->log, t->term, t->len);
    return 0;
}

/* One analyzer_run with every per-token and per-run check; the tokens go to r->log. */
static void fa_run_once(analyzer *a, uint32_t max_len, const char *text, size_t len, fa_run *r)
{
    uint32_t n_tokens = 0;
    size_t n_invalid = 0;
    buf_init(&r->log);
    r->text = text;
    r->len = len;
    r->max_len = max_len;
    r->next = FA_FIRST_POS;
    r->end = 0;
    r->n_seen = 0;
    FA_CHECK(analyzer_run(a, text, len, FA_FIRST_POS, fa_sink, r, &n_tokens, &n_invalid) == 0);
    FA_CHECK(!r->log.oom);
    FA_CHECK(n_tokens >= r->n_seen && n_tokens <= len && n_invalid <= len);
    FA_CHECK(FA_FIRST_POS + n_tokens >= r->next);
}

/* Reads the token record at byte offset *off of a run's log and moves past it. Returns 0 at the
 * end. */
static int fa_record(const buf *log, size_t *off, uint32_t f[4], const char **term)
{
    if (*off >= log->len) return 0;
    memcpy(f, log->p + *off, 16);
    *term = (const char *)log->p + *off + 16;
    *off += 16 + f[3];
    return 1;
}

/* fold checks for analyzer i: the whole input, then each token's bytes alone. ref is the run of
 * the non-stemming analyzer of the same limit (i itself or its pair). */
static void fa_check_fold(size_t i, const char *text, size_t len, const fa_run *ref)
{
    char out[ANALYZER_MAX_TOKEN_LIMIT], first[ANALYZER_MAX_TOKEN_LIMIT];
    uint32_t f[4];
    const char *term;
    size_t off = 0, n = analyzer_fold(fa_an[i], text, len, out, sizeof out), first_len = 0;
    FA_CHECK(n <= fa_conf[i].max_len);
    if (n) fa_check_term(out, n, fa_conf[i].max_len, text, len);
    if (fa_record(&ref->log, &off, f, &term) && f[0] == FA_FIRST_POS) {
        first_len = f[3];
        memcpy(first, term, first_len);
    }
    FA_CHECK(n == first_len && memcmp(out, first, n) == 0);
    off = 0;
    while (fa_record(&ref->log, &off, f, &term)) {
        n = analyzer_fold(fa_an[i], text + f[1], f[2] - f[1], out, sizeof out);
        FA_CHECK(n == f[3] && memcmp(out, term, n) == 0);
    }
}

/* Same tokens (position, offsets) in two runs, terms aside. */
static void fa_same_tokens(const fa_run *a, const fa_run *b)
{
    uint32_t fa[4], fb[4];
    const char *ta, *tb;
    size_t oa = 0, ob = 0;
    for (;;) {
        int ha = fa_record(&a->log, &oa, fa, &ta), hb = fa_record(&b->log, &ob, fb, &tb);
        FA_CHECK(ha == hb);
        if (!ha) break;
        FA_CHECK(fa[0] == fb[0] && fa[1] == fb[1] && fa[2] == fb[2]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fa_run runs[FA_N_CONF], again;
    if (!fa_an[0]) {
        for (size_t i = 0; i < FA_N_CONF; i++) {
            err e;
            err_init(&e);
            if (analyzer_new(&fa_an[i], fa_conf[i].language, fa_conf[i].max_len, &e) != 0) abort();
        }
    }
    /* a private copy, so ASan sees any read past the end (the SSE2 loop reads 16 at a time) */
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    memcpy(text, data, size);
    for (size_t i = 0; i < FA_N_CONF; i++) {
        fa_run_once(fa_an[i], fa_conf[i].max_len, text, size, &runs[i]);
        fa_run_once(fa_an[i], fa_conf[i].max_len, text, size, &again);
        FA_CHECK(again.log.len == runs[i].log.len);
        FA_CHECK(!again.log.len || memcmp(again.log.p, runs[i].log.p, again.log.len) == 0);
        buf_free(&again.log);
    }
    for (size_t i = 0; i < FA_N_CONF; i += 2) {
        fa_same_tokens(&runs[i], &runs[i + 1]);
        fa_check_fold(i, text, size, &runs[i + 1]);
        fa_check_fold(i + 1, text, size, &runs[i + 1]);
    }
    for (size_t i = 0; i < FA_N_CONF; i++)
        buf_free(&runs[i].log);
    free(text);
    return 0;
}
