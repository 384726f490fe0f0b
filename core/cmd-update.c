/* SPDX-License-Identifier: MIT */
/*
 * cmd-update.c - `khora update [DIR]` regenerates a project from its
 * khora.yaml and merges the result with what the user changed since;
 * `khora add FEATURE..` turns features on in that khora.yaml, then does
 * the same; `khora remove FEATURE..` turns them off, then does the
 * same (its files go to .khora/trash when untouched, stay untracked
 * when the user changed them).  All three write through the journalled
 * per-file commit of --force, so that a failure or a kill leaves the
 * project as before (doc/khora-update.7).  Here: the options and the
 * steps; what is decided per file is update.c's, what is printed
 * update-report.c's.
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "progress.h"
#include "confedit.h"
#include "confine.h"
#include "generate.h"
#include "khora-plugin.h"
#include "sha256.h"
#include "stage.h"
#include "tasks.h"
#include "update.h"
#include "update-report.h"
#include "wrapper.h"

static int
is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int
is_project(const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int yes;

	strbuf_addf(&sb, "%s/.khora/lock", dir);
	yes = !lstat(sb.buf, &st);
	strbuf_release(&sb);
	return yes;
}

/*
 * add, remove: a plain word (no '/', no '=') is a feature, unless it is
 * no known feature and names a directory: then it is the project, as
 * `update DIR` takes it.  A word that is both a feature and a project
 * directory is a usage error naming both readings.  The catalog is
 * read only when a word names a directory.
 */
static int
split_dir(struct update_opts *o, struct diag *d)
{
	struct strlist known = { NULL, 0, 0 }, keep = { NULL, 0, 0 };
	struct catalog cat;
	struct pipeline fake;
	size_t i;
	int loaded = 0, ret = 0;

	memset(&cat, 0, sizeof(cat));
	memset(&fake, 0, sizeof(fake));
	fake.cat = &cat;
	for (i = 0; !ret && i < o->features.nr; i++) {
		const char *w = o->features.v[i];

		if (strchr(w, '=') || !is_dir(w)) {
			strlist_push(&keep, w);
			continue;
		}
		if (!loaded++ && !catalog_load(&cat, d))
			known_features(&fake, &known);
		if (d->code) {
			ret = -1;
		} else if (strlist_has(&known, w) && is_project(w)) {
			ret = cli_usage_error(d, o->cmd, "'%s' is both a "
					      "feature and a project "
					      "directory: write './%s' (or -C "
					      "%s) for the directory", w, w,
					      w);
		} else if (strlist_has(&known, w)) {
			strlist_push(&keep, w);
		} else if (o->dir) {
			ret = cli_usage_error(d, o->cmd, "more than one "
					      "project directory ('%s', '%s')",
					      o->dir, w);
		} else {
			o->dir = w;
		}
	}
	/* o->dir may point into the words: kept until cmd_run() ends */
	o->words = o->features;
	o->features = keep;
	strlist_clear(&known);
	catalog_release(&cat);
	return ret;
}

