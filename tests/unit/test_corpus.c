/* test_corpus: date prefixes, binary detection, directory order and loops, JSON Lines input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "corpus.h"
#include "corpus_jsonl.h"
#include "testutil.h"

#include <jansson.h>
#include <utf8proc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SEEN 64

/* What the callbacks received. */
typedef struct seen {
    char ids[MAX_SEEN][256];
    char texts[MAX_SEEN][256];
    uint32_t dates[MAX_SEEN];
    size_t n;
    char warns[MAX_SEEN][1024];
    size_t n_warns;
} seen;

static int on_doc(void *ctx, const corpus_doc *d)
{
    seen *s = ctx;
    assert_true(s->n < MAX_SEEN);
    snprintf(s->ids[s->n], sizeof s->ids[0], "%.*s", (int)d->id_len, d->id);
    snprintf(s->texts[s->n], sizeof s->texts[0], "%.*s", (int)d->text_len, d->text);
    s->dates[s->n] = d->date;
    s->n++;
    return 0;
}

static void on_warn(void *ctx, const char *msg)
{
    seen *s = ctx;
    assert_true(s->n_warns < MAX_SEEN);
    snprintf(s->warns[s->n_warns++], sizeof s->warns[0], "%s", msg);
}

/* Number of warnings containing both a and b (b may be NULL). */
static size_t warned(const seen *s, const char *a, const char *b)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_warns; i++)
        n += strstr(s->warns[i], a) && (!b || strstr(s->warns[i], b));
    return n;
}

static void put_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void put_text(const char *dir, const char *name, const char *text)
{
    put_file(dir, name, text, strlen(text));
}

static int walk(const char *path, int jsonl, const char *idf, const char *textf, const char *datef,
                seen *s)
{
    corpus_opts o = {.is_jsonl = jsonl,
                     .id_field = idf,
                     .text_field = textf,
                     .date_field = datef,
                     .warn = on_warn,
                     .warn_ctx = s};
    const char *paths[] = {path};
    err e;
    err_init(&e);
    memset(s, 0, sizeof *s);
    return corpus_walk(&o, paths, 1, on_doc, s, &e);
}

static void test_date_prefix(void **state)
{
    (void)state;
    uint32_t d = 0;
    size_t skip = 0;
    const char *t = " date 2024-03-26 In a pivotal discussion";
    assert_int_equal(corpus_date_prefix(t, strlen(t), &d, &skip), 1);
    assert_int_equal(d, 20240326);
    assert_string_equal(t + skip, "In a pivotal discussion");

    t = "date 2024-03-21\nAmid escalating tensions";
    assert_int_equal(corpus_date_prefix(t, strlen(t), &d, &skip), 1);
    assert_int_equal(d, 20240321);
    assert_string_equal(t + skip, "Amid escalating tensions");

    t = "\t date \t2000-02-29   ";
    assert_int_equal(corpus_date_prefix(t, strlen(t), &d, &skip), 1);
    assert_int_equal(d, 20000229);
    assert_int_equal(skip, strlen(t));

    const char *bad[] = {"date 2024-13-45 text", "date 2023-02-29 x", "date 1900-02-29",
                         "date 2024-04-31",      "date 2024-3-26 x",  "date 0000-01-01",
                         "date 2024-03-26x more"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(corpus_date_prefix(bad[i], strlen(bad[i]), &d, &skip), -1);

    const char *none[] = {"The Biden administration", "dated 2024-03-26", "date palms grow",
                          "date2024-03-26 x",         "  date",           "",
                          "a date 2024-03-26"};
    for (size_t i = 0; i < sizeof none / sizeof *none; i++)
        assert_int_equal(corpus_date_prefix(none[i], strlen(none[i]), &d, &skip), 0);
}

static void test_parse_date(void **state)
{
    (void)state;
    uint32_t d = 0;
    assert_int_equal(corpus_parse_date("2024-02-29", 10, &d), 1);
    assert_int_equal(d, 20240229);
    assert_int_equal(corpus_parse_date("2100-02-29", 10, &d), 0);
    assert_int_equal(corpus_parse_date("2024-12-31", 10, &d), 1);
    assert_int_equal(corpus_parse_date("2024-12-32", 10, &d), 0);
    assert_int_equal(corpus_parse_date("2024-00-10", 10, &d), 0);
    assert_int_equal(corpus_parse_date("2024-01-1", 9, &d), 0);
    assert_int_equal(corpus_parse_date("2024/01/10", 10, &d), 0);
}

static void test_is_binary(void **state)
{
    (void)state;
    char b[9000];
    memset(b, 'a', sizeof b);
    assert_int_equal(corpus_is_binary(b, sizeof b), 0);
    b[100] = '\0';
    assert_int_equal(corpus_is_binary(b, sizeof b), 1);
    b[100] = 'a';
    b[8500] = '\0'; /* past the sniffed prefix */
    assert_int_equal(corpus_is_binary(b, sizeof b), 0);
    for (size_t i = 0; i < 1000; i += 2)
        b[i] = (char)0xE9; /* Latin-1 e-acute: a few invalid bytes, still text */
    assert_int_equal(corpus_is_binary(b, sizeof b), 0);
    for (size_t i = 0; i < 8192; i += 2)
        b[i] = (char)0xFF;
    assert_int_equal(corpus_is_binary(b, sizeof b), 1);
    const char *utf8 = "caf\xc3\xa9 \xf0\x9f\x98\x80 na\xc3\xafve";
    assert_int_equal(corpus_is_binary(utf8, strlen(utf8)), 0);
}

/* The byte-at-a-time definition corpus_is_binary must agree with: a NUL in the first 8 KiB, or
 * more than a quarter of those bytes starting no valid UTF-8 sequence. */
static int ref_is_binary(const char *p, size_t len)
{
    size_t n = len < 8192 ? len : 8192, invalid = 0;
    if (memchr(p, 0, n)) return 1;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t r =
            utf8proc_iterate((const utf8proc_uint8_t *)p + i, (utf8proc_ssize_t)(len - i), &cp);
        i += r > 0 ? (size_t)r : 1;
        invalid += r <= 0;
    }
    return invalid * 4 > n;
}

