/* codec_bench: integers per second for block unpack, and unpack followed by the prefix sum,
 * for widths 1..20 (typical doc-id gaps) under every implementation the CPU has.
 * Input is a run of packed blocks (L2-resident); each block is decoded into one 128-value
 * buffer, as a term cursor does. Each cell is the best of several timed runs.
 * Usage: codec_bench [ms_per_run]   (default 5: about 1 s per ms_per_run, so ~5 s). The last
 * line is "codec <impl> unpack <X> Gint/s" for the implementation chosen from the CPU, X the
 * mean over the widths. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"

#define BENCH_BLOCKS    512 /* 64 Ki values; at most 164 KB of input at width 20 */
#define BENCH_MAX_WIDTH 20
#define BENCH_RUNS      8

static const char *const bench_impls[] = {"scalar", "sse4.1", "avx2"};
#define BENCH_N_IMPLS 3

typedef struct bench_input {
    uint8_t *enc; /**< BENCH_BLOCKS packed blocks, then CODEC_OVERREAD bytes */
    size_t len;   /**< bytes of packed blocks */
} bench_input;

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t bench_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Packs BENCH_BLOCKS blocks of random values, each block exactly w bits wide. */
static int bench_input_make(bench_input *bi, unsigned w, uint64_t seed)
{
    uint32_t vals[CODEC_BLOCK];
    bi->enc = calloc(1, (size_t)BENCH_BLOCKS * CODEC_MAX_BLOCK + CODEC_OVERREAD);
    bi->len = 0;
    if (!bi->enc) return -1;
    for (size_t b = 0; b < BENCH_BLOCKS; b++) {
        for (size_t i = 0; i < CODEC_BLOCK; i++)
            vals[i] = (uint32_t)(bench_rand(&seed) >> (64 - w));
        vals[b % CODEC_BLOCK] |= (uint32_t)1 << (w - 1);
        bi->len += codec_pack128(vals, bi->enc + bi->len);
    }
    return 0;
}

/* Decodes every block once; returns a checksum so the work cannot be elided. */
static uint32_t bench_pass(const bench_input *bi, uint32_t *out, int with_prefix)
{
    const uint8_t *p = bi->enc, *end = bi->enc + bi->len;
    uint32_t sum = 0, base = 0;
    for (size_t b = 0; b < BENCH_BLOCKS; b++) {
        size_t used = codec_unpack128(p, end, out);
        if (used == 0) return 0;
        p += used;
        if (with_prefix) {
            codec_prefix_sum(out, CODEC_BLOCK, base);
            base = out[CODEC_BLOCK - 1];
        }
        sum += out[b % CODEC_BLOCK];
    }
    return sum + base;
}

/* Runs passes passes; returns the rate in integers per second. */
static double bench_run(const bench_input *bi, uint32_t *out, int with_prefix, size_t passes,
                        uint32_t *sink)
{
    double t = bench_now();
    for (size_t i = 0; i < passes; i++)
        *sink += bench_pass(bi, out, with_prefix);
    t = bench_now() - t;
    return (double)passes * BENCH_BLOCKS * CODEC_BLOCK / t;
}

/* Passes that take about run_s seconds: doubles until a run takes a tenth of that. */
static size_t bench_calibrate(const bench_input *bi, uint32_t *out, int with_prefix, double run_s,
                              uint32_t *sink)
{
    size_t passes = 1;
    for (;;) {
        double rate = bench_run(bi, out, with_prefix, passes, sink);
        double t = (double)passes * BENCH_BLOCKS * CODEC_BLOCK / rate;
        if (t >= run_s / 10) return (size_t)((double)passes * run_s / t) + 1;
        passes *= 2;
    }
}

/* Fills best[impl][metric] (Gint/s) for width w. The machine is shared, so runs of all
 * implementations are interleaved and the best run of each is kept: a busy spell then costs
 * every implementation alike instead of one table row. */
