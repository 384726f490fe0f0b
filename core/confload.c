/* SPDX-License-Identifier: MIT */
/*
 * confload.c - where a config comes from and how its layers merge:
 * khora.yaml (a file or a buffer), the user's config.yaml defaults, the
 * selected env section, --set/--with/--without, git's identity and the
 * builtin defaults, in that order of strength; each layer then checked
 * by config.c's strict validation (the schema tables live there, so
 * that adding a key stays one file).  config_load() and config_parse()
 * (config.h) are the entry points.
 */
#include "compat.h"
#include <ctype.h>
#include <unistd.h>
#include "config.h"
#include "datadir.h"
#include "gitident.h"
#include "hash.h"
#include "schema.h"
#include "strbuf.h"
#include "wrapper.h"

/* Every config error is exit code 3 at the offending node. */
#define cerr(d, n, ...) ynode_error(d, EXIT_CONFIG, n, __VA_ARGS__)

/* Overlay: maps merge key by key, anything else replaces.  The base's
 * keys are looked up in a table: answers: maps can be large. */
static void
merge_into(struct ynode *base, const struct ynode *over)
{
	struct hashmap keys = HASHMAP_INIT;
	size_t i, j;

	/* the value is the key's index + 1: NULL means absent */
	for (j = 0; j < base->nr; j++)
		hashmap_put(&keys, base->keys[j]->str,
			    (void *)(uintptr_t)(j + 1));
	for (i = 0; i < over->nr; i++) {
		const struct ynode *k = over->keys[i], *v = over->vals[i];
		void *at = hashmap_get(&keys, k->str);

		j = at ? (size_t)(uintptr_t)at - 1 : base->nr;
		if (j < base->nr && base->vals[j]->kind == Y_MAP &&
		    v->kind == Y_MAP) {
			merge_into(base->vals[j], v);
		} else if (j < base->nr) {
			ynode_free(base->vals[j]);
			base->vals[j] = ynode_dup(v);
		} else {
			ynode_append(base, ynode_dup(k), ynode_dup(v));
			hashmap_put(&keys, base->keys[j]->str,
				    (void *)(uintptr_t)(j + 1));
		}
	}
	hashmap_clear(&keys);
}

/* Sets dotted key to a plain scalar, creating maps on the way. */
static int
set_dotted(struct config *cfg, const char *key, const char *value,
	   const char *origin, struct diag *d)
{
	const char *file = own(cfg, origin);
	struct ynode *map = cfg->root, *v;
	char *k = xstrdup(key), *part = k, *dot;
	int ret = -1;

	for (;;) {
		dot = strchr(part, '.');
		if (dot)
			*dot = '\0';
		if (!*part) {
			diag_error(d, EXIT_USAGE, NULL, "invalid option '%s': "
				   "empty key component", origin);
			goto out;
		}
		v = ymap_get(map, part);
		if (!dot)
			break;
		if (!v) {
			v = ynode_new(Y_MAP, file, 0, 0);
			ynode_append(map, ynode_new(Y_SCALAR, file, 0, 0), v);
			map->keys[map->nr - 1]->str = xstrdup(part);
		} else if (v->kind != Y_MAP) {
			diag_error(d, EXIT_CONFIG, NULL, "invalid option '%s': "
				   "'%s' is not a mapping", origin, part);
			goto out;
		}
		map = v;
		part = dot + 1;
	}
	if (v) {
		size_t i;

		for (i = 0; i < map->nr; i++)
			if (map->vals[i] == v)
				break;
		ynode_free(v);
		map->vals[i] = v = ynode_new(Y_SCALAR, file, 0, 0);
	} else {
		v = ynode_new(Y_SCALAR, file, 0, 0);
		ynode_append(map, ynode_new(Y_SCALAR, file, 0, 0), v);
		map->keys[map->nr - 1]->str = xstrdup(part);
	}
	v->str = xstrdup(value);
	ret = 0;
out:
	free(k);
	return ret;
}

