/* segment_writer: serialises one segment (layout in common/format.h, spec in docs/FORMAT.md).
 *
 * File order as written:
 *   Header | STORED (streamed while documents arrive) | POSTINGS (streamed per term)
 *   | POSITIONS (streamed per term to an unlinked scratch file, copied here at finish)
 *   | STATS | DICT | DICT_INDEX | DOC_LENS | DOC_TABLE | IDS | STORED_INDEX | DOC_SRC
 *   | CHUNK_SUMS (of DICT and IDS) | table
 *   | trailer
 * A list of at most FMT_INLINE_DF docs and FMT_INLINE_CF positions is copied into its
 * dictionary entry instead of POSTINGS / POSITIONS (same block and positions encoding).
 * Memory: the dictionary bytes, the per-document arrays, one 64 KiB stored block and the
 * postings of the term being written (so the largest single term list bounds it). */
#include "segment_writer.h"

#include "buf.h"
#include "codec.h"
#include "format.h"
#include "fsx.h"
#include "term_enc.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#define SW_IOBUF     (1u << 20)
#define SW_WRITEBACK (4u << 20) /* segment bytes written between writeback starts */

/* A buffered output file. Bytes written through sw_put are also hashed into the current
 * section's checksum; padding and the footer go through sw_put_raw. */
typedef struct sw_file {
    int fd;
    char path[4096];
    uint8_t *io;  /**< SW_IOBUF bytes of pending output */
    size_t n_io;  /**< pending bytes */
    uint64_t off; /**< file offset of the next byte */
    uint64_t wb;  /**< bytes handed to the kernel's writeback (the segment file only) */
} sw_file;

enum { SW_DOCS, SW_TERMS, SW_IN_TERM, SW_DONE };

struct segment_writer {
    err *e;
    int rc; /**< sticky: first failure */
    int phase;
    char dir[4096], name[256];
    uint64_t seg_id;
    char language[FMT_LANG_LEN];
    uint32_t max_token_len;
    sw_file out, pos;    /**< the segment file and the positions scratch file */
    XXH64_state_t *hash; /**< checksum of the section being written */
    uint32_t sec_id;
    uint64_t sec_off;
    fmt_section secs[FMT_SEC_COUNT];
    uint32_t n_secs;
    /* documents */
    uint32_t n_docs;
    uint64_t total_tokens;
    buf doc_lens, doc_table, ids, stored_index, doc_src;
    buf doc_at;  /**< with stored_ext: u64 start of each text in the stored stream, placed into
                      (block, offset) at sw_finish, when every block's length is known */
    buf sblock;  /**< uncompressed bytes of the stored block being filled */
    buf zbuf;    /**< its compressed form */
    sw_zip *zip; /**< compressor of the blocks written by sw_add_doc, made at the first */
    uint64_t stored_off;
    uint32_t n_sblocks;
    int stored_ext;    /**< stored text comes through sw_add_stored_block */
    uint64_t ext_raw;  /**< stored bytes announced by sw_add_doc_meta */
    uint64_t ext_done; /**< of which delivered by sw_add_stored_block */
    /* dictionary */
    buf dict, dict_index;
    uint64_t n_terms;
    char term[FMT_MAX_TERM];
    size_t term_len;
    uint64_t post_total; /**< bytes of the postings section so far */
    /* the term being written through sw_term_begin/doc/end */
    char cur[FMT_MAX_TERM];
    size_t cur_len;
    term_enc te;
};

static int sw_fail(segment_writer *w, int rc, const char *fmt, const char *a, const char *b)
{
    if (w->rc == TRAWL_OK) w->rc = err_set(w->e, rc, fmt, a, b);
    return w->rc;
}

static int sw_oom(segment_writer *w)
{
    return sw_fail(w, TRAWL_ENOMEM, "%s: %s", w->name, "out of memory");
}

/* Writes the pending bytes. Every SW_WRITEBACK bytes of the segment file (not the positions
 * scratch, which is never synced) start on their way to disk, so that sw_finish's fsync does
 * not wait for the whole file (12 ms of a 0.5 s build). */
