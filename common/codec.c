/* codec: SIMD-BP128-style bit packing of 128-value blocks, LEB128 varints, and the list format
 * (full blocks, then a varint tail) built from them.
 *
 * Block layout (one width w in 0..32, 1 + 16*w bytes):
 *
 *   byte 0        w
 *   bytes 1..     w groups of 16 bytes; group k = word k of lanes 0,1,2,3 (little-endian u32s)
 *
 *   value i -> lane L = i % 4, slot j = i / 4, bit offset j*w inside lane L's bit stream
 *
 *   lane L stream:  word0 (u32 at index 4*0+L)   word1 (u32 at 4*1+L)   ...   word w-1
 *                   |slot0|slot1|...|slotN..     ..slotN|slot..|         (LSB first)
 *
 * A slot whose bits cross a word boundary keeps its low bits at the top of word k and its high
 * bits at the bottom of word k+1. Because the four lanes of one word are adjacent, a 128-bit
 * load gives the same slot of all four lanes and one shift/mask decodes four values; the scalar
 * path walks each lane alone and reads and writes the same bytes.
 *
 * Every kernel is written once as an always-inline template over a constant width and
 * instantiated for w = 0..32 through a switch, so each case is straight-line code with immediate
 * shifts. SIMD kernels carry __attribute__((target)) so the file builds with the baseline flags;
 * the implementation is picked at first use from the CPUID instruction (codec_x86_has). */
#include "codec.h"

#include <string.h>

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define CODEC_X86 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define CODEC_X86 0
#endif

#define CODEC_INLINE static inline __attribute__((always_inline))

/* Expands X(w) for every width 0..32: instantiates the per-width cases of a kernel switch. */
/* clang-format off */
#define CODEC_WIDTHS(X)                                                                     \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)  \
    X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29)    \
    X(30) X(31) X(32)
/* clang-format on */

/* One implementation: an unpack kernel over the 16*w bytes after a validated width byte, and
 * an inclusive prefix sum over exactly 128 values. */
typedef struct codec_ops {
    const char *name;
    void (*unpack)(const uint8_t *restrict words, uint32_t *restrict out, unsigned w);
    void (*prefix128)(uint32_t *v, uint32_t base);
} codec_ops;

CODEC_INLINE uint32_t codec_ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

CODEC_INLINE void codec_st32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

CODEC_INLINE uint32_t codec_mask(unsigned w)
{
    return w >= 32 ? UINT32_MAX : ((uint32_t)1 << w) - 1;
}

uint32_t codec_max_bits(const uint32_t *in, size_t n)
{
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= in[i];
    return acc ? 32 - (uint32_t)__builtin_clz(acc) : 0;
}

size_t codec_block_size(const uint8_t *in)
{
    return in[0] > 32 ? 0 : 1 + 16 * (size_t)in[0];
}

/* ---- scalar kernels ---------------------------------------------------------------------- */

/* Packs lane L's 32 slots (in[L], in[L+4], ...) into words at out + 4*L, stride 16 bytes.
 * Assumes every value fits in w bits (the caller chose w as the maximum). */
CODEC_INLINE void codec_pack_lane(const uint32_t *restrict in, uint8_t *restrict out,
                                  const unsigned w)
{
    uint32_t acc = 0;
#pragma GCC unroll 32
    for (unsigned j = 0; j < 32; j++) {
        unsigned s = (j * w) % 32, k = (j * w) / 32;
        uint32_t v = in[4 * j];
        acc |= v << s;
        if (s + w >= 32) {
            codec_st32(out + 16 * k, acc);
            acc = s ? v >> (32 - s) : 0;
        }
    }
}

CODEC_INLINE void codec_pack_w(const uint32_t *restrict in, uint8_t *restrict out, const unsigned w)
{
    for (unsigned lane = 0; lane < 4; lane++)
        codec_pack_lane(in + lane, out + 4 * lane, w);
}

