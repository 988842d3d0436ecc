/* The program of tests/cli/symbols.sh: linked with a file that defines every internal global
 * name of libtrawl (hash64, checksum64, buf_init, err_set, ... as functions returning -1), it
 * opens the index argv[1], deep-checks it and prints the ids of query argv[2], one a line.
 * If the library still exported an internal name, the static link would fail with a multiple
 * definition, or the shared library would call the program's impostor and fail at open. */
#include <stdio.h>
#include <trawl.h>

int main(int argc, char **argv)
{
    char errbuf[512];
    trawl_index *idx = NULL;
    trawl_search *s = NULL;
    trawl_hit hit;
    int rc;
    if (argc != 3) return 2;
    const char *dirs[] = {argv[1]};
    rc = trawl_index_open(&idx, dirs, 1, errbuf, sizeof errbuf);
    if (rc == TRAWL_OK) rc = trawl_index_check(idx, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) {
        fprintf(stderr, "collide: %s\n", errbuf);
        trawl_index_close(idx);
        return 1;
    }
    rc = trawl_search_new(&s, idx);
    if (rc == TRAWL_OK) rc = trawl_search_run(s, argv[2], NULL);
    for (size_t i = 0; rc == TRAWL_OK && trawl_search_hit(s, i, &hit) == TRAWL_OK; i++)
        printf("%.*s\n", (int)hit.id_len, hit.id);
    if (rc != TRAWL_OK) fprintf(stderr, "collide: %s\n", s ? trawl_search_errmsg(s) : "no memory");
    trawl_search_free(s);
    trawl_index_close(idx);
    return rc == TRAWL_OK ? 0 : 1;
}
