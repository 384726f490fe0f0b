/* SPDX-License-Identifier: MIT */
/*
 * schema.c - the declarations of a sidecar beyond its names (options
 * with types, config keys, choice features, rules, slots, package),
 * read strictly with file:line:col, and the generic checks of config
 * values against them.  A sidecar is data anyone may have written: a
 * pattern is compiled once, bounded in length and without
 * back-references, and nothing here runs plugin code.
 */
#include "compat.h"
#include <limits.h>
#include <stdio.h>
#include "path.h"
#include "schema.h"
#include "strbuf.h"
#include "wrapper.h"

/* Every sidecar error is a plugin error (exit code 4) at the node. */
#define serr(d, n, ...) ynode_error(d, EXIT_PLUGIN, n, __VA_ARGS__)
/* Every value error is a config error (exit code 3) at the node. */
#define verr(d, n, ...) ynode_error(d, EXIT_CONFIG, n, __VA_ARGS__)

#define PATTERN_MAX 256

static const char *const type_names[] = {
	"string", "int", "bool", "choice", "list", "path",
};

static const char *const decl_fields[] = {
	"type", "default", "choices", "min", "max", "regex", "help", "var",
};

static char **
push_str(char **v, size_t *nr, size_t *alloc, const char *s)
{
	/* one more slot: the arrays are NULL-terminated */
	if (*nr + 2 > *alloc) {
		*alloc = *alloc ? *alloc * 2 : 8;
		v = xrealloc(v, *alloc * sizeof(*v));
	}
	v[(*nr)++] = xstrdup(s);
	v[*nr] = NULL;
	return v;
}

static void
free_strs(char **v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(v[i]);
	free(v);
}

static int
scalar(struct diag *d, const struct ynode *v, const char *what)
{
	if (v->kind == Y_SCALAR && !ynode_is_null(v))
		return 0;
	return serr(d, v, "invalid sidecar: '%s' must be a string, not %s",
		    what, ynode_kind_name(v));
}

static int
read_choices(struct diag *d, const struct ynode *v, const char *what,
	     char ***out, size_t *nr)
{
	size_t i, alloc = 0;

	if (v->kind != Y_SEQ || !v->nr)
		return serr(d, v, "invalid sidecar: '%s' must be a non-empty "
			    "list", what);
	for (i = 0; i < v->nr; i++) {
		const struct ynode *c = v->vals[i];

		if (c->kind != Y_SCALAR || !is_identifier(c->str))
			return serr(d, c, "invalid sidecar: '%s' items must "
				    "be names ([A-Za-z_][A-Za-z0-9_]*)", what);
		*out = push_str(*out, nr, &alloc, c->str);
	}
	return 0;
}

/*
 * A pattern from a file anyone may have written: bounded, and no
 * back-references (\1...), which make POSIX matching exponential.
 */
static int
read_pattern(struct diag *d, const struct ynode *v, struct decl *dc)
{
	const char *p;
	int err;

	if (scalar(d, v, "regex"))
		return -1;
	if (strlen(v->str) > PATTERN_MAX)
		return serr(d, v, "invalid sidecar: 'regex' is longer than %d "
			    "bytes", PATTERN_MAX);
	for (p = v->str; *p; p++)
		if (*p == '\\' && p[1] >= '1' && p[1] <= '9')
			return serr(d, v, "invalid sidecar: 'regex' must not "
				    "use back-references");
	err = regcomp(&dc->re, v->str, REG_EXTENDED | REG_NOSUB);
	if (err) {
		char msg[128];

		regerror(err, &dc->re, msg, sizeof(msg));
		return serr(d, v, "invalid sidecar: 'regex' '%s': %s", v->str,
			    msg);
	}
	dc->has_re = 1;
	dc->pattern = xstrdup(v->str);
	return 0;
}

static int
read_bound(struct diag *d, const struct ynode *v, const char *what,
	   long *out, int *has)
{
	if (ynode_long(v, out))
		return serr(d, v, "invalid sidecar: '%s' must be an integer",
			    what);
	*has = 1;
	return 0;
}

