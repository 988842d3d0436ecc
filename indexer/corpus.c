/* corpus: paths -> documents. Text files become one document each (binary files and unreadable
 * ones are warned about and skipped); with is_jsonl every file is read line by line, one JSON
 * object per line. Directory entries are visited in strcmp order, never locale order, so
 * document order and ids are the same on every machine. */
#include "corpus.h"
#include "corpus_jsonl.h"

#include "buf.h"
#include "date.h"
#include "enc.h"
#include "fsx.h"
#include "gz.h"
#include "lines.h"
#include "select.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>
#include <xxhash.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define CORPUS_SNIFF  8192              /* bytes examined by the binary test */
#define CORPUS_GZ_MAX ((size_t)1 << 31) /* a .gz inflating past 2 GiB is skipped (a zip bomb) */

/* A directory on the current walk branch, to stop symlink loops. */
typedef struct cw_dirid {
    dev_t dev;
    ino_t ino;
} cw_dirid;

/* State of one corpus_walk. */
typedef struct cw {
    const corpus_opts *o;
    corpus_doc_fn fn;
    void *ctx;
    err *e;
    buf path;        /**< path being visited, NUL-terminated */
    size_t id_off;   /**< offset in path where the external id starts */
    size_t arg;      /**< index of the path argument being walked */
    int dirfd;       /**< the directory being listed, -1 at the top level: entries are stat'ed
                          relative to it (no lookup of the whole path per file) */
    size_t name_off; /**< where the entry's name starts in path, with dirfd */
    cw_dirid skip;   /**< skip_dir once it exists (is_skip) */
    int is_skip;
    cw_dirid *stack; /**< ancestors of the current directory */
    size_t n_stack, cap_stack;
    lines lines; /**< the JSONL file being read */
    char *file;  /**< text file contents, reused from file to file (no page faults per file) */
    size_t file_cap;
    buf plain;          /**< a .gz file's decompressed text, reused */
    buf utf8;           /**< a Latin-1 file's text converted to UTF-8, reused */
    sel_walk sw;        /**< the ignore files of the directories being walked */
    buf jbuf[3];        /**< unescaped text, id and date of a JSONL line (fast path) */
    uint64_t line_hash; /**< XXH3-64 of the JSONL line being parsed */
} cw;

static void cw_warn(cw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cw_warn(cw *w, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    if (!w->o->warn) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->o->warn(w->o->warn_ctx, msg);
}

static int corpus_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int corpus_parse_date(const char *s, size_t len, uint32_t *date)
{
    uint32_t v[8];
    size_t k = 0;
    if (len != 10 || s[4] != '-' || s[7] != '-') return 0;
    for (size_t i = 0; i < 10; i++) {
        if (i == 4 || i == 7) continue;
        if (s[i] < '0' || s[i] > '9') return 0;
        v[k++] = (uint32_t)(s[i] - '0');
    }
    uint32_t y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    uint32_t m = v[4] * 10 + v[5];
    uint32_t d = v[6] * 10 + v[7];
    if (!date_is_valid(y, m, d)) return 0;
    *date = y * 10000 + m * 100 + d;
    return 1;
}

int corpus_date_prefix(const char *text, size_t len, uint32_t *date, size_t *skip)
{
    size_t i = 0, j, k;
    while (i < len && corpus_is_space(text[i]))
        i++;
    if (len - i < 4 || memcmp(text + i, "date", 4) != 0) return 0;
    i += 4;
    for (j = i; j < len && (text[j] == ' ' || text[j] == '\t');)
        j++;
    /* "date" must be a word of its own followed by something that looks like a date attempt;
     * "dated ..." or "date palms" are ordinary text. */
    if (j == i || j == len || text[j] < '0' || text[j] > '9') return 0;
    for (k = j; k < len && !corpus_is_space(text[k]);)
        k++;
    if (!corpus_parse_date(text + j, k - j, date)) return -1;
    while (k < len && corpus_is_space(text[k]))
        k++;
    *skip = k;
    return 1;
}

int corpus_is_binary(const char *p, size_t len)
{
    size_t n = len < CORPUS_SNIFF ? len : CORPUS_SNIFF;
    size_t invalid = 0;
    if (memchr(p, 0, n)) return 1;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        uint64_t w;
        /* ASCII, eight bytes at a time: most text is all ASCII and never reaches utf8proc. */
        if (n - i >= 8 && (memcpy(&w, p + i, 8), (w & 0x8080808080808080u) == 0)) {
            i += 8;
            continue;
        }
        if ((unsigned char)p[i] < 0x80) {
            i++;
            continue;
        }
        utf8proc_ssize_t r =
            utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (r > 0) {
            i += (size_t)r;
            continue;
        }
        invalid++;
        i++;
    }
    /* Latin-1 or Windows-1252 prose stays well under a quarter of invalid bytes and is indexed
     * (the analyzer skips and counts the bad sequences); random binary data is near a half. */
    return invalid * 4 > n;
}

