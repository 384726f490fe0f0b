/* SPDX-License-Identifier: MIT */
/*
 * generate.c - from config to rendered actions (doc/design.md §1 phases 1-7),
 * timed per phase, for `new`, `update` and `add`.
 */
#include "compat.h"
#include <fcntl.h>
#include "confedit.h"
#include "generate.h"
#include "path.h"
#include "sha256.h"
#include "wrapper.h"

static char *
default_name(const char *target)
{
	char *copy = xstrdup(target), *end = copy + strlen(copy), *base;

	while (end > copy + 1 && end[-1] == '/')
		*--end = '\0';
	base = strrchr(copy, '/');
	base = xstrdup(base ? base + 1 : copy);
	free(copy);
	return base;
}

struct key_guess {
	const char *key;
	int is_config;		/* key is a config key */
	struct strlist cand;	/* config keys without a dot */
};

static void
collect_key(const char *key, const char *const *choices, void *data)
{
	struct key_guess *g = data;

	(void)choices;
	if (!strcmp(key, g->key))
		g->is_config = 1;
	if (!strchr(key, '.'))
		strlist_push(&g->cand, key);
}

/*
 * Is key, neither a config key nor a variable, closer to a variable of
 * the template than to any config key?  Then it is a misspelt variable,
 * and the template's did-you-mean says which.
 */
static int
misspelt_var(const struct schema *sch, const struct tmpldir *t,
	     const char *key)
{
	struct key_guess g = { key, 0, { NULL, 0, 0 } };
	const char *best;
	size_t i, nconf;
	int ret;

	config_each_key(sch, collect_key, &g);
	nconf = g.cand.nr;
	for (i = 0; i < t->nr_vars; i++)
		strlist_push(&g.cand, tmpldir_var_name(t, i));
	best = g.is_config ? NULL : closest_match(key,
			(const char *const *)g.cand.v, g.cand.nr);
	ret = 0;
	for (i = nconf; best && i < g.cand.nr; i++)
		if (!strcmp(best, g.cand.v[i]))
			ret = 1;
	strlist_clear(&g.cand);
	return ret;
}

/*
 * --set NAME=VALUE for a variable of the --template (or a name closest
 * to one of them, so that the error guesses it): rewritten to
 * answers.NAME=VALUE, where the config keeps template answers.
 */
static void
route_answers(struct gen_opts *o, const struct tmpldir *t,
	      struct strlist *keep)
{
	size_t i;

	for (i = 0; i < o->ov.nr_set; i++) {
		const char *eq = strchr(o->ov.set[i], '=');
		struct strbuf key = STRBUF_INIT;

		if (!eq)
			continue;
		strbuf_add(&key, o->ov.set[i], (size_t)(eq - o->ov.set[i]));
		if (!strchr(key.buf, '.') && (tmpldir_has_var(t, key.buf) ||
					       misspelt_var(o->ov.schema, t,
						    key.buf))) {
			strbuf_reset(&key);
			strbuf_addf(&key, "answers.%s", o->ov.set[i]);
			strlist_push(keep, key.buf);
			o->ov.set[i] = keep->v[keep->nr - 1];
		}
		strbuf_release(&key);
	}
}

/* A record's scalar key: value, value borrowed. */
static void
record_add(struct ynode *map, const char *key, const char *value)
{
	struct ynode *k = ynode_new(Y_SCALAR, NULL, 0, 0);
	struct ynode *v = ynode_new(Y_SCALAR, NULL, 0, 0);

	k->str = xstrdup(key);
	v->str = xstrdup(value);
	v->quoted = 1;
	ynode_append(map, k, v);
}

/*
 * What khora.yaml records as template: a directory made relative to
 * the project (a scalar, as before sources existed), or a mapping:
 * source, subdirectory, ref as asked, version (the tag it resolved
 * through) and commit, which pins every later update.
 */
static struct ynode *
template_record(const struct generation *g, const char *target)
{
	const struct tmplsrc *s = &g->src;
	char *dir = path_absolute(target), *rel = NULL;
	const char *src = s->given;
	struct ynode *n;

	if (!s->url) {
		rel = path_relative_from(dir, s->given);
		src = rel;
	}
	if (!s->url && !g->src_subdir) {
		n = ynode_new(Y_SCALAR, NULL, 0, 0);
		n->str = rel;
		free(dir);
		return n;
	}
	n = ynode_new(Y_MAP, NULL, 0, 0);
	record_add(n, "source", src);
	if (g->src_subdir)
		record_add(n, "subdirectory", g->src_subdir);
	if (s->ref)
		record_add(n, "ref", s->ref);
	if (s->tag)
		record_add(n, "version", s->tag);
	if (s->commit)
		record_add(n, "commit", s->commit);
	free(rel);
	free(dir);
	return n;
}

