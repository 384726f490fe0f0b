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
#include <sys/stat.h>
#include <unistd.h>
#include "catalog.h"
#include "khora-plugin.h"
#include "confine.h"
#include "pipeline.h"
#include "spawn.h"
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

/*
 * spawn_run() in the committed project (its parent when up), with
 * git's repository-selecting variables cleared (spawn.h) and config,
 * when not NULL, as git configuration for the child; plugin names
 * the command's owner in --error-format=json output lines.  in and out are
 * the child's stdin and stdout (-1: /dev/null, and stdout to khora's
 * stderr or, quiet, to /dev/null).  The exit status; SPAWN_CANNOT_RUN
 * when the program cannot be run.
 */
static int
spawn(int dirfd, int up, char **argv, int quiet, int in, int out,
      const struct strlist *config, const char *plugin)
{
	struct spawn_opts o = SPAWN_OPTS_INIT;

	o.dirfd = dirfd;
	o.up = up;
	o.git_config = config;
	o.in = in;
	o.out = out;
	o.quiet = quiet;
	o.source = "command";
	o.plugin = plugin;
	return spawn_run(argv, &o);
}

/*
 * KHORA_CMD_PATHS: every file khora generated, project-relative, each
 * followed by a NUL, in an unlinked temporary file (no argv limit, and
 * no pipe whose reader may exit early).  Returns its descriptor.
 */
static int
paths_file(const struct pipeline *p)
{
	FILE *fp = tmpfile();
	struct stat st;
	size_t i;
	int fd, tfd = p->post_fd;

	if (!fp)
		return -1;
	for (i = 0; i < p->nr; i++) {
		const struct action *a = &p->actions[i];

		/* update: a generated file the user deleted stays deleted */
		if (a->kind == A_DIR || a->conflict ||
		    confine_lstat(tfd, a->path, &st))
			continue;
		fwrite(a->path, 1, strlen(a->path) + 1, fp);
	}
	if (fflush(fp) || ferror(fp) || lseek(fileno(fp), 0, SEEK_SET)) {
		fclose(fp);
		return -1;
	}
	fd = dup(fileno(fp));
	fclose(fp);
	return fd;
}

/*
 * KHORA_CMD_NESTED_CHECK: runs the check in the directory that holds
 * the project; 1 when it succeeded (the enclosing project, its first
 * output line, in *said), 0 when it failed, SPAWN_CANNOT_RUN when the
 * program is missing.
 */
static int
check_nested(const struct pipeline *p, struct command *c,
	     struct strbuf *said)
{
	FILE *fp = tmpfile();
	char buf[1024];
	int rc;

	/* from the directory that holds the project */
	rc = spawn(p->post_fd, 1, c->argv, 1, -1, fp ? fileno(fp) : -1,
		   NULL, c->owner->name);
	if (fp && !rc) {
		rewind(fp);
		if (fgets(buf, sizeof(buf), fp))
			strbuf_add(said, buf, strcspn(buf, "\n"));
	}
	if (fp)
		fclose(fp);
	return rc == SPAWN_CANNOT_RUN ? SPAWN_CANNOT_RUN : !rc;
}

/*
 * KHORA_CMD_NO_FILTERS: every filter driver git's configuration defines
 * (the user's, the system's, the project's own for --force), as
 * configuration that turns each one off: a .gitattributes a template
 * ships ("* filter=evil") then selects nothing git would run.  An
 * attribute naming a driver no configuration defines runs nothing.
 */