/* Makes w->file hold at least need bytes. Returns 0 or -1. */
static int cw_file_reserve(cw *w, size_t need)
{
    size_t cap = w->file_cap ? w->file_cap : 65536;
    if (need <= w->file_cap) return 0;
    while (cap < need)
        cap *= 2;
    char *q = realloc(w->file, cap);
    if (!q) return -1;
    w->file = q;
    w->file_cap = cap;
    return 0;
}

static int64_t cw_mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Opens path for reading without blocking (a FIFO swapped in after the directory scan must not
 * hang the walk) and checks it is a regular file; *st receives its stat. Warns and returns -1
 * otherwise. */
static int cw_open(cw *w, const char *path, struct stat *st)
{
    int fd = fsx_open_regular(path, O_RDONLY, 0, st);
    if (fd == FSX_NOT_REGULAR)
        cw_warn(w, "%s: not a regular file, skipped", path);
    else if (fd < 0)
        cw_warn(w, "%s: %s, skipped", path, strerror(errno));
    return fd < 0 ? -1 : fd;
}

/* Reads the whole of fd (path names it) into w->file (valid until the next file). On failure
 * warns and returns -1. The buffer is kept across files and doubles when one is larger. */
static int cw_slurp(cw *w, int fd, const char *path, size_t size_hint, char **out, size_t *len)
{
    size_t n = 0;
    int rc = cw_file_reserve(w, size_hint + 1);
    while (rc == 0) {
        if (n == w->file_cap && (rc = cw_file_reserve(w, 2 * n)) < 0) break;
        ssize_t r = read(fd, w->file + n, w->file_cap - n);
        if (r == 0) break;
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            cw_warn(w, "%s: %s, skipped", path, strerror(errno));
            return -1;
        }
        n += (size_t)r;
    }
    if (rc < 0) {
        cw_warn(w, "%s: out of memory reading it, skipped", path);
        return -1;
    }
    *out = w->file;
    *len = n;
    return 0;
}

/* Asks the gate whether to read the file at path: 1 to read, 0 to skip, < 0 an error. */
/* stat of path, relative to the directory being listed when there is one. */
static int cw_stat(const cw *w, const char *path, struct stat *st)
{
    return w->dirfd >= 0 ? fstatat(w->dirfd, path + w->name_off, st, 0) : stat(path, st);
}

static int cw_gate(cw *w, const char *path, const char *id)
{
    struct stat st;
    if (!w->o->gate) return 1;
    if (cw_stat(w, path, &st) < 0) {
        cw_warn(w, "%s: %s, skipped", path, strerror(errno));
        return 0;
    }
    corpus_file f = {id, strlen(id), path, w->arg, (uint64_t)st.st_size, cw_mtime_ns(&st)};
    int r = w->o->gate(w->o->gate_ctx, &f);
    return r < 0 ? r : r == CORPUS_READ;
}

static void cw_note(cw *w, int kind, const char *path)
{
    if (w->o->note) w->o->note(w->o->note_ctx, kind, path);
}

/* Turns a file's bytes *text[0..*len) into its UTF-8 text: inflated if it is gzip, converted if
 * it is Latin-1. Returns 1 with *text and *len replaced (valid until the next file), 0 when the
 * file is skipped (binary, or bad gzip data: a note or a warning says so), or TRAWL_ENOMEM. */
static int cw_decode(cw *w, const char *path, const char **text, size_t *len)
{
    if (gz_is_gzip(path, *text, *len)) {
        const char *why;
        w->plain.len = 0;
        w->plain.oom = 0;
        int r = gz_inflate(*text, *len, CORPUS_GZ_MAX, &w->plain, &why);
        if (r == GZ_NOMEM) return err_set(w->e, TRAWL_ENOMEM, "%s: out of memory inflating", path);
        if (r == GZ_TOO_BIG) cw_warn(w, "%s: inflates to more than 2 GiB, skipped", path);
        if (r == GZ_CORRUPT) cw_warn(w, "%s: bad gzip data (%s), skipped", path, why);
        if (r != GZ_OK) return 0;
        *text = w->plain.p ? (const char *)w->plain.p : "";
        *len = w->plain.len;
    }
    if (corpus_is_binary(*text, *len)) {
        cw_note(w, CORPUS_NOTE_BINARY, path);
        return 0;
    }
    if (enc_detect(*text, *len) == ENC_LATIN1) {
        w->utf8.len = 0;
        w->utf8.oom = 0;
        if (enc_latin1_to_utf8(*text, *len, &w->utf8) < 0)
            return err_set(w->e, TRAWL_ENOMEM, "%s: out of memory converting it", path);
        cw_note(w, CORPUS_NOTE_LATIN1, path);
        *text = (const char *)w->utf8.p;
        *len = w->utf8.len;
    }
    return 1;
}

