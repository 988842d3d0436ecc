/* Readers during writes: reader threads open, reopen and query an index in a loop while a
 * writer thread adds, updates, deletes, commits and merges under them. After each commit the
 * writer records what that generation answers (a fingerprint of counts, ids and scores of fixed
 * queries, from a handle opened right after the commit); every answer a reader saw must equal
 * the answer of the generation its handle reports: never a mix of two, never a failed open.
 * Also run under ThreadSanitizer (make tsan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"
#include "trawl.h"
#include "writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TC_COMMITS 60
#define TC_READERS 3
#define TC_SEEN    4096 /* answers a reader records */
#define TC_MAXGEN  1024

static char tc_dir[160];
static uint64_t tc_fp[TC_MAXGEN]; /* per generation, written before readers can see it */
static int tc_done;               /* the writer finished (atomic) */

typedef struct tc_seen {
    uint64_t gen, fp;
} tc_seen;

typedef struct tc_reader {
    pthread_t th;
    tc_seen seen[TC_SEEN];
    size_t n_seen;
    int failed;
    char msg[600];
} tc_reader;

static const char *const tc_queries[] = {"alpha",          "beta OR gamma", "alpha beta",
                                         "\"alpha beta\"", "ga*",           "delta -alpha"};

/* What idx answers to the fixed queries; 0 when a search failed. */
static uint64_t tc_fingerprint(trawl_index *idx)
{
    trawl_search *s;
    uint64_t f = 1469598103934665603ULL;
    if (trawl_search_new(&s, idx) != TRAWL_OK) return 0;
    for (size_t i = 0; i < sizeof tc_queries / sizeof *tc_queries; i++) {
        trawl_hit h;
        trawl_options o;
        trawl_options_init(&o);
        o.exact_count = 1;
        if (trawl_search_run(s, tc_queries[i], &o) != TRAWL_OK) {
            trawl_search_free(s);
            return 0;
        }
        f = (f ^ trawl_search_count(s)) * 1099511628211ULL;
        for (size_t k = 0; trawl_search_hit(s, k, &h) == TRAWL_OK; k++) {
            for (size_t j = 0; j < h.id_len; j++)
                f = (f ^ (uint8_t)h.id[j]) * 1099511628211ULL;
            uint64_t bits;
            memcpy(&bits, &h.score, sizeof bits);
            f = (f ^ bits) * 1099511628211ULL;
        }
    }
    trawl_search_free(s);
    return f;
}

static void *tc_read_main(void *arg)
{
    tc_reader *r = arg;
    const char *dirs[] = {tc_dir};
    trawl_index *idx = NULL;
    char eb[512];
    while (!__atomic_load_n(&tc_done, __ATOMIC_ACQUIRE) && r->n_seen < TC_SEEN) {
        trawl_index *nx = NULL;
        int rc = idx ? trawl_index_reopen(idx, &nx, eb, sizeof eb)
                     : trawl_index_open(&nx, dirs, 1, eb, sizeof eb);
        if (rc != TRAWL_OK) {
            snprintf(r->msg, sizeof r->msg, "open/reopen failed: %s", eb);
            r->failed = 1;
            break;
        }
        if (nx) {
            trawl_index_close(idx);
            idx = nx;
        }
        uint64_t fp = tc_fingerprint(idx);
        r->seen[r->n_seen++] = (tc_seen){trawl_index_generation(idx), fp};
        if (r->n_seen % 3 == 0) { /* sometimes start over with a fresh open */
            trawl_index_close(idx);
            idx = NULL;
        }
    }
    trawl_index_close(idx);
    return NULL;
}

static void tc_doc(iw *w, uint64_t *rng, int id)
{
    static const char *const words[] = {"alpha", "beta", "gamma", "delta", "galaxy", "gap"};
    char ids[16], text[400];
    size_t n = 0;
    *rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
    int len = 1 + (int)((*rng >> 33) % 30);
    for (int i = 0; i < len; i++) {
        *rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
        n += (size_t)sprintf(text + n, "%s%s", i ? " " : "", words[(*rng >> 33) % 6]);
    }
    int il = sprintf(ids, "d%d", id);
    iw_doc d = {0, ids, (size_t)il, 0, text, n, n, 0, *rng};
    assert_int_equal(iw_add(w, &d, NULL), TRAWL_OK);
}

