/* trawl-search: the command-line searcher. Parses flags, calls the public API of trawl.h and
 * prints; every search, ranking and snippet decision is the library's.
 *
 * Flags are recognised anywhere before "--"; any other argument (including "-word", which the
 * query language reads as an exclusion) is a query word. Unknown "--flags" are usage errors.
 * Exit status: 0 success (also with no hits), 1 index or query error, 2 usage error. */
#include "batch.h"
#include "out.h"
#include "trawl.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLI_MAX_INDEXES 64

typedef struct cli {
    const char *dirs[CLI_MAX_INDEXES]; /**< -i arguments */
    size_t n_dirs;
    char *query; /**< the query words joined by spaces (malloc) */
    trawl_options opt;
    int json, count, explain, no_snippets;
    size_t snippet_bytes;
    int color;        /**< resolved: 1 = ANSI highlighting, 0 = [brackets] */
    batch_opts batch; /**< --queries (batch.path set), --timing, --warmup */
} cli;

static const char cli_usage[] =
    "usage: trawl-search [options] -i INDEX [-i INDEX2 ...] QUERY...\n"
    "       trawl-search [options] -i INDEX --queries FILE [--timing] [--warmup N]\n"
    "\n"
    "Searches one or more trawl indexes (built by trawl-index) as one corpus.\n"
    "\n"
    "Options:\n"
    "  -i, --index DIR        index directory (repeatable)\n"
    "  -n, --limit N          hits to show (default 10)\n"
    "      --offset N         hits to skip first (paging)\n"
    "      --or               bare words are optional (default: all required)\n"
    "      --sort score|date  order of hits (default score)\n"
    "      --from YYYY-MM-DD  only documents dated on or after\n"
    "      --to YYYY-MM-DD    only documents dated on or before\n"
    "      --k1 X, --b X      BM25 parameters (default 1.2, 0.75)\n"
    "      --proximity, --no-proximity\n"
    "                         score how close the words of a bag of words stand (BM25TP;\n"
    "                         default off)\n"
    "      --proximity-weight X  the proximity part's factor (default 1)\n"
    "      --fuzzy            rare and unknown words also match spellings 1-2 edits away\n"
    "      --expand           add terms from the top documents to the query (RM3)\n"
    "      --expand-docs N, --expand-terms N, --expand-weight X\n"
    "                         feedback documents (10), terms added (10), query's share (0.5)\n"
    "      --query-tf count|once  a repeated word counts as often as written (default) or once\n"
    "      --count            print only the number of matching documents\n"
    "      --json             one JSON object per hit, then a summary object\n"
    "      --explain          show how each hit was scored\n"
    "      --snippet-bytes N  snippet length (default 200)\n"
    "      --no-snippets      no snippets\n"
    "      --color WHEN       highlight with colour: auto (default), always, never\n"
    "      --queries FILE     one query a line (- = standard input), one JSON record each\n"
    "      --timing           with --queries: latency per record, then p50/p95/p99/mean/QPS\n"
    "      --warmup N         with --queries: N untimed passes over the queries first\n"
    "  -h, --help             this help\n"
    "      --version          print the version\n"
    "\n"
    "Query: words (all required), \"exact phrase\", \"near words\"~N, +required, -excluded,\n"
    "AND, OR, NOT, (groups), prefix*, word~1 or word~2 (spellings within 1 or 2 edits),\n"
    "date:YYYY-MM-DD..YYYY-MM-DD. Flags go before \"--\";\n"
    "everything after it is query.\n";

/* ------------------------------------------------------------------ flags */

/* Prints a usage error line; returns the usage exit status, 2. */
__attribute__((format(printf, 1, 2))) static int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("trawl-search: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see trawl-search --help)\n", stderr);
    return 2;
}

static int cli_uint(const char *flag, const char *v, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (!*v || *end || errno || n > UINT32_MAX || v[0] == '-')
        return cli_usage_error("bad number for %s: %s", flag, v);
    *out = (uint32_t)n;
    return 0;
}

