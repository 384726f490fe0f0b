/* SPDX-License-Identifier: MIT */
/*
 * config.h - khora.yaml: read with libyaml (ytree), overlaid with the
 * --env section, --set, --with and --without, then validated strictly
 * (types, required keys, unknown keys with did-you-mean, value rules),
 * every error carrying file:line:col.
 *
 * struct config owns the merged tree and every string it points to.
 * Feature keys and plugins_config sections are checked against the
 * plugin catalog later (resolve.c): only the catalog knows which
 * third-party features and plugin options exist.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include "diag.h"
#include "ytree.h"

struct schema;

struct config_overrides {
	const char *env;		/* --env NAME or NULL */
	const char **set;		/* --set key=value, nr_set of them */
	size_t nr_set;
	const char **with;		/* --with F or F=value */
	size_t nr_with;
	const char **without;
	size_t nr_without;
	const char *default_name;	/* project_name when none is given */
	const struct schema *schema;	/* the catalog's, or NULL */
};

struct config {
	char *file;			/* display name, e.g. "khora.yaml" */
	int from_file;			/* 0: defaults and options only */
	struct ynode *root;		/* merged tree, always a map */
	char *user_file;		/* $XDG_CONFIG_HOME/khora/config.yaml */
	struct ynode *user_tree;	/* its tree, if read */
	char **owned;			/* provenance strings of overrides */
	size_t nr_owned, alloc_owned;

	const char *project_name;
	const char *description;
	const char *python_version;
	const char *license;
	const char *author;
	const char *author_email;
	const char *version;
	const char *templates_dir;
	const struct schema *schema;	/* borrowed: keys plugins declare */
	char *package;			/* python import name */
	char *slug;			/* distribution name */
	struct ynode *features;		/* map or NULL (borrowed) */
	struct ynode *plugins_config;	/* map or NULL (borrowed) */
	/* key, value pairs a rule's default set once features resolved */
	const char **implied;
	size_t nr_implied, alloc_implied;
};

/*
 * Loads path (NULL: defaults only), applies the overrides and validates.
 * Returns 0, or -1 with one diagnostic recorded (exit code 3, or 2 for
 * malformed override syntax).
 */
int config_load(struct config *cfg, const char *path,
		const struct config_overrides *ov, struct diag *d);
/* The same from a buffer (fuzzing, tests); name is used in messages. */
int config_parse(struct config *cfg, const char *name, const char *buf,
		 size_t len, const struct config_overrides *ov,
		 struct diag *d);
void config_release(struct config *cfg);

/*
 * The value of a dotted key ("paths.api_dir"): the config's scalar, else
 * the default its sidecar declares, else NULL.
 */
const char *config_value(const struct config *cfg, const char *key);
struct diag;
/*
 * Applies the sidecar rules that carry a default, once features are
 * resolved: feature(arg, name) is a feature's value after resolve.
 * 0, or -1 with an exit-3 diagnostic when a default fails its key.
 */
int config_imply(struct config *cfg, const char *(*feature)(const void *,
							 const char *),
		 const void *arg, struct diag *d);
/*
 * The value of feature `name`: NULL if off or absent, "true" for an
 * enabled boolean, the choice otherwise.  *node receives the config
 * node (NULL if the config does not mention the feature).
 */
const char *config_feature(const struct config *cfg, const char *name,
			   const struct ynode **node);

struct strbuf;
/* Appends path, resolved relative to the config file's directory. */
void config_path(const struct config *cfg, const char *path,
		 struct strbuf *out);
/* Turns a boolean feature on unless the config says something of it. */
void config_enable_feature(struct config *cfg, const char *name);
/* Python import name for a project name; NULL if none can be made. */
char *config_package_name(const char *project_name);
/*
 * Calls fn for every scalar key of the schema that --set can give, as a
 * dotted name ("paths.api_dir"), with its choices (NULL: free text).
 * Not the keys under features, plugins_config, answers and env.
 */
typedef void config_key_fn(const char *key, const char *const *choices,
			   void *data);
struct schema;
void config_each_key(const struct schema *sch, config_key_fn *fn,
		     void *data);

/*
 * Between config.c (the schema and its checks) and confload.c (the
 * layers): not for other modules.  Each check returns 0, or -1 with one
 * diagnostic at the offending node.  own() keeps a copy of s as long as
 * cfg (the file name of a node made from an option).
 */
int fill(struct config *cfg, struct diag *d);
int check_required(const struct config *cfg, struct diag *d);
int validate_values(struct config *cfg, struct diag *d);
int check_python_version(struct diag *d, const struct ynode *n);
int validate_user_map(struct diag *d, const struct ynode *tree);
const char *own(struct config *cfg, const char *s);

#endif /* CONFIG_H */
