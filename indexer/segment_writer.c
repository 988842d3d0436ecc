/* segment_writer: serialises one segment (layout in common/format.h, spec in docs/FORMAT.md).
 *
 * File order as written:
 *   Header | STORED (streamed while documents arrive) | POSTINGS (streamed per term)
 *   | POSITIONS (streamed per term to an unlinked scratch file, copied here at finish)
 *   | STATS | DICT | DICT_INDEX | DOC_LENS | DOC_TABLE | IDS | STORED_INDEX | DOC_SRC | table
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

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#define SW_IOBUF (1u << 20)

/* A buffered output file. Bytes written through sw_put are also hashed into the current
 * section's checksum; padding and the footer go through sw_put_raw. */
typedef struct sw_file {
    int fd;
    char path[4096];
    uint8_t *io;  /**< SW_IOBUF bytes of pending output */
    size_t n_io;  /**< pending bytes */
    uint64_t off; /**< file offset of the next byte */
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
    /* the term being written */
    buf t_docs, t_tfs, t_pos; /**< u32 arrays: docs, tfs, first position / gap - 1 */
    uint64_t t_cf;
    buf blocks, skips, pblocks; /**< encoded blocks, skip table, positions */
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

static int sw_flush(segment_writer *w, sw_file *f)
{
    if (w->rc != TRAWL_OK) return w->rc;
    if (f->n_io && fsx_write_all(f->fd, f->io, f->n_io, f->path, w->e) < 0) w->rc = w->e->rc;
    f->n_io = 0;
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
    buf *all[] = {&w->doc_lens, &w->doc_table, &w->ids,   &w->stored_index, &w->doc_src, &w->doc_at,
                  &w->sblock,   &w->zbuf,      &w->dict,  &w->dict_index,   &w->t_docs,  &w->t_tfs,
                  &w->t_pos,    &w->blocks,    &w->skips, &w->pblocks};
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

int sw_term_begin(segment_writer *w, const char *term, size_t len)
{
    if (w->rc != TRAWL_OK) return w->rc;
    if (w->phase == SW_DOCS) {
        sw_stored_flush(w);
        sw_sec_end(w);
        sw_sec_begin(w, FMT_SEC_POSTINGS);
        w->phase = SW_TERMS;
    }
    if (w->phase != SW_TERMS)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "sw_term_begin inside a term");
    if (len == 0 || len > FMT_MAX_TERM)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "term length not in 1..255");
    if (w->n_terms > 0) {
        size_t m = len < w->term_len ? len : w->term_len;
        int c = memcmp(w->term, term, m);
        if (c > 0 || (c == 0 && len <= w->term_len))
            return w->rc = err_set(w->e, TRAWL_EARG, "%s: term \"%.*s\" not in increasing order",
                                   w->name, (int)len, term);
    }
    w->phase = SW_IN_TERM;
    w->t_docs.len = w->t_tfs.len = w->t_pos.len = 0;
    w->t_cf = 0;
    /* The new term waits at the head of w->blocks until sw_term_end writes its entry (the
     * previous term stays in w->term for front coding). */
    w->blocks.len = 0;
    buf_put(&w->blocks, term, len);
    if (w->blocks.oom) return sw_oom(w);
    return w->rc;
}

