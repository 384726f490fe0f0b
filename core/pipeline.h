/* SPDX-License-Identifier: MIT */
/*
 * pipeline.h - the state of one `khora new` run, shared by the modules
 * that implement its phases (doc/design.md §1):
 *
 *   resolve.c  features -> plugins, requires/conflicts, order
 *   loader.c   dlopen + ABI and descriptor checks + init
 *   host.c     the host vtable plugins call while planning
 *   plan.c     the action list and its merge (normalise, confine,
 *              collisions)
 *   dict.c     the dictionaries templates see
 *   render.c   template lookup and the render pass
 *   records.c  .khora/lock and .khora/base
 *   stage.c    write everything into a private staging directory
 *   commit.c   atomic rename onto the target (or per-file with --force)
 *
 * A pipeline owns its actions, slots, dictionaries and template cache;
 * it borrows the config, the catalog and the diag.
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include "catalog.h"
#include "config.h"
#include "diag.h"
#include "profile.h"
#include "template.h"

/* A_DATA: bytes given with their length (binary-safe), e.g. a copied
 * file of a template directory. */
enum action_kind { A_FILE, A_TEXT, A_DIR, A_SYMLINK, A_DATA };

struct action {
	enum action_kind kind;
	char *path;			/* normalised, project-relative */
	char *tmpl;			/* A_FILE: template name */
	char *tmpl_path;		/* A_FILE: resolved template file */
	char *tmpl_shown;		/* A_FILE: its name in messages */
	char *text;			/* A_TEXT: content; A_SYMLINK: target */
	unsigned mode;
	struct plugin_info *owner;	/* NULL: the core itself */
	char *data;			/* rendered content (files) */
	size_t len;
	char sha[65];
	unsigned skip:1;		/* update: nothing to write */
	unsigned is_config:1;		/* the project's khora.yaml */
	unsigned conflict:1;		/* update left conflict markers */
	unsigned yield:1;		/* KHORA_MODE_YIELD */
	unsigned user:1;		/* the user's file (KHORA_MODE_INPUT,
					 * or forgotten): the lock says so,
					 * the base has no copy */
	unsigned unowned:1;		/* was there before khora: not
					 * recorded at all */
	unsigned trash_old:1;		/* what this replaces goes to
					 * .khora/trash */
	unsigned unrecorded:1;		/* update: the user's bytes saved
					 * aside, not khora's: not locked */
	const char *beside;		/* update: the binary file whose new
					 * version this is (NAME.khora-new) */
	unsigned is_state:1;		/* .khora/answers.yaml: khora's */
	unsigned secret:1;		/* holds a secret answer: the lock
					 * says so, the base has no copy */
	size_t seq;			/* emission order: the merge's
					 * tie-break between equal paths */
};

/* A file or directory `khora update` removes (after the writes). */
struct removal {
	char *path;
	int is_dir;
	int trash;			/* keep a copy in .khora/trash */
};

struct command {
	char **argv;			/* NULL-terminated, owned */
	unsigned flags;			/* KHORA_CMD_* */
	struct plugin_info *owner;
};

struct slot {
	char *name;
	struct strlist items;
	struct hashmap seen;	/* the items, for the duplicate check */
};

struct pipeline {
	struct diag *d;
	const struct config *cfg;
	struct catalog *cat;
	struct profile prof;

	struct strlist on_names;	/* enabled features */
	struct strlist on_values;	/* "true" or the chosen value */
	struct plugin_info **active;	/* in load order */
	size_t nr_active, alloc_active;

	struct action *actions;
	size_t nr, alloc;
	struct slot *slots;
	size_t nr_slots, alloc_slots;
	struct hashmap slot_index;	/* name -> index + 1 in slots */
	struct slot component_keys;	/* the keys of the components
					 * items (host.c), as a set */
	struct command *cmds;
	size_t nr_cmds, alloc_cmds;
	struct removal *removals;
	size_t nr_removals, alloc_removals;

	struct tdict *global;
	struct tcache cache;
	struct strlist secrets;		/* secret answers as they may
					 * appear in a file: never put in
					 * .khora/base */

	const char *target;
	char trash[96];			/* .khora/trash/<UTC time> when
					 * the commit kept files there */
	int pretend, force, durable;
	int no_force;			/* the command has no --force */
	int in_place;			/* target is the current directory:
					 * file by file, never replaced */
	int post_fd;			/* the directory khora committed,
					 * where post commands run; -1 */
	unsigned plugin_timeout;	/* seconds a plugin callback may
					 * take; 0: no limit */
};

void pipeline_init(struct pipeline *p, struct diag *d,
		   const struct config *cfg, struct catalog *cat);
