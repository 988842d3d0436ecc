/* trawl-search: the command-line searcher. Parses flags, calls the public API of trawl.h and
 * prints; every search, ranking and snippet decision is the library's.
 *
 * Flags follow getopt_long's conventions and may come anywhere before "--"; every other
 * argument is a query word (an excluded "-word" goes after "--", or inside a quoted query).
 * Exit status: 0 hits found, 1 none, 2 an error of any kind (usage, index, query, output). */
#include "batch.h"
#include "hitout.h"
#include "inspect.h"
#include "locate.h"
#include "out.h"
#include "trawl.h"
#include "tui.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLI_MAX_INDEXES 64

/* Exit status, as grep and ripgrep have it: scripts can test for "found" without parsing. */
enum { CLI_EXIT_HITS = 0, CLI_EXIT_NONE = 1, CLI_EXIT_ERROR = 2 };

typedef struct cli {
    const char *dirs[CLI_MAX_INDEXES]; /**< -i arguments */
    size_t n_dirs;
    char *query; /**< the query words joined by spaces (malloc) */
    trawl_options opt;
    int json, count, explain, no_snippets;
    int has_limit;        /**< -n given (-l and --vimgrep list every match without it) */
    int files;            /**< -l: paths only */
    int nul;              /**< -0: -l paths end with NUL, not newline */
    int vimgrep;          /**< --vimgrep: path:line:column:line text */
    int absolute;         /**< --absolute: absolute paths even under the working directory */
    const char *terms;    /**< --terms PREFIX: list the vocabulary instead of searching */
    const char *show;     /**< --show ID: print a stored document instead of searching */
    const char *sort_arg; /**< --sort as given: score|date for hits, term|df|cf for --terms */
    int term_sort;        /**< INSPECT_BY_* */
    int interactive;      /**< --interactive: search as you type */
    size_t snippet_bytes;
    int color;        /**< resolved: 1 = ANSI highlighting, 0 = the marks */
    char *mark_open;  /**< --marks: before a match without colour (malloc; NULL: nothing) */
    char *mark_close; /**< --marks: after it */
    batch_opts batch; /**< --queries (batch.path set), --timing, --warmup */
} cli;

static const char cli_usage[] =
    "usage: trawl-search [options] -i INDEX [-i INDEX2 ...] QUERY...\n"
    "       trawl-search [options] -i INDEX --queries FILE [--timing] [--warmup N]\n"
    "       trawl-search -i INDEX --terms PREFIX [--sort term|df|cf] [-n N]\n"
    "       trawl-search -i INDEX --show ID|PATH\n"
    "       trawl-search -i INDEX --interactive [QUERY...]\n"
    "\n"
    "Searches one or more trawl indexes (built by trawl-index) as one corpus. A hit is shown\n"
    "as path:line:column of its best snippet's first match (the id of a JSON Lines record).\n"
    "\n"
    "Options:\n"
    "  -i, --index DIR        index directory (repeatable)\n"
    "  -n, --limit N          hits to show (default 10)\n"
    "      --offset N         hits to skip first (paging)\n"
    "      --or               bare words are optional (default: all required)\n"
    "      --sort score|date  order of hits (default score); with --terms: term|df|cf\n"
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
    "      --count            print only the number of matching documents (with --json:\n"
    "                         the summary record alone)\n"
    "      --json             JSON Lines: a \"hit\" record per hit, then a \"summary\" record;\n"
    "                         \"warning\" and \"error\" records too (schema: man trawl-search)\n"
    "      --explain          show how each hit was scored\n"
    "      --vimgrep          one line a hit: path:line:column:text of the line, as vim -q\n"
    "                         and Emacs' grep mode read it (every match unless -n)\n"
    "  -l, --files-with-matches  the paths of the matching documents only (all unless -n)\n"
    "  -0, --null             with -l: end each path with a NUL byte, not a newline\n"
    "      --absolute         absolute paths (default: relative to the working directory\n"
    "                         when the file is under it)\n"
    "      --snippet-bytes N  snippet length (default 200)\n"
    "      --no-snippets      no snippets\n"
    "      --color WHEN       highlight with colour: auto (default: on a terminal, unless\n"
    "                         NO_COLOR is set or TERM=dumb), always, never\n"
    "      --marks OPEN,CLOSE without colour, put OPEN and CLOSE around matches (default:\n"
    "                         nothing, the text as it is)\n"
    "      --terms PREFIX     list the index's terms starting with PREFIX (\"\" for all):\n"
    "                         documents (df), occurrences (cf; '+': deleted documents\n"
    "                         not merged away yet count too), term; --sort term|df|cf\n"
    "      --show ID          print the stored text of a document (an id, or a path as\n"
    "                         trawl-search prints it)\n"
    "      --interactive      search as you type in a full-screen view: arrows select a\n"
    "                         hit, Enter opens it in $EDITOR at its line, Esc quits\n"
    "      --queries FILE     one query a line (- = standard input), one JSON record each\n"
    "      --timing           with --queries: latency per record, then p50/p95/p99/mean/QPS\n"
    "      --warmup N         with --queries: N untimed passes over the queries first\n"
    "  -h, --help             this help\n"
    "      --version          print the version\n"
    "\n"
    "Query: words (all required), \"exact phrase\", \"near words\"~N, +required, -excluded,\n"
    "AND, OR, NOT, (groups), prefix*, word~1 or word~2 (spellings within 1 or 2 edits),\n"
    "date:YYYY-MM-DD..YYYY-MM-DD. Options may come anywhere before \"--\"; everything after\n"
    "it is query (so: -- -excluded).\n"
    "\n"
    "Exit status: 0 hits found (a term, a document), 1 none, 2 error.\n";