static int
parse_args(int argc, char **argv, struct update_opts *o, struct diag *d)
{
	int i, side = 0, add = strcmp(o->cmd, "update") != 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		int r = 0;

		const char *set = NULL;

		if (add && (r = cli_opt(argc, argv, &i, "--dir", 'C', &v, d)))
			;
		else if ((r = cli_opt(argc, argv, &i, "--set", 0, &set, d)))
			;
		else if ((r = cli_opt(argc, argv, &i, "--answers", 0,
				      &o->answers, d)))
			;
		else if (!add && (r = cli_opt(argc, argv, &i, "--ref", 0,
					      &o->ref, d)))
			;
		else if (!add && cli_flag(a, "--trust", 0))
			o->trust = r = 1;
		else if (cli_flag(a, "--no-input", 0))
			o->no_input = r = 1;
		else if (cli_flag(a, "--pretend", 'n'))
			o->pretend = r = 1;
		else if (cli_flag(a, "--diff", 0))
			o->diff = r = 1;
		else if (cli_flag(a, "--ours", 0))
			o->favor = MERGE_OURS, r = 2;
		else if (cli_flag(a, "--theirs", 0))
			o->favor = MERGE_THEIRS, r = 3;
		else if (cli_flag(a, "--durable", 0))
			o->durable = r = 1;
		else if (cli_flag(a, "--quiet", 'q'))
			o->quiet = r = 1;
		else if (cli_flag(a, "--verbose", 'v'))
			o->verbose = r = 1;
		else if (!strcmp(a, "--error-format=json"))
			d->json = r = 1;
		if (r < 0)
			return -1;
		if (set)
			strlist_push(&o->set, set);
		if ((r == 2 || r == 3) && side && side != r)
			return cli_usage_error(d, o->cmd, "--ours and --theirs "
					       "exclude each other");
		if (r == 2 || r == 3)
			side = r;
		if (v && o->dir)
			return cli_usage_error(d, o->cmd, "more than one "
					       "project directory");
		if (v)
			o->dir = v;
		if (r)
			continue;
		if (a[0] == '-' && a[1])
			return cli_usage_error(d, o->cmd, "unknown option "
					       "'%s'", a);
		/* add: a directory is written with a slash (or is . or ..),
		 * or is a plain word split_dir() recognises */
		if (add && !strchr(a, '/') && strcmp(a, ".") &&
		    strcmp(a, "..")) {
			strlist_push(&o->features, a);
			continue;
		}
		if (o->dir)
			return cli_usage_error(d, o->cmd, "more than one "
					       "project directory ('%s', '%s')",
					       o->dir, a);
		o->dir = a;
	}
	if (add && split_dir(o, d))
		return -1;
	if (add && !o->features.nr)
		return cli_usage_error(d, o->cmd, "missing feature (e.g. "
				       "'khora %s docker')", o->cmd);
	if (!o->dir)
		o->dir = ".";
	return 0;
}

/* add: each FEATURE[=VALUE] must name a feature, with a valid value. */
static int
check_feature(const struct strlist *known, const struct schema *sch,
	      const char *spec, struct strbuf *name, struct strbuf *value,
	      struct diag *d)
{
	const char *eq = strchr(spec, '=');
	const char *const *ch;
	size_t i;

	strbuf_reset(name);
	strbuf_reset(value);
	strbuf_add(name, spec, eq ? (size_t)(eq - spec) : strlen(spec));
	strbuf_addstr(value, eq ? eq + 1 : "true");
	if (!strlist_has(known, name->buf))
		return diag_error(d, EXIT_USAGE, NULL, "cannot add feature "
				  "'%s': no such feature%s ('khora plugins "
				  "list' shows them)", name->buf,
				  did_you_mean(name->buf,
					       (const char *const *)known->v,
					       known->nr));
	ch = schema_choices(sch, name->buf);
	if (ch && !eq)
		return diag_error(d, EXIT_USAGE, NULL, "cannot add feature "
				  "'%s': it needs a value, e.g. 'khora add "
				  "%s=%s'", name->buf, name->buf, ch[1]);
	for (i = 0; ch && ch[i] && strcmp(ch[i], value->buf); i++)
		;
	if ((ch && (!ch[i] || !strcmp(value->buf, "none"))) ||
	    (!ch && strcmp(value->buf, "true"))) {
		struct strbuf want = STRBUF_INIT;

		for (i = 0; ch && ch[i]; i++)
			if (strcmp(ch[i], "none"))
				strbuf_addf(&want, "%s%s", want.len ? ", " : "",
					    ch[i]);
		diag_error(d, EXIT_USAGE, NULL, "cannot add feature '%s': "
			   "invalid value '%s' (expected %s)", name->buf,
			   value->buf, ch ? want.buf : "no value");
		strbuf_release(&want);
		return -1;
	}
	return 0;
}

/*
 * remove: NAME must be a feature that khora.yaml turns on; its value
 * becomes false (none for a feature with choices).
 */
