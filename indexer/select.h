/* select: which directory entries the corpus walk takes. Hidden names (a leading '.') unless
 * --hidden, version-control directories (.git, .hg, .svn, ...) always, what --exclude globs
 * match, files no --include glob or --type matches, and what the .ignore and .gitignore files of
 * the walked directories, and of those above them up to the repository's top, say (gitignore
 * rules, ignore.h; .gitignore only inside a git repository, as ripgrep has it; none with
 * --no-ignore). Owns the rules and the stack of ignore files along the walk; the walk itself,
 * and reading files, stay corpus.c's.
 *
 * What is not taken is not part of the tree: a sync deletes it from the index like a file
 * gone from the disk. Files named on the command line are always taken. */
#ifndef TRAWL_SELECT_H
#define TRAWL_SELECT_H

#include "ignore.h"

#include <stddef.h>

/* The rules of one run (trawl-index's flags). */
typedef struct sel {
    ign_list include; /**< --include globs and the globs of every --type (empty: any file) */
    ign_list exclude; /**< --exclude globs */
    int is_hidden;    /**< --hidden: take hidden files and directories (not VCS ones) */
    int no_ignore;    /**< --no-ignore: do not read .ignore and .gitignore files */
} sel;

void sel_init(sel *s);
void sel_free(sel *s);

/* Adds the globs of the file type name (sel_type_at lists them). Returns 0, -1 for an unknown
 * type, -2 out of memory. */
int sel_add_type(sel *s, const char *name);

/* Type i of the built-in table (from 0): its name and its globs, space-separated. Returns 0,
 * or -1 past the last. */
int sel_type_at(size_t i, const char **name, const char **globs);

/* 1 if a directory with this name is a version-control directory (never walked). */
int sel_is_vcs(const char *name);

/* The ignore files of one walked directory. */
typedef struct sel_frame {
    ign_list ignore; /**< its .ignore */
    ign_list git;    /**< its .gitignore (read inside a git repository only) */
    size_t rel_off;  /**< paths below it start at this byte of the walk's path */
    int in_git;      /**< it is inside a git repository */
    char *prefix;    /**< a directory above the argument: the argument's path relative to it,
                          with a trailing '/' (malloc); NULL for walked directories */
} sel_frame;

/* One walk's state: the directories from the argument down to the current one. */
typedef struct sel_walk {
    const sel *s;
    sel_frame *f;
    size_t n, cap;
    size_t arg_off;     /**< paths relative to the walked argument start at this byte */
    int is_root_in_git; /**< the argument is inside a git repository (a .git above it) */
} sel_walk;

void sel_walk_init(sel_walk *w, const sel *s);
void sel_walk_free(sel_walk *w);

/* Starts walking the directory argument whose canonical path is dir: looks above it for a
 * .git that puts it inside a repository and reads the ignore files of the directories from the
 * repository's top down to dir's parent. Paths relative to it start at arg_off. Returns 0 or
 * -1 (out of memory). */
int sel_walk_root(sel_walk *w, const char *dir, size_t arg_off);

/* Enters the directory open as dirfd, whose entries' paths start at rel_off: reads its .ignore
 * and .gitignore. Returns 0, or -1 out of memory. Every sel_enter is followed by a sel_leave. */
int sel_enter(sel_walk *w, int dirfd, size_t rel_off);

void sel_leave(sel_walk *w);

/* 1 if the entry at path (its name from name_off on; a directory when is_dir) is taken. */
int sel_take(const sel_walk *w, const char *path, size_t name_off, int is_dir);

#endif
