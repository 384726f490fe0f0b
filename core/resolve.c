/* SPDX-License-Identifier: MIT */
/*
 * resolve.c - from requested features to an ordered list of plugins.
 *
 * Features come from the config (features:, --with, --without) and from
 * plugins marked `default: true`; each enabled feature selects the first
 * catalogued plugin that provides it; `requires` pulls in more features;
 * `conflicts` are checked; the order is topological over requires and
 * `after`, ties broken by name, so that it never depends on the file
 * system.  Also validates the feature keys and plugins_config sections
 * that config.c cannot check without the catalog.
 */
#include "compat.h"
#include "pipeline.h"
#include "hash.h"
#include "strbuf.h"
#include "wrapper.h"

/* Errors at a config or sidecar node, with the pipeline's diag. */
#define rerr(p, code, n, ...) ynode_error((p)->d, code, n, __VA_ARGS__)

/*
 * Appends f to out unless seen has it: a table, because a scan of out
 * per feature made `new` quadratic in the plugins installed (10,000
 * plugins: half a second of strcmp).
 */
static void
add_known(struct strlist *out, struct hashmap *seen, const char *f)
{
	if (hashmap_get(seen, f))
		return;
	strlist_push(out, f);
	hashmap_put(seen, out->v[out->nr - 1], out->v[out->nr - 1]);
}

void
known_features(const struct pipeline *p, struct strlist *out)
{
	struct hashmap seen = HASHMAP_INIT;
	size_t i, j;

	for (i = 0; i < out->nr; i++)
		hashmap_put(&seen, out->v[i], out->v[i]);
	for (i = 0; i < p->cat->nr; i++)
		for (j = 0; j < p->cat->plugins[i]->provides.nr; j++)
			add_known(out, &seen,
				  p->cat->plugins[i]->provides.v[j]);
	for (i = 0; i < p->cat->nr; i++)
		for (j = 0; j < p->cat->plugins[i]->uses.nr; j++)
			add_known(out, &seen, p->cat->plugins[i]->uses.v[j]);
	for (i = 0; i < p->cat->schema.nr_features; i++)
		add_known(out, &seen, p->cat->schema.features[i]->name);
	/* features whose plugin a distribution package would install */
	for (i = 0; i < p->cat->schema.nr_pkg; i++)
		add_known(out, &seen, p->cat->schema.pkg_feature[i]);
	/* known, so that asking for one names the refusal */
	for (i = 0; i < p->cat->nr_refused; i++)
		for (j = 0; j < p->cat->refused[i]->provides.nr; j++)
			add_known(out, &seen,
				  p->cat->refused[i]->provides.v[j]);
	hashmap_clear(&seen);
}

/* The error for a feature whose only provider the path policy refused. */
static int
refused_error(struct pipeline *p, const char *feature,
	      const struct ynode *where, const struct plugin_info *by)
{
	const struct plugin_info *r = catalog_refused_provider(p->cat,
							       feature);

	if (!r)
		return 0;
	if (by)
		return rerr(p, EXIT_PLUGIN, where, "cannot use plugin '%s': "
			    "it requires feature '%s', whose plugin '%s' "
			    "(%s) was refused: %s", by->name, feature,
			    r->name, r->sidecar, r->refused);
	return rerr(p, EXIT_PLUGIN, where, "feature '%s' is not available: "
		    "its plugin '%s' (%s) was refused: %s", feature, r->name,
		    r->sidecar, r->refused);
}