static int sw_flush(segment_writer *w, sw_file *f)
{
    if (w->rc != TRAWL_OK) return w->rc;
    if (f->n_io && fsx_write_all(f->fd, f->io, f->n_io, f->path, w->e) < 0) w->rc = w->e->rc;
    f->n_io = 0;
    if (f == &w->out && f->off - f->wb >= SW_WRITEBACK) {
        fsx_start_writeback(f->fd, f->wb, f->off - f->wb);
        f->wb = f->off;
    }
    return w->rc;
}

static void sw_put_raw(segment_writer *w, sw_file *f, const void *p, size_t n)
{
    const uint8_t *c = p;
    while (n > 0 && w->rc == TRAWL_OK) {
        size_t k = SW_IOBUF - f->n_io < n ? SW_IOBUF - f->n_io : n;
        memcpy(f->io + f->n_io, c, k);
        f->n_io += k;
        f->off += k;
        c += k;
        n -= k;
        if (f->n_io == SW_IOBUF) sw_flush(w, f);
    }
}

/* Appends section bytes to the segment file and to the section checksum. */
static void sw_put(segment_writer *w, const void *p, size_t n)
{
    if (w->rc != TRAWL_OK || n == 0) return;
    XXH64_update(w->hash, p, n);
    sw_put_raw(w, &w->out, p, n);
}

static void sw_sec_begin(segment_writer *w, uint32_t id)
{
    w->sec_id = id;
    w->sec_off = w->out.off;
    XXH64_reset(w->hash, 0);
}

/* Closes the section: records its table entry and writes the zero padding that lets block
 * decoders overread and keeps the next section 8-aligned. */
static void sw_sec_end(segment_writer *w)
{
    static const uint8_t zeros[FMT_PAD + FMT_ALIGN];
    fmt_section *s = &w->secs[w->n_secs++];
    memset(s, 0, sizeof *s);
    s->id = w->sec_id;
    s->off = w->sec_off;
    s->len = w->out.off - w->sec_off;
    s->hash = XXH64_digest(w->hash);
    uint64_t end = w->out.off + FMT_PAD;
    sw_put_raw(w, &w->out, zeros, FMT_PAD + (size_t)((FMT_ALIGN - end % FMT_ALIGN) % FMT_ALIGN));
}

static int sw_file_open(segment_writer *w, sw_file *f, const char *name)
{
    f->fd = -1;
    if (fsx_join(f->path, sizeof f->path, w->dir, name, w->e) < 0) return w->rc = w->e->rc;
    f->io = malloc(SW_IOBUF);
    if (!f->io) return sw_oom(w);
    f->fd = fsx_open_regular(f->path, O_RDWR | O_CREAT | O_TRUNC, 0644, NULL);
    if (f->fd == FSX_NOT_REGULAR)
        return w->rc = err_set(w->e, TRAWL_EIO, "%s: not a regular file", f->path);
    if (f->fd < 0) return w->rc = err_set(w->e, TRAWL_EIO, "%s: %s", f->path, strerror(errno));
    return TRAWL_OK;
}

static void sw_file_close(sw_file *f)
{
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    free(f->io);
    f->io = NULL;
}

static void sw_bufs(segment_writer *w, void (*fn)(buf *))
{
    buf *all[] = {&w->doc_lens, &w->doc_table, &w->ids,  &w->stored_index, &w->doc_src,
                  &w->doc_at,   &w->sblock,    &w->zbuf, &w->dict,         &w->dict_index};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        fn(all[i]);
}