static int cli_double(const char *flag, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(d) || d < lo || d > hi)
        return cli_usage_error("bad value for %s: %s", flag, v);
    *out = d;
    return 0;
}

static int cli_days(unsigned y, unsigned m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Parses YYYY-MM-DD (a real calendar date) into YYYYMMDD. */
static int cli_date(const char *flag, const char *v, uint32_t *out)
{
    unsigned y, m, d;
    int used = 0;
    if (strlen(v) != 10 || sscanf(v, "%4u-%2u-%2u%n", &y, &m, &d, &used) != 3 || used != 10 ||
        v[4] != '-' || v[7] != '-' || y < 1 || m < 1 || m > 12 || d < 1 ||
        d > (unsigned)cli_days(y, m))
        return cli_usage_error("bad date for %s: %s (expected YYYY-MM-DD)", flag, v);
    *out = y * 10000 + m * 100 + d;
    return 0;
}

/* Flags that take a value; returns 1 if name is one. */
static int cli_takes_value(const char *name)
{
    static const char *const with_value[] = {"-i",
                                             "--index",
                                             "-n",
                                             "--limit",
                                             "--offset",
                                             "--sort",
                                             "--from",
                                             "--to",
                                             "--k1",
                                             "--b",
                                             "--snippet-bytes",
                                             "--color",
                                             "--queries",
                                             "--warmup",
                                             "--query-tf",
                                             "--expand-docs",
                                             "--expand-terms",
                                             "--expand-weight"};
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (strcmp(name, with_value[i]) == 0) return 1;
    return 0;
}

static int cli_color_mode(const char *v, int *out)
{
    if (strcmp(v, "always") == 0)
        *out = 1;
    else if (strcmp(v, "never") == 0)
        *out = 0;
    else if (strcmp(v, "auto") == 0)
        *out = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    else
        return cli_usage_error("bad value for --color: %s (auto, always or never)", v);
    return 0;
}

/* Applies one flag with a value. */
static int cli_value_flag(cli *c, const char *f, const char *v)
{
    trawl_options *o = &c->opt;
    uint32_t n;
    int rc = 0;
    if (!strcmp(f, "-i") || !strcmp(f, "--index")) {
        if (c->n_dirs == CLI_MAX_INDEXES)
            return cli_usage_error("too many indexes (at most %d)", CLI_MAX_INDEXES);
        c->dirs[c->n_dirs++] = v;
    } else if (!strcmp(f, "-n") || !strcmp(f, "--limit")) {
        rc = cli_uint(f, v, &o->limit);
    } else if (!strcmp(f, "--offset")) {
        rc = cli_uint(f, v, &o->offset);
    } else if (!strcmp(f, "--sort")) {
        if (strcmp(v, "score") && strcmp(v, "date"))
            return cli_usage_error("bad value for --sort: %s (score or date)", v);
        o->sort = strcmp(v, "date") ? TRAWL_SORT_SCORE : TRAWL_SORT_DATE;
    } else if (!strcmp(f, "--from")) {
        rc = cli_date(f, v, &o->date_from);
    } else if (!strcmp(f, "--to")) {
        rc = cli_date(f, v, &o->date_to);
    } else if (!strcmp(f, "--k1")) {
        rc = cli_double(f, v, 0, 1000, &o->k1);
    } else if (!strcmp(f, "--b")) {
        rc = cli_double(f, v, 0, 1, &o->b);
    } else if (!strcmp(f, "--expand-docs") || !strcmp(f, "--expand-terms")) {
        rc = cli_uint(f, v, &n);
        if (!rc && (n < 1 || n > 1000)) return cli_usage_error("bad value for %s (1..1000)", f);
        if (!strcmp(f, "--expand-docs"))
            o->expand_docs = n;
        else
            o->expand_terms = n;
    } else if (!strcmp(f, "--proximity-weight")) {
        rc = cli_double(f, v, 0, 100, &o->proximity_weight);
    } else if (!strcmp(f, "--expand-weight")) {
        rc = cli_double(f, v, 1e-9, 1, &o->expand_weight);
    } else if (!strcmp(f, "--query-tf")) {
        if (strcmp(v, "count") && strcmp(v, "once"))
            return cli_usage_error("bad value for --query-tf: %s (count or once)", v);
        o->query_tf = strcmp(v, "once") ? TRAWL_QTF_COUNT : TRAWL_QTF_ONCE;
    } else if (!strcmp(f, "--queries")) {
        c->batch.path = v;
    } else if (!strcmp(f, "--warmup")) {
        rc = cli_uint(f, v, &c->batch.warmup);
    } else if (!strcmp(f, "--snippet-bytes")) {
        rc = cli_uint(f, v, &n);
        if (!rc && (n < 1 || n > 65536)) return cli_usage_error("bad value for %s (1..65536)", f);
        c->snippet_bytes = n;
    } else {
        rc = cli_color_mode(v, &c->color);
    }
    return rc;
}

/* Applies one flag without a value; returns -1 if name is no such flag. */
static int cli_bool_flag(cli *c, const char *f)
{
    if (!strcmp(f, "--or"))
        c->opt.default_or = 1;
    else if (!strcmp(f, "--json"))
        c->json = 1;
    else if (!strcmp(f, "--count"))
        c->count = 1;
    else if (!strcmp(f, "--explain"))
        c->explain = 1;
    else if (!strcmp(f, "--no-snippets"))
        c->no_snippets = 1;
    else if (!strcmp(f, "--timing"))
        c->batch.timing = 1;
    else if (!strcmp(f, "--fuzzy"))
        c->opt.fuzzy = 1;
    else if (!strcmp(f, "--expand"))
        c->opt.expand = 1;
    else if (!strcmp(f, "--proximity"))
        c->opt.proximity = 1;
    else if (!strcmp(f, "--no-proximity"))
        c->opt.proximity = -1;
    else
        return -1;
    return 0;
}

/* Appends a query word to c->query (space-separated). */
static int cli_add_word(cli *c, const char *w)
{
    size_t old = c->query ? strlen(c->query) : 0, n = strlen(w);
    char *q = realloc(c->query, old + n + 2);
    if (!q) {
        fprintf(stderr, "trawl-search: error: out of memory\n");
        return 1;
    }
    if (old) q[old++] = ' ';
    memcpy(q + old, w, n + 1);
    c->query = q;
    return 0;
}

/* Splits "--flag=value" into name (copied to nb) and value; returns value or NULL. */
static const char *cli_split(const char *arg, char *nb, size_t cap, const char **name)
{
    const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
    *name = arg;
    if (!eq || (size_t)(eq - arg) >= cap) return NULL;
    memcpy(nb, arg, (size_t)(eq - arg));
    nb[eq - arg] = '\0';
    *name = nb;
    return eq + 1;
}

/* With --queries: the flags that make sense for a batch, copied into c->batch. */
static int cli_check_batch(cli *c)
{
    if (!c->batch.path && (c->batch.timing || c->batch.warmup))
        return cli_usage_error("--timing and --warmup need --queries");
    if (!c->batch.path) return 0;
    if (c->query) return cli_usage_error("give either query words or --queries, not both");
    if (c->explain) return cli_usage_error("--explain does not work with --queries");
    c->batch.opt = c->opt;
    c->batch.count_only = c->count;
    c->batch.no_snippets = c->no_snippets;
    c->batch.snippet_bytes = c->snippet_bytes;
    return 0;
}

/* Parses argv into c. Returns 0, 2 (usage error) or 3 (help/version printed: exit 0). */
static int cli_parse(cli *c, int argc, char **argv)
{
    int color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL, rc = 0;
    c->color = color;
    for (int i = 1; i < argc && rc == 0; i++) {
        char nb[32];
        const char *name, *val = cli_split(argv[i], nb, sizeof nb, &name);
        if (!strcmp(argv[i], "--")) {
            while (++i < argc && rc == 0)
                rc = cli_add_word(c, argv[i]);
            break;
        } else if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
            fputs(cli_usage, stdout);
            return 3;
        } else if (!strcmp(name, "--version")) {
            printf("trawl-search %s\n", TRAWL_VERSION);
            return 3;
        } else if (cli_takes_value(name)) {
            if (!val && i + 1 >= argc) return cli_usage_error("%s needs a value", name);
            rc = cli_value_flag(c, name, val ? val : argv[++i]);
        } else if (!val && cli_bool_flag(c, name) == 0) {
            continue;
        } else if (strncmp(argv[i], "--", 2) == 0) {
            return cli_usage_error("unknown option %s", argv[i]);
        } else {
            rc = cli_add_word(c, argv[i]);
        }
    }
    if (rc) return rc;
    if (c->n_dirs == 0) return cli_usage_error("no index given (use -i DIR)");
    if (!c->query && !c->batch.path) return cli_usage_error("no query given");
    if (c->opt.date_from && c->opt.date_to && c->opt.date_from > c->opt.date_to)
        return cli_usage_error("--from is after --to");
    return cli_check_batch(c);
}

