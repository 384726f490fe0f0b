/* SPDX-License-Identifier: MIT */
/*
 * config.c - what khora.yaml may say: the schema, the strict validation
 * of a loaded tree, and the accessors of the result.  Where the tree
 * comes from and how its layers merge (file, user defaults, env, --set,
 * defaults) is confload.c, which calls the checks below.
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

/* The user's config.yaml against its own keys (confload.c). */
int
validate_user_map(struct diag *d, const struct ynode *tree)
{
	return validate_map(d, tree, user_keys, "", NULL);
}

const char *
own(struct config *cfg, const char *s)
{
	ALLOC_GROW(cfg->owned, cfg->nr_owned, cfg->alloc_owned);
	cfg->owned[cfg->nr_owned] = xstrdup(s);
	return cfg->owned[cfg->nr_owned++];
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

int
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

int
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

int
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

int
fill(struct config *cfg, struct diag *d)
{
	if (validate_map(d, cfg->root, top_keys, "", cfg->schema) ||
	    validate_envs(cfg, d))
		return -1;
	return 0;
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
