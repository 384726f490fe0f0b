/* SPDX-License-Identifier: MIT */
/*
 * walk.h - a directory tree, visited in sorted order (so that what
 * khora prints never depends on readdir's order).  The callback gets
 * each entry's path relative to the root, its base name and its lstat;
 * it returns 0 to go on (into a directory), WALK_SKIP to leave a
 * directory out, or -1 to stop the walk with -1.
 */
#ifndef WALK_H
#define WALK_H

#include <dirent.h>
#include <sys/stat.h>

#define WALK_SKIP 1

typedef int (*walk_fn)(const char *rel, const char *base,
		       const struct stat *st, void *arg);

/*
 * Walks root/rel ("" for root itself); 0, or -1 from the callback or
 * when a directory cannot be read (errno set; never taken for an empty
 * one).  Paths are resolved below root without following symlinks.
 */
int walk_tree(const char *root, const char *rel, walk_fn fn, void *arg);
/*
 * The one directory listing: fn(name, d_type, arg) for each entry of the
 * directory fd but "." and "..", in readdir's order, read through a
 * duplicate of fd from its first entry (fd stays the caller's; entries
 * may be removed through it meanwhile).  fn returns 0 to go on, anything
 * else stops the listing and is returned (use a positive value to tell
 * it from a listing error).  -1 with errno set when the directory cannot
 * be read: a read error is never taken for the end of the list.
 */
typedef int (*walk_dir_fn)(const char *name, unsigned char type, void *arg);
int walk_dir(int fd, walk_dir_fn fn, void *arg);
/*
 * A directory stream over a duplicate of fd, from its first entry (a
 * duplicate shares the offset, which an earlier listing may have left
 * at the end); fd stays the caller's.  NULL with errno set.
 */
DIR *walk_opendir(int fd);
/* walk_tree(), and on a read error *err (malloc'd, when still NULL)
 * names the directory that failed, relative to root. */
int walk_tree_checked(const char *root, const char *rel, walk_fn fn,
		      void *arg, char **err);

#endif /* WALK_H */
