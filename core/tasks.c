/* SPDX-License-Identifier: MIT */
/*
 * tasks.c - a template's tasks and migrations (see tasks.h): reading
 * them from the manifest, the trust check that comes before anything is
 * written, and running them with spawn_run() in the project.
 */
#include "compat.h"
#include <fcntl.h>
#include <unistd.h>
#include "catalog.h"
#include "path.h"
#include "spawn.h"
#include "strbuf.h"
#include "tasks.h"
#include "tmplsrc.h"
#include "wrapper.h"

#define MAX_TASKS 1000
#define MAX_ARGS 1000

#define terr(d, n, ...) ynode_error(d, EXIT_CONFIG, n, __VA_ARGS__)

/* One command: a list of non-empty strings, pushed onto out. */
static int
add_command(const struct ynode *n, const char *where, struct task_list *out,
	    struct diag *d)
{
	const char **argv;
	size_t i;

	if (n->kind != Y_SEQ || !n->nr || n->nr > MAX_ARGS)
		return terr(d, n, "a command of '%s' must be a list of "
			    "arguments (a string would need a shell), e.g. "
			    "[make, setup]", where);
	for (i = 0; i < n->nr; i++)
		if (n->vals[i]->kind != Y_SCALAR || !*n->vals[i]->str)
			return terr(d, n->vals[i], "an argument of a "
				    "command of '%s' must be a non-empty "
				    "string", where);
	if (out->nr >= MAX_TASKS)
		return terr(d, n, "too many commands (at most %d)", MAX_TASKS);
	argv = xcalloc(n->nr + 1, sizeof(*argv));
	for (i = 0; i < n->nr; i++)
		argv[i] = n->vals[i]->str;
	ALLOC_GROW(out->argv, out->nr, out->alloc);
	out->node = xrealloc(out->node, out->alloc * sizeof(*out->node));
	out->argv[out->nr] = argv;
	out->node[out->nr++] = n;
	return 0;
}

int
tasks_collect(struct tmpldir *t, struct task_list *out, struct diag *d)
{
	const struct ynode *l = ymap_get(t->tree, "tasks");
	size_t i;
	int ret;

	if (!l)
		return 0;
	if (l->kind != Y_SEQ)
		return terr(d, l, "'tasks' must be a list of commands");
	for (i = 0; i < l->nr; i++) {
		const struct ynode *n = l->vals[i], *cmd = n, *when = NULL;

		if (n->kind == Y_MAP) {
			size_t k;

			for (k = 0; k < n->nr; k++)
				if (strcmp(n->keys[k]->str, "command") &&
				    strcmp(n->keys[k]->str, "when"))
					return terr(d, n->keys[k], "unknown "
						    "key '%s' in a task "
						    "(command, when)",
						    n->keys[k]->str);
			cmd = ymap_get(n, "command");
			when = ymap_get(n, "when");
			if (!cmd)
				return terr(d, n, "a task needs 'command:'");
			if (when && when->kind != Y_SCALAR)
				return terr(d, when, "'when' must be a "
					    "condition");
		}
		ret = when ? tmpldir_when(t, when, d) : 1;
		if (ret < 0)
			return -1;
		if (!ret) {
			/* still checked: a typo shows before it matters */
			struct task_list skip = { NULL, NULL, 0, 0 };

			ret = add_command(cmd, "tasks", &skip, d);

			task_list_release(&skip);
			if (ret)
				return -1;
			continue;
		}
		if (add_command(cmd, "tasks", out, d))
			return -1;
	}
	return 0;
}

static int
add_commands(const struct ynode *l, const char *where,
	     struct task_list *out, struct diag *d)
{
	size_t i;

	if (!l)
		return 0;
	if (l->kind != Y_SEQ)
		return terr(d, l, "'%s' must be a list of commands", where);
	for (i = 0; i < l->nr; i++)
		if (add_command(l->vals[i], where, out, d))
			return -1;
	return 0;
}

int
tasks_migrations(struct tmpldir *t, const char *from, const char *to,
		 struct task_list *before, struct task_list *after,
		 struct diag *d)
{
	const struct ynode *l = ymap_get(t->tree, "migrations");
	const struct ynode **v;
	size_t i, j, n = 0;
	int ret = 0;

	if (!l)
		return 0;
	if (l->kind != Y_SEQ)
		return terr(d, l, "'migrations' must be a list of {version, "
			    "before, after}");
	v = xcalloc(l->nr + 1, sizeof(*v));
	for (i = 0; i < l->nr && !ret; i++) {
		const struct ynode *m = l->vals[i], *ver;

		if (m->kind != Y_MAP) {
			ret = terr(d, m, "a migration must be a mapping "
				   "{version, before, after}");
			break;
		}
		for (j = 0; j < m->nr && !ret; j++)
			if (strcmp(m->keys[j]->str, "version") &&
			    strcmp(m->keys[j]->str, "before") &&
			    strcmp(m->keys[j]->str, "after"))
				ret = terr(d, m->keys[j], "unknown key '%s' in "
					   "a migration (version, before, "
					   "after)", m->keys[j]->str);
		ver = ymap_get(m, "version");
		if (!ret && (!ver || ver->kind != Y_SCALAR ||
			     !tmplsrc_is_version(ver->str)))
			ret = terr(d, ver ? ver : m, "a migration needs a "
				   "'version:' in PEP 440 form (e.g. \"2.0\")");
		if (!ret && from && to && tmplsrc_is_version(from) &&
		    tmplsrc_is_version(to) &&
		    tmplsrc_version_cmp(from, ver->str) < 0 &&
		    tmplsrc_version_cmp(ver->str, to) <= 0) {
			/* insertion: migrations run in version order */
			for (j = n; j > 0 && tmplsrc_version_cmp(
				     ymap_get(v[j - 1], "version")->str,
				     ver->str) > 0; j--)
				v[j] = v[j - 1];
			v[j] = m;
			n++;
		}
	}
	for (i = 0; i < n && !ret; i++)
		ret = add_commands(ymap_get(v[i], "before"), "before", before,
				   d) ||
			add_commands(ymap_get(v[i], "after"), "after", after,
				     d) ? -1 : 0;
	free(v);
	return ret;
}