static int
apply_env(struct config *cfg, const char *env, struct diag *d)
{
	struct ynode *envs = ymap_get(cfg->root, "env"), *over;
	const char *cand[64];
	const char *best;
	size_t i, n = 0;

	over = ymap_get(envs, env);
	if (over && over->kind == Y_MAP) {
		merge_into(cfg->root, over);
		return 0;
	}
	if (over)
		return cerr(d, over, "env '%s' must be a mapping", env);
	for (i = 0; envs && i < envs->nr && n < ARRAY_SIZE(cand); i++)
		cand[n++] = envs->keys[i]->str;
	best = closest_match(env, cand, n);
	if (best)
		return diag_error(d, EXIT_CONFIG, NULL, "unknown env '%s' in "
				  "%s (did you mean '%s'?)", env, cfg->file,
				  best);
	return diag_error(d, EXIT_CONFIG, NULL, "unknown env '%s': %s has "
			  "no env.%s section", env, cfg->file, env);
}

static int
apply_overrides(struct config *cfg, const struct config_overrides *ov,
		struct diag *d)
{
	struct strbuf key = STRBUF_INIT, origin = STRBUF_INIT;
	size_t i;
	int ret = 0;

	if (ov->env && apply_env(cfg, ov->env, d))
		return -1;
	for (i = 0; !ret && i < ov->nr_set; i++) {
		const char *eq = strchr(ov->set[i], '=');

		strbuf_reset(&origin);
		strbuf_addf(&origin, "--set %s", ov->set[i]);
		if (!eq || eq == ov->set[i]) {
			ret = diag_error(d, EXIT_USAGE, NULL, "invalid option "
					 "'--set %s': expected key=value",
					 ov->set[i]);
			break;
		}
		strbuf_reset(&key);
		strbuf_add(&key, ov->set[i], (size_t)(eq - ov->set[i]));
		/* khora.yaml is UTF-8: a value it could not write back */
		if (!ytree_utf8_valid(ov->set[i], strlen(ov->set[i]))) {
			ret = diag_error(d, EXIT_USAGE, NULL, "invalid option "
					 "'--set %s=...': not valid UTF-8",
					 ytree_utf8_valid(key.buf, key.len) ?
					 key.buf : "?");
			break;
		}
		ret = set_dotted(cfg, key.buf, eq + 1, origin.buf, d);
	}
	for (i = 0; !ret && i < ov->nr_with + ov->nr_without; i++) {
		int with = i < ov->nr_with;
		const char *f = with ? ov->with[i] :
				  ov->without[i - ov->nr_with];
		const char *eq = strchr(f, '=');
		const char *const *ch;

		strbuf_reset(&key);
		strbuf_addstr(&key, "features.");
		strbuf_add(&key, f, eq ? (size_t)(eq - f) : strlen(f));
		strbuf_reset(&origin);
		strbuf_addf(&origin, "--with%s %s", with ? "" : "out", f);
		ch = schema_choices(cfg->schema,
				    key.buf + strlen("features."));
		if (eq && !with)
			ret = diag_error(d, EXIT_USAGE, NULL, "invalid option "
					 "'%s': --without takes no value",
					 origin.buf);
		else if (eq)
			ret = set_dotted(cfg, key.buf, eq + 1, origin.buf, d);
		else if (ch && with)
			ret = diag_error(d, EXIT_USAGE, NULL, "invalid option "
					 "'%s': feature '%s' needs a value, "
					 "e.g. '--with %s=%s'", origin.buf, f,
					 f, ch[1]);
		else
			ret = set_dotted(cfg, key.buf, ch ? "none" :
					 with ? "true" : "false", origin.buf,
					 d);
	}
	strbuf_release(&key);
	strbuf_release(&origin);
	return ret;
}

static const char *
get_str(const struct config *cfg, const char *section, const char *key)
{
	struct ynode *n = cfg->root;

	if (section)
		n = ymap_get(n, section);
	n = ymap_get(n, key);
	return n && n->kind == Y_SCALAR ? n->str : NULL;
}

/*
 * User defaults fill what the project config leaves out: after the
 * builtin defaults, before the file.  python_version only for a project
 * made without a file (a file must say it, doc/design.md §5).  Strict like the
 * project config: an unknown key is an error at its position.
 */
