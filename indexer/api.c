/* api: the public writer (contract in trawl.h, "writer").
 *
 * A trawl_writer is an iw (writer.h) opened with create set, so the directory is locked from
 * open on and a first commit leaves an index even of no documents, plus two error records:
 * the iw reports into e, and the first failure it reports stops the handle (rc, sticky: every
 * later call returns it, as the iw itself refuses work then); argument errors and "not found"
 * go to last instead and leave the writer usable. Documents live in the JSON Lines id
 * namespace (root 0), so an id means what it means to trawl-index --jsonl. */
#include "api.h"

#include "analyzer.h"
#include "date.h"
#include "err.h"
#include "format.h"
#include "policy.h"
#include "segbuild.h"
#include "writer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define API_MAX_THREADS     64
#define API_MAX_MERGE_RATIO 1000

struct trawl_writer {
    iw *w;
    int rc;   /**< the failure that stopped the writer, TRAWL_OK while it works */
    err e;    /**< the iw's error record: the stopping failure's message */
    err last; /**< the last call's argument error or "not found", cleared by every call */
};

static int api_arg(trawl_writer *tw, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fails this call only: the message goes to tw->last, the writer goes on. */
static int api_arg(trawl_writer *tw, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tw->last.msg, sizeof tw->last.msg, fmt, ap);
    va_end(ap);
    tw->last.rc = rc;
    return rc;
}

/* Stops the writer with the iw's failure rc (the first one wins). */
static int api_stop(trawl_writer *tw, int rc)
{
    if (tw->rc == TRAWL_OK) tw->rc = rc;
    if (tw->e.rc == TRAWL_OK) err_set(&tw->e, rc, "%s", trawl_strerror(rc));
    return tw->rc;
}

/* Every call but close, errmsg and stats starts here: the stopping failure, or TRAWL_OK. */
static int api_begin(trawl_writer *tw)
{
    err_init(&tw->last);
    return tw->rc;
}

/* ---------------------------------------------------------------- options */

static void api_defaults(trawl_writer_options *o)
{
    memset(o, 0, sizeof *o);
    o->memory_bytes = SEGBUILD_DEFAULT_MEMORY;
    o->merge_ratio = POLICY_RATIO;
}

int trawl_writer_options_init_sized(trawl_writer_options *o, size_t o_size)
{
    trawl_writer_options d;
    if (!o || !sized_ok(o_size, API_WRITER_OPTIONS_1_0)) return TRAWL_EARG;
    api_defaults(&d);
    sized_copy_out(o, o_size, &d, sizeof d);
    return TRAWL_OK;
}

