/* build: one indexing run (contract in build.h).
 *
 * Order of effects, chosen so that a kill at any instant leaves the previous index usable:
 *   1. lock INDEX_DIR/LOCK, delete leftover .*.tmp files and segment files no manifest names;
 *   2. read the manifest and the ids of the existing segments (nothing written yet);
 *   3. stream documents: the segment writer gets each document, the postings buffer its tokens,
 *      the stored text goes in 64 KiB blocks through bld_zip (compressed inline, or on a helper
 *      thread with --threads 2: the same bytes either way); over budget, the buffer is spilled
 *      as a sorted run .run-N.tmp and cleared;
 *   4. merge the runs (in rounds of BUILD_MERGE_FANIN) into the writer's term section (with no
 *      run, the sorted buffer goes straight to the writer); the writer renames .seg-N.trw.tmp
 *      to seg-N.trw after fsync: not yet part of the index;
 *   5. manifest_write replaces MANIFEST atomically: the commit point;
 *   6. with --rebuild, delete the segment files the new manifest does not name.
 * The index directory itself is created only when the first document arrives, so an empty
 * corpus writes nothing. */
#include "build.h"

#include "analyzer.h"
#include "buf.h"
#include "checksum.h"
#include "format.h"
#include "fsx.h"
#include "manifest.h"
#include "merge.h"
#include "postings_buf.h"
#include "segment.h"
#include "segment_writer.h"
#include "spill.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUILD_MAX_DOCS ((uint32_t)INT32_MAX - 1) /* doc ids stay below the cursors' DOC_END */

/* Set of external ids: open addressing over offsets into a store of [u32 len][bytes]. */
typedef struct bld_ids {
    buf store;
    uint64_t *slots; /**< offset + 1 into store, 0 = empty */
    size_t cap, n;   /**< cap is a power of two */
} bld_ids;

#define BLD_ZIP_SLOTS 4 /* stored blocks in flight between the indexing and the zip thread */

enum { BLD_Z_FREE, BLD_Z_FULL, BLD_Z_DONE, BLD_Z_FAILED };

/* One stored text block on its way to the segment writer. */
typedef struct bld_zslot {
    uint8_t *raw;   /**< FMT_STORED_BLOCK bytes */
    size_t raw_len; /**< bytes filled */
    buf z;          /**< compressed form, once DONE */
    int state;      /**< BLD_Z_*; changed under bld_zip.mu when threaded */
} bld_zslot;

/* Stored text cut into FMT_STORED_BLOCK blocks, compressed in order inline or on a helper
 * thread, and handed to the writer in order (sw_add_stored_block): the file bytes do not depend
 * on the thread count. Block j uses slot j % BLD_ZIP_SLOTS:
 *
 *   main: fill ──► FULL ──(zip thread)──► DONE ──► main: sw_add_stored_block ──► FREE
 *
 * Only the state field is shared; the mutex orders the slot's bytes with its state. */
typedef struct bld_zip {
    bld_zslot slots[BLD_ZIP_SLOTS];
    uint64_t n_sub;    /**< blocks submitted (main thread) */
    uint64_t n_out;    /**< blocks delivered to the writer (main thread) */
    uint64_t n_zipped; /**< blocks compressed (zip thread) */
    sw_zip *zip;       /**< deflate state of whichever thread compresses */
    int is_started;    /**< slots allocated */
    int is_threaded;   /**< th runs */
    int stop;          /**< asks th to end, under mu */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
} bld_zip;

