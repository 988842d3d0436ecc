/* segment_impl: the private layout of an opened segment, shared by segment.c, dict.c and
 * term_cursor.c (and readable by hot searcher code that wants doc_lens without a call).
 * Everything here points into the read-only mapping and was bounds-checked at open. */
#ifndef TRAWL_SEGMENT_IMPL_H
#define TRAWL_SEGMENT_IMPL_H

#include "dict.h"
#include "format.h"
#include "segment.h"

typedef struct seg_sec {
    const uint8_t *p; /**< first byte; FMT_PAD readable zero bytes follow p[len - 1] */
    size_t len;       /**< bytes, padding excluded */
    uint64_t off;     /**< file offset, for messages */
    uint64_t hash;    /**< xxhash64 from the section table */
} seg_sec;

struct segment {
    int refs; /**< owners (an index and the indexes reopened from it); atomic */
    mmapfile map;
    char name[64];
    uint64_t id;
    uint32_t version; /**< format version of the file (FMT_VERSION_MIN..FMT_VERSION) */
    uint32_t n_docs;
    uint32_t max_token_len;
    uint64_t total_tokens;
    uint64_t n_terms;
    char language[FMT_LANG_LEN];
    seg_sec sec[FMT_SEC_COUNT + 1]; /**< indexed by FMT_SEC_* id */
    const uint32_t *doc_lens;       /**< n_docs entries (4-aligned inside the map) */
    uint64_t n_dict_blocks;
    uint64_t n_stored_blocks;
    _Atomic int8_t sum_state[FMT_SEC_COUNT + 1]; /**< sections verified on first use: 0 not yet,
                                                      1 checksum matches, -1 it does not */
    _Atomic int8_t *chunk_state; /**< version 4: per chunk of the dictionary, then of the ids,
                                      the same states; NULL when there are none */
    uint64_t n_dict_chunks, n_ids_chunks;
    struct termtab *_Atomic termtab; /**< the terms alone, built when due (termtab.h) */
    _Atomic uint64_t termtab_debt;   /**< dictionary entries read by walks without the table */
};

/* Verifies bytes [start, end) of section id (FMT_SEC_DICT or FMT_SEC_IDS, whose readers call
 * this before they read) and remembers the outcome: from version 4 each chunk they overlap on
 * its first use, before it the whole section on its first use; later calls cost a load per
 * chunk. Thread-safe. TRAWL_ECORRUPT "NAME: dictionary: checksum mismatch (...)" on every call
 * once the bytes are found damaged. */
int seg_verify_range(const segment *s, uint32_t id, size_t start, size_t end, err *e);

/* Name of a section id for messages ("postings"). */
const char *seg_sec_name(uint32_t id);

/* Offset of dictionary block b (< n_dict_blocks) and its end, both checked against the
 * dictionary section. TRAWL_ECORRUPT otherwise. */
int dict_block_range(const segment *s, uint64_t b, size_t *start, size_t *end, err *e);

/* Deep checks used by segment_check: every dictionary entry, and through tc_check_list every
 * postings and positions block of each term. */
int dict_check(const segment *s, err *e);
int tc_check_list(const segment *s, const term_info *ti, const char *term, err *e);

/* Decodes a partial postings block of n docs from [in, end) (docs/FORMAT.md "Postings"):
 * doc ids into docs (the first relative to base + 1, or to 0 when base is UINT32_MAX; all
 * below n_docs) and tfs into tfs. Returns bytes consumed, or 0 when malformed or past end.
 * Shared by the cursor and the dictionary's inline lists. */
size_t tc_decode_tail(const uint8_t *in, const uint8_t *end, uint32_t n, uint32_t base,
                      uint32_t n_docs, uint32_t *docs, uint32_t *tfs);

#endif