/* Random mixes of ASCII runs (the eight-byte fast path), valid and broken UTF-8 sequences, around
 * the one-quarter threshold and across the 8 KiB edge. */
static void test_is_binary_random(void **state)
{
    (void)state;
    static const char *pieces[] = {"abcdefgh",         "ab",      "\xc3\xa9", "\xe2\x80\x99",
                                   "\xf0\x9f\x98\x80", "\xff",    "\xc3",     "\xe2\x80",
                                   "\xed\xa0\x80",     "\x80\x80"};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    char b[9000];
    int n_bin = 0;
    for (int round = 0; round < 400; round++) {
        size_t len = 0, want = 1 + (size_t)(round * 37 % 9000);
        unsigned bad_weight = (unsigned)(round % 10);
        while (len < want) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            unsigned k = (unsigned)(x % 10);
            const char *pc = pieces[k >= 5 && (x >> 8) % 10 >= bad_weight ? k - 5 : k];
            size_t pl = strlen(pc);
            if (len + pl > want) pl = want - len;
            memcpy(b + len, pc, pl);
            len += pl;
        }
        int got = corpus_is_binary(b, len);
        assert_int_equal(got, ref_is_binary(b, len));
        n_bin += got;
    }
    assert_true(n_bin > 20 && n_bin < 380); /* both outcomes are exercised */
}

