/* SPDX-License-Identifier: MIT */
/*
 * cmd-new.c - `khora new DIR`: the whole pipeline of doc/design.md §1, in
 * order, with its timing.  --pretend runs the very same code up to the
 * render and prints the plan instead of staging it.
 */
#include "compat.h"
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "progress.h"
#include "tasks.h"
#include "generate.h"
#include "khora-plugin.h"
#include "pipeline.h"
#include "project.h"
#include "strbuf.h"
#include "wrapper.h"

struct new_opts {
	const char *target;
	struct gen_opts gen;
	int pretend, force, profile, quiet, verbose, durable;
	int in_place;			/* the target is the current dir */
};

static void
push(const char ***v, size_t *nr, const char *val)
{
	*v = xrealloc((void *)*v, (*nr + 1) * sizeof(**v));
	(*v)[(*nr)++] = val;
}

/* --with a,b=c splits on commas into one entry per feature. */
static void
push_list(const char ***v, size_t *nr, char *val, struct strlist *keep)
{
	char *save = NULL, *tok;

	strlist_push(keep, val);
	for (tok = strtok_r(keep->v[keep->nr - 1], ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (*tok)
			push(v, nr, tok);
}

/* --plugin-timeout SECONDS: a whole number, 1 to one day. */
static int
parse_timeout(const char *v, unsigned *out, struct diag *d)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 1 || n > 86400)
		return cli_usage_error(d, "new", "invalid --plugin-timeout "
				       "'%s': expected whole seconds from 1 "
				       "to 86400", v);
	*out = (unsigned)n;
	return 1;
}

static int
parse_args(int argc, char **argv, struct new_opts *o, struct strlist *keep,
	   struct diag *d)
{
	int i, r;
	const char *v;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if ((r = cli_opt(argc, argv, &i, "--config", 'c',
				 &o->gen.config, d)))
			;
		else if ((r = cli_opt(argc, argv, &i, "--with", 0, &v, d)) > 0)
			push_list(&o->gen.ov.with, &o->gen.ov.nr_with,
				  (char *)v, keep);
		else if (!r && (r = cli_opt(argc, argv, &i, "--without", 0, &v,
					    d)) > 0)
			push_list(&o->gen.ov.without, &o->gen.ov.nr_without,
				  (char *)v, keep);
		else if (!r && (r = cli_opt(argc, argv, &i, "--set", 0, &v,
					    d)) > 0)
			push(&o->gen.ov.set, &o->gen.ov.nr_set, v);
		else if (!r && (r = cli_opt(argc, argv, &i, "--env", 0,
					    &o->gen.ov.env, d)))
			;
		else if (!r && (r = cli_opt(argc, argv, &i, "--template", 't',
					    &o->gen.template, d)))
			;
		else if (!r && (r = cli_opt(argc, argv, &i, "--answers", 0,
					    &o->gen.answers, d)))
			;
		else if (!r && (r = cli_opt(argc, argv, &i, "--plugin-timeout",
					    0, &v, d)) > 0)
			r = parse_timeout(v, &o->gen.plugin_timeout, d);
		else if (!r && (r = cli_opt(argc, argv, &i, "--template-dir",
					    0, &o->gen.template_dir, d)))
			;
		else if (!r && (r = cli_opt(argc, argv, &i, "--ref", 0,
					    &o->gen.ref, d)))
			;
		else if (!r && cli_flag(a, "--trust", 0))
			o->gen.trust = r = 1;
		else if (!r && cli_flag(a, "--no-input", 0))
			o->gen.no_input = r = 1;
		else if (!r && cli_flag(a, "--pretend", 'n'))
			o->pretend = r = 1;
		else if (!r && cli_flag(a, "--force", 'f'))
			o->force = r = 1;
		else if (!r && cli_flag(a, "--profile", 0))
			o->profile = r = 1;
		else if (!r && cli_flag(a, "--durable", 0))
			o->durable = r = 1;
		else if (!r && cli_flag(a, "--quiet", 'q'))
			o->quiet = r = 1;
		else if (!r && cli_flag(a, "--verbose", 'v'))
			o->verbose = r = 1;
		else if (!r && !strcmp(a, "--error-format=json"))
			d->json = r = 1;
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (a[0] == '-' && a[1])
			return cli_usage_error(d, "new", "unknown option '%s'",
					       a);
		if (o->target)
			return cli_usage_error(d, "new", "more than one target "
					       "directory ('%s', '%s')",
					       o->target, a);
		o->target = a;
	}
	if (!o->target)
		return cli_usage_error(d, "new", "missing target directory");
	if (!*o->target)
		return cli_usage_error(d, "new", "the target directory is an "
				       "empty string");
	return 0;
}

