/* build: one sync of a corpus into an index (contract in build.h).
 *
 * Identity: every path argument is made canonical (realpath) and hung under a manifest root:
 * the nearest existing root above it, else a new one (the directory itself, or a file's
 * directory); a file's id is its path relative to that root. So `./d/a.txt` and `$PWD/d/a.txt`
 * are one document, and `d1/n.txt` and `d2/n.txt` two.
 *
 * Per file: stat; if the index holds it with the same size and mtime it is unchanged and not
 * read; otherwise it is read and hashed: the same hash is a touch (recorded so the next sync
 * need not read it again), another is an update. After the walk, documents under an argument
 * that the walk did not meet are deleted. Everything goes into one commit. */
#include "build.h"

#include "corpus.h"
#include "writer.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct bld_arg {
    char *canon; /**< canonical path of the argument */
    int is_dir;
    uint32_t root; /**< its manifest root */
    size_t id_off; /**< a file's id starts at this byte of its canonical path */
} bld_arg;

typedef struct bld {
    const build_opts *o;
    build_result *r;
    err *e;
    iw *w;
    bld_arg *args;
    uint64_t n_seen; /**< documents and files met (progress) */
    int had;         /**< the gate found the file indexed (with prev_hash) */
    uint64_t prev_hash;
} bld;

