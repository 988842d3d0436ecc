/* spill: run files (format in spill.h). The writer buffers 1 MiB before each write; the file
 * source reads through a fixed buffer so that merging many runs costs fan-in x bufsize bytes,
 * whatever the runs' sizes (mmap would let the page cache of every run count as ours). */
#include "spill.h"

#include "buf.h"
#include "fsx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPILL_FLUSH (1u << 20)

struct spill_writer {
    int fd;
    char *path;
    buf out;           /**< bytes not yet written */
    uint64_t written;  /**< bytes written before out */
    uint32_t last_doc; /**< doc of the previous posting of the current term */
    spill_dir dir;     /**< the run's directory so far */
    uint64_t dir_next; /**< offset from which the next term gets an entry */
    err *e;
    int rc; /**< sticky */
};

/* ---------------------------------------------------------------- directory */

int spill_term_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

void spill_dir_init(spill_dir *d)
{
    memset(d, 0, sizeof *d);
    buf_init(&d->names);
}

void spill_dir_free(spill_dir *d)
{
    buf_free(&d->names);
    free(d->at);
    free(d->off);
    spill_dir_init(d);
}

/* Adds an entry; 0 or -1 (out of memory). */
static int spill_dir_add(spill_dir *d, const char *term, size_t len, uint64_t off)
{
    if (d->n + 1 >= d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        uint32_t *at = realloc(d->at, (cap + 1) * sizeof *at);
        if (at) d->at = at;
        uint64_t *o = realloc(d->off, cap * sizeof *o);
        if (o) d->off = o;
        if (!at || !o) return -1;
        d->cap = cap;
    }
    d->at[d->n] = (uint32_t)d->names.len;
    buf_put(&d->names, term, len);
    d->off[d->n++] = off;
    d->at[d->n] = (uint32_t)d->names.len;
    return d->names.oom ? -1 : 0;
}

/* memcmp order of entry i's term against term. */
static int spill_dir_cmp(const spill_dir *d, size_t i, const char *term, size_t len)
{
    return spill_term_cmp((const char *)d->names.p + d->at[i], d->at[i + 1] - d->at[i], term, len);
}

uint64_t spill_dir_seek(const spill_dir *d, const char *term, size_t len)
{
    size_t lo = 0, hi = d->n; /* the first entry above term */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (spill_dir_cmp(d, mid, term, len) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? d->off[lo - 1] : 0;
}

/* ---------------------------------------------------------------- writer */

int spill_writer_open(spill_writer **out, const char *path, err *e)
{
    spill_writer *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w || !(w->path = strdup(path))) {
        free(w);
        return err_set(e, TRAWL_ENOMEM, "out of memory opening %s", path);
    }
    w->e = e;
    buf_init(&w->out);
    spill_dir_init(&w->dir);
    w->fd = fsx_open_regular(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, NULL);
    if (w->fd < 0) {
        int rc = w->fd == FSX_NOT_REGULAR ? err_set(e, TRAWL_EIO, "%s: not a regular file", path)
                                          : err_set(e, TRAWL_EIO, "%s: %s", path, strerror(errno));
        free(w->path);
        free(w);
        return rc;
    }
    *out = w;
    return TRAWL_OK;
}

/* Writes the buffer out when it holds at least min bytes. */
static int spill_flush(spill_writer *w, size_t min)
{
    if (w->rc) return w->rc;
    if (w->out.oom) return w->rc = err_set(w->e, TRAWL_ENOMEM, "%s: out of memory", w->path);
    if (w->out.len < min || w->out.len == 0) return TRAWL_OK;
    w->rc = fsx_write_all(w->fd, w->out.p, w->out.len, w->path, w->e);
    w->written += w->out.len;
    w->out.len = 0;
    return w->rc;
}

int spill_writer_term_begin(spill_writer *w, const char *term, size_t len)
{
    if (w->rc) return w->rc;
    uint64_t at = w->written + w->out.len;
    if (at >= w->dir_next) {
        if (spill_dir_add(&w->dir, term, len, at) < 0)
            return w->rc = err_set(w->e, TRAWL_ENOMEM, "%s: out of memory", w->path);
        w->dir_next = at + SPILL_DIR_STEP;
    }
    buf_put_vu32(&w->out, (uint32_t)len);
    buf_put(&w->out, term, len);
    w->last_doc = 0;
    return TRAWL_OK;
}

int spill_writer_doc(spill_writer *w, uint32_t doc, const uint32_t *pos, uint32_t tf)
{
    uint32_t prev = 0;
    if (w->rc) return w->rc;
    buf_put_vu32(&w->out, tf);
    buf_put_vu32(&w->out, doc - w->last_doc);
    for (uint32_t i = 0; i < tf; i++) {
        buf_put_vu32(&w->out, pos[i] - prev);
        prev = pos[i];
    }
    w->last_doc = doc;
    return spill_flush(w, SPILL_FLUSH);
}