static int
check_feature_value(struct pipeline *p, const char *name,
		    const struct ynode *v)
{
	const char *const *ch = schema_choices(&p->cat->schema, name);
	struct strbuf sb = STRBUF_INIT;
	int b;
	size_t i;

	if (!ch) {
		if (!ynode_bool(v, &b))
			return 0;
		return rerr(p, EXIT_CONFIG, v, "feature '%s' must be true or "
			    "false, not %s", name, ynode_kind_name(v));
	}
	if (v->kind == Y_SCALAR && !v->quoted)
		for (i = 0; ch[i]; i++)
			if (!strcmp(v->str, ch[i]))
				return 0;
	for (i = 0; ch[i]; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", ch[i]);
	if (v->kind == Y_SCALAR && closest_match(v->str, ch, i))
		rerr(p, EXIT_CONFIG, v, "invalid value '%s' for feature '%s' "
		     "(did you mean '%s'? expected one of: %s)", v->str, name,
		     closest_match(v->str, ch, i), sb.buf);
	else
		rerr(p, EXIT_CONFIG, v, "invalid value '%s' for feature '%s' "
		     "(expected one of: %s)", v->kind == Y_SCALAR ? v->str :
		     "", name, sb.buf);
	strbuf_release(&sb);
	return -1;
}

static int
check_features_map(struct pipeline *p, const struct strlist *known_list,
		   const struct ynode *f)
{
	const struct strlist known = *known_list;
	size_t i;
	int ret = 0;

	for (i = 0; f && f->kind == Y_MAP && i < f->nr && !ret; i++) {
		const char *name = f->keys[i]->str;
		const char *best;

		if (strlist_has(&known, name)) {
			ret = check_feature_value(p, name, f->vals[i]);
			continue;
		}
		best = closest_match(name, (const char *const *)known.v,
				     known.nr);
		if (best)
			ret = rerr(p, EXIT_CONFIG, f->keys[i], "unknown "
				   "feature '%s' (did you mean '%s'?)", name,
				   best);
		else
			ret = rerr(p, EXIT_CONFIG, f->keys[i], "unknown "
				   "feature '%s' (see 'khora plugins list')",
				   name);
	}
	return ret;
}

/* The features in effect, then those of every env section, selected or
 * not (khora.yaml(5)). */
static int
check_features(struct pipeline *p)
{
	const struct ynode *envs = ymap_get(p->cfg->root, "env");
	struct strlist known = { NULL, 0, 0 };
	size_t i;
	int ret;

	known_features(p, &known);
	ret = check_features_map(p, &known, p->cfg->features);
	for (i = 0; !ret && envs && envs->kind == Y_MAP && i < envs->nr; i++)
		ret = check_features_map(p, &known,
					 ymap_get(envs->vals[i], "features"));
	strlist_clear(&known);
	return ret;
}

static const char *
closest_plugin(const struct catalog *cat, const char *name)
{
	const char *cand[128];
	size_t i, n = 0;

	for (i = 0; i < cat->nr && n < ARRAY_SIZE(cand); i++)
		cand[n++] = cat->plugins[i]->name;
	return closest_match(name, cand, n);
}

static int
check_plugin_options(struct pipeline *p, const struct plugin_info *pi,
		     struct ynode *opts)
{
	const struct decl *dc;
	size_t i;

	if (opts->kind != Y_MAP)
		return rerr(p, EXIT_CONFIG, opts, "plugins_config.%s must be a "
			    "mapping, not %s", pi->name,
			    ynode_kind_name(opts));
	for (i = 0; i < opts->nr; i++) {
		const char *key = opts->keys[i]->str;

		if (!strlist_has(&pi->options, key))
			return rerr(p, EXIT_CONFIG, opts->keys[i], "unknown "
				    "option '%s' of plugin '%s'%s", key,
				    pi->name, did_you_mean(key,
				    (const char *const *)pi->options.v,
				    pi->options.nr));
		dc = plugin_schema_option(pi->schema, key);
		if (dc) {
			struct strbuf name = STRBUF_INIT;
			int ret;

			strbuf_addf(&name, "plugins_config.%s.%s", pi->name,
				    key);
			ret = schema_check_value(p->d, dc, opts->vals[i],
						 name.buf);
			strbuf_release(&name);
			if (ret)
				return -1;
			continue;
		}
		if (opts->vals[i]->kind != Y_SCALAR)
			return rerr(p, EXIT_CONFIG, opts->vals[i], "option "
				    "'%s' of plugin '%s' must be a scalar",
				    key, pi->name);
	}
	return 0;
}

static int
check_plugins_config(struct pipeline *p)
{
	const struct ynode *pc = p->cfg->plugins_config;
	size_t i;

	for (i = 0; pc && i < pc->nr; i++) {
		const char *name = pc->keys[i]->str, *best;
		struct plugin_info *pi = catalog_find(p->cat, name);

		if (pi) {
			if (check_plugin_options(p, pi, pc->vals[i]))
				return -1;
			continue;
		}
		best = closest_plugin(p->cat, name);
		if (best)
			return rerr(p, EXIT_CONFIG, pc->keys[i], "unknown "
				    "plugin '%s' in plugins_config (did you "
				    "mean '%s'?)", name, best);
		return rerr(p, EXIT_CONFIG, pc->keys[i], "unknown plugin '%s' "
			    "in plugins_config", name);
	}
	return 0;
}

const char *
resolve_feature(const struct pipeline *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->on_names.nr; i++)
		if (!strcmp(p->on_names.v[i], name))
			return p->on_values.v[i];
	return NULL;
}