/* The caller's options over the defaults in *o, range-checked. */
static int api_options(trawl_writer_options *o, const trawl_writer_options *in, size_t in_size,
                       err *e)
{
    api_defaults(o);
    if (!in) return TRAWL_OK;
    if (!sized_ok(in_size, API_WRITER_OPTIONS_1_0))
        return err_set(e, TRAWL_EARG, "trawl_writer_options of %zu bytes: below the 1.0 size %zu",
                       in_size, (size_t)API_WRITER_OPTIONS_1_0);
    if (sized_copy_in(o, sizeof *o, in, in_size) != 0)
        return err_set(e, TRAWL_EARG,
                       "trawl_writer_options sets a field this library (%s) "
                       "does not have",
                       TRAWL_VERSION);
    if (o->language && strlen(o->language) >= FMT_LANG_LEN)
        return err_set(e, TRAWL_EARG, "language name of %zu bytes: no stemmer has one so long",
                       strlen(o->language));
    if (o->language && analyzer_check_language(o->language, e) < 0) return e->rc;
    if (o->max_token_len > ANALYZER_MAX_TOKEN_LIMIT)
        return err_set(e, TRAWL_EARG, "max_token_len %u is not in 1..%d", o->max_token_len,
                       ANALYZER_MAX_TOKEN_LIMIT);
    if (o->threads > API_MAX_THREADS)
        return err_set(e, TRAWL_EARG, "threads %u is not in 0..%d", o->threads, API_MAX_THREADS);
    if (o->merge_ratio == 1 || o->merge_ratio > API_MAX_MERGE_RATIO)
        return err_set(e, TRAWL_EARG, "merge_ratio %u is not in 2..%d", o->merge_ratio,
                       API_MAX_MERGE_RATIO);
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- open, close */

/* Opens the iw of a fresh handle with options o. */
static int api_open_iw(trawl_writer *tw, const char *dir, const trawl_writer_options *o)
{
    iw_opts wo = {.dir = dir,
                  .language = o->language,
                  .max_token_len = o->max_token_len,
                  .phrase_grams = o->phrase_grams != 0,
                  .memory_bytes = o->memory_bytes,
                  .threads = o->threads,
                  .rebuild = o->rebuild != 0,
                  .create = 1,
                  .no_merge = o->no_merge != 0};
    policy_defaults(&wo.policy);
    if (o->merge_ratio) wo.policy.ratio = o->merge_ratio;
    return iw_open(&tw->w, &wo, &tw->e);
}

static void api_errbuf(char *errbuf, size_t errbuf_len, const char *msg)
{
    if (errbuf && errbuf_len) snprintf(errbuf, errbuf_len, "%s", msg);
}

int trawl_writer_open_sized(trawl_writer **out, const char *dir, const trawl_writer_options *o,
                            char *errbuf, size_t errbuf_len, size_t o_size)
{
    trawl_writer_options opt;
    trawl_writer *tw = NULL;
    err e;
    err_init(&e);
    int rc = out && dir ? api_options(&opt, o, o_size, &e)
                        : err_set(&e, TRAWL_EARG, "trawl_writer_open: %s is NULL",
                                  out ? "the directory" : "the handle pointer");
    if (out) *out = NULL;
    if (rc == TRAWL_OK && !(tw = calloc(1, sizeof *tw)))
        rc = err_set(&e, TRAWL_ENOMEM, "%s: out of memory", dir);
    if (rc == TRAWL_OK) {
        err_init(&tw->e);
        err_init(&tw->last);
        rc = api_open_iw(tw, dir, &opt);
        if (rc != TRAWL_OK) e = tw->e;
    }
    api_errbuf(errbuf, errbuf_len, rc == TRAWL_OK ? "" : e.msg);
    if (rc != TRAWL_OK) {
        free(tw);
        return rc;
    }
    *out = tw;
    return TRAWL_OK;
}

void trawl_writer_close(trawl_writer *tw)
{
    if (!tw) return;
    iw_close(tw->w);
    free(tw);
}

/* ---------------------------------------------------------------- documents */

/* Checks an id argument of fn; TRAWL_OK or TRAWL_EARG in tw->last. */
static int api_check_id(trawl_writer *tw, const char *fn, const char *id, size_t id_len)
{
    if (!id) return api_arg(tw, TRAWL_EARG, "%s: the id is NULL", fn);
    if (id_len == 0) return api_arg(tw, TRAWL_EARG, "%s: the id is empty", fn);
    return TRAWL_OK;
}

int trawl_writer_add(trawl_writer *tw, const char *id, size_t id_len, const char *text,
                     size_t text_len, uint32_t date, int *replaced)
{
    int r = 0;
    if (replaced) *replaced = 0;
    if (!tw) return TRAWL_EARG;
    int rc = api_begin(tw);
    if (rc == TRAWL_OK) rc = api_check_id(tw, "trawl_writer_add", id, id_len);
    if (rc != TRAWL_OK) return rc;
    if (!text && text_len)
        return api_arg(tw, TRAWL_EARG, "%.*s: the text is NULL but its length %zu", (int)id_len, id,
                       text_len);
    if (date && !date_ymd_is_valid(date))
        return api_arg(tw, TRAWL_EARG, "%.*s: date %u is not a calendar day YYYYMMDD", (int)id_len,
                       id, (unsigned)date);
    if (!text) text = "";
    iw_doc d = {.root = 0,
                .id = id,
                .id_len = id_len,
                .date = date,
                .text = text,
                .text_len = text_len,
                .size = text_len,
                .mtime_ns = 0,
                .hash = XXH3_64bits(text, text_len)};
    rc = iw_add(tw->w, &d, &r);
    if (rc < 0) return api_stop(tw, rc);
    if (replaced) *replaced = r;
    return TRAWL_OK;
}

int trawl_writer_delete(trawl_writer *tw, const char *id, size_t id_len)
{
    if (!tw) return TRAWL_EARG;
    int rc = api_begin(tw);
    if (rc == TRAWL_OK) rc = api_check_id(tw, "trawl_writer_delete", id, id_len);
    if (rc != TRAWL_OK) return rc;
    int r = iw_delete(tw->w, 0, id, id_len);
    if (r < 0) return api_stop(tw, r);
    if (r == 0)
        return api_arg(tw, TRAWL_ENOTFOUND, "%.*s: no such document, nothing deleted", (int)id_len,
                       id);
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- commit, merge */

int trawl_writer_commit(trawl_writer *tw)
{
    if (!tw) return TRAWL_EARG;
    int rc = api_begin(tw);
    if (rc == TRAWL_OK) rc = iw_commit(tw->w);
    return rc < 0 ? api_stop(tw, rc) : TRAWL_OK;
}

int trawl_writer_merge(trawl_writer *tw)
{
    if (!tw) return TRAWL_EARG;
    int rc = api_begin(tw);
    if (rc == TRAWL_OK) rc = iw_merge_all(tw->w);
    return rc < 0 ? api_stop(tw, rc) : TRAWL_OK;
}

/* ---------------------------------------------------------------- state */

const char *trawl_writer_errmsg(const trawl_writer *tw)
{
    if (!tw) return "";
    return tw->rc ? tw->e.msg : tw->last.msg;
}

int trawl_writer_stat_sized(const trawl_writer *tw, trawl_writer_stats *st, size_t st_size)
{
    if (!tw || !st || !sized_ok(st_size, API_WRITER_STATS_1_0)) return TRAWL_EARG;
    const iw_counts *c = iw_get_counts(tw->w);
    trawl_writer_stats full = {.added = c->added,
                               .replaced = c->replaced,
                               .deleted = c->deleted,
                               .commits = c->commits,
                               .merges = c->merges,
                               .n_docs = iw_n_docs(tw->w),
                               .generation = iw_generation(tw->w),
                               .n_segments = (uint32_t)iw_n_segments(tw->w),
                               .has_changes = iw_has_changes(tw->w)};
    sized_copy_out(st, st_size, &full, sizeof full);
    return TRAWL_OK;
}
