/* SPDX-License-Identifier: MIT */
/*
 * plan.c - the batched middle of the pipeline: the action list every
 * plugin appends to, its merge (normalisation, confinement, collisions),
 * the dictionaries templates see, one render pass through the template
 * cache, and the lock file that records what was generated.
 */
#include "compat.h"
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "khora-plugin.h"
#include "path.h"
#include "pipeline.h"
#include "progress.h"
#include "sha256.h"
#include "stagepool.h"
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
 * build_global() fills the dictionary from it and pipeline_reserved()
 * refuses a template variable of the same name, so the two cannot
 * drift apart.
 */
enum gval {
	GV_CFG,			/* a string of struct config ("" when NULL) */
	GV_SHOWN,		/* a section shown when that string is set */
	GV_VERSION, GV_PY_NODOT, GV_CONFIG_DIR, GV_YEAR,
	GV_HAS_YEAR,
	GV_LIST,		/* a list section built by build_features() */
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

/* Prefixes of the sections build_features() and build_slots() define. */
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

static void
build_global(struct pipeline *p)
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
static void
build_features(struct pipeline *p)
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
pipeline_init(struct pipeline *p, struct diag *d, const struct config *cfg,
	      struct catalog *cat)
{
	memset(p, 0, sizeof(*p));
	p->d = d;
	p->cfg = cfg;
	p->cat = cat;
	p->post_fd = -1;
	p->global = tdict_new(NULL);
	tcache_init(&p->cache);
	build_global(p);
}

static void
action_free(struct action *a)
{
	if (a->data != a->text)
		free(a->data);
	free(a->path);
	free(a->tmpl);
	free(a->tmpl_path);
	free(a->tmpl_shown);
	free(a->text);
}

void
pipeline_release(struct pipeline *p)
{
	size_t i;

	unload_plugins(p);
	if (p->post_fd >= 0)
		close(p->post_fd);
	for (i = 0; i < p->nr; i++)
		action_free(&p->actions[i]);
	free(p->actions);
	for (i = 0; i < p->nr_slots; i++) {
		free(p->slots[i].name);
		strlist_clear(&p->slots[i].items);
		hashmap_clear(&p->slots[i].seen);
	}
	free(p->slots);
	hashmap_clear(&p->slot_index);
	strlist_clear(&p->component_keys.items);
	hashmap_clear(&p->component_keys.seen);
	for (i = 0; i < p->nr_cmds; i++) {
		char **v;

		for (v = p->cmds[i].argv; *v; v++)
			free(*v);
		free(p->cmds[i].argv);
	}
	free(p->cmds);
	for (i = 0; i < p->nr_removals; i++)
		free(p->removals[i].path);
	free(p->removals);
	free(p->active);
	strlist_clear(&p->on_names);
	strlist_clear(&p->on_values);
	for (i = 0; i < p->secrets.nr; i++)
		explicit_bzero(p->secrets.v[i], strlen(p->secrets.v[i]));
	strlist_clear(&p->secrets);
	tcache_release(&p->cache);
	tdict_free(p->global);
	memset(p, 0, sizeof(*p));
}

struct action *
pipeline_add(struct pipeline *p, enum action_kind kind,
	     struct plugin_info *owner, const char *path)
{
	struct action *a;