typedef struct bld {
    const build_opts *o;
    build_result *r;
    err *e;
    int lock_fd;       /**< -1 until the directory is locked */
    manifest old;      /**< the existing manifest (n_segs 0 if none) */
    int has_old;       /**< old was read */
    char language[32]; /**< analyzer settings in force */
    uint32_t max_tok;
    bld_ids ids; /**< ids already indexed or added in this run */
    analyzer *an;
    postings_buf *pb;
    segment_writer *sw;
    uint64_t seg_id;
    char **runs; /**< paths of the runs on disk, in doc order */
    size_t n_runs, cap_runs;
    unsigned run_seq; /**< next run file number */
    uint32_t n_docs;
    bld_zip zip;          /**< stored text compression */
    const char *inv_path; /**< file whose invalid UTF-8 count is being summed */
    char inv_name[1024];
    size_t inv_count;
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

/* ---------------------------------------------------------------- id set */

static uint64_t bld_ids_hash(const char *id, size_t len)
{
    return checksum64(id, len);
}

static const char *bld_ids_at(const bld_ids *s, uint64_t slot, size_t *len)
{
    uint32_t l;
    memcpy(&l, s->store.p + slot - 1, 4);
    *len = l;
    return (const char *)s->store.p + slot + 3;
}

/* Returns the slot index holding id, or the empty slot where it would go. */
static size_t bld_ids_find(const bld_ids *s, const char *id, size_t len)
{
    size_t h = bld_ids_hash(id, len) & (s->cap - 1);
    for (; s->slots[h]; h = (h + 1) & (s->cap - 1)) {
        size_t l;
        const char *x = bld_ids_at(s, s->slots[h], &l);
        if (l == len && memcmp(x, id, len) == 0) break;
    }
    return h;
}

static int bld_ids_has(const bld_ids *s, const char *id, size_t len)
{
    return s->cap && s->slots[bld_ids_find(s, id, len)] != 0;
}

static int bld_ids_grow(bld_ids *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    uint64_t *old = s->slots;
    size_t old_cap = s->cap;
    s->slots = calloc(cap, sizeof *s->slots);
    if (!s->slots) {
        s->slots = old;
        return -1;
    }
    s->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        size_t len;
        if (!old[i]) continue;
        const char *id = bld_ids_at(s, old[i], &len);
        s->slots[bld_ids_find(s, id, len)] = old[i];
    }
    free(old);
    return 0;
}

/* Adds id (no-op if present). Returns 0 or -1 when out of memory. */
static int bld_ids_add(bld_ids *s, const char *id, size_t len)
{
    if ((s->n + 1) * 10 > s->cap * 7 && bld_ids_grow(s) < 0) return -1;
    size_t h = bld_ids_find(s, id, len);
    if (s->slots[h]) return 0;
    uint64_t off = s->store.len + 1;
    buf_put_u32(&s->store, (uint32_t)len);
    buf_put(&s->store, id, len);
    if (s->store.oom) return -1;
    s->slots[h] = off;
    s->n++;
    return 0;
}

static void bld_ids_free(bld_ids *s)
{
    buf_free(&s->store);
    free(s->slots);
}

/* ---------------------------------------------------------------- index directory */

static int bld_path(bld *b, char *out, size_t cap, const char *name)
{
    return fsx_join(out, cap, b->o->index_dir, name, b->e);
}

