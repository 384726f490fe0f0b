/* SPDX-License-Identifier: MIT */
/*
 * tmpldir.h - template directories: a project scaffold as data, no C.
 *
 * A directory holding khora-template.yaml plus files.  Its files become
 * actions of the same pipeline as a plugin's (owner "template"): merged,
 * checked for collisions, rendered once, staged and committed together.
 * Names may hold {{variables}}; NAME.kt files are rendered (the suffix
 * dropped), all others copied byte for byte with their mode.  The
 * manifest declares typed variables (string, int, bool, choice, list,
 * multiselect) with defaults or computed values (value:), help,
 * validation and `when:` conditions (cond.h), conditional paths,
 * excluded and write-once paths (gitignore-style globs, tglob.h), items
 * for the plugins' slots, plugin files it overrides, the features it
 * requires or turns off, and the minimum khora.
 *
 * Answers come, first match wins, from --set NAME=VALUE (or
 * answers.NAME), --answers FILE, khora.yaml's answers:, the variable's
 * default, and a prompt when stdin is a terminal and --no-input is not
 * given.  Without them, every missing variable is listed in one error.
 *
 * Secrets are never recorded.  On update (and add) a secret's default is
 * never used, as the project was generated with some other value: it
 * comes from --set, --answers, the environment (KHORA_SECRET_<NAME>,
 * NAME upper-cased) or a prompt, or the run fails naming it (exit 2).
 * There, --set and --answers may not change a recorded answer: that is
 * khora.yaml's job, so that every later update agrees.
 *
 * A struct tmpldir owns its manifest tree and every string it holds.
 */
#ifndef TMPLDIR_H
#define TMPLDIR_H

#include "catalog.h"
#include "config.h"
#include "diag.h"

struct pipeline;
struct tvar_spec;

struct tmpldir {
	char *dir;			/* the template directory */
	int dirfd;			/* it, opened once (-1: none) */
	char *manifest;			/* DIR/khora-template.yaml */
	struct ynode *tree;
	struct tvar_spec *vars;
	size_t nr_vars;
	struct ynode *files;		/* files: [{path, when}] or NULL */
	struct strlist exclude, requires;
	struct strlist skip;		/* skip_if_exists: globs */
	struct strlist override;	/* override: plugins' paths */
	struct strlist without;		/* features the template turns off */
	struct ynode *answers_tree;	/* --answers FILE */
	/* update and add: --set NAME=VALUE (or NULL), and whether a secret
	 * must be given rather than defaulted */
	const struct strlist *given;
	int update;
	struct plugin_info owner;	/* "template", for the lock */
	/* .khora/answers.yaml's template: value as YAML (tmplsrc.h's
	 * record), or NULL for the directory's path; borrowed */
	const char *record;
};

/*
 * Reads DIR/khora-template.yaml (exit code 3 on error; 5 for a regex
 * with a back-reference or a variable named like one the core
 * defines).  t is initialised either way; tmpldir_release() it.
 */
int tmpldir_load(struct tmpldir *t, const char *dir, struct diag *d);
/* The same from the manifest's text (for tests and the fuzzer). */
int tmpldir_parse(struct tmpldir *t, const char *dir, const char *text,
		  size_t len, struct diag *d);
/*
 * The answers, secrets left out, as a new map of quoted scalars (the
 * caller frees it): what the project's khora.yaml records for update.
 */
struct ynode *tmpldir_answers_map(const struct tmpldir *t);
/* The answered value of a variable (after tmpldir_answer), or NULL. */
const char *tmpldir_value(const struct tmpldir *t, const char *name);
/* The name of variable i (< t->nr_vars), in manifest order. */
const char *tmpldir_var_name(const struct tmpldir *t, size_t i);
/* Is name a variable of the template? */
int tmpldir_has_var(const struct tmpldir *t, const char *name);
/* Turns on the features the template requires, off those it is
 * without, in cfg. */
int tmpldir_require(const struct tmpldir *t, struct config *cfg,
		    struct diag *d);
/*
 * Resolves every variable: answers_file may be NULL; prompts only when
 * stdin is a terminal and no_input is 0.  Returns 0 or -1 (exit 3).
 */
int tmpldir_answer(struct tmpldir *t, const struct config *cfg,
		   const char *answers_file, int no_input, struct diag *d);
/* Does the when: condition cond hold (after tmpldir_answer)?  For the
 * tasks: of tasks.h. */
/*
 * A task's when: 1 or 0, or -1 with an exit-5 diagnostic at the node
 * when the condition is invalid (unknown name, syntax).
 */
int tmpldir_when(struct tmpldir *t, const struct ynode *cond,
		 struct diag *d);
/* Adds the template's files to the pipeline (after the plugins plan). */
int tmpldir_plan(struct tmpldir *t, struct pipeline *p);
/*
 * The non-empty secret answers, raw and as each escaping modifier
 * renders them, pushed onto out: a file holding one of them is kept out
 * of .khora/base (which a project commits).
 */
void tmpldir_secret_values(const struct tmpldir *t, struct strlist *out);
void tmpldir_release(struct tmpldir *t);

/*
 * Between tmpldir.c (the manifest and the answers) and tmplwalk.c (the
 * directory turned into actions): not for other modules.
 */
#define MANIFEST "khora-template.yaml"
#define MAX_TEMPLATE_FILES 100000
#define ANSWER_MAX 65536	/* bytes of any answer */

enum vtype { V_STRING, V_INT, V_BOOL, V_CHOICE, V_LIST, V_MULTI };

struct tvar_spec {
	const char *name;		/* borrowed from the tree */
	const struct ynode *node;
	const struct ynode *deflt_node;	/* its default: value, or NULL */
	enum vtype type;
	const char *deflt, *help, *regex, *when;
	const struct ynode *when_node;	/* its when:, for positions */
	const struct ynode *computed;	/* value: (never asked), or NULL */
	char *deflt_list;		/* a default: [a, b], joined */
	const struct ynode *choices;
	long min, max;
	int has_min, has_max, secret;
	char *value;			/* resolved, or NULL */
	int active;			/* its when: holds */
};

/* map's scalar value at key, or NULL */
const char *scalar(const struct ynode *map, const char *key);
/* a condition at run time (checked when the manifest was read) */
int holds(struct tmpldir *t, const char *cond, const struct ynode *n);
/* an answer that turns a section on */
int truthy(const char *v);

#endif /* TMPLDIR_H */