static const char *
kind_name(const struct action *a)
{
	static const char *const names[] = {
		"file", "file", "dir", "symlink", "file"
	};

	return names[a->kind];
}

static void
print_plan(const struct pipeline *p)
{
	size_t i;

	printf("plan for '%s' (--pretend: nothing written)\n", p->target);
	printf("%-7s %4s %8s  %-10s %s\n", "action", "mode", "bytes",
	       "plugin", "path");
	for (i = 0; i < p->nr; i++) {
		const struct action *a = &p->actions[i];

		/* the template in effect shows where an override applies */
		printf("%-7s %04o %8zu  %-10s %s%s%s%s%s\n", kind_name(a),
		       a->mode, a->len, a->owner ? a->owner->name : "khora",
		       a->path, a->kind == A_SYMLINK ? " -> " : "",
		       a->kind == A_SYMLINK ? a->text : "",
		       a->tmpl_shown ? "  <- " : "",
		       a->tmpl_shown ? a->tmpl_shown : "");
	}
	for (i = 0; i < p->nr_cmds; i++) {
		char **v;

		printf("%-7s %4s %8s  %-10s", "run", "-", "-",
		       p->cmds[i].owner->name);
		for (v = p->cmds[i].argv; *v; v++)
			printf(" %s", *v);
		printf("%s\n", p->cmds[i].flags & KHORA_CMD_FALLBACK ?
		       "  (if the previous fails)" : "");
	}
}

static int
use_colour(int fd)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(fd) && !(nc && *nc);
}

/* The widest plugin name, for columns that stay aligned. */
static int
name_width(const struct pipeline *p, int min)
{
	size_t i;
	int w = min;

	for (i = 0; i < p->nr_active; i++)
		if ((int)strlen(p->active[i]->name) > w)
			w = (int)strlen(p->active[i]->name);
	return w > 64 ? 64 : w;
}

/*
 * What to type next, from what was generated: pytest only where a
 * plugin wrote tests to run, the README only when one was written.
 */
static void
print_next(const struct pipeline *p)
{
	const char *readme = NULL;
	int tests = 0;
	size_t i;

	for (i = 0; i < p->nr; i++) {
		const struct action *a = &p->actions[i];
		const char *base = strrchr(a->path, '/');

		base = base ? base + 1 : a->path;
		if (a->kind == A_DIR || a->kind == A_SYMLINK)
			continue;
		if (!readme && !strchr(a->path, '/') &&
		    starts_with(a->path, "README"))
			readme = a->path;
		/* a plugin's tests: a template's own (no Python plugin
		 * may be active) are its README's business */
		tests |= starts_with(base, "test_") && strlen(base) > 3 &&
			!strcmp(base + strlen(base) - 3, ".py") &&
			a->owner && !a->owner->is_template;
	}
	printf("next:\n  cd %s%s\n", p->target, tests ?
	       " && python3 -m pytest" : "");
	if (readme)
		printf("  (%s says what was generated and how to run it)\n",
		       readme);
}

/*
 * What a user wants to see after `new`: how much, from which plugins,
 * and what to type next (-v adds every file, -q prints nothing).
 */