static int
read_field(struct diag *d, struct decl *dc, const struct ynode *k,
	   const struct ynode *v)
{
	size_t i;

	if (!strcmp(k->str, "type")) {
		if (scalar(d, v, "type"))
			return -1;
		for (i = 0; i < ARRAY_SIZE(type_names); i++)
			if (!strcmp(v->str, type_names[i]))
				break;
		if (i == ARRAY_SIZE(type_names))
			return serr(d, v, "invalid sidecar: unknown type "
				    "'%s'%s", v->str, did_you_mean(v->str,
				    type_names, ARRAY_SIZE(type_names)));
		dc->type = (enum decl_type)i;
		return 0;
	}
	if (!strcmp(k->str, "choices"))
		return read_choices(d, v, "choices", &dc->choices,
				    &dc->nr_choices);
	if (!strcmp(k->str, "min"))
		return read_bound(d, v, "min", &dc->min, &dc->has_min);
	if (!strcmp(k->str, "max"))
		return read_bound(d, v, "max", &dc->max, &dc->has_max);
	if (!strcmp(k->str, "regex"))
		return read_pattern(d, v, dc);
	if (v->kind != Y_SCALAR)
		return serr(d, v, "invalid sidecar: '%s' must be a scalar, "
			    "not %s", k->str, ynode_kind_name(v));
	if (!strcmp(k->str, "default")) {
		dc->def = xstrdup(v->str);
	} else if (!strcmp(k->str, "help")) {
		dc->help = xstrdup(v->str);
	} else {
		if (!is_identifier(v->str))
			return serr(d, v, "invalid sidecar: 'var' must be a "
				    "name ([A-Za-z_][A-Za-z0-9_]*)");
		dc->var = xstrdup(v->str);
	}
	return 0;
}

static void
decl_clear(struct decl *dc)
{
	free(dc->name);
	free(dc->def);
	free_strs(dc->choices, dc->nr_choices);
	free(dc->pattern);
	if (dc->has_re)
		regfree(&dc->re);
	free(dc->help);
	free(dc->var);
	memset(dc, 0, sizeof(*dc));
}

/* The default must pass the declaration's own check. */
static int
check_default(struct diag *d, const struct decl *dc, const struct ynode *at)
{
	struct diag quiet = DIAG_INIT;
	struct strbuf sink = STRBUF_INIT;
	struct ynode *v;
	int ret;

	if (!dc->def)
		return 0;
	v = ynode_new(Y_SCALAR, at->file, at->line, at->col);
	v->str = xstrdup(dc->def);
	quiet.capture = &sink;
	ret = schema_check_value(&quiet, dc, v, dc->name);
	ynode_free(v);
	strbuf_release(&sink);
	if (ret)
		return serr(d, at, "invalid sidecar: the default '%s' of '%s' "
			    "does not pass its own check", dc->def, dc->name);
	return 0;
}

static int
read_decl(struct diag *d, struct decl *dc, const struct ynode *k,
	  const struct ynode *v, const char *owner)
{
	size_t i, j;

	memset(dc, 0, sizeof(*dc));
	dc->name = xstrdup(k->str);
	dc->owner = owner;
	if (v->kind != Y_MAP)
		return serr(d, v, "invalid sidecar: '%s' must be a mapping of "
			    "type, default, help, ...", k->str);
	for (i = 0; i < v->nr; i++) {
		const char *f = v->keys[i]->str;

		for (j = 0; j < ARRAY_SIZE(decl_fields); j++)
			if (!strcmp(f, decl_fields[j]))
				break;
		if (j == ARRAY_SIZE(decl_fields))
			return serr(d, v->keys[i], "invalid sidecar: unknown "
				    "key '%s' in '%s'%s", f, k->str,
				    did_you_mean(f, decl_fields,
						 ARRAY_SIZE(decl_fields)));
		if (read_field(d, dc, v->keys[i], v->vals[i]))
			return -1;
	}
	if (dc->type == DT_CHOICE && !dc->nr_choices)
		return serr(d, v, "invalid sidecar: '%s' is a choice without "
			    "'choices'", k->str);
	if (dc->type != DT_CHOICE && dc->nr_choices)
		return serr(d, v, "invalid sidecar: '%s' has 'choices' but is "
			    "not of type choice", k->str);
	if ((dc->has_min || dc->has_max) && dc->type != DT_INT)
		return serr(d, v, "invalid sidecar: '%s' has a range but is "
			    "not of type int", k->str);
	if (dc->has_min && dc->has_max && dc->min > dc->max)
		return serr(d, v, "invalid sidecar: '%s' has min > max",
			    k->str);
	return check_default(d, dc, v);
}