/* ------------------------------------------------------------------ printing */

/* Prints a snippet on one line: white space runs become one space, control bytes '?', matches
 * highlighted with ANSI bold red or [brackets], and "…" where the passage cuts the text. */
static void out_snippet(FILE *f, const trawl_snippet *sn, int color)
{
    const char *open = color ? "\033[1;31m" : "[", *close = color ? "\033[0m" : "]";
    size_t k = 0;
    int in_space = 0;
    fputs("   ", f);
    if (!sn->is_start) fputs("…", f);
    for (size_t i = 0; i < sn->len; i++) {
        if (k < sn->n_spans && i == sn->spans[k].off) fputs(open, f);
        unsigned char c = (unsigned char)sn->text[i];
        int sp = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        if (!sp || !in_space) fputc(sp ? ' ' : c < 0x20 || c == 0x7f ? '?' : c, f);
        in_space = sp;
        if (k < sn->n_spans && i + 1 == (size_t)sn->spans[k].off + sn->spans[k].len) {
            fputs(close, f);
            k++;
        }
    }
    if (!sn->is_end) fputs("…", f);
    fputc('\n', f);
}

/* Prints an external id with control bytes shown as '?'. */
static void out_id(FILE *f, const trawl_hit *h)
{
    for (size_t i = 0; i < h->id_len; i++) {
        unsigned char c = (unsigned char)h->id[i];
        fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
    }
}

