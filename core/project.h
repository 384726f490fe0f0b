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
	int secret;		/* holds a secret answer: no copy in
				 * .khora/base, merged without one */
	unsigned line, col;	/* of its path in the lock */
};

/*
 * The project root at or above path, and path relative to it (*rel,
 * malloc'd); NULL when no .khora/lock is found above path (the walk up
 * stops at a mount point), or with an error on d (exit 7) when the one
 * found, its .khora or its lock is not the running user's.
 */
char *project_find_root(const char *path, char **rel, struct diag *d);
/* Reads ROOT/.khora/lock; *out is an array of *nr entries (malloc'd)
 * pointing into *tree, which the caller frees with ynode_free(). */
int project_read_lock(const char *root, struct ynode **tree,
		      struct lock_entry **out, size_t *nr, struct diag *d);
/*
 * The same from the text of a lock (buf, len), name its file for
 * messages: every check project_read_lock() makes.  A git conflict
 * marker in it is refused first (project_conflict_error()).
 */
int project_parse_lock(const char *name, const char *buf, size_t len,
		       struct ynode **tree, struct lock_entry **out,
		       size_t *nr, struct diag *d);
/*
 * The line (from 1) of the first git conflict marker ("<<<<<<<" alone
 * or and a space, at a line's start) in buf, or 0 when there is none.
 */
unsigned project_conflict_line(const char *buf, size_t len);
/* "git merge conflict in STATE: run 'khora merge-state' ..." at
 * file:line, exit 7; -1. */
int project_conflict_error(const char *file, const char *state,
			   unsigned line, struct diag *d);
/*
 * Rolls back a --force run or an update that died half-way in root, from
 * the journal it left (recover.h says what is checked first): for a
 * command that writes, under project_lock().  A warning says it
 * happened; -1 (exit 7, every backup kept) when it cannot be done safely.
 */
int project_recover(const char *root, struct diag *d);
/*
 * Takes the project's lock (flock(2) on its root directory) for a run
 * that changes it; the fd to close when done, or -1 with an error (exit
 * 6) when another khora holds it.
 */
int project_lock(const char *root, struct diag *d);
/*
 * For a read-only command: writes nothing, warns about each recovery
 * the next writing command will do and pushes its backup directory's
 * name on pending (may be NULL).  The number pending, or -1.
 */
struct strlist;
int project_recover_pending(const char *root, struct strlist *pending,
			    struct diag *d);
/*
 * The state of one entry on disk: 0 unchanged, 'M', 'D', or 'U' (a
 * conflict update left, its markers still there); -1 with errno when it
 * cannot be read (never taken for a change: see confine.h).  Every
 * path is resolved below root with confine_*(): a symlink on the way
 * makes the entry 'M'.
 */
int project_entry_state(const char *root, const struct lock_entry *e);

#endif /* PROJECT_H */