/* The same as YAML text, for .khora/answers.yaml. */
static char *
template_record_text(const struct ynode *n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (n->kind == Y_SCALAR) {
		strbuf_addch(&sb, ' ');
		ytree_add_scalar(&sb, n->str, 1);
		return strbuf_detach(&sb, NULL);
	}
	for (i = 0; i < n->nr; i++) {
		strbuf_addf(&sb, "\n  %s: ", n->keys[i]->str);
		ytree_add_scalar(&sb, n->vals[i]->str, 1);
	}
	return strbuf_detach(&sb, NULL);
}

/*
 * The template: --template (with --template-dir, --ref), or the
 * config's template: (a path relative to it, a URL, or a mapping
 * {source, subdirectory, ref, commit}), fetched when it is a git
 * source and loaded.  1 when there is one, 0 when not, -1 on error.
 */
static int
find_template(struct generation *g, struct gen_opts *o, struct diag *d)
{
	const struct ynode *n = o->template ? NULL :
		ymap_get(g->cfg.root, "template");
	const char *src = o->template, *sub = o->template_dir;
	const char *ref = o->ref, *commit = NULL, *version = NULL;

	if (!src && n && n->kind == Y_SCALAR) {
		src = n->str;
	} else if (!src && n && n->kind == Y_MAP) {
		const struct ynode *v = ymap_get(n, "source");

		if (!v || v->kind != Y_SCALAR)
			return ynode_error(d, EXIT_CONFIG, v ? v : n,
					   "'template' needs a 'source:'");
		src = v->str;
		v = ymap_get(n, "subdirectory");
		sub = v && v->kind == Y_SCALAR ? v->str : NULL;
		v = ymap_get(n, "ref");
		ref = v && v->kind == Y_SCALAR ? v->str : NULL;
		v = ymap_get(n, "commit");
		commit = v && v->kind == Y_SCALAR ? v->str : NULL;
		v = ymap_get(n, "version");
		version = v && v->kind == Y_SCALAR ? v->str : NULL;
		/* --ref moves the project: the pinned commit goes */
		if (o->ref) {
			ref = o->ref;
			commit = version = NULL;
		}
	}
	if (!src) {
		if (o->ref || o->template_dir)
			return diag_error(d, EXIT_USAGE, NULL, "invalid option "
					  "'%s': there is no template (give "
					  "--template SRC)", o->ref ? "--ref" :
					  "--template-dir");
		return 0;
	}
	if (!o->template && !tmplsrc_is_git(src)) {
		config_path(&g->cfg, src, &g->tdir);
		src = g->tdir.buf;
	}
	g->src_subdir = sub ? xstrdup(sub) : NULL;
	if (tmplsrc_resolve(&g->src, src, sub, ref, commit, d) ||
	    tmpldir_load(&g->tmpl, g->src.dir, d))
		return -1;
	/* the pinned commit, found in the cache: still that version */
	if (version && !g->src.tag && commit && g->src.commit &&
	    !strcmp(commit, g->src.commit))
		g->src.tag = xstrdup(version);
	return 1;
}

/*
 * --answers (and, for update and add, --set) answer a template: without
 * one they would be ignored.  A usage error, found before the config is
 * validated (an invalid config would hide it), from the raw tree: its
 * syntax errors are the config's anyway.
 */
static int
check_answerable(const struct gen_opts *o, struct diag *d)
{
	struct ynode *tree = NULL;
	const struct ynode *t;
	int set = o->update && o->given && o->given->nr, ret;

	if (o->template || (!set && !o->answers))
		return 0;
	if (o->config_buf)
		ret = ytree_parse_buf(o->config, o->config_buf, o->config_len,
				      &tree, d, EXIT_CONFIG);
	else
		ret = o->config ? ytree_parse_file(o->config, &tree, d,
						   EXIT_CONFIG) : 0;
	t = ymap_get(tree, "template");
	if (!ret && !(t && (t->kind == Y_SCALAR || t->kind == Y_MAP)))
		ret = diag_error(d, EXIT_USAGE, NULL, "invalid option '%s': "
				 "%s", o->answers ? "--answers" : "--set",
				 o->update ? "the project has no template to "
				 "answer (update reads the config from "
				 "khora.yaml: edit it there)" : "there is no "
				 "template to answer (give --template DIR, or "
				 "a config with 'template:')");
	ynode_free(tree);
	return ret;
}

