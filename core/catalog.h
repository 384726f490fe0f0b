/* SPDX-License-Identifier: MIT */
/*
 * catalog.h - the plugins khora knows of, read from their sidecars
 * (<name>.plugin) on the plugin path without loading any shared object.
 *
 * Plugin path, first match of a name wins: $KHORA_PLUGIN_PATH (colon
 * list), $XDG_DATA_HOME/khora/plugins (default ~/.local/share/...), the
 * build tree's plugins/ when khora runs from its source tree, else the
 * compiled-in plugindir.  Each directory is scanned for NAME.plugin
 * files, directly and one level of subdirectories down (the layout of
 * the source tree).  Never the project directory.
 *
 * Path policy (like sudo's for its plugins): a plugin is refused, not
 * loaded, when its sidecar, its shared object or a directory holding
 * them is writable by group or others or owned by someone other than
 * root and the running user, when a directory above them is writable by
 * others (unless sticky and root's, like /tmp) or owned by someone else,
 * or when its library is not a file of the sidecar's own directory.  A
 * symbolic link is followed only to a file of the same directory.
 * Refused plugins are kept apart (catalog.refused) with the reason, so
 * that a request for their feature can name it.
 *
 * The catalog owns its plugin_info records, their strings and the
 * sidecar trees; the loader fills in the runtime fields.
 */
#ifndef CATALOG_H
#define CATALOG_H

#include <stddef.h>
#include "diag.h"
#include "hash.h"
#include "schema.h"
#include "ytree.h"

struct strlist {
	char **v;
	size_t nr, alloc;
};

void strlist_push(struct strlist *l, const char *s);
int strlist_has(const struct strlist *l, const char *s);
void strlist_clear(struct strlist *l);

struct plugin_info {
	char *name;
	char *version;
	char *summary;
	char *sidecar;		/* path of the .plugin file */
	char *library;		/* path of the .so */
	char *template_dir;	/* plugin's own templates, or NULL */
	char *shadows;		/* sidecar of a same-name plugin it hides */
	char *refused;		/* why the path policy refuses it, or NULL */
	unsigned abi_major, abi_minor;
	int is_default;		/* its features are on unless turned off */
	struct strlist provides, requires, conflicts, after, options;
	struct strlist uses;	/* modifier features it reads (database...) */
	struct ynode *tree;	/* the sidecar, for error positions */
	struct plugin_schema *schema;	/* typed options, config keys... */

	/* runtime, filled by resolve and loader */
	int selected;
	int initialized;	/* init succeeded: fini is owed */
	int is_template;	/* the owner of a template directory's files */
	void *handle;
	int lib_fd;		/* with handle: the descriptor dlopen()ed */
	const struct khora_plugin *desc;
	struct khora_ctx *ctx;
	double plan_ms;
	int override_dirs;	/* bit 1: checked, 2: config's, 4: user's */
};

struct catalog {
	struct plugin_info **plugins;	/* sorted by name */
	size_t nr, alloc;
	struct hashmap by_name;		/* name -> one of plugins */
	struct strlist dirs;		/* the search path, in order */
	struct strlist broken;		/* sidecars skipped as unreadable */
	struct plugin_info **refused;	/* refused by the path policy */
	size_t nr_refused, alloc_refused;
	const char *templatedir;	/* builtin templates */
	struct schema schema;		/* union of the plugins' schemas */
	/* $(datadir)/khora/packages: features of uninstalled plugins */
	struct strlist hint_features, hint_packages;
	struct catcache *cache;		/* of the directory being read */
	unsigned nr_cached;		/* plugins taken from the cache */
};

/*
 * Builds the search path and reads every sidecar on it.  A sidecar that
 * cannot be read is a warning and its plugin is skipped (listed in
 * broken): one bad third-party plugin must not take khora down; asking
 * for its feature then fails as an unknown feature.  Returns 0.
 */
int catalog_load(struct catalog *cat, struct diag *d);
/*
 * The same with rebuild: every sidecar read from its file and the
 * catalog cache of every plugin directory written anew (catcache.h).
 */
int catalog_load_opts(struct catalog *cat, int rebuild, struct diag *d);
void catalog_release(struct catalog *cat);
struct plugin_info *catalog_find(const struct catalog *cat,
				 const char *name);
/* A refused plugin that would provide feature, or NULL. */
const struct plugin_info *catalog_refused_provider(const struct catalog *cat,
						   const char *feature);

struct strbuf;
/*
 * Opens pi's shared object for dlopen after checking it, its directory
 * and every directory above as catalog_load() does, on the open
 * descriptors (no check-then-open race).  Returns the descriptor; -1
 * with the reason in why when the policy refuses it, or -1 with errno
 * set (ENOENT: missing) and why left empty.
 */
int catalog_open_library(const struct plugin_info *pi, struct strbuf *why);

/* Exposed for tests: parse one sidecar file. */
int catalog_read_sidecar(const char *path, struct plugin_info **out,
			 struct diag *d);
void plugin_info_free(struct plugin_info *pi);

#endif /* CATALOG_H */