static void codec_pack_scalar(const uint32_t *restrict in, uint8_t *restrict out, unsigned w)
{
    switch (w) {
#define CODEC_CASE(n)             \
    case n:                       \
        codec_pack_w(in, out, n); \
        break;
        CODEC_WIDTHS(CODEC_CASE)
#undef CODEC_CASE
    }
}

/* Unpacks lane L (words at in + 4*L, stride 16 bytes) into out[L], out[L+4], ...
 * The portable reference path; compilers may still vectorize it across the four lanes. */
CODEC_INLINE void codec_unpack_lane(const uint8_t *restrict in, uint32_t *restrict out,
                                    const unsigned w)
{
    const uint32_t mask = codec_mask(w);
#pragma GCC unroll 32
    for (unsigned j = 0; j < 32; j++) {
        unsigned s = (j * w) % 32, k = (j * w) / 32;
        uint32_t v = codec_ld32(in + 16 * k) >> s;
        if (s + w > 32) v |= codec_ld32(in + 16 * (k + 1)) << (32 - s);
        out[4 * j] = v & mask;
    }
}

CODEC_INLINE void codec_unpack_scalar_w(const uint8_t *restrict in, uint32_t *restrict out,
                                        const unsigned w)
{
    if (w == 0) {
        memset(out, 0, CODEC_BLOCK * sizeof(*out));
        return;
    }
    for (unsigned lane = 0; lane < 4; lane++)
        codec_unpack_lane(in + 4 * lane, out + lane, w);
}

static void codec_unpack_scalar(const uint8_t *restrict in, uint32_t *restrict out, unsigned w)
{
    switch (w) {
#define CODEC_CASE(n)                      \
    case n:                                \
        codec_unpack_scalar_w(in, out, n); \
        break;
        CODEC_WIDTHS(CODEC_CASE)
#undef CODEC_CASE
    }
}

static void codec_prefix_scalar(uint32_t *v, size_t n, uint32_t base)
{
    for (size_t i = 0; i < n; i++) {
        base += v[i];
        v[i] = base;
    }
}

static void codec_prefix128_scalar(uint32_t *v, uint32_t base)
{
    codec_prefix_scalar(v, CODEC_BLOCK, base);
}

static const codec_ops codec_ops_scalar = {"scalar", codec_unpack_scalar, codec_prefix128_scalar};

/* ---- SSE4.1 kernels ---------------------------------------------------------------------- */
#if CODEC_X86
#define CODEC_SSE  __attribute__((target("sse4.1")))
#define CODEC_AVX2 __attribute__((target("avx2")))

