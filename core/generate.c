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

/* The template directory: --template, or template: (relative to it). */
static int
find_template_dir(struct gen_opts *o, const struct config *cfg,
		  struct strbuf *dir)
{
	const struct ynode *n = ymap_get(cfg->root, "template");

	if (o->template) {
		strbuf_addstr(dir, o->template);
		return 1;
	}
	if (!n || n->kind != Y_SCALAR)
		return 0;
	config_path(cfg, n->str, dir);
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
	if (!ret && !(t && t->kind == Y_SCALAR))
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

		config_serialize(&g->cfg, o->target, o->template, answers,
				 &sb);
		ynode_free(answers);
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
 * Rules with a default (fastapi's paths.api_dir) apply once resolve
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
	d->phase = "config";
	o->ov.schema = &g->cat.schema;
	if (o->template) {
		if (tmpldir_load(&g->tmpl, o->template, d))
			return -1;
		route_answers(o, &g->tmpl, keep);
	}
	d->phase = "config";
	if (load_config(g, o, d))
		return -1;
	use_tmpl = find_template_dir(o, &g->cfg, &g->tdir);
	if (use_tmpl && !o->template && tmpldir_load(&g->tmpl, g->tdir.buf,
						     d))
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
	profile_lap(&p->prof, PH_CATALOG, &g->mark);
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

void
generation_release(struct generation *g)
{
	/* the template's context hangs off the pipeline's dictionary */
	host_ctx_free(g->tmpl.owner.ctx);
	g->tmpl.owner.ctx = NULL;
	if (g->p_inited)
		pipeline_release(&g->p);
	catalog_release(&g->cat);
	if (g->cfg_loaded)
		config_release(&g->cfg);
	tmpldir_release(&g->tmpl);
	strbuf_release(&g->tdir);
	free(g->config_text);
	free(g->name);
}