static int sw_open_files(segment_writer *w)
{
    char tmp[512];
    fmt_header h;
    snprintf(tmp, sizeof tmp, ".%s.tmp", w->name);
    if (sw_file_open(w, &w->out, tmp) < 0) return w->rc;
    /* The positions scratch file is unlinked at once: it vanishes with the process. */
    snprintf(tmp, sizeof tmp, ".%s.pos.tmp", w->name);
    if (sw_file_open(w, &w->pos, tmp) < 0) return w->rc;
    unlink(w->pos.path);
    memset(&h, 0, sizeof h);
    memcpy(h.magic, FMT_MAGIC, FMT_MAGIC_LEN);
    h.version = FMT_VERSION;
    h.seg_id = w->seg_id;
    sw_put_raw(w, &w->out, &h, sizeof h);
    sw_sec_begin(w, FMT_SEC_STORED);
    return w->rc;
}

int sw_open(segment_writer **out, const char *dir, const char *name, uint64_t seg_id,
            const char *language, uint32_t max_token_len, err *e)
{
    *out = NULL;
    if (strlen(dir) >= sizeof((segment_writer *)0)->dir || strlen(name) >= 200 || !*name ||
        strchr(name, '/'))
        return err_set(e, TRAWL_EARG, "segment name or directory too long: %s", name);
    if (strlen(language) >= FMT_LANG_LEN)
        return err_set(e, TRAWL_EARG, "language name too long: %s", language);
    segment_writer *w = calloc(1, sizeof *w);
    if (!w) return err_set(e, TRAWL_ENOMEM, "%s: out of memory", name);
    w->e = e;
    w->out.fd = w->pos.fd = -1;
    strcpy(w->dir, dir);
    strcpy(w->name, name);
    strcpy(w->language, language);
    w->seg_id = seg_id;
    w->max_token_len = max_token_len;
    sw_bufs(w, buf_init);
    te_init(&w->te);
    w->hash = XXH64_createState();
    if (!w->hash) sw_oom(w);
    if (w->rc == TRAWL_OK) sw_open_files(w);
    if (w->rc != TRAWL_OK) {
        int rc = w->rc;
        sw_free(w);
        return rc;
    }
    *out = w;
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- stored text */

/* Compression level of the stored text, written as zlib streams (RFC 1950) by libdeflate,
 * which any zlib inflates. On the kernel docs in 16 KiB blocks: libdeflate level 1, 33.2% of the
 * raw size at ~160 MB/s; zlib level 1 (what trawl used), 35.4% at ~70 MB/s, where it was a third
 * of single-thread indexing; higher libdeflate levels gain a point for half the speed. Stored
 * text is read only for snippets and deletions, so speed wins. */
#define SW_STORED_LEVEL 1

/* Compresses the filled stored block and writes it as one zlib stream. With text compressed
 * by the caller, checks instead that every announced byte arrived (called before the postings
 * section begins). */
static void sw_stored_flush(segment_writer *w)
{
    if (w->rc == TRAWL_OK && w->stored_ext && w->ext_done != w->ext_raw)
        sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "stored text blocks missing");
    if (w->rc != TRAWL_OK || w->sblock.len == 0) return;
    if ((!w->zip && sw_zip_new(&w->zip) < 0) ||
        sw_zip_block(w->zip, w->sblock.p, w->sblock.len, &w->zbuf) < 0) {
        sw_oom(w);
        return;
    }
    fmt_stored_block sb = {w->stored_off, (uint32_t)w->zbuf.len, (uint32_t)w->sblock.len};
    sw_put(w, w->zbuf.p, w->zbuf.len);
    buf_put(&w->stored_index, &sb, sizeof sb);
    w->stored_off += w->zbuf.len;
    w->n_sblocks++;
    w->sblock.len = 0;
}

/* Appends text to the stored stream, closing a block whenever it reaches FMT_STORED_CUT, so
 * a long document spans blocks and memory stays at one block. */
static void sw_stored_put(segment_writer *w, const char *text, size_t n)
{
    while (n > 0 && w->rc == TRAWL_OK) {
        size_t room = FMT_STORED_CUT - w->sblock.len;
        size_t k = n < room ? n : room;
        buf_put(&w->sblock, text, k);
        if (w->sblock.oom) {
            sw_oom(w);
            return;
        }
        text += k;
        n -= k;
        if (w->sblock.len == FMT_STORED_CUT) sw_stored_flush(w);
    }
}