CODEC_INLINE CODEC_SSE __m128i codec_ld128(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Slot j of all four lanes per step: one load (two when the slot crosses a word), a shift and
 * a mask. Reads exactly the 16*w bytes of the block. */
CODEC_INLINE CODEC_SSE void codec_unpack_sse_w(const uint8_t *restrict in, uint32_t *restrict out,
                                               const unsigned w)
{
    const __m128i mask = _mm_set1_epi32((int)codec_mask(w));
    __m128i *dst = (__m128i *)(void *)out;
    if (w == 0) {
        for (unsigned j = 0; j < 32; j++)
            _mm_storeu_si128(dst + j, _mm_setzero_si128());
        return;
    }
#pragma GCC unroll 32
    for (unsigned j = 0; j < 32; j++) {
        unsigned s = (j * w) % 32, k = (j * w) / 32;
        __m128i v = _mm_srli_epi32(codec_ld128(in + 16 * k), (int)s);
        if (s + w > 32)
            v = _mm_or_si128(v, _mm_slli_epi32(codec_ld128(in + 16 * (k + 1)), (int)(32 - s)));
        if (s + w != 32) v = _mm_and_si128(v, mask);
        _mm_storeu_si128(dst + j, v);
    }
}

static CODEC_SSE void codec_unpack_sse(const uint8_t *restrict in, uint32_t *restrict out,
                                       unsigned w)
{
    switch (w) {
#define CODEC_CASE(n)                   \
    case n:                             \
        codec_unpack_sse_w(in, out, n); \
        break;
        CODEC_WIDTHS(CODEC_CASE)
#undef CODEC_CASE
    }
}

/* Four values per step: two shifted adds give the in-register prefix; the running total is
 * added, and advanced by this step's own total (its last lane, broadcast). That total does not
 * depend on the carry, so the loop-carried chain is a single add. */
static CODEC_SSE void codec_prefix128_sse(uint32_t *v, uint32_t base)
{
    __m128i *p = (__m128i *)(void *)v;
    __m128i carry = _mm_set1_epi32((int)base);
    for (unsigned i = 0; i < CODEC_BLOCK / 4; i++) {
        __m128i x = _mm_loadu_si128(p + i);
        x = _mm_add_epi32(x, _mm_slli_si128(x, 4));
        x = _mm_add_epi32(x, _mm_slli_si128(x, 8));
        _mm_storeu_si128(p + i, _mm_add_epi32(x, carry));
        carry = _mm_add_epi32(carry, _mm_shuffle_epi32(x, 0xff));
    }
}

static const codec_ops codec_ops_sse = {"sse4.1", codec_unpack_sse, codec_prefix128_sse};

/* ---- AVX2 kernels ------------------------------------------------------------------------ */

/* Loads word groups k (low half) and k+d (high half), d in {0,1}: a 32-byte load when they are
 * adjacent, a 16-byte broadcast when they are the same. Both are plain load uops. */
CODEC_INLINE CODEC_AVX2 __m256i codec_ld_pair(const uint8_t *in, unsigned k, unsigned d)
{
    const void *p = in + 16 * k;
    if (d) return _mm256_loadu_si256((const __m256i *)p);
    return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p));
}

/* Slots j (low half) and j+1 (high half) of all four lanes per step, so every store is 32
 * contiguous output bytes. The two slots have different shifts, hence vpsrlvd/vpsllvd; a left
 * shift by 32 yields 0, which silences the half that does not cross a word. Never reads past
 * the block: every word group loaded holds bits of a slot of this step. */
CODEC_INLINE CODEC_AVX2 void codec_unpack_avx2_w(const uint8_t *restrict in, uint32_t *restrict out,
                                                 const unsigned w)
{
    const __m256i mask = _mm256_set1_epi32((int)codec_mask(w));
    __m256i *dst = (__m256i *)(void *)out;
    if (w == 0) {
        for (unsigned j = 0; j < 16; j++)
            _mm256_storeu_si256(dst + j, _mm256_setzero_si256());
        return;
    }
#pragma GCC unroll 16
    for (unsigned j = 0; j < 32; j += 2) {
        unsigned b0 = j * w, b1 = b0 + w;
        unsigned k0 = b0 / 32, s0 = b0 % 32, k1 = b1 / 32, s1 = b1 % 32;
        int sp0 = s0 + w > 32, sp1 = s1 + w > 32;
        __m256i v = codec_ld_pair(in, k0, k1 - k0);
        if (s0 | s1) {
            __m256i sh = _mm256_setr_epi32((int)s0, (int)s0, (int)s0, (int)s0, (int)s1, (int)s1,
                                           (int)s1, (int)s1);
            v = _mm256_srlv_epi32(v, sh);
        }
        if (sp0 || sp1) {
            int c0 = sp0 ? (int)(32 - s0) : 32, c1 = sp1 ? (int)(32 - s1) : 32;
            /* A crossing slot j spills into k0+1; a crossing slot j+1 spills into k0+1 too
             * unless slot j also crosses (then slot j+1 starts in k0+1 and spills to k0+2). */
            __m256i hi = codec_ld_pair(in, k0 + 1, (unsigned)(sp0 && sp1));
            __m256i sh = _mm256_setr_epi32(c0, c0, c0, c0, c1, c1, c1, c1);
            v = _mm256_or_si256(v, _mm256_sllv_epi32(hi, sh));
        }
        if (s0 + w != 32 || s1 + w != 32) v = _mm256_and_si256(v, mask);
        _mm256_storeu_si256(dst + j / 2, v);
    }
}