/* What a clause is, after its term: a fuzzy variant's word, a weight other than 1. */
static void out_clause_note(FILE *f, const trawl_explain_info *in)
{
    if (in->kind == TRAWL_CLAUSE_PROXIMITY) {
        fprintf(f, " (proximity, closeness %.4f, factor %.4f)", in->closeness, in->weight);
        return;
    }
    if (in->origin == TRAWL_TERM_FUZZY)
        fprintf(f, " (~%u of %s, weight %.4f)", in->edits, in->from ? in->from : "", in->weight);
    else if (in->origin == TRAWL_TERM_FEEDBACK)
        fprintf(f, " (expansion, weight %.4f)", in->weight);
    else if (in->weight != 1.0)
        fprintf(f, " (weight %.4f)", in->weight);
}

static const char *out_origin_name(int origin)
{
    return origin == TRAWL_TERM_FUZZY      ? "fuzzy"
           : origin == TRAWL_TERM_FEEDBACK ? "feedback"
                                           : "query";
}

static void out_explain_text(FILE *f, const trawl_search *s, size_t i, const trawl_explain *ex,
                             size_t n, uint32_t doc_len)
{
    double sum = 0;
    for (size_t j = 0; j < n; j++) {
        trawl_explain_info in;
        fprintf(f, "     tf=%u df=%llu idf=%.4f norm=%.4f score=%.4f  %s", ex[j].tf,
                (unsigned long long)ex[j].df, ex[j].idf, ex[j].norm, ex[j].score, ex[j].term);
        if (trawl_search_explain_info(s, i, j, &in) == TRAWL_OK) out_clause_note(f, &in);
        fputc('\n', f);
        sum += ex[j].score;
    }
    fprintf(f, "     sum=%.4f  doc_len=%u\n", sum, doc_len);
}