/* One text file: one document. */
static int cw_text_file(cw *w, const char *path, const char *id)
{
    char *p;
    size_t len, skip = 0;
    uint32_t date = 0;
    struct stat st;
    int g = cw_gate(w, path, id);
    if (g <= 0) return g;
    int fd = cw_open(w, path, &st);
    if (fd < 0) return TRAWL_OK;
    int r = cw_slurp(w, fd, path, (size_t)st.st_size, &p, &len);
    close(fd);
    if (r < 0) return TRAWL_OK;
    const char *text = p;
    size_t text_len = len;
    r = cw_decode(w, path, &text, &text_len);
    if (r != 1) return r;
    int dr = corpus_date_prefix(text, text_len, &date, &skip);
    if (dr < 0) {
        cw_warn(w, "%s: malformed date after \"date\", indexed without a date", path);
        date = 0;
    }
    /* in_bytes and the hash are the file's own bytes: what the gate compares next time */
    corpus_doc d = {id,  strlen(id), dr > 0 ? date : 0, text + skip,        text_len - skip, path,
                    len, w->arg,     cw_mtime_ns(&st),  XXH3_64bits(p, len)};
    return w->fn(w->ctx, &d);
}

/* One JSONL line reduced to what a document needs, by either parser. */
enum { CW_J_ABSENT, CW_J_NULL, CW_J_STRING, CW_J_OTHER };

typedef struct cw_jfield {
    int kind;      /**< CW_J_* */
    const char *s; /**< CW_J_STRING: the value (an id number is formatted into a string) */
    size_t len;
} cw_jfield;

typedef struct cw_jline {
    int is_object;
    cw_jfield f[3]; /**< text, id, date */
} cw_jline;

enum { CW_J_TEXT, CW_J_ID, CW_J_DATE };

/* Reads field i of a jansson object into jl; idb receives a formatted number id. */
static void cw_jansson_field(json_t *obj, const char *name, cw_jfield *f, char *idb, size_t cap)
{
    json_t *v = json_object_get(obj, name);
    int n;
    f->kind = !v ? CW_J_ABSENT : json_is_null(v) ? CW_J_NULL : CW_J_OTHER;
    if (json_is_string(v)) {
        f->kind = CW_J_STRING;
        f->s = json_string_value(v);
        f->len = json_string_length(v);
        return;
    }
    if (!idb || !(json_is_integer(v) || json_is_real(v))) return;
    if (json_is_integer(v))
        n = snprintf(idb, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        n = snprintf(idb, cap, "%.17g", json_real_value(v));
    f->kind = CW_J_STRING;
    f->s = idb;
    f->len = n > 0 ? (size_t)n : 0;
}

/* Width of the well-formed UTF-8 sequence at q (q[0] >= 0x80, q < e), or 0 if it is not one:
 * the rules of utf8proc_iterate (no overlong form, surrogate or value past U+10FFFF), inline
 * because texts in other scripts have a sequence every few bytes. */
static inline int cw_utf8_width(const unsigned char *q, const unsigned char *e)
{
    unsigned c = q[0];
    ptrdiff_t left = e - q;
    if (c < 0xC2 || c > 0xF4) return 0;
    if (c < 0xE0) return left >= 2 && (q[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (left < 3 || (q[1] & 0xC0) != 0x80 || (q[2] & 0xC0) != 0x80) return 0;
        if ((c == 0xE0 && q[1] < 0xA0) || (c == 0xED && q[1] > 0x9F)) return 0;
        return 3;
    }
    if (left < 4 || (q[1] & 0xC0) != 0x80 || (q[2] & 0xC0) != 0x80 || (q[3] & 0xC0) != 0x80)
        return 0;
    if ((c == 0xF0 && q[1] < 0x90) || (c == 0xF4 && q[1] > 0x8F)) return 0;
    return 4;
}

/* Skips the plain bytes at p (printable ASCII other than '"' and '\\'), copying them to *o
 * unless o is NULL, and returns the first byte that is not one (or e). With SSE2, 16 bytes a
 * step, each stored whole: *o needs 16 bytes of room past what it receives. */
static inline const unsigned char *cw_jplain(const unsigned char *p, const unsigned char *e,
                                             uint8_t **o)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(0x20);
    while (e - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed: bytes >= 0x80 are below 0x20 too */
        __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bs)),
                                    _mm_cmplt_epi8(v, sp));
        unsigned m = (unsigned)_mm_movemask_epi8(stop);
        size_t k = m ? (size_t)__builtin_ctz(m) : 16;
        if (o) {
            _mm_storeu_si128((__m128i *)(void *)*o, v);
            *o += k;
        }
        p += k;
        if (m) return p;
    }
