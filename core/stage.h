/* SPDX-License-Identifier: MIT */
/*
 * stage.h - the private staging directory a run writes into before it
 * commits (doc/design.md §1 phase 8).
 *
 * The staging directory is created next to the target, on the same file
 * system, as "<parent>/.khora-stage.<name>.<pid>.XXXXXX", so that the
 * commit is a rename and a stale one (left by SIGKILL or a power cut) is
 * recognisable: its pid is dead and no run holds the flock(2) that
 * stage_init() takes on it for the run's whole life (a pid alone may be
 * reused).  stage_init() removes such stale directories of the same
 * target when they are the running user's (never another user's, never
 * through a symlink).  Every file is created with openat()
 * + O_CREAT | O_EXCL | O_NOFOLLOW below the staging directory's fd.
 *
 * A struct stage owns its path strings and its directory fd.
 */
#ifndef STAGE_H
#define STAGE_H

#include <signal.h>
#include "diag.h"

struct action;

struct stage {
	char *parent;		/* directory that holds target and stage */
	char *base;		/* target's last component */
	char *dir;		/* full path of the staging directory */
	int dirfd;		/* open on dir, or -1 */
	char *last_parent;	/* cache: last directory known to exist */
	int durable;		/* fsync files and directories */
};

/* Set by the SIGINT/SIGTERM/SIGHUP handler while staging. */
extern volatile sig_atomic_t stage_interrupted;

/* Removes what stage_init() would: target's dead runs' staging dirs. */
void stage_remove_stale(const char *target, struct diag *d);
int stage_init(struct stage *s, const char *target, int durable,
	       struct diag *d);
int stage_write(struct stage *s, const struct action *a, struct diag *d);
/*
 * The bytes of one file action, its parents already made: 0, or -1 with
 * errno and no diagnostic (safe to call from several threads at once:
 * it reads s and writes nothing but the file).
 */
int stage_write_file(struct stage *s, const struct action *a);
/*
 * --durable: fsyncs every directory of the staging tree that holds one
 * of the nr actions (skipped ones aside), then the staging directory
 * itself.  0, or -1 with one EXIT_IO diagnostic.
 */
int stage_sync(struct stage *s, const struct action *v, size_t nr,
	       struct diag *d);
/*
 * Removes the staging directory and everything in it (with remove set)
 * and frees s.  A directory that cannot be removed is a warning: the
 * next run recognises it by its dead pid and removes it.
 */
void stage_release(struct stage *s, int remove, struct diag *d);

/* Deletes path (relative to dirfd) and everything below it. */
int remove_tree(int dirfd, const char *path);
/* mkdir -p of the directories of path (relative to dirfd). */
int make_parents(int dirfd, const char *path, char **cache);
void stage_catch_signals(int on);

#endif /* STAGE_H */
