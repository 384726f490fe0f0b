/* SPDX-License-Identifier: MIT */
/*
 * mergestate.h - the three-way merge of khora's state (.khora/lock and
 * .khora/base) that `khora merge-state`, git's merge driver, runs when
 * two branches each changed a project (doc/khora-update.7, "Merging
 * branches").  Pure functions of texts: nothing is read or written
 * here.
 *
 * Every input is validated as khora validates its own state (the lock
 * by project_parse_lock(), the base by its framing, paths confined and
 * listed once); an empty text is a state with no files (git's merge
 * base when a branch created the file).  The result is checked again
 * before it is handed out: an input that cannot be merged is an error,
 * never a state khora would refuse to read.
 *
 * Both merges decide each path by the same rule on the same hashes
 * (the lock's sha256 is the hash of the base's copy), so that the two
 * files, merged by two separate driver runs, agree: kept where both
 * sides agree, one side's where only it changed, and where both changed
 * it differently the common ancestor's (the next update three-way
 * merges the file git merged against it), else no entry at all (the
 * file is the user's).  A `user: true` mark on either side always wins.
 */
#ifndef MERGESTATE_H
#define MERGESTATE_H

#include <stddef.h>
#include "diag.h"
#include "strbuf.h"

/* One version of a state file: its name for messages and its text. */
struct mstate_text {
	const char *name;
	const char *buf;
	size_t len;
};

/* The biggest .khora/base merge-state reads (EFBIG past it). */
#define MSTATE_MAX_BASE ((size_t)256 << 20)

/*
 * v[0] the common ancestor, v[1] ours, v[2] theirs: the merged text
 * is appended to out.  0, or -1 with a diagnostic (exit 7) and out
 * as it was.
 */
int mergestate_lock(const struct mstate_text v[3], struct strbuf *out,
		    struct diag *d);
int mergestate_base(const struct mstate_text v[3], struct strbuf *out,
		    struct diag *d);

#endif /* MERGESTATE_H */