/* The document table entry, length and source of the next document; its text starts at stored
 * block sblock, byte soff. */
static int sw_doc_entry(segment_writer *w, const char *id, size_t id_len, uint32_t date,
                        uint32_t doc_len, size_t text_len, uint32_t sblock, uint32_t soff,
                        const fmt_src *src)
{
    static const fmt_src no_src;
    if (w->rc != TRAWL_OK) return w->rc;
    if (w->phase != SW_DOCS)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "sw_add_doc after the first term");
    if (w->n_docs >= (uint32_t)INT32_MAX - 1 || text_len > UINT32_MAX ||
        id_len > UINT32_MAX - w->ids.len || w->ids.len + id_len > UINT32_MAX)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name,
                       "segment limit exceeded (docs, ids, text)");
    fmt_doc d = {date, (uint32_t)w->ids.len, (uint32_t)id_len, sblock, soff, (uint32_t)text_len};
    buf_put(&w->doc_table, &d, sizeof d);
    buf_put(&w->ids, id, id_len);
    buf_put_u32(&w->doc_lens, doc_len);
    buf_put(&w->doc_src, src ? src : &no_src, sizeof no_src);
    if (w->doc_table.oom || w->ids.oom || w->doc_lens.oom || w->doc_src.oom) return sw_oom(w);
    w->n_docs++;
    w->total_tokens += doc_len;
    return TRAWL_OK;
}

int sw_add_doc(segment_writer *w, const char *id, size_t id_len, uint32_t date, uint32_t doc_len,
               const char *text, size_t text_len, const fmt_src *src)
{
    if (w->rc == TRAWL_OK && w->stored_ext)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "sw_add_doc after sw_add_doc_meta");
    if (sw_doc_entry(w, id, id_len, date, doc_len, text_len, w->n_sblocks, (uint32_t)w->sblock.len,
                     src) < 0)
        return w->rc;
    sw_stored_put(w, text, text_len);
    return w->rc;
}

int sw_add_doc_meta(segment_writer *w, const char *id, size_t id_len, uint32_t date,
                    uint32_t doc_len, size_t text_len, const fmt_src *src)
{
    if (w->rc == TRAWL_OK && !w->stored_ext && (w->n_sblocks || w->sblock.len))
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "sw_add_doc_meta after sw_add_doc");
    uint64_t at = w->ext_raw;
    if (sw_doc_entry(w, id, id_len, date, doc_len, text_len, 0, 0, src) < 0) return w->rc;
    buf_put(&w->doc_at, &at, sizeof at);
    if (w->doc_at.oom) return sw_oom(w);
    w->stored_ext = 1;
    w->ext_raw += text_len;
    return TRAWL_OK;
}

int sw_add_stored_block(segment_writer *w, const void *z, size_t zlen, size_t raw_len)
{
    if (w->rc != TRAWL_OK) return w->rc;
    if (w->phase != SW_DOCS || !w->stored_ext || raw_len == 0 || raw_len > FMT_STORED_BLOCK ||
        raw_len > w->ext_raw - w->ext_done || zlen > UINT32_MAX || w->n_sblocks == UINT32_MAX)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "stored block out of sequence");
    fmt_stored_block sb = {w->stored_off, (uint32_t)zlen, (uint32_t)raw_len};
    sw_put(w, z, zlen);
    buf_put(&w->stored_index, &sb, sizeof sb);
    if (w->stored_index.oom) return sw_oom(w);
    w->stored_off += zlen;
    w->n_sblocks++;
    w->ext_done += raw_len;
    return w->rc;
}

/* A reusable libdeflate compressor (its state is allocated once). */
struct sw_zip {
    struct libdeflate_compressor *c;
};

int sw_zip_new(sw_zip **out)
{
    sw_zip *z = calloc(1, sizeof *z);
    *out = NULL;
    if (!z || !(z->c = libdeflate_alloc_compressor(SW_STORED_LEVEL))) {
        free(z);
        return TRAWL_ENOMEM;
    }
    *out = z;
    return TRAWL_OK;
}