int spill_writer_term_end(spill_writer *w)
{
    if (w->rc) return w->rc;
    buf_put_u8(&w->out, 0);
    return spill_flush(w, SPILL_FLUSH);
}

int spill_writer_finish(spill_writer *w, spill_dir *dir)
{
    if (w->rc) return w->rc;
    buf_put_u8(&w->out, 0);
    if (spill_flush(w, 0) < 0) return w->rc;
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) < 0)
        return w->rc = err_set(w->e, TRAWL_EIO, "%s: close: %s", w->path, strerror(errno));
    if (dir) {
        *dir = w->dir;
        spill_dir_init(&w->dir);
    }
    return TRAWL_OK;
}

void spill_writer_free(spill_writer *w)
{
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    buf_free(&w->out);
    spill_dir_free(&w->dir);
    free(w->path);
    free(w);
}

int spill_write(postings_buf *pb, const char *path, spill_dir *dir, err *e)
{
    spill_writer *w;
    int rc = pb_sort(pb, e);
    if (rc < 0 || (rc = spill_writer_open(&w, path, e)) < 0) return rc;
    for (size_t i = 0; i < pb_n_terms(pb) && rc == TRAWL_OK; i++) {
        const char *term;
        const uint8_t *list;
        size_t len, list_len;
        pb_term(pb, i, &term, &len, &list, &list_len);
        spill_writer_term_begin(w, term, len);
        buf_put(&w->out, list, list_len);
        rc = spill_writer_term_end(w);
    }
    if (rc == TRAWL_OK) rc = spill_writer_finish(w, dir);
    spill_writer_free(w);
    return rc;
}

struct spill_src {
    int fd;                   /**< run file */
    char *path;               /**< for messages */
    uint8_t *fbuf;            /**< file read buffer */
    size_t fcap;              /**< its size */
    const uint8_t *cur, *end; /**< unread bytes in fbuf */
    char term[256];           /**< current term */
    size_t term_len;
    char lo[256], hi[256]; /**< spill_src_range: the terms it reads, [lo, hi) */
    size_t lo_len, hi_len;
    int has_hi, past_hi;
    int in_list;       /**< postings of the current term not all read */
    uint32_t last_doc; /**< previous doc of the current term */
    uint32_t *pos;     /**< positions of the current posting */
    size_t cap_pos;
    err *e;
    int rc; /**< sticky */
};

static int spill_src_alloc(spill_src **out, const char *path, err *e)
{
    spill_src *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return err_set(e, TRAWL_ENOMEM, "out of memory opening %s", path);
    }
    s->fd = -1;
    s->e = e;
    *out = s;
    return TRAWL_OK;
}

int spill_src_file(spill_src **out, const char *path, size_t bufsize, err *e)
{
    spill_src *s;
    int rc = spill_src_alloc(&s, path, e);
    if (rc < 0) return rc;
    s->fcap = bufsize < 4096 ? 4096 : bufsize;
    s->fbuf = malloc(s->fcap);
    if (!s->fbuf) {
        spill_src_free(s);
        return err_set(e, TRAWL_ENOMEM, "out of memory reading %s", path);
    }
    s->fd = fsx_open_regular(path, O_RDONLY, 0, NULL);
    if (s->fd < 0) {
        rc = s->fd == FSX_NOT_REGULAR ? err_set(e, TRAWL_EIO, "%s: not a regular file", path)
                                      : err_set(e, TRAWL_EIO, "%s: %s", path, strerror(errno));
        spill_src_free(s);
        return rc;
    }
    s->cur = s->end = s->fbuf;
    *out = s;
    return TRAWL_OK;
}

int spill_src_range(spill_src **out, const char *path, size_t bufsize, uint64_t start,
                    const char *lo, size_t lo_len, const char *hi, size_t hi_len, err *e)
{
    int rc = spill_src_file(out, path, bufsize, e);
    if (rc < 0) return rc;
    spill_src *s = *out;
    if (lo_len >= sizeof s->lo || (hi && hi_len >= sizeof s->hi)) {
        spill_src_free(s);
        *out = NULL;
        return err_set(e, TRAWL_EARG, "%s: a range bound over 255 bytes", path);
    }
    memcpy(s->lo, lo, lo_len);
    s->lo_len = lo_len;
    if (hi) {
        memcpy(s->hi, hi, hi_len);
        s->hi_len = hi_len;
        s->has_hi = 1;
    }
    if (lseek(s->fd, (off_t)start, SEEK_SET) < 0) {
        rc = err_set(e, TRAWL_EIO, "%s: seek: %s", path, strerror(errno));
        spill_src_free(s);
        *out = NULL;
    }
    return rc;
}