#endif
    const unsigned char *q = p;
    while (q < e && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
        q++;
    if (o) {
        memcpy(*o, p, (size_t)(q - p));
        *o += q - p;
    }
    return q;
}

/* Decodes the \u escape at q (q[0..1] = "\\u", as a pair for a surrogate) into *cp; returns
 * the byte past it, or NULL for a bad hex digit, \u0000 or a lone surrogate. */
static const unsigned char *cw_jescape_u(const unsigned char *q, const unsigned char *e,
                                         uint32_t *cp)
{
    const unsigned char *p = q + 2;
    for (int round = 0; round < 2; round++) {
        uint32_t v = 0;
        for (int i = 0; i < 4; i++, p++) {
            if (p >= e) return NULL;
            int c = *p, d = c >= '0' && c <= '9'   ? c - '0'
                            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                   : -1;
            if (d < 0) return NULL;
            v = v << 4 | (uint32_t)d;
        }
        if (round == 0 && v >= 0xD800 && v <= 0xDBFF) {
            if (e - p < 2 || p[0] != '\\' || p[1] != 'u') return NULL;
            *cp = v;
            p += 2;
            continue;
        }
        if (round == 1 && (v < 0xDC00 || v > 0xDFFF)) return NULL;
        if (round == 0 && (v == 0 || (v >= 0xDC00 && v <= 0xDFFF))) return NULL;
        *cp = round == 0 ? v : 0x10000 + ((*cp - 0xD800) << 10) + (v - 0xDC00);
        return p;
    }
    return NULL;
}

/* The byte a one-letter escape stands for, or -1 ('u' and anything else). */
static int cw_jescape_char(unsigned char c)
{
    switch (c) {
    case '"':
    case '\\':
    case '/':
        return c;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return -1;
    }
}

/* Reads a JSON string body at *pp (after the opening quote) up to its closing quote, checking
 * it as jansson does, and appends the unescaped bytes to out (NULL: check only). Returns 0, or
 * -1 for anything the fast path leaves to jansson: a control character, invalid UTF-8, a bad
 * escape, \u0000 or a lone surrogate (or no memory for out). Unescaping never lengthens text,
 * so out's room is reserved once and written through a pointer. */
static int cw_jstr(const char **pp, const char *end, buf *out)
{
    const unsigned char *p = (const unsigned char *)*pp, *e = (const unsigned char *)end;
    uint8_t *o = NULL, **op = NULL;
    if (out) {
        if (buf_reserve(out, (size_t)(e - p) + 16) < 0) return -1;
        o = out->p + out->len;
        op = &o;
    }
    for (;;) {
        const unsigned char *q = cw_jplain(p, e, op);
        if (q >= e || *q < 0x20) return -1;
        if (*q == '"') {
            *pp = (const char *)q + 1;
            if (out) out->len = (size_t)(o - out->p);
            return 0;
        }
        if (*q >= 0x80) {
            int w = cw_utf8_width(q, e);
            if (w == 0) return -1;
            if (o) memcpy(o, q, (size_t)w), o += w;
            p = q + w;
            continue;
        }
        /* an escape */
        if (q + 1 >= e) return -1;
        int c = cw_jescape_char(q[1]);
        if (c >= 0) {
            if (o) *o++ = (uint8_t)c;
            p = q + 2;
            continue;
        }
        uint32_t cp = 0;
        if (q[1] != 'u' || !(p = cw_jescape_u(q, e, &cp))) return -1;
        if (o) o += utf8proc_encode_char((utf8proc_int32_t)cp, o);
    }
}

static const char *cw_jws(const char *p, const char *end)
{
    while (p < end && corpus_is_space(*p))
        p++;
    return p;
}

/* Fast path for the usual line: one flat object whose values are all strings, keys without
 * escapes, each wanted field at most once. Values of the wanted fields are unescaped into
 * w->jbuf[]. Returns 1 with jl filled, or 0 to leave the line to jansson (which then gives the
 * same documents and warnings as ever); never 1 for a line jansson would read differently. */