void sw_zip_free(sw_zip *z)
{
    if (!z) return;
    libdeflate_free_compressor(z->c);
    free(z);
}

int sw_zip_block(sw_zip *z, const void *raw, size_t n, buf *out)
{
    out->len = 0;
    size_t bound = libdeflate_zlib_compress_bound(z->c, n);
    if (n > UINT32_MAX || buf_reserve(out, bound) < 0) return TRAWL_ENOMEM;
    out->len = libdeflate_zlib_compress(z->c, raw, n, out->p, bound);
    return out->len ? TRAWL_OK : TRAWL_ENOMEM; /* 0 only when the bound was too small */
}

/* ---------------------------------------------------------------- postings */

/* Checks that a term may come next (the writer between terms, the term longer than none and
 * after the last one written) and opens the postings section before the first. */
static int sw_term_check(segment_writer *w, const char *term, size_t len)
{
    if (w->rc != TRAWL_OK) return w->rc;
    if (w->phase == SW_DOCS) {
        sw_stored_flush(w);
        sw_sec_end(w);
        sw_sec_begin(w, FMT_SEC_POSTINGS);
        w->phase = SW_TERMS;
    }
    if (w->phase != SW_TERMS)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "a term begun inside a term");
    if (len == 0 || len > FMT_MAX_TERM)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "term length not in 1..255");
    if (w->n_terms > 0) {
        size_t m = len < w->term_len ? len : w->term_len;
        int c = memcmp(w->term, term, m);
        if (c > 0 || (c == 0 && len <= w->term_len))
            return w->rc = err_set(w->e, TRAWL_EARG, "%s: term \"%.*s\" not in increasing order",
                                   w->name, (int)len, term);
    }
    return w->rc;
}

int sw_term_begin(segment_writer *w, const char *term, size_t len)
{
    if (sw_term_check(w, term, len) != TRAWL_OK) return w->rc;
    w->phase = SW_IN_TERM;
    memcpy(w->cur, term, len);
    w->cur_len = len;
    te_begin(&w->te);
    return w->rc;
}

int sw_term_doc(segment_writer *w, uint32_t doc, const uint32_t *positions, uint32_t tf)
{
    const char *why = NULL;
    if (w->rc != TRAWL_OK) return w->rc;
    if (w->phase != SW_IN_TERM)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "sw_term_doc outside a term");
    int rc = te_doc(&w->te, doc, positions, tf, sw_doc_lens(w, NULL), w->n_docs, &why);
    if (rc == TRAWL_ENOMEM) return sw_oom(w);
    return rc ? sw_fail(w, rc, "%s: %s", w->name, why) : TRAWL_OK;
}

double sw_avgdl(const segment_writer *w)
{
    double a = w->n_docs ? (double)w->total_tokens / (double)w->n_docs : 1.0;
    return a > 0 ? a : 1.0;
}

const uint32_t *sw_doc_lens(const segment_writer *w, uint32_t *n_docs)
{
    if (n_docs) *n_docs = w->n_docs;
    return (const uint32_t *)(void *)w->doc_lens.p;
}

/* What a dictionary entry says about its list. post != NULL: the list is inline and its
 * post_len block bytes and pos_len position bytes are copied into the entry. */
typedef struct sw_entry {
    uint32_t df, max_tf, min_len;
    uint64_t cf, post_len, pos_len;
    const uint8_t *post, *pos;
} sw_entry;

/* Lens byte: prefix length in the high nibble, suffix length in the low one; a nibble of
 * FMT_LENS_ESC says the length (minus 15) follows as a VInt. */
