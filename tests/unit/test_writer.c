/* test_writer: the writer's passes (writer.h). Marks set by iw_add, iw_touch and iw_seen make
 * iw_lookup answer 2 and keep documents from iw_delete_unseen until the next commit; after it
 * every document is unmarked again, so a writer kept open syncs the same paths once per commit
 * (what a watch does). Also the catalog's mark epoch on its own. No files are read: documents
 * hang under a root that need not exist. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "catalog.h"
#include "testutil.h"
#include "writer.h"

#include <string.h>

#define WT_ROOT "/trawl-test-writer-root"

/* Adds a document with id and text under root; its size is the text's length. */
static void wt_add(iw *w, uint32_t root, const char *id, const char *text, int want_replaced)
{
    int replaced = -1;
    iw_doc d = {root, id, strlen(id), 0, text, strlen(text), strlen(text), 1000, strlen(text)};
    assert_int_equal(iw_add(w, &d, &replaced), TRAWL_OK);
    assert_int_equal(replaced, want_replaced);
}

static int wt_lookup(iw *w, uint32_t root, const char *id)
{
    fmt_src src;
    return iw_lookup(w, root, id, strlen(id), &src);
}

static void test_passes(void **state)
{
    (void)state;
    char dir[64];
    iw *w = NULL;
    uint32_t root;
    uint64_t n;
    err e;
    err_init(&e);
    assert_non_null(tu_mkdtemp(dir, sizeof dir, "writer"));
    iw_opts o = {.dir = dir, .threads = 1, .no_merge = 1};
    assert_int_equal(iw_open(&w, &o, &e), TRAWL_OK);
    assert_int_equal(iw_root(w, WT_ROOT, &root), TRAWL_OK);
    wt_add(w, root, "a.txt", "alpha", 0);
    wt_add(w, root, "sub/b.txt", "bravo", 0);
    wt_add(w, root, "sub/c.txt", "charlie", 0);
    /* Added in this pass: marked, so a second walk of the same pass skips them. */
    assert_int_equal(wt_lookup(w, root, "a.txt"), 2);
    assert_int_equal(iw_commit(w), TRAWL_OK);
    /* A new pass: every document answers with its recorded source again. */
    fmt_src src;
    assert_int_equal(iw_lookup(w, root, "a.txt", 5, &src), 1);
    assert_int_equal(src.size, 5);
    assert_int_equal(src.hash, 5);
    /* Seen in this pass: kept; unseen under the directory: deleted. */
    assert_int_equal(iw_seen(w, root, "sub/b.txt", 9), TRAWL_OK);
    assert_int_equal(wt_lookup(w, root, "sub/b.txt"), 2);
    assert_int_equal(iw_delete_unseen(w, WT_ROOT "/sub", 1, &n), TRAWL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(wt_lookup(w, root, "sub/c.txt"), 0);
    assert_int_equal(wt_lookup(w, root, "a.txt"), 1);
    assert_int_equal(iw_commit(w), TRAWL_OK);
    /* The next pass forgot that b was seen: a file path deletes it (one lookup), and a file
     * marked in this pass is kept. */
    assert_int_equal(wt_lookup(w, root, "sub/b.txt"), 1);
    assert_int_equal(iw_touch(w, root, "a.txt", 5, 5, 2000), TRAWL_OK);
    assert_int_equal(iw_delete_unseen(w, WT_ROOT "/a.txt", 0, &n), TRAWL_OK);
    assert_int_equal(n, 0);
    assert_int_equal(iw_delete_unseen(w, WT_ROOT "/sub/b.txt", 0, &n), TRAWL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(iw_delete_unseen(w, WT_ROOT "/sub/none.txt", 0, &n), TRAWL_OK);
    assert_int_equal(n, 0);
    assert_int_equal(iw_commit(w), TRAWL_OK);
    assert_int_equal(iw_n_docs(w), 1);
    /* The touch was committed: the next pass sees the new mtime. */
    assert_int_equal(iw_lookup(w, root, "a.txt", 5, &src), 1);
    assert_int_equal(src.mtime_ns, 2000);
    /* A replaced document is marked again in the pass that replaced it. */
    wt_add(w, root, "a.txt", "alpha two", 1);
    assert_int_equal(wt_lookup(w, root, "a.txt"), 2);
    assert_int_equal(iw_merge_all(w), TRAWL_OK);
    assert_int_equal(wt_lookup(w, root, "a.txt"), 1);
    const iw_counts *c = iw_get_counts(w);
    assert_int_equal(c->added, 3);
    assert_int_equal(c->replaced, 1);
    assert_int_equal(c->deleted, 2);
    iw_close(w);
    assert_int_equal(tu_rm_rf(dir), 0);
}

static void test_catalog_epoch(void **state)
{
    (void)state;
    catalog *c = cat_new();
    assert_non_null(c);
    assert_int_equal(cat_put(c, "/x", 2, (cat_loc){1, 0}), 0);
    assert_int_equal(cat_put(c, "/y", 2, (cat_loc){1, 1}), 0);
    assert_int_equal(cat_mark(c, "/x", 2), 1);
    assert_int_equal(cat_mark(c, "/z", 2), 0);
    assert_true(cat_is_marked(c, "/x", 2));
    assert_false(cat_is_marked(c, "/y", 2));
    cat_unmark_all(c);
    assert_false(cat_is_marked(c, "/x", 2));
    assert_int_equal(cat_mark(c, "/y", 2), 1);
    assert_true(cat_is_marked(c, "/y", 2));
    /* A put (a replacement) starts unmarked. */
    assert_int_equal(cat_put(c, "/y", 2, (cat_loc){2, 0}), 0);
    assert_false(cat_is_marked(c, "/y", 2));
    cat_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passes),
        cmocka_unit_test(test_catalog_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