	ALLOC_GROW(p->actions, p->nr, p->alloc);
	a = &p->actions[p->nr];
	memset(a, 0, sizeof(*a));
	a->seq = p->nr++;
	a->kind = kind;
	a->owner = owner;
	a->path = xstrdup(path);
	return a;
}

int
pipeline_contribute(struct pipeline *p, const char *slot, const char *item)
{
	void *at = hashmap_get(&p->slot_index, slot);
	struct slot *s;

	/* tables, not scans: a plugin may contribute thousands of items */
	if (at) {
		s = &p->slots[(size_t)(uintptr_t)at - 1];
	} else {
		ALLOC_GROW(p->slots, p->nr_slots, p->alloc_slots);
		s = &p->slots[p->nr_slots++];
		memset(s, 0, sizeof(*s));
		s->name = xstrdup(slot);
		/* the slot's number + 1: the array moves as it grows */
		hashmap_put(&p->slot_index, s->name,
			    (void *)(uintptr_t)p->nr_slots);
	}
	if (!hashmap_get(&s->seen, item)) {
		strlist_push(&s->items, item);
		hashmap_put(&s->seen, s->items.v[s->items.nr - 1],
			    s->items.v[s->items.nr - 1]);
	}
	return 0;
}

const struct slot *
pipeline_slot(const struct pipeline *p, const char *name)
{
	void *at = hashmap_get(&p->slot_index, name);

	return at ? &p->slots[(size_t)(uintptr_t)at - 1] : NULL;
}

static void
build_slots(struct pipeline *p)
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

static const char *
owner_name(const struct action *a)
{
	return a->owner ? a->owner->name : "khora";
}

static const char *
owner_lib(const struct action *a)
{
	return a->owner ? a->owner->library : "khora";
}

static int
cmp_action(const void *x, const void *y)
{
	const struct action *a = x, *b = y;
	int c = strcmp(a->path, b->path);

	if (c)
		return c;
	/*
	 * equal paths: emission order (plugins plan in load order), from a
	 * number the action carries; not its address, which qsort may
	 * change while it sorts (a comparator must be consistent)
	 */
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int
collide(struct pipeline *p, const struct action *a, const struct action *b,
	const char *how)
{
	if (a->owner == b->owner)
		return diag_error(p->d, EXIT_CONFLICT, NULL, "path collision: "
				  "plugin '%s' emits '%s' twice", owner_name(a),
				  a->path);
	return diag_error(p->d, EXIT_CONFLICT, NULL, "path collision: plugins "
			  "'%s' and '%s' both %s '%s'%s", owner_name(a),
			  owner_name(b), how, a->path,
			  (a->owner && a->owner->is_template) ||
			  (b->owner && b->owner->is_template) ? " (a "
			  "template replaces a plugin's file only when its "
			  "manifest says so: override: [PATH])" : "");
}

/*
 * A symlink's target, resolved from the link's directory, must stay in
 * the project: "docs/link -> ../README.md" is fine, "-> ../../etc" not.
 */
static int
check_symlink(struct pipeline *p, const struct action *a)
{
	const char *why = NULL, *t = a->text;
	const char *slash = strrchr(a->path, '/');
	long depth = 0;

	/* the link's own directory depth, then walk the target */
	for (const char *c = a->path; slash && c <= slash; c++)
		if (*c == '/')
			depth++;
	if (*t == '/')
		why = "is absolute";
	while (!why && *t) {
		const char *end = strchr(t, '/');
		size_t len = end ? (size_t)(end - t) : strlen(t);

		if (len == 2 && t[0] == '.' && t[1] == '.') {
			if (--depth < 0)
				why = "escapes the project";
		} else if (len && !(len == 1 && *t == '.')) {
			depth++;
		}
		t += len + (end != NULL);
	}
	if (!why && strpbrk(a->text, "\n\r"))
		why = "contains a control character";
	if (why)
		return diag_error(p->d, EXIT_PLUGIN, NULL, "plugin '%s' (%s): "
				  "symlink '%s' -> '%s': the target %s",
				  owner_name(a), owner_lib(a), a->path, a->text,
				  why);
	return 0;
}

static int
check_paths(struct pipeline *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		struct action *a = &p->actions[i];
		char shown[128];
		const char *why;

		snprintf(shown, sizeof(shown), "%s", a->path);
		why = path_check(a->path);
		if (why)
			return diag_error(p->d, EXIT_PLUGIN, NULL, "plugin "
					  "'%s' (%s): invalid path '%s': the "
					  "path %s", owner_name(a),
					  owner_lib(a), shown, why);
		/* .khora/ and the names of a crash journal or a staging
		 * directory: khora would read them back as its own */
		if (a->owner && !a->is_state && path_reserved(a->path))
			return diag_error(p->d, EXIT_PLUGIN, NULL, "plugin "
					  "'%s' (%s): invalid path '%s': "
					  "reserved for khora", owner_name(a),
					  owner_lib(a), a->path);
		if (a->kind == A_SYMLINK && check_symlink(p, a))
			return -1;
	}
	return 0;
}

/* First action whose path is >= key, in the sorted list. */
static size_t
lower_bound(const struct pipeline *p, const char *key)
{
	size_t lo = 0, hi = p->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(p->actions[mid].path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A file or symlink cannot also be a directory of other entries. */
static int
check_prefixes(struct pipeline *p)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;
	int ret = 0;

	for (i = 0; i < p->nr && !ret; i++) {
		const struct action *a = &p->actions[i];

		if (a->kind == A_DIR)
			continue;
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/", a->path);
		j = lower_bound(p, sb.buf);
		if (j < p->nr && starts_with(p->actions[j].path, sb.buf))
			ret = diag_error(p->d, EXIT_CONFLICT, NULL, "path "
					 "collision: '%s' (plugin '%s') is a "
					 "file, but plugin '%s' writes '%s' "
					 "inside it", a->path, owner_name(a),
					 owner_name(&p->actions[j]),
					 p->actions[j].path);
	}
	strbuf_release(&sb);
	return ret;
}

int
pipeline_merge(struct pipeline *p)
{
	size_t i, w;

	build_features(p);
	build_slots(p);
	if (check_paths(p))
		return -1;
	if (p->nr)
		qsort(p->actions, p->nr, sizeof(*p->actions), cmp_action);
	for (i = 1, w = 1; i < p->nr; i++) {
		struct action *prev = &p->actions[w - 1], *a = &p->actions[i];

		if (strcmp(prev->path, a->path)) {
			p->actions[w++] = *a;
			continue;
		}
		/* a copy that yields (KHORA_MODE_YIELD) gives way */
		if (prev->yield && !a->yield && a->kind != A_DIR) {
			action_free(prev);
			*prev = *a;
			continue;
		}
		if (a->yield && prev->kind != A_DIR) {
			action_free(a);
			continue;
		}
		if (prev->kind != A_DIR || a->kind != A_DIR) {
			collide(p, prev, a, a->kind == A_DIR ||
				prev->kind == A_DIR ? "create" : "write");
			/* the unmerged rest joins the merged part, so that
			 * pipeline_release() frees each action once */
			memmove(&p->actions[w], &p->actions[i],
				(p->nr - i) * sizeof(*p->actions));
			p->nr = w + (p->nr - i);
			return -1;
		}
		/* the same directory twice is one directory */
		free(a->path);
	}
	if (p->nr)
		p->nr = w;
	return check_prefixes(p);
}

static int
exists(const char *path)
{
	return !access(path, R_OK);
}

/* Where a plugin's templates may be overridden, checked once per plugin:
 * most runs have no override, and then no template costs a lookup. */
static int
override_dirs(struct pipeline *p, struct plugin_info *pi)
{
	struct strbuf sb = STRBUF_INIT;
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (pi->override_dirs)
		return pi->override_dirs;
	pi->override_dirs = 1;
	if (p->cfg->templates_dir) {
		config_path(p->cfg, p->cfg->templates_dir, &sb);
		strbuf_addf(&sb, "/%s", pi->name);
		if (exists(sb.buf))
			pi->override_dirs |= 2;
		strbuf_reset(&sb);
	}
	if (xdg && *xdg == '/')
		strbuf_addf(&sb, "%s/khora/templates/%s", xdg, pi->name);
	else if (home && *home == '/')
		strbuf_addf(&sb, "%s/.local/share/khora/templates/%s", home,
			    pi->name);
	if (sb.len && exists(sb.buf))
		pi->override_dirs |= 4;
	strbuf_release(&sb);
	return pi->override_dirs;
}

/*
 * The first existing file of: the config's templates_dir, the user's
 * data dir, the plugin's own template dir, the builtin templates.  The
 * display name is the path, except for builtin templates, which are
 * named "templates/PLUGIN/NAME" whatever the install prefix.
 */
static char *
find_template(struct pipeline *p, const struct action *a, char **display)
{
	struct strbuf cand[4], tried = STRBUF_INIT;
	const char *pl = a->owner->name, *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	char *found = NULL;
	size_t i;
	int dirs = override_dirs(p, a->owner);

	for (i = 0; i < ARRAY_SIZE(cand); i++)
		strbuf_init(&cand[i], 0);
	/* override candidates only where override_dirs() found a dir */
	if (dirs & 2) {
		config_path(p->cfg, p->cfg->templates_dir, &cand[0]);
		strbuf_addf(&cand[0], "/%s/%s", pl, a->tmpl);
	}
	if ((dirs & 4) && xdg && *xdg == '/')
		strbuf_addf(&cand[1], "%s/khora/templates/%s/%s", xdg, pl,
			    a->tmpl);
	else if ((dirs & 4) && home && *home == '/')
		strbuf_addf(&cand[1], "%s/.local/share/khora/templates/%s/%s",
			    home, pl, a->tmpl);
	if (a->owner->template_dir)
		strbuf_addf(&cand[2], "%s/%s", a->owner->template_dir, a->tmpl);
	strbuf_addf(&cand[3], "%s/%s/%s", p->cat->templatedir, pl, a->tmpl);
	for (i = 0; i < ARRAY_SIZE(cand) && !found; i++) {
		if (!cand[i].len)
			continue;
		if (exists(cand[i].buf)) {
			found = strbuf_detach(&cand[i], NULL);
			*display = i == 3 ? NULL : xstrdup(found);
		} else {
			strbuf_addf(&tried, "%s%s", tried.len ? ", " : "",
				    cand[i].buf);
		}
	}
	if (found && !*display) {
		struct strbuf disp = STRBUF_INIT;

		strbuf_addf(&disp, "templates/%s/%s", pl, a->tmpl);
		*display = strbuf_detach(&disp, NULL);
	}
	if (!found)
		diag_error(p->d, EXIT_TEMPLATE, NULL, "plugin '%s' (%s): "
			   "cannot find template '%s' (looked for %s)", pl,
			   owner_lib(a), a->tmpl, tried.buf);
	for (i = 0; i < ARRAY_SIZE(cand); i++)
		strbuf_release(&cand[i]);
	strbuf_release(&tried);
	return found;
}

static int
render_one(struct pipeline *p, struct action *a, struct strbuf *out)
{
	char *display = NULL, *root;
	struct template *t;
	int ret;

	/* a template directory's file comes with its path */
	if (a->tmpl_path)
		display = xstrdup(a->tmpl_path);
	else
		a->tmpl_path = find_template(p, a, &display);
	if (!a->tmpl_path)
		return -1;
	/* tmpl_path is ROOT/tmpl: the template may not leave ROOT */
	root = xstrndup(a->tmpl_path, strlen(a->tmpl_path) -
			strlen(a->tmpl) - 1);
	t = tcache_get(&p->cache, root, a->tmpl, display, p->d);
	free(root);
	a->tmpl_shown = display;
	if (!t)
		return -1;
	strbuf_reset(out);
	ret = template_render(t, host_ctx_dict(a->owner->ctx), &p->cache, out,
			      p->d);
	if (ret)
		return -1;
	a->data = strbuf_detach(out, &a->len);
	return 0;
}

/* Entries of the lock and the base: generated files, not the config,
 * nor a file that was there before khora (it is the user's). */
static int
recorded(const struct action *a)
{
	return a->kind != A_DIR && !a->is_config && !a->unowned &&
	       !a->unrecorded;
}

static void
add_lock_template(struct strbuf *sb, const char *owner, const char *tmpl)
{
	struct strbuf t = STRBUF_INIT;

	strbuf_addf(&t, "%s/%s", owner, tmpl);
	strbuf_addstr(sb, "    template: ");
	ytree_add_scalar(sb, t.buf, 0);
	strbuf_addch(sb, '\n');
	strbuf_release(&t);
}

static void
add_lock(struct pipeline *p, const char *config_sha, size_t nr)
{
	struct strbuf sb = STRBUF_INIT;
	struct action *a;
	size_t i;

	strbuf_addf(&sb, "# khora lock file: what khora generated here, with "
		    "content hashes.\n# Do not edit; 'khora update' reads "
		    "it.\nlock_version: 1\nkhora_version: %s\n", KHORA_VERSION);
	if (config_sha)
		strbuf_addf(&sb, "config: khora.yaml\nconfig_sha256: %s\n",
			    config_sha);
	strbuf_addstr(&sb, "plugins:\n");
	for (i = 0; i < p->nr_active; i++) {
		/* both from a sidecar: escaped like every other string */
		strbuf_addstr(&sb, "  - {name: ");
		ytree_add_scalar(&sb, p->active[i]->name, 0);
		strbuf_addstr(&sb, ", version: ");
		ytree_add_scalar(&sb, p->active[i]->version, 1);
		strbuf_addstr(&sb, "}\n");
	}
	strbuf_addstr(&sb, "files:\n");
	for (i = 0; i < nr; i++) {
		a = &p->actions[i];
		if (!recorded(a))
			continue;
		strbuf_addstr(&sb, "  - path: ");
		ytree_add_scalar(&sb, a->path, 1);
		strbuf_addstr(&sb, "\n    plugin: ");
		ytree_add_scalar(&sb, owner_name(a), 0);
		strbuf_addch(&sb, '\n');
		if (a->user) {
			/* the user's: no hash, nothing to compare */
			strbuf_addstr(&sb, "    user: true\n");
			continue;
		}
		if (a->kind == A_SYMLINK) {
			strbuf_addstr(&sb, "    symlink: ");
			ytree_add_scalar(&sb, a->text, 1);
			strbuf_addch(&sb, '\n');
			continue;
		}
		if (a->tmpl)
			add_lock_template(&sb, owner_name(a), a->tmpl);
		strbuf_addf(&sb, "    mode: \"%04o\"\n    sha256: %s\n",
			    a->mode, a->sha);
		if (a->conflict)
			strbuf_addstr(&sb, "    conflict: true\n");
		if (a->secret)
			strbuf_addstr(&sb, "    secret: true\n");
		if (a->beside) {
			strbuf_addstr(&sb, "    beside: ");
			ytree_add_scalar(&sb, a->beside, 1);
			strbuf_addch(&sb, '\n');
		}
	}
	a = pipeline_add(p, A_TEXT, NULL, ".khora/lock");
	a->mode = 0644;
	a->text = strbuf_detach(&sb, &a->len);
	a->data = a->text;
	sha256_hex(a->data, a->len, a->sha);
}

#define BASE_HEADER PIPELINE_BASE_HEADER

/* Does a's content hold a secret answer (in any form p->secrets has)? */
static int
holds_secret(const struct pipeline *p, const struct action *a)
{
	size_t i;

	for (i = 0; i < p->secrets.nr; i++)
		if (a->data && memmem(a->data, a->len, p->secrets.v[i],
				      strlen(p->secrets.v[i])))
			return 1;
	return 0;
}

/*
 * One file for all the pristine copies: a project gains two files, not
 * twice as many, and "@@ SIZE PATH" frames make it binary-safe.  A file
 * holding a secret answer has no copy there: the base is committed with
 * the project, and the secret would go with it (the lock marks the file
 * `secret: true`; update merges it without a base).
 */
static void
add_base(struct pipeline *p, size_t nr)
{
	struct strbuf sb = STRBUF_INIT;
	struct action *a;
	size_t i, total = sizeof(BASE_HEADER);

	for (i = 0; i < nr; i++)
		total += p->actions[i].len + strlen(p->actions[i].path) + 32;
	strbuf_grow(&sb, total);
	strbuf_addstr(&sb, BASE_HEADER);
	for (i = 0; i < nr; i++) {
		a = &p->actions[i];
		if (!recorded(a) || a->kind == A_SYMLINK || a->user)
			continue;
		a->secret = holds_secret(p, a);
		if (a->secret)
			continue;
		strbuf_addf(&sb, "@@ %zu %s\n", a->len, a->path);
		strbuf_add(&sb, a->data, a->len);
		strbuf_addch(&sb, '\n');
	}
	a = pipeline_add(p, A_TEXT, NULL, ".khora/base");
	a->mode = 0644;
	a->text = strbuf_detach(&sb, &a->len);
	a->data = a->text;
	sha256_hex(a->data, a->len, a->sha);
}

int
pipeline_add_records(struct pipeline *p, const char *config_sha)
{
	size_t nr = p->nr, i, total = sizeof(BASE_HEADER);

	/* the base holds every file in one buffer: past STRBUF_MAX khora
	 * could neither write nor read it, so it refuses, not dies */
	for (i = 0; i < nr; i++)
		total += p->actions[i].len + strlen(p->actions[i].path) + 32;
	if (total >= STRBUF_MAX - 1)
		return diag_error(p->d, EXIT_IO, NULL, "cannot record the "
				  "project in .khora/base: its files total "
				  "%zu MiB, more than the %zu MiB khora keeps",
				  total >> 20, STRBUF_MAX >> 20);
	/* the base first: it marks the files holding a secret, which the
	 * lock then records as such */
	add_base(p, nr);
	add_lock(p, config_sha, nr);
	return 0;
}

int
pipeline_read_base(const char *buf, size_t len,
		   void (*fn)(const char *path, const char *data, size_t len,
			      void *arg), void *arg)
{
	size_t off = 0;

	if (len < strlen(BASE_HEADER) || memcmp(buf, BASE_HEADER,
						strlen(BASE_HEADER)))
		return -1;
	off = strlen(BASE_HEADER);
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		char *end, path[PATH_MAX_TOTAL + 1];
		unsigned long long size;
		size_t plen;

		if (!nl || len - off < 5 || memcmp(buf + off, "@@ ", 3))
			return -1;
		errno = 0;
		size = strtoull(buf + off + 3, &end, 10);
		if (errno || *end != ' ' || end >= nl)
			return -1;
		plen = (size_t)(nl - end - 1);
		if (plen > PATH_MAX_TOTAL || size > len ||
		    (size_t)(nl - buf) + 1 + size + 1 > len ||
		    nl[1 + size] != '\n')
			return -1;
		memcpy(path, end + 1, plen);
		path[plen] = '\0';
		fn(path, nl + 1, (size_t)size, arg);
		off = (size_t)(nl - buf) + 1 + (size_t)size + 1;
	}
	return 0;
}

int
pipeline_render(struct pipeline *p)
{
	struct strbuf out = STRBUF_INIT;
	size_t i;
	int ret = 0;

	for (i = 0; i < p->nr && !ret; i++) {
		struct action *a = &p->actions[i];

		if (a->kind == A_FILE) {
			p->d->plugin = a->owner->name;
			ret = render_one(p, a, &out);
			p->d->plugin = NULL;
		} else if (a->kind == A_TEXT) {
			a->data = a->text;
			a->len = strlen(a->text);
		}
		progress_show("rendering", i + 1, p->nr);
	}
	strbuf_release(&out);
	if (ret)
		return -1;
	/* every file's sha256, by several threads in a large run */
	stage_hash_actions(p->actions, p->nr);
	p->prof.templates_parsed = p->cache.parsed;
	p->prof.renders = p->cache.renders;
	p->prof.cache_hits = p->cache.hits;
	return 0;
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
