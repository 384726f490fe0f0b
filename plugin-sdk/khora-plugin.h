/* SPDX-License-Identifier: MIT */
/*
 * khora-plugin.h - the one public header of the khora plugin SDK.
 *
 * A khora plugin is a shared object plus a sidecar manifest
 * (<name>.plugin, flat YAML).  The core reads the sidecar without loading
 * the object; only when a feature the plugin provides is requested does it
 * dlopen() the object (RTLD_NOW | RTLD_LOCAL), look up the entry symbol
 * khora_plugin_<name> and call it to obtain the plugin's descriptor.
 *
 * Contract:
 *  - KHORA_ABI_MAJOR of plugin and host must be equal.  Minors are
 *    forward-compatible, as in SQLite's extension API: the descriptor
 *    records the minor the plugin was built against and the oldest host
 *    minor it needs (KHORA_PLUGIN_MIN_MINOR, default: the one it was
 *    built against); a host loads it when its own minor is at least that.
 *  - The host passes a const struct khora_host * to init().  The vtable
 *    starts with its own size and abi_minor and is only ever appended to;
 *    a plugin that declares an older minimum tests a newer function with
 *    KHORA_HOST_HAS(host, fn) before calling it.
 *  - Plugins never write to the file system.  They describe files,
 *    directories and symlinks through the host (add_file, add_text,
 *    add_dir, add_symlink); the core merges the actions of every plugin,
 *    checks them, renders, stages and commits them in one batch.
 *  - Ownership: every string a plugin passes in is copied by the host
 *    before the call returns.  Every string the host hands out is borrowed
 *    and stays valid until the callback that received it returns.
 *  - Host functions returning int return 0 on success and -1 on error;
 *    after -1 the plugin should return -1 from its callback.  error()
 *    records a diagnostic naming the plugin and always returns -1.
 *  - A plugin runs in-process with the user's rights: it is trusted code,
 *    not a sandboxed one.
 *
 * The header is self-contained C99 and may be included from C++.
 */
#ifndef KHORA_PLUGIN_H
#define KHORA_PLUGIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The one definition of the ABI numbers: the host, the loader, the
 * pkg-config file and `khora new-plugin` all take them from here.
 * Appending to struct khora_host (or struct khora_plugin) bumps
 * KHORA_ABI_MINOR, and changes nothing else.
 */
#define KHORA_ABI_MAJOR 1
#define KHORA_ABI_MINOR 1

/*
 * The oldest host minor the plugin needs: define it before including
 * this header to load in older hosts (then test each function newer
 * than it with KHORA_HOST_HAS before calling it).
 */
#ifndef KHORA_PLUGIN_MIN_MINOR
#define KHORA_PLUGIN_MIN_MINOR KHORA_ABI_MINOR
#endif

/* Opaque per-plugin handle the host passes to every callback. */
typedef struct khora_ctx khora_ctx;

/*
 * The entry symbol is looked up by its C name: under C++ the definition
 * KHORA_PLUGIN_DEFINE expands to (in the plugin's own file, outside this
 * header's extern "C" block) needs C linkage of its own.
 */
#ifdef __cplusplus
#define KHORA_EXTERN_C extern "C"
#else
#define KHORA_EXTERN_C
#endif

#if defined(__GNUC__)
#define KHORA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KHORA_EXPORT __attribute__((visibility("default")))
#else
#define KHORA_PRINTF(f, a)
#define KHORA_EXPORT
#endif

/*
 * The host vtable.  Append-only: new functions go at the end and bump
 * KHORA_ABI_MINOR; nothing is ever removed or reordered.
 */
struct khora_host {
	size_t size;		/* sizeof(struct khora_host) of the host */
	unsigned abi_minor;	/* KHORA_ABI_MINOR of the host */

	/* Diagnostics, attributed to the calling plugin. error() returns -1. */
	int (*error)(khora_ctx *ctx, const char *fmt, ...) KHORA_PRINTF(2, 3);
	void (*warn)(khora_ctx *ctx, const char *fmt, ...) KHORA_PRINTF(2, 3);

	/*
	 * Project values, by key: "name", "package", "slug", "description",
	 * "python_version", "license", "author", "author_email", "version",
	 * "api_dir", "docs_dir", "http_port", "year", "config_dir" (the
	 * directory of khora.yaml, or "." without one: where user inputs
	 * such as docs_dir are read from), and "PLUGIN.OPTION" for
	 * another plugin's option as configured or as its sidecar's
	 * default ("python.tool": "pip" or "uv").  NULL when unset.
	 */
	const char *(*project)(khora_ctx *ctx, const char *key);
	/*
	 * Value of a feature: NULL when the feature is off, "true" for an
	 * enabled boolean feature, the chosen value for a choice feature
	 * (e.g. feature("database") -> "postgres").
	 */
	const char *(*feature)(khora_ctx *ctx, const char *name);
	/*
	 * A scalar option of this plugin's own section,
	 * plugins_config.<plugin>.<key>; NULL when unset.  The keys were
	 * checked against the sidecar's options before the plugin loaded.
	 */
	const char *(*option)(khora_ctx *ctx, const char *key);