static void sw_dict_lens(segment_writer *w, size_t prefix, size_t suffix)
{
    uint32_t hi = prefix < FMT_LENS_ESC ? (uint32_t)prefix : FMT_LENS_ESC;
    uint32_t lo = suffix < FMT_LENS_ESC ? (uint32_t)suffix : FMT_LENS_ESC;
    buf_put_u8(&w->dict, (uint8_t)(hi << 4 | lo));
    if (hi == FMT_LENS_ESC) buf_put_vu32(&w->dict, (uint32_t)(prefix - FMT_LENS_ESC));
    if (lo == FMT_LENS_ESC) buf_put_vu32(&w->dict, (uint32_t)(suffix - FMT_LENS_ESC));
}

/* Appends the dictionary entry of the term being ended, before its lists are written: a block
 * starts with the postings and positions offsets of the next list stored outside the
 * dictionary, and entries carry only lengths (offsets are running sums inside the block). */
static void sw_dict_entry(segment_writer *w, const char *term, size_t len, const sw_entry *en)
{
    size_t prefix = 0;
    if (w->n_terms % FMT_DICT_BLOCK == 0) {
        fmt_dict_ix ix = {(uint32_t)w->dict.len, {0, 0, 0, 0}};
        memcpy(ix.key, term, len < 4 ? len : 4);
        buf_put(&w->dict_index, &ix, sizeof ix);
        buf_put_vu64(&w->dict, w->post_total);
        buf_put_vu64(&w->dict, w->pos.off);
    } else {
        while (prefix < len && prefix < w->term_len && w->term[prefix] == term[prefix])
            prefix++;
    }
    sw_dict_lens(w, prefix, len - prefix);
    buf_put(&w->dict, term + prefix, len - prefix);
    buf_put_vu32(&w->dict, en->df * 2 + (en->post != NULL));
    if (en->post) {
        buf_put(&w->dict, en->post, en->post_len);
        buf_put(&w->dict, en->pos, en->pos_len);
    } else {
        buf_put_vu64(&w->dict, en->cf - en->df);
        buf_put_vu32(&w->dict, en->max_tf);
        buf_put_vu32(&w->dict, en->min_len);
        buf_put_vu64(&w->dict, en->post_len);
        buf_put_vu64(&w->dict, en->pos_len);
    }
    memcpy(w->term, term, len);
    w->term_len = len;
    w->n_terms++;
    if (w->dict.oom || w->dict_index.oom) sw_oom(w);
    if (w->dict.len > UINT32_MAX) /* the index stores u32 block offsets */
        sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "dictionary section over 4 GiB");
}

/* Writes an encoded list: its dictionary entry, then (unless inline) its skips and blocks to
 * the postings section and its positions to the scratch file. */
static int sw_term_write(segment_writer *w, const char *term, size_t len, const te_list *l)
{
    sw_entry en = {l->df,
                   l->max_tf,
                   l->min_len,
                   l->cf,
                   (l->n_blocks > 1 ? l->skips_len : 0) + l->blocks_len,
                   l->pos_len,
                   NULL,
                   NULL};
    if (en.post_len > UINT32_MAX)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "a term list exceeds 4 GiB");
    if (l->df <= FMT_INLINE_DF && l->cf <= FMT_INLINE_CF) {
        en.post = l->blocks;
        en.pos = l->pos;
    }
    sw_dict_entry(w, term, len, &en);
    if (!en.post) {
        if (l->n_blocks > 1) sw_put(w, l->skips, l->skips_len);
        sw_put(w, l->blocks, l->blocks_len);
        sw_put_raw(w, &w->pos, l->pos, l->pos_len);
        w->post_total += en.post_len;
    }
    return w->rc;
}

int sw_term_end(segment_writer *w)
{
    const char *why = NULL;
    te_list l;
    if (w->rc != TRAWL_OK) return w->rc;
    if (w->phase != SW_IN_TERM)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "sw_term_end outside a term");
    int rc = te_end(&w->te, sw_doc_lens(w, NULL), sw_avgdl(w), &l, &why);
    if (rc == TRAWL_ENOMEM) return sw_oom(w);
    if (rc != TRAWL_OK) return sw_fail(w, rc, "%s: %s", w->name, why);
    w->phase = SW_TERMS;
    return sw_term_write(w, w->cur, w->cur_len, &l);
}