static void test_walk_dir(void **state)
{
    (void)state;
    char dir[64], sub[128], lnk[160], root[80];
    seen s;
    assert_non_null(tu_mkdtemp(dir, sizeof dir, "corpus"));
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    put_text(dir, "b.txt", " date 2024-03-26 In a pivotal discussion");
    put_text(dir, "a.txt", "plain text");
    put_text(dir, "bad.txt", "date 2024-13-45 kept whole");
    put_text(dir, "B.txt", "upper case sorts first");
    put_text(dir, ".hidden", "not indexed");
    put_file(dir, "z.bin", "ab\0cd", 5);
    put_text(sub, "c.txt", "date 2024-02-29\nnested");
    snprintf(lnk, sizeof lnk, "%s/loop", sub);
    assert_int_equal(symlink("..", lnk), 0); /* sub/loop -> dir: a cycle */
    snprintf(root, sizeof root, "%s/", dir); /* a trailing slash changes no id */
    assert_int_equal(walk(root, 0, NULL, NULL, NULL, &s), 0);
    assert_int_equal(s.n, 5);
    const char *ids[] = {"B.txt", "a.txt", "b.txt", "bad.txt", "sub/c.txt"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(s.ids[i], ids[i]);
    assert_int_equal(s.dates[0], 0);
    assert_int_equal(s.dates[2], 20240326);
    assert_string_equal(s.texts[2], "In a pivotal discussion");
    assert_int_equal(s.dates[3], 0);
    assert_string_equal(s.texts[3], "date 2024-13-45 kept whole");
    assert_int_equal(s.dates[4], 20240229);
    assert_string_equal(s.texts[4], "nested");
    /* z.bin is a note (corpus_opts.note), not a warning: a tree may hold thousands */
    assert_int_equal(warned(&s, "z.bin", "binary"), 0);
    assert_int_equal(warned(&s, "bad.txt", "malformed date"), 1);
    assert_int_equal(warned(&s, "loop", "loop"), 1);
    assert_int_equal(s.n_warns, 2);
    assert_int_equal(tu_rm_rf(dir), 0);
}

static void test_single_file_and_missing(void **state)
{
    (void)state;
    char dir[64], path[128];
    seen s;
    assert_non_null(tu_mkdtemp(dir, sizeof dir, "corpus"));
    put_text(dir, "one.txt", "just one");
    snprintf(path, sizeof path, "%s/one.txt", dir);
    assert_int_equal(walk(path, 0, NULL, NULL, NULL, &s), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.ids[0], path);
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(walk(path, 0, NULL, NULL, NULL, &s), TRAWL_EARG);
    assert_int_equal(s.n, 0);
    assert_int_equal(tu_rm_rf(dir), 0);
}

/* The walk's callback for the first file swaps the second for a FIFO, after the directory was
 * read (d_type says regular file) and before the second file is opened. */
typedef struct fifo_swap {
    seen s;
    char victim[160]; /**< path to replace by a FIFO on the first document */
} fifo_swap;

static int on_doc_swap(void *ctx, const corpus_doc *d)
{
    fifo_swap *f = ctx;
    if (f->s.n == 0 && f->victim[0]) {
        assert_int_equal(unlink(f->victim), 0);
        assert_int_equal(mkfifo(f->victim, 0644), 0);
    }
    return on_doc(&f->s, d);
}

/* A corpus file that is a FIFO by the time it is opened (issue 13: the walk blocked forever in
 * open(), index lock held) is skipped with a warning, as text and as JSON Lines; a FIFO given
 * as a path is too. The alarm turns a hang back into a failure. */
static void test_file_turned_fifo_is_skipped(void **state)
{
    (void)state;
    char dir[64], path[128];
    assert_non_null(tu_mkdtemp(dir, sizeof dir, "corpus"));
    alarm(20);
    for (int jsonl_mode = 0; jsonl_mode < 2; jsonl_mode++) {
        fifo_swap f;
        corpus_opts o = {.is_jsonl = jsonl_mode, .warn = on_warn, .warn_ctx = &f.s};
        const char *paths[] = {dir};
        err e;
        err_init(&e);
        memset(&f, 0, sizeof f);
        put_text(dir, "a.txt", jsonl_mode ? "{\"id\":\"a\",\"text\":\"first\"}" : "first");
        put_text(dir, "b.txt", jsonl_mode ? "{\"id\":\"b\",\"text\":\"second\"}" : "second");
        snprintf(f.victim, sizeof f.victim, "%s/b.txt", dir);
        assert_int_equal(corpus_walk(&o, paths, 1, on_doc_swap, &f, &e), TRAWL_OK);
        assert_int_equal(f.s.n, 1);
        assert_int_equal(warned(&f.s, "b.txt", ": not a regular file, skipped"), 1);
        assert_int_equal(unlink(f.victim), 0);
    }
    seen s;
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0644), 0);
    assert_int_equal(walk(path, 0, NULL, NULL, NULL, &s), TRAWL_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(warned(&s, "fifo", "not a regular file"), 1);
    alarm(0);
    assert_int_equal(tu_rm_rf(dir), 0);
}

static const char jsonl[] =
    "{\"id\":\"a\",\"text\":\"hello\",\"date\":\"2024-01-02\"}\n"      /* 1 */
    "{\"id\":\"broken\",\"text\":\n"                                   /* 2 invalid JSON */
    "{\"id\":\"b\"}\n"                                                 /* 3 no text */
    "{\"id\":\"c\",\"text\":5}\n"                                      /* 4 text not a string */
    "   \n"                                                            /* 5 blank */
    "{\"id\":7,\"text\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\"\\n\"}\n" /* 6 numeric id */
    "{\"text\":\"no id\"}\n"                                           /* 7 id from the line */
    "{\"id\":\"d\",\"text\":\"x\",\"date\":\"2024-02-30\"}\n"          /* 8 bad date */
    "[1,2]\n"                                                          /* 9 not an object */
    "{\"id\":true,\"text\":\"x\"}\r\n"                                 /* 10 bad id type */
    "{\"id\":-12,\"text\":\"neg\"}";                                   /* 11 no final newline */