static CODEC_AVX2 void codec_unpack_avx2(const uint8_t *restrict in, uint32_t *restrict out,
                                         unsigned w)
{
    switch (w) {
#define CODEC_CASE(n)                    \
    case n:                              \
        codec_unpack_avx2_w(in, out, n); \
        break;
        CODEC_WIDTHS(CODEC_CASE)
#undef CODEC_CASE
    }
}

/* Eight values per step: prefix inside each 128-bit half, then the low half's total is added
 * to the high half. As in the SSE kernel the step's total (lane 7, broadcast) comes from the
 * step alone, so only one add per step is loop-carried. */
static CODEC_AVX2 void codec_prefix128_avx2(uint32_t *v, uint32_t base)
{
    __m256i *p = (__m256i *)(void *)v;
    const __m256i last = _mm256_set1_epi32(7);
    __m256i carry = _mm256_set1_epi32((int)base);
    for (unsigned i = 0; i < CODEC_BLOCK / 8; i++) {
        __m256i x = _mm256_loadu_si256(p + i);
        x = _mm256_add_epi32(x, _mm256_slli_si256(x, 4));
        x = _mm256_add_epi32(x, _mm256_slli_si256(x, 8));
        __m256i lo = _mm256_shuffle_epi32(x, 0xff);
        x = _mm256_add_epi32(x, _mm256_permute2x128_si256(lo, lo, 0x08));
        _mm256_storeu_si256(p + i, _mm256_add_epi32(x, carry));
        carry = _mm256_add_epi32(carry, _mm256_permutevar8x32_epi32(x, last));
    }
}

static const codec_ops codec_ops_avx2 = {"avx2", codec_unpack_avx2, codec_prefix128_avx2};
#endif /* CODEC_X86 */

/* ---- dispatch ---------------------------------------------------------------------------- */

/* The chosen implementation. Written once at first use (or by codec_force_impl); racing first
 * uses store the same pointer, and relaxed atomics keep that well-defined. */
static const codec_ops *codec_cur;

#if CODEC_X86
/* Whether this CPU (and, for AVX2, the OS, which must save the YMM registers) runs the SSE4.1 or
 * the AVX2 kernels. CPUID directly rather than __builtin_cpu_supports: that links libgcc's
 * __cpu_indicator_init, a constructor that runs a dozen CPUID leaves in every process that
 * loads trawl, each a VM exit under a hypervisor (~80 us per trawl-search process here, measured
 * with perf; bench/terminal.sh). This asks only when a list is first decoded. */
static int codec_x86_has(int avx2)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!avx2) return (c & bit_SSE4_1) != 0;
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0; /* XMM and YMM state enabled by the OS */
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX2) != 0;
}
#endif

/* Returns the ops for name if this CPU can run them, else NULL. */
static const codec_ops *codec_ops_find(const char *name)
{
    if (strcmp(name, "scalar") == 0) return &codec_ops_scalar;
#if CODEC_X86
    if (strcmp(name, "sse4.1") == 0 && codec_x86_has(0)) return &codec_ops_sse;
    if (strcmp(name, "avx2") == 0 && codec_x86_has(1)) return &codec_ops_avx2;
#endif
    return NULL;
}

static const codec_ops *codec_ops_get(void)
{
    static const char *const pref[] = {"avx2", "sse4.1", "scalar"};
    const codec_ops *ops = __atomic_load_n(&codec_cur, __ATOMIC_RELAXED);
    if (ops) return ops;
    for (size_t i = 0; !ops; i++)
        ops = codec_ops_find(pref[i]);
    __atomic_store_n(&codec_cur, ops, __ATOMIC_RELAXED);
    return ops;
}

const char *codec_impl(void)
{
    return codec_ops_get()->name;
}

