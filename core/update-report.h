/* SPDX-License-Identifier: MIT */
/*
 * update-report.h - what `khora update`, `add` and `remove` tell the
 * user (update-report.c): the plan or the result file by file, the
 * summary line, --diff's patch, the commands of new plugins, the files
 * remove leaves untracked, and the exit-6 message of a conflict.  All
 * of it reads a finished struct update (update.h); none of it writes
 * to the project.  struct update_opts, the three commands' options, is
 * here because the report follows them (cmd-update.c fills it).
 */
#ifndef UPDATE_REPORT_H
#define UPDATE_REPORT_H

#include <stdio.h>
#include "catalog.h"
#include "merge.h"

struct update;
struct pipeline;

struct update_opts {
	const char *cmd;		/* "update", "add" or "remove" */
	const char *dir;
	struct strlist features;	/* add: NAME or NAME=VALUE */
	struct strlist words;		/* add: the plain words given */
	struct strlist set;		/* --set NAME=VALUE: answers */
	const char *answers;		/* --answers FILE */
	const char *ref;		/* --ref REF: another version */
	int trust;			/* --trust: run migrations */
	int no_input;
	enum merge_favor favor;
	int pretend, diff, quiet, verbose, durable;
};

/* dir without its trailing slashes ("/" stays "/"); malloc'd. */
char *strip_slashes(const char *dir);
/* "DIR/name", or just "name" for the working directory; malloc'd. */
char *shown_path(const char *dir, const char *name);
/* The plan (--pretend) or the result, and --diff's patch on stdout. */
void report(const struct update_opts *o, const struct update *u,
	    const char *root);
/* --pretend: the commands of newly added plugins, one "run" line each. */
void print_commands(const struct pipeline *p, FILE *fp);
/* remove: what the user changed stays, untracked: say it aloud. */
void warn_orphans(const struct update *u, const char *root,
		  struct diag *d);
/* Exit 6 with what each kind of conflict left and how to resolve it;
 * returns -1. */
int conflict_error(const struct update_opts *o, const struct update *u,
		   struct diag *d);
/*
 * Exit 6 naming the files an earlier update left in conflict that are
 * still (u->still), for a run with no conflict of its own, or
 * --pretend; returns -1.
 */
int still_error(const struct update *u, const char *root, struct diag *d);

#endif /* UPDATE_REPORT_H */