	/* Variables and sections seen by this plugin's templates. */
	int (*set_var)(khora_ctx *ctx, const char *name, const char *value);
	int (*set_section)(khora_ctx *ctx, const char *name, int shown);

	/*
	 * Actions.  path is relative to the project root, uses '/', and must
	 * stay inside the project.  template names a file under the plugin's
	 * template directory.  mode is a permission mask such as 0644 (0:
	 * 0644 for files, 0755 for directories; the user's umask applies),
	 * for files optionally with KHORA_MODE_YIELD or KHORA_MODE_INPUT.
	 * Any other bit (setuid, setgid, sticky) is an error.
	 */
	int (*add_file)(khora_ctx *ctx, const char *path, const char *tmpl,
			unsigned mode);
	int (*add_text)(khora_ctx *ctx, const char *path, const char *text,
			unsigned mode);
	int (*add_dir)(khora_ctx *ctx, const char *path, unsigned mode);
	int (*add_symlink)(khora_ctx *ctx, const char *path,
			   const char *target);

	/*
	 * Add an item to a shared list (slot) that any plugin's templates
	 * can iterate as a section with the variable "item": one of the
	 * core's "dependencies", "dev_dependencies", "gitignore",
	 * "components", "readme_sections", "precommit_hooks",
	 * "pythonpath", or "PLUGIN.NAME", a slot named after the plugin
	 * that offers it ("greeting.names").  A bare name that is one of
	 * the core's template names ("features", "feature_docker",
	 * "has_x") is an error.  Items are kept in plugin order,
	 * duplicates dropped; the section has_SLOT is shown when the slot
	 * has items.  A "components" item must be a YAML mapping of one
	 * key that no other item has ("greeting: {whom: " + quote_yaml()
	 * + "}").
	 */
	int (*contribute)(khora_ctx *ctx, const char *slot, const char *item);

	/*
	 * Plugin memory, released at the latest when khora exits; alloc
	 * returns NULL when there is not that much (alloc(SIZE_MAX)).
	 */
	void *(*alloc)(khora_ctx *ctx, size_t size);
	void (*free)(khora_ctx *ctx, void *ptr);

	/*
	 * A command the core runs in the project directory after the commit
	 * (phase "post"; the directory khora committed, entered by fd, not
	 * by name), in plugin order, without a shell.  argv is
	 * NULL-terminated; argv[0] is looked up on PATH.  flags:
	 * KHORA_CMD_OPTIONAL   failure (or a missing program) is a warning
	 * KHORA_CMD_FALLBACK   run only if the previous command failed
	 * KHORA_CMD_QUIET      discard the command's output
	 * KHORA_CMD_NESTED_CHECK  not a step but a check, run in the
	 *                      directory that holds the project: when it
	 *                      succeeds, the project lies inside another
	 *                      one (a git work tree...) whose directory it
	 *                      printed, and the plugin's later commands are
	 *                      skipped with a warning naming it.  Add it
	 *                      unless the plugin's option "nested" is true.
	 * KHORA_CMD_PATHS      stdin: the path of every file khora generated,
	 *                      project-relative, each ended by a NUL (for
	 *                      git's --pathspec-from-file=-
	 *                      --pathspec-file-nul)
	 * KHORA_CMD_NO_FILTERS the command is git: every filter driver git's
	 *                      configuration defines is turned off for it
	 *                      (a .gitattributes in the project then makes
	 *                      it run no program)
	 * KHORA_CMD_GUARD      a check between a command and its FALLBACK,
	 *                      run only when that command failed: the
	 *                      FALLBACK runs only if a guard fails (when
	 *                      every guard succeeds, the failure is not the
	 *                      one the FALLBACK is for, and it stands)
	 * Commands run without the variables that point git elsewhere
	 * (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, ...).  A plugin's
	 * commands are a chain: after the first failure that no FALLBACK
	 * rescues, its later commands are not run.
	 */
	int (*add_command)(khora_ctx *ctx, const char *const *argv,
			   unsigned flags);
	/* SHA-256 of data as 64 lower-case hex digits and a NUL. */
	void (*sha256_hex)(khora_ctx *ctx, const void *data, size_t len,
			   char out[65]);
	/*
	 * A config error (exit code 3) at khora.yaml:line:col of the dotted
	 * key ("paths.docs_dir", "plugins_config.NAME.KEY"), for values only
	 * the plugin can judge.  Returns -1.
	 */
	int (*config_error)(khora_ctx *ctx, const char *key, const char *fmt,
			    ...) KHORA_PRINTF(3, 4);