static void out_explain_json(FILE *f, const trawl_search *s, size_t i, const trawl_explain *ex,
                             size_t n, uint32_t doc_len)
{
    fprintf(f, ",\"doc_len\":%u,\"explain\":[", doc_len);
    for (size_t j = 0; j < n; j++) {
        trawl_explain_info in;
        fprintf(f, "%s{\"term\":\"", j ? "," : "");
        out_json_str(f, ex[j].term, strlen(ex[j].term));
        fprintf(f, "\",\"tf\":%u,\"df\":%llu,\"idf\":%.10g,\"norm\":%.10g,\"score\":%.10g",
                ex[j].tf, (unsigned long long)ex[j].df, ex[j].idf, ex[j].norm, ex[j].score);
        if (trawl_search_explain_info(s, i, j, &in) == TRAWL_OK) {
            static const char *const kinds[] = {"term", "phrase", "proximity"};
            fprintf(f, ",\"kind\":\"%s\",\"origin\":\"%s\",\"weight\":%.10g",
                    in.kind >= 0 && in.kind <= 2 ? kinds[in.kind] : "?", out_origin_name(in.origin),
                    in.weight);
            if (in.kind == TRAWL_CLAUSE_PROXIMITY) fprintf(f, ",\"closeness\":%.10g", in.closeness);
            if (in.origin == TRAWL_TERM_FUZZY && in.from) {
                fprintf(f, ",\"edits\":%u,\"from\":\"", in.edits);
                out_json_str(f, in.from, strlen(in.from));
                fputc('"', f);
            }
        }
        fputc('}', f);
    }
    fputc(']', f);
}

/* With --explain: the terms the query ran with when matching or expansion changed them (fuzzy
 * variants, expansion terms, weights other than 1), before the hits. */
static void out_query_terms(const cli *c, const trawl_search *s)
{
    trawl_query_term t;
    size_t shown = 0;
    for (size_t i = 0; trawl_search_query_term(s, i, &t) == TRAWL_OK; i++)
        shown += t.origin != TRAWL_TERM_QUERY || t.weight != 1.0;
    if (!shown) return;
    fputs(c->json ? "{\"type\":\"query_terms\",\"terms\":[" : "query terms:", stdout);
    for (size_t i = 0; trawl_search_query_term(s, i, &t) == TRAWL_OK; i++) {
        if (!c->json) {
            printf(" %s %.4f", t.term, t.weight);
            if (t.origin == TRAWL_TERM_FUZZY) printf(" (~%u of %s)", t.edits, t.from);
            if (t.origin == TRAWL_TERM_FEEDBACK) fputs(" (expansion)", stdout);
            continue;
        }
        printf("%s{\"term\":\"", i ? "," : "");
        out_json_str(stdout, t.term, strlen(t.term));
        printf("\",\"weight\":%.10g,\"df\":%llu,\"origin\":\"%s\"", t.weight,
               (unsigned long long)t.df, out_origin_name(t.origin));
        if (t.origin == TRAWL_TERM_FUZZY) {
            printf(",\"edits\":%u,\"from\":\"", t.edits);
            out_json_str(stdout, t.from, strlen(t.from));
            putchar('"');
        }
        putchar('}');
    }
    puts(c->json ? "]}" : "");
}

