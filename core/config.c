/* SPDX-License-Identifier: MIT */
/*
 * config.c - khora.yaml loading, overlays and strict validation.
 *
 * The schema is a static table (struct key_spec) so that the keys the
 * validator accepts, the did-you-mean candidates and the documentation
 * in doc/khora.yaml.5 have one source to be compared against.  Keys,
 * feature choices and rules that belong to plugins come from their
 * sidecars (struct schema, schema.h): nothing here names a plugin.
 */
#include "compat.h"
#include <ctype.h>
#include <unistd.h>
#include "config.h"
#include "datadir.h"
#include "gitident.h"
#include "hash.h"
#include "names.h"
#include "path.h"
#include "schema.h"
#include "strbuf.h"
#include "wrapper.h"

enum ctype {
	T_STR, T_BOOL, T_INT, T_MAP, T_FEATURES, T_ANYMAP, T_SOURCE, T_STRLIST
};

struct key_spec {
	const char *name;
	enum ctype type;
	const struct key_spec *children;	/* T_MAP */
	const char *const *choices;		/* T_STR restricted */
	int required;
};

static const char *const license_choices[] = {
	"MIT", "Apache-2.0", "BSD-3-Clause", "GPL-3.0-or-later",
	"MPL-2.0", "Proprietary", NULL
};

/* template: a path or URL, or where it came from (tmplsrc.h) */
static const struct key_spec template_keys[] = {
	{ "source", T_STR, NULL, NULL, 0 },
	{ "subdirectory", T_STR, NULL, NULL, 0 },
	{ "ref", T_STR, NULL, NULL, 0 },
	{ "version", T_STR, NULL, NULL, 0 },
	{ "commit", T_STR, NULL, NULL, 0 },
	{ NULL, T_STR, NULL, NULL, 0 }
};

static const struct key_spec top_keys[] = {
	{ "project_name", T_STR, NULL, NULL, 1 },
	{ "project_description", T_STR, NULL, NULL, 0 },
	{ "python_version", T_STR, NULL, NULL, 1 },
	{ "version", T_STR, NULL, NULL, 0 },
	{ "license", T_STR, NULL, license_choices, 0 },
	{ "author", T_STR, NULL, NULL, 0 },
	{ "author_email", T_STR, NULL, NULL, 0 },
	{ "templates_dir", T_STR, NULL, NULL, 0 },
	{ "features", T_FEATURES, NULL, NULL, 0 },
	{ "plugins_config", T_ANYMAP, NULL, NULL, 0 },
	{ "plugins", T_ANYMAP, NULL, NULL, 0 },
	{ "template", T_SOURCE, template_keys, NULL, 0 },
	{ "answers", T_ANYMAP, NULL, NULL, 0 },
	{ "env", T_ANYMAP, NULL, NULL, 0 },
	{ NULL, T_STR, NULL, NULL, 0 }
};

/* $XDG_CONFIG_HOME/khora/config.yaml: the user's own defaults. */
static const struct key_spec user_keys[] = {
	{ "author", T_STR, NULL, NULL, 0 },
	{ "author_email", T_STR, NULL, NULL, 0 },
	{ "license", T_STR, NULL, license_choices, 0 },
	{ "python_version", T_STR, NULL, NULL, 0 },
	{ "version", T_STR, NULL, NULL, 0 },
	{ "answers", T_ANYMAP, NULL, NULL, 0 },
	/* template sources whose tasks run without --trust (tasks.h) */
	{ "trusted", T_STRLIST, NULL, NULL, 0 },
	{ NULL, T_STR, NULL, NULL, 0 }
};

/* Every config error is exit code 3 at the offending node. */
#define cerr(d, n, ...) ynode_error(d, EXIT_CONFIG, n, __VA_ARGS__)

static int
unknown_key(struct diag *d, const struct ynode *key, const char *where,
	    const struct key_spec *spec, const struct schema *sch)
{
	struct strbuf pool = STRBUF_INIT;
	const char *cand[64];
	size_t offs[64];
	const char *best;
	size_t n = 0, i, m = 0;
	int ret;

	for (; spec->name && n < ARRAY_SIZE(cand); spec++)
		cand[n++] = spec->name;
	/* the first components of the keys plugins declare */
	for (i = 0; sch && i < sch->nr_keys && m < ARRAY_SIZE(offs); i++) {
		const char *k = sch->keys[i]->name;

		offs[m++] = pool.len;
		strbuf_add(&pool, k, strcspn(k, "."));
		strbuf_addch(&pool, '\0');
	}
	for (i = 0; i < m && n < ARRAY_SIZE(cand); i++)
		cand[n++] = pool.buf + offs[i];
	best = closest_match(key->str, cand, n);
	if (best)
		ret = cerr(d, key, "unknown key '%s%s' (did you mean "
			   "'%s%s'?)", where, key->str, where, best);
	else
		ret = cerr(d, key, "unknown key '%s%s'", where, key->str);
	strbuf_release(&pool);
	return ret;
}

