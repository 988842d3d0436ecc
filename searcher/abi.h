/* abi: the 1.0 layouts of the search API's growable structs (trawl.h "ABI promise"): no
 * caller's struct is smaller. The rules for moving them are common/sized.h's. */
#ifndef TRAWL_ABI_H
#define TRAWL_ABI_H

#include "sized.h"
#include "trawl.h"

#define ABI_OPTIONS_1_0 SIZED_END(trawl_options, max_expansions)
#define ABI_STATS_1_0   SIZED_END(trawl_stats, language)
#define ABI_HIT_1_0     SIZED_END(trawl_hit, id_len)
#define ABI_SNIPPET_1_0 SIZED_END(trawl_snippet, is_end)
/* Structs new since 1.0: their first layout. */
#define ABI_EXPLAIN_INFO_FIRST SIZED_END(trawl_explain_info, from)
#define ABI_QUERY_TERM_FIRST   SIZED_END(trawl_query_term, from)

#endif