/* Takes the exclusive lock on INDEX_DIR/LOCK, held until the process ends or build returns. */
static int bld_lock(bld *b)
{
    char path[4096];
    if (bld_path(b, path, sizeof path, "LOCK") < 0) return b->e->rc;
    int fd = fsx_open_regular(path, O_RDWR | O_CREAT, 0644, NULL);
    if (fd == FSX_NOT_REGULAR) return err_set(b->e, TRAWL_EIO, "%s: not a regular file", path);
    if (fd < 0) return err_set(b->e, TRAWL_EIO, "%s: %s", path, strerror(errno));
    b->lock_fd = fd;
    if (flock(b->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            return err_set(b->e, TRAWL_EIO, "%s: locked: another trawl-index is writing this index",
                           path);
        return err_set(b->e, TRAWL_EIO, "%s: flock: %s", path, strerror(errno));
    }
    return TRAWL_OK;
}

/* 1 if name is a segment file name we write: "seg-" digits ".trw". */
static int bld_is_seg_name(const char *name)
{
    size_t n = strlen(name), i = 4;
    if (n < 9 || strncmp(name, "seg-", 4) != 0 || strcmp(name + n - 4, ".trw") != 0) return 0;
    for (; i < n - 4; i++) {
        if (name[i] < '0' || name[i] > '9') return 0;
    }
    return 1;
}

static int bld_named_in(const manifest *m, const char *name)
{
    for (size_t i = 0; m && i < m->n_segs; i++) {
        if (strcmp(m->segs[i].name, name) == 0) return 1;
    }
    return 0;
}

/* Deletes leftover temporary files (.*.tmp*, from a killed run) and, when keep is given,
 * segment files it does not name. Only called with the lock held. Failures are ignored: the
 * files are garbage either way. */
static void bld_prune(bld *b, const manifest *keep, int segs_too)
{
    char path[4096];
    DIR *d = opendir(b->o->index_dir);
    struct dirent *de;
    if (!d) return;
    while ((de = readdir(d)) != NULL) {
        int is_tmp = de->d_name[0] == '.' && strstr(de->d_name, ".tmp") != NULL;
        int is_orphan = segs_too && bld_is_seg_name(de->d_name) && !bld_named_in(keep, de->d_name);
        if ((is_tmp || is_orphan) &&
            fsx_join(path, sizeof path, b->o->index_dir, de->d_name, b->e) == 0)
            unlink(path);
    }
    closedir(d);
}

/* Reads the ids of the existing segment m->segs[i] into the id set. */
static int bld_load_seg_ids(bld *b, const manifest_seg *ms)
{
    char path[4096];
    segment *s = NULL;
    int rc = bld_path(b, path, sizeof path, ms->name);
    if (rc == TRAWL_OK) rc = segment_open(&s, path, ms->name, ms->id, b->e);
    for (uint32_t d = 0; rc == TRAWL_OK && d < segment_n_docs(s); d++) {
        const char *id;
        size_t len;
        rc = segment_doc_id(s, d, &id, &len, b->e);
        if (rc == TRAWL_OK && bld_ids_add(&b->ids, id, len) < 0)
            rc = err_set(b->e, TRAWL_ENOMEM, "out of memory reading the ids of %s", ms->name);
    }
    segment_close(s);
    return rc;
}

/* Turns a failure to read the existing index into the "corrupt, left untouched" error. */
static int bld_corrupt(bld *b)
{
    char why[sizeof b->e->msg];
    snprintf(why, sizeof why, "%s", b->e->msg);
    err_init(b->e);
    return err_set(
        b->e, TRAWL_ECORRUPT,
        "%s: existing index is unreadable (%s); left untouched, use --rebuild to replace it",
        b->o->index_dir, why);
}

/* Reads MANIFEST and the existing ids. Without a manifest the directory is a fresh index. */
static int bld_read_existing(bld *b)
{
    char path[4096];
    struct stat st;
    int rc = bld_path(b, path, sizeof path, MANIFEST_NAME);
    if (rc < 0) return rc;
    if (stat(path, &st) < 0 && errno == ENOENT) {
        bld_prune(b, NULL, 1);
        return TRAWL_OK;
    }
    rc = manifest_read(&b->old, b->o->index_dir, b->e);
    if (rc < 0 && b->o->rebuild) {
        bld_warn(b, "%s: ignoring the unreadable existing index (%s)", b->o->index_dir, b->e->msg);
        err_init(b->e);
        manifest_free(&b->old);
        manifest_init(&b->old);
        bld_prune(b, NULL, 0);
        return TRAWL_OK;
    }
    if (rc < 0) return bld_corrupt(b);
    b->has_old = 1;
    bld_prune(b, &b->old, 1);
    for (size_t i = 0; !b->o->rebuild && i < b->old.n_segs; i++) {
        if ((rc = bld_load_seg_ids(b, &b->old.segs[i])) < 0)
            return rc == TRAWL_ENOMEM ? rc : bld_corrupt(b);
    }
    return TRAWL_OK;
}

/* Opens (and locks) an existing index directory; a missing one is created later. */
static int bld_open_dir(bld *b)
{
    struct stat st;
    if (stat(b->o->index_dir, &st) < 0) {
        if (errno == ENOENT) return TRAWL_OK;
        return err_set(b->e, TRAWL_EIO, "%s: %s", b->o->index_dir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return err_set(b->e, TRAWL_EARG, "%s: exists and is not a directory", b->o->index_dir);
    int rc = bld_lock(b);
    return rc < 0 ? rc : bld_read_existing(b);
}

/* Settles language and max token length: given, or the existing index's, or defaults. */
static int bld_settings(bld *b)
{
    const char *lang = b->o->language;
    uint32_t mt = b->o->max_token_len;
    int inherit = b->has_old && !b->o->rebuild;
    if (inherit && lang && strcmp(lang, b->old.language) != 0)
        return err_set(b->e, TRAWL_EARG, "%s was built with --language %s, not %s", b->o->index_dir,
                       b->old.language, lang);
    if (inherit && mt && mt != b->old.max_token_len)
        return err_set(b->e, TRAWL_EARG, "%s was built with --max-token-len %u, not %u",
                       b->o->index_dir, b->old.max_token_len, mt);
    if (!lang) lang = inherit ? b->old.language : "english";
    if (!mt) mt = inherit ? b->old.max_token_len : ANALYZER_DEFAULT_MAX_TOKEN;
    snprintf(b->language, sizeof b->language, "%s", lang);
    b->max_tok = mt;
    uint64_t max_id = 0;
    for (size_t i = 0; i < b->old.n_segs; i++)
        max_id = b->old.segs[i].id > max_id ? b->old.segs[i].id : max_id;
    b->seg_id = max_id + 1;
    snprintf(b->r->seg_name, sizeof b->r->seg_name, "seg-%06" PRIu64 ".trw", b->seg_id);
    return analyzer_new(&b->an, b->language, b->max_tok, b->e);
}

/* Before the first document: create and lock the directory if needed, open the writer. */
static int bld_start_segment(bld *b)
{
    char path[4096];
    struct stat st;
    int rc = TRAWL_OK;
    if (b->lock_fd < 0) {
        rc = fsx_mkdir(b->o->index_dir, b->e);
        if (rc == TRAWL_OK) rc = bld_lock(b);
        if (rc == TRAWL_OK && bld_path(b, path, sizeof path, MANIFEST_NAME) == 0 &&
            stat(path, &st) == 0)
            rc = err_set(b->e, TRAWL_EIO, "%s: another indexer created an index here meanwhile",
                         b->o->index_dir);
    }
    if (rc == TRAWL_OK)
        rc = sw_open(&b->sw, b->o->index_dir, b->r->seg_name, b->seg_id, b->language, b->max_tok,
                     b->e);
    return rc;
}

/* ---------------------------------------------------------------- stored text */

/* The zip thread: compresses FULL slots in block order until asked to stop. */
static void *bld_zip_main(void *arg)
{
    bld_zip *z = arg;
    pthread_mutex_lock(&z->mu);
    for (;;) {
        bld_zslot *s = &z->slots[z->n_zipped % BLD_ZIP_SLOTS];
        while (!z->stop && s->state != BLD_Z_FULL)
            pthread_cond_wait(&z->cv_work, &z->mu);
        if (s->state != BLD_Z_FULL) break;
        pthread_mutex_unlock(&z->mu);
        int rc = sw_zip_block(z->zip, s->raw, s->raw_len, &s->z);
        pthread_mutex_lock(&z->mu);
        s->state = rc == TRAWL_OK ? BLD_Z_DONE : BLD_Z_FAILED;
        z->n_zipped++;
        pthread_cond_signal(&z->cv_done);
    }
    pthread_mutex_unlock(&z->mu);
    return NULL;
}

/* Number of threads to use: the option, or min(2, online CPUs). */
static unsigned bld_threads(const build_opts *o)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (o->threads) return o->threads;
    return n >= 2 ? 2 : 1;
}

/* Allocates the slots and, with more than one thread, starts the zip thread. */
static int bld_zip_start(bld *b)
{
    bld_zip *z = &b->zip;
    z->is_started = 1;
    for (size_t i = 0; i < BLD_ZIP_SLOTS; i++) {
        buf_init(&z->slots[i].z);
        if (!(z->slots[i].raw = malloc(FMT_STORED_BLOCK)))
            return err_set(b->e, TRAWL_ENOMEM, "out of memory for stored text");
    }
    if (sw_zip_new(&z->zip) < 0) return err_set(b->e, TRAWL_ENOMEM, "out of memory for zlib");
    if (bld_threads(b->o) < 2) return TRAWL_OK;
    pthread_mutex_init(&z->mu, NULL);
    pthread_cond_init(&z->cv_work, NULL);
    pthread_cond_init(&z->cv_done, NULL);
    int rc = pthread_create(&z->th, NULL, bld_zip_main, z);
    if (rc == 0) {
        z->is_threaded = 1;
        return TRAWL_OK;
    }
    pthread_cond_destroy(&z->cv_done);
    pthread_cond_destroy(&z->cv_work);
    pthread_mutex_destroy(&z->mu);
    return err_set(b->e, TRAWL_EIO, "cannot start a thread: %s", strerror(rc));
}

/* Stops the zip thread (whatever it was doing) and frees everything. */
static void bld_zip_stop(bld_zip *z)
{
    if (z->is_threaded) {
        pthread_mutex_lock(&z->mu);
        z->stop = 1;
        pthread_cond_signal(&z->cv_work);
        pthread_mutex_unlock(&z->mu);
        pthread_join(z->th, NULL);
        pthread_cond_destroy(&z->cv_done);
        pthread_cond_destroy(&z->cv_work);
        pthread_mutex_destroy(&z->mu);
        z->is_threaded = 0;
    }
    for (size_t i = 0; z->is_started && i < BLD_ZIP_SLOTS; i++) {
        free(z->slots[i].raw);
        buf_free(&z->slots[i].z);
    }
    sw_zip_free(z->zip);
    z->zip = NULL;
    z->is_started = 0;
}

/* Sets the state of slot s, under the mutex when the zip thread may look at it. */
static void bld_zip_set(bld_zip *z, bld_zslot *s, int state)
{
    if (z->is_threaded) pthread_mutex_lock(&z->mu);
    s->state = state;
    if (z->is_threaded) pthread_cond_signal(&z->cv_work);
    if (z->is_threaded) pthread_mutex_unlock(&z->mu);
}

/* Hands the oldest submitted block to the writer, waiting for its compression. */
static int bld_zip_deliver(bld *b)
{
    bld_zip *z = &b->zip;
    bld_zslot *s = &z->slots[z->n_out % BLD_ZIP_SLOTS];
    int state;
    if (z->is_threaded) {
        pthread_mutex_lock(&z->mu);
        while (s->state != BLD_Z_DONE && s->state != BLD_Z_FAILED)
            pthread_cond_wait(&z->cv_done, &z->mu);
        state = s->state;
        pthread_mutex_unlock(&z->mu);
    } else {
        state = s->state;
    }
    if (state == BLD_Z_FAILED)
        return err_set(b->e, TRAWL_ENOMEM, "out of memory compressing stored text");
    int rc = sw_add_stored_block(b->sw, s->z.p, s->z.len, s->raw_len);
    s->raw_len = 0;
    bld_zip_set(z, s, BLD_Z_FREE);
    z->n_out++;
    return rc;
}

/* Submits the block being filled: compresses it at once, or queues it for the zip thread and
 * makes sure the next slot is free. */
static int bld_zip_submit(bld *b)
{
    bld_zip *z = &b->zip;
    bld_zslot *s = &z->slots[z->n_sub % BLD_ZIP_SLOTS];
    z->n_sub++;
    if (!z->is_threaded) {
        s->state =
            sw_zip_block(z->zip, s->raw, s->raw_len, &s->z) == TRAWL_OK ? BLD_Z_DONE : BLD_Z_FAILED;
        return bld_zip_deliver(b);
    }
    bld_zip_set(z, s, BLD_Z_FULL);
    return z->n_sub - z->n_out == BLD_ZIP_SLOTS ? bld_zip_deliver(b) : TRAWL_OK;
}

/* Appends text to the stored stream. */
static int bld_zip_put(bld *b, const char *text, size_t n)
{
    bld_zip *z = &b->zip;
    int rc = TRAWL_OK;
    while (n > 0 && rc == TRAWL_OK) {
        bld_zslot *s = &z->slots[z->n_sub % BLD_ZIP_SLOTS];
        size_t k = FMT_STORED_BLOCK - s->raw_len < n ? FMT_STORED_BLOCK - s->raw_len : n;
        memcpy(s->raw + s->raw_len, text, k);
        s->raw_len += k;
        text += k;
        n -= k;
        if (s->raw_len == FMT_STORED_BLOCK) rc = bld_zip_submit(b);
    }
    return rc;
}

/* Submits the last, partial block and delivers every block still in flight. */
static int bld_zip_finish(bld *b)
{
    bld_zip *z = &b->zip;
    int rc = TRAWL_OK;
    if (z->slots[z->n_sub % BLD_ZIP_SLOTS].raw_len > 0) rc = bld_zip_submit(b);
    while (rc == TRAWL_OK && z->n_out < z->n_sub)
        rc = bld_zip_deliver(b);
    return rc;
}

/* ---------------------------------------------------------------- documents and runs */

/* Spills the postings buffer as the next run. */
static int bld_spill(bld *b)
{
    char name[64], path[4096];
    snprintf(name, sizeof name, ".run-%u.tmp", b->run_seq++);
    if (bld_path(b, path, sizeof path, name) < 0) return b->e->rc;
    if (b->n_runs == b->cap_runs) {
        size_t cap = b->cap_runs ? 2 * b->cap_runs : 16;
        char **r = realloc(b->runs, cap * sizeof *r);
        if (!r) return err_set(b->e, TRAWL_ENOMEM, "out of memory");
        b->runs = r;
        b->cap_runs = cap;
    }
    /* Recorded before writing so a failed write is still deleted. */
    if (!(b->runs[b->n_runs] = strdup(path))) return err_set(b->e, TRAWL_ENOMEM, "out of memory");
    b->n_runs++;
    b->r->n_runs++;
    int rc = spill_write(b->pb, path, b->e);
    pb_clear(b->pb);
    return rc;
}

/* Warns once per file about the invalid UTF-8 sequences the analyzer skipped in it. */
static void bld_flush_invalid(bld *b)
{
    if (b->inv_count)
        bld_warn(b, "%s: %zu invalid UTF-8 sequence%s skipped", b->inv_name, b->inv_count,
                 b->inv_count == 1 ? "" : "s");
    b->inv_count = 0;
    b->inv_path = NULL;
}

static void bld_count_invalid(bld *b, const char *path, size_t n)
{
    if (b->inv_path && strcmp(b->inv_name, path) != 0) bld_flush_invalid(b);
    if (!b->inv_path) {
        snprintf(b->inv_name, sizeof b->inv_name, "%s", path);
        b->inv_path = b->inv_name;
    }
    b->inv_count += n;
}

static int bld_token(void *ctx, const token *t)
{
    return pb_add(ctx, t->term, t->len, t->pos);
}

/* Indexes one document into the postings buffer and the segment writer. */
static int bld_index_doc(bld *b, const corpus_doc *d)
{
    uint32_t n_tokens = 0;
    size_t n_invalid = 0;
    int rc = analyzer_run(b->an, d->text, d->text_len, 0, bld_token, b->pb, &n_tokens, &n_invalid);
    if (rc < 0) return err_set(b->e, rc, "%s: out of memory analysing it", d->path);
    if (pb_doc_end(b->pb, b->n_docs) < 0)
        return err_set(b->e, TRAWL_ENOMEM, "out of memory in the postings buffer");
    bld_count_invalid(b, d->path, n_invalid);
    rc = sw_add_doc_meta(b->sw, d->id, d->id_len, d->date, n_tokens, d->text_len);
    if (rc == TRAWL_OK) rc = bld_zip_put(b, d->text, d->text_len);
    if (rc < 0) return rc;
    if (bld_ids_add(&b->ids, d->id, d->id_len) < 0)
        return err_set(b->e, TRAWL_ENOMEM, "out of memory for document ids");
    b->n_docs++;
    b->r->tokens += n_tokens;
    size_t budget = b->o->memory_bytes ? b->o->memory_bytes : BUILD_DEFAULT_MEMORY;
    return pb_mem(b->pb) > budget ? bld_spill(b) : TRAWL_OK;
}

/* corpus_walk callback. */
static int bld_on_doc(void *ctx, const corpus_doc *d)
{
    bld *b = ctx;
    int rc = TRAWL_OK;
    b->r->in_bytes += d->in_bytes;
    if (bld_ids_has(&b->ids, d->id, d->id_len)) {
        b->r->n_skipped++;
    } else if (d->text_len > UINT32_MAX) {
        bld_warn(b, "%s: document %.*s over 4 GiB, skipped", d->path, (int)d->id_len, d->id);
    } else if (b->n_docs >= BUILD_MAX_DOCS) {
        rc = err_set(b->e, TRAWL_EARG, "more than %u documents in one run", BUILD_MAX_DOCS);
    } else {
        if (!b->sw) rc = bld_start_segment(b);
        if (rc == TRAWL_OK) rc = bld_index_doc(b, d);
    }
    if (b->o->progress)
        b->o->progress(b->o->progress_ctx, b->n_docs + b->r->n_skipped, b->r->in_bytes);
    return rc;
}

/* ---------------------------------------------------------------- merge */

static int bld_sw_begin(void *ctx, const char *term, size_t len)
{
    return sw_term_begin(ctx, term, len);
}

static int bld_sw_doc(void *ctx, uint32_t doc, const uint32_t *pos, uint32_t tf)
{
    return sw_term_doc(ctx, doc, pos, tf);
}

static int bld_sw_end(void *ctx)
{
    return sw_term_end(ctx);
}

/* Merges runs[first..first+n) into sink through file sources sharing the memory budget. */
static int bld_merge_files(bld *b, size_t first, size_t n, const merge_sink *sink)
{
    size_t budget = b->o->memory_bytes ? b->o->memory_bytes : BUILD_DEFAULT_MEMORY;
    size_t bufsize = budget / (n + 1);
    bufsize = bufsize < 65536 ? 65536 : bufsize > (4u << 20) ? (4u << 20) : bufsize;
    spill_src **srcs = calloc(n, sizeof *srcs);
    int rc = srcs ? TRAWL_OK : err_set(b->e, TRAWL_ENOMEM, "out of memory merging runs");
    for (size_t i = 0; rc == TRAWL_OK && i < n; i++)
        rc = spill_src_file(&srcs[i], b->runs[first + i], bufsize, b->e);
    if (rc == TRAWL_OK) rc = merge_run(srcs, n, sink, NULL, b->e);
    for (size_t i = 0; srcs && i < n; i++)
        spill_src_free(srcs[i]);
    free(srcs);
    return rc;
}

/* Merges runs[g..g+n) into a new run file whose malloc'd path goes to *out. On failure the new
 * file is deleted; the input runs are left for the caller. */
static int bld_merge_group(bld *b, size_t g, size_t n, char **out)
{
    char name[64], path[4096];
    spill_writer *w = NULL;
    snprintf(name, sizeof name, ".run-%u.tmp", b->run_seq++);
    int rc = bld_path(b, path, sizeof path, name);
    if (rc == TRAWL_OK) rc = spill_writer_open(&w, path, b->e);
    merge_sink sink = merge_sink_run(w);
    if (rc == TRAWL_OK) rc = bld_merge_files(b, g, n, &sink);
    if (rc == TRAWL_OK) rc = spill_writer_finish(w);
    spill_writer_free(w);
    if (rc == TRAWL_OK && !(*out = strdup(path))) rc = err_set(b->e, TRAWL_ENOMEM, "out of memory");
    if (rc < 0) unlink(path);
    return rc;
}

/* Merges groups of BUILD_MERGE_FANIN runs into single runs until at most that many are left.
 * Groups are consecutive, so the runs stay in document order. */
static int bld_merge_rounds(bld *b)
{
    while (b->n_runs > BUILD_MERGE_FANIN) {
        size_t n_next = 0, cap = b->n_runs / BUILD_MERGE_FANIN + 1;
        char **next = calloc(cap, sizeof *next);
        int rc = next ? TRAWL_OK : err_set(b->e, TRAWL_ENOMEM, "out of memory");
        for (size_t g = 0; rc == TRAWL_OK && g < b->n_runs; g += BUILD_MERGE_FANIN) {
            size_t n = b->n_runs - g < BUILD_MERGE_FANIN ? b->n_runs - g : BUILD_MERGE_FANIN;
            rc = bld_merge_group(b, g, n, &next[n_next]);
            n_next += rc == TRAWL_OK;
        }
        /* On failure the new runs go; on success the old ones. */
        char **gone = rc == TRAWL_OK ? b->runs : next;
        size_t n_gone = rc == TRAWL_OK ? b->n_runs : n_next;
        for (size_t i = 0; i < n_gone; i++) {
            unlink(gone[i]);
            free(gone[i]);
        }
        if (rc < 0) {
            free(next);
            return rc;
        }
        free(b->runs);
        b->runs = next;
        b->n_runs = n_next;
        b->cap_runs = cap;
    }
    return TRAWL_OK;
}

/* Writes one term's list from the postings buffer; *pos / *cap is the positions scratch. */
static int bld_write_list(bld *b, const uint8_t *p, const uint8_t *end, uint32_t **pos, size_t *cap)
{
    uint32_t doc = 0, tf;
    int r, rc = TRAWL_OK;
    while (rc == TRAWL_OK && (r = pb_list_next(&p, end, &doc, &tf)) > 0) {
        if (tf > *cap) {
            uint32_t *q = realloc(*pos, (size_t)tf * sizeof *q);
            if (!q) return err_set(b->e, TRAWL_ENOMEM, "out of memory for %u positions", tf);
            *pos = q;
            *cap = tf;
        }
        if (pb_list_positions(&p, end, tf, *pos) < 0) break;
        rc = sw_term_doc(b->sw, doc, *pos, tf);
    }
    if (rc == TRAWL_OK && p != end)
        rc = err_set(b->e, TRAWL_ECORRUPT, "postings buffer: list cut short");
    return rc;
}

/* Nothing spilled: the sorted postings buffer goes straight to the segment writer, with no
 * run encoding, merge heap or callback per posting in between. */
static int bld_write_mem(bld *b)
{
    uint32_t *pos = NULL;
    size_t cap = 0;
    int rc = pb_sort(b->pb, b->e);
    for (size_t i = 0; rc == TRAWL_OK && i < pb_n_terms(b->pb); i++) {
        const char *term;
        const uint8_t *list;
        size_t len, list_len;
        pb_term(b->pb, i, &term, &len, &list, &list_len);
        rc = sw_term_begin(b->sw, term, len);
        if (rc == TRAWL_OK) rc = bld_write_list(b, list, list + list_len, &pos, &cap);
        if (rc == TRAWL_OK) rc = sw_term_end(b->sw);
    }
    free(pos);
    return rc;
}

/* Feeds every term of this run, in byte order, to the segment writer. */
static int bld_merge(bld *b)
{
    merge_sink sink = {b->sw, bld_sw_begin, bld_sw_doc, bld_sw_end};
    int rc;
    if (b->n_runs == 0) return bld_write_mem(b);
    if (pb_n_terms(b->pb) > 0 && (rc = bld_spill(b)) < 0) return rc;
    pb_free(b->pb); /* its memory goes to the merge buffers */
    b->pb = NULL;
    if ((rc = bld_merge_rounds(b)) < 0) return rc;
    return bld_merge_files(b, 0, b->n_runs, &sink);
}

/* ---------------------------------------------------------------- commit */

/* Writes the manifest naming the new segment: appended, or alone with --rebuild. */
static int bld_commit(bld *b)
{
    manifest fresh, *m = &b->old;
    int rc;
    if (b->o->rebuild) {
        manifest_init(&fresh);
        fresh.generation = b->old.generation;
        m = &fresh;
    }
    m->generation++;
    snprintf(m->language, sizeof m->language, "%s", b->language);
    m->max_token_len = b->max_tok;
    rc = manifest_add(m, b->r->seg_name, b->seg_id, b->n_docs, b->e);
    if (rc == TRAWL_OK) rc = manifest_write(m, b->o->index_dir, b->e);
    if (rc == TRAWL_OK && b->o->rebuild) bld_prune(b, m, 1);
    b->r->n_segments = m->n_segs;
    if (b->o->rebuild) manifest_free(&fresh);
    return rc;
}

/* After a failed commit: deletes the new segment file unless the manifest on disk names it
 * (the rename may have happened before a later fsync failed). */
static void bld_drop_unnamed(bld *b)
{
    manifest m;
    err e2;
    char path[4096];
    err_init(&e2);
    manifest_init(&m);
    int named =
        manifest_read(&m, b->o->index_dir, &e2) == TRAWL_OK && bld_named_in(&m, b->r->seg_name);
    manifest_free(&m);
    if (!named && fsx_join(path, sizeof path, b->o->index_dir, b->r->seg_name, &e2) == 0)
        unlink(path);
}

/* Runs the walk, the merge and the commit; b is set up by build_run. */
static int bld_body(bld *b)
{
    corpus_opts co = {.is_jsonl = b->o->is_jsonl,
                      .id_field = b->o->id_field,
                      .text_field = b->o->text_field,
                      .date_field = b->o->date_field,
                      .skip_dir = b->o->index_dir,
                      .warn = b->o->warn,
                      .warn_ctx = b->o->warn_ctx};
    sw_stats st;
    int rc = bld_open_dir(b);
    if (rc == TRAWL_OK) rc = bld_settings(b);
    if (rc == TRAWL_OK) rc = pb_new(&b->pb, b->e);
    if (rc == TRAWL_OK) rc = bld_zip_start(b);
    if (rc == TRAWL_OK) rc = corpus_walk(&co, b->o->paths, b->o->n_paths, bld_on_doc, b, b->e);
    if (rc == TRAWL_OK && b->sw) rc = bld_zip_finish(b);
    bld_flush_invalid(b);
    if (rc < 0) return rc;
    if (b->n_docs == 0) {
        b->r->seg_name[0] = '\0';
        b->r->n_segments = b->old.n_segs;
        if (b->r->n_skipped > 0) return TRAWL_OK;
        return err_set(b->e, TRAWL_EARG, "no documents found in %s%s", b->o->paths[0],
                       b->o->n_paths > 1 ? " and the other paths" : "");
    }
    rc = bld_merge(b);
    if (rc == TRAWL_OK) rc = sw_finish(b->sw, &st);
    if (rc < 0) return rc;
    b->r->n_docs = st.n_docs;
    b->r->tokens = st.total_tokens;
    b->r->n_terms = st.n_terms;
    b->r->file_bytes = st.file_bytes;
    b->r->stored_bytes = st.stored_bytes;
    rc = bld_commit(b);
    if (rc < 0) bld_drop_unnamed(b);
    return rc;
}

int build_run(const build_opts *o, build_result *r, err *e)
{
    bld b = {.o = o, .r = r, .e = e, .lock_fd = -1};
    memset(r, 0, sizeof *r);
    manifest_init(&b.old);
    buf_init(&b.ids.store);
    int rc = corpus_check_paths(o->paths, o->n_paths, e);
    if (rc == TRAWL_OK && o->n_paths == 0) rc = err_set(e, TRAWL_EARG, "no input paths");
    if (rc == TRAWL_OK) rc = bld_body(&b);
    bld_zip_stop(&b.zip);
    sw_free(b.sw);
    for (size_t i = 0; i < b.n_runs; i++) {
        if (b.runs[i]) unlink(b.runs[i]);
        free(b.runs[i]);
    }
    free(b.runs);
    pb_free(b.pb);
    analyzer_free(b.an);
    bld_ids_free(&b.ids);
    manifest_free(&b.old);
    if (b.lock_fd >= 0) close(b.lock_fd);
    return rc;
}
