/* SPDX-License-Identifier: MIT */
/*
 * update.h - what `khora update` does to each file of a project
 * (doc/khora-update.7): the newly rendered pipeline is compared with
 * the previous pristine version (.khora/base, checked against the
 * hashes of .khora/lock) and with the file on disk.
 *
 *   on disk      previous     new          result
 *   absent       -            any          create
 *   = new        any          any          nothing (never rewritten)
 *   = previous   any          any          replace (untouched by you)
 *   changed      = new        -            keep yours
 *   changed      != new       -            three-way merge, conflict
 *                                          markers where both changed
 *   absent       = new        -            stays deleted (your choice)
 *   absent       != new       -            stays deleted: a conflict
 *   not generated any more, = previous     removed
 *   not generated any more, changed        kept, untracked, a warning
 *   moved (same template or same content)  your changes follow it
 *
 * A binary file (merge_is_binary() of any of the three versions) is
 * never merged line by line: changed on both sides, yours stays and
 * khora's is written beside it as NAME.khora-new (recorded in the lock
 * with beside: NAME, so that update removes it once the conflict is
 * over); --ours keeps yours and drops NAME.khora-new, --theirs takes
 * khora's and saves yours as NAME.khora-yours (not recorded: the user's
 * bytes).  A file already at either name that khora did not write there
 * is never overwritten: the conflict then stays open.
 *
 * struct update owns the lock tree, the base and the items; it borrows
 * the pipeline, whose actions it marks skip (nothing to write) or gives
 * merged content, and to which it adds removals and the new records.
 */
#ifndef UPDATE_H
#define UPDATE_H

#define UPDATE_NEW_SUFFIX ".khora-new"
#define UPDATE_YOURS_SUFFIX ".khora-yours"

#include "merge.h"
#include "pipeline.h"
#include "project.h"

enum update_change {
	U_SAME,			/* as generated: nothing to do */
	U_CREATE,		/* new file */
	U_UPDATE,		/* untouched by the user: replaced */
	U_KEEP,			/* the user's change, khora's unchanged */
	U_MERGE,		/* both changed, merged cleanly */
	U_CONFLICT,		/* both changed: markers (or --ours/theirs) */
	U_GONE,			/* deleted by the user, khora unchanged */
	U_GONE_CONFLICT,	/* deleted by the user, changed by khora */
	U_REMOVE,		/* no longer generated: removed */
	U_ORPHAN,		/* no longer generated, changed: kept */
	U_RENAME,		/* moved: merged into the new path */
	U__COUNT
};

struct update_item {
	enum update_change change;
	const char *path;		/* borrowed from the action or lock */
	const char *from;		/* U_RENAME: the old path */
	struct action *a;		/* NULL for U_REMOVE, U_ORPHAN */
	char *before;			/* on disk before, or NULL if absent
					 * (U_RENAME: the old path's) */
	size_t before_len;
	unsigned before_mode;
	int before_link;		/* before is a symlink's target */
	int untracked;			/* before: a file khora did not write */
	int resolved;			/* markers resolved by --ours/theirs */
	int carried;			/* U_RENAME: the user's changes moved */
	int binary;			/* U_CONFLICT of a binary file */
	int blocked;			/* binary: the file beside is the
					 * user's, nothing written there */
	int still;			/* in conflict since an earlier
					 * update, and still after this one */
	char *merged;			/* merge result, moved to a->data */
	size_t merged_len;
};

struct base_file {
	char *path;
	const char *data;		/* into base_buf */
	size_t len;
};

struct update {
	const char *root;
	int rootfd;
	enum merge_favor favor;
	struct ynode *lock_tree;
	struct lock_entry *old;
	size_t nr_old;
	char *base_buf;
	size_t base_len;
	struct base_file *base;
	size_t nr_base, alloc_base;
	int base_missing;		/* no usable .khora/base */
	struct pipeline *p;		/* update_plan()'s */
	unsigned binary;		/* binary files left in conflict */
	struct update_item *items;
	size_t nr_items, alloc_items;
	unsigned count[U__COUNT];
	unsigned conflicts;		/* files left with conflicts */
	unsigned still;			/* items with still set */
	char *err_path;			/* the first file that was unreadable */
	int err_errno;
};

/*
 * Reads root's lock and base, and checks them (doc/khora-update.7,
 * "Validated state"): 0, or -1 with a diagnostic (exit 7).  A missing
 * base is base_missing, not an error.  u must be released either way.
 */
int update_init(struct update *u, const char *root, enum merge_favor favor,
		struct diag *d);
/*
 * Decides every file's fate against p (rendered, without records),
 * then adds p's records (config_sha: the project's khora.yaml).
 */
int update_plan(struct update *u, struct pipeline *p, const char *config_sha,
		struct diag *d);
/*
 * A previous pristine version that does not come from .khora/base (a
 * project without one: update --ref renders the recorded version
 * again); data is borrowed and must outlive u.  Used only when it
 * matches the lock's hash, like any base.
 */
void update_add_base(struct update *u, const char *path, const char *data,
		     size_t len);
void update_release(struct update *u);

/* Whether the update writes or removes anything at all. */
int update_writes(const struct pipeline *p);
/*
 * Whether it is a conflict an earlier update left that this one leaves
 * as it was (markers still there, NAME.khora-new still beside, still
 * deleted): not counted in conflicts, which are this run's.
 */
int update_still_only(const struct update_item *it);
/* What to print for a change: "create", "merge", ... */
const char *update_change_name(enum update_change c);
/* The content an item leaves on disk (NULL: absent). */
const char *update_after(const struct update_item *it, size_t *len);

#endif /* UPDATE_H */