static void
print_report(const struct pipeline *p, const struct new_opts *o)
{
	const char *on = use_colour(1) ? "\033[1;32m" : "";
	const char *off = *on ? "\033[0m" : "";
	size_t i, j, files = 0, bytes = 0;
	int w = name_width(p, 18);

	if (o->quiet)
		return;
	for (i = 0; i < p->nr; i++) {
		const struct action *a = &p->actions[i];

		if (a->kind == A_DIR)
			continue;
		files++;
		bytes += a->len;
		if (o->verbose)
			printf("  create  %-12s %s/%s\n", a->owner ?
			       a->owner->name : "khora", p->target, a->path);
	}
	printf("%screated%s '%s': %zu files, %zu bytes\n", on, off,
	       p->target, files, bytes);
	for (i = 0; i < p->nr_active; i++) {
		const struct plugin_info *pi = p->active[i];
		size_t n = 0;

		for (j = 0; j < p->nr; j++)
			if (p->actions[j].owner == pi &&
			    p->actions[j].kind != A_DIR)
				n++;
		printf("  %-*s %-8s %3zu file%s\n", w, pi->name, pi->version,
		       n, n == 1 ? "" : "s");
	}
	for (i = 0, j = 0; i < p->nr; i++)
		if (p->actions[i].owner && p->actions[i].owner->is_template &&
		    p->actions[i].kind != A_DIR)
			j++;
	if (j)
		printf("  %-*s %-8s %3zu file%s\n", w, "template", "-", j,
		       j == 1 ? "" : "s");
	/* khora.yaml, .khora/lock and .khora/base: what update needs */
	for (i = 0, j = 0; i < p->nr; i++)
		j += !p->actions[i].owner;
	if (j)
		printf("  %-*s %-8s %3zu file%s (for khora update)\n", w,
		       "khora", KHORA_VERSION, j, j == 1 ? "" : "s");
	if (p->trash[0])
		printf("kept the files it replaced in %s/%s (see "
		       "khora-update(7))\n", p->target, p->trash);
	print_next(p);
}

/* The per-plugin lines, made before the plugins are released. */
static void
profile_plugins(const struct pipeline *p, struct strbuf *out)
{
	size_t i;
	int w = name_width(p, 12);

	/* a long name widens the column rather than push its row */
	for (i = 0; i < p->nr_active; i++)
		strbuf_addf(out, "plugin %-*s plan %8.3f ms\n", w,
			    p->active[i]->name, p->active[i]->plan_ms);
}

static void
print_profile(const struct profile *pr, double total, const char *plugins)
{
	double sum = 0;
	size_t i;

	fprintf(stderr, "%-10s %9s %6s\n", "phase", "ms", "%");
	for (i = 0; i < PH__COUNT; i++) {
		sum += pr->ms[i];
		fprintf(stderr, "%-10s %9.3f %5.1f%%\n", phase_name(i),
			pr->ms[i], total > 0 ? 100 * pr->ms[i] / total : 0);
	}
	fprintf(stderr, "%-10s %9.3f %5.1f%%\n", "other", total - sum,
		total > 0 ? 100 * (total - sum) / total : 0);
	fprintf(stderr, "%-10s %9.3f\n", "total", total);
	fputs(plugins, stderr);
	fprintf(stderr, "plugins catalogued %u, loaded %u; templates parsed "
		"%u, renders %u, cache hits %u; files %u, dirs %u, symlinks "
		"%u, bytes %zu; write threads %u\n", pr->plugins_catalogued,
		pr->plugins_loaded, pr->templates_parsed, pr->renders,
		pr->cache_hits, pr->files, pr->dirs, pr->symlinks, pr->bytes,
		pr->write_threads);
}

/*
 * The target as a shell gives it: "out/" and "out/." are "out"; "." or
 * any other spelling of the current directory (even the logical
 * "$(pwd)" of a shell that came through a symbolic link: it names the
 * directory the user is in, nothing else) is "generate here", by its
 * physical path, so that the project is named after the directory and
 * staged beside it.
 */