static int
load_config(struct generation *g, struct gen_opts *o, struct diag *d)
{
	g->cfg_loaded = 1;
	if (o->config_buf)
		return config_parse(&g->cfg, o->config, o->config_buf,
				    o->config_len, &o->ov, d);
	return config_load(&g->cfg, o->config, &o->ov, d);
}

/*
 * The project's own khora.yaml, which update reads: the effective
 * config, unless the config file already is that file (then it stays as
 * the user wrote it).
 */
static void
add_project_config(struct generation *g, struct gen_opts *o, int use_tmpl)
{
	struct strbuf sb = STRBUF_INIT;
	struct action *a;
	char *mine = o->config ? path_absolute(o->config) : NULL;
	char *theirs;

	strbuf_addf(&sb, "%s/khora.yaml", o->target);
	theirs = path_absolute(sb.buf);
	strbuf_reset(&sb);
	if (mine && theirs && !strcmp(mine, theirs)) {
		/* unreadable: the lock records the hash of nothing */
		strbuf_read_file_at(&sb, AT_FDCWD, mine, 0);
		g->config_text = strbuf_detach(&sb, NULL);
	} else {
		struct ynode *answers = use_tmpl ?
			tmpldir_answers_map(&g->tmpl) : NULL;
		struct ynode *rec = use_tmpl ? template_record(g, o->target) :
			NULL;

		config_serialize(&g->cfg, o->target, rec, answers, &sb);
		ynode_free(answers);
		ynode_free(rec);
		a = pipeline_add(&g->p, A_TEXT, NULL, "khora.yaml");
		a->mode = 0644;
		a->is_config = 1;
		a->text = xstrdup(sb.buf);
		g->config_text = strbuf_detach(&sb, NULL);
	}
	strbuf_release(&sb);
	free(mine);
	free(theirs);
}

static int
plan_all(struct generation *g, struct gen_opts *o, int use_tmpl)
{
	struct pipeline *p = &g->p;

	if (use_tmpl) {
		struct ynode *rec = template_record(g, o->target);

		g->record = template_record_text(rec);
		g->tmpl.record = g->record;
		ynode_free(rec);
	}
	if (plan_plugins(p) || (use_tmpl && tmpldir_plan(&g->tmpl, p)))
		return -1;
	if (o->project_config)
		add_project_config(g, o, use_tmpl);
	return 0;
}

static const char *
feature_of(const void *p, const char *name)
{
	return resolve_feature(p, name);
}

/*
 * Rules with a default (a plugin's paths key) apply once resolve
 * knows every feature on, also those another feature pulled in; the
 * dictionary built before then learns the key's variable.
 */
static int
imply_defaults(struct generation *g, struct pipeline *p)
{
	size_t i;

	if (config_imply(&g->cfg, feature_of, p, p->d))
		return -1;
	for (i = 0; i + 1 < g->cfg.nr_implied; i += 2) {
		const struct decl *dc = schema_key(g->cfg.schema,
						   g->cfg.implied[i]);
		struct strbuf sb = STRBUF_INIT;

		if (!dc || !dc->var)
			continue;
		tdict_set(p->global, dc->var, g->cfg.implied[i + 1]);
		strbuf_addf(&sb, "has_%s", dc->var);
		tdict_show(p->global, sb.buf, 1);
		strbuf_release(&sb);
	}
	return 0;
}

int
generation_run(struct generation *g, struct gen_opts *o,
	       struct strlist *keep, struct diag *d)
{
	struct pipeline *p = &g->p;
	int use_tmpl;