static int
no_filters(struct pipeline *p, struct strlist *kv)
{
	static const char *const keys[] = {
		"clean", "", "smudge", "", "process", "", "required", "false",
	};
	char a0[] = "git", a1[] = "config", a2[] = "-z";
	char a3[] = "--name-only", a4[] = "--get-regexp";
	char a5[] = "^filter\\.";
	char *argv[] = { a0, a1, a2, a3, a4, a5, NULL };
	struct strlist seen = { NULL, 0, 0 };
	struct strbuf sb = STRBUF_INIT, key = STRBUF_INIT;
	struct strbuf item = STRBUF_INIT;
	FILE *fp = tmpfile();
	char buf[4096];
	size_t i, k, n;
	int rc;

	if (!fp)
		return -1;
	rc = spawn(p->post_fd, 0, argv, 1, -1, fileno(fp), NULL, NULL);
	/* 1: no filter defined */
	if ((rc && rc != 1) || fseek(fp, 0, SEEK_SET)) {
		fclose(fp);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(&sb, buf, n);
	if (ferror(fp)) {
		fclose(fp);
		strbuf_release(&sb);
		return -1;
	}
	fclose(fp);
	for (i = 0; i < sb.len; i += strlen(sb.buf + i) + 1) {
		const char *name = sb.buf + i + strlen("filter.");
		const char *dot = strrchr(sb.buf + i, '.');

		if (!starts_with(sb.buf + i, "filter.") || dot < name)
			continue;
		strbuf_reset(&key);
		strbuf_add(&key, name, (size_t)(dot - name));
		if (strlist_has(&seen, key.buf))
			continue;
		strlist_push(&seen, key.buf);
		for (k = 0; k < ARRAY_SIZE(keys); k += 2) {
			strbuf_reset(&item);
			strbuf_addf(&item, "filter.%s.%s", key.buf, keys[k]);
			strlist_push(kv, item.buf);
			strlist_push(kv, keys[k + 1]);
		}
	}
	strlist_clear(&seen);
	strbuf_release(&key);
	strbuf_release(&item);
	strbuf_release(&sb);
	return 0;
}

static int
run_one(struct pipeline *p, struct command *c)
{
	struct strlist kv = { NULL, 0, 0 };
	int in = -1, rc;

	if ((c->flags & KHORA_CMD_NO_FILTERS) && no_filters(p, &kv)) {
		strlist_clear(&kv);
		return 126;
	}
	if ((c->flags & KHORA_CMD_PATHS) && (in = paths_file(p)) < 0) {
		strlist_clear(&kv);
		return 126;
	}
	rc = spawn(p->post_fd, 0, c->argv, c->flags & KHORA_CMD_QUIET, in,
		   -1, (c->flags & KHORA_CMD_NO_FILTERS) ? &kv : NULL,
		   c->owner->name);
	if (in >= 0)
		close(in);
	strlist_clear(&kv);
	return rc;
}

/* Whether a FALLBACK follows command i, after its guards. */
static int
rescued(const struct pipeline *p, size_t i)
{
	while (++i < p->nr_cmds && (p->cmds[i].flags & KHORA_CMD_GUARD))
		;
	return i < p->nr_cmds && (p->cmds[i].flags & KHORA_CMD_FALLBACK);
}

/* Command c failed with rc, and nothing rescues it: stop its plugin. */
static int
failed(struct pipeline *p, const struct command *c, int rc,
       const struct plugin_info **skip)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = 0;

	show(&sb, c->argv);
	*skip = c->owner;
	if (rc == SPAWN_CANNOT_RUN && !(c->flags & KHORA_CMD_OPTIONAL))
		rc = 127;	/* as a shell says it */
	if (rc == SPAWN_CANNOT_RUN && (c->flags & KHORA_CMD_OPTIONAL))
		diag_warn(p->d, NULL, "plugin '%s': cannot run '%s': %s is "
			  "not installed; the project is complete without "
			  "it", c->owner->name, sb.buf, c->argv[0]);
	else if (c->flags & KHORA_CMD_OPTIONAL)
		diag_warn(p->d, NULL, "plugin '%s': '%s' failed (exit code "
			  "%d), its later commands were not run; the project "
			  "is complete without them", c->owner->name, sb.buf,
			  rc);
	else
		/* sb stays alive until the message is made (issue 15) */
		ret = diag_error(p->d, EXIT_PLUGIN, NULL, "plugin '%s': '%s' "
				 "failed (exit code %d) after the project was "
				 "written", c->owner->name, sb.buf, rc);
	strbuf_release(&sb);
	return ret;
}

/*
 * A plugin's commands are a chain: the first one that fails (and is
 * not rescued by a KHORA_CMD_FALLBACK right after it) stops the
 * plugin's later commands, so that, say, no commit follows a failed
 * "git init" (which would commit into whatever repository encloses the
 * project).  Guards between a failed command and its FALLBACK say
 * whether the failure is the one the FALLBACK is for (a commit without
 * an identity): when every guard succeeds, the failure stands.
 */
int
pipeline_post(struct pipeline *p)
{
	struct strbuf sb = STRBUF_INIT, said = STRBUF_INIT;
	const struct plugin_info *skip = NULL;
	const struct command *last = NULL;
	size_t i;
	int prev_failed = 0, last_rc = 0, guards = 0, guards_failed = 0;
	int rc, ret = 0;

	/* update with nothing to write: no commit handed over a fd */
	if (p->nr_cmds && p->post_fd < 0 &&
	    (p->post_fd = open(p->target, O_RDONLY | O_DIRECTORY |
			       O_NOFOLLOW | O_CLOEXEC)) < 0) {
		struct diag_loc loc = { p->target, 0, 0 };

		return diag_error(p->d, EXIT_IO, &loc, "cannot open the "
				  "project: %s", strerror(errno));
	}
	for (i = 0; i < p->nr_cmds && !ret; i++) {
		struct command *c = &p->cmds[i];

		if (c->owner == skip)
			continue;
		if ((c->flags & (KHORA_CMD_FALLBACK | KHORA_CMD_GUARD)) &&
		    !prev_failed)
			continue;
		if (c->flags & KHORA_CMD_GUARD) {
			guards++;
			if (run_one(p, c))
				guards_failed++;
			continue;
		}
		if ((c->flags & KHORA_CMD_FALLBACK) && guards &&
		    !guards_failed) {
			ret = failed(p, last, last_rc, &skip);
			continue;
		}
		guards = guards_failed = 0;
		strbuf_reset(&sb);
		show(&sb, c->argv);
		if (c->flags & KHORA_CMD_NESTED_CHECK) {
			strbuf_reset(&said);
			rc = check_nested(p, c, &said);
			prev_failed = 0;
			if (rc == 1) {
				skip = c->owner;
				diag_warn(p->d, NULL, "plugin '%s': the "
					  "project is inside '%s': its "
					  "commands were not run "
					  "(plugins_config.%s.nested: true "
					  "runs them)", c->owner->name,
					  said.buf, c->owner->name);
				continue;
			}
			if (rc != SPAWN_CANNOT_RUN)
				continue;
		} else {
			if (c->flags & KHORA_CMD_FALLBACK)
				diag_warn(p->d, NULL, "plugin '%s': the "
					  "previous command failed, running "
					  "'%s' instead", c->owner->name,
					  sb.buf);
			rc = run_one(p, c);
			prev_failed = rc != 0;
			if (!rc)
				continue;
		}
		/* a missing program: its later commands cannot run either */
		if (rc != SPAWN_CANNOT_RUN && rescued(p, i)) {
			last = c;
			last_rc = rc;
			continue;
		}
		ret = failed(p, c, rc, &skip);
	}
	strbuf_release(&sb);
	strbuf_release(&said);
	return ret;
}