/* When the query found fewer hits than a page: "did you mean" with a better spelling. */
static void out_suggestion(const cli *c, trawl_search *s, size_t n_hits)
{
    const char *text;
    size_t len;
    if (n_hits >= c->opt.limit || trawl_search_suggestion(s, &text, &len) != TRAWL_OK) return;
    if (c->json) {
        fputs("{\"type\":\"suggestion\",\"query\":\"", stdout);
        out_json_str(stdout, text, len);
        puts("\"}");
    } else {
        printf("did you mean: %.*s\n", (int)len, text);
    }
}

/* Prints hit i (rank = offset + i + 1) as text or JSON. Returns 0 or a library error code. */
static int out_hit(const cli *c, trawl_search *s, size_t i, const trawl_hit *h)
{
    FILE *f = stdout;
    trawl_snippet sn;
    const trawl_explain *ex = NULL;
    size_t n_ex = 0;
    uint32_t doc_len = 0;
    size_t rank = c->opt.offset + i + 1;
    int rc = c->no_snippets ? TRAWL_OK : trawl_search_snippet(s, i, c->snippet_bytes, &sn);
    if (rc == TRAWL_OK && c->explain) rc = trawl_search_explain(s, i, &ex, &n_ex, &doc_len);
    if (rc != TRAWL_OK) return rc;
    if (!c->json) {
        fprintf(f, "%zu. %.4f  ", rank, h->score);
        out_id(f, h);
        fputs(h->date ? "  " : "", f);
        out_date(f, h->date, 0);
        fputc('\n', f);
        if (!c->no_snippets) out_snippet(f, &sn, c->color);
        if (c->explain) out_explain_text(f, s, i, ex, n_ex, doc_len);
        return 0;
    }
    fprintf(f, "{\"rank\":%zu,\"id\":\"", rank);
    out_json_str(f, h->id, h->id_len);
    fprintf(f, "\",\"score\":%.10g,\"date\":", h->score);
    out_date(f, h->date, 1);
    if (!c->no_snippets) {
        fputs(",\"snippet\":\"", f);
        out_json_str(f, sn.text, sn.len);
        fputs("\",\"highlights\":[", f);
        for (size_t k = 0; k < sn.n_spans; k++)
            fprintf(f, "%s[%u,%u]", k ? "," : "", sn.spans[k].off, sn.spans[k].len);
        fputc(']', f);
    }
    if (c->explain) out_explain_json(f, s, i, ex, n_ex, doc_len);
    fputs("}\n", f);
    return 0;
}

static void out_summary(const cli *c, const trawl_search *s, size_t n_hits)
{
    unsigned long long count = trawl_search_count(s);
    int exact = trawl_search_count_is_exact(s);
    double ms = trawl_search_elapsed_us(s) / 1000.0;
    if (c->json) {
        printf("{\"count\":%llu,\"exact\":%s,\"ms\":%.3f}\n", count, exact ? "true" : "false", ms);
        return;
    }
    printf("%s%llu matching document%s", exact ? "" : "at least ", count, count == 1 ? "" : "s");
    if (n_hits)
        printf(" (showing %zu-%zu)", (size_t)c->opt.offset + 1, (size_t)c->opt.offset + n_hits);
    else if (count && c->opt.offset)
        printf(" (none shown after offset %u)", c->opt.offset);
    printf(" in %.2f ms\n", ms);
}

#define OUT_QUERY_SHOWN 72 /* bytes of a long query shown around an error's column */

/* The part of a query of qlen bytes shown under an error at byte offset at: all of a short one,
 * else OUT_QUERY_SHOWN bytes around at (a 100 kB word stays off the terminal), cut at character
 * boundaries. */
static void out_query_window(const char *q, size_t qlen, size_t at, size_t *from, size_t *to)
{
    *from = 0;
    *to = qlen;
    if (qlen <= OUT_QUERY_SHOWN) return;
    *from = at > OUT_QUERY_SHOWN / 3 ? at - OUT_QUERY_SHOWN / 3 : 0;
    while (*from > 0 && ((unsigned char)q[*from] & 0xC0) == 0x80)
        (*from)--;
    *to = *from + OUT_QUERY_SHOWN < qlen ? *from + OUT_QUERY_SHOWN : qlen;
    while (*to < qlen && ((unsigned char)q[*to] & 0xC0) == 0x80)
        (*to)++;
}

