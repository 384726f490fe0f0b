/* SPDX-License-Identifier: MIT */
/*
 * spawn.h - running a program for the user: the commands plugins declare
 * (post.c) and a template's tasks and migrations (tasks.c).  fork and
 * execvp with an argv, never a shell; the child's working directory
 * is an fd (fchdir), never a name that may point elsewhere by then; its
 * environment follows a stated policy; khora waits for it.
 */
#ifndef SPAWN_H
#define SPAWN_H

struct strlist;

enum spawn_env {
	/* the user's environment as it is */
	SPAWN_ENV_USER,
	/*
	 * without git's variables that point at another repository,
	 * index or configuration (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE,
	 * GIT_CONFIG_KEY_n, ...: the list git clears for a submodule), so
	 * that a khora started from a git hook acts on the project
	 */
	SPAWN_ENV_PROJECT,
};

struct spawn_opts {
	int dirfd;		/* the child's working directory */
	int up;			/* 1: its parent instead (by "..", not name) */
	enum spawn_env env;
	/* git configuration pairs (key, value, ...) as GIT_CONFIG_COUNT/
	 * KEY_n/VALUE_n, or NULL */
	const struct strlist *git_config;
	int in;			/* stdin; -1: /dev/null */
	int out;		/* stdout; -1: khora's stderr, or quiet,
				 * /dev/null */
	int quiet;		/* stderr (and stdout when out is -1) to
				 * /dev/null */
	/* what runs, for --error-format=json ("task", "migration",
	 * "command"): the "source" of its output lines (outrelay.h) */
	const char *source;
	const char *plugin;	/* whose command it is, or NULL */
};

#define SPAWN_OPTS_INIT \
	{ -1, 0, SPAWN_ENV_PROJECT, NULL, -1, -1, 0, NULL, NULL }

/*
 * --error-format=json, said once by main: what a program would write to
 * khora's stderr (its stderr, and its stdout when out is -1) is relayed
 * as JSON lines instead (outrelay.h).
 */
void spawn_set_json(int on);

/*
 * Runs argv[0] (searched in PATH) with argv as o says, and waits.  The
 * wait status, as a shell reports it: the exit status (0-255), 128 + N
 * when a signal N ended it; SPAWN_CANNOT_RUN, with errno set, when the
 * program could not be started (fork, the directory, exec: ENOENT when
 * it is not found), so that a program's own exit status 126 or 127 is
 * never taken for a missing one.  khora's stdout and stderr are flushed
 * first.
 */
#define SPAWN_CANNOT_RUN 256

int spawn_run(char *const *argv, const struct spawn_opts *o);

#endif /* SPAWN_H */