int
schema_read_options(struct plugin_schema *ps, const struct ynode *v,
		    const char *owner, struct diag *d, char ***names,
		    size_t *nr_names, size_t *alloc_names)
{
	size_t i;

	if (v->kind == Y_SCALAR && ynode_is_null(v))
		return 0;
	if (v->kind == Y_SEQ) {
		/* the old form: names only, free text */
		for (i = 0; i < v->nr; i++) {
			const struct ynode *n = v->vals[i];

			if (n->kind != Y_SCALAR || !is_identifier(n->str))
				return serr(d, n, "invalid sidecar: 'options' "
					    "items must be names "
					    "([A-Za-z_][A-Za-z0-9_]*)");
			*names = push_str(*names, nr_names, alloc_names,
					  n->str);
		}
		return 0;
	}
	if (v->kind != Y_MAP)
		return serr(d, v, "invalid sidecar: 'options' must be a list "
			    "or a mapping");
	for (i = 0; i < v->nr; i++) {
		const struct ynode *k = v->keys[i];

		if (!is_identifier(k->str))
			return serr(d, k, "invalid sidecar: option '%s' is not "
				    "a name ([A-Za-z_][A-Za-z0-9_]*)", k->str);
		ALLOC_GROW(ps->opts, ps->nr_opts, ps->alloc_opts);
		if (read_decl(d, &ps->opts[ps->nr_opts++], k, v->vals[i],
			      owner))
			return -1;
		*names = push_str(*names, nr_names, alloc_names, k->str);
	}
	return 0;
}

/* "paths.api_dir", "ports.*", "version": names, dot-separated. */
static int
valid_key(const char *key)
{
	char *copy = xstrdup(key), *save = NULL, *tok;
	int ok = *key && key[strlen(key) - 1] != '.' && *key != '.' &&
		 !strstr(key, "..");

	for (tok = strtok_r(copy, ".", &save); ok && tok;
	     tok = strtok_r(NULL, ".", &save))
		if (!is_identifier(tok) &&
		    !(!strcmp(tok, "*") && !strchr(save, '.') && !*save))
			ok = 0;
	free(copy);
	return ok;
}

int
schema_read_config(struct plugin_schema *ps, const struct ynode *v,
		   const char *owner, struct diag *d)
{
	size_t i;

	if (v->kind == Y_SCALAR && ynode_is_null(v))
		return 0;
	if (v->kind != Y_MAP)
		return serr(d, v, "invalid sidecar: 'config' must be a mapping "
			    "of dotted keys");
	for (i = 0; i < v->nr; i++) {
		const struct ynode *k = v->keys[i];

		if (!valid_key(k->str))
			return serr(d, k, "invalid sidecar: config key '%s' "
				    "must be dotted names (a.b, or a.* for "
				    "any key of a)", k->str);
		ALLOC_GROW(ps->keys, ps->nr_keys, ps->alloc_keys);
		if (read_decl(d, &ps->keys[ps->nr_keys++], k, v->vals[i],
			      owner))
			return -1;
	}
	return 0;
}