static int cw_json_fast(cw *w, const char *line, size_t len, const char *names[3], cw_jline *jl)
{
    const char *p = cw_jws(line, line + len), *end = line + len;
    memset(jl, 0, sizeof *jl);
    if (p == end || *p != '{') return 0;
    jl->is_object = 1;
    for (int i = 0; i < 3; i++)
        w->jbuf[i].len = 0;
    p = cw_jws(p + 1, end);
    if (p < end && *p == '}') return cw_jws(p + 1, end) == end;
    for (;;) {
        if (p == end || *p != '"') return 0;
        const char *key = ++p;
        while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p - 0x20u < 0x60u)
            p++;
        if (p == end || *p != '"') return 0; /* escapes or non-ASCII keys: jansson */
        size_t key_len = (size_t)(p - key);
        int which = -1, n_match = 0;
        for (int i = 0; i < 3; i++) {
            if (strlen(names[i]) == key_len && memcmp(names[i], key, key_len) == 0) {
                which = i;
                n_match++;
            }
        }
        if (n_match > 1) return 0; /* one field in two roles */
        p = cw_jws(p + 1, end);
        if (p == end || *p != ':') return 0;
        p = cw_jws(p + 1, end);
        if (p == end || *p != '"') return 0;
        p++;
        if (which >= 0 && jl->f[which].kind != CW_J_ABSENT) return 0; /* duplicate */
        if (cw_jstr(&p, end, which >= 0 ? &w->jbuf[which] : NULL) < 0) return 0;
        if (which >= 0) {
            if (w->jbuf[which].oom) return 0;
            jl->f[which].kind = CW_J_STRING;
            jl->f[which].len = w->jbuf[which].len;
        }
        p = cw_jws(p, end);
        if (p < end && *p == ',') {
            p = cw_jws(p + 1, end);
            continue;
        }
        if (p == end || *p != '}' || cw_jws(p + 1, end) != end) return 0;
        for (int i = 0; i < 3; i++)
            jl->f[i].s = (const char *)w->jbuf[i].p;
        return 1;
    }
}

/* Reads the date field; warns (and leaves 0) when present but not "YYYY-MM-DD". */
static uint32_t cw_json_date(cw *w, const cw_jfield *f, const char *field, const char *path,
                             size_t line_no)
{
    uint32_t date = 0;
    if (f->kind == CW_J_ABSENT || f->kind == CW_J_NULL) return 0;
    if (f->kind != CW_J_STRING || !corpus_parse_date(f->s, f->len, &date)) {
        cw_warn(w, "%s:%zu: field \"%s\" is not a YYYY-MM-DD date, indexed without a date", path,
                line_no, field);
        return 0;
    }
    return date;
}

/* Turns a parsed line into a document or a warning. Returns the callback's value. */
static int cw_json_doc(cw *w, const cw_jline *jl, const char *names[3], const char *path,
                       const char *name, size_t line_no, size_t len)
{
    const cw_jfield *text = &jl->f[CW_J_TEXT], *idv = &jl->f[CW_J_ID];
    char idb[512];
    const char *id;
    size_t id_len;
    if (!jl->is_object) {
        cw_warn(w, "%s:%zu: not a JSON object, skipped", path, line_no);
    } else if (text->kind == CW_J_ABSENT) {
        cw_warn(w, "%s:%zu: no \"%s\" field, skipped", path, line_no, names[CW_J_TEXT]);
    } else if (text->kind != CW_J_STRING) {
        cw_warn(w, "%s:%zu: field \"%s\" is not a string, skipped", path, line_no,
                names[CW_J_TEXT]);
    } else if (idv->kind == CW_J_OTHER) {
        cw_warn(w, "%s:%zu: field \"%s\" is not a string or number, skipped", path, line_no,
                names[CW_J_ID]);
    } else {
        if (idv->kind == CW_J_STRING) {
            id = idv->s;
            id_len = idv->len;
        } else {
            int n = snprintf(idb, sizeof idb, "%s:%zu", name, line_no);
            id = idb;
            id_len = n > 0 ? (size_t)n : 0;
            if (id_len >= sizeof idb) id_len = sizeof idb - 1;
        }
        uint32_t date = cw_json_date(w, &jl->f[CW_J_DATE], names[CW_J_DATE], path, line_no);
        corpus_doc d = {id,   id_len,  date,   text->s, text->len,
                        path, len + 1, w->arg, 0,       w->line_hash};
        return w->fn(w->ctx, &d);
    }
    return TRAWL_OK;
}

/* The text, id and date field names of the options, defaults filled in. */
static void cw_json_names(const cw *w, const char *names[3])
{
    names[CW_J_TEXT] = w->o->text_field ? w->o->text_field : "text";
    names[CW_J_ID] = w->o->id_field ? w->o->id_field : "id";
    names[CW_J_DATE] = w->o->date_field ? w->o->date_field : "date";
}