	memset(g, 0, sizeof(*g));
	strbuf_init(&g->tdir, 0);
	g->mark = now_ms();
	g->name = default_name(o->target);
	o->ov.default_name = g->name;
	d->phase = "config";
	if (check_answerable(o, d))
		return -1;
	/*
	 * The sidecars first: the keys, choices and rules that the config
	 * (and --set's routing to template answers) is checked against are
	 * theirs.  No plugin code is loaded here.
	 */
	d->phase = "catalog";
	if (catalog_load(&g->cat, d))
		return -1;
	/* its own phase: the profile starts with pipeline_init() below */
	g->catalog_ms = now_ms() - g->mark;
	g->mark += g->catalog_ms;
	d->phase = "config";
	o->ov.schema = &g->cat.schema;
	if (o->template) {
		if (find_template(g, o, d) < 0)
			return -1;
		route_answers(o, &g->tmpl, keep);
	}
	d->phase = "config";
	if (load_config(g, o, d))
		return -1;
	use_tmpl = o->template ? 1 : find_template(g, o, d);
	if (use_tmpl < 0)
		return -1;
	if (o->update && !use_tmpl && ((o->given && o->given->nr) ||
				       o->answers))
		return diag_error(d, EXIT_USAGE, NULL, "invalid option '%s': "
				  "the project has no template to answer "
				  "(update reads the config from khora.yaml: "
				  "edit it there)", o->answers ? "--answers" :
				  "--set");
	g->tmpl.given = o->given;
	g->tmpl.update = o->update;
	if (use_tmpl && (tmpldir_require(&g->tmpl, &g->cfg, d) ||
			 tmpldir_answer(&g->tmpl, &g->cfg, o->answers,
					o->no_input, d)))
		return -1;
	pipeline_init(p, d, &g->cfg, &g->cat);
	g->p_inited = 1;
	if (use_tmpl)
		tmpldir_secret_values(&g->tmpl, &p->secrets);
	p->target = o->target;
	p->plugin_timeout = o->plugin_timeout;
	profile_lap(&p->prof, PH_CONFIG, &g->mark);
	p->prof.plugins_catalogued = (unsigned)g->cat.nr;
	p->prof.ms[PH_CATALOG] += g->catalog_ms;
	d->phase = "resolve";
	if (resolve_plugins(p))
		return -1;
	if (imply_defaults(g, p))
		return -1;
	profile_lap(&p->prof, PH_RESOLVE, &g->mark);
	d->phase = "load";
	if (load_plugins(p))
		return -1;
	profile_lap(&p->prof, PH_LOAD, &g->mark);
	d->phase = "plan";
	if (plan_all(g, o, use_tmpl))
		return -1;
	profile_lap(&p->prof, PH_PLAN, &g->mark);
	d->phase = "merge";
	if (pipeline_merge(p))
		return -1;
	profile_lap(&p->prof, PH_MERGE, &g->mark);
	d->phase = "render";
	if (pipeline_render(p))
		return -1;
	if (o->project_config) {
		char sha[65];

		sha256_hex(g->config_text, strlen(g->config_text), sha);
		if (pipeline_add_records(p, sha))
			return -1;
	}
	profile_lap(&p->prof, PH_RENDER, &g->mark);
	d->phase = "fini";
	fini_plugins(p);
	return 0;
}

/* Byte offset of line (from 1) in buf, or len. */
static size_t
line_offset(const char *buf, size_t len, unsigned line)
{
	size_t off = 0;

	while (--line && off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);

		off = nl ? (size_t)(nl - buf) + 1 : len;
	}
	return off;
}

int
generation_edit_template(struct generation *g, const char *target,
			 const char *file, const char *buf, size_t len,
			 struct strbuf *out, struct diag *d)
{
	struct ynode *tree = NULL, *rec;
	size_t i, from, to;
	char *text;

	if (ytree_parse_buf(file, buf, len, &tree, d, EXIT_CONFIG))
		return -1;
	for (i = 0; tree && tree->kind == Y_MAP && i < tree->nr; i++)
		if (!strcmp(tree->keys[i]->str, "template"))
			break;
	if (!tree || tree->kind != Y_MAP || i == tree->nr ||
	    tree->keys[i]->col != 1) {
		ynode_free(tree);
		return diag_error(d, EXIT_CONFIG, NULL, "cannot record the "
				  "template's version in '%s': no top-level "
				  "'template:' in it", file);
	}
	from = line_offset(buf, len, tree->keys[i]->line);
	to = i + 1 < tree->nr ? line_offset(buf, len,
					    tree->keys[i + 1]->line) : len;
	rec = template_record(g, target);
	text = template_record_text(rec);
	strbuf_add(out, buf, from);
	strbuf_addf(out, "template:%s\n", text);
	strbuf_add(out, buf + to, len - to);
	free(text);
	ynode_free(rec);
	ynode_free(tree);
	return 0;
}

/*
 * One stated order (doc/design.md §9): the plugins' fini ran before
 * staging (generation_run(), or here for a run that stopped earlier),
 * then their code and contexts go, while the pipeline their callbacks
 * read is still whole; the template's context too (its dictionary
 * hangs off the pipeline's); only then the actions and dictionaries,
 * which borrow nothing from plugin code; then the catalog they point
 * into.  Freeing the actions never unloads code.
 */
void
generation_release(struct generation *g)
{
	if (g->p_inited)
		unload_plugins(&g->p);
	host_ctx_free(g->tmpl.owner.ctx);
	g->tmpl.owner.ctx = NULL;
	if (g->p_inited)
		pipeline_release(&g->p);
	catalog_release(&g->cat);
	if (g->cfg_loaded)
		config_release(&g->cfg);
	tmpldir_release(&g->tmpl);
	tmplsrc_release(&g->src);
	free(g->src_subdir);
	free(g->record);
	strbuf_release(&g->tdir);
	free(g->config_text);
	free(g->name);
}
