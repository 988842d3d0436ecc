/* libFuzzer target for the JSON Lines line parser of indexer/corpus.c, differential: corpus.c
 * reads a usual line with a hand-written fast path and leaves anything unusual to jansson; here
 * every line is parsed both ways (corpus_jsonl_parse_line with and without jansson_only) and the
 * two must report exactly the same thing: the same document (id, date, text, path, input bytes)
 * or the same warnings, in the same order.
 * Input: byte 0 picks the field names (low 3 bits, fj_names); the rest is split at '\n' and each
 * line is trimmed and skipped when blank, as corpus_walk does. Beyond agreement it checks, on the
 * reference: one line gives either one document (maybe after one bad date warning) or one
 * warning; a document's text and id are valid UTF-8 (NUL allowed: JSON_ALLOW_NUL), its date 0
 * or calendar-shaped YYYYMMDD, and in_bytes the line length plus its newline. */
#include "buf.h"
#include "corpus_jsonl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define FJ_CHECK(cond)                 \
    do {                               \
        if (!(cond)) __builtin_trap(); \
    } while (0)

/* Field names (text, id, date): the defaults, other names, one name in two roles (the fast path
 * must decline), an empty name, and names a JSON key can only spell with escapes or non-ASCII. */
static const char *const fj_names[][3] = {
    {NULL, NULL, NULL},
    {"body", "doc_id", "published"},
    {"x", "x", "d"},
    {"", "id", "date"},
    {"t\"", "i\\d", "d\xc3\xa9"},
    {"text", "date", "id"},
    {"text", "id", "text"},
    {"a b", "\x7f", "/"},
};

/* Events of one parse, serialized: 'D' + document fields, or 'W' + warning text. */
typedef struct fj_log {
    buf b;
    size_t n_docs, n_warns;
    int last_is_doc; /**< the last event was a document */
} fj_log;

static void fj_put_str(buf *b, const char *s, size_t len)
{
    buf_put_u64(b, len);
    buf_put(b, s, len);
}

static int fj_on_doc(void *ctx, const corpus_doc *d)
{
    fj_log *l = ctx;
    buf_put_u8(&l->b, 'D');
    fj_put_str(&l->b, d->id, d->id_len);
    buf_put_u32(&l->b, d->date);
    fj_put_str(&l->b, d->text, d->text_len);
    fj_put_str(&l->b, d->path, strlen(d->path));
    buf_put_u64(&l->b, d->in_bytes);
    l->n_docs++;
    l->last_is_doc = 1;
    return 0;
}

static void fj_on_warn(void *ctx, const char *msg)
{
    fj_log *l = ctx;
    buf_put_u8(&l->b, 'W');
    fj_put_str(&l->b, msg, strlen(msg));
    l->n_warns++;
    l->last_is_doc = 0;
}

/* Valid UTF-8, NUL bytes included (utf8proc_iterate takes U+0000 as valid). */
static int fj_utf8_ok(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t r =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (r <= 0) return 0;
        i += (size_t)r;
    }
    return 1;
}

/* Checks one document the reference gave. */
static int fj_check_doc(void *ctx, const corpus_doc *d)
{
    size_t line_len = *(const size_t *)ctx;
    uint32_t month = d->date / 100 % 100, day = d->date % 100;
    FJ_CHECK(fj_utf8_ok(d->text, d->text_len) && fj_utf8_ok(d->id, d->id_len));
    FJ_CHECK(d->date == 0 ||
             (d->date >= 10101 && month >= 1 && month <= 12 && day >= 1 && day <= 31));
    FJ_CHECK(d->in_bytes == line_len + 1);
    return 0;
}

/* Parses one line both ways and compares. */
static void fj_line(const char *const names[3], const char *line, size_t len, size_t line_no)
{
    fj_log fast = {0}, ref = {0};
    corpus_opts o = {.is_jsonl = 1,
                     .id_field = names[1],
                     .text_field = names[0],
                     .date_field = names[2],
                     .warn = fj_on_warn};
    buf_init(&fast.b);
    buf_init(&ref.b);
    o.warn_ctx = &fast;
    FJ_CHECK(corpus_jsonl_parse_line(&o, line, len, 0, "f.jsonl", line_no, fj_on_doc, &fast) == 0);
    o.warn_ctx = &ref;
    FJ_CHECK(corpus_jsonl_parse_line(&o, line, len, 1, "f.jsonl", line_no, fj_on_doc, &ref) == 0);
    FJ_CHECK(!fast.b.oom && !ref.b.oom);
    FJ_CHECK(fast.b.len == ref.b.len && memcmp(fast.b.p, ref.b.p, ref.b.len) == 0);
    /* one document, maybe after a date warning, or one warning */
    FJ_CHECK(ref.n_docs <= 1 && ref.n_docs + ref.n_warns >= 1 && ref.n_warns <= 1);
    FJ_CHECK(ref.n_docs == 0 || ref.last_is_doc);
    o.warn = NULL;
    (void)corpus_jsonl_parse_line(&o, line, len, 1, "f.jsonl", line_no, fj_check_doc, &len);
    buf_free(&fast.b);
    buf_free(&ref.b);
}

static int fj_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const char *const *names = fj_names[data[0] & 7];
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    size_t line_no = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t len = (size_t)(stop - p), i = 0;
        line_no++;
        /* trimmed and skipped when blank, as cw_jsonl_file does before the parser sees it */
        while (len > 0 && fj_is_space(p[len - 1]))
            len--;
        while (i < len && fj_is_space(p[i]))
            i++;
        if (i < len) {
            /* a private copy, so ASan sees any read past the line's end */
            char *line = malloc(len);
            if (!line) return 0;
            memcpy(line, p, len);
            fj_line(names, line, len, line_no);
            free(line);
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}
