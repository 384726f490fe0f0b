/* SPDX-License-Identifier: MIT */
/*
 * plan.c - the action list every plugin appends to, the slots they
 * contribute to, and its merge: normalisation, confinement, collisions.
 * The dictionaries templates see are dict.c's, the render pass
 * render.c's, the lock and the base records.c's; loading and unloading
 * the plugins is the loader's, for the owner of the run
 * (doc/design.md §9).
 */
#include "compat.h"
#include <unistd.h>
#include "path.h"
#include "pipeline.h"
#include "strbuf.h"
#include "wrapper.h"

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
	dict_build_global(p);
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

	/* the caller unloaded the plugins first (doc/design.md §9) */
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

const char *
action_owner_name(const struct action *a)
{
	return a->owner ? a->owner->name : "khora";
}

const char *
action_owner_lib(const struct action *a)
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
				  "plugin '%s' emits '%s' twice",
				  action_owner_name(a), a->path);
	return diag_error(p->d, EXIT_CONFLICT, NULL, "path collision: plugins "
			  "'%s' and '%s' both %s '%s'%s", action_owner_name(a),
			  action_owner_name(b), how, a->path,
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
				  action_owner_name(a), action_owner_lib(a),
				  a->path, a->text, why);
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
					  "path %s", action_owner_name(a),
					  action_owner_lib(a), shown, why);
		/* .khora/ and the names of a crash journal or a staging
		 * directory: khora would read them back as its own */
		if (a->owner && !a->is_state && path_reserved(a->path))
			return diag_error(p->d, EXIT_PLUGIN, NULL, "plugin "
					  "'%s' (%s): invalid path '%s': "
					  "reserved for khora",
					  action_owner_name(a),
					  action_owner_lib(a), a->path);
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
					 "inside it", a->path,
					 action_owner_name(a),
					 action_owner_name(&p->actions[j]),
					 p->actions[j].path);
	}
	strbuf_release(&sb);
	return ret;
}

int
pipeline_merge(struct pipeline *p)
{
	size_t i, w;

	dict_build_features(p);
	dict_build_slots(p);
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