static int
check_removal(const struct strlist *known, const struct schema *sch,
	      const char *file,
	      const struct strbuf *text, const char *spec,
	      struct strbuf *name, struct strbuf *value, struct diag *d)
{
	struct ynode *root = NULL;
	const struct ynode *v;
	int on = 1, ret = 0;

	strbuf_reset(name);
	strbuf_reset(value);
	strbuf_addstr(name, spec);
	if (strchr(spec, '='))
		return diag_error(d, EXIT_USAGE, NULL, "cannot remove feature "
				  "'%s': remove takes a name, no value",
				  spec);
	if (!strlist_has(known, spec))
		return diag_error(d, EXIT_USAGE, NULL, "cannot remove feature "
				  "'%s': no such feature%s ('khora plugins "
				  "list' shows them)", spec,
				  did_you_mean(spec,
					       (const char *const *)known->v,
					       known->nr));
	if (ytree_parse_buf(file, text->buf, text->len, &root, d,
			    EXIT_CONFIG))
		return -1;
	/* absent: maybe on by default; the generation tells */
	v = ymap_get(ymap_get(root, "features"), spec);
	if (v && v->kind == Y_SCALAR && ynode_bool(v, &on))
		on = strcmp(v->str, "none") != 0;	/* a choice */
	if ((v && v->kind != Y_SCALAR) || !on)
		ret = diag_error(d, EXIT_USAGE, NULL, "cannot remove feature "
				 "'%s': %s does not turn it on", spec, file);
	ynode_free(root);
	strbuf_addstr(value, schema_choices(sch, spec) ? "none" : "false");
	return ret;
}

/* add, remove: the project's khora.yaml text with the features turned
 * on, or off. */
static int
edit_config(const struct update_opts *o, const char *file,
	    struct strbuf *text, struct diag *d)
{
	struct strbuf name = STRBUF_INIT, value = STRBUF_INIT;
	struct strlist known = { NULL, 0, 0 };
	struct catalog cat;
	struct pipeline fake;
	size_t i;
	int ret = 0;

	memset(&cat, 0, sizeof(cat));
	memset(&fake, 0, sizeof(fake));
	fake.cat = &cat;
	if (catalog_load(&cat, d))
		ret = -1;
	else
		known_features(&fake, &known);
	for (i = 0; !ret && i < o->features.nr; i++) {
		struct strbuf out = STRBUF_INIT;

		ret = (!strcmp(o->cmd, "remove") ?
		       check_removal(&known, &cat.schema, file, text,
				     o->features.v[i],
				     &name, &value, d) :
		       check_feature(&known, &cat.schema, o->features.v[i],
				     &name, &value,
				     d)) ||
			config_edit_feature(file, text->buf, text->len,
					    name.buf, value.buf, &out, d);
		if (!ret) {
			strbuf_release(text);
			*text = out;
		} else {
			strbuf_release(&out);
			ret = -1;
		}
	}
	strlist_clear(&known);
	catalog_release(&cat);
	strbuf_release(&name);
	strbuf_release(&value);
	return ret;
}

static int
read_config(const char *file, struct strbuf *text, struct diag *d)
{
	struct diag_loc loc = { file, 0, 0 };
	const char *slash = strrchr(file, '/');
	char *dir = slash ? xstrndup(file, (size_t)(slash - file + 1)) :
		xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e;

	/* khora.yaml is the project's: no symlink, no FIFO */
	e = fd < 0 || confine_read(fd, slash ? slash + 1 : file, text, 0) ?
		errno : 0;
	if (fd >= 0)
		close(fd);
	free(dir);
	if (!e)
		return 0;
	/* a symlink or a FIFO there is a config problem, not an I/O one */
	return diag_error(d, e == ENOENT || e == ELOOP ||
			  e == CONFINE_ENOTREG ? EXIT_CONFIG : EXIT_IO, &loc,
			  "cannot read the project's config: %s%s",
			  confine_strerror(e), e == ENOENT ? " (khora update "
			  "regenerates the project from it; restore it or "
			  "write one with 'khora init')" : "");
}