int sw_term_doc(segment_writer *w, uint32_t doc, const uint32_t *positions, uint32_t tf)
{
    if (w->rc != TRAWL_OK) return w->rc;
    if (w->phase != SW_IN_TERM)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "sw_term_doc outside a term");
    size_t n = w->t_docs.len / 4;
    uint32_t prev = 0;
    if (n > 0) memcpy(&prev, w->t_docs.p + w->t_docs.len - 4, 4);
    if (doc >= w->n_docs || (n > 0 && doc <= prev) || tf == 0 || !positions)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name,
                       "posting out of order, doc out of range, or tf 0");
    uint32_t dlen;
    memcpy(&dlen, w->doc_lens.p + (size_t)doc * 4, 4);
    if (buf_reserve(&w->t_pos, (size_t)tf * 4) < 0) return sw_oom(w);
    uint32_t *out = (uint32_t *)(void *)(w->t_pos.p + w->t_pos.len);
    for (uint32_t i = 0; i < tf; i++) {
        if (positions[i] >= dlen || (i > 0 && positions[i] <= positions[i - 1]))
            return sw_fail(w, TRAWL_EARG, "%s: %s", w->name,
                           "positions not increasing or not below the document length");
        out[i] = i ? positions[i] - positions[i - 1] - 1 : positions[i];
    }
    w->t_pos.len += (size_t)tf * 4;
    buf_put_u32(&w->t_docs, doc);
    buf_put_u32(&w->t_tfs, tf);
    if (w->t_docs.oom || w->t_tfs.oom) return sw_oom(w);
    w->t_cf += tf;
    return TRAWL_OK;
}

/* Extra cost of one PFor exception in quarter bytes, for its decode time: each exception is
 * patched by a scalar loop step; half a byte each costs 0.15% of the kernel-docs index and
 * saves 1.5% of the query instructions (callgrind, bench queries). */
#define SW_EXC_PENALTY 2
/* Bytes of the largest PFor block: packed part, exception count, 128 exceptions. */
#define SW_PFOR_MAX (CODEC_MAX_BLOCK + 1 + CODEC_BLOCK * 2)

static uint32_t sw_bits(uint32_t v)
{
    return v ? 32 - (uint32_t)__builtin_clz(v) : 0;
}

/* The width at which v[0..128) costs least as a PFor block (in quarter bytes): 16 bytes per
 * bit of width, plus 2 bytes and SW_EXC_PENALTY per exception. High parts are one byte, so the
 * width is at least the bits of the largest value minus 8. */
static uint32_t sw_pfor_width(const uint32_t *v)
{
    uint32_t cnt[33] = {0}, max_bits = 0;
    for (size_t i = 0; i < CODEC_BLOCK; i++) {
        uint32_t b = sw_bits(v[i]);
        cnt[b]++;
        max_bits = b > max_bits ? b : max_bits;
    }
    uint32_t best_w = max_bits, n_exc = 0;
    size_t best = 4 * 16 * (size_t)max_bits;
    for (uint32_t w = max_bits; w-- > 0 && w + 8 >= max_bits;) {
        n_exc += cnt[w + 1];
        size_t cost = 4 * 16 * (size_t)w + n_exc * (size_t)(4 * 2 + SW_EXC_PENALTY);
        if (cost < best) {
            best = cost;
            best_w = w;
        }
    }
    return best_w;
}

/* Writes v[0..128) as a PFor block: the low bits packed by codec_pack128, then the values that
 * do not fit as (index, high bits) byte pairs. Returns bytes written (at most SW_PFOR_MAX). */
static size_t sw_pfor128(const uint32_t *v, uint8_t *out)
{
    uint32_t w = sw_pfor_width(v), low[CODEC_BLOCK], all = 0, low_bits = 0;
    uint32_t mask = w == 32 ? UINT32_MAX : (1u << w) - 1;
    for (size_t i = 0; i < CODEC_BLOCK; i++) {
        low[i] = v[i] & mask;
        low_bits |= low[i];
        all |= v[i];
    }
    /* codec_pack128 packs at the width of the largest low part, which may be narrower than w;
     * if that would leave a high part over 8 bits, pack everything instead. */
    if (sw_bits(all) > sw_bits(low_bits) + 8) memcpy(low, v, sizeof low);
    size_t n = codec_pack128(low, out);
    w = out[0]; /* the exceptions follow the width actually packed */
    uint8_t *count = out + n++;
    *count = 0;
    for (size_t i = 0; i < CODEC_BLOCK && w < 32; i++) {
        if (v[i] >> w == 0) continue;
        out[n++] = (uint8_t)i;
        out[n++] = (uint8_t)(v[i] >> w);
        (*count)++;
    }
    return n;
}