/*
 * Frees what the pipeline owns; it never unloads a plugin.  A caller
 * that loaded plugins calls unload_plugins() first: their contexts'
 * dictionaries hang off p->global, and a fini that runs late reads
 * the pipeline through its context (doc/design.md §9).
 */
void pipeline_release(struct pipeline *p);

/* resolve.c: validates features and plugins_config, fills p->active. */
int resolve_plugins(struct pipeline *p);
/* Every feature name a config may use: builtin and catalogued. */
void known_features(const struct pipeline *p, struct strlist *out);
/* The value of a feature after defaults: NULL when off. */
const char *resolve_feature(const struct pipeline *p, const char *name);

/* loader.c */
int load_plugins(struct pipeline *p);
/* Runs every fini callback (before staging); unload_plugins() does it
 * for a run that stopped earlier. */
void fini_plugins(struct pipeline *p);
/*
 * Runs the fini callbacks not run yet, frees every context and
 * dlclose()s every plugin: for the owner of the loaded plugins (the
 * generation, `plugins check`), before pipeline_release().
 */
void unload_plugins(struct pipeline *p);
/*
 * plugins check: in the child, a crash, an exit() and a timeout end it
 * with these codes (each after its one-line message), not with 4.
 */
void loader_check_mode(void);
#define LOADER_CHECK_CRASHED 70
#define LOADER_CHECK_EXITED 71
#define LOADER_CHECK_HUNG 72
/* Runs every active plugin's plan callback. */
int plan_plugins(struct pipeline *p);

/* host.c: the vtable and per-plugin contexts. */
const struct khora_host *host_vtable(void);
struct khora_ctx *host_ctx_new(struct pipeline *p, struct plugin_info *pi);
void host_ctx_free(struct khora_ctx *ctx);
void host_ctx_set_planning(struct khora_ctx *ctx, int planning);
struct tdict *host_ctx_dict(struct khora_ctx *ctx);

/* plan.c */
struct action *pipeline_add(struct pipeline *p, enum action_kind kind,
			    struct plugin_info *owner, const char *path);
int pipeline_contribute(struct pipeline *p, const char *slot,
			const char *item);
/* The slot named name, or NULL when nothing was contributed to it. */
const struct slot *pipeline_slot(const struct pipeline *p, const char *name);
/* Fills the feature and slot sections (dict.c), then merges. */
int pipeline_merge(struct pipeline *p);
/* The name and library of the action's plugin, "khora" for the core's. */
const char *action_owner_name(const struct action *a);
const char *action_owner_lib(const struct action *a);

/*
 * dict.c: p->global.  The global variables, at pipeline_init(); the
 * feature, plugin and slot sections, at the merge (resolve and plan
 * are done then).
 */
void dict_build_global(struct pipeline *p);
void dict_build_features(struct pipeline *p);
void dict_build_slots(struct pipeline *p);
/*
 * The names the core defines in every template's dictionary, for
 * i = 0, 1, ... until NULL; a name ending in '_' is a prefix.  A
 * template variable may not take one (it would shadow it).
 */
const char *pipeline_reserved(size_t i);
int pipeline_is_reserved(const char *name);
/* Whether name is one of the slots the core defines in every run. */
int pipeline_is_std_slot(const char *name);
/*
 * Is slot a slot of this run (one every template has, or one a plugin
 * contributed to)?  When not, *guess is the closest known name or NULL.
 */
int pipeline_slot_known(struct pipeline *p, const char *slot,
			const char **guess);

/* render.c: every A_FILE rendered, every file's content hashed. */
int pipeline_render(struct pipeline *p);

/* records.c */
/*
 * Adds .khora/lock and .khora/base (the pristine content of every
 * generated file, for update's merges) from the rendered actions;
 * config_sha is the hash of the project's khora.yaml.  -1 (exit 7) when
 * the files are too many bytes for one base (STRBUF_MAX).
 */
int pipeline_add_records(struct pipeline *p, const char *config_sha);
/* The first bytes of every .khora/base. */
#define PIPELINE_BASE_HEADER "# khora base: every file as khora last " \
	"generated it, for the three-way\n# merges of 'khora update'. Do " \
	"not edit.\n"

/* Parses .khora/base: calls fn for each (path, content) it holds. */
int pipeline_read_base(const char *buf, size_t len,
		       void (*fn)(const char *path, const char *data,
				  size_t len, void *arg), void *arg);

/* stage.c and commit.c */
int pipeline_stage_commit(struct pipeline *p);

/* post.c: the plugins' commands, in the committed project. */
void pipeline_add_command(struct pipeline *p, struct plugin_info *owner,
			  const char *const *argv, unsigned flags);
int pipeline_post(struct pipeline *p);

#endif /* PIPELINE_H */