int codec_force_impl(const char *name)
{
    const codec_ops *ops = codec_ops_find(name);
    if (!ops) return -1;
    __atomic_store_n(&codec_cur, ops, __ATOMIC_RELAXED);
    return 0;
}

/* ---- blocks ------------------------------------------------------------------------------ */

size_t codec_pack128(const uint32_t *in, uint8_t *out)
{
    uint32_t w = codec_max_bits(in, CODEC_BLOCK);
    out[0] = (uint8_t)w;
    codec_pack_scalar(in, out + 1, w);
    return 1 + 16 * (size_t)w;
}

size_t codec_unpack128(const uint8_t *in, const uint8_t *end, uint32_t *out)
{
    size_t size;
    if (in >= end || in[0] > 32) return 0;
    size = 1 + 16 * (size_t)in[0];
    if ((size_t)(end - in) < size) return 0;
    codec_ops_get()->unpack(in + 1, out, in[0]);
    return size;
}

void codec_prefix_sum(uint32_t *v, size_t n, uint32_t base)
{
    if (n == CODEC_BLOCK)
        codec_ops_get()->prefix128(v, base);
    else
        codec_prefix_scalar(v, n, base);
}

/* ---- varints ----------------------------------------------------------------------------- */

size_t codec_vbyte_put(uint8_t *out, uint32_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* Decodes one LEB128 value at *pp, advancing it. Fails (-1) when more than 5 bytes are used or
 * the 5th byte carries bits above 32. With is_checked == 0 the caller has proved that 5 bytes
 * are readable, so the per-byte end test drops out. */
CODEC_INLINE int codec_vbyte_get(const uint8_t **pp, const uint8_t *end, uint32_t *out,
                                 const int is_checked)
{
    const uint8_t *p = *pp;
    uint32_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (is_checked && p == end) return -1;
        uint8_t b = *p++;
        v |= (uint32_t)(b & 0x7f) << shift;
        if (b < 0x80) {
            if (shift == 28 && b > 0x0f) return -1;
            *pp = p;
            *out = v;
            return 0;
        }
    }
    return -1;
}

size_t codec_vbyte_decode(const uint8_t *in, const uint8_t *end, size_t n, uint32_t *out)
{
    const uint8_t *p = in;
    size_t i = 0;
    if (n == 0 || in >= end) return 0;
    /* While 5 bytes per remaining value are left no single value can run past end. */
    for (; i < n && (size_t)(end - p) / 5 >= n - i; i++)
        if (codec_vbyte_get(&p, end, &out[i], 0) < 0) return 0;
    for (; i < n; i++)
        if (codec_vbyte_get(&p, end, &out[i], 1) < 0) return 0;
    return (size_t)(p - in);
}

/* ---- lists ------------------------------------------------------------------------------- */

size_t codec_list_bound(size_t n)
{
    return n / CODEC_BLOCK * CODEC_MAX_BLOCK + n % CODEC_BLOCK * 5;
}

size_t codec_list_encode(const uint32_t *in, size_t n, uint8_t *out)
{
    size_t off = 0, i = 0;
    for (; n - i >= CODEC_BLOCK; i += CODEC_BLOCK)
        off += codec_pack128(in + i, out + off);
    for (; i < n; i++)
        off += codec_vbyte_put(out + off, in[i]);
    return off;
}

size_t codec_list_decode(const uint8_t *in, const uint8_t *end, size_t n, uint32_t *out)
{
    const uint8_t *p = in;
    size_t i = 0, used;
    if (n == 0) return 0;
    for (; n - i >= CODEC_BLOCK; i += CODEC_BLOCK) {
        used = codec_unpack128(p, end, out + i);
        if (used == 0) return 0;
        p += used;
    }
    if (i < n) {
        used = codec_vbyte_decode(p, end, n - i, out + i);
        if (used == 0) return 0;
        p += used;
    }
    return (size_t)(p - in);
}