/* PForList: m / 128 PFor blocks, then the m % 128 remaining values as VInts. */
static size_t sw_pfor_list(const uint32_t *v, size_t m, uint8_t *out)
{
    size_t n = 0, i = 0;
    for (; i + CODEC_BLOCK <= m; i += CODEC_BLOCK)
        n += sw_pfor128(v + i, out + n);
    for (; i < m; i++)
        n += codec_vbyte_put(out + n, v[i]);
    return n;
}

static size_t sw_pfor_bound(size_t m)
{
    return (m / CODEC_BLOCK + 1) * SW_PFOR_MAX + CODEC_OVERREAD;
}

/* A partial block: per doc VInt (gap - 1) * 2 + [tf == 1], then VInt tf - 2 if tf > 1 (tf 1
 * is the common case, so it costs no byte). */
static size_t sw_tail(const uint32_t *gaps, const uint32_t *tfm1, size_t n, uint8_t *out)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += codec_vbyte_put(out + len, gaps[i] * 2 + (tfm1[i] == 0));
        if (tfm1[i] > 0) len += codec_vbyte_put(out + len, tfm1[i] - 1);
    }
    return len;
}

/* Positions of docs [start, start + n): the first position of each doc as one PForList, the
 * later ones (t_pos holds them as gap - 1, see sw_term_doc) as another. The gaps are
 * compacted in place inside the block's range of t_pos, which is not read again. */
static size_t sw_block_positions(segment_writer *w, size_t pos_i, size_t start, size_t n,
                                 uint8_t *out)
{
    const uint32_t *tfs = (const uint32_t *)(void *)w->t_tfs.p;
    uint32_t *pos = (uint32_t *)(void *)w->t_pos.p + pos_i, firsts[FMT_BLOCK_DOCS];
    size_t r = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        firsts[i] = pos[r++];
        for (uint32_t j = 1; j < tfs[start + i]; j++)
            pos[k++] = pos[r++];
    }
    size_t len = sw_pfor_list(firsts, n, out);
    return len + sw_pfor_list(pos, k, out + len);
}

/* Encodes block b of the current term into w->blocks / w->pblocks and its skip entry into
 * w->skips. pos_i is the index of the block's first position in t_pos; returns the next one. */
static size_t sw_encode_block(segment_writer *w, size_t b, size_t pos_i, size_t blocks_start)
{
    const uint32_t *docs = (const uint32_t *)(void *)w->t_docs.p;
    const uint32_t *tfs = (const uint32_t *)(void *)w->t_tfs.p;
    const uint32_t *lens = (const uint32_t *)(void *)w->doc_lens.p;
    size_t df = w->t_docs.len / 4, start = b * FMT_BLOCK_DOCS;
    size_t n = df - start < FMT_BLOCK_DOCS ? df - start : FMT_BLOCK_DOCS;
    uint32_t gaps[FMT_BLOCK_DOCS], tfm1[FMT_BLOCK_DOCS];
    uint32_t prev = start ? docs[start - 1] : UINT32_MAX; /* block 0: gap from -1 */
    fmt_skip sk = {docs[start + n - 1], 0, 0, 0, UINT32_MAX};
    uint64_t n_pos = 0;
    for (size_t i = 0; i < n; i++) {
        gaps[i] = docs[start + i] - prev - 1;
        prev = docs[start + i];
        tfm1[i] = tfs[start + i] - 1;
        n_pos += tfs[start + i];
        sk.max_tf = tfs[start + i] > sk.max_tf ? tfs[start + i] : sk.max_tf;
        sk.min_len = lens[docs[start + i]] < sk.min_len ? lens[docs[start + i]] : sk.min_len;
    }
    if (buf_reserve(&w->blocks, 2 * SW_PFOR_MAX + CODEC_OVERREAD) < 0 ||
        buf_reserve(&w->pblocks, 2 * sw_pfor_bound(n_pos)) < 0) {
        sw_oom(w);
        return pos_i;
    }
    uint8_t *out = w->blocks.p + w->blocks.len;
    if (n == FMT_BLOCK_DOCS) {
        size_t k = sw_pfor128(gaps, out);
        w->blocks.len += k + sw_pfor128(tfm1, out + k);
    } else {
        w->blocks.len += sw_tail(gaps, tfm1, n, out);
    }
    w->pblocks.len += sw_block_positions(w, pos_i, start, n, w->pblocks.p + w->pblocks.len);
    if (w->blocks.len - blocks_start > UINT32_MAX || w->pblocks.len > UINT32_MAX) {
        sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "a term list exceeds 4 GiB");
        return pos_i;
    }
    sk.doc_end = (uint32_t)(w->blocks.len - blocks_start);
    sk.pos_end = (uint32_t)w->pblocks.len;
    buf_put(&w->skips, &sk, sizeof sk);
    return pos_i + n_pos;
}