/*
 * A plugin that generated files here and is now missing (uninstalled,
 * or its sidecar unreadable) would make update delete its files, or
 * fail on its feature as an unknown one (exit 3, which blames the
 * config): stop first, naming the plugin (exit 4).  Checked before the
 * config is read.  A plugin present but inactive is a feature turned
 * off: that is meant; one whose files were all forgotten made nothing
 * khora still tracks.
 */
static int
check_plugins_in(const struct update_opts *o, const struct update *u,
		 const struct catalog *cat, struct diag *d)
{
	const struct ynode *list = ymap_get(u->lock_tree, "plugins");
	size_t i, j;
	int ret = 0;

	for (i = 0; !ret && list && list->kind == Y_SEQ && i < list->nr; i++) {
		const struct ynode *n = ymap_get(list->vals[i], "name");
		const char *file = NULL;
		size_t nfiles = 0;

		if (!n || n->kind != Y_SCALAR || catalog_find(cat, n->str))
			continue;
		for (j = 0; j < u->nr_old; j++)
			if (!u->old[j].user && u->old[j].plugin &&
			    !strcmp(u->old[j].plugin, n->str) && !nfiles++)
				file = u->old[j].path;
		if (nfiles)
			ret = diag_error(d, EXIT_PLUGIN, NULL, "cannot %s "
					 "'%s': plugin '%s' generated %zu "
					 "file%s here (%s%s) but is not "
					 "installed, or "
					 "its sidecar cannot be read (install "
					 "it again; or stop tracking its files "
					 "with 'khora forget' and turn its "
					 "feature off in khora.yaml)", o->cmd,
					 u->root, n->str, nfiles,
					 nfiles == 1 ? "" : "s", file,
					 nfiles == 1 ? "" : ", ...");
	}
	return ret;
}

/*
 * Before the config is read, from a catalog of its own; the generation
 * reads the catalog again, and a sidecar unreadable only then is caught
 * by check_plugins_in() on that one, after the generation.
 */
static int
check_plugins(const struct update_opts *o, const struct update *u,
	      struct diag *d)
{
	struct catalog cat;
	struct strbuf cap = STRBUF_INIT;
	struct diag mine = DIAG_INIT;
	int ret;

	/* the generation loads it again with its warnings: these are
	 * shown only when they explain a failure here */
	mine.capture = &cap;
	mine.json = d->json;
	mine.quiet_warnings = d->quiet_warnings;
	ret = catalog_load(&cat, &mine);
	if (ret || (ret = check_plugins_in(o, u, &cat, &mine))) {
		if (d->capture)
			strbuf_add(d->capture, cap.buf, cap.len);
		else
			fwrite(cap.buf, 1, cap.len, stderr);
		if (!d->code)
			d->code = mine.code;
		d->nr_errors += mine.nr_errors;
	}
	catalog_release(&cat);
	strbuf_release(&cap);
	return ret;
}

/*
 * Plugins' commands (the git plugin's first commit) run when a plugin is
 * first applied to the project: drop those of plugins the lock lists.
 */
static void
new_plugins_commands(struct pipeline *p, const struct update *u)
{
	const struct ynode *list = ymap_get(u->lock_tree, "plugins");
	size_t i, j, w = 0;

	for (i = 0; i < p->nr_cmds; i++) {
		struct command *c = &p->cmds[i];
		int known = 0;
		char **v;

		for (j = 0; list && list->kind == Y_SEQ && j < list->nr; j++) {
			const struct ynode *n = ymap_get(list->vals[j], "name");

			known |= n && n->kind == Y_SCALAR &&
				!strcmp(n->str, c->owner->name);
		}
		if (!known) {
			p->cmds[w++] = *c;
			continue;
		}
		for (v = c->argv; *v; v++)
			free(*v);
		free(c->argv);
	}
	p->nr_cmds = w;
}

static int
under_vcs(const char *root)
{
	struct strbuf sb = STRBUF_INIT;
	int yes;

	strbuf_addf(&sb, "%s/.git", root);
	yes = !access(sb.buf, F_OK);
	strbuf_release(&sb);
	return yes;
}

