/* test_golden_v3: segment formats 3 and 4, byte for byte. tests/data/golden-v3/seg-000001.trw
 * and golden-v4/seg-000001.trw are small segments written by the version 3 and 4 writers from
 * the documents below (see their README.md): 130 documents of lengths 10 + d, the word `w` in
 * all of them (two postings blocks, so a skip table and an impact table) and `x` in document 0
 * (inline). The writer must still produce exactly the version 4 bytes (a change of layout must
 * bump FMT_VERSION and add a new fixture), both fixtures must open and pass the deep check, and
 * their impact tables must hold the frontiers worked out by hand: block 0 has four frontier
 * points, (1, 10), (3, 15), (7, 50) and (9, 110) (documents 0, 5, 40, 100); block 1 one,
 * (2, 138) (document 128; document 129, tf 1 and length 139, lies under it). Version 4's chunk
 * sums cover the dictionary and the ids, and a damaged chunk fails the lookup that reads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dict.h"
#include "format.h"
#include "segment.h"
#include "segment_impl.h"
#include "segment_writer.h"
#include "term_cursor.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define G3_DOCS 130

static char g3_fixture[256], g4_fixture[256], g3_tmp[128];

static uint32_t g3_tf(uint32_t d)
{
    return d == 5 ? 3 : d == 40 ? 7 : d == 100 ? 9 : d == 128 ? 2 : 1;
}

/* Writes the fixture's segment to dir/name with the current writer. */
static void g3_write(const char *dir, const char *name)
{
    segment_writer *w;
    err e;
    err_init(&e);
    assert_int_equal(sw_open(&w, dir, name, 1, "none", 64, &e), TRAWL_OK);
    for (uint32_t d = 0; d < G3_DOCS; d++) {
        char id[8];
        int n = snprintf(id, sizeof id, "d%u", d);
        assert_int_equal(sw_add_doc(w, id, (size_t)n, 0, 10 + d, "w", 1, NULL), TRAWL_OK);
    }
    uint32_t pos[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(sw_term_begin(w, "w", 1), TRAWL_OK);
    for (uint32_t d = 0; d < G3_DOCS; d++)
        assert_int_equal(sw_term_doc(w, d, pos, g3_tf(d)), TRAWL_OK);
    assert_int_equal(sw_term_end(w), TRAWL_OK);
    assert_int_equal(sw_term_begin(w, "x", 1), TRAWL_OK);
    assert_int_equal(sw_term_doc(w, 0, pos + 9 - 1, 1), TRAWL_OK);
    assert_int_equal(sw_term_end(w), TRAWL_OK);
    assert_int_equal(sw_finish(w, NULL), TRAWL_OK);
    sw_free(w);
}

static unsigned char *g3_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static int g3_setup(void **state)
{
    (void)state;
    const char *cand[] = {"tests/data", "../tests/data", "../../tests/data"};
    for (size_t i = 0; i < 3 && !g3_fixture[0]; i++) {
        snprintf(g3_fixture, sizeof g3_fixture, "%s/golden-v3/seg-000001.trw", cand[i]);
        snprintf(g4_fixture, sizeof g4_fixture, "%s/golden-v4/seg-000001.trw", cand[i]);
        if (access(g3_fixture, R_OK) != 0) g3_fixture[0] = '\0';
    }
    if (!g3_fixture[0] || !tu_mkdtemp(g3_tmp, sizeof g3_tmp, "golden3")) return -1;
    /* TRAWL_GOLDEN_V4_WRITE=DIR writes the current fixture there (how it was made). */
    const char *out = getenv("TRAWL_GOLDEN_V4_WRITE");
    if (out) g3_write(out, "seg-000001.trw");
    return 0;
}

static int g3_teardown(void **state)
{
    (void)state;
    tu_rm_rf(g3_tmp);
    return 0;
}

static void test_writer_bytes_unchanged(void **state)
{
    (void)state;
    char path[256];
    size_t a_len, b_len;
    g3_write(g3_tmp, "seg-000001.trw");
    snprintf(path, sizeof path, "%s/seg-000001.trw", g3_tmp);
    unsigned char *a = g3_slurp(g4_fixture, &a_len), *b = g3_slurp(path, &b_len);
    assert_int_equal(a_len, b_len);
    for (size_t i = 0; i < a_len; i++)
        if (a[i] != b[i]) fail_msg("byte %zu differs: fixture %02x, writer %02x", i, a[i], b[i]);
    free(a);
    free(b);
}

static void g3_check_impacts(const char *fixture, uint32_t version)
{
    segment *s;
    err e;
    err_init(&e);
    assert_int_equal(segment_open(&s, fixture, "seg-000001.trw", 1, &e), TRAWL_OK);
    assert_int_equal(s->version, version);
    assert_int_equal(segment_check(s, &e), TRAWL_OK);
    term_info ti;
    assert_int_equal(dict_find(s, "w", 1, &ti, &e), 1);
    assert_int_equal(ti.df, G3_DOCS);
    assert_int_equal(ti.max_tf, 9);
    assert_int_equal(ti.min_len, 10);
    /* The list: two skip entries (20 bytes each), then the impact table. */
    static const unsigned char want[2 * FMT_IMPACTS * 4] = {
        0x01, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x0f, 0x00, 0x07, 0x00, 0x32,
        0x00, 0x09, 0x00, 0x6e, 0x00, 0x02, 0x00, 0x8a, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    const uint8_t *list = s->sec[FMT_SEC_POSTINGS].p + ti.post_off;
    assert_memory_equal(list + 2 * sizeof(fmt_skip), want, sizeof want);
    /* What the cursor reads from them. */
    term_cursor c;
    uint32_t tf[FMT_IMPACTS], len[FMT_IMPACTS];
    assert_int_equal(tc_open(&c, s, &ti, &e), TRAWL_OK);
    tc_shallow_seek(&c, 0);
    assert_int_equal(tc_block_impacts(&c, tf, len), 4);
    assert_int_equal(tf[3], 9);
    assert_int_equal(len[3], 110);
    tc_shallow_seek(&c, 128);
    assert_int_equal(tc_block_impacts(&c, tf, len), 1);
    assert_int_equal(tf[0], 2);
    assert_int_equal(len[0], 138);
    tc_close(&c);
    segment_close(s);
}

static void test_fixture_impacts(void **state)
{
    (void)state;
    g3_check_impacts(g3_fixture, 3);
    g3_check_impacts(g4_fixture, 4);
}

/* Version 4: one chunk of dictionary and one of ids (both under 4 KiB), each with its sum; a
 * flipped dictionary byte fails the lookup that reads its chunk, a flipped id the hit. */
static void test_fixture_chunks(void **state)
{
    (void)state;
    size_t n;
    unsigned char *f = g3_slurp(g4_fixture, &n);
    segment *s;
    err e;
    err_init(&e);
    assert_int_equal(segment_open(&s, g4_fixture, "seg-000001.trw", 1, &e), TRAWL_OK);
    assert_int_equal(s->n_dict_chunks, 1);
    assert_int_equal(s->n_ids_chunks, 1);
    assert_int_equal(s->sec[FMT_SEC_CHUNK_SUMS].len, 8);
    uint64_t dict_off = s->sec[FMT_SEC_DICT].off, ids_off = s->sec[FMT_SEC_IDS].off;
    segment_close(s);
    char path[256];
    snprintf(path, sizeof path, "%s/flip.trw", g3_tmp);
    for (int k = 0; k < 2; k++) {
        uint64_t at = k == 0 ? dict_off + 3 : ids_off + 1;
        f[at] ^= 0x20;
        FILE *o = fopen(path, "wb");
        assert_non_null(o);
        assert_int_equal(fwrite(f, 1, n, o), n);
        fclose(o);
        f[at] ^= 0x20;
        err_init(&e);
        assert_int_equal(segment_open(&s, path, "seg-000001.trw", 1, &e), TRAWL_OK);
        term_info ti;
        uint32_t date;
        const char *id;
        size_t len;
        int rc =
            k == 0 ? dict_find(s, "w", 1, &ti, &e) : segment_doc_meta(s, 0, &date, &id, &len, &e);
        assert_int_equal(rc, TRAWL_ECORRUPT);
        assert_non_null(strstr(e.msg, k == 0 ? "dictionary: checksum mismatch (chunk"
                                             : "ids: checksum mismatch (chunk"));
        segment_close(s);
    }
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_bytes_unchanged),
        cmocka_unit_test(test_fixture_impacts),
        cmocka_unit_test(test_fixture_chunks),
    };
    return cmocka_run_group_tests(tests, g3_setup, g3_teardown);
}