/* Refills the file buffer. Returns bytes now available (0 at end of file) or -1. */
static int spill_src_fill(spill_src *s)
{
    ssize_t r;
    if (s->fd < 0) return 0;
    do
        r = read(s->fd, s->fbuf, s->fcap);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        s->rc = err_set(s->e, TRAWL_EIO, "%s: read: %s", s->path, strerror(errno));
        return -1;
    }
    s->cur = s->fbuf;
    s->end = s->fbuf + r;
    return r > 0;
}

/* Reads one LEB128 value. Returns 1, 0 at a clean end of input, or a negative error. */
static int spill_src_vu32(spill_src *s, uint32_t *v)
{
    uint32_t x = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (s->cur == s->end) {
            int r = spill_src_fill(s);
            if (r < 0) return s->rc;
            if (r == 0 && shift == 0) return 0;
            if (r == 0) break;
        }
        uint8_t b = *s->cur++;
        x |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 1;
        }
    }
    return s->rc = err_set(s->e, TRAWL_ECORRUPT, "%s: truncated or bad varint", s->path);
}

/* Reads one value that must be there. */
static int spill_src_need(spill_src *s, uint32_t *v)
{
    int r = spill_src_vu32(s, v);
    if (r == 0) return s->rc = err_set(s->e, TRAWL_ECORRUPT, "%s: run ends early", s->path);
    return r < 0 ? r : TRAWL_OK;
}

int spill_src_next_doc(spill_src *s, uint32_t *doc, const uint32_t **pos, uint32_t *tf)
{
    uint32_t n, gap, p = 0, g;
    if (s->rc || !s->in_list) return s->rc;
    int r = spill_src_vu32(s, &n);
    if (r <= 0 || n == 0) {
        s->in_list = 0;
        if (r == 0) return s->rc = err_set(s->e, TRAWL_ECORRUPT, "%s: run ends early", s->path);
        return r < 0 ? r : 0;
    }
    if (spill_src_need(s, &gap) < 0) return s->rc;
    if (n > s->cap_pos) {
        uint32_t *q = realloc(s->pos, (size_t)n * sizeof *q);
        if (!q) return s->rc = err_set(s->e, TRAWL_ENOMEM, "out of memory for %u positions", n);
        s->pos = q;
        s->cap_pos = n;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (spill_src_need(s, &g) < 0) return s->rc;
        p += g;
        s->pos[i] = p;
    }
    s->last_doc += gap;
    *doc = s->last_doc;
    *pos = s->pos;
    *tf = n;
    return 1;
}

/* Reads the next term of the file (skipping what is left of the current one): 1, 0 at the end
 * of the run, or a negative error. */
static int spill_src_read_term(spill_src *s)
{
    uint32_t d, tf, len;
    const uint32_t *p;
    while (s->in_list && spill_src_next_doc(s, &d, &p, &tf) > 0)
        ;
    if (s->rc) return s->rc;
    s->last_doc = 0;
    if (spill_src_need(s, &len) < 0) return s->rc;
    if (len == 0) return 0;
    if (len >= sizeof s->term)
        return s->rc = err_set(s->e, TRAWL_ECORRUPT, "%s: term of %u bytes", s->path, len);
    for (uint32_t i = 0; i < len; i++) {
        if (s->cur == s->end && spill_src_fill(s) <= 0)
            return s->rc ? s->rc
                         : (s->rc = err_set(s->e, TRAWL_ECORRUPT, "%s: run ends early", s->path));
        s->term[i] = (char)*s->cur++;
    }
    s->term_len = len;
    s->in_list = 1;
    return 1;
}

int spill_src_next_term(spill_src *s)
{
    for (;;) {
        if (s->past_hi) return 0;
        int r = spill_src_read_term(s);
        if (r <= 0) return r;
        if (spill_term_cmp(s->term, s->term_len, s->lo, s->lo_len) < 0) continue; /* before */
        if (s->has_hi && spill_term_cmp(s->term, s->term_len, s->hi, s->hi_len) >= 0) {
            s->past_hi = 1; /* the next range's: this source is done */
            s->in_list = 0;
            return 0;
        }
        return 1;
    }
}

const char *spill_src_term(const spill_src *s, size_t *len)
{
    *len = s->term_len;
    return s->term;
}

void spill_src_free(spill_src *s)
{
    if (!s) return;
    if (s->fd >= 0) close(s->fd);
    free(s->fbuf);
    free(s->pos);
    free(s->path);
    free(s);
}