static int
check_choice(struct diag *d, const struct ynode *v, const char *name,
	     const char *const *choices)
{
	struct strbuf sb = STRBUF_INIT;
	const char *best;
	size_t i, n = 0;

	for (i = 0; choices[i]; i++) {
		if (!strcmp(v->str, choices[i]))
			return 0;
		n++;
	}
	for (i = 0; choices[i]; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", choices[i]);
	best = closest_match(v->str, choices, n);
	if (best)
		cerr(d, v, "invalid value '%s' for '%s' (did you mean '%s'? "
		     "expected one of: %s)", v->str, name, best, sb.buf);
	else
		cerr(d, v, "invalid value '%s' for '%s' (expected one of: %s)",
		     v->str, name, sb.buf);
	strbuf_release(&sb);
	return -1;
}

static int
check_type(struct diag *d, const struct ynode *v, const char *name,
	   enum ctype type)
{
	long l;
	int b;

	switch (type) {
	case T_STR:
		if (v->kind == Y_SCALAR && !ynode_is_null(v))
			return 0;
		/* `key:` with nothing after it, or an empty directory
		 * name: YAML calls it null, a user calls it empty */
		if (v->kind == Y_SCALAR && !*v->str)
			return cerr(d, v, "'%s' is empty: it must be a string",
				    name);
		return cerr(d, v, "'%s' must be a string, not %s", name,
			    ynode_kind_name(v));
	case T_STRLIST: {
		size_t i;

		if (v->kind != Y_SEQ)
			return cerr(d, v, "'%s' must be a list of strings, "
				    "not %s", name, ynode_kind_name(v));
		for (i = 0; i < v->nr; i++)
			if (v->vals[i]->kind != Y_SCALAR || !*v->vals[i]->str)
				return cerr(d, v->vals[i], "'%s' must be a "
					    "list of non-empty strings", name);
		return 0;
	}
	case T_BOOL:
		if (!ynode_bool(v, &b))
			return 0;
		return cerr(d, v, "'%s' must be true or false, not %s", name,
			    ynode_kind_name(v));
	case T_INT:
		if (!ynode_long(v, &l))
			return 0;
		return cerr(d, v, "'%s' must be an integer, not %s", name,
			    ynode_kind_name(v));
	default:
		if (v->kind == Y_MAP)
			return 0;
		return cerr(d, v, "'%s' must be a mapping, not %s", name,
			    ynode_kind_name(v));
	}
}

/*
 * A top-level key the core does not know: one that a plugin's sidecar
 * declares (paths.x, ports.*), checked against its declaration.
 */
static int
validate_declared(struct diag *d, const struct schema *sch, struct ynode *k,
		  struct ynode *v, const char *prefix,
		  const struct key_spec *spec)
{
	struct strbuf name = STRBUF_INIT;
	const struct decl *dc = schema_key(sch, k->str);
	int ret;

	strbuf_addf(&name, "%s%s", prefix, k->str);
	if (dc)
		ret = schema_check_value(d, dc, v, name.buf);
	else if (schema_has_prefix(sch, k->str))
		ret = schema_check_map(d, sch, v, k->str, prefix);
	else
		ret = unknown_key(d, k, prefix, spec, sch);
	strbuf_release(&name);
	return ret;
}

/*
 * Type checks only; required keys are checked on the merged tree.
 */
static int
validate_map(struct diag *d, const struct ynode *map,
	     const struct key_spec *spec, const char *prefix,
	     const struct schema *sch)
{
	size_t i;

	for (i = 0; i < map->nr; i++) {
		struct ynode *k = map->keys[i], *v = map->vals[i];
		const struct key_spec *s;
		struct strbuf name = STRBUF_INIT;
		int ret = 0;

		for (s = spec; s->name; s++)
			if (!strcmp(s->name, k->str))
				break;
		if (!s->name) {
			if (!*prefix || starts_with(prefix, "env."))
				ret = validate_declared(d, sch, k, v, prefix,
							spec);
			else
				ret = unknown_key(d, k, prefix, spec, NULL);
			if (ret)
				return -1;
			continue;
		}
		strbuf_addf(&name, "%s%s", prefix, k->str);
		ret = check_type(d, v, name.buf, s->type == T_SOURCE &&
				 v->kind != Y_MAP ? T_STR : s->type);
		if (!ret && s->choices)
			ret = check_choice(d, v, name.buf, s->choices);
		if (!ret && (s->type == T_MAP || (s->type == T_SOURCE &&
						  v->kind == Y_MAP))) {
			strbuf_addch(&name, '.');
			ret = validate_map(d, v, s->children, name.buf, sch);
		}
		strbuf_release(&name);
		if (ret)
			return -1;
	}
	return 0;
}

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

static const char *
own(struct config *cfg, const char *s)
{
	ALLOC_GROW(cfg->owned, cfg->nr_owned, cfg->alloc_owned);
	cfg->owned[cfg->nr_owned] = xstrdup(s);
	return cfg->owned[cfg->nr_owned++];
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

static int
check_project_name(struct diag *d, const struct ynode *n)
{
	const char *p = n->str;
	size_t len = strlen(p);

	if (!len)
		return cerr(d, n, "invalid project_name: it is empty (a name "
			    "starts with an ASCII letter)");
	/* isalpha() is locale-dependent and knows no UTF-8: say ASCII */
	for (; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return cerr(d, n, "invalid project_name '%s': only "
				    "ASCII letters, digits, '-', '_' and '.' "
				    "are allowed", n->str);
	p = n->str;
	if (!isalpha((unsigned char)*p) || len > 64)
		return cerr(d, n, "invalid project_name '%s': it must start "
			    "with an ASCII letter and have at most 64 "
			    "characters",
			    p);
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.", *p))
			return cerr(d, n, "invalid project_name '%s': only "
				    "ASCII letters, digits, '-', '_' and '.' "
				    "are allowed", n->str);
	return 0;
}

static int
check_python_version(struct diag *d, const struct ynode *n)
{
	const char *p = n->str;
	char *end;
	long major, minor;

	errno = 0;
	major = strtol(p, &end, 10);
	if (end != p && *end == '.') {
		p = end + 1;
		minor = strtol(p, &end, 10);
		if (!errno && end != p && !*end && major == 3 && minor >= 8 &&
		    minor < 100)
			return 0;
	}
	return cerr(d, n, "invalid python_version '%s': expected \"3.Y\" "
		    "with Y >= 8, quoted (e.g. \"3.11\")", n->str);
}

/* A dotted key's node in the config, or NULL. */
static struct ynode *
dotted_get(const struct ynode *root, const char *key)
{
	struct strbuf part = STRBUF_INIT;
	const struct ynode *n = root;
	const char *dot;

	while (n && (dot = strchr(key, '.'))) {
		strbuf_reset(&part);
		strbuf_add(&part, key, (size_t)(dot - key));
		n = ymap_get(n, part.buf);
		key = dot + 1;
	}
	strbuf_release(&part);
	return n ? ymap_get(n, key) : NULL;
}

const char *
config_value(const struct config *cfg, const char *key)
{
	const struct ynode *n = dotted_get(cfg->root, key);
	const struct decl *dc = schema_key(cfg->schema, key);

	size_t i;

	if (n && n->kind == Y_SCALAR && !ynode_is_null(n))
		return n->str;
	for (i = 0; i + 1 < cfg->nr_implied; i += 2)
		if (!strcmp(cfg->implied[i], key))
			return cfg->implied[i + 1];
	return dc ? dc->def : NULL;
}

/*
 * The rules with a default whose feature resolve turned on (asked for,
 * or pulled in by another feature) and whose key is unset: the key
 * takes the default, checked like a value the user wrote.
 */
int
config_imply(struct config *cfg, const char *(*feature)(const void *,
							 const char *),
	     const void *arg, struct diag *d)
{
	const struct schema *sch = cfg->schema;
	size_t i;

	for (i = 0; sch && i < sch->nr_rules; i++) {
		const struct rule *r = sch->rules[i];
		const char *v = feature(arg, r->if_feature);
		const struct decl *dc = schema_key(sch, r->need);
		struct ynode *n;
		int bad;

		if (!r->def || !v || (r->if_value && strcmp(v, r->if_value)) ||
		    config_value(cfg, r->need))
			continue;
		if (dc) {
			n = ynode_new(Y_SCALAR, "sidecar", 0, 0);
			n->str = xstrdup(r->def);
			bad = schema_check_value(d, dc, n, r->need);
			ynode_free(n);
			if (bad)
				return -1;
		}
		ALLOC_GROW(cfg->implied, cfg->nr_implied + 1,
			   cfg->alloc_implied);
		cfg->implied[cfg->nr_implied++] = r->need;
		cfg->implied[cfg->nr_implied++] = r->def;
	}
	return 0;
}

/*
 * A core key that a sidecar also declares (a plugin's pattern
 * for version) is checked by both, the core's own words first.
 */
static int
check_core_decls(const struct config *cfg, struct diag *d)
{
	const struct key_spec *s;

	for (s = top_keys; s->name; s++) {
		const struct decl *dc = schema_key(cfg->schema, s->name);
		struct ynode *n = ymap_get(cfg->root, s->name);

		/* a pattern only: the core keeps the key's type */
		if (dc && n && s->type == T_STR &&
		    schema_check_pattern(d, dc, n, s->name))
			return -1;
	}
	return 0;
}

/*
 * The sidecars' rules: "if FEATURE[=VALUE] is on, KEY must be set" (a
 * config key, with its default, or another feature), reported at the
 * feature's node with the sidecar's own hint.
 */
static int
check_rules(const struct config *cfg, struct diag *d)
{
	const struct schema *sch = cfg->schema;
	size_t i;

	for (i = 0; sch && i < sch->nr_rules; i++) {
		const struct rule *r = sch->rules[i];
		const struct ynode *n;
		const char *v = config_feature(cfg, r->if_feature, &n);
		int met;

		/* a rule with a default never fails: config_imply() */
		if (r->def || !v || (r->if_value && strcmp(v, r->if_value)))
			continue;
		if (strchr(r->need, '.') || schema_key(sch, r->need))
			met = config_value(cfg, r->need) != NULL;
		else
			met = config_feature(cfg, r->need, NULL) != NULL;
		if (met)
			continue;
		if (r->if_value)
			return cerr(d, n, "feature '%s: %s' needs %s%s%s%s",
				    r->if_feature, r->if_value, r->need,
				    r->message ? " (" : "",
				    r->message ? r->message : "",
				    r->message ? ")" : "");
		return cerr(d, n, "feature '%s' needs %s%s%s%s", r->if_feature,
			    r->need, r->message ? " (" : "",
			    r->message ? r->message : "",
			    r->message ? ")" : "");
	}
	return 0;
}

static int
validate_values(struct config *cfg, struct diag *d)
{
	struct ynode *n;

	n = ymap_get(cfg->root, "project_name");
	if (check_project_name(d, n))
		return -1;
	cfg->package = config_package_name(n->str);
	if (!cfg->package)
		return cerr(d, n, "invalid project_name '%s': it gives no "
			    "valid Python package name", n->str);
	if (names_check_package(d, n, cfg->package))
		return -1;
	if (check_python_version(d, ymap_get(cfg->root, "python_version")))
		return -1;
	if (check_core_decls(cfg, d) || check_rules(cfg, d))
		return -1;
	n = ymap_get(cfg->root, "author_email");
	if (n && !strchr(n->str, '@'))
		return cerr(d, n, "invalid author_email '%s': expected an "
			    "address with '@'", n->str);
	return 0;
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
		ret = validate_map(d, tree, user_keys, "", NULL);
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

static int
check_required(const struct config *cfg, struct diag *d)
{
	const struct key_spec *s;
	struct diag_loc loc = { cfg->file, 0, 0 };

	for (s = top_keys; s->name; s++)
		if (s->required && !ymap_get(cfg->root, s->name))
			return diag_error(d, EXIT_CONFIG, &loc, "missing "
					  "required key '%s'", s->name);
	return 0;
}

static int
validate_envs(struct config *cfg, struct diag *d)
{
	struct ynode *envs = ymap_get(cfg->root, "env");
	size_t i;

	for (i = 0; envs && i < envs->nr; i++) {
		struct strbuf p = STRBUF_INIT;
		const struct ynode *v = envs->vals[i];
		int ret;

		if (v->kind != Y_MAP)
			return cerr(d, v, "'env.%s' must be a mapping, not %s",
				    envs->keys[i]->str, ynode_kind_name(v));
		if (ymap_get(v, "env"))
			return cerr(d, ymap_get(v, "env"), "env sections "
				    "cannot be nested");
		strbuf_addf(&p, "env.%s.", envs->keys[i]->str);
		ret = validate_map(d, v, top_keys, p.buf, cfg->schema);
		strbuf_release(&p);
		if (ret)
			return -1;
	}
	return 0;
}

static int
fill(struct config *cfg, struct diag *d)
{
	if (validate_map(d, cfg->root, top_keys, "", cfg->schema) ||
	    validate_envs(cfg, d))
		return -1;
	return 0;
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

void
config_release(struct config *cfg)
{
	size_t i;

	ynode_free(cfg->root);
	ynode_free(cfg->user_tree);
	free(cfg->implied);
	free(cfg->user_file);
	for (i = 0; i < cfg->nr_owned; i++)
		free(cfg->owned[i]);
	free(cfg->owned);
	free(cfg->package);
	free(cfg->slug);
	free(cfg->file);
	memset(cfg, 0, sizeof(*cfg));
}

const char *
config_feature(const struct config *cfg, const char *name,
	       const struct ynode **node)
{
	struct ynode *v = ymap_get(cfg->features, name);
	int b;

	if (node)
		*node = v;
	if (!v || v->kind != Y_SCALAR)
		return NULL;
	if (!ynode_bool(v, &b))
		return b ? "true" : NULL;
	if (!strcmp(v->str, "none"))
		return NULL;
	return v->str;
}

void
config_path(const struct config *cfg, const char *path, struct strbuf *out)
{
	const char *slash = strrchr(cfg->file, '/');

	if (*path != '/' && slash && cfg->from_file)
		strbuf_add(out, cfg->file, (size_t)(slash - cfg->file + 1));
	strbuf_addstr(out, path);
}

void
config_enable_feature(struct config *cfg, const char *name)
{
	struct ynode *v;

	if (!cfg->features) {
		cfg->features = ynode_new(Y_MAP, cfg->file, 0, 0);
		ynode_append(cfg->root, ynode_new(Y_SCALAR, cfg->file, 0, 0),
			     cfg->features);
		cfg->root->keys[cfg->root->nr - 1]->str = xstrdup("features");
	}
	if (config_feature(cfg, name, NULL) || ymap_get(cfg->features, name))
		return;
	v = ynode_new(Y_SCALAR, own(cfg, "template requires"), 0, 0);
	v->str = xstrdup("true");
	ynode_append(cfg->features, ynode_new(Y_SCALAR, cfg->file, 0, 0), v);
	cfg->features->keys[cfg->features->nr - 1]->str = xstrdup(name);
}

char *
config_package_name(const char *name)
{
	static const char *const kw[] = {
		"False", "None", "True", "and", "as", "assert", "async",
		"await", "break", "class", "continue", "def", "del", "elif",
		"else", "except", "finally", "for", "from", "global", "if",
		"import", "in", "is", "lambda", "nonlocal", "not", "or",
		"pass", "raise", "return", "try", "while", "with", "yield",
	};
	char *pkg = xstrdup(name), *p;
	size_t i;

	for (p = pkg; *p; p++)
		*p = *p == '-' || *p == '.' ? '_' : (char)tolower(*p);
	for (i = 0; i < ARRAY_SIZE(kw); i++)
		if (!strcmp(pkg, kw[i]))
			break;
	if (i < ARRAY_SIZE(kw) || !isalpha((unsigned char)*pkg)) {
		free(pkg);
		return NULL;
	}
	return pkg;
}

static void
each_key(const struct key_spec *spec, const char *prefix,
	 config_key_fn *fn, void *data)
{
	static const char *const bools[] = { "true", "false", NULL };
	struct strbuf name = STRBUF_INIT;

	for (; spec->name; spec++) {
		strbuf_reset(&name);
		strbuf_addf(&name, "%s%s", prefix, spec->name);
		if (spec->type == T_MAP) {
			strbuf_addch(&name, '.');
			each_key(spec->children, name.buf, fn, data);
		} else if (spec->type != T_FEATURES &&
			   spec->type != T_ANYMAP) {
			fn(name.buf, spec->type == T_BOOL ? bools :
			   spec->choices, data);
		}
	}
	strbuf_release(&name);
}

/*
 * The schema's scalar keys, for shell completion of --set.  The maps
 * whose keys only the catalog or the file itself knows (features,
 * plugins_config, answers, env) are left to the caller.
 */
void
config_each_key(const struct schema *sch, config_key_fn *fn, void *data)
{
	static const char *const bools[] = { "true", "false", NULL };
	size_t i;

	each_key(top_keys, "", fn, data);
	for (i = 0; sch && i < sch->nr_keys; i++) {
		const struct decl *dc = sch->keys[i];

		if (strchr(dc->name, '*'))
			continue;
		fn(dc->name, dc->type == DT_BOOL ? bools :
		   dc->type == DT_CHOICE ? (const char *const *)dc->choices :
		   NULL, data);
	}
}