static void bench_width(const bench_input *bi, double run_s, double best[][2], uint32_t *sink)
{
    uint32_t out[CODEC_BLOCK];
    size_t passes[BENCH_N_IMPLS][2];
    for (size_t k = 0; k < BENCH_N_IMPLS; k++) {
        if (codec_force_impl(bench_impls[k]) != 0) continue;
        for (int m = 0; m < 2; m++) {
            passes[k][m] = bench_calibrate(bi, out, m, run_s, sink);
            best[k][m] = 0;
        }
    }
    for (int r = 0; r < BENCH_RUNS; r++) {
        for (size_t k = 0; k < BENCH_N_IMPLS; k++) {
            if (codec_force_impl(bench_impls[k]) != 0) continue;
            for (int m = 0; m < 2; m++) {
                double rate = bench_run(bi, out, m, passes[k][m], sink) / 1e9;
                if (rate > best[k][m]) best[k][m] = rate;
            }
        }
    }
}

/* Prints the table: one row per width, unpack and unpack+prefix per implementation. */
static void bench_print(double best[][BENCH_N_IMPLS][2], const int *has, double *mean)
{
    printf("\nGint/s      ");
    for (size_t k = 0; k < BENCH_N_IMPLS; k++)
        if (has[k]) printf(" | %-6s unpack  +prefix", bench_impls[k]);
    printf("\n");
    for (unsigned w = 1; w <= BENCH_MAX_WIDTH; w++) {
        printf("width %2u    ", w);
        for (size_t k = 0; k < BENCH_N_IMPLS; k++)
            if (has[k]) printf(" |       %6.2f   %6.2f", best[w][k][0], best[w][k][1]);
        printf("\n");
    }
    for (size_t k = 0; k < BENCH_N_IMPLS; k++) {
        mean[k] = 0;
        for (unsigned w = 1; w <= BENCH_MAX_WIDTH; w++)
            mean[k] += best[w][k][0] / BENCH_MAX_WIDTH;
    }
    printf("mean        ");
    for (size_t k = 0; k < BENCH_N_IMPLS; k++)
        if (has[k]) printf(" |       %6.2f         ", mean[k]);
    printf("\n");
}

int main(int argc, char **argv)
{
    static bench_input inputs[BENCH_MAX_WIDTH + 1];
    static double best[BENCH_MAX_WIDTH + 1][BENCH_N_IMPLS][2];
    double run_s = (argc > 1 ? atof(argv[1]) : 5) / 1000, mean[BENCH_N_IMPLS] = {0};
    const char *chosen = codec_impl();
    int has[BENCH_N_IMPLS];
    uint32_t sink = 0;
    int rc = 1;
    if (run_s <= 0) {
        fprintf(stderr, "usage: codec_bench [ms_per_run]\n");
        return 2;
    }
    for (size_t k = 0; k < BENCH_N_IMPLS; k++)
        has[k] = codec_force_impl(bench_impls[k]) == 0;
    for (unsigned w = 1; w <= BENCH_MAX_WIDTH; w++)
        if (bench_input_make(&inputs[w], w, 0x2545f4914f6cdd1dull + w) < 0) goto out;
    printf("codec_bench: %d blocks of %d values per pass, best of %d runs of %.0f ms, "
           "default impl %s\n",
           BENCH_BLOCKS, CODEC_BLOCK, BENCH_RUNS, run_s * 1000, chosen);
    for (unsigned w = 1; w <= BENCH_MAX_WIDTH; w++)
        bench_width(&inputs[w], run_s, best[w], &sink);
    bench_print(best, has, mean);
    printf("(checksum %u)\n", sink);
    for (size_t k = 0; k < BENCH_N_IMPLS; k++)
        if (strcmp(bench_impls[k], chosen) == 0)
            printf("codec %s unpack %.2f Gint/s\n", chosen, mean[k]);
    rc = 0;
out:
    codec_force_impl(chosen);
    for (unsigned w = 1; w <= BENCH_MAX_WIDTH; w++)
        free(inputs[w].enc);
    return rc;
}
