/* SPDX-License-Identifier: MIT */
/*
 * project.h - a project khora generated, as later commands see it: its
 * root (the directory holding .khora/lock) and the lock's entries.
 * The strings a lock_entry holds are borrowed from the lock's tree.
 */
#ifndef PROJECT_H
#define PROJECT_H

#include "diag.h"
#include "ytree.h"

struct lock_entry {
	const char *path;
	const char *plugin;
	const char *template;	/* or NULL */
	const char *sha256;	/* NULL for a symlink */
	const char *symlink;	/* its target, or NULL */
	int conflict;		/* update left conflict markers in it */
	int user;		/* the user's (KHORA_MODE_INPUT, or khora
				 * forget): never compared, replaced or
				 * removed */
	const char *beside;	/* NAME.khora-new: the binary file NAME */
};

/*
 * The project root at or above path, and path relative to it (*rel,
 * malloc'd); NULL when no .khora/lock is found above path.
 */
char *project_find_root(const char *path, char **rel);
/* Reads ROOT/.khora/lock; *out is an array of *nr entries (malloc'd)
 * pointing into *tree, which the caller frees with ynode_free(). */
int project_read_lock(const char *root, struct ynode **tree,
		      struct lock_entry **out, size_t *nr, struct diag *d);
/*
 * Rolls back a --force run that died half-way in root (commit.c): the
 * journal it left says what to undo.  A warning says it happened.
 */
int project_recover(const char *root, struct diag *d);
/*
 * Takes the project's lock (flock(2) on its root directory) for a run
 * that changes it; the fd to close when done, or -1 with an error (exit
 * 6) when another khora holds it.
 */
int project_lock(const char *root, struct diag *d);
/* project_recover() for a read-only command: only when no other khora
 * holds the project's lock (a run in progress is not touched). */
int project_recover_if_idle(const char *root, struct diag *d);
/*
 * The state of one entry on disk: 0 unchanged, 'M', 'D', or 'U' (a
 * conflict update left, its markers still there); -1 with errno when it
 * cannot be read (never taken for a change: see confine.h).  Every
 * path is resolved below root with confine_*(): a symlink on the way
 * makes the entry 'M'.
 */
int project_entry_state(const char *root, const struct lock_entry *e);

#endif /* PROJECT_H */