int
schema_read_features(struct plugin_schema *ps, const struct ynode *v,
		     const char *owner, struct diag *d)
{
	size_t i, j;

	if (v->kind == Y_SCALAR && ynode_is_null(v))
		return 0;
	if (v->kind != Y_MAP)
		return serr(d, v, "invalid sidecar: 'features' must be a "
			    "mapping of feature: {choices: [...]}");
	for (i = 0; i < v->nr; i++) {
		const struct ynode *k = v->keys[i], *f = v->vals[i];
		struct feature_decl *fd;
		size_t alloc = 0;

		if (!is_identifier(k->str))
			return serr(d, k, "invalid sidecar: feature '%s' is "
				    "not a name ([A-Za-z_][A-Za-z0-9_]*)",
				    k->str);
		if (f->kind != Y_MAP)
			return serr(d, f, "invalid sidecar: feature '%s' must "
				    "be a mapping of choices and help",
				    k->str);
		ALLOC_GROW(ps->features, ps->nr_features,
			   ps->alloc_features);
		fd = &ps->features[ps->nr_features++];
		memset(fd, 0, sizeof(*fd));
		fd->name = xstrdup(k->str);
		fd->owner = owner;
		/* "none" turns a choice feature off: always the first */
		fd->choices = push_str(NULL, &fd->nr_choices, &alloc, "none");
		for (j = 0; j < f->nr; j++) {
			const struct ynode *fk = f->keys[j], *fv = f->vals[j];
			size_t c;

			if (!strcmp(fk->str, "help")) {
				if (scalar(d, fv, "help"))
					return -1;
				free(fd->help);
				fd->help = xstrdup(fv->str);
				continue;
			}
			if (strcmp(fk->str, "choices"))
				return serr(d, fk, "invalid sidecar: unknown "
					    "key '%s' in feature '%s'%s",
					    fk->str, k->str, did_you_mean(
					    fk->str, (const char *const[]){
					    "choices", "help" }, 2));
			if (fv->kind != Y_SEQ || !fv->nr)
				return serr(d, fv, "invalid sidecar: 'choices' "
					    "must be a non-empty list");
			for (c = 0; c < fv->nr; c++) {
				const struct ynode *cv = fv->vals[c];

				if (cv->kind != Y_SCALAR ||
				    !is_identifier(cv->str))
					return serr(d, cv, "invalid sidecar: "
						    "'choices' items must be "
						    "names");
				if (strcmp(cv->str, "none"))
					fd->choices = push_str(fd->choices,
							       &fd->nr_choices,
							       &alloc,
							       cv->str);
			}
		}
		if (fd->nr_choices < 2)
			return serr(d, f, "invalid sidecar: feature '%s' "
				    "declares no choices", k->str);
	}
	return 0;
}

static int
read_rule(struct diag *d, struct rule *r, const struct ynode *v)
{
	static const char *const fields[] = { "if", "need", "message",
					      "default" };
	const struct ynode *n;
	size_t i;
	char *eq;

	if (v->kind != Y_MAP)
		return serr(d, v, "invalid sidecar: a rule must be a mapping "
			    "{if: FEATURE[=VALUE], need: KEY, message: ...}");
	for (i = 0; i < v->nr; i++) {
		const char *k = v->keys[i]->str;

		if (!strcmp(k, "if") || !strcmp(k, "need") ||
		    !strcmp(k, "message") || !strcmp(k, "default")) {
			if (scalar(d, v->vals[i], k))
				return -1;
			continue;
		}
		return serr(d, v->keys[i], "invalid sidecar: unknown key '%s' "
			    "in a rule%s", v->keys[i]->str,
			    did_you_mean(v->keys[i]->str, fields, 4));
	}
	n = ymap_get(v, "if");
	if (!n || !ymap_get(v, "need"))
		return serr(d, v, "invalid sidecar: a rule needs 'if' and "
			    "'need'");
	r->if_feature = xstrdup(n->str);
	eq = strchr(r->if_feature, '=');
	if (eq) {
		*eq = '\0';
		r->if_value = xstrdup(eq + 1);
	}
	if (!is_identifier(r->if_feature) ||
	    (r->if_value && !is_identifier(r->if_value)))
		return serr(d, n, "invalid sidecar: rule 'if' must be FEATURE "
			    "or FEATURE=VALUE, not '%s'", n->str);
	n = ymap_get(v, "need");
	if (!valid_key(n->str) || strchr(n->str, '*'))
		return serr(d, n, "invalid sidecar: rule 'need' must be a "
			    "config key or a feature, not '%s'", n->str);
	r->need = xstrdup(n->str);
	n = ymap_get(v, "message");
	if (n)
		r->message = xstrdup(n->str);
	n = ymap_get(v, "default");
	if (n && !strchr(r->need, '.'))
		return serr(d, n, "invalid sidecar: a rule's 'default' is for "
			    "a config key, not the feature '%s'", r->need);
	if (n)
		r->def = xstrdup(n->str);
	return 0;
}

int
schema_read_rules(struct plugin_schema *ps, const struct ynode *v,
		  const char *owner, struct diag *d)
{
	size_t i;

	if (v->kind == Y_SCALAR && ynode_is_null(v))
		return 0;
	if (v->kind != Y_SEQ)
		return serr(d, v, "invalid sidecar: 'rules' must be a list");
	for (i = 0; i < v->nr; i++) {
		struct rule *r;

		ALLOC_GROW(ps->rules, ps->nr_rules, ps->alloc_rules);
		r = &ps->rules[ps->nr_rules++];
		memset(r, 0, sizeof(*r));
		r->owner = owner;
		if (read_rule(d, r, v->vals[i]))
			return -1;
	}
	return 0;
}

