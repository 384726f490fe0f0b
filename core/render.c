/* SPDX-License-Identifier: MIT */
/*
 * render.c - one render pass over the merged actions: each template
 * file found (the config's templates_dir, the user's data directory,
 * the plugin's own, the builtin ones), parsed once through the
 * template cache, rendered with its plugin's dictionary, hashed.
 */
#include "compat.h"
#include <unistd.h>
#include "datadir.h"
#include "hash.h"
#include "pipeline.h"
#include "progress.h"
#include "sha256.h"
#include "stagepool.h"
#include "strbuf.h"
#include "wrapper.h"

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
	if (!datadir_user(&sb, USER_DATA, "templates") &&
	    (strbuf_addf(&sb, "/%s", pi->name), exists(sb.buf)))
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
	const char *pl = a->owner->name;
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
	if ((dirs & 4) && !datadir_user(&cand[1], USER_DATA, "templates"))
		strbuf_addf(&cand[1], "/%s/%s", pl, a->tmpl);
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
			   action_owner_lib(a), a->tmpl, tried.buf);
	for (i = 0; i < ARRAY_SIZE(cand); i++)
		strbuf_release(&cand[i]);
	strbuf_release(&tried);
	return found;
}

/*
 * What the lookup of one plugin template gives, kept for the pass: a
 * plugin that renders one template a thousand times (a slot, a file
 * per item) pays for the search, the path and the cache lookup once.
 * hint is the longest output so far, so that the next render of it
 * allocates once instead of growing by halves.
 */
struct tmemo {
	char *key;			/* "PLUGIN/TEMPLATE" */
	char *path;			/* the template file found */
	char *display;			/* its name in messages */
	struct template *t;		/* owned by p->cache */
	size_t hint;
};

/* The lookups of one render pass, by "PLUGIN/TEMPLATE". */
struct tmemos {
	struct hashmap by_key;
	struct tmemo **v;
	size_t nr, alloc;
};

static struct tmemo *
tmemo_get(struct pipeline *p, struct tmemos *ms, const struct action *a)
{
	struct strbuf key = STRBUF_INIT;
	struct tmemo *m;
	char *root;

	strbuf_addf(&key, "%s/%s", a->owner->name, a->tmpl);
	m = hashmap_get_len(&ms->by_key, key.buf, key.len);
	if (m) {
		p->cache.hits++;
		strbuf_release(&key);
		return m;
	}
	m = xcalloc(1, sizeof(*m));
	m->path = find_template(p, a, &m->display);
	if (!m->path)
		goto fail;
	/* path is ROOT/tmpl: the template may not leave ROOT */
	root = xstrndup(m->path, strlen(m->path) - strlen(a->tmpl) - 1);
	m->t = tcache_get(&p->cache, root, a->tmpl, m->display, p->d);
	free(root);
	if (!m->t)
		goto fail;
	m->key = strbuf_detach(&key, NULL);
	ALLOC_GROW(ms->v, ms->nr, ms->alloc);
	ms->v[ms->nr++] = m;
	hashmap_put(&ms->by_key, m->key, m);
	return m;
fail:
	free(m->path);
	free(m->display);
	free(m);
	strbuf_release(&key);
	return NULL;
}

static void
tmemos_release(struct tmemos *ms)
{
	size_t i;

	for (i = 0; i < ms->nr; i++) {
		free(ms->v[i]->key);
		free(ms->v[i]->path);
		free(ms->v[i]->display);
		free(ms->v[i]);
	}
	free(ms->v);
	hashmap_clear(&ms->by_key);
}

static int
render_one(struct pipeline *p, struct tmemos *ms, struct action *a,
	   struct strbuf *out)
{
	struct tmemo *m = NULL;
	struct template *t;
	char *root;

	if (a->tmpl_path) {
		/* a template directory's file comes with its path, once */
		root = xstrndup(a->tmpl_path, strlen(a->tmpl_path) -
				strlen(a->tmpl) - 1);
		a->tmpl_shown = xstrdup(a->tmpl_path);
		t = tcache_get(&p->cache, root, a->tmpl, a->tmpl_shown, p->d);
		free(root);
	} else {
		m = tmemo_get(p, ms, a);
		if (!m)
			return -1;
		a->tmpl_path = xstrdup(m->path);
		a->tmpl_shown = xstrdup(m->display);
		t = m->t;
	}
	if (!t)
		return -1;
	strbuf_reset(out);
	if (m && m->hint)
		strbuf_grow(out, m->hint);
	if (template_render(t, host_ctx_dict(a->owner->ctx), &p->cache, out,
			    p->d))
		return -1;
	if (m && out->len > m->hint)
		m->hint = out->len;
	a->data = strbuf_detach(out, &a->len);
	return 0;
}

int
pipeline_render(struct pipeline *p)
{
	struct strbuf out = STRBUF_INIT;
	struct tmemos ms = { HASHMAP_INIT, NULL, 0, 0 };
	size_t i;
	int ret = 0;

	for (i = 0; i < p->nr && !ret; i++) {
		struct action *a = &p->actions[i];

		if (a->kind == A_FILE) {
			p->d->plugin = a->owner->name;
			ret = render_one(p, &ms, a, &out);
			p->d->plugin = NULL;
		} else if (a->kind == A_TEXT) {
			a->data = a->text;
			a->len = strlen(a->text);
		}
		progress_show("rendering", i + 1, p->nr);
	}
	strbuf_release(&out);
	tmemos_release(&ms);
	if (ret)
		return -1;
	/* every file's sha256, by several threads in a large run */
	stage_hash_actions(p->actions, p->nr);
	p->prof.templates_parsed = p->cache.parsed;
	p->prof.renders = p->cache.renders;
	p->prof.cache_hits = p->cache.hits;
	return 0;
}