static int
normalise_target(struct new_opts *o, struct strlist *keep, struct diag *d)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat here, st;
	char *cwd;

	strbuf_addstr(&sb, o->target);
	for (;;) {
		if (sb.len > 1 && sb.buf[sb.len - 1] == '/')
			sb.buf[--sb.len] = '\0';
		else if (sb.len > 2 && !strcmp(sb.buf + sb.len - 2, "/."))
			sb.buf[sb.len -= 2] = '\0';
		else
			break;
	}
	if (!stat(sb.buf, &st) && S_ISDIR(st.st_mode) && !stat(".", &here) &&
	    st.st_dev == here.st_dev && st.st_ino == here.st_ino) {
		cwd = getcwd(NULL, 0);
		if (!cwd) {
			strbuf_release(&sb);
			return diag_error(d, EXIT_IO, NULL, "cannot find the "
					  "current directory: %s",
					  strerror(errno));
		}
		strbuf_reset(&sb);
		strbuf_addstr(&sb, cwd);
		free(cwd);
		o->in_place = 1;
	}
	strlist_push(keep, sb.buf);
	o->target = keep->v[keep->nr - 1];
	strbuf_release(&sb);
	return 0;
}

/*
 * mkdir -p of the target's parents, as git clone and cargo new do; the
 * ones made are listed in *made (outermost first) for undo_parents().
 */
static int
make_parents(const char *target, struct strlist *made, struct diag *d)
{
	char *path = xstrdup(target);
	char *slash = strrchr(path, '/');
	size_t i;

	if (slash && slash != path)
		*slash = '\0';
	for (i = 1; slash && slash != path && i <= strlen(path); i++) {
		struct diag_loc loc = { NULL, 0, 0 };
		char c = path[i];

		if (c && c != '/')
			continue;
		path[i] = '\0';
		if (!mkdir(path, 0777)) {
			strlist_push(made, path);
		} else if (errno != EEXIST) {
			loc.file = path;
			diag_error(d, EXIT_IO, &loc, "cannot create directory: "
				   "%s", strerror(errno));
			free(path);
			return -1;
		}
		path[i] = c;
	}
	free(path);
	return 0;
}

/* A failed run leaves no directory it made (only empty ones go). */
static void
undo_parents(struct strlist *made)
{
	size_t i = made->nr;

	while (i--)
		rmdir(made->v[i]);
}

/* A real directory (not a symlink to one): what --force writes into. */
static int
is_dir(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISDIR(st.st_mode);
}