int
schema_read_slots(struct plugin_schema *ps, const struct ynode *v,
		  struct diag *d)
{
	size_t i;

	if (v->kind == Y_SCALAR && ynode_is_null(v))
		return 0;
	if (v->kind != Y_SEQ)
		return serr(d, v, "invalid sidecar: 'slots' must be a list");
	for (i = 0; i < v->nr; i++) {
		if (v->vals[i]->kind != Y_SCALAR ||
		    !is_identifier(v->vals[i]->str))
			return serr(d, v->vals[i], "invalid sidecar: 'slots' "
				    "items must be names");
		ps->slots = push_str(ps->slots, &ps->nr_slots,
				     &ps->alloc_slots, v->vals[i]->str);
	}
	return 0;
}

void
plugin_schema_set_owner(struct plugin_schema *ps, const char *owner)
{
	size_t i;

	for (i = 0; i < ps->nr_opts; i++)
		ps->opts[i].owner = owner;
	for (i = 0; i < ps->nr_keys; i++)
		ps->keys[i].owner = owner;
	for (i = 0; i < ps->nr_features; i++)
		ps->features[i].owner = owner;
	for (i = 0; i < ps->nr_rules; i++)
		ps->rules[i].owner = owner;
}

void
plugin_schema_free(struct plugin_schema *ps)
{
	size_t i;

	if (!ps)
		return;
	for (i = 0; i < ps->nr_opts; i++)
		decl_clear(&ps->opts[i]);
	free(ps->opts);
	for (i = 0; i < ps->nr_keys; i++)
		decl_clear(&ps->keys[i]);
	free(ps->keys);
	for (i = 0; i < ps->nr_features; i++) {
		free(ps->features[i].name);
		free(ps->features[i].help);
		free_strs(ps->features[i].choices,
			  ps->features[i].nr_choices);
	}
	free(ps->features);
	for (i = 0; i < ps->nr_rules; i++) {
		free(ps->rules[i].if_feature);
		free(ps->rules[i].if_value);
		free(ps->rules[i].need);
		free(ps->rules[i].message);
		free(ps->rules[i].def);
	}
	free(ps->rules);
	free_strs(ps->slots, ps->nr_slots);
	free(ps->package);
	free(ps);
}

void
schema_add(struct schema *s, const struct plugin_schema *ps,
	   const char *const *provides, size_t nr_provides)
{
	size_t i;

	for (i = 0; i < ps->nr_keys; i++) {
		/* the first declaration on the search path wins */
		if (schema_key(s, ps->keys[i].name))
			continue;
		ALLOC_GROW(s->keys, s->nr_keys, s->alloc_keys);
		s->keys[s->nr_keys++] = &ps->keys[i];
	}
	for (i = 0; i < ps->nr_features; i++) {
		if (schema_feature(s, ps->features[i].name))
			continue;
		ALLOC_GROW(s->features, s->nr_features, s->alloc_features);
		s->features[s->nr_features++] = &ps->features[i];
	}
	for (i = 0; i < ps->nr_rules; i++) {
		ALLOC_GROW(s->rules, s->nr_rules, s->alloc_rules);
		s->rules[s->nr_rules++] = &ps->rules[i];
	}
	for (i = 0; ps->package && i < nr_provides; i++)
		schema_add_package(s, provides[i], ps->package);
}

void
schema_add_package(struct schema *s, const char *feature,
		   const char *package)
{
	if (schema_package(s, feature))
		return;
	ALLOC_GROW(s->pkg_feature, s->nr_pkg, s->alloc_pkg);
	s->pkg_name = xrealloc(s->pkg_name,
			       s->alloc_pkg * sizeof(*s->pkg_name));
	s->pkg_feature[s->nr_pkg] = feature;
	s->pkg_name[s->nr_pkg++] = package;
}