/* remove: a feature another one requires stays on: say so, write
 * nothing. */
static int
still_on(const struct update_opts *o, const struct pipeline *p,
	 struct diag *d)
{
	size_t i;

	for (i = 0; i < o->features.nr; i++)
		if (resolve_feature(p, o->features.v[i]))
			return diag_error(d, EXIT_CONFIG, NULL, "cannot remove "
					  "feature '%s': a feature still on "
					  "requires it (remove that one too)",
					  o->features.v[i]);
	return 0;
}

/*
 * update --ref: the migrations of the new version crossed from the
 * recorded one; trusted or nothing is written, and the before: ones
 * run now, so that the merge sees what they did.
 */
static int
migrate(const struct update_opts *o, struct generation *g,
	int rootfd, struct task_list *before,
	struct task_list *after, struct diag *d)
{
	const struct ynode *t = ymap_get(g->cfg.root, "template");
	const struct ynode *from = t && t->kind == Y_MAP ?
		ymap_get(t, "version") : NULL;

	if (!g->tmpl.tree || !from || from->kind != Y_SCALAR)
		return 0;
	if (tasks_migrations(&g->tmpl, from->str, g->src.tag, before, after,
			     d))
		return -1;
	if (o->pretend) {
		tasks_print(before, "migration before", stdout);
		tasks_print(after, "migration after", stdout);
		return 0;
	}
	if (tasks_trusted(before, after, g->src.given, o->trust, &g->cfg, d))
		return -1;
	d->phase = "migrations";
	return tasks_run(before, rootfd, "migration", "before the update "
			 "(khora wrote nothing; later migrations were not "
			 "run)", d);
}

/* The generation options of the project's config, as update reads it. */
static void
config_gen_opts(struct gen_opts *go, const struct update_opts *o,
		const char *root, const char *cfgfile,
		const struct strbuf *text)
{
	memset(go, 0, sizeof(*go));
	go->target = root;
	go->config = cfgfile;
	go->config_buf = text->buf;
	go->config_len = text->len;
	go->answers = o->answers;
	go->no_input = o->no_input;
	go->given = &o->set;
	go->update = 1;
}

/*
 * update --ref on a project without .khora/base (made before it
 * existed): the recorded version, rendered again into old, is the base
 * of the merge; update_base() still checks each file against the
 * lock's hash.  old lives until the update is done.
 */
static int
old_base(struct update_opts *o, struct update *u, const char *root,
	 const char *cfgfile, const struct strbuf *text,
	 struct generation *old, int *ran, struct strlist *keep,
	 struct diag *d)
{
	struct gen_opts go;
	size_t i;

	config_gen_opts(&go, o, root, cfgfile, text);
	*ran = 1;
	if (generation_run(old, &go, keep, d))
		return -1;
	for (i = 0; i < old->p.nr; i++) {
		const struct action *a = &old->p.actions[i];

		if (a->kind != A_DIR && a->kind != A_SYMLINK && a->data)
			update_add_base(u, a->path, a->data, a->len);
	}
	return 0;
}

