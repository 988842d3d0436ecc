/* qstats: the statistics BM25 takes from a collection (documents, total length, the df of each
 * term of a query) as an object of their own: exported from an index, merged across
 * shards by summing, encoded to bytes and back, and supplied to plan.c in place of the index's
 * own. Parsing, planning and matching stay plan.c's; this module only keys, stores and looks up
 * counts. The byte format is described in docs/FORMAT.md, "Query statistics". */
#ifndef TRAWL_QSTATS_H
#define TRAWL_QSTATS_H

#include "buf.h"
#include "err.h"
#include "plan.h"
#include "trawl.h"

#include <stddef.h>
#include <stdint.h>

/* One count, keyed by (kind, key bytes). */
typedef struct qs_entry {
    uint32_t kind; /**< TRAWL_QSTATS_TERM, _PHRASE, or a kind of a newer library (kept) */
    uint32_t len;  /**< key bytes */
    size_t off;    /**< key offset in trawl_qstats.keys */
    uint64_t df;   /**< documents (live) holding the term or matching the phrase */
} qs_entry;

struct trawl_qstats {
    char language[32];      /**< analyzer of the counted indexes ("" before the first part) */
    uint32_t max_token_len; /**< likewise */
    uint32_t n_parts;       /**< exports summed into this one (1 for an export) */
    uint64_t n_docs;        /**< N: live documents */
    uint64_t total_tokens;  /**< their summed lengths */
    qs_entry *e;            /**< sorted by (kind, key), unique, once finished */
    size_t n, cap;
    buf keys; /**< every key's bytes */
};

/* Sets p->idf (and p->n_match, this index's count) for a P_TERM node whose p->df holds this
 * index's df, or for a P_PHRASE node (its idf the sum of its terms', as Lucene's; its df its
 * rarest term's; n_match 0: unknown before it is run): records each term's count when
 * x->record is set, and takes every df (and N) from x->global when that is set. TRAWL_EARG
 * when the global statistics lack a count this index needs or count fewer documents than it
 * holds. Returns x->e->rc. */
int qstats_node(exec *x, pnode *p);

/* Terms of the global statistics that start with the prefix and hold a live document: what the
 * prefix expands to over every counted index; *max_df receives the largest df among them (0
 * for none). O(log entries + matches). */
size_t qstats_prefix_terms(const trawl_qstats *qs, const char *prefix, size_t len,
                           uint64_t *max_df);

/* The df the statistics hold for a term, 0 if none. O(log entries). */
uint64_t qstats_term_df(const trawl_qstats *qs, const char *term, size_t len);

/* avgdl of the statistics, computed as trawl_index's (bm25_avgdl). */
double qstats_avgdl(const trawl_qstats *qs);

/* TRAWL_OK if qs may score a search of idx: same analyzer, at least idx's documents and
 * tokens. Else TRAWL_EARG with a message in e. */
int qstats_check_index(const trawl_qstats *qs, const trawl_index *idx, err *e);

#endif
