/* Unit tests of the query parser: exact trees (printed canonically) for many queries, every
 * error message with its column, and the limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "qparse.h"

#include <stdio.h>
#include <string.h>

typedef struct tq_fixture {
    analyzer *an;
    arena a;
} tq_fixture;

static int tq_setup(void **state)
{
    static tq_fixture f;
    err e;
    err_init(&e);
    if (analyzer_new(&f.an, "english", 0, &e) != TRAWL_OK) return -1;
    arena_init(&f.a);
    *state = &f;
    return 0;
}

static int tq_teardown(void **state)
{
    tq_fixture *f = *state;
    analyzer_free(f->an);
    arena_free(&f->a);
    return 0;
}

/* Appends a printf-formatted string to out (cap bytes, always NUL-terminated). */
static void tq_cat(char *out, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(out);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + n, cap - n, fmt, ap);
    va_end(ap);
}

/* Canonical form: term:x, phrase:"a b" ("?" for a gap, ~N for slop), prefix:x*, all, and
 * (+must should -must_not) for Q_BOOL. */
static void tq_print(const qnode *n, char *out, size_t cap)
{
    switch (n->kind) {
    case Q_TERM:
        tq_cat(out, cap, "term:%s", n->terms[0]);
        break;
    case Q_PREFIX:
        tq_cat(out, cap, "prefix:%s*", n->terms[0]);
        break;
    case Q_FUZZY:
        tq_cat(out, cap, "fuzzy:%s~%u", n->terms[0], n->max_edits);
        break;
    case Q_ALL:
        tq_cat(out, cap, "all");
        break;
    case Q_PHRASE:
        tq_cat(out, cap, "phrase:\"");
        for (uint32_t i = 0; i < n->n_terms; i++) {
            for (uint32_t g = i ? n->offsets[i - 1] + 1 : 0; g < n->offsets[i]; g++)
                tq_cat(out, cap, "? ");
            tq_cat(out, cap, "%s%s", n->terms[i], i + 1 < n->n_terms ? " " : "\"");
        }
        if (n->slop) tq_cat(out, cap, "~%u", n->slop);
        break;
    case Q_BOOL: {
        const char *sep = "";
        tq_cat(out, cap, "(");
        for (uint32_t i = 0; i < n->n_must; i++, sep = " ") {
            tq_cat(out, cap, "%s+", sep);
            tq_print(n->must[i], out, cap);
        }
        for (uint32_t i = 0; i < n->n_should; i++, sep = " ") {
            tq_cat(out, cap, "%s", sep);
            tq_print(n->should[i], out, cap);
        }
        for (uint32_t i = 0; i < n->n_must_not; i++, sep = " ") {
            tq_cat(out, cap, "%s-", sep);
            tq_print(n->must_not[i], out, cap);
        }
        tq_cat(out, cap, ")");
        break;
    }
    }
}

/* Parses text and returns the canonical tree (with " date:A..B" when filtered) or
 * "error@COL: message". */
static const char *tq_parse(tq_fixture *f, const char *text, int default_or)
{
    static char out[8192];
    query q;
    uint32_t col = 99;
    err e;
    err_init(&e);
    arena_reset(&f->a);
    out[0] = '\0';
    int rc = qp_parse(text, default_or, f->an, &f->a, &q, &col, &e);
    if (rc != TRAWL_OK) {
        snprintf(out, sizeof out, "error@%u: %s", col, e.msg);
        assert_int_equal(rc, TRAWL_EQUERY);
        assert_null(q.root);
        return out;
    }
    assert_int_equal(col, 0);
    tq_print(q.root, out, sizeof out);
    if (q.date_from || q.date_to) tq_cat(out, sizeof out, " date:%u..%u", q.date_from, q.date_to);
    return out;
}

typedef struct tq_case {
    const char *query;
    int default_or;
    const char *want;
} tq_case;

static void tq_run_cases(tq_fixture *f, const tq_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *got = tq_parse(f, c[i].query, c[i].default_or);
        if (strcmp(got, c[i].want) != 0)
            fail_msg("query [%s] (or=%d)\n  want %s\n  got  %s", c[i].query, c[i].default_or,
                     c[i].want, got);
    }
}

#define TQ_N(a) (sizeof(a) / sizeof((a)[0]))