/* The pipeline: the project's config in, update's plan and commit. */
static int
regenerate(struct update_opts *o, const char *root, const char *abs_root,
	   const char *cfgfile, struct strbuf *text, struct diag *d)
{
	struct gen_opts go;
	struct generation g, old;
	struct update u;
	int old_ran = 0;
	struct strlist keep = { NULL, 0, 0 };
	struct task_list before = { NULL, NULL, 0, 0 };
	struct task_list after = { NULL, NULL, 0, 0 };
	char sha[65];
	int ret = -1, add = strcmp(o->cmd, "update") != 0;

	memset(&g, 0, sizeof(g));
	config_gen_opts(&go, o, root, cfgfile, text);
	go.ref = o->ref;
	go.trust = o->trust;
	if (update_init(&u, root, o->favor, d) || check_plugins(o, &u, d) ||
	    generation_run(&g, &go, &keep, d) ||
	    check_plugins_in(o, &u, &g.cat, d))
		goto out;
	if (o->ref && u.base_missing &&
	    old_base(o, &u, root, cfgfile, text, &old, &old_ran, &keep, d))
		goto out;
	if (o->ref && migrate(o, &g, u.rootfd, &before, &after, d))
		goto out;
	if (o->ref) {
		/* khora.yaml records the version the project moves to */
		struct strbuf sb = STRBUF_INIT;

		if (generation_edit_template(&g, root, cfgfile, text->buf,
					     text->len, &sb, d)) {
			strbuf_release(&sb);
			goto out;
		}
		strbuf_release(text);
		*text = sb;
		add = 1;
	}
	sha256_hex(text->buf, text->len, sha);
	if (!strcmp(o->cmd, "remove") && still_on(o, &g.p, d))
		goto out;
	if (add) {
		struct action *a = pipeline_add(&g.p, A_TEXT, NULL,
						"khora.yaml");

		a->mode = 0644;
		a->is_config = 1;
		a->text = xstrdup(text->buf);
		a->data = a->text;
		a->len = text->len;
	}
	d->phase = "update";
	if (update_plan(&u, &g.p, sha, d))
		goto out;
	g.p.force = 1;
	g.p.durable = o->durable;
	/* staged next to the project, whatever name the user gave it */
	g.p.target = abs_root;
	d->phase = "stage";
	new_plugins_commands(&g.p, &u);
	/* nothing to write: no staging, no backup, not even a mtime; but
	 * what a killed run left next to the project goes */
	if (!o->pretend && !update_writes(&g.p))
		stage_remove_stale(abs_root, d);
	else if (!o->pretend && pipeline_stage_commit(&g.p))
		goto out;
	progress_clear();
	report(o, &u, root);
	if (!strcmp(o->cmd, "remove") && !o->pretend)
		warn_orphans(&u, root, d);
	if (o->pretend && !o->quiet)
		print_commands(&g.p, o->diff ? stderr : stdout);
	d->phase = "post";
	if (!o->pretend && g.p.nr_cmds && under_vcs(abs_root)) {
		/* e.g. git's first commit would sweep up the user's work */
		diag_warn(d, NULL, "%s: the project is already a git "
			  "repository: the commands of newly added plugins "
			  "were not run (--pretend lists them)", root);
	} else if (!o->pretend && pipeline_post(&g.p)) {
		goto out;
	}
	d->phase = "migrations";
	if (!o->pretend && tasks_run(&after, u.rootfd, "migration", "after "
				     "the update was written (it stays; "
				     "later migrations were not run)", d))
		goto out;
	ret = 0;
	/* like git's unmerged paths: an update that leaves a conflict
	 * open, its own or an earlier one's, never exits 0 */
	if (u.conflicts && !o->pretend)
		ret = conflict_error(o, &u, d);
	else if (u.still)
		ret = still_error(&u, root, d);
out:
	d->phase = NULL;
	task_list_release(&before);
	task_list_release(&after);
	generation_release(&g);
	if (old_ran)
		generation_release(&old);
	update_release(&u);
	strlist_clear(&keep);
	return ret;
}

