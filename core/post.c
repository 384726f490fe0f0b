/* SPDX-License-Identifier: MIT */
/*
 * post.c - phase 10: the commands plugins declared (git init, ...), run
 * by the core in the committed project, with fork + execvp and an argv,
 * never a shell.  The project is complete before any of them runs, so a
 * failing command never undoes it: an optional command that fails (or
 * whose program is not installed) is a warning, any other an error.
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "khora-plugin.h"
#include "pipeline.h"
#include "strbuf.h"
#include "wrapper.h"

void
pipeline_add_command(struct pipeline *p, struct plugin_info *owner,
		     const char *const *argv, unsigned flags)
{
	struct command *c;
	size_t n = 0, i;

	while (argv[n])
		n++;
	ALLOC_GROW(p->cmds, p->nr_cmds, p->alloc_cmds);
	c = &p->cmds[p->nr_cmds++];
	c->argv = xcalloc(n + 1, sizeof(*c->argv));
	for (i = 0; i < n; i++)
		c->argv[i] = xstrdup(argv[i]);
	c->flags = flags;
	c->owner = owner;
}

static void
show(struct strbuf *sb, char **argv)
{
	for (; *argv; argv++)
		strbuf_addf(sb, "%s%s", sb->len ? " " : "", *argv);
}

/* Returns the exit status, 127 when the program cannot be run. */
static int
spawn(const char *dir, char **argv, int quiet)
{
	int status = 0, fd;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return 127;
	if (!pid) {
		if (chdir(dir))
			_exit(126);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			if (quiet) {
				dup2(fd, 1);
				dup2(fd, 2);
			} else {
				/* keep khora's stdout for its own report */
				dup2(2, 1);
			}
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int
pipeline_post(struct pipeline *p)
{
	struct strbuf sb = STRBUF_INIT;
	const struct plugin_info *skip = NULL;
	size_t i;
	int prev_failed = 0, rc;

	for (i = 0; i < p->nr_cmds; i++) {
		struct command *c = &p->cmds[i];

		if (c->owner == skip)
			continue;
		if ((c->flags & KHORA_CMD_FALLBACK) && !prev_failed)
			continue;
		strbuf_reset(&sb);
		show(&sb, c->argv);
		if (c->flags & KHORA_CMD_FALLBACK)
			diag_warn(p->d, NULL, "plugin '%s': the previous "
				  "command failed, running '%s' instead",
				  c->owner->name, sb.buf);
		rc = spawn(p->target, c->argv, c->flags & KHORA_CMD_QUIET);
		prev_failed = rc != 0;
		if (!rc)
			continue;
		if (rc == 127) {
			/* the program is missing: its later commands too */
			skip = c->owner;
			if (c->flags & KHORA_CMD_OPTIONAL) {
				diag_warn(p->d, NULL, "plugin '%s': cannot run "
					  "'%s': %s is not installed; the "
					  "project is complete without it",
					  c->owner->name, sb.buf, c->argv[0]);
				continue;
			}
		}
		if (i + 1 < p->nr_cmds &&
		    (p->cmds[i + 1].flags & KHORA_CMD_FALLBACK))
			continue;
		if (c->flags & KHORA_CMD_OPTIONAL) {
			diag_warn(p->d, NULL, "plugin '%s': '%s' failed (exit "
				  "code %d); the project is complete without "
				  "it", c->owner->name, sb.buf, rc);
			continue;
		}
		strbuf_release(&sb);
		return diag_error(p->d, EXIT_PLUGIN, NULL, "plugin '%s': '%s' "
				  "failed (exit code %d) after the project was "
				  "written", c->owner->name, sb.buf, rc);
	}
	strbuf_release(&sb);
	return 0;
}