static int
same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int
same_list(char **a, size_t na, char **b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

const char *
schema_differs(const struct schema *s, const struct plugin_schema *ps)
{
	size_t i;

	for (i = 0; i < ps->nr_keys; i++) {
		const struct decl *a = schema_key(s, ps->keys[i].name);
		const struct decl *b = &ps->keys[i];

		if (a && a != b && (a->type != b->type ||
		    !same_str(a->def, b->def) || !same_str(a->var, b->var) ||
		    !same_str(a->pattern, b->pattern) ||
		    a->has_min != b->has_min || a->has_max != b->has_max ||
		    (a->has_min && a->min != b->min) ||
		    (a->has_max && a->max != b->max) ||
		    !same_list(a->choices, a->nr_choices, b->choices,
			       b->nr_choices)))
			return b->name;
	}
	for (i = 0; i < ps->nr_features; i++) {
		const struct feature_decl *a = schema_feature(s,
						ps->features[i].name);
		const struct feature_decl *b = &ps->features[i];

		if (a && a != b && !same_list(a->choices, a->nr_choices,
					      b->choices, b->nr_choices))
			return b->name;
	}
	return NULL;
}

void
schema_release(struct schema *s)
{
	free(s->keys);
	free(s->features);
	free(s->rules);
	free(s->pkg_feature);
	free(s->pkg_name);
	memset(s, 0, sizeof(*s));
}

const struct feature_decl *
schema_feature(const struct schema *s, const char *name)
{
	size_t i;

	for (i = 0; s && i < s->nr_features; i++)
		if (!strcmp(s->features[i]->name, name))
			return s->features[i];
	return NULL;
}

const char *const *
schema_choices(const struct schema *s, const char *feature)
{
	const struct feature_decl *f = schema_feature(s, feature);

	return f ? (const char *const *)f->choices : NULL;
}

const struct decl *
schema_key(const struct schema *s, const char *dotted)
{
	size_t i;

	for (i = 0; s && i < s->nr_keys; i++)
		if (!strcmp(s->keys[i]->name, dotted))
			return s->keys[i];
	return NULL;
}

const struct decl *
schema_key_by_var(const struct schema *s, const char *var)
{
	size_t i;

	for (i = 0; s && i < s->nr_keys; i++)
		if (s->keys[i]->var && !strcmp(s->keys[i]->var, var))
			return s->keys[i];
	return NULL;
}

const char *
schema_package(const struct schema *s, const char *feature)
{
	size_t i;

	for (i = 0; s && i < s->nr_pkg; i++)
		if (!strcmp(s->pkg_feature[i], feature))
			return s->pkg_name[i];
	return NULL;
}

const struct decl *
plugin_schema_option(const struct plugin_schema *ps, const char *name)
{
	size_t i;

	for (i = 0; ps && i < ps->nr_opts; i++)
		if (!strcmp(ps->opts[i].name, name))
			return &ps->opts[i];
	return NULL;
}

int
schema_has_prefix(const struct schema *s, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; s && i < s->nr_keys; i++)
		if (!strncmp(s->keys[i]->name, prefix, n) &&
		    s->keys[i]->name[n] == '.')
			return 1;
	return 0;
}

static int
check_choice_value(struct diag *d, const struct decl *dc,
		   const struct ynode *v, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < dc->nr_choices; i++)
		if (!strcmp(v->str, dc->choices[i]))
			return 0;
	for (i = 0; i < dc->nr_choices; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", dc->choices[i]);
	verr(d, v, "invalid %s '%s': expected one of: %s%s", name, v->str,
	     sb.buf, did_you_mean(v->str, (const char *const *)dc->choices,
				  dc->nr_choices));
	strbuf_release(&sb);
	return -1;
}

static int
check_int(struct diag *d, const struct decl *dc, const struct ynode *v,
	  const char *name)
{
	long l;

	if (ynode_long(v, &l))
		return verr(d, v, "'%s' must be an integer, not %s", name,
			    ynode_kind_name(v));
	if ((dc->has_min && l < dc->min) || (dc->has_max && l > dc->max)) {
		if (dc->has_min && dc->has_max)
			return verr(d, v, "invalid %s '%s': expected an "
				    "integer from %ld to %ld", name, v->str,
				    dc->min, dc->max);
		if (dc->has_min)
			return verr(d, v, "invalid %s '%s': expected an "
				    "integer of at least %ld", name, v->str,
				    dc->min);
		return verr(d, v, "invalid %s '%s': expected an integer of "
			    "at most %ld", name, v->str, dc->max);
	}
	return 0;
}