/* ------------------------------------------------------------------ flags */

/* Prints a usage error line; returns the error exit status, 2. */
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
        return cli_usage_error("bad number for %s: %s%s", flag, v,
                               *v >= '0' && *v <= '9' ? ""
                                                      : " (a query word starting with '-' goes "
                                                        "after --: trawl-search -i DIR -- -word)");
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

/* The long options; short ones are "i:n:hl0". Flags are dispatched by their long name to
 * cli_value_flag or cli_bool_flag, so adding one is a row here and a branch there. */
static const struct option cli_opts[] = {
    {"index", required_argument, 0, 'i'},
    {"limit", required_argument, 0, 'n'},
    {"offset", required_argument, 0, 0},
    {"sort", required_argument, 0, 0},
    {"from", required_argument, 0, 0},
    {"to", required_argument, 0, 0},
    {"k1", required_argument, 0, 0},
    {"b", required_argument, 0, 0},
    {"snippet-bytes", required_argument, 0, 0},
    {"color", required_argument, 0, 0},
    {"colour", required_argument, 0, 0},
    {"marks", required_argument, 0, 0},
    {"queries", required_argument, 0, 0},
    {"warmup", required_argument, 0, 0},
    {"query-tf", required_argument, 0, 0},
    {"expand-docs", required_argument, 0, 0},
    {"expand-terms", required_argument, 0, 0},
    {"expand-weight", required_argument, 0, 0},
    {"proximity-weight", required_argument, 0, 0},
    {"or", no_argument, 0, 0},
    {"json", no_argument, 0, 0},
    {"count", no_argument, 0, 0},
    {"explain", no_argument, 0, 0},
    {"no-snippets", no_argument, 0, 0},
    {"timing", no_argument, 0, 0},
    {"files-with-matches", no_argument, 0, 'l'},
    {"null", no_argument, 0, '0'},
    {"vimgrep", no_argument, 0, 0},
    {"absolute", no_argument, 0, 0},
    {"terms", required_argument, 0, 0},
    {"show", required_argument, 0, 0},
    {"interactive", no_argument, 0, 0},
    {"fuzzy", no_argument, 0, 0},
    {"expand", no_argument, 0, 0},
    {"proximity", no_argument, 0, 0},
    {"no-proximity", no_argument, 0, 0},
    {"help", no_argument, 0, 'h'},
    {"version", no_argument, 0, 0},
    {0, 0, 0, 0},
};

