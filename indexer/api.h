/* api: trawl.h's writer functions (trawl_writer_*) over the index writer of writer.h, which
 * trawl-index drives too. Owns the public handle, argument checks, the sized option and
 * statistics structs, and the writer's sticky error as callers see it; every effect on the
 * index is writer.h's. What follows is only what tests need beyond trawl.h. */
#ifndef TRAWL_API_H
#define TRAWL_API_H

#include "sized.h"
#include "trawl.h"

/* The 1.0 layouts of the writer's growable structs: no caller's struct is smaller. */
#define API_WRITER_OPTIONS_1_0 SIZED_END(trawl_writer_options, merge_ratio)
#define API_WRITER_STATS_1_0   SIZED_END(trawl_writer_stats, has_changes)

#endif