/* The config's pick for a feature (plugins: {FEATURE: PLUGIN}). */
static const struct ynode *
picked(const struct pipeline *p, const char *feature)
{
	const struct ynode *n = ymap_get(ymap_get(p->cfg->root, "plugins"),
					 feature);

	return n && n->kind == Y_SCALAR ? n : NULL;
}

/*
 * The provider of a feature: the config's pick, else the one plugin
 * with the highest sidecar priority (GStreamer's rank).  A tie is
 * reported by check_providers() before anything uses the answer; here
 * it goes to the first by name, so that the result is stable.
 */
static struct plugin_info *
provider(const struct pipeline *p, const char *feature)
{
	const struct ynode *pick = picked(p, feature);
	struct plugin_info *best = NULL;
	size_t i;

	for (i = 0; i < p->cat->nr; i++) {
		struct plugin_info *pi = p->cat->plugins[i];

		if (!strlist_has(&pi->provides, feature))
			continue;
		if (pick && !strcmp(pick->str, pi->name))
			return pi;
		if (!best || pi->schema->priority > best->schema->priority)
			best = pi;
	}
	return best;
}

/* Two providers of one feature: the config or a priority must choose. */
static int
check_providers(struct pipeline *p, const char *feature)
{
	const struct ynode *pick = picked(p, feature);
	const struct plugin_info *best = provider(p, feature), *tie = NULL;
	size_t i;

	if (!best)
		return 0;
	if (pick && strcmp(pick->str, best->name))
		return rerr(p, EXIT_CONFIG, pick, "plugin '%s' does not "
			    "provide feature '%s' (it is provided by '%s')",
			    pick->str, feature, best->name);
	if (pick)
		return 0;
	for (i = 0; i < p->cat->nr && !tie; i++) {
		const struct plugin_info *pi = p->cat->plugins[i];

		if (pi != best && strlist_has(&pi->provides, feature) &&
		    pi->schema->priority == best->schema->priority)
			tie = pi;
	}
	if (!tie)
		return 0;
	return rerr(p, EXIT_PLUGIN, NULL, "feature '%s' is provided by both "
		    "plugin '%s' (%s) and plugin '%s' (%s): choose one in "
		    "khora.yaml (plugins: {%s: %s}) or give one sidecar a "
		    "higher priority", feature, best->name, best->sidecar,
		    tie->name, tie->sidecar, feature, tie->name);
}