/* --color WHEN: CLI_COLOR_* (auto is decided once every flag is read). */
enum { CLI_COLOR_AUTO = -1, CLI_COLOR_NEVER = 0, CLI_COLOR_ALWAYS = 1 };

static int cli_color_mode(const char *v, int *out)
{
    if (strcmp(v, "always") == 0)
        *out = CLI_COLOR_ALWAYS;
    else if (strcmp(v, "never") == 0)
        *out = CLI_COLOR_NEVER;
    else if (strcmp(v, "auto") == 0)
        *out = CLI_COLOR_AUTO;
    else
        return cli_usage_error("bad value for --color: %s (auto, always or never)", v);
    return 0;
}

/* Colour under --color auto: standard output is a terminal that can show it, and the user did
 * not ask for none (https://no-color.org: NO_COLOR set to anything). */
static int cli_color_auto(void)
{
    const char *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL && term && *term &&
           strcmp(term, "dumb") != 0;
}

/* --marks OPEN,CLOSE: the strings around a match when there is no colour (default none, so
 * piped text is the document's own). Split at the first comma. */
static int cli_marks(cli *c, const char *v)
{
    const char *comma = strchr(v, ',');
    if (!comma) return cli_usage_error("bad value for --marks: %s (OPEN,CLOSE)", v);
    c->mark_open = strndup(v, (size_t)(comma - v));
    c->mark_close = strdup(comma + 1);
    if (!c->mark_open || !c->mark_close) return cli_usage_error("out of memory");
    return 0;
}

/* Applies one flag with a value (f is its long name, "--limit"). */
static int cli_value_flag(cli *c, const char *f, const char *v)
{
    trawl_options *o = &c->opt;
    uint32_t n;
    int rc = 0;
    if (!strcmp(f, "--index")) {
        if (c->n_dirs == CLI_MAX_INDEXES)
            return cli_usage_error("too many indexes (at most %d)", CLI_MAX_INDEXES);
        c->dirs[c->n_dirs++] = v;
    } else if (!strcmp(f, "--limit")) {
        rc = cli_uint(f, v, &o->limit);
        c->has_limit = 1;
    } else if (!strcmp(f, "--offset")) {
        rc = cli_uint(f, v, &o->offset);
    } else if (!strcmp(f, "--sort")) {
        c->sort_arg = v; /* its values depend on the mode: cli_sort */
    } else if (!strcmp(f, "--terms")) {
        c->terms = v;
    } else if (!strcmp(f, "--show")) {
        c->show = v;
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
    } else if (!strcmp(f, "--marks")) {
        rc = cli_marks(c, v);
    } else {
        rc = cli_color_mode(v, &c->color);
    }
    return rc;
}

/* Applies one flag without a value (f is its long name); returns -1 if there is no such flag. */
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
    else if (!strcmp(f, "--files-with-matches"))
        c->files = 1;
    else if (!strcmp(f, "--null"))
        c->nul = 1;
    else if (!strcmp(f, "--vimgrep"))
        c->vimgrep = 1;
    else if (!strcmp(f, "--absolute"))
        c->absolute = 1;
    else if (!strcmp(f, "--interactive"))
        c->interactive = 1;
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

/* --sort: score|date for hits, term|df|cf for --terms. */
static int cli_sort(cli *c)
{
    const char *v = c->sort_arg;
    if (!v) return 0;
    if (c->terms) {
        if (strcmp(v, "term") && strcmp(v, "df") && strcmp(v, "cf"))
            return cli_usage_error("bad value for --sort with --terms: %s (term, df or cf)", v);
        c->term_sort = !strcmp(v, "df") ? INSPECT_BY_DF : !strcmp(v, "cf") ? INSPECT_BY_CF : 0;
        return 0;
    }
    if (strcmp(v, "score") && strcmp(v, "date"))
        return cli_usage_error("bad value for --sort: %s (score or date)", v);
    c->opt.sort = strcmp(v, "date") ? TRAWL_SORT_SCORE : TRAWL_SORT_DATE;
    return 0;
}

