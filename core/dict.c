/* SPDX-License-Identifier: MIT */
/*
 * dict.c - the dictionary every template sees: the global variables
 * (one table, which also says which names a template variable may not
 * take), the feature and plugin sections once resolve is done, and the
 * slots the plugins contributed to.
 */
#include "compat.h"
#include <stddef.h>
#include <time.h>
#include "pipeline.h"
#include "strbuf.h"
#include "wrapper.h"

#ifndef KHORA_VERSION
#define KHORA_VERSION "0.0.0"
#endif

/* Slots every template may use, defined (possibly empty) in every run. */
static const char *const std_slots[] = {
	"dependencies", "dev_dependencies", "gitignore", "components",
	"readme_sections", "precommit_hooks", "pythonpath",
};

/*
 * What the core puts into every template's dictionary, in one table:
 * dict_build_global() fills the dictionary from it and
 * pipeline_reserved() refuses a template variable of the same name, so
 * the two cannot drift apart.
 */
enum gval {
	GV_CFG,			/* a string of struct config ("" when NULL) */
	GV_SHOWN,		/* a section shown when that string is set */
	GV_VERSION, GV_PY_NODOT, GV_CONFIG_DIR, GV_YEAR,
	GV_HAS_YEAR,
	GV_LIST,		/* a list section dict_build_features()
				 * builds */
};

#define CFG(f) offsetof(struct config, f)

static const struct gvar {
	const char *name;
	enum gval how;
	size_t off;
} global_vars[] = {
	{ "khora_version", GV_VERSION, 0 },
	{ "project_name", GV_CFG, CFG(project_name) },
	{ "package_name", GV_CFG, CFG(package) },
	{ "project_slug", GV_CFG, CFG(slug) },
	{ "project_description", GV_CFG, CFG(description) },
	{ "python_version", GV_CFG, CFG(python_version) },
	{ "version", GV_CFG, CFG(version) },
	{ "license", GV_CFG, CFG(license) },
	{ "author", GV_CFG, CFG(author) },
	{ "author_email", GV_CFG, CFG(author_email) },
	{ "python_version_nodot", GV_PY_NODOT, 0 },
	{ "config_dir", GV_CONFIG_DIR, 0 },
	/* no clock in the output: a year only when the caller fixes one */
	{ "has_year", GV_HAS_YEAR, 0 },
	{ "year", GV_YEAR, 0 },
	{ "features", GV_LIST, 0 },
	{ "plugins", GV_LIST, 0 },
};

/* Prefixes of the sections dict_build_features() and dict_build_slots()
 * define. */
static const char *const global_prefixes[] = { "feature_", "has_" };

const char *
pipeline_reserved(size_t i)
{
	if (i < ARRAY_SIZE(global_vars))
		return global_vars[i].name;
	i -= ARRAY_SIZE(global_vars);
	if (i < ARRAY_SIZE(std_slots))
		return std_slots[i];
	i -= ARRAY_SIZE(std_slots);
	if (i < ARRAY_SIZE(global_prefixes))
		return global_prefixes[i];
	return NULL;
}

int
pipeline_is_reserved(const char *name)
{
	const char *r;
	size_t i;

	for (i = 0; (r = pipeline_reserved(i)); i++) {
		size_t n = strlen(r);

		if (r[n - 1] == '_' ? !strncmp(name, r, n) : !strcmp(name, r))
			return 1;
	}
	return 0;
}

int
pipeline_is_std_slot(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(std_slots); i++)
		if (!strcmp(name, std_slots[i]))
			return 1;
	return 0;
}

/* SOURCE_DATE_EPOCH's year into sb, or 0 when there is none. */
static int
fixed_year(struct strbuf *sb)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;
	time_t t;
	struct tm tm;

	if (!sde || !*sde)
		return 0;
	v = strtoll(sde, &end, 10);
	t = (time_t)v;
	if (*end || v < 0 || !gmtime_r(&t, &tm))
		return 0;
	strbuf_addf(sb, "%d", tm.tm_year + 1900);
	return 1;
}

static void
build_one(struct tdict *g, const struct config *c, const struct gvar *v,
	  struct strbuf *sb)
{
	const char *str = NULL, *slash;