/* plugins: {FEATURE: PLUGIN} names features and plugins that exist. */
static int
check_picks(struct pipeline *p)
{
	const struct ynode *map = ymap_get(p->cfg->root, "plugins");
	size_t i;

	for (i = 0; map && i < map->nr; i++) {
		const struct ynode *k = map->keys[i], *v = map->vals[i];

		if (v->kind != Y_SCALAR || ynode_is_null(v))
			return rerr(p, EXIT_CONFIG, v, "'plugins.%s' must be "
				    "a plugin name, not %s", k->str,
				    ynode_kind_name(v));
		if (!catalog_find(p->cat, v->str) &&
		    closest_plugin(p->cat, v->str))
			return rerr(p, EXIT_CONFIG, v, "unknown plugin '%s' in "
				    "plugins.%s (did you mean '%s'?)", v->str,
				    k->str, closest_plugin(p->cat, v->str));
		if (!catalog_find(p->cat, v->str))
			return rerr(p, EXIT_CONFIG, v, "unknown plugin '%s' in "
				    "plugins.%s", v->str, k->str);
		if (!provider(p, k->str) ||
		    !strlist_has(&catalog_find(p->cat, v->str)->provides,
				 k->str))
			return rerr(p, EXIT_CONFIG, k, "plugin '%s' does not "
				    "provide feature '%s'", v->str, k->str);
	}
	return 0;
}

static void
enable(struct pipeline *p, const char *name, const char *value)
{
	if (resolve_feature(p, name))
		return;
	strlist_push(&p->on_names, name);
	strlist_push(&p->on_values, value);
}

/*
 * A feature nobody provides may still be a modifier that active plugins
 * read (a `uses` entry of some sidecar): fine if one of them uses it.
 */
static int
check_unprovided(struct pipeline *p, const char *feature,
		 const struct ynode *where)
{
	struct strbuf users = STRBUF_INIT;
	size_t i;

	for (i = 0; i < p->cat->nr; i++) {
		const struct plugin_info *pi = p->cat->plugins[i];

		if (!strlist_has(&pi->uses, feature))
			continue;
		if (pi->selected) {
			strbuf_release(&users);
			return 0;
		}
		strbuf_addf(&users, "%s'%s'", users.len ? ", " : "",
			    pi->provides.nr ? pi->provides.v[0] : pi->name);
	}
	if (users.len) {
		rerr(p, EXIT_CONFIG, where, "feature '%s' has no effect "
		     "without one of the features %s", feature, users.buf);
		strbuf_release(&users);
		return -1;
	}
	strbuf_release(&users);
	if (refused_error(p, feature, where, NULL))
		return -1;
	if (schema_package(&p->cat->schema, feature))
		return rerr(p, EXIT_PLUGIN, where, "feature '%s' is not "
			    "installed: install %s", feature,
			    schema_package(&p->cat->schema, feature));
	return rerr(p, EXIT_PLUGIN, where, "feature '%s' is not available: "
		    "no installed plugin provides it (see 'khora plugins "
		    "list')", feature);
}

static int
select_provider(struct pipeline *p, const char *feature,
		const struct ynode *where, const struct plugin_info *by)
{
	struct plugin_info *pi = provider(p, feature);

	if (pi) {
		if (check_providers(p, feature))
			return -1;
		pi->selected = 1;
		return 0;
	}
	if (!by)
		return 0;	/* checked by check_unprovided() later */
	if (refused_error(p, feature, where, by))
		return -1;
	if (schema_package(&p->cat->schema, feature))
		return rerr(p, EXIT_PLUGIN, NULL, "cannot use plugin '%s': it "
			    "requires feature '%s', which is not installed: "
			    "install %s", by->name, feature,
			    schema_package(&p->cat->schema, feature));
	return rerr(p, EXIT_PLUGIN, NULL, "cannot use plugin '%s': it "
		    "requires feature '%s', which no installed plugin "
		    "provides", by->name, feature);
}

