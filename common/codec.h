/* codec: integer compression for postings. Owns the byte layout of packed integer blocks and
 * varints; knows nothing of documents or terms (the segment writer and term cursor decide what
 * the integers mean).
 *
 * A block is 128 uint32 values bit-packed at one width w (0..32): one byte w, then 16*w bytes in
 * the 4-lane interleaved layout of SIMD-BP128 (value i sits in lane i % 4, slot i / 4), so SSE
 * and AVX2 decode it with shifts and masks and the scalar path reads the same bytes.
 * Lists of any length are full blocks followed by a varint tail (LEB128) of n % 128 values.
 * Decoders may read up to CODEC_OVERREAD bytes past the encoded end: sections on disk are padded
 * with that many zero bytes. The implementation (AVX2, SSE4.1, scalar) is chosen once at first
 * use from the CPU's features. */
#ifndef TRAWL_CODEC_H
#define TRAWL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define CODEC_BLOCK     128
#define CODEC_OVERREAD  32
#define CODEC_MAX_BLOCK (1 + 16 * 32) /**< bytes of the widest packed block */

/* Bits needed for the largest of in[0..n). */
uint32_t codec_max_bits(const uint32_t *in, size_t n);

/* Packs in[0..128) at the smallest width; returns bytes written (1 + 16*w). */
size_t codec_pack128(const uint32_t *in, uint8_t *out);

/* Unpacks one block into out[0..128). Returns bytes consumed, or 0 if the width byte is > 32 or
 * the block would end past end. Reads at most CODEC_OVERREAD bytes past the block. */
size_t codec_unpack128(const uint8_t *in, const uint8_t *end, uint32_t *out);

/* Bytes the block at in occupies, from its width byte alone (0 if the width is > 32). */
size_t codec_block_size(const uint8_t *in);

/* In-place inclusive prefix sum: v[i] = base + v[0] + ... + v[i], for n <= 128 (SIMD for 128). */
void codec_prefix_sum(uint32_t *v, size_t n, uint32_t base);

/* LEB128 of one value into out (at most 5 bytes); returns bytes written. */
size_t codec_vbyte_put(uint8_t *out, uint32_t v);

/* Decodes n LEB128 values from [in, end) into out. Returns bytes consumed, or 0 on a truncated
 * or over-long value (n == 0 returns 0 too: callers check n first). */
size_t codec_vbyte_decode(const uint8_t *in, const uint8_t *end, size_t n, uint32_t *out);

/* Encodes a list of n values: n / 128 packed blocks then n % 128 varints. Returns bytes
 * written; out needs codec_list_bound(n) bytes. */
size_t codec_list_encode(const uint32_t *in, size_t n, uint8_t *out);
size_t codec_list_bound(size_t n);

/* Decodes a list of n values written by codec_list_encode. Returns bytes consumed, or 0 when
 * the bytes are malformed or run past end (n == 0 returns 0). */
size_t codec_list_decode(const uint8_t *in, const uint8_t *end, size_t n, uint32_t *out);

/* Name of the implementation in use: "avx2", "sse4.1" or "scalar". */
const char *codec_impl(void);

/* Forces an implementation by name for tests and benchmarks ("scalar", "sse4.1", "avx2");
 * returns 0, or -1 if the CPU lacks it. Not thread-safe: call before any decoding. */
int codec_force_impl(const char *name);

#endif
