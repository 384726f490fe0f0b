/* SPDX-License-Identifier: MIT */
/*
 * schema.h - what sidecars declare about their features, beyond the
 * names: the value of a feature (true/false, or one of a list of
 * choices), typed plugin options, the config keys a plugin owns (with
 * type, default, range or pattern, and the template variable they
 * fill), rules between values ("fastapi needs paths.api_dir"), the
 * slots it offers and its distribution package.  The core validates a
 * config against these generically: it knows no plugin by name.
 *
 * A struct plugin_schema belongs to one sidecar (its ynode positions
 * point into that sidecar's tree, owned by the catalog).  A struct
 * schema is the catalog's union of them: it borrows every declaration
 * from the plugin schemas and lives as long as the catalog.
 */
#ifndef SCHEMA_H
#define SCHEMA_H

#include <regex.h>
#include <stddef.h>
#include "diag.h"
#include "ytree.h"

struct strbuf;

enum decl_type { DT_STRING, DT_INT, DT_BOOL, DT_CHOICE, DT_LIST, DT_PATH };

/* One typed value: a plugin option, or a config key a plugin owns. */
struct decl {
	char *name;		/* "line_length", "paths.api_dir", "ports.*" */
	enum decl_type type;
	char *def;		/* default, or NULL */
	char **choices;		/* DT_CHOICE, NULL-terminated */
	size_t nr_choices;
	int has_min, has_max;
	long min, max;
	char *pattern;		/* extended regex, anchored by its author */
	regex_t re;
	int has_re;
	char *help;
	char *var;		/* template variable of a config key */
	const char *owner;	/* plugin name (borrowed from plugin_info) */
};

/* A feature's values: a choice list; a feature not declared is a bool. */
struct feature_decl {
	char *name;
	char **choices;		/* NULL-terminated, "none" first */
	size_t nr_choices;
	char *help;
	const char *owner;
};

/*
 * if FEATURE[=VALUE] is on, need KEY (a config key or a feature); with
 * def, a key left unset takes that value instead of failing (fastapi
 * without paths.api_dir means api).
 */
struct rule {
	char *if_feature, *if_value;
	char *need;
	char *message;
	char *def;
	const char *owner;
};

struct plugin_schema {
	struct decl *opts;
	size_t nr_opts, alloc_opts;
	struct decl *keys;
	size_t nr_keys, alloc_keys;
	struct feature_decl *features;
	size_t nr_features, alloc_features;
	struct rule *rules;
	size_t nr_rules, alloc_rules;
	char **slots;
	size_t nr_slots, alloc_slots;
	char *package;
	long priority;
};

struct schema {
	const struct decl **keys;
	size_t nr_keys, alloc_keys;
	const struct feature_decl **features;
	size_t nr_features, alloc_features;
	const struct rule **rules;
	size_t nr_rules, alloc_rules;
	/* feature -> package, for a feature whose plugin is missing */
	const char **pkg_feature, **pkg_name;
	size_t nr_pkg, alloc_pkg;
};

/*
 * Sidecar keys: each reads one value node into ps (owner is the
 * plugin's name) and returns 0, or -1 with an exit-4 diagnostic at the
 * offending node.  `options` accepts the old list of names too (names
 * are appended to names_out either way).
 */
int schema_read_options(struct plugin_schema *ps, const struct ynode *v,
			const char *owner, struct diag *d, char ***names,
			size_t *nr_names, size_t *alloc_names);
int schema_read_config(struct plugin_schema *ps, const struct ynode *v,
		       const char *owner, struct diag *d);
int schema_read_features(struct plugin_schema *ps, const struct ynode *v,
			 const char *owner, struct diag *d);
int schema_read_rules(struct plugin_schema *ps, const struct ynode *v,
		      const char *owner, struct diag *d);
int schema_read_slots(struct plugin_schema *ps, const struct ynode *v,
		      struct diag *d);
/* Points every declaration's owner at the plugin's name, once read. */
void plugin_schema_set_owner(struct plugin_schema *ps, const char *owner);
void plugin_schema_free(struct plugin_schema *ps);

/* Adds one plugin's declarations; provides are its features. */
void schema_add(struct schema *s, const struct plugin_schema *ps,
		const char *const *provides, size_t nr_provides);
/* feature -> package (borrowed), unless the feature has one already. */
void schema_add_package(struct schema *s, const char *feature,
			const char *package);
void schema_release(struct schema *s);
/*
 * The first key or feature that ps declares unlike the declaration s
 * uses (another plugin's, first by name), or NULL.
 */
const char *schema_differs(const struct schema *s,
			   const struct plugin_schema *ps);

/* Lookups; NULL when nobody declares it. */
const struct feature_decl *schema_feature(const struct schema *s,
					  const char *name);
const char *const *schema_choices(const struct schema *s,
				  const char *feature);
const struct decl *schema_key(const struct schema *s, const char *dotted);
const struct decl *schema_key_by_var(const struct schema *s,
				     const char *var);
const char *schema_package(const struct schema *s, const char *feature);
const struct decl *plugin_schema_option(const struct plugin_schema *ps,
					const char *name);
/* Is there a declared key below prefix ("paths")? */
int schema_has_prefix(const struct schema *s, const char *prefix);

/*
 * Checks one value node against a declaration; name is how messages
 * call it ("paths.api_dir", "plugins_config.python.line_length").  A
 * DT_PATH value is normalised in place.  0, or -1 with an exit-3
 * diagnostic at the node: "invalid NAME 'VALUE': WHY".
 */
int schema_check_value(struct diag *d, const struct decl *dc,
		       struct ynode *v, const char *name);
/* Only the declaration's pattern (for a key whose type is the core's). */
int schema_check_pattern(struct diag *d, const struct decl *dc,
			 const struct ynode *v, const char *name);
/*
 * Validates the map below key `prefix` of a config (e.g. the node of
 * "paths") against the declared keys: unknown keys (with did-you-mean)
 * and values.
 */
int schema_check_map(struct diag *d, const struct schema *s,
		     struct ynode *map, const char *prefix,
		     const char *shown_prefix);

/* The type's name for tables: "int 40..250", "choice", ... */
void decl_describe(const struct decl *dc, struct strbuf *out);

/*
 * `khora plugins info`: package, priority and a table of what the
 * sidecar declares (KIND NAME TYPE DEFAULT HELP) on stdout.
 */
void plugin_schema_print(const struct plugin_schema *ps);

#endif /* SCHEMA_H */
