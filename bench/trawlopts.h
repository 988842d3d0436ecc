/* trawlopts: "key=value,key=value" to trawl_options, shared by the benchmark programs so a
 * configuration reads the same in bench/relevance and bench/latency (keys: k1, b, prox (0/1),
 * plambda, expand (0/1), fbdocs, fbterms, fbweight, fuzzy (0/1), qtf (count/once)). */
#ifndef TRAWL_BENCH_TRAWLOPTS_H
#define TRAWL_BENCH_TRAWLOPTS_H

#include "trawl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Applies spec to o; returns 0, or -1 naming the bad part on stderr. */
static inline int trawlopts_apply(trawl_options *o, const char *spec)
{
    char buf[512], *save = NULL;
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        const char *k = kv, *v = eq ? eq + 1 : "";
        if (eq) *eq = '\0';
        if (!eq)
            goto bad;
        else if (!strcmp(k, "k1"))
            o->k1 = atof(v);
        else if (!strcmp(k, "b"))
            o->b = atof(v);
        else if (!strcmp(k, "prox"))
            o->proximity = atoi(v) ? 1 : -1;
        else if (!strcmp(k, "plambda"))
            o->proximity_weight = atof(v);
        else if (!strcmp(k, "expand"))
            o->expand = atoi(v);
        else if (!strcmp(k, "fbdocs"))
            o->expand_docs = (uint32_t)atoi(v);
        else if (!strcmp(k, "fbterms"))
            o->expand_terms = (uint32_t)atoi(v);
        else if (!strcmp(k, "fbweight"))
            o->expand_weight = atof(v);
        else if (!strcmp(k, "fuzzy"))
            o->fuzzy = atoi(v);
        else if (!strcmp(k, "qtf"))
            o->query_tf = strcmp(v, "once") ? TRAWL_QTF_COUNT : TRAWL_QTF_ONCE;
        else
            goto bad;
    }
    return 0;
bad:
    fprintf(stderr, "bench: bad option in \"%s\" (keys: k1 b prox plambda expand fbdocs fbterms "
                    "fbweight fuzzy qtf)\n",
            spec);
    return -1;
}

#endif