static int
apply_user_defaults(struct config *cfg, struct diag *d)
{
	struct strbuf path = STRBUF_INIT;
	struct ynode *tree = NULL;
	size_t i;
	int ret = 0;

	if (datadir_user(&path, USER_CONFIG, "config.yaml") ||
	    access(path.buf, F_OK)) {
		strbuf_release(&path);
		return 0;
	}
	cfg->user_file = strbuf_detach(&path, NULL);
	if (ytree_parse_file(cfg->user_file, &tree, d, EXIT_CONFIG))
		return -1;
	if (tree && tree->kind != Y_MAP)
		ret = cerr(d, tree, "invalid user defaults: the top level must "
			   "be a mapping");
	else if (tree)
		ret = validate_user_map(d, tree);
	for (i = 0; !ret && tree && i < tree->nr; i++) {
		const char *k = tree->keys[i]->str;

		/* answers: read by the template, for its variables only */
		if (ymap_get(cfg->root, k) || !strcmp(k, "answers") ||
		    !strcmp(k, "trusted") ||
		    (cfg->from_file && !strcmp(k, "python_version")))
			continue;
		ynode_append(cfg->root, ynode_dup(tree->keys[i]),
			     ynode_dup(tree->vals[i]));
	}
	if (!ret && ymap_get(tree, "python_version"))
		ret = check_python_version(d, ymap_get(tree, "python_version"));
	/* the nodes point at the file name: keep the tree until release */
	cfg->user_tree = tree;
	return ret;
}

/*
 * author and author_email that neither the file nor the user's
 * config.yaml gives: git's user.name and user.email (gitident.c), before
 * the placeholders.  An email git gives without '@' is not one.
 */
