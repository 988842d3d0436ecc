/* Unit tests of ignore.c (gitignore rules) and select.c (the walk's entry rules): known answers
 * for every rule of gitignore(5) the matcher claims: comments, escapes, trailing spaces,
 * negation and its order, directory-only patterns, anchored and unanchored patterns, "*" not
 * crossing "/", "**" at the start, end and middle, character sets; and --type globs. The walk
 * as a whole is compared with git itself in tests/cli/corpus.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "ignore.h"
#include "select.h"

typedef struct case_ {
    const char *path;
    int is_dir;
    int want; /**< IGN_* */
} case_;

/* Builds a list from the lines of text and checks every case against it. */
static void check(const char *text, const case_ *cases, size_t n)
{
    ign_list l;
    ign_init(&l);
    assert_int_equal(ign_add_text(&l, text, strlen(text)), 0);
    for (size_t i = 0; i < n; i++) {
        int got = ign_match(&l, cases[i].path, cases[i].is_dir);
        if (got != cases[i].want)
            fail_msg("patterns \"%s\": %s%s gave %d, want %d", text, cases[i].path,
                     cases[i].is_dir ? "/" : "", got, cases[i].want);
    }
    ign_free(&l);
}

#define CHECK(text, ...)                           \
    do {                                           \
        const case_ c_[] = {__VA_ARGS__};          \
        check(text, c_, sizeof c_ / sizeof c_[0]); \
    } while (0)

static void test_basics(void **state)
{
    (void)state;
    /* no slash: the name at any depth */
    CHECK("*.log\n", {"a.log", 0, IGN_IGNORE}, {"x/y/a.log", 0, IGN_IGNORE},
          {"a.log.txt", 0, IGN_NONE}, {"x.log", 1, IGN_IGNORE});
    /* comments, blank lines, CRLF, trailing spaces dropped unless escaped */
    CHECK("# comment\n\n  \nfoo  \r\nbar\\ \n", {"# comment", 0, IGN_NONE}, {"foo", 0, IGN_IGNORE},
          {"bar ", 0, IGN_IGNORE}, {"bar", 0, IGN_NONE});
    /* \# and \! are literal */
    CHECK("\\#hash\n\\!bang\n", {"#hash", 0, IGN_IGNORE}, {"!bang", 0, IGN_IGNORE});
    /* '*' matches a leading dot, as in git */
    CHECK("*rc\n", {".bashrc", 0, IGN_IGNORE});
    /* sets and '?' */
    CHECK("f[ao]o?.c\n", {"fao1.c", 0, IGN_IGNORE}, {"foo2.c", 0, IGN_IGNORE},
          {"fio1.c", 0, IGN_NONE}, {"fao.c", 0, IGN_NONE});
}

static void test_negation_and_dirs(void **state)
{
    (void)state;
    /* the last matching rule decides */
    CHECK("*.log\n!keep.log\n", {"a.log", 0, IGN_IGNORE}, {"d/keep.log", 0, IGN_KEEP},
          {"x.txt", 0, IGN_NONE});
    CHECK("!keep.log\n*.log\n", {"keep.log", 0, IGN_IGNORE});
    /* a trailing slash: directories only */
    CHECK("build/\n", {"build", 1, IGN_IGNORE}, {"build", 0, IGN_NONE},
          {"src/build", 1, IGN_IGNORE});
    /* leading slash: anchored; no slash: anywhere */
    CHECK("/todo\n", {"todo", 0, IGN_IGNORE}, {"src/todo", 0, IGN_NONE});
    CHECK("todo\n", {"todo", 0, IGN_IGNORE}, {"src/todo", 0, IGN_IGNORE});
    /* a middle slash anchors too, and '*' does not cross '/' */
    CHECK("doc/*.txt\n", {"doc/a.txt", 0, IGN_IGNORE}, {"doc/sub/a.txt", 0, IGN_NONE},
          {"x/doc/a.txt", 0, IGN_NONE});
}

static void test_double_star(void **state)
{
    (void)state;
    /* leading: in every directory */
    CHECK("**/foo\n", {"foo", 0, IGN_IGNORE}, {"a/foo", 1, IGN_IGNORE}, {"a/b/foo", 0, IGN_IGNORE},
          {"a/foox", 0, IGN_NONE});
    CHECK("**/foo/bar\n", {"foo/bar", 0, IGN_IGNORE}, {"x/y/foo/bar", 0, IGN_IGNORE},
          {"foo/x/bar", 0, IGN_NONE});
    /* trailing: everything inside, not the directory itself */
    CHECK("abc/**\n", {"abc/x", 0, IGN_IGNORE}, {"abc/x/y", 0, IGN_IGNORE}, {"abc", 1, IGN_NONE});
    /* middle: zero or more directories */
    CHECK("a/**/b\n", {"a/b", 0, IGN_IGNORE}, {"a/x/b", 0, IGN_IGNORE}, {"a/x/y/b", 0, IGN_IGNORE},
          {"a/x/c", 0, IGN_NONE}, {"b", 0, IGN_NONE});
}

static void test_glob_and_types(void **state)
{
    (void)state;
    assert_true(ign_glob("*.md", "notes/a.md", 0));
    assert_false(ign_glob("*.md", "notes/a.mdx", 0));
    assert_true(ign_glob("notes/**", "notes/x/y.txt", 0));
    sel s;
    sel_init(&s);
    assert_int_equal(sel_add_type(&s, "nosuchtype"), -1);
    assert_int_equal(sel_add_type(&s, "rst"), 0);
    assert_int_equal(ign_match(&s.include, "Documentation/a.rst", 0), IGN_IGNORE);
    assert_int_equal(ign_match(&s.include, "Documentation/a.rst.gz", 0), IGN_IGNORE);
    assert_int_equal(ign_match(&s.include, "Documentation/a.txt", 0), IGN_NONE);
    sel_free(&s);
    assert_true(sel_is_vcs(".git") && sel_is_vcs(".hg") && sel_is_vcs(".svn"));
    assert_false(sel_is_vcs(".github"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basics),
        cmocka_unit_test(test_negation_and_dirs),
        cmocka_unit_test(test_double_star),
        cmocka_unit_test(test_glob_and_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