/* One JSONL line parsed by jansson alone: the reference the fast path must agree with. */
static int cw_json_jansson(cw *w, const char *line, size_t len, const char *path, const char *name,
                           size_t line_no)
{
    const char *names[3];
    char idb[512];
    json_error_t je;
    cw_jline jl;
    cw_json_names(w, names);
    w->line_hash = XXH3_64bits(line, len);
    json_t *obj = json_loadb(line, len, JSON_ALLOW_NUL, &je);
    /* Out of memory is not the line's fault. jansson says so with its error code, or, when its
     * lexer cannot even start, with no message at all (every syntax error has one). Some of its
     * failures mid-parse come back as syntax errors; those stay warnings about the line. */
    if (!obj && (json_error_code(&je) == json_error_out_of_memory || je.text[0] == '\0'))
        return w->e ? err_set(w->e, TRAWL_ENOMEM, "%s:%zu: out of memory parsing JSON", path,
                              line_no)
                    : TRAWL_ENOMEM;
    if (!obj) {
        cw_warn(w, "%s:%zu: invalid JSON (%s), skipped", path, line_no, je.text);
        return TRAWL_OK;
    }
    memset(&jl, 0, sizeof jl);
    jl.is_object = json_is_object(obj);
    if (jl.is_object) {
        cw_jansson_field(obj, names[CW_J_TEXT], &jl.f[CW_J_TEXT], NULL, 0);
        cw_jansson_field(obj, names[CW_J_ID], &jl.f[CW_J_ID], idb, sizeof idb);
        cw_jansson_field(obj, names[CW_J_DATE], &jl.f[CW_J_DATE], NULL, 0);
    }
    int rc = cw_json_doc(w, &jl, names, path, name, line_no, len);
    json_decref(obj);
    return rc;
}

/* One JSONL line (without its newline). Bad lines are warnings; returns the callback's value. */
static int cw_json_line(cw *w, const char *line, size_t len, const char *path, const char *name,
                        size_t line_no)
{
    const char *names[3];
    cw_jline jl;
    cw_json_names(w, names);
    w->line_hash = XXH3_64bits(line, len);
    if (cw_json_fast(w, line, len, names, &jl))
        return cw_json_doc(w, &jl, names, path, name, line_no, len);
    return cw_json_jansson(w, line, len, path, name, line_no);
}

int corpus_jsonl_parse_line(const corpus_opts *o, const char *line, size_t len, int jansson_only,
                            const char *path, size_t line_no, corpus_doc_fn fn, void *ctx)
{
    cw w = {.o = o, .fn = fn, .ctx = ctx, .dirfd = -1};
    for (int i = 0; i < 3; i++)
        buf_init(&w.jbuf[i]);
    int rc = jansson_only ? cw_json_jansson(&w, line, len, path, path, line_no)
                          : cw_json_line(&w, line, len, path, path, line_no);
    for (int i = 0; i < 3; i++)
        buf_free(&w.jbuf[i]);
    return rc;
}

/* A JSON Lines file: one document per non-blank line. */
static int cw_jsonl_file(cw *w, const char *path, const char *name)
{
    struct stat st;
    size_t line_no = 0, len;
    const char *line;
    int rc = TRAWL_OK, r, fd = cw_open(w, path, &st);
    if (fd < 0) return TRAWL_OK;
    lines_open(&w->lines, fd);
    while ((r = lines_next(&w->lines, &line, &len)) == LINES_LINE) {
        line_no++;
        while (len > 0 && corpus_is_space(line[len - 1]))
            len--;
        size_t i = 0;
        while (i < len && corpus_is_space(line[i]))
            i++;
        if (i == len) continue;
        rc = cw_json_line(w, line, len, path, name, line_no);
        if (rc != TRAWL_OK) break;
    }
    if (r == LINES_ENOMEM)
        rc = err_set(w->e, TRAWL_ENOMEM, "%s: out of memory reading a line", path);
    else if (r == LINES_EIO)
        cw_warn(w, "%s: %s, rest of the file skipped", path, strerror(errno));
    close(fd);
    return rc;
}

static int cw_file(cw *w, const char *path, const char *name)
{
    return w->o->is_jsonl ? cw_jsonl_file(w, path, name) : cw_text_file(w, path, name);
}