static void test_leaves(void **state)
{
    static const tq_case c[] = {
        {"gaza", 0, "term:gaza"},
        {"Gaza", 0, "term:gaza"},
        {"invasion", 0, "term:invas"},
        {"\"ground invasion\"", 0, "phrase:\"ground invas\""},
        {"\"Gaza\"", 0, "term:gaza"},
        {"\"gaza\"~4", 0, "term:gaza"},
        {"\"a b c\"~3", 0, "phrase:\"a b c\"~3"},
        {"\"a b\"~0", 0, "phrase:\"a b\""},
        {"gaza-egypt", 0, "phrase:\"gaza egypt\""},
        {"u.s", 0, "phrase:\"u s\""},
        {"U.S.", 0, "phrase:\"u s\""},
        {"3.14", 0, "term:3.14"},
        {"foo*", 0, "prefix:foo*"},
        {"Running*", 0, "prefix:running*"},
        {"+foo*", 0, "prefix:foo*"},
        {"\"\" gaza", 0, "term:gaza"},
        {"\"& !\" gaza", 0, "term:gaza"},
        {"a & b", 0, "(+term:a +term:b)"},
        {"a - b", 0, "(+term:a +term:b)"},
        {"--a", 0, "term:a"},
        {"+AND", 0, "term:and"},
        {"-OR b", 0, "(+term:b -term:or)"},
        {"a and b", 0, "(+term:a +term:and +term:b)"},
        {"a or not b", 0, "(+term:a +term:or +term:not +term:b)"},
        {"Date:2024", 0, "phrase:\"date 2024\""},
        {"galant~1", 0, "fuzzy:galant~1"},
        {"Galants~2", 0, "fuzzy:galant~2"}, /* the analysed (stemmed) form */
        {"galant~", 0, "fuzzy:galant~2"},   /* Lucene's default */
        {"galant~0", 0, "term:galant"},
        {"-galant~1 b", 0, "(+term:b -fuzzy:galant~1)"},
        {"a~b", 0, "phrase:\"a b\""}, /* not a distance: a word as before */
        {"~1", 0, "term:1"},
        {"~", 0, "error@1: query has nothing to search for (no letters or digits)"},
        {"&~1 b", 0, "term:b"},
    };
    tq_run_cases(*state, c, TQ_N(c));
}

static void test_gap_from_long_token(void **state)
{
    char q[200];
    char lng[100];
    memset(lng, 'x', 80);
    lng[80] = '\0';
    snprintf(q, sizeof q, "\"alpha %s beta\"", lng);
    assert_string_equal(tq_parse(*state, q, 0), "phrase:\"alpha ? beta\"");
    snprintf(q, sizeof q, "\"%s alpha beta\"", lng);
    assert_string_equal(tq_parse(*state, q, 0), "phrase:\"alpha beta\"");
    snprintf(q, sizeof q, "%s gaza", lng);
    assert_string_equal(tq_parse(*state, q, 0), "term:gaza");
}

/* A word longer than the maximum token length is ignored as before, but never in silence: each
 * one is a warning with its column, length and an abbreviated message, and a query of nothing
 * else says so instead of "no letters or digits" (issue 13). */
static void test_long_words_warned(void **state)
{
    tq_fixture *f = *state;
    static char text[100100];
    query q;
    uint32_t col;
    err e;
    err_init(&e);
    arena_reset(&f->a);
    size_t n = (size_t)snprintf(text, sizeof text, "memory ");
    memset(text + n, 'x', 100000);
    n += 100000;
    memcpy(text + n, " \"a ", 4);
    memset(text + n + 4, 'x', 70);
    memcpy(text + n + 74, " b\"", 4);
    assert_int_equal(qp_parse(text, 0, f->an, &f->a, &q, &col, &e), TRAWL_OK);
    assert_int_equal(q.n_warns, 2);
    assert_int_equal(q.warns[0].col, 8);
    assert_int_equal(q.warns[0].len, 100000);
    assert_string_equal(
        q.warns[0].msg,
        "query word \"xxxxxxxxxxxxxxxxxxxxxxxx\u2026\" (100000 bytes) is longer than "
        "the index's maximum token length 64 and was ignored");
    assert_int_equal(q.warns[1].col, 100012); /* after `memory x…x "a ` */
    assert_int_equal(q.warns[1].len, 70);
    text[n] = '\0';
    assert_string_equal(tq_parse(f, text, 0), "term:memori");
    assert_string_equal(tq_parse(f, text + 7, 0),
                        "error@1: query word \"xxxxxxxxxxxxxxxxxxxxxxxx\u2026\" (100000 bytes) is "
                        "longer than the index's maximum token length 64 and was ignored; the "
                        "query has nothing else to search for");
    assert_string_equal(tq_parse(f, "& !", 0),
                        "error@1: query has nothing to search for (no letters or digits)");
    assert_int_equal(qp_parse("gaza", 0, f->an, &f->a, &q, &col, &e), TRAWL_OK);
    assert_int_equal(q.n_warns, 0);
}

