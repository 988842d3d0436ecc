/* ignore: gitignore patterns (the rules of gitignore(5), as ripgrep applies them to .gitignore
 * and .ignore files) and the globs of --include and --exclude. Owns parsing a pattern file into
 * rules and matching a path against them; which files are read, and the stack of files met
 * during a walk, are the corpus walk's (corpus.c).
 *
 * One rule per non-blank line that is not a comment ("#"; "\#" is a literal '#'). Trailing
 * spaces are dropped unless escaped. "!" negates (re-includes; "\!" is a literal '!'); a
 * trailing "/" matches directories only; a pattern with a "/" at its start or in its middle is
 * anchored to the ignore file's directory, else it matches a name at any depth below it. "*"
 * and "?" never match "/", "[...]" is a set (fnmatch(3) matches each path component); "**" as a
 * whole component matches any number of components ("**" + "/x", "a/" + "**", "a/" + "**" +
 * "/b"). The last rule that matches decides. */
#ifndef TRAWL_IGNORE_H
#define TRAWL_IGNORE_H

#include <stddef.h>

/* The answer of a rule list about one path. */
enum { IGN_NONE = 0, IGN_IGNORE = 1, IGN_KEEP = 2 };

typedef struct ign_rule {
    char *pat;       /**< the pattern, escapes resolved, without "!", leading and trailing "/" */
    int is_negated;  /**< "!pattern": keep what an earlier rule ignored */
    int is_dir;      /**< "pattern/": directories only */
    int is_anchored; /**< has a "/" before its end: matched from the list's directory */
} ign_rule;

/* The rules of one pattern file (or of the --include or --exclude globs). */
typedef struct ign_list {
    ign_rule *rules;
    size_t n, cap;
} ign_list;

void ign_init(ign_list *l);
void ign_free(ign_list *l);

/* Adds the rule of one pattern line (len bytes, no newline); blank lines and comments add
 * nothing. Returns 0 or -1 (out of memory). */
int ign_add(ign_list *l, const char *line, size_t len);

/* Adds every line of text[0..len) (a pattern file's contents). Returns 0 or -1. */
int ign_add_text(ign_list *l, const char *text, size_t len);

/* What l says of path (relative to the list's directory, components joined by "/", no leading
 * or trailing "/"), a directory when is_dir: IGN_IGNORE, IGN_KEEP (a negated rule matched last)
 * or IGN_NONE. O(rules * path length). */
int ign_match(const ign_list *l, const char *path, int is_dir);

/* 1 if the glob (gitignore syntax, without negation) matches path as ign_match would. */
int ign_glob(const char *glob, const char *path, int is_dir);

#endif
