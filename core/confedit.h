/* SPDX-License-Identifier: MIT */
/*
 * confedit.h - the project's own khora.yaml, which `khora update` reads
 * and `khora add` edits (doc/khora-update.7).
 *
 * `khora new` writes the effective config into the project: the merged
 * tree of the config file, user defaults, --env, --set and --with, so
 * that a later update regenerates the same project on any machine.
 * Paths in it (template:, templates_dir:) are rewritten to stay valid
 * from the project's root.  `khora add` then edits that file as text,
 * so that the user's comments and layout survive.
 */
#ifndef CONFEDIT_H
#define CONFEDIT_H

#include "config.h"

struct strbuf;

/*
 * Appends the YAML text of cfg's merged tree, without its env: section,
 * for a file at target/khora.yaml.  template (or NULL) is the
 * template's record (a path already relative to the project, or a
 * mapping: tmplsrc.h), which replaces the config's template:.  answers
 * (or NULL) replaces the config's answers: with the template's final
 * answers.
 */
void config_serialize(const struct config *cfg, const char *target,
		      const struct ynode *template, const struct ynode *answers,
		      struct strbuf *out);

/*
 * Appends to out the text of the khora.yaml in buf (named file in
 * messages) with features.NAME set to value ("true" or a choice),
 * keeping everything else byte for byte.  Returns 0, or -1 with an
 * error (exit 3) when the file cannot be read as a config.
 */
int config_edit_feature(const char *file, const char *buf, size_t len,
			const char *name, const char *value,
			struct strbuf *out, struct diag *d);

#endif /* CONFEDIT_H */