static int
run_pipeline(struct new_opts *o, struct strlist *keep, struct diag *d)
{
	struct generation g;
	struct profile prof;
	struct strbuf plugins = STRBUF_INIT;
	struct strlist made = { NULL, 0, 0 };
	struct task_list tasks = { NULL, NULL, 0, 0 };
	double start = now_ms(), mark;
	size_t i;
	int ret = -1, lockfd = -1;

	if (normalise_target(o, keep, d))
		return -1;
	progress_init(!o->quiet && !d->json);
	o->gen.target = o->target;
	o->gen.project_config = 1;
	if (generation_run(&g, &o->gen, keep, d))
		goto out;
	/* the template's tasks: trusted, or nothing is written */
	if (g.tmpl.tree && (tasks_collect(&g.tmpl, &tasks, d) ||
			    (!o->pretend && tasks_trusted(&tasks, NULL,
							  g.src.given,
							  o->gen.trust,
							  &g.cfg, d))))
		goto out;
	g.p.pretend = o->pretend;
	g.p.force = o->force;
	g.p.durable = o->durable;
	g.p.in_place = o->in_place;
	/* --force replaces files khora did not write: keep them */
	for (i = 0; o->force && i < g.p.nr; i++)
		g.p.actions[i].trash_old = !starts_with(g.p.actions[i].path,
							".khora/");
	mark = g.mark;
	if (o->pretend) {
		progress_clear();
		print_plan(&g.p);
		tasks_print(&tasks, o->gen.trust ? "task" :
			    "task (needs --trust)", stdout);
	} else {
		d->phase = "stage";
		/* the same lock as update and add: a concurrent update's
		 * rollback must not undo this run */
		if (is_dir(o->target) &&
		    (lockfd = project_lock(o->target, d)) < 0)
			goto out;
		if (make_parents(o->target, &made, d) ||
		    pipeline_stage_commit(&g.p)) {
			undo_parents(&made);
			goto out;
		}
		mark = now_ms();
		d->phase = "post";
		if (pipeline_post(&g.p))
			goto out;
		profile_lap(&g.p.prof, PH_POST, &mark);
		progress_clear();
		d->phase = "tasks";
		if (tasks_run(&tasks, g.p.post_fd, "task", "after the project "
			      "was written (it stays; later tasks were not "
			      "run)", d))
			goto out;
		print_report(&g.p, o);
	}
	ret = 0;
out:
	progress_clear();
	if (lockfd >= 0)
		close(lockfd);
	if (o->profile)
		profile_plugins(&g.p, &plugins);
	prof = g.p.prof;
	mark = now_ms();
	task_list_release(&tasks);
	generation_release(&g);
	if (o->profile && g.p_inited) {
		profile_lap(&prof, PH_EXIT, &mark);
		prof.ms[PH_STARTUP] = startup_ms();
		print_profile(&prof, now_ms() - start + startup_ms(),
			      plugins.buf);
	}
	strbuf_release(&plugins);
	strlist_clear(&made);
	d->phase = NULL;
	return ret;
}

static int
cmd_new(int argc, char **argv, struct diag *d)
{
	struct new_opts o;
	struct strlist keep = { NULL, 0, 0 };
	int ret;

	memset(&o, 0, sizeof(o));
	ret = parse_args(argc, argv, &o, &keep, d);
	if (!ret)
		ret = run_pipeline(&o, &keep, d);
	free((void *)o.gen.ov.with);
	free((void *)o.gen.ov.without);
	free((void *)o.gen.ov.set);
	strlist_clear(&keep);
	return ret;
}

const struct cmd_entry cmd_new_entry = {
	"new",
	"Create a new project in DIR from khora.yaml (or defaults).",
	"DIR [-c khora.yaml] [--with F,..] [--without F,..] [--set key=value]"
	"... [--env NAME] [--template SRC] [--template-dir SUB] [--ref REF] "
	"[--trust] [--answers FILE] [--no-input] [--pretend] [--force] "
	"[--profile] [--plugin-timeout SECONDS]",
	"  -c, --config FILE     read the project config from FILE\n"
	"      --with F[=V],..   turn features on (e.g. --with docs=mkdocs)\n"
	"      --without F,..    turn features off\n"
	"      --set KEY=VALUE   set a config value (dotted key)\n"
	"      --env NAME        apply the env.NAME overlay of the config\n"
	"  -t, --template SRC    add a template's files: a directory, a\n"
	"                        git URL, gh:OWNER/REPO or gl:OWNER/REPO\n"
	"      --template-dir SUB  the template is SUB inside SRC\n"
	"      --ref REF         git: the tag, branch or commit (default:\n"
	"                        the newest version tag, else HEAD)\n"
	"      --trust           run the template's tasks\n"
	"      --answers FILE    answers to the template's variables\n"
	"      --no-input        never prompt; list missing answers\n"
	"      --plugin-timeout SECONDS\n"
	"                        stop (exit 4, nothing written) when a plugin\n"
	"                        callback runs longer\n"
	"  -n, --pretend         print the plan, write nothing\n"
	"  -f, --force           write into an existing, non-empty DIR\n"
	"      --durable         fsync files and directories before commit\n"
	"      --profile         print time per phase and plugin to stderr\n"
	"  -q, --quiet           print nothing on success\n"
	"  -v, --verbose         print more\n",
	cmd_new,
};