/* One error line; for a query error also the query (or the part around the column) and a
 * caret under the column. */
static void out_error(const char *msg, const char *query, uint32_t col)
{
    fprintf(stderr, "trawl-search: error: %s", msg);
    if (!query || col == 0) {
        fputc('\n', stderr);
        return;
    }
    fprintf(stderr, " (column %u)\n  ", col);
    size_t qlen = strlen(query), shift = 0, from, to;
    out_query_window(query, qlen, col - 1, &from, &to);
    if (from > 0) {
        fputs("…", stderr);
        shift++;
    }
    for (size_t i = from; i < to; i++) {
        unsigned char ch = (unsigned char)query[i];
        fputc(ch < 0x20 || ch == 0x7f ? ' ' : ch, stderr);
        /* caret position counts characters, not bytes, before the column */
        if (i + 1 < col && (ch & 0xC0) != 0x80) shift++;
    }
    fprintf(stderr, "%s\n  %*s^\n", to < qlen ? "…" : "", (int)shift, "");
}

/* Says what the query lost: one stderr line per warning and, with --json (unless --count,
 * whose output is the number alone), a {"type":"warning"} record before the hits. */
static void out_warnings(const cli *c, const trawl_search *s)
{
    trawl_warning w;
    for (size_t i = 0; trawl_search_warning(s, i, &w) == TRAWL_OK; i++) {
        fprintf(stderr, "trawl-search: warning: %s\n", w.message);
        if (!c->json || c->count) continue;
        fputs("{\"type\":\"warning\",\"kind\":\"long_word\",\"message\":\"", stdout);
        out_json_str(stdout, w.message, strlen(w.message));
        printf("\",\"column\":%u,\"bytes\":%u}\n", w.column, w.bytes);
    }
}

static int run_search(const cli *c, trawl_search *s)
{
    trawl_options o = c->opt;
    if (c->count) {
        o.count_only = 1;
        o.limit = 0;
    }
    o.explain = c->explain && !c->count;
    int rc = trawl_search_run(s, c->query, &o);
    if (rc != TRAWL_OK) {
        out_error(trawl_search_errmsg(s), rc == TRAWL_EQUERY ? c->query : NULL,
                  trawl_search_error_column(s));
        return rc == TRAWL_EARG ? 2 : 1;
    }
    out_warnings(c, s);
    if (c->count) {
        printf("%llu\n", (unsigned long long)trawl_search_count(s));
        return 0;
    }
    trawl_hit h;
    size_t i = 0;
    if (c->explain) out_query_terms(c, s);
    for (; trawl_search_hit(s, i, &h) == TRAWL_OK; i++) {
        rc = out_hit(c, s, i, &h);
        if (rc != TRAWL_OK) {
            fflush(stdout);
            out_error(trawl_search_errmsg(s), NULL, 0);
            return 1;
        }
    }
    out_summary(c, s, i);
    out_suggestion(c, s, i);
    return 0;
}

int main(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    trawl_options_init(&c.opt);
    int rc = cli_parse(&c, argc, argv);
    if (rc) {
        free(c.query);
        return rc == 3 ? 0 : rc;
    }
    char errbuf[512];
    trawl_index *idx = NULL;
    trawl_search *s = NULL;
    rc = trawl_index_open(&idx, c.dirs, c.n_dirs, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) {
        out_error(errbuf, NULL, 0);
        rc = 1;
    } else if (trawl_search_new(&s, idx) != TRAWL_OK) {
        out_error("out of memory", NULL, 0);
        rc = 1;
    } else {
        rc = c.batch.path ? batch_run(&c.batch, s) : run_search(&c, s);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "trawl-search: error: writing output: %s\n", strerror(errno));
        rc = 1;
    }
    trawl_search_free(s);
    trawl_index_close(idx);
    free(c.query);
    return rc;
}