int sw_term_put(segment_writer *w, const char *term, size_t len, const te_list *l)
{
    if (sw_term_check(w, term, len) != TRAWL_OK) return w->rc;
    if (l->df == 0 || l->n_blocks != (l->df + FMT_BLOCK_DOCS - 1) / FMT_BLOCK_DOCS ||
        l->skips_len !=
            (l->n_blocks > 1 ? fmt_skip_bytes(FMT_VERSION, l->n_blocks) : sizeof(fmt_skip)))
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "an encoded list that does not add up");
    return sw_term_write(w, term, len, l);
}

/* ---------------------------------------------------------------- finish */

/* Copies the positions scratch file into the segment as the positions section. */
static void sw_copy_positions(segment_writer *w)
{
    if (sw_flush(w, &w->pos) != TRAWL_OK) return;
    uint64_t off = 0;
    while (off < w->pos.off && w->rc == TRAWL_OK) {
        size_t want = w->pos.off - off < SW_IOBUF ? (size_t)(w->pos.off - off) : SW_IOBUF;
        ssize_t got = pread(w->pos.fd, w->pos.io, want, (off_t)off);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            w->rc = err_set(w->e, TRAWL_EIO, "%s: read: %s", w->pos.path,
                            got < 0 ? strerror(errno) : "unexpected end of file");
            return;
        }
        sw_put(w, w->pos.io, (size_t)got);
        off += (uint64_t)got;
    }
}

static void sw_mem_section(segment_writer *w, uint32_t id, const buf *b)
{
    sw_sec_begin(w, id);
    sw_put(w, b->p, b->len);
    sw_sec_end(w);
}

/* Appends the sum of every FMT_CHUNK bytes of b (the last chunk may be shorter) to sums. */
static void sw_chunk_sums(buf *sums, const buf *b)
{
    for (size_t at = 0; at < b->len; at += FMT_CHUNK) {
        size_t n = b->len - at < FMT_CHUNK ? b->len - at : FMT_CHUNK;
        uint32_t v = (uint32_t)XXH64(b->p + at, n, 0);
        buf_put(sums, &v, sizeof v);
    }
}

/* The chunk sums of the dictionary, then of the ids (format.h, FMT_CHUNK). */
static void sw_chunk_section(segment_writer *w)
{
    buf sums;
    buf_init(&sums);
    sw_chunk_sums(&sums, &w->dict);
    sw_chunk_sums(&sums, &w->ids);
    if (sums.oom) {
        sw_oom(w);
    } else {
        sw_mem_section(w, FMT_SEC_CHUNK_SUMS, &sums);
    }
    buf_free(&sums);
}

/* With text from sw_add_stored_block: turns each document's start in the stored stream into
 * (block, offset), walking the documents and the blocks (both in stream order) together. A
 * document starting at the very end of the stream (an empty text) gets (blocks, 0). */
static void sw_place_texts(segment_writer *w)
{
    const fmt_stored_block *sb = (const fmt_stored_block *)(const void *)w->stored_index.p;
    uint64_t start = 0;
    uint32_t b = 0;
    for (uint32_t doc = 0; w->stored_ext && doc < w->n_docs; doc++) {
        uint64_t at;
        fmt_doc d;
        memcpy(&at, w->doc_at.p + (size_t)doc * sizeof at, sizeof at);
        while (b < w->n_sblocks && at >= start + sb[b].raw_len)
            start += sb[b++].raw_len;
        memcpy(&d, w->doc_table.p + (size_t)doc * sizeof d, sizeof d);
        d.text_block = b;
        d.text_off = (uint32_t)(at - start);
        memcpy(w->doc_table.p + (size_t)doc * sizeof d, &d, sizeof d);
    }
}