	/*
	 * Since 1.1: value as one complete string literal of a language,
	 * quotes included, that the language's parser reads back as
	 * exactly value: quote_yaml a double-quoted YAML scalar (also for
	 * a "components" item: "greeting: {whom: " + quote_yaml(..) + "}"),
	 * quote_json a JSON string, quote_toml a TOML basic string,
	 * quote_shell one single-quoted POSIX sh word, quote_hcl an HCL2
	 * quoted string ("${" and "%{" made literal), quote_python a
	 * Python 3 string literal.  A byte that is not UTF-8 becomes
	 * U+FFFD (quote_shell keeps it).  The same routines back the
	 * template modifiers x-yaml, x-json, x-toml, x-shell, x-hcl and
	 * x-python.  The result is plugin memory (as from alloc()): free()
	 * it or leave it to the host.  NULL, with an error recorded, when
	 * value is NULL.
	 */
	char *(*quote_yaml)(khora_ctx *ctx, const char *value);
	char *(*quote_json)(khora_ctx *ctx, const char *value);
	char *(*quote_toml)(khora_ctx *ctx, const char *value);
	char *(*quote_shell)(khora_ctx *ctx, const char *value);
	char *(*quote_hcl)(khora_ctx *ctx, const char *value);
	char *(*quote_python)(khora_ctx *ctx, const char *value);
};

/*
 * add_file/add_text mode flag: the file is a copy that yields to any
 * other plugin writing the same path, instead of a path collision
 * (e.g. kg copying a docs directory the docs plugin also writes into).
 */
#define KHORA_MODE_YIELD 0x10000u
/*
 * add_file/add_text mode flag: the file is a copy of the user's own
 * input (e.g. kg copying the docs it reads): written where nothing is,
 * then the user's.  khora never records it as generated, never
 * compares, replaces or removes it (doc/khora-update.7, ownership).
 */
#define KHORA_MODE_INPUT 0x20000u

#define KHORA_CMD_OPTIONAL 1u
#define KHORA_CMD_FALLBACK 2u
#define KHORA_CMD_QUIET 4u
#define KHORA_CMD_NESTED_CHECK 8u
#define KHORA_CMD_PATHS 16u
#define KHORA_CMD_NO_FILTERS 32u
#define KHORA_CMD_GUARD 64u

#define KHORA_HOST_HAS(host, fn) \
	((host)->size >= offsetof(struct khora_host, fn) + \
	 sizeof(((struct khora_host *)0)->fn))

/* The descriptor a plugin's entry symbol returns. */
struct khora_plugin {
	unsigned abi_major;
	unsigned abi_minor;
	size_t size;		/* sizeof(struct khora_plugin) of the plugin */
	const char *name;	/* must equal the sidecar's name */
	const char *version;
	/* Called once after loading; may be NULL. */
	int (*init)(khora_ctx *ctx, const struct khora_host *host);
	/* Emits the plugin's actions; required. */
	int (*plan)(khora_ctx *ctx, const struct khora_host *host);
	/* Called once before the project is written; may be NULL. */
	void (*fini)(khora_ctx *ctx, const struct khora_host *host);
	void *reserved[8];
	/* ABI 1.1: the oldest host minor this plugin needs (a host reads
	 * it only when size covers it; before, abi_minor was the minimum) */
	unsigned min_host_minor;
};

typedef const struct khora_plugin *(*khora_plugin_entry_fn)(void);

/*
 * KHORA_PLUGIN_DEFINE(name, version, init, plan, fini) defines the entry
 * symbol khora_plugin_<name>.  name is a C identifier equal to the
 * sidecar's name.
 */
#define KHORA_PLUGIN_DEFINE(name_, version_, init_, plan_, fini_)	\
	KHORA_EXTERN_C KHORA_EXPORT const struct khora_plugin *	\
	khora_plugin_##name_(void);					\
	KHORA_EXTERN_C const struct khora_plugin *khora_plugin_##name_(void) \
	{								\
		static const struct khora_plugin desc = {		\
			KHORA_ABI_MAJOR, KHORA_ABI_MINOR,		\
			sizeof(struct khora_plugin), #name_, version_,	\
			init_, plan_, fini_, { 0 },			\
			KHORA_PLUGIN_MIN_MINOR				\
		};							\
		return &desc;						\
	}

#ifdef __cplusplus
}
#endif

#endif /* KHORA_PLUGIN_H */