static int
run(struct update_opts *o, struct diag *d)
{
	struct strbuf text = STRBUF_INIT;
	char *rel = NULL, *root = project_find_root(o->dir, &rel, d);
	char *shown = NULL, *cfgfile = NULL;
	int ret = -1, lockfd = -1;

	if (!root && d->code) {
		goto out;
	} else if (!root) {
		ret = diag_error(d, EXIT_USAGE, NULL, "cannot %s '%s': it is "
				 "not inside a project khora generated (no "
				 ".khora/lock above it)", o->cmd, o->dir);
		goto out;
	}
	/* messages name the project as the user did when they can */
	shown = *rel ? xstrdup(root) : strip_slashes(o->dir);
	progress_init(!o->quiet && !d->json);
	cfgfile = shown_path(shown, "khora.yaml");
	/* one run at a time; then finish or undo what a killed one left */
	lockfd = project_lock(shown, d);
	if (lockfd < 0 || (o->pretend ?
			   project_recover_pending(root, NULL, d) < 0 :
			   project_recover(root, d)) ||
	    read_config(cfgfile, &text, d))
		goto out;
	if (strcmp(o->cmd, "update") && edit_config(o, cfgfile, &text, d))
		goto out;
	if (strcmp(o->cmd, "update")) {
		d->edited_file = cfgfile;
		d->edited_text = text.buf;
	}
	ret = regenerate(o, shown, root, cfgfile, &text, d);
out:
	progress_clear();
	d->edited_file = d->edited_text = NULL;
	if (lockfd >= 0)
		close(lockfd);
	strbuf_release(&text);
	free(cfgfile);
	free(shown);
	free(root);
	free(rel);
	return ret;
}

static int
cmd_run(int argc, char **argv, struct diag *d, const char *cmd)
{
	struct update_opts o;
	int ret;

	memset(&o, 0, sizeof(o));
	o.cmd = cmd;
	ret = parse_args(argc, argv, &o, d);
	if (!ret)
		ret = run(&o, d);
	strlist_clear(&o.features);
	strlist_clear(&o.words);
	strlist_clear(&o.set);
	return ret;
}

static int
cmd_update(int argc, char **argv, struct diag *d)
{
	return cmd_run(argc, argv, d, "update");
}

static int
cmd_add(int argc, char **argv, struct diag *d)
{
	return cmd_run(argc, argv, d, "add");
}

static int
cmd_remove(int argc, char **argv, struct diag *d)
{
	return cmd_run(argc, argv, d, "remove");
}

#define UPDATE_OPTIONS \
	"  -n, --pretend         print what would change, write nothing\n" \
	"      --diff            print the changes as a patch on stdout\n" \
	"                        (the summary then goes to stderr)\n" \
	"      --ours            on a conflict, keep your side\n" \
	"      --theirs          on a conflict, take khora's side\n" \
	"      --durable         fsync files and directories before commit\n" \
	"      --set NAME=VALUE  answer a template variable (a secret, or\n" \
	"                        what khora.yaml records)\n" \
	"      --answers FILE    answers to the template's variables\n" \
	"      --no-input        never prompt; name missing secrets\n" \
	"  -q, --quiet           print nothing on success\n" \
	"  -v, --verbose         also list files kept as you changed them\n"

const struct cmd_entry cmd_update_entry = {
	"update",
	"Regenerate a project from its khora.yaml, merging your changes.",
	"[DIR] [--pretend] [--diff] [--ours|--theirs] [--set NAME=VALUE].. "
	"[--answers FILE] [--no-input] [--ref REF] [--trust]",
	UPDATE_OPTIONS
	"      --ref REF         move to another version of a git template\n"
	"                        (a tag, branch or commit; 'latest': the\n"
	"                        newest version tag)\n"
	"      --trust           run the template's migrations\n",
	cmd_update,
};

const struct cmd_entry cmd_add_entry = {
	"add",
	"Turn features on in a project's khora.yaml and update it.",
	"FEATURE[=VALUE].. [-C DIR] [--pretend] [--diff] [--ours|--theirs] "
	"[--set NAME=VALUE].. [--answers FILE] [--no-input]",
	"  -C, --dir DIR         the project (default: the working "
	"directory;\n"
	"                        a DIR word works too: one with a '/', or\n"
	"                        a directory that is no feature's name)\n"
	UPDATE_OPTIONS,
	cmd_add,
};

const struct cmd_entry cmd_remove_entry = {
	"remove",
	"Turn features off in a project's khora.yaml and update it.",
	"FEATURE.. [-C DIR] [--pretend] [--diff]",
	"  -C, --dir DIR         the project (default: the working "
	"directory;\n"
	"                        a DIR word works too: one with a '/', or\n"
	"                        a directory that is no feature's name)\n"
	UPDATE_OPTIONS,
	cmd_remove,
};