static int cw_byname(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int cw_path(cw *w, size_t len, unsigned char d_type);

/* Every entry but "." and ".."; which ones are walked is sel_take's to say. */
static int cw_entry(const struct dirent *d)
{
    return !(d->d_name[0] == '.' &&
             (d->d_name[1] == '\0' || (d->d_name[1] == '.' && d->d_name[2] == '\0')));
}

/* 1 if the entry at w->path (its name at name_off in the directory w->dirfd) is a directory,
 * following a symbolic link. */
static int cw_is_dir(const cw *w, unsigned char d_type)
{
    struct stat st;
    if (d_type == DT_DIR) return 1;
    if (d_type != DT_LNK && d_type != DT_UNKNOWN) return 0;
    return cw_stat(w, (const char *)w->path.p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Visits entry name of the directory w->path[0..len): when sel_take takes it. */
static int cw_entry_visit(cw *w, size_t len, const struct dirent *ent)
{
    w->path.len = len;
    if (len == 0 || w->path.p[len - 1] != '/') buf_put_u8(&w->path, '/');
    w->name_off = w->path.len;
    buf_put(&w->path, ent->d_name, strlen(ent->d_name) + 1);
    if (w->path.oom) return err_set(w->e, TRAWL_ENOMEM, "out of memory walking a directory");
    if (!sel_take(&w->sw, (const char *)w->path.p, w->name_off, cw_is_dir(w, ent->d_type)))
        return TRAWL_OK;
    return cw_path(w, w->path.len - 1, ent->d_type);
}

/* Visits the directory whose path is w->path[0..len). st identifies it for the loop guard. */
static int cw_dir(cw *w, size_t len, const struct stat *st)
{
    struct dirent **ents;
    struct stat skip;
    /* Looked for on every visit until it exists: trawl-index creates the index directory only
     * at the first document, possibly inside a directory not walked yet. */
    if (w->o->skip_dir && !w->is_skip && stat(w->o->skip_dir, &skip) == 0) {
        w->skip = (cw_dirid){skip.st_dev, skip.st_ino};
        w->is_skip = 1;
    }
    if (w->is_skip && w->skip.dev == st->st_dev && w->skip.ino == st->st_ino) return TRAWL_OK;
    for (size_t i = 0; i < w->n_stack; i++) {
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino) {
            cw_warn(w, "%s: directory loop through a symbolic link, skipped", (char *)w->path.p);
            return TRAWL_OK;
        }
    }
    if (w->n_stack == w->cap_stack) {
        size_t cap = w->cap_stack ? w->cap_stack * 2 : 16;
        cw_dirid *s = realloc(w->stack, cap * sizeof *s);
        if (!s) return err_set(w->e, TRAWL_ENOMEM, "out of memory walking %s", (char *)w->path.p);
        w->stack = s;
        w->cap_stack = cap;
    }
    if (w->o->on_dir) {
        int r = w->o->on_dir(w->o->dir_ctx, (const char *)w->path.p);
        if (r != 0) return r;
    }
    int n = scandir((char *)w->path.p, &ents, cw_entry, cw_byname);
    if (n < 0) {
        cw_warn(w, "%s: %s, skipped", (char *)w->path.p, strerror(errno));
        return TRAWL_OK;
    }
    w->stack[w->n_stack++] = (cw_dirid){st->st_dev, st->st_ino};
    int rc = TRAWL_OK, outer_fd = w->dirfd;
    size_t outer_off = w->name_off;
    w->dirfd = open((char *)w->path.p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sel_enter(&w->sw, w->dirfd, len + (len == 0 || w->path.p[len - 1] != '/')) < 0)
        rc = err_set(w->e, TRAWL_ENOMEM, "out of memory reading ignore files");
    for (int i = 0; i < n; i++) {
        if (rc == TRAWL_OK) rc = cw_entry_visit(w, len, ents[i]);
        free(ents[i]);
    }
    free(ents);
    sel_leave(&w->sw);
    if (w->dirfd >= 0) close(w->dirfd);
    w->dirfd = outer_fd;
    w->name_off = outer_off;
    w->n_stack--;
    w->path.len = len;
    w->path.p[len] = '\0';
    return rc;
}

/* Visits w->path[0..len) (NUL-terminated): a directory, a regular file, or a warning. d_type is
 * the directory entry's type, DT_UNKNOWN if none. */
static int cw_path(cw *w, size_t len, unsigned char d_type)
{
    struct stat st;
    const char *path = (const char *)w->path.p;
    /* The directory entry already says "regular file" (not a symlink): the open that follows
     * is the only path lookup, instead of a stat and an open. */
    if (d_type == DT_REG) return cw_file(w, path, path + w->id_off);
    if (cw_stat(w, path, &st) < 0) {
        cw_warn(w, "%s: %s, skipped", path, strerror(errno));
        return TRAWL_OK;
    }
    if (S_ISDIR(st.st_mode)) return cw_dir(w, len, &st);
    if (!S_ISREG(st.st_mode)) {
        cw_warn(w, "%s: not a regular file, skipped", path);
        return TRAWL_OK;
    }
    return cw_file(w, path, path + w->id_off);
}

int corpus_check_paths(const char *const *paths, size_t n_paths, err *e)
{
    struct stat st;
    for (size_t i = 0; i < n_paths; i++) {
        if (stat(paths[i], &st) < 0)
            return err_set(e, TRAWL_EARG, "%s: %s", paths[i], strerror(errno));
    }
    return TRAWL_OK;
}

/* Enters the directory w->path[0..len) into the selection's stack: its paths start at len + 1.
 * Returns 0 or -1 (out of memory). */
static int cw_sel_enter(cw *w, size_t len)
{
    char *p = (char *)w->path.p, c = p[len];
    p[len] = '\0';
    int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    p[len] = c;
    int rc = sel_enter(&w->sw, fd, len == 1 && p[0] == '/' ? 1 : len + 1);
    if (fd >= 0) close(fd);
    return rc;
}

/* Whether the selection takes w->path[0..n), which lies below the directory w->path[0..base-1)
 * a walk started at: as that walk would have come down to it, every directory on the way taken
 * and entered (its ignore files read), then the path itself. Returns 1, 0 (not taken) or -1
 * (out of memory). The entered directories stay on the stack until the next sel_walk_root. */
static int cw_take_below(cw *w, size_t n, size_t base, int is_dir)
{
    char *p = (char *)w->path.p;
    size_t top = base > 1 ? base - 1 : 1, name = base;
    char c = p[top];
    p[top] = '\0';
    int rc = sel_walk_root(&w->sw, p, base);
    p[top] = c;
    if (rc < 0 || cw_sel_enter(w, top) < 0) return -1;
    for (;;) {
        size_t end = name;
        while (end < n && p[end] != '/')
            end++;
        c = p[end];
        p[end] = '\0';
        int taken = sel_take(&w->sw, p, name, end < n || is_dir);
        p[end] = c;
        if (!taken || end >= n) return taken;
        if (cw_sel_enter(w, end) < 0) return -1;
        name = end + 1;
    }
}

/* Walks one top-level argument. Ids of files under a directory argument are relative to it. */
static int cw_root(cw *w, const char *root)
{
    struct stat st;
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    w->path.len = 0;
    buf_put(&w->path, root, n);
    buf_put_u8(&w->path, '\0');
    if (w->path.oom) return err_set(w->e, TRAWL_ENOMEM, "out of memory");
    if (stat(root, &st) < 0) {
        if (w->o->missing_ok && (errno == ENOENT || errno == ENOTDIR)) return TRAWL_OK;
        return err_set(w->e, TRAWL_EARG, "%s: %s", root, strerror(errno));
    }
    /* ignore files and globs see paths relative to the argument, or to the directory a walk
     * started at when the argument lies below it */
    size_t base = w->o->sel_offs ? w->o->sel_offs[w->arg] : 0;
    int take = 1;
    if (base > 0 && base <= n)
        take = cw_take_below(w, n, base, S_ISDIR(st.st_mode));
    else if (S_ISDIR(st.st_mode))
        take = sel_walk_root(&w->sw, (const char *)w->path.p, n == 1 ? 1 : n + 1) == 0 ? 1 : -1;
    if (take < 0) return err_set(w->e, TRAWL_ENOMEM, "out of memory reading ignore files");
    if (take == 0) return TRAWL_OK;
    if (w->o->id_offs) {
        w->id_off = w->o->id_offs[w->arg] <= n + 1 ? w->o->id_offs[w->arg] : n + 1;
        return S_ISDIR(st.st_mode) ? cw_dir(w, n, &st) : cw_path(w, n, DT_UNKNOWN);
    }
    if (!S_ISDIR(st.st_mode)) {
        w->id_off = 0;
        return cw_path(w, n, DT_UNKNOWN);
    }
    w->id_off = n + (root[n - 1] == '/' ? 0 : 1);
    return cw_dir(w, n, &st);
}

int corpus_walk(const corpus_opts *o, const char *const *paths, size_t n_paths, corpus_doc_fn fn,
                void *ctx, err *e)
{
    cw w = {.o = o, .fn = fn, .ctx = ctx, .e = e, .dirfd = -1};
    int rc = o->missing_ok ? TRAWL_OK : corpus_check_paths(paths, n_paths, e);
    buf_init(&w.path);
    buf_init(&w.plain);
    buf_init(&w.utf8);
    lines_init(&w.lines);
    sel_walk_init(&w.sw, o->select);
    for (int i = 0; i < 3; i++)
        buf_init(&w.jbuf[i]);
    for (size_t i = 0; i < n_paths && rc == TRAWL_OK; i++) {
        w.arg = i;
        rc = cw_root(&w, paths[i]);
    }
    buf_free(&w.path);
    buf_free(&w.plain);
    buf_free(&w.utf8);
    sel_walk_free(&w.sw);
    free(w.stack);
    lines_free(&w.lines);
    free(w.file);
    for (int i = 0; i < 3; i++)
        buf_free(&w.jbuf[i]);
    return rc;
}