/* Records generation g's answer from a handle opened now (the writer is this thread). */
static void tc_record(uint64_t g)
{
    const char *dirs[] = {tc_dir};
    trawl_index *idx;
    char eb[512];
    if (trawl_index_open(&idx, dirs, 1, eb, sizeof eb) != TRAWL_OK) fail_msg("open: %s", eb);
    assert_int_equal(trawl_index_generation(idx), g);
    tc_fp[g] = tc_fingerprint(idx);
    trawl_index_close(idx);
}

static void test_readers_see_whole_generations(void **state)
{
    (void)state;
    static err e;
    static tc_reader readers[TC_READERS];
    iw *w;
    uint64_t rng = 42;
    iw_opts o = {.dir = tc_dir, .language = "english", .threads = 1};
    policy_defaults(&o.policy);
    o.policy.ratio = 3;
    o.policy.floor_bytes = 1;
    err_init(&e);
    assert_int_equal(iw_open(&w, &o, &e), TRAWL_OK);
    for (int i = 0; i < 50; i++)
        tc_doc(w, &rng, i);
    assert_int_equal(iw_commit(w), TRAWL_OK);
    uint64_t g0 = 0;
    {
        const char *dirs[] = {tc_dir};
        trawl_index *idx;
        char eb[512];
        assert_int_equal(trawl_index_open(&idx, dirs, 1, eb, sizeof eb), TRAWL_OK);
        g0 = trawl_index_generation(idx);
        trawl_index_close(idx);
    }
    tc_record(g0);
    for (int i = 0; i < TC_READERS; i++)
        assert_int_equal(pthread_create(&readers[i].th, NULL, tc_read_main, &readers[i]), 0);
    /* Each commit's generations are recorded before the next commit: a reader that sees a
     * generation sees it after its manifest was renamed, which is after the record for every
     * generation but the ones the merge policy adds within one iw_commit; those are recorded
     * right after (readers' answers are checked only at the end). */
    uint64_t last = g0;
    for (int c = 0; c < TC_COMMITS; c++) {
        for (int k = 0; k < 8; k++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            int id = (int)((rng >> 33) % 120);
            char ids[16];
            int il = sprintf(ids, "d%d", id);
            if ((rng >> 40) % 4 == 0)
                assert_true(iw_delete(w, 0, ids, (size_t)il) >= 0);
            else
                tc_doc(w, &rng, id);
        }
        assert_int_equal(c % 10 == 9 ? iw_merge_all(w) : iw_commit(w), TRAWL_OK);
        const char *dirs[] = {tc_dir};
        trawl_index *idx;
        char eb[512];
        assert_int_equal(trawl_index_open(&idx, dirs, 1, eb, sizeof eb), TRAWL_OK);
        uint64_t g = trawl_index_generation(idx);
        trawl_index_close(idx);
        assert_true(g > last && g < TC_MAXGEN);
        /* Generations between last and g were merges of one iw_commit: only the final one is
         * recorded; a reader that saw an intermediate one is checked against nothing. */
        tc_record(g);
        for (uint64_t m = last + 1; m < g; m++)
            tc_fp[m] = UINT64_MAX;
        last = g;
    }
    __atomic_store_n(&tc_done, 1, __ATOMIC_RELEASE);
    size_t total = 0;
    for (int i = 0; i < TC_READERS; i++) {
        assert_int_equal(pthread_join(readers[i].th, NULL), 0);
        if (readers[i].failed) fail_msg("reader %d: %s", i, readers[i].msg);
        for (size_t k = 0; k < readers[i].n_seen; k++) {
            const tc_seen *s = &readers[i].seen[k];
            assert_true(s->gen <= last);
            if (tc_fp[s->gen] == UINT64_MAX) continue;
            if (s->fp != tc_fp[s->gen])
                fail_msg("reader %d saw generation %llu answer differently", i,
                         (unsigned long long)s->gen);
            total++;
        }
    }
    fprintf(stderr, "# %zu reader answers checked against %d commits\n", total, TC_COMMITS);
    assert_true(total > 0);
    iw_close(w);
}

static int tc_setup(void **state)
{
    (void)state;
    return tu_mkdtemp(tc_dir, sizeof tc_dir, "conc") ? 0 : -1;
}

static int tc_teardown(void **state)
{
    (void)state;
    return tu_rm_rf(tc_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readers_see_whole_generations),
    };
    return cmocka_run_group_tests(tests, tc_setup, tc_teardown);
}