static void
show(struct strbuf *sb, const char *const *argv)
{
	for (; *argv; argv++) {
		if (strpbrk(*argv, " \t'\"\\") || !**argv) {
			diag_add_one_line(sb, "'");
			diag_add_one_line(sb, *argv);
			diag_add_one_line(sb, "'");
		} else {
			diag_add_one_line(sb, *argv);
		}
		if (argv[1])
			strbuf_addch(sb, ' ');
	}
}

static void
show_all(struct strbuf *sb, const struct task_list *l)
{
	size_t i;

	for (i = 0; l && i < l->nr; i++) {
		strbuf_addstr(sb, sb->len ? ", [" : "[");
		show(sb, l->argv[i]);
		strbuf_addch(sb, ']');
	}
}

void
tasks_print(const struct task_list *l, const char *label, FILE *fp)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < l->nr; i++) {
		strbuf_reset(&sb);
		show(&sb, l->argv[i]);
		fprintf(fp, "  %s: %s\n", label, sb.buf);
	}
	strbuf_release(&sb);
}

/*
 * Is s the prefix p itself or below it?  The match must end at a path
 * or URL boundary: trusted: [https://github.com/acme] covers
 * .../acme/x, never .../acme-evil/x (a project names its own source).
 */
static int
under_prefix(const char *s, const char *p)
{
	size_t n = strlen(p);

	if (strncmp(s, p, n))
		return 0;
	return p[n - 1] == '/' || p[n - 1] == ':' || s[n] == '/' ||
	       s[n] == '\0';
}

/* Is source under one of the user's trusted: prefixes? */
static int
listed(const char *source, const struct config *cfg)
{
	const struct ynode *l = cfg->user_tree ?
		ymap_get(cfg->user_tree, "trusted") : NULL;
	int git = tmplsrc_is_git(source);
	/* a directory by where it is, not by how it was spelt */
	char *abs = git ? xstrdup(source) : path_absolute(source);
	size_t i;
	int yes = 0;

	/* gh:acme/../evil, %2e%2e: a URL that leaves its prefix's path
	 * once git or the server resolves it */
	if (!abs || (git && (strstr(source, "..") || strchr(source, '%') ||
			     strchr(source, '\\'))))
		l = NULL;
	for (i = 0; l && l->kind == Y_SEQ && i < l->nr && !yes; i++) {
		const char *p = l->vals[i]->str;

		if (l->vals[i]->kind != Y_SCALAR || !*p)
			continue;
		yes = under_prefix(abs, p);
	}
	free(abs);
	return yes;
}

int
tasks_trusted(const struct task_list *a, const struct task_list *b,
	      const char *source, int trust, const struct config *cfg,
	      struct diag *d)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = (a ? a->nr : 0) + (b ? b->nr : 0);
	int ret;

	if (!n || trust || listed(source, cfg))
		return 0;
	show_all(&sb, a);
	show_all(&sb, b);
	ret = diag_error(d, EXIT_TEMPLATE, NULL, "template '%s' wants to run "
			 "%zu command%s: %s; nothing was written: run again "
			 "with --trust to allow %s (or list the source under "
			 "'trusted:' in ~/.config/khora/config.yaml)", source,
			 n, n == 1 ? "" : "s", sb.buf, n == 1 ? "it" : "them");
	strbuf_release(&sb);
	return ret;
}

int
tasks_run(const struct task_list *l, int dirfd, const char *kind,
	  const char *what, struct diag *d)
{
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int rc, err, ret = 0;

	/* in the project by fd: a task that renames the project (or puts
	 * a symlink in its place) does not send the next one elsewhere */
	o.dirfd = dirfd;
	o.source = kind;
	for (i = 0; i < l->nr && !ret; i++) {
		rc = spawn_run((char *const *)l->argv[i], &o);
		if (!rc)
			continue;
		err = errno;
		strbuf_reset(&sb);
		show(&sb, l->argv[i]);
		if (rc == SPAWN_CANNOT_RUN && err == ENOENT)
			ret = diag_error(d, EXIT_TEMPLATE, NULL, "%s [%s] "
					 "cannot run ('%s' not found) %s", kind,
					 sb.buf, l->argv[i][0], what);
		else if (rc == SPAWN_CANNOT_RUN)
			ret = diag_error(d, EXIT_TEMPLATE, NULL, "%s [%s] "
					 "cannot run ('%s': %s) %s", kind,
					 sb.buf, l->argv[i][0], strerror(err),
					 what);
		else
			ret = diag_error(d, EXIT_TEMPLATE, NULL, "%s [%s] "
					 "failed (exit status %d) %s", kind,
					 sb.buf, rc, what);
	}
	strbuf_release(&sb);
	return ret;
}

void
task_list_release(struct task_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->argv[i]);
	free(l->argv);
	free(l->node);
	memset(l, 0, sizeof(*l));
}