static void test_jsonl(void **state)
{
    (void)state;
    char dir[64], path[128];
    seen s;
    assert_non_null(tu_mkdtemp(dir, sizeof dir, "corpus"));
    put_text(dir, "docs.jsonl", jsonl);
    assert_int_equal(walk(dir, 1, NULL, NULL, NULL, &s), 0);
    assert_int_equal(s.n, 5);
    assert_string_equal(s.ids[0], "a");
    assert_string_equal(s.texts[0], "hello");
    assert_int_equal(s.dates[0], 20240102);
    assert_string_equal(s.ids[1], "7");
    assert_string_equal(s.texts[1], "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\"\n");
    assert_string_equal(s.ids[2], "docs.jsonl:7");
    assert_string_equal(s.ids[3], "d");
    assert_int_equal(s.dates[3], 0);
    assert_string_equal(s.ids[4], "-12");
    snprintf(path, sizeof path, "%s/docs.jsonl", dir);
    const char *lines[] = {":2:", ":3:", ":4:", ":8:", ":9:", ":10:"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(warned(&s, path, lines[i]), 1);
    assert_int_equal(s.n_warns, 6);
    assert_int_equal(tu_rm_rf(dir), 0);
}

static void test_jsonl_fields(void **state)
{
    (void)state;
    char dir[64], path[128];
    seen s;
    assert_non_null(tu_mkdtemp(dir, sizeof dir, "corpus"));
    put_text(dir, "f.jsonl",
             "{\"key\":\"k1\",\"body\":\"first\",\"day\":\"1999-12-31\",\"text\":\"ignored\"}\n"
             "{\"key\":2.5,\"body\":\"second\"}\n"
             "{\"id\":\"x\",\"text\":\"no body\"}\n");
    snprintf(path, sizeof path, "%s/f.jsonl", dir);
    assert_int_equal(walk(path, 1, "key", "body", "day", &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.ids[0], "k1");
    assert_string_equal(s.texts[0], "first");
    assert_int_equal(s.dates[0], 19991231);
    assert_string_equal(s.ids[1], "2.5");
    assert_int_equal(warned(&s, ":3:", "\"body\""), 1);
    assert_int_equal(tu_rm_rf(dir), 0);
}

/* JSONL lines take a fast path or jansson; either way the documents and warnings must be what
 * jansson alone gives. Each line is checked against jansson parsing it in this test. */
static void *oom_malloc(size_t n)
{
    (void)n;
    return NULL;
}

/* jansson out of memory is TRAWL_ENOMEM, which stops the walk, not "invalid JSON, skipped"
 * (issue 13: each library error mapped to its cause). */
static void test_jsonl_out_of_memory(void **state)
{
    (void)state;
    static const char line[] = "{\"id\":\"a\",\"text\":\"hello\"}";
    seen s;
    corpus_opts o = {.is_jsonl = 1, .warn = on_warn, .warn_ctx = &s};
    memset(&s, 0, sizeof s);
    json_set_alloc_funcs(oom_malloc, free);
    int rc = corpus_jsonl_parse_line(&o, line, sizeof line - 1, 1, "x.jsonl", 1, on_doc, &s);
    json_set_alloc_funcs(malloc, free);
    assert_int_equal(rc, TRAWL_ENOMEM);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.n_warns, 0);
    assert_int_equal(
        corpus_jsonl_parse_line(&o, line, sizeof line - 1, 1, "x.jsonl", 1, on_doc, &s), TRAWL_OK);
    assert_int_equal(s.n, 1);
}

static void test_jsonl_like_jansson(void **state)
{
    (void)state;
    static const char *lines[] = {
        "{\"id\":\"a\",\"text\":\"x\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\\\\\\"\"}",
        "{\"text\":\"lone \\ud800 x\"}",
        "{\"text\":\"lone low \\udc00\"}",
        "{\"text\":\"nul \\u0000 in\"}",
        "{\"text\":\"ctl \x01\"}",
        "{\"text\":\"bad utf8 \xff\"}",
        "{\"text\":\"overlong \xc0\xaf\"}",
        "{\"text\":\"a\",\"text\":\"b\"}",
        "{\"text\":\"a\",\"n\":1,\"o\":{\"x\":[1,2]}}",
        "{\"t\\u0065xt\":\"escaped key\"}",
        "{\"text\":\"a\"} x",
        "{\"text\":\"a\",}",
        "{ \"text\" : \"spaced\" ,\t\"id\" : \"s\" }",
        "{}",
        "[\"text\"]",
        "{\"text\":\"\\uD83D\"}",
        "{\"text\":\"x\\u12\"}",
        "{\"text\":\"x\\q\"}",
        "{\"\xc3\xa9\":\"v\",\"text\":\"t\xc3\xa9\"}",
        "{\"text\":\"d\",\"date\":\"2024-02-30\"}",
        "{\"text\":\"d\",\"date\":\"2024-02-29\",\"id\":null}",
        "{\"text\":\"unterminated}",
        "{\"text\":5}",
        "{\"id\":true,\"text\":\"t\"}",
    };
    char dir[64], path[128];
    assert_non_null(tu_mkdtemp(dir, sizeof dir, "corpus"));
    snprintf(path, sizeof path, "%s/l.jsonl", dir);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        seen s;
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fprintf(f, "%s\n", lines[i]);
        fclose(f);
        assert_int_equal(walk(path, 1, NULL, NULL, NULL, &s), 0);
        json_error_t je;
        json_t *o = json_loads(lines[i], JSON_ALLOW_NUL, &je);
        json_t *t = json_is_object(o) ? json_object_get(o, "text") : NULL;
        json_t *id = json_is_object(o) ? json_object_get(o, "id") : NULL;
        int is_doc = json_is_string(t) && (!id || json_is_null(id) || json_is_string(id));
        assert_int_equal(s.n, (size_t)is_doc);
        if (is_doc) {
            char want[256];
            snprintf(want, sizeof want, "%.*s", (int)json_string_length(t), json_string_value(t));
            assert_string_equal(s.texts[0], want);
            if (json_is_string(id)) assert_string_equal(s.ids[0], json_string_value(id));
        }
        if (!is_doc) assert_int_equal(s.n_warns, 1);
        json_decref(o);
    }
    assert_int_equal(tu_rm_rf(dir), 0);
}