static void test_bool_and_mode(void **state)
{
    static const tq_case c[] = {
        {"ground invasion", 0, "(+term:ground +term:invas)"},
        {"gaza \"ground invasion\" -netanyahu", 0,
         "(+term:gaza +phrase:\"ground invas\" -term:netanyahu)"},
        {"+gaza -\"ground invasion\"", 0, "(+term:gaza -phrase:\"ground invas\")"},
        {"a AND b", 0, "(+term:a +term:b)"},
        {"a b OR c d", 0, "((+term:a +term:b) (+term:c +term:d))"},
        {"a OR b c", 0, "(term:a (+term:b +term:c))"},
        {"a OR b OR c", 0, "(term:a term:b term:c)"},
        {"a OR (b OR c)", 0, "(term:a term:b term:c)"},
        {"(a b) c", 0, "(+term:a +term:b +term:c)"},
        {"(a -b) c", 0, "(+term:a +term:c -term:b)"},
        {"(a OR b) c", 0, "(+(term:a term:b) +term:c)"},
        {"((a))", 0, "term:a"},
        {"a NOT b", 0, "(+term:a -term:b)"},
        {"a AND NOT b", 0, "(+term:a -term:b)"},
        {"a NOT (b OR c)", 0, "(+term:a -(term:b term:c))"},
        {"a OR -b", 0, "(term:a -term:b)"},
        {"a OR +b", 0, "(+term:b term:a)"},
        {"a OR NOT b", 0, "(term:a -term:b)"},
        {"+(a OR b) -(c d)", 0, "(+(term:a term:b) -(+term:c +term:d))"},
        {"a AND &", 0, "term:a"},
        {"& OR a", 0, "term:a"},
        {"a (&)", 0, "term:a"},
        {"blinken -netanyahu", 0, "(+term:blinken -term:netanyahu)"},
    };
    tq_run_cases(*state, c, TQ_N(c));
}

static void test_bool_or_mode(void **state)
{
    static const tq_case c[] = {
        {"civilian casualties", 1, "(term:civilian term:casualti)"},
        {"a b -c", 1, "(term:a term:b -term:c)"},
        {"a b +c", 1, "(+term:c term:a term:b)"},
        {"a AND b c", 1, "((+term:a +term:b) term:c)"},
        {"a AND b OR c", 1, "((+term:a +term:b) term:c)"},
        {"(a b) c", 1, "(term:a term:b term:c)"},
        {"+(a b) c", 1, "(+(term:a term:b) term:c)"},
        {"a NOT b", 1, "(term:a -term:b)"},
        {"a", 1, "term:a"},
        {"+a", 1, "term:a"},
    };
    tq_run_cases(*state, c, TQ_N(c));
}

/* A group of one clause skips the list and the Q_BOOL (qp_single): the tree must be the one the
 * general path builds, in both modes, for every kind of lone clause. */
static void test_single_clause(void **state)
{
    static const tq_case c[] = {
        {"rafah", 0, "term:rafah"},
        {"rafah", 1, "term:rafah"},
        {"  rafah\t", 1, "term:rafah"},
        {"+rafah", 1, "term:rafah"},
        {"-rafah", 1, "error@1: query has only excluded clauses; add a term to search"},
        {"NOT rafah", 1, "error@5: query has only excluded clauses; add a term to search"},
        {"(rafah)", 1, "term:rafah"},
        {"((rafah))", 0, "term:rafah"},
        {"(-rafah)", 1, "error@1: group has only excluded clauses; add a term to search"},
        {"\"civilian casualties\"", 1, "phrase:\"civilian casualti\""},
        {"gaza-egypt", 1, "phrase:\"gaza egypt\""},
        {"raf*", 1, "prefix:raf*"},
        {"&", 1, "error@1: query has nothing to search for (no letters or digits)"},
        {"(&)", 0, "error@1: query has nothing to search for (no letters or digits)"},
        {"& rafah", 1, "term:rafah"},
        {"rafah &", 0, "term:rafah"},
        {"(a) b", 0, "(+term:a +term:b)"},
        {"a (b)", 1, "(term:a term:b)"},
        {"rafah date:2024-03-21", 1, "term:rafah date:20240321..20240321"},
    };
    tq_run_cases(*state, c, TQ_N(c));
}