static int
check_list(struct diag *d, const struct decl *dc, const struct ynode *v,
	   const char *name)
{
	size_t i;

	if (v->kind != Y_SEQ)
		return verr(d, v, "'%s' must be a list, not %s", name,
			    ynode_kind_name(v));
	for (i = 0; i < v->nr; i++) {
		if (v->vals[i]->kind != Y_SCALAR)
			return verr(d, v->vals[i], "'%s' items must be "
				    "strings, not %s", name,
				    ynode_kind_name(v->vals[i]));
		if (dc->has_re && regexec(&dc->re, v->vals[i]->str, 0, NULL,
					  0))
			return verr(d, v->vals[i], "invalid %s item '%s': %s "
				    "%s", name, v->vals[i]->str, dc->help ?
				    "expected" : "it must match", dc->help ?
				    dc->help : dc->pattern);
	}
	return 0;
}

int
schema_check_value(struct diag *d, const struct decl *dc, struct ynode *v,
		   const char *name)
{
	const char *why;
	int b;

	if (dc->type == DT_LIST)
		return check_list(d, dc, v, name);
	if (v->kind != Y_SCALAR)
		return verr(d, v, "'%s' must be %s %s, not %s", name,
			    dc->type == DT_INT ? "an" : "a",
			    type_names[dc->type], ynode_kind_name(v));
	if (ynode_is_null(v) && dc->type != DT_BOOL)
		return verr(d, v, "'%s' is empty: it must be %s %s", name,
			    dc->type == DT_INT ? "an" : "a",
			    type_names[dc->type]);
	switch (dc->type) {
	case DT_INT:
		if (check_int(d, dc, v, name))
			return -1;
		break;
	case DT_BOOL:
		if (ynode_bool(v, &b))
			return verr(d, v, "'%s' must be true or false, not %s",
				    name, ynode_kind_name(v));
		break;
	case DT_CHOICE:
		if (check_choice_value(d, dc, v, name))
			return -1;
		break;
	case DT_PATH:
		why = path_check(v->str);
		if (why)
			return verr(d, v, "invalid %s '%s': the path %s", name,
				    v->str, why);
		break;
	default:
		break;
	}
	return schema_check_pattern(d, dc, v, name);
}

int
schema_check_pattern(struct diag *d, const struct decl *dc,
		     const struct ynode *v, const char *name)
{
	if (v->kind == Y_SCALAR && dc->has_re &&
	    regexec(&dc->re, v->str, 0, NULL, 0))
		/* the author's words, when there are some, read better */
		return verr(d, v, "invalid %s '%s': %s %s", name, v->str,
			    dc->help ? "expected" : "it must match",
			    dc->help ? dc->help : dc->pattern);
	return 0;
}

/* The candidates for a key of the map at prefix: next components. */
static void
map_candidates(const struct schema *s, const char *prefix,
	       const char **cand, size_t *n, size_t max, struct strbuf *pool)
{
	size_t i, plen = strlen(prefix), start;

	*n = 0;
	strbuf_reset(pool);
	/* offsets first: the pool may move while it grows */
	for (i = 0; i < s->nr_keys && *n < max; i++) {
		const char *k = s->keys[i]->name, *rest, *dot;

		if (strncmp(k, prefix, plen) || k[plen] != '.')
			continue;
		rest = k + plen + 1;
		dot = strchr(rest, '.');
		start = pool->len;
		strbuf_add(pool, rest, dot ? (size_t)(dot - rest) :
			   strlen(rest));
		strbuf_addch(pool, '\0');
		cand[(*n)++] = (const char *)(uintptr_t)start;
	}
	for (i = 0; i < *n; i++)
		cand[i] = pool->buf + (uintptr_t)cand[i];
}