/* What a dictionary entry says about its list. post != NULL: the list is inline and its
 * post_len block bytes and pos_len position bytes are copied into the entry. */
typedef struct sw_entry {
    uint32_t df, max_tf, min_len;
    uint64_t post_len, pos_len;
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
        buf_put_vu64(&w->dict, w->t_cf - en->df);
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

int sw_term_end(segment_writer *w)
{
    if (w->rc != TRAWL_OK) return w->rc;
    if (w->phase != SW_IN_TERM)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "sw_term_end outside a term");
    size_t df = w->t_docs.len / 4, nb = (df + FMT_BLOCK_DOCS - 1) / FMT_BLOCK_DOCS;
    if (df == 0) return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "term without documents");
    /* w->blocks starts with the term's bytes (saved by sw_term_begin); blocks follow them. */
    size_t tlen = w->blocks.len, pos_i = 0;
    char term[FMT_MAX_TERM];
    memcpy(term, w->blocks.p, tlen);
    w->skips.len = w->pblocks.len = 0;
    for (size_t b = 0; b < nb && w->rc == TRAWL_OK; b++)
        pos_i = sw_encode_block(w, b, pos_i, tlen);
    if (w->rc != TRAWL_OK) return w->rc;
    sw_entry en = {(uint32_t)df, 0, UINT32_MAX, 0, w->pblocks.len, NULL, NULL};
    for (size_t b = 0; b < nb; b++) {
        fmt_skip sk;
        memcpy(&sk, w->skips.p + b * sizeof sk, sizeof sk);
        en.max_tf = sk.max_tf > en.max_tf ? sk.max_tf : en.max_tf;
        en.min_len = sk.min_len < en.min_len ? sk.min_len : en.min_len;
    }
    en.post_len = (nb > 1 ? w->skips.len : 0) + (w->blocks.len - tlen);
    if (en.post_len > UINT32_MAX)
        return sw_fail(w, TRAWL_EARG, "%s: %s", w->name, "a term list exceeds 4 GiB");
    if (df <= FMT_INLINE_DF && w->t_cf <= FMT_INLINE_CF) {
        en.post = w->blocks.p + tlen;
        en.pos = w->pblocks.p;
    }
    sw_dict_entry(w, term, tlen, &en);
    if (!en.post) {
        if (nb > 1) sw_put(w, w->skips.p, w->skips.len);
        sw_put(w, w->blocks.p + tlen, w->blocks.len - tlen);
        sw_put_raw(w, &w->pos, w->pblocks.p, w->pblocks.len);
        w->post_total += en.post_len;
    }
    w->phase = SW_TERMS;
    return w->rc;
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
    if (w->hash) XXH64_freeState(w->hash);
    sw_zip_free(w->zip);
    free(w);
}