	strbuf_reset(sb);
	if (v->how == GV_CFG || v->how == GV_SHOWN)
		str = *(const char *const *)((const char *)c + v->off);
	switch (v->how) {
	case GV_CFG:
		tdict_set(g, v->name, str ? str : "");
		break;
	case GV_SHOWN:
		tdict_show(g, v->name, str != NULL);
		break;
	case GV_VERSION:
		tdict_set(g, v->name, KHORA_VERSION);
		break;
	case GV_PY_NODOT:
		for (str = c->python_version; str && *str; str++)
			if (*str != '.')
				strbuf_addch(sb, *str);
		tdict_set(g, v->name, sb->buf);
		break;
	case GV_CONFIG_DIR:
		slash = strrchr(c->file, '/');
		if (slash)
			strbuf_add(sb, c->file, (size_t)(slash - c->file));
		else
			strbuf_addch(sb, '.');
		tdict_set(g, v->name, sb->len ? sb->buf : "/");
		break;
	case GV_YEAR:
		if (fixed_year(sb))
			tdict_set(g, v->name, sb->buf);
		break;
	case GV_HAS_YEAR:
		tdict_show(g, v->name, fixed_year(sb));
		break;
	case GV_LIST:
		break;
	}
}

void
dict_build_global(struct pipeline *p)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(global_vars); i++)
		build_one(p->global, p->cfg, &global_vars[i], &sb);
	/*
	 * The config keys sidecars declare with a variable (paths.api_dir
	 * -> api_dir): the value or its default, "" when neither, and
	 * has_VAR shown when there is one.
	 */
	for (i = 0; i < p->cat->schema.nr_keys; i++) {
		const struct decl *dc = p->cat->schema.keys[i];
		const char *v;

		if (!dc->var)
			continue;
		v = config_value(p->cfg, dc->name);
		tdict_set(p->global, dc->var, v ? v : "");
		strbuf_reset(&sb);
		strbuf_addf(&sb, "has_%s", dc->var);
		tdict_show(p->global, sb.buf, v != NULL);
	}
	strbuf_release(&sb);
}

/* Feature sections and the list of plugins, once resolve is done. */
void
dict_build_features(struct pipeline *p)
{
	struct strlist known = { NULL, 0, 0 };
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;

	known_features(p, &known);
	for (i = 0; i < known.nr; i++) {
		const char *v = resolve_feature(p, known.v[i]);
		const char *const *ch = schema_choices(&p->cat->schema,
						       known.v[i]);

		strbuf_reset(&sb);
		strbuf_addf(&sb, "feature_%s", known.v[i]);
		tdict_show(p->global, sb.buf, v != NULL);
		for (j = 0; ch && ch[j]; j++) {
			strbuf_reset(&sb);
			strbuf_addf(&sb, "feature_%s_%s", known.v[i], ch[j]);
			tdict_show(p->global, sb.buf, v && !strcmp(v, ch[j]));
		}
	}
	tdict_show(p->global, "features", 0);
	for (i = 0; i < p->on_names.nr; i++) {
		struct tdict *it = tdict_add_section(p->global, "features");

		tdict_set(it, "name", p->on_names.v[i]);
		tdict_set(it, "value", p->on_values.v[i]);
		tdict_show(it, "is_bool", !strcmp(p->on_values.v[i], "true"));
	}
	tdict_show(p->global, "plugins", 0);
	for (i = 0; i < p->nr_active; i++) {
		struct tdict *it = tdict_add_section(p->global, "plugins");

		tdict_set(it, "name", p->active[i]->name);
		tdict_set(it, "version", p->active[i]->version);
	}
	strlist_clear(&known);
	strbuf_release(&sb);
}

void
dict_build_slots(struct pipeline *p)
{
	size_t i, j;

	struct strbuf has = STRBUF_INIT;

	/* SLOT iterates the items, has_SLOT is shown when there are any */
	for (i = 0; i < ARRAY_SIZE(std_slots); i++) {
		tdict_show(p->global, std_slots[i], 0);
		strbuf_reset(&has);
		strbuf_addf(&has, "has_%s", std_slots[i]);
		tdict_show(p->global, has.buf, 0);
	}
	for (i = 0; i < p->nr_slots; i++) {
		tdict_show(p->global, p->slots[i].name, 0);
		strbuf_reset(&has);
		strbuf_addf(&has, "has_%s", p->slots[i].name);
		tdict_show(p->global, has.buf, p->slots[i].items.nr > 0);
		for (j = 0; j < p->slots[i].items.nr; j++)
			tdict_set(tdict_add_section(p->global,
						    p->slots[i].name),
				  "item", p->slots[i].items.v[j]);
	}
	strbuf_release(&has);
}

int
pipeline_slot_known(struct pipeline *p, const char *slot, const char **guess)
{
	const char *cand[256];
	size_t i, n = 0;

	*guess = NULL;
	if (hashmap_get(&p->slot_index, slot))
		return 1;
	for (i = 0; i < ARRAY_SIZE(std_slots); i++)
		if (!strcmp(std_slots[i], slot))
			return 1;
	for (i = 0; i < ARRAY_SIZE(std_slots); i++)
		cand[n++] = std_slots[i];
	for (i = 0; i < p->nr_slots && n < ARRAY_SIZE(cand); i++)
		cand[n++] = p->slots[i].name;
	*guess = closest_match(slot, cand, n);
	return 0;
}