static void test_dates(void **state)
{
    static const tq_case c[] = {
        {"date:2024-03-21..2024-03-22", 0, "all date:20240321..20240322"},
        {"rafah date:2024-03-21..", 0, "term:rafah date:20240321..0"},
        {"date:..2024-03-22 rafah", 0, "term:rafah date:0..20240322"},
        {"date:2024-03-21", 0, "all date:20240321..20240321"},
        {"date:2024-02-29", 0, "all date:20240229..20240229"},
        {"date:2000-02-29", 0, "all date:20000229..20000229"},
        {"a OR date:2024-03-21", 0, "term:a date:20240321..20240321"},
        {"(a date:2024-03-21) b", 0, "(+term:a +term:b) date:20240321..20240321"},
        {"date:2024-03-21..2024-03-21", 0, "all date:20240321..20240321"},
        {"date:2023-02-29", 0, "error@6: bad date: no such day in the calendar"},
        {"date:1900-02-29", 0, "error@6: bad date: no such day in the calendar"},
        {"date:2024-04-31", 0, "error@6: bad date: no such day in the calendar"},
        {"date:2024-13-01", 0, "error@6: bad date: no such day in the calendar"},
        {"date:0000-01-01", 0, "error@6: bad date: no such day in the calendar"},
        {"date:2024-3-21", 0, "error@6: bad date: expected YYYY-MM-DD"},
        {"date:2024-03-211", 0, "error@6: bad date: expected YYYY-MM-DD"},
        {"date:", 0, "error@6: bad date: expected YYYY-MM-DD"},
        {"date:foo", 0, "error@6: bad date: expected YYYY-MM-DD"},
        {"x date:2024-01-01..bar", 0, "error@20: bad date: expected YYYY-MM-DD"},
        {"date:..", 0, "error@1: date: range needs at least one end (date:A..B)"},
        {"date:2024-03-22..2024-03-21", 0, "error@1: date: range ends before it starts"},
        {"date:2024-01-01 date:2024-01-02", 0, "error@17: only one date: filter is allowed"},
        {"a -date:2024-01-01", 0, "error@3: a date: filter cannot take '-'"},
        {"a +date:2024-01-01", 0, "error@3: a date: filter cannot take '+'"},
        {"a NOT date:2024-01-01", 0, "error@7: a date: filter cannot take 'NOT'"},
        {"-a date:2024-01-01", 0, "error@1: query has only excluded clauses; add a term to search"},
    };
    tq_run_cases(*state, c, TQ_N(c));
}

static void test_errors(void **state)
{
    static const tq_case c[] = {
        {"", 0, "error@1: empty query"},
        {"   ", 0, "error@4: empty query"},
        {"&", 0, "error@1: query has nothing to search for (no letters or digits)"},
        {"- +", 0, "error@1: query has nothing to search for (no letters or digits)"},
        {"(a", 0, "error@1: unmatched '('"},
        {"a (b (c)", 0, "error@3: unmatched '('"},
        {"a)", 0, "error@2: unmatched ')'"},
        {")", 0, "error@1: unmatched ')'"},
        {"a OR )", 0, "error@3: OR without right operand"},
        {"\"a b", 0, "error@1: unmatched '\"'"},
        {"a \"b\" \"c", 0, "error@7: unmatched '\"'"},
        {"()", 0, "error@1: empty parentheses"},
        {"a +()", 0, "error@4: empty parentheses"},
        {"AND b", 0, "error@1: AND without left operand"},
        {"OR b", 0, "error@1: OR without left operand"},
        {"(OR b)", 0, "error@2: OR without left operand"},
        {"a OR", 0, "error@3: OR without right operand"},
        {"a AND", 0, "error@3: AND without right operand"},
        {"a AND OR b", 0, "error@3: AND without right operand"},
        {"a OR AND b", 0, "error@3: OR without right operand"},
        {"NOT", 0, "error@1: NOT without operand"},
        {"a NOT", 0, "error@3: NOT without operand"},
        {"a NOT NOT b", 0, "error@3: NOT without operand"},
        {"a NOT -b", 0, "error@7: NOT cannot be combined with '-'"},
        {"\"a b\"~", 0, "error@6: '~' must be followed by a number (\"a b\"~3)"},
        {"\"a b\"~x", 0, "error@6: '~' must be followed by a number (\"a b\"~3)"},
        {"\"a b\"~99999999999", 0, "error@6: proximity after '~' is too large (at most 10000)"},
        {"-a", 0, "error@1: query has only excluded clauses; add a term to search"},
        {"NOT a", 0, "error@5: query has only excluded clauses; add a term to search"},
        {"-a -b", 0, "error@1: query has only excluded clauses; add a term to search"},
        {"-a -b", 1, "error@1: query has only excluded clauses; add a term to search"},
        {"x OR (-a)", 0, "error@6: group has only excluded clauses; add a term to search"},
        {"x OR (-a -b)", 0, "error@7: group has only excluded clauses; add a term to search"},
        {"x OR -a -b", 0, "error@6: query has only excluded clauses; add a term to search"},
        {"*", 0, "error@1: '*' needs a prefix of letters or digits before it"},
        {"a *", 0, "error@3: '*' needs a prefix of letters or digits before it"},
        {"&*", 0, "error@2: '*' needs a prefix of letters or digits before it"},
        {"gaza-egypt*", 0, "error@1: a prefix* must be a single word (it has 2 tokens)"},
        {"galant~3", 0, "error@7: fuzzy distance after '~' is at most 2 (word~1, word~2)"},
        {"gaza-egypt~1", 0, "error@1: a fuzzy word~1 must be a single word (it has 2 tokens)"},
    };
    tq_run_cases(*state, c, TQ_N(c));
}