static void bld_warn(bld *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bld_warn(bld *b, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    if (!b->o->warn) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    b->o->warn(b->o->warn_ctx, msg);
}

void build_opts_init(build_opts *o)
{
    memset(o, 0, sizeof *o);
}

static void bld_progress(bld *b, uint64_t bytes)
{
    b->n_seen++;
    b->r->in_bytes += bytes;
    if (b->o->progress) b->o->progress(b->o->progress_ctx, b->n_seen, b->r->in_bytes);
}

/* ---------------------------------------------------------------- roots */

/* Canonical path of argument i and the root it hangs under. */
static int bld_arg_root(bld *b, size_t i)
{
    bld_arg *a = &b->args[i];
    struct stat st;
    char dir[PATH_MAX];
    if (!(a->canon = realpath(b->o->paths[i], NULL)))
        return err_set(b->e, TRAWL_EARG, "%s: %s", b->o->paths[i], strerror(errno));
    if (stat(a->canon, &st) < 0)
        return err_set(b->e, TRAWL_EARG, "%s: %s", b->o->paths[i], strerror(errno));
    a->is_dir = S_ISDIR(st.st_mode);
    snprintf(dir, sizeof dir, "%s", a->canon);
    const char *top = a->is_dir ? dir : dirname(dir);
    if (!iw_root_above(b->w, a->canon, &a->root) && iw_root(b->w, top, &a->root) < 0)
        return b->e->rc;
    size_t rl = strlen(iw_root_path(b->w, a->root));
    a->id_off = rl == 1 ? 1 : rl + 1; /* the root "/" ends with its slash */
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- corpus callbacks */

/* Before a text file is read: unchanged by size and mtime, or seen already (two arguments
 * overlap), means it is skipped. */
static int bld_gate(void *ctx, const corpus_file *f)
{
    bld *b = ctx;
    fmt_src src;
    uint32_t root = b->args[f->arg].root;
    int r = iw_lookup(b->w, root, f->id, f->id_len, &src);
    b->had = r == 1;
    b->prev_hash = src.hash;
    if (r < 0) return r;
    if (r == 2) return CORPUS_SKIP;
    if (r == 1 && src.size == f->size && src.mtime_ns == f->mtime_ns) {
        b->r->n_unchanged++;
        bld_progress(b, 0);
        return iw_seen(b->w, root, f->id, f->id_len) < 0 ? b->e->rc : CORPUS_SKIP;
    }
    return CORPUS_READ;
}

/* A document read from the corpus: unchanged content (a touch), an update, or new. */
static int bld_on_doc(void *ctx, const corpus_doc *d)
{
    bld *b = ctx;
    uint32_t root = b->o->is_jsonl ? 0 : b->args[d->arg].root;
    int rc = TRAWL_OK, replaced = 0;
    if (b->o->is_jsonl) { /* no gate for records: look each up here */
        fmt_src src;
        int r = iw_lookup(b->w, 0, d->id, d->id_len, &src);
        if (r < 0) return r;
        b->had = r == 1;
        b->prev_hash = src.hash;
    }
    bld_progress(b, d->in_bytes);
    if (b->had && b->prev_hash == d->hash) {
        b->r->n_unchanged++;
        b->had = 0;
        return b->o->is_jsonl ? iw_seen(b->w, root, d->id, d->id_len)
                              : iw_touch(b->w, root, d->id, d->id_len, d->in_bytes, d->mtime_ns);
    }
    b->had = 0;
    iw_doc doc = {root,        d->id,       d->id_len,   d->date, d->text,
                  d->text_len, d->in_bytes, d->mtime_ns, d->hash};
    rc = iw_add(b->w, &doc, &replaced);
    if (rc < 0) return rc;
    if (replaced)
        b->r->n_updated++;
    else
        b->r->n_added++;
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- deletions */

/* Deletes one id: a JSON Lines id, or else a file path (resolved like the arguments). */
static int bld_delete_one(bld *b, const char *id)
{
    int r = iw_delete(b->w, 0, id, strlen(id));
    b->r->n_deleted += r == 1;
    if (r != 0) return r < 0 ? r : TRAWL_OK;
    char dir[PATH_MAX], base[PATH_MAX], canon[PATH_MAX + 2];
    uint32_t root;
    snprintf(dir, sizeof dir, "%s", id);
    snprintf(base, sizeof base, "%s", id);
    char *real_dir = realpath(dirname(dir), NULL);
    if (real_dir) {
        snprintf(canon, sizeof canon, "%s/%s", strcmp(real_dir, "/") ? real_dir : "",
                 basename(base));
        free(real_dir);
        if (iw_root_above(b->w, canon, &root)) {
            size_t rl = strlen(iw_root_path(b->w, root));
            rl = rl == 1 ? 1 : rl + 1;
            r = strlen(canon) > rl ? iw_delete(b->w, root, canon + rl, strlen(canon + rl)) : 0;
            b->r->n_deleted += r == 1;
            if (r != 0) return r < 0 ? r : TRAWL_OK;
        }
    }
    bld_warn(b, "%s: no such document in the index, nothing deleted", id);
    b->r->n_missing++;
    return TRAWL_OK;
}

/* --delete-from FILE: one id a line (blank lines skipped). */
static int bld_delete_from(bld *b, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = TRAWL_OK;
    if (!f) return err_set(b->e, TRAWL_EARG, "%s: %s", path, strerror(errno));
    while (rc == TRAWL_OK && (n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n > 0) rc = bld_delete_one(b, line);
    }
    if (rc == TRAWL_OK && ferror(f)) rc = err_set(b->e, TRAWL_EIO, "%s: read error", path);
    free(line);
    if (f != stdin) fclose(f);
    return rc;
}

static int bld_deletes(bld *b)
{
    int rc = TRAWL_OK;
    for (size_t i = 0; rc == TRAWL_OK && i < b->o->n_delete_ids; i++)
        rc = bld_delete_one(b, b->o->delete_ids[i]);
    if (rc == TRAWL_OK && b->o->delete_from) rc = bld_delete_from(b, b->o->delete_from);
    return rc;
}

/* ---------------------------------------------------------------- the run */

/* The counting walk before the sync: the same selection, every file counted, none read. */
typedef struct bld_count {
    uint64_t n_files, bytes;
} bld_count;

static int bld_count_file(void *ctx, const corpus_file *f)
{
    bld_count *c = ctx;
    c->n_files++;
    c->bytes += f->size;
    return CORPUS_SKIP;
}

static int bld_plan(bld *b, const corpus_opts *co, const char **canon)
{
    bld_count c = {0, 0};
    corpus_opts count = *co;
    count.gate = bld_count_file;
    count.gate_ctx = &c;
    count.warn = NULL; /* the real walk says it again */
    count.note = NULL;
    int rc = corpus_walk(&count, canon, b->o->n_paths, bld_on_doc, b, b->e);
    if (rc == TRAWL_OK) b->o->plan(b->o->progress_ctx, c.n_files, c.bytes);
    return rc;
}

/* Walks the corpus into the writer; then deletes what the walk did not meet. */
static int bld_walk(bld *b)
{
    size_t n = b->o->n_paths;
    const char **canon = calloc(n + 1, sizeof *canon);
    size_t *offs = calloc(n + 1, sizeof *offs);
    int rc = canon && offs ? TRAWL_OK : err_set(b->e, TRAWL_ENOMEM, "out of memory");
    for (size_t i = 0; rc == TRAWL_OK && !b->o->is_jsonl && i < n; i++) {
        rc = bld_arg_root(b, i);
        canon[i] = b->args[i].canon;
        offs[i] = b->args[i].id_off;
    }
    corpus_opts co = {.is_jsonl = b->o->is_jsonl,
                      .id_field = b->o->id_field,
                      .text_field = b->o->text_field,
                      .date_field = b->o->date_field,
                      .skip_dir = b->o->index_dir,
                      .warn = b->o->warn,
                      .warn_ctx = b->o->warn_ctx,
                      .id_offs = b->o->is_jsonl ? NULL : offs,
                      .gate = b->o->is_jsonl ? NULL : bld_gate,
                      .gate_ctx = b,
                      .select = b->o->select,
                      .note = b->o->note,
                      .note_ctx = b->o->note_ctx};
    if (rc == TRAWL_OK && n && b->o->plan && !b->o->is_jsonl) rc = bld_plan(b, &co, canon);
    if (rc == TRAWL_OK && n)
        rc = corpus_walk(&co, b->o->is_jsonl ? b->o->paths : canon, n, bld_on_doc, b, b->e);
    for (size_t i = 0; rc == TRAWL_OK && !b->o->is_jsonl && i < n; i++) {
        uint64_t gone = 0;
        rc = iw_delete_unseen(b->w, b->args[i].canon, b->args[i].is_dir, &gone);
        b->r->n_deleted += gone;
    }
    free(canon);
    free(offs);
    return rc;
}

/* Fills the result from the writer's counts. */
static void bld_result(bld *b)
{
    const iw_counts *c = iw_get_counts(b->w);
    b->r->n_docs = (uint32_t)(c->added + c->replaced);
    b->r->tokens = c->tokens;
    b->r->n_terms = c->new_terms;
    b->r->file_bytes = c->new_bytes;
    b->r->stored_bytes = c->new_stored;
    b->r->n_runs = c->n_runs;
    b->r->n_segments = iw_n_segments(b->w);
    b->r->n_live = iw_n_docs(b->w);
    b->r->merges = c->merges;
    b->r->commits = c->commits;
}

static int bld_body(bld *b)
{
    const build_opts *o = b->o;
    iw_opts wo = {.dir = o->index_dir,
                  .language = o->language,
                  .max_token_len = o->max_token_len,
                  .memory_bytes = o->memory_bytes,
                  .threads = o->threads,
                  .rebuild = o->rebuild,
                  .no_merge = o->no_merge,
                  .policy = o->policy,
                  .warn = o->warn,
                  .warn_ctx = o->warn_ctx};
    int rc = iw_open(&b->w, &wo, b->e);
    if (rc == TRAWL_OK && !o->is_jsonl && o->n_paths && iw_has_v1(b->w))
        rc = err_set(b->e, TRAWL_EARG,
                     "%s was built by an older trawl that did not record where files came from; "
                     "rebuild it with --rebuild to keep it in sync",
                     o->index_dir);
    if (rc == TRAWL_OK) rc = bld_walk(b);
    if (rc == TRAWL_OK) rc = bld_deletes(b);
    if (rc < 0) return rc;
    const iw_counts *c = iw_get_counts(b->w);
    int wrote = c->added + c->replaced > 0;
    if (o->n_paths && !wrote && (o->rebuild || (iw_n_segments(b->w) == 0 && !o->merge)) &&
        b->r->n_unchanged == 0)
        return err_set(b->e, TRAWL_EARG, "no documents found in %s%s", o->paths[0],
                       o->n_paths > 1 ? " and the other paths" : "");
    rc = iw_commit(b->w);
    if (rc == TRAWL_OK && o->merge) rc = iw_merge_all(b->w);
    bld_result(b);
    return rc;
}

int build_run(const build_opts *o, build_result *r, err *e)
{
    bld b = {.o = o, .r = r, .e = e};
    memset(r, 0, sizeof *r);
    int rc = corpus_check_paths(o->paths, o->n_paths, e);
    if (rc == TRAWL_OK && o->n_paths == 0 && !o->n_delete_ids && !o->delete_from && !o->merge)
        rc = err_set(e, TRAWL_EARG, "no input paths");
    if (rc == TRAWL_OK && !(b.args = calloc(o->n_paths + 1, sizeof *b.args)))
        rc = err_set(e, TRAWL_ENOMEM, "out of memory");
    if (rc == TRAWL_OK) rc = bld_body(&b);
    iw_close(b.w);
    for (size_t i = 0; b.args && i < o->n_paths; i++)
        free(b.args[i].canon);
    free(b.args);
    return rc;
}
