/* SPDX-License-Identifier: MIT */
/*
 * tasks.h - the commands a template asks to run (khora-template(5),
 * TASKS AND MIGRATIONS): tasks: after `khora new` committed the
 * project, migrations: around the merge of `khora update --ref` when it
 * crosses their version.
 *
 * A command is an argv list, never a string for a shell: an answer in
 * it stays one argument whatever it holds, and what runs is exactly
 * what the trust message listed.  Nothing runs unless the user trusts
 * the template: --trust on the command line, or its source starting
 * with one of the trusted: prefixes of the user's config.yaml.  Without
 * trust the run stops before anything is written, naming every command.
 *
 * A struct task_list borrows its strings from the manifest tree.
 */
#ifndef TASKS_H
#define TASKS_H

#include "config.h"
#include "diag.h"
#include "tmpldir.h"

struct task_list {
	const char ***argv;		/* each NULL-terminated */
	const struct ynode **node;	/* where it is written */
	size_t nr, alloc;
};

/* tasks: whose when: holds, in order; -1 (exit 3) when malformed. */
int tasks_collect(struct tmpldir *t, struct task_list *out,
		  struct diag *d);
/*
 * The before: and after: commands of the migrations: whose version v
 * is crossed going up, from < v <= to (PEP 440), in version order.
 * Nothing when from or to is no version.  -1 (exit 3) when malformed.
 */
int tasks_migrations(struct tmpldir *t, const char *from, const char *to,
		     struct task_list *before, struct task_list *after,
		     struct diag *d);
/*
 * 0 when nothing is to run or it is trusted (trust: --trust given;
 * source: the template as given, matched against the trusted: prefixes
 * of cfg's user config); else -1 with the one-line error (exit 5) that
 * lists the commands of a and b (either may be NULL).
 */
int tasks_trusted(const struct task_list *a, const struct task_list *b,
		  const char *source, int trust, const struct config *cfg,
		  struct diag *d);
/*
 * Runs each command in the directory dirfd (spawn_run(), git's
 * repository-selecting variables cleared), stdin from /dev/null, its
 * output on khora's stderr; the first
 * that fails (or cannot run) stops the list with an error (exit 5)
 * naming it, its exit status and what: "after the project was written"
 * or "before the update: nothing was written".
 */
int tasks_run(const struct task_list *l, int dirfd, const char *kind,
	      const char *what, struct diag *d);
/* --pretend: one "  LABEL: COMMAND" line per command, on one line each
 * (controls escaped). */
void tasks_print(const struct task_list *l, const char *label, FILE *fp);
void task_list_release(struct task_list *l);

#endif /* TASKS_H */