static void
git_identity(struct config *cfg)
{
	static const char *const keys[][2] = {
		{ "author", "user.name" },
		{ "author_email", "user.email" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		char *v;

		if (ymap_get(cfg->root, keys[i][0]))
			continue;
		v = gitident_get(keys[i][1]);
		if (v && (i == 0 || strchr(v, '@')))
			set_dotted(cfg, keys[i][0], v, "git config", NULL);
		free(v);
	}
}

/*
 * Without a file, khora new DIR works from defaults alone; a file must
 * name its project and Python version itself (doc/design.md §5).
 */
static void
set_defaults(struct config *cfg, const struct config_overrides *ov,
	     int from_file)
{
	static const char *const defaults[][2] = {
		{ "python_version", "3.11" },
		{ "version", "0.1.0" },
		{ "license", "MIT" },
		{ "author", "Your Name" },
		{ "author_email", "you@example.com" },
	};
	size_t i;

	if (!from_file && !ymap_get(cfg->root, "project_name") && ov &&
	    ov->default_name)
		set_dotted(cfg, "project_name", ov->default_name,
			   "target directory name", NULL);
	git_identity(cfg);
	for (i = from_file ? 1 : 0; i < ARRAY_SIZE(defaults); i++)
		if (!ymap_get(cfg->root, defaults[i][0]))
			set_dotted(cfg, defaults[i][0], defaults[i][1],
				   "default", NULL);
}

static void
copy_key(struct ynode *to, const struct ynode *from, const char *key)
{
	const struct ynode *n = ymap_get(from, key);
	struct ynode *k;

	if (ymap_get(to, key) || !n)
		return;
	k = ynode_new(Y_SCALAR, n->file, n->line, n->col);
	k->str = xstrdup(key);
	ynode_append(to, k, ynode_dup(n));
}

/* The config as written without its env sections: one copy per section
 * of the whole file (env included) made validation quadratic. */
static struct ynode *
dup_without_env(const struct ynode *root)
{
	struct ynode *out = ynode_new(Y_MAP, root->file, root->line,
				      root->col);
	size_t i;

	for (i = 0; i < root->nr; i++)
		if (strcmp(root->keys[i]->str, "env"))
			ynode_append(out, ynode_dup(root->keys[i]),
				     ynode_dup(root->vals[i]));
	return out;
}

/*
 * khora.yaml(5): every env section is validated, selected or not, so
 * that a typo in env.prod fails on the developer's machine, not in the
 * deployment that selects it.  Each one is checked as it would apply:
 * merged over the file as written (pristine), its errors at their
 * file:line:col.  Feature names and values are checked by resolve.c,
 * which knows the plugins.
 */
static int
validate_env_values(const struct config *cfg, const struct ynode *pristine,
		    const char *selected, struct diag *d)
{
	const struct ynode *envs = ymap_get(pristine, "env");
	size_t i;
	int ret = 0;

	for (i = 0; !ret && envs && envs->kind == Y_MAP && i < envs->nr; i++) {
		struct config t;

		if ((selected && !strcmp(envs->keys[i]->str, selected)) ||
		    envs->vals[i]->kind != Y_MAP)
			continue;
		memset(&t, 0, sizeof(t));
		t.file = cfg->file;
		t.schema = cfg->schema;
		t.root = dup_without_env(pristine);
		merge_into(t.root, envs->vals[i]);
		/* what defaults give the effective config */
		copy_key(t.root, cfg->root, "project_name");
		copy_key(t.root, cfg->root, "python_version");
		t.features = ymap_get(t.root, "features");
		ret = validate_values(&t, d);
		free(t.package);
		ynode_free(t.root);
	}
	return ret;
}

/* Everything after reading: shared by config_load() and config_parse(). */
static int
load_tree(struct config *cfg, const char *path,
	  const struct config_overrides *ov, struct diag *d)
{
	struct diag_loc loc;
	struct ynode *pristine;
	int ret;

	loc.file = cfg->file;
	loc.line = loc.col = 0;
	if (path && !cfg->root)
		return diag_error(d, EXIT_CONFIG, &loc, "invalid config: the "
				  "file is empty (see 'khora init')");
	if (!cfg->root)
		cfg->root = ynode_new(Y_MAP, cfg->file, 1, 1);
	if (cfg->root->kind != Y_MAP) {
		struct ynode *r = cfg->root;

		return cerr(d, r, "invalid config: the top level must be a "
			    "mapping, not %s", ynode_kind_name(r));
	}
	/* Type errors in the file come before errors in overrides. */
	if (fill(cfg, d))
		return -1;
	pristine = ynode_dup(cfg->root);
	if (apply_user_defaults(cfg, d) ||
	    (ov && apply_overrides(cfg, ov, d))) {
		ynode_free(pristine);
		return -1;
	}
	set_defaults(cfg, ov, path != NULL);
	cfg->features = ymap_get(cfg->root, "features");
	cfg->plugins_config = ymap_get(cfg->root, "plugins_config");
	ret = fill(cfg, d) || check_required(cfg, d) ||
		validate_values(cfg, d) ||
		validate_env_values(cfg, pristine, ov ? ov->env : NULL, d);
	ynode_free(pristine);
	if (ret)
		return -1;
	cfg->project_name = get_str(cfg, NULL, "project_name");
	cfg->description = get_str(cfg, NULL, "project_description");
	if (!cfg->description)
		cfg->description = "A Python project generated by khora";
	cfg->python_version = get_str(cfg, NULL, "python_version");
	cfg->version = get_str(cfg, NULL, "version");
	cfg->license = get_str(cfg, NULL, "license");
	cfg->author = get_str(cfg, NULL, "author");
	cfg->author_email = get_str(cfg, NULL, "author_email");
	cfg->templates_dir = get_str(cfg, NULL, "templates_dir");
	cfg->slug = xstrdup(cfg->project_name);
	for (char *p = cfg->slug; *p; p++)
		*p = *p == '_' || *p == '.' ? '-' : (char)tolower(*p);
	return 0;
}

int
config_load(struct config *cfg, const char *path,
	    const struct config_overrides *ov, struct diag *d)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->schema = ov ? ov->schema : NULL;
	cfg->file = xstrdup(path ? path : "defaults");
	cfg->from_file = path != NULL;
	if (path && ytree_parse_file(cfg->file, &cfg->root, d, EXIT_CONFIG))
		return -1;
	return load_tree(cfg, path, ov, d);
}

int
config_parse(struct config *cfg, const char *name, const char *buf,
	     size_t len, const struct config_overrides *ov, struct diag *d)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->schema = ov ? ov->schema : NULL;
	cfg->file = xstrdup(name);
	cfg->from_file = 1;
	if (ytree_parse_buf(cfg->file, buf, len, &cfg->root, d, EXIT_CONFIG))
		return -1;
	return load_tree(cfg, cfg->file, ov, d);
}