int
schema_check_map(struct diag *d, const struct schema *s, struct ynode *map,
		 const char *prefix, const char *shown_prefix)
{
	struct strbuf full = STRBUF_INIT, pool = STRBUF_INIT;
	struct strbuf shown = STRBUF_INIT;
	const char *cand[64];
	size_t i, n;
	int ret = 0;

	if (map->kind != Y_MAP)
		return verr(d, map, "'%s%s' must be a mapping, not %s",
			    shown_prefix, prefix, ynode_kind_name(map));
	for (i = 0; !ret && i < map->nr; i++) {
		const struct decl *dc;

		strbuf_reset(&full);
		strbuf_addf(&full, "%s.%s", prefix, map->keys[i]->str);
		strbuf_reset(&shown);
		strbuf_addf(&shown, "%s%s", shown_prefix, full.buf);
		dc = schema_key(s, full.buf);
		if (!dc) {
			strbuf_reset(&pool);
			strbuf_addf(&pool, "%s.*", prefix);
			dc = schema_key(s, pool.buf);
		}
		if (dc) {
			ret = schema_check_value(d, dc, map->vals[i],
						 shown.buf);
			continue;
		}
		if (schema_has_prefix(s, full.buf)) {
			ret = schema_check_map(d, s, map->vals[i], full.buf,
					       shown_prefix);
			continue;
		}
		map_candidates(s, prefix, cand, &n, ARRAY_SIZE(cand), &pool);
		if (closest_match(map->keys[i]->str, cand, n))
			ret = verr(d, map->keys[i], "unknown key '%s' (did you "
				   "mean '%s%s.%s'?)", shown.buf, shown_prefix,
				   prefix, closest_match(map->keys[i]->str,
							 cand, n));
		else
			ret = verr(d, map->keys[i], "unknown key '%s'",
				   shown.buf);
	}
	strbuf_release(&full);
	strbuf_release(&pool);
	strbuf_release(&shown);
	return ret;
}

void
decl_describe(const struct decl *dc, struct strbuf *out)
{
	size_t i;

	strbuf_addstr(out, type_names[dc->type]);
	if (dc->has_min || dc->has_max) {
		strbuf_addch(out, ' ');
		if (dc->has_min)
			strbuf_addf(out, "%ld", dc->min);
		strbuf_addstr(out, "..");
		if (dc->has_max)
			strbuf_addf(out, "%ld", dc->max);
	}
	for (i = 0; i < dc->nr_choices; i++)
		strbuf_addf(out, "%s%s", i ? "|" : " ", dc->choices[i]);
	/* a pattern with help reads as the help, in the HELP column */
	if (dc->pattern && dc->help)
		strbuf_addstr(out, " (pattern)");
	else if (dc->pattern)
		strbuf_addf(out, " /%s/", dc->pattern);
}

static void
table_row(const char *kind, const char *name, const char *type,
	  const char *def, const char *help)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "  %-8s %-18s %-24s %-10s %s", kind, name, type,
		    def ? def : "-", help ? help : "");
	while (sb.len && sb.buf[sb.len - 1] == ' ')
		sb.buf[--sb.len] = '\0';
	printf("%s\n", sb.buf);
	strbuf_release(&sb);
}

void
plugin_schema_print(const struct plugin_schema *ps)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;

	if (ps->package)
		printf("%-10s %s\n", "package", ps->package);
	if (ps->priority)
		printf("%-10s %ld\n", "priority", ps->priority);
	if (!ps->nr_opts && !ps->nr_keys && !ps->nr_features &&
	    !ps->nr_rules && !ps->nr_slots)
		return;
	printf("declares:\n");
	table_row("KIND", "NAME", "TYPE", "DEFAULT", "HELP");
	for (i = 0; i < ps->nr_features; i++) {
		strbuf_reset(&sb);
		for (j = 0; j < ps->features[i].nr_choices; j++)
			strbuf_addf(&sb, "%s%s", j ? "|" : "choice ",
				    ps->features[i].choices[j]);
		table_row("feature", ps->features[i].name, sb.buf, "none",
			  ps->features[i].help);
	}
	for (i = 0; i < ps->nr_opts; i++) {
		strbuf_reset(&sb);
		decl_describe(&ps->opts[i], &sb);
		table_row("option", ps->opts[i].name, sb.buf, ps->opts[i].def,
			  ps->opts[i].help);
	}
	for (i = 0; i < ps->nr_keys; i++) {
		strbuf_reset(&sb);
		decl_describe(&ps->keys[i], &sb);
		table_row("key", ps->keys[i].name, sb.buf, ps->keys[i].def,
			  ps->keys[i].help);
	}
	for (i = 0; i < ps->nr_rules; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "if %s%s%s", ps->rules[i].if_feature,
			    ps->rules[i].if_value ? "=" : "",
			    ps->rules[i].if_value ? ps->rules[i].if_value :
			    "");
		table_row("rule", sb.buf, ps->rules[i].need, NULL,
			  ps->rules[i].message);
	}
	for (i = 0; i < ps->nr_slots; i++)
		table_row("slot", ps->slots[i], "-", NULL, NULL);
	strbuf_release(&sb);
}