/* Directories reported to on_dir, in order. */
typedef struct dirs_seen {
    char paths[8][256];
    size_t docs_before[8]; /**< documents seen when the directory was reported */
    size_t n;
    seen docs;
} dirs_seen;

static int on_dir(void *ctx, const char *path)
{
    dirs_seen *d = ctx;
    assert_true(d->n < 8);
    d->docs_before[d->n] = d->docs.n;
    snprintf(d->paths[d->n++], sizeof d->paths[0], "%s", path);
    return strstr(path, "stop") ? -42 : 0;
}

static int walk_dirs(const char *path, int missing_ok, dirs_seen *d)
{
    corpus_opts o = {.on_dir = on_dir, .dir_ctx = d, .missing_ok = missing_ok};
    const char *paths[] = {path};
    err e;
    err_init(&e);
    memset(d, 0, sizeof *d);
    return corpus_walk(&o, paths, 1, on_doc, &d->docs, &e);
}

static void test_on_dir_and_missing_ok(void **state)
{
    (void)state;
    char dir[64], path[128];
    dirs_seen d;
    assert_non_null(tu_mkdtemp(dir, sizeof dir, "corpus"));
    snprintf(path, sizeof path, "%s/sub", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/.hidden", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    put_text(dir, "a.txt", "top");
    snprintf(path, sizeof path, "%s/sub", dir);
    put_text(path, "b.txt", "below");
    assert_int_equal(walk_dirs(dir, 0, &d), 0);
    assert_int_equal(d.n, 2); /* the hidden directory is never entered */
    assert_string_equal(d.paths[0], dir);
    assert_string_equal(d.paths[1], path);
    assert_int_equal(d.docs.n, 2);
    /* Each directory is reported before its entries: a.txt came before sub, b.txt after. */
    assert_int_equal(d.docs_before[0], 0);
    assert_int_equal(d.docs_before[1], 1);
    assert_string_equal(d.docs.ids[1], "sub/b.txt");
    /* A non-zero return stops the walk and comes back. */
    snprintf(path, sizeof path, "%s/stop", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(walk_dirs(dir, 0, &d), -42);
    /* A missing path: an error, or nothing at all with missing_ok. */
    snprintf(path, sizeof path, "%s/gone", dir);
    assert_int_equal(walk_dirs(path, 0, &d), TRAWL_EARG);
    assert_int_equal(walk_dirs(path, 1, &d), 0);
    snprintf(path, sizeof path, "%s/a.txt/under-a-file", dir);
    assert_int_equal(walk_dirs(path, 1, &d), 0);
    assert_int_equal(d.n + d.docs.n, 0);
    assert_int_equal(tu_rm_rf(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_prefix),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_is_binary),
        cmocka_unit_test(test_is_binary_random),
        cmocka_unit_test(test_walk_dir),
        cmocka_unit_test(test_single_file_and_missing),
        cmocka_unit_test(test_file_turned_fifo_is_skipped),
        cmocka_unit_test(test_on_dir_and_missing_ok),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_jsonl_fields),
        cmocka_unit_test(test_jsonl_like_jansson),
        cmocka_unit_test(test_jsonl_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
