/* SPDX-License-Identifier: MIT */
/*
 * recover.h - what a --force run or an update killed half-way left in a
 * project: its backup directory ".khora-backup.<pid>.XXXXXX" and the
 * journal in it (commit.c writes both), and how the next run undoes it.
 *
 * Everything found there is input that may have been planted.  A backup
 * directory is acted on only when it and its journal are the running
 * user's, writable by no one else, free of symlinks and of anything the
 * journal does not name, and when no live run holds the flock(2) its
 * writer takes on the directory for its whole run (a pid is never
 * trusted: it may have been reused).  Every journal line is parsed and
 * every path checked (path_check(), then resolved below the project
 * without following a symlink) before the first step is undone.  When
 * anything is wrong, every backup is kept and one error (exit 7) says
 * where they are and how to finish by hand.
 */
#ifndef RECOVER_H
#define RECOVER_H

#include "diag.h"

struct strlist;

/* The journal's name inside a backup directory, and the prefix of a
 * backup directory's name in the project root. */
#define RECOVER_JOURNAL "journal"
#define RECOVER_PREFIX ".khora-backup."

/*
 * Scans the project open at rootfd (root names it in messages).  With
 * apply, undoes (or finishes cleaning up after) every dead run's backup
 * directory: 0, or -1 with an error when one cannot be proven safe.
 * Without apply, writes nothing: each pending recovery is a warning and
 * its directory's name is pushed on pending (when not NULL); returns the
 * number pending.  A backup directory whose run is alive is left alone.
 */
int recover_scan(int rootfd, const char *root, int apply,
		 struct strlist *pending, struct diag *d);

#endif /* RECOVER_H */
