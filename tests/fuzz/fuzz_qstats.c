/* libFuzzer target for the query statistics decoder (trawl_qstats_decode): the bytes one
 * process ships to another when shards are searched in two phases. The input's last 8 bytes
 * are replaced by the xxhash64 of the rest, so the fuzzer explores the structure behind the
 * checksum instead of the checksum. Beyond "no crash, no sanitizer report" it checks:
 *   success: encoding gives back exactly the input (the format is canonical); the entries are
 *            in strictly ascending (kind, key) order; merged into an empty trawl_qstats it
 *            encodes to the same bytes; merged with itself every count doubles;
 *   failure: TRAWL_ECORRUPT or TRAWL_EVERSION, no object, a message. */
#include "checksum.h"
#include "trawl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FS_CHECK(cond)                 \
    do {                               \
        if (!(cond)) __builtin_trap(); \
    } while (0)

static void fs_check_encodes_to(const trawl_qstats *qs, const uint8_t *want, size_t len)
{
    size_t n = trawl_qstats_encoded_size(qs);
    FS_CHECK(n == len);
    uint8_t *got = malloc(n);
    FS_CHECK(got && trawl_qstats_encode(qs, got, n) == TRAWL_OK);
    FS_CHECK(memcmp(got, want, n) == 0);
    free(got);
}

static void fs_check_order(const trawl_qstats *qs)
{
    int pk = 0, kind;
    const char *pkey = NULL, *key;
    size_t plen = 0, len;
    uint64_t df;
    for (size_t i = 0; trawl_qstats_entry(qs, i, &kind, &key, &len, &df) == TRAWL_OK; i++) {
        if (i) {
            int c = pk != kind ? (pk < kind ? -1 : 1) : memcmp(pkey, key, plen < len ? plen : len);
            if (pk == kind && c == 0) c = plen < len ? -1 : plen > len;
            FS_CHECK(c < 0);
        }
        pk = kind, pkey = key, plen = len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8 || size > (1 << 16)) return 0;
    uint8_t *in = malloc(size);
    memcpy(in, data, size);
    uint64_t sum = checksum64(in, size - 8);
    memcpy(in + size - 8, &sum, 8);
    trawl_qstats *qs = NULL, *m = NULL;
    char errbuf[256];
    int rc = trawl_qstats_decode(&qs, in, size, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) {
        FS_CHECK(rc == TRAWL_ECORRUPT || rc == TRAWL_EVERSION || rc == TRAWL_ENOMEM);
        FS_CHECK(!qs && errbuf[0]);
        free(in);
        return 0;
    }
    fs_check_encodes_to(qs, in, size);
    fs_check_order(qs);
    uint64_t n_docs, toks;
    uint32_t parts;
    trawl_qstats_totals(qs, &n_docs, &toks, &parts);
    FS_CHECK(trawl_qstats_new(&m) == TRAWL_OK);
    if (parts > 0 && trawl_qstats_merge(m, qs) == TRAWL_OK) fs_check_encodes_to(m, in, size);
    if (trawl_qstats_merge(qs, qs) == TRAWL_OK) {
        uint64_t df2;
        for (size_t i = 0; trawl_qstats_entry(qs, i, NULL, NULL, NULL, &df2) == TRAWL_OK; i++)
            FS_CHECK(df2 % 2 == 0);
    }
    trawl_qstats_free(m);
    trawl_qstats_free(qs);
    free(in);
    return 0;
}