/* --terms and --show look inside the index instead of searching it. */
static int cli_check_inspect(cli *c)
{
    if (!c->terms && !c->show) return 0;
    if (c->terms && c->show) return cli_usage_error("give either --terms or --show");
    if (c->query || c->batch.path) return cli_usage_error("--terms and --show take no query");
    if (c->count + c->files + c->vimgrep + c->explain)
        return cli_usage_error("--terms and --show print as text or --json only");
    return 0;
}

/* --interactive: the query words, if any, are where it starts; the output is the screen. */
static int cli_check_interactive(const cli *c)
{
    if (!c->interactive) return 0;
    if (c->batch.path || c->terms || c->show || c->json || c->count || c->files || c->vimgrep ||
        c->explain)
        return cli_usage_error("--interactive goes with search options only");
    return 0;
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

/* Says what getopt_long refused in argv[optind - 1]. A word starting with '-' is read as
 * options, as in grep and ripgrep: the message says how to search for it. */
static int cli_bad_option(char **argv, int opt)
{
    const char *arg = argv[optind - 1];
    if (opt == ':') return cli_usage_error("%s needs a value", arg);
    if (optopt)
        return cli_usage_error("unknown option -%c in %s (a query word starting with '-' goes "
                               "after --: trawl-search -i DIR -- %s)",
                               optopt, arg, arg);
    return cli_usage_error("unknown option %s", arg);
}

/* Applies option opt (getopt_long's return, li its long index). Returns 0, 2 (usage error) or
 * 3 (help or version printed: exit 0). */
static int cli_option(cli *c, int opt, int li)
{
    char name[32];
    if (opt == 'h') {
        fputs(cli_usage, stdout);
        return 3;
    }
    const char *lname = opt == 'i'   ? "index"
                        : opt == 'n' ? "limit"
                        : opt == 'l' ? "files-with-matches"
                        : opt == '0' ? "null"
                                     : cli_opts[li].name;
    snprintf(name, sizeof name, "--%s", lname);
    if (!strcmp(lname, "version")) {
        printf("trawl-search %s\n", TRAWL_VERSION);
        return 3;
    }
    if (opt == 'i' || opt == 'n' || (opt == 0 && cli_opts[li].has_arg == required_argument))
        return cli_value_flag(c, name, optarg);
    return cli_bool_flag(c, name) == 0 ? 0 : cli_usage_error("unknown option %s", name);
}

/* Parses argv into c with getopt_long (short options may be joined, "-n2", "-i$IDX"; long ones
 * take "--opt=value" or "--opt value"; options may follow query words; "--" ends them).
 * Returns 0, 2 (usage error) or 3 (help/version printed: exit 0). */
static int cli_parse(cli *c, int argc, char **argv)
{
    int rc = 0, opt, li = 0;
    c->color = CLI_COLOR_AUTO;
    opterr = 0;
    optind = 1;
    while (rc == 0 && (opt = getopt_long(argc, argv, ":i:n:hl0", cli_opts, &li)) != -1)
        rc = opt == '?' || opt == ':' ? cli_bad_option(argv, opt) : cli_option(c, opt, li);
    for (int i = optind; i < argc && rc == 0; i++)
        rc = cli_add_word(c, argv[i]);
    if (rc) return rc;
    if (c->color == CLI_COLOR_AUTO) c->color = cli_color_auto();
    if (c->n_dirs == 0) return cli_usage_error("no index given (use -i DIR)");
    if ((rc = cli_sort(c)) != 0 || (rc = cli_check_inspect(c)) != 0) return rc;
    if ((rc = cli_check_interactive(c)) != 0) return rc;
    if (!c->query && !c->batch.path && !c->terms && !c->show && !c->interactive)
        return cli_usage_error("no query given");
    if (c->opt.date_from && c->opt.date_to && c->opt.date_from > c->opt.date_to)
        return cli_usage_error("--from is after --to");
    if (c->json + c->files + c->vimgrep > 1 || (c->count && (c->files || c->vimgrep)))
        return cli_usage_error("choose one of --json, -l and --vimgrep (and --count without "
                               "-l or --vimgrep)");
    if ((c->files || c->vimgrep) && c->explain)
        return cli_usage_error("--explain does not work with -l or --vimgrep");
    if (c->nul && !c->files) return cli_usage_error("-0 goes with -l");
    return cli_check_batch(c);
}

/* ------------------------------------------------------------------ printing */

/* The marks around a highlighted match: bold red, the --marks, or none. */
static out_marks out_marks_of(const cli *c)
{
    if (c->color) return (out_marks){"\033[1;31m", "\033[0m"};
    return (out_marks){c->mark_open ? c->mark_open : "", c->mark_close ? c->mark_close : ""};
}

/* Prints hit i in the chosen format. Returns 0 or a library error code. */
static int out_hit(const cli *c, trawl_search *s, loc_ctx *lc, size_t i, const trawl_hit *h)
{
    hitout_opts ho = {out_marks_of(c), c->vimgrep || (!c->no_snippets && !c->files), c->opt.offset};
    hitout_explain x = {NULL, 0, 0, c->explain, s, i};
    loc l;
    int rc = loc_hit(lc, s, i, h, ho.has_snippet, c->snippet_bytes, &l);
    if (rc == TRAWL_OK && c->explain) rc = trawl_search_explain(s, i, &x.ex, &x.n_ex, &x.doc_len);
    if (rc != TRAWL_OK) return rc;
    if (c->files)
        hitout_path(stdout, &l, c->nul);
    else if (c->vimgrep)
        hitout_vimgrep(stdout, &ho, &l);
    else if (c->json)
        hitout_json(stdout, &ho, i, h, &l, &x);
    else
        hitout_text(stdout, &ho, i, h, &l, &x);
    return 0;
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
               (unsigned long long)t.df, hitout_origin_name(t.origin));
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

/* The closing line: the count, how many hits were shown, the time. With --json (also with
 * --count) a "summary" record. */
static void out_summary(const cli *c, const trawl_search *s, size_t n_hits)
{
    unsigned long long count = trawl_search_count(s);
    int exact = trawl_search_count_is_exact(s);
    double ms = trawl_search_elapsed_us(s) / 1000.0;
    if (c->json) {
        printf("{\"type\":\"summary\",\"count\":%llu,\"exact\":%s,\"offset\":%u,\"shown\":%zu,"
               "\"ms\":%.3f}\n",
               count, exact ? "true" : "false", c->opt.offset, n_hits, ms);
        return;
    }
    printf("%s%llu matching document%s", exact ? "" : "at least ", count, count == 1 ? "" : "s");
    if (n_hits)
        printf(" (showing %zu-%zu)", (size_t)c->opt.offset + 1, (size_t)c->opt.offset + n_hits);
    else if (count && c->opt.offset)
        printf(" (none shown after offset %u)", c->opt.offset);
    printf(" in %.2f ms\n", ms);
}

/* With --json, an error is also a record on standard output, so that a reader of the stream
 * learns why it ended: {"type":"error","code":"TRAWL_EQUERY","message":"..","column":17}. */
static void out_error_json(const cli *c, int rc, const char *msg, uint32_t col)
{
    if (!c->json) return;
    printf("{\"type\":\"error\",\"code\":\"%s\",\"message\":\"", trawl_errname(rc));
    out_json_str(stdout, msg, strlen(msg));
    printf("\",\"column\":%u}\n", col);
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

/* Says what the query lost: one stderr line per warning and, with --json, a {"type":"warning"}
 * record before the hits. */
static void out_warnings(const cli *c, const trawl_search *s)
{
    trawl_warning w;
    for (size_t i = 0; trawl_search_warning(s, i, &w) == TRAWL_OK; i++) {
        fprintf(stderr, "trawl-search: warning: %s\n", w.message);
        if (!c->json) continue;
        fputs("{\"type\":\"warning\",\"kind\":\"long_word\",\"message\":\"", stdout);
        out_json_str(stdout, w.message, strlen(w.message));
        printf("\",\"column\":%u,\"bytes\":%u}\n", w.column, w.bytes);
    }
}

/* -l and --vimgrep list every matching document, as grep does, unless -n says how many: the
 * count of a first, counting run is the limit of the second. */
static int run_limit(const cli *c, trawl_search *s, trawl_options *o)
{
    if (!(c->files || c->vimgrep) || c->has_limit) return TRAWL_OK;
    trawl_options co = *o;
    co.count_only = 1;
    co.limit = 0;
    int rc = trawl_search_run(s, c->query, &co);
    uint64_t n = trawl_search_count(s);
    o->limit = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    return rc;
}

/* One query: its hits (or count) and summary. Returns the exit status: CLI_EXIT_HITS,
 * CLI_EXIT_NONE or CLI_EXIT_ERROR. */
static int run_search(const cli *c, trawl_search *s, loc_ctx *lc)
{
    trawl_options o = c->opt;
    if (c->count) {
        o.count_only = 1;
        o.limit = 0;
    }
    o.explain = c->explain && !c->count;
    int rc = run_limit(c, s, &o);
    if (rc == TRAWL_OK) rc = trawl_search_run(s, c->query, &o);
    if (rc != TRAWL_OK) {
        out_error(trawl_search_errmsg(s), rc == TRAWL_EQUERY ? c->query : NULL,
                  trawl_search_error_column(s));
        out_error_json(c, rc, trawl_search_errmsg(s), trawl_search_error_column(s));
        return CLI_EXIT_ERROR;
    }
    out_warnings(c, s);
    uint64_t count = trawl_search_count(s);
    if (c->count && !c->json) {
        printf("%llu\n", (unsigned long long)count);
        return count ? CLI_EXIT_HITS : CLI_EXIT_NONE;
    }
    trawl_hit h;
    size_t i = 0;
    if (c->explain && !c->files && !c->vimgrep) out_query_terms(c, s);
    for (; trawl_search_hit(s, i, &h) == TRAWL_OK; i++) {
        rc = out_hit(c, s, lc, i, &h);
        if (rc != TRAWL_OK) {
            fflush(stdout);
            const char *msg = rc == TRAWL_ENOMEM ? "out of memory" : trawl_search_errmsg(s);
            out_error(msg, NULL, 0);
            out_error_json(c, rc, msg, 0);
            return CLI_EXIT_ERROR;
        }
    }
    if (!c->files && !c->vimgrep) {
        out_summary(c, s, i);
        out_suggestion(c, s, i);
    }
    return count ? CLI_EXIT_HITS : CLI_EXIT_NONE;
}

static void cli_free(cli *c)
{
    free(c->query);
    free(c->mark_open);
    free(c->mark_close);
}

int main(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    trawl_options_init(&c.opt);
    int rc = cli_parse(&c, argc, argv);
    if (rc) {
        cli_free(&c);
        return rc == 3 ? CLI_EXIT_HITS : CLI_EXIT_ERROR;
    }
    char errbuf[512];
    trawl_index *idx = NULL;
    trawl_search *s = NULL;
    rc = trawl_index_open(&idx, c.dirs, c.n_dirs, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) {
        out_error(errbuf, NULL, 0);
        out_error_json(&c, rc, errbuf, 0);
        rc = CLI_EXIT_ERROR;
    } else if (trawl_search_new(&s, idx) != TRAWL_OK) {
        out_error("out of memory", NULL, 0);
        out_error_json(&c, TRAWL_ENOMEM, "out of memory", 0);
        rc = CLI_EXIT_ERROR;
    } else if (c.batch.path) {
        rc = batch_run(&c.batch, s) == 0 ? CLI_EXIT_HITS : CLI_EXIT_ERROR;
    } else if (c.interactive) {
        tui_opts to = {c.opt, c.snippet_bytes, c.absolute, c.color, c.query};
        rc = tui_run(&to, s);
    } else if (c.terms || c.show) {
        inspect_opts io = {c.json, c.term_sort, c.has_limit ? c.opt.limit : 0};
        rc = c.terms ? inspect_terms(&io, idx, c.terms) : inspect_show(&io, s, c.show);
    } else {
        loc_ctx lc;
        loc_init(&lc, c.absolute);
        rc = run_search(&c, s, &lc);
        loc_free(&lc);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "trawl-search: error: writing output: %s\n", strerror(errno));
        rc = CLI_EXIT_ERROR;
    }
    trawl_search_free(s);
    trawl_index_close(idx);
    cli_free(&c);
    return rc;
}