static void sw_write_tail(segment_writer *w)
{
    fmt_stats st;
    memset(&st, 0, sizeof st);
    st.n_docs = w->n_docs;
    st.max_token_len = w->max_token_len;
    st.total_tokens = w->total_tokens;
    st.n_terms = w->n_terms;
    memcpy(st.language, w->language, strlen(w->language));
    buf sb = {(uint8_t *)&st, sizeof st, sizeof st, 0};
    sw_mem_section(w, FMT_SEC_STATS, &sb);
    sw_mem_section(w, FMT_SEC_DICT, &w->dict);
    sw_mem_section(w, FMT_SEC_DICT_INDEX, &w->dict_index);
    sw_mem_section(w, FMT_SEC_DOC_LENS, &w->doc_lens);
    sw_place_texts(w);
    sw_mem_section(w, FMT_SEC_DOC_TABLE, &w->doc_table);
    sw_mem_section(w, FMT_SEC_IDS, &w->ids);
    sw_mem_section(w, FMT_SEC_STORED_INDEX, &w->stored_index);
    sw_mem_section(w, FMT_SEC_DOC_SRC, &w->doc_src);
    sw_chunk_section(w);
    fmt_trailer tr;
    memset(&tr, 0, sizeof tr);
    tr.table_off = w->out.off;
    tr.n_sections = w->n_secs;
    tr.checksum_algo = FMT_CHECKSUM_XXH64;
    tr.table_hash = XXH64(w->secs, w->n_secs * sizeof w->secs[0], 0);
    memcpy(tr.magic, FMT_FOOTER_MAGIC, FMT_MAGIC_LEN);
    sw_put_raw(w, &w->out, w->secs, w->n_secs * sizeof w->secs[0]);
    sw_put_raw(w, &w->out, &tr, sizeof tr);
    sw_flush(w, &w->out);
}

static void sw_publish(segment_writer *w)
{
    char dst[4096];
    if (w->rc != TRAWL_OK) return;
    if (fsync(w->out.fd) < 0) {
        w->rc = err_set(w->e, TRAWL_EIO, "%s: fsync: %s", w->out.path, strerror(errno));
        return;
    }
    if (close(w->out.fd) < 0) {
        w->out.fd = -1;
        w->rc = err_set(w->e, TRAWL_EIO, "%s: close: %s", w->out.path, strerror(errno));
        return;
    }
    w->out.fd = -1;
    if (fsx_join(dst, sizeof dst, w->dir, w->name, w->e) < 0 || rename(w->out.path, dst) < 0) {
        w->rc = err_set(w->e, TRAWL_EIO, "%s: rename: %s", dst, strerror(errno));
        return;
    }
    if (fsx_fsync_dir(w->dir, w->e) < 0) w->rc = w->e->rc;
}

int sw_finish(segment_writer *w, sw_stats *st)
{
    if (w->rc != TRAWL_OK) return w->rc;
    if (w->phase == SW_IN_TERM || w->phase == SW_DONE)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "sw_finish inside a term or twice");
    if (w->phase == SW_DOCS) {
        sw_stored_flush(w);
        sw_sec_end(w);
        sw_sec_begin(w, FMT_SEC_POSTINGS);
    }
    sw_sec_end(w);
    sw_sec_begin(w, FMT_SEC_POSITIONS);
    sw_copy_positions(w);
    sw_sec_end(w);
    sw_write_tail(w);
    sw_publish(w);
    if (w->rc != TRAWL_OK) return w->rc;
    w->phase = SW_DONE;
    if (st) {
        st->n_docs = w->n_docs;
        st->total_tokens = w->total_tokens;
        st->n_terms = w->n_terms;
        st->file_bytes = w->out.off;
        st->stored_bytes = w->stored_off;
    }
    return TRAWL_OK;
}

void sw_free(segment_writer *w)
{
    if (!w) return;
    if (w->phase != SW_DONE && w->out.path[0]) unlink(w->out.path);
    sw_file_close(&w->out);
    sw_file_close(&w->pos);
    sw_bufs(w, buf_free);
    te_free(&w->te);
    if (w->hash) XXH64_freeState(w->hash);
    sw_zip_free(w->zip);
    free(w);
}