static void test_columns(void **state)
{
    tq_fixture *f = *state;
    query q;
    uint32_t col;
    err e;
    err_init(&e);
    arena_reset(&f->a);
    assert_int_equal(qp_parse("gaza  +\"ground invasion\" -x*", 0, f->an, &f->a, &q, &col, &e),
                     TRAWL_OK);
    assert_int_equal(q.root->kind, Q_BOOL);
    assert_int_equal(q.root->col, 1);
    assert_int_equal(q.root->must[0]->col, 1);
    assert_int_equal(q.root->must[1]->col, 7);
    assert_int_equal(q.root->must_not[0]->col, 26);
    assert_int_equal(q.root->must[1]->offsets[1], 1);
    assert_int_equal(q.root->must[1]->lens[1], 5);
}

static void test_limits(void **state)
{
    tq_fixture *f = *state;
    static char q[8192];
    /* 64 nested groups are fine, 65 are not. */
    q[0] = '\0';
    for (int i = 0; i < 64; i++)
        strcat(q, "(");
    strcat(q, "a");
    for (int i = 0; i < 64; i++)
        strcat(q, ")");
    assert_string_equal(tq_parse(f, q, 0), "term:a");
    q[0] = '\0';
    for (int i = 0; i < 65; i++)
        strcat(q, "(");
    strcat(q, "a");
    for (int i = 0; i < 65; i++)
        strcat(q, ")");
    assert_string_equal(tq_parse(f, q, 0), "error@65: parentheses nested deeper than 64");
    /* 1024 terms are fine, the 1025th is not (word and phrase paths). */
    q[0] = '\0';
    for (int i = 0; i < 1024; i++)
        strcat(q, "w ");
    assert_int_equal(strncmp(tq_parse(f, q, 1), "(term:w", 7), 0);
    strcat(q, "z");
    assert_string_equal(tq_parse(f, q, 1), "error@2049: query has more than 1024 terms");
    q[0] = '\0';
    strcat(q, "\"");
    for (int i = 0; i < 1025; i++)
        strcat(q, "w ");
    strcat(q, "\"");
    assert_string_equal(tq_parse(f, q, 0), "error@1: query has more than 1024 terms");
    /* Operators nested deep do not recurse without bound. */
    q[0] = '\0';
    for (int i = 0; i < 2000; i++)
        strcat(q, "NOT ");
    assert_string_equal(tq_parse(f, q, 0), "error@1: NOT without operand");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaves),        cmocka_unit_test(test_gap_from_long_token),
        cmocka_unit_test(test_bool_and_mode), cmocka_unit_test(test_bool_or_mode),
        cmocka_unit_test(test_single_clause), cmocka_unit_test(test_dates),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_limits),        cmocka_unit_test(test_long_words_warned),
    };
    return cmocka_run_group_tests(tests, tq_setup, tq_teardown);
}