/* Config choices and defaults, then requires until nothing changes. */
static int
collect(struct pipeline *p)
{
	const struct ynode *f = p->cfg->features;
	size_t i, j, k;
	int changed;

	for (i = 0; i < p->cat->nr; i++) {
		const struct plugin_info *pi = p->cat->plugins[i];

		for (j = 0; pi->is_default && j < pi->provides.nr; j++)
			if (!ymap_get(f, pi->provides.v[j]))
				enable(p, pi->provides.v[j], "true");
	}
	for (i = 0; f && i < f->nr; i++) {
		const char *v = config_feature(p->cfg, f->keys[i]->str, NULL);

		if (v)
			enable(p, f->keys[i]->str, v);
	}
	for (i = 0; i < p->on_names.nr; i++)
		if (select_provider(p, p->on_names.v[i], NULL, NULL))
			return -1;
	do {
		changed = 0;
		for (i = 0; i < p->cat->nr; i++) {
			struct plugin_info *pi = p->cat->plugins[i];

			for (j = 0; pi->selected && j < pi->requires.nr; j++) {
				const char *req = pi->requires.v[j];
				const struct ynode *n = ymap_get(f, req);

				if (resolve_feature(p, req))
					continue;
				if (n)
					return rerr(p, EXIT_CONFIG, n,
						    "feature '%s' is turned "
						    "off, but plugin '%s' "
						    "requires it", req,
						    pi->name);
				if (select_provider(p, req, NULL, pi))
					return -1;
				enable(p, req, "true");
				changed = 1;
			}
		}
	} while (changed);
	for (i = 0; i < p->on_names.nr; i++)
		if (!provider(p, p->on_names.v[i]) &&
		    check_unprovided(p, p->on_names.v[i],
				     ymap_get(f, p->on_names.v[i])))
			return -1;
	for (i = 0; i < p->cat->nr; i++) {
		const struct plugin_info *a = p->cat->plugins[i];

		for (j = 0; a->selected && j < a->conflicts.nr; j++) {
			const char *c = a->conflicts.v[j];

			if (!resolve_feature(p, c))
				continue;
			for (k = 0; k < p->cat->nr; k++)
				if (p->cat->plugins[k]->selected &&
				    strlist_has(&p->cat->plugins[k]->provides,
						c))
					break;
			return rerr(p, EXIT_PLUGIN, NULL, "plugins '%s' and "
				    "'%s' conflict: '%s' cannot be used with "
				    "feature '%s'", a->name,
				    k < p->cat->nr ? p->cat->plugins[k]->name :
				    "?", a->name, c);
		}
	}
	return 0;
}

/* Does plugin a have to come before plugin b? */
static int
before(const struct pipeline *p, const struct plugin_info *a,
       const struct plugin_info *b)
{
	size_t i;

	for (i = 0; i < b->requires.nr; i++)
		if (provider(p, b->requires.v[i]) == a)
			return 1;
	return strlist_has(&b->after, a->name);
}

static int
order(struct pipeline *p)
{
	struct plugin_info **sel = NULL;
	size_t nr = 0, alloc = 0, i, j;
	int *done;

	for (i = 0; i < p->cat->nr; i++)
		if (p->cat->plugins[i]->selected) {
			ALLOC_GROW(sel, nr, alloc);
			sel[nr++] = p->cat->plugins[i];
		}
	done = xcalloc(nr + 1, sizeof(*done));
	/* Kahn's algorithm; sel is sorted by name, so ties go by name */
	while (p->nr_active < nr) {
		for (i = 0; i < nr; i++) {
			if (done[i])
				continue;
			for (j = 0; j < nr; j++)
				if (!done[j] && j != i &&
				    before(p, sel[j], sel[i]))
					break;
			if (j == nr)
				break;
		}
		if (i == nr) {
			struct strbuf sb = STRBUF_INIT;

			for (i = 0; i < nr; i++)
				if (!done[i])
					strbuf_addf(&sb, "%s'%s'", sb.len ?
						    ", " : "", sel[i]->name);
			rerr(p, EXIT_PLUGIN, NULL, "cannot order plugins: "
			     "requires/after form a cycle among %s", sb.buf);
			strbuf_release(&sb);
			free(done);
			free(sel);
			return -1;
		}
		done[i] = 1;
		ALLOC_GROW(p->active, p->nr_active, p->alloc_active);
		p->active[p->nr_active++] = sel[i];
	}
	free(done);
	free(sel);
	return 0;
}

int
resolve_plugins(struct pipeline *p)
{
	if (check_features(p) || check_plugins_config(p) || check_picks(p) ||
	    collect(p))
		return -1;
	return order(p);
}
