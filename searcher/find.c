/* find: trawl_search_find (trawl.h), a document looked up by its id. The ids are not indexed
 * for lookup (the search path never needs it), so this scans every live document's id: O(live
 * documents), no decompression. The documents found become the context's hits, so that every
 * per-hit call (hit, hit_path, text) serves them. */
#include "search.h"

#include <string.h>

/* Puts the live documents whose id is id[0..len) in out (with out NULL, only counts them). */
static int find_scan(trawl_search *s, const char *id, size_t len, topk_entry *out, size_t *n)
{
    const trawl_index *idx = s->idx;
    *n = 0;
    for (size_t i = 0; i < idx->n_segs; i++) {
        const index_seg *is = &idx->segs[i];
        for (uint32_t d = 0; d < is->n_docs; d++) {
            const char *did;
            size_t dlen;
            if (index_is_deleted(is, d)) continue;
            if (segment_doc_id(is->seg, d, &did, &dlen, &s->e) != TRAWL_OK) return s->e.rc;
            if (dlen != len || memcmp(did, id, len) != 0) continue;
            if (out) out[*n] = (topk_entry){0, is->base + d, segment_doc_date(is->seg, d)};
            ++*n;
        }
    }
    return TRAWL_OK;
}

int trawl_search_find(trawl_search *s, const char *id, size_t id_len)
{
    size_t n;
    search_clear(s);
    if (!id || id_len == 0) return err_set(&s->e, TRAWL_EARG, "no id to find");
    if (find_scan(s, id, id_len, NULL, &n) != TRAWL_OK) return s->e.rc;
    if (n == 0)
        return err_set(&s->e, TRAWL_ENOTFOUND, "no document has the id \"%.*s\"",
                       (int)(id_len < 200 ? id_len : 200), id);
    topk_entry *hits = arena_alloc(&s->a, n * sizeof *hits);
    if (!hits) return err_set(&s->e, TRAWL_ENOMEM, "out of memory for %zu documents", n);
    if (find_scan(s, id, id_len, hits, &n) != TRAWL_OK) return s->e.rc;
    s->hits = hits;
    s->n_hits = n;
    s->count = n;
    return TRAWL_OK;
}
