/* SPDX-License-Identifier: MIT */
/*
 * generate.h - phases 1 to 7 of doc/design.md §1 (config, catalog, resolve,
 * load, plan, merge, render), shared by `khora new`, which stages and
 * commits the result, and `khora update`/`add`, which first compare it
 * with the project on disk.
 *
 * A struct generation owns the config, catalog, template directory and
 * pipeline of one run; generation_release() frees them all, whatever
 * phase failed.
 */
#ifndef GENERATE_H
#define GENERATE_H

#include "pipeline.h"
#include "strbuf.h"
#include "tmpldir.h"
#include "tmplsrc.h"

struct gen_opts {
	const char *target;
	const char *config;		/* khora.yaml to read, or NULL */
	const char *config_buf;		/* or its text (named config) */
	size_t config_len;
	const char *template;		/* --template SRC */
	const char *template_dir;	/* --template-dir SUB */
	const char *ref;		/* --ref REF */
	int trust;			/* --trust: run tasks, migrations */
	const char *answers;		/* --answers FILE */
	struct config_overrides ov;
	int no_input;
	int project_config;		/* new: add the project's khora.yaml */
	/* update, add: template answers (NAME=VALUE), never config keys */
	const struct strlist *given;
	int update;
	unsigned plugin_timeout;	/* new --plugin-timeout; 0: none */
};

struct generation {
	struct config cfg;
	struct catalog cat;
	struct pipeline p;
	struct tmpldir tmpl;
	struct tmplsrc src;		/* where tmpl came from */
	char *src_subdir;		/* --template-dir or subdirectory: */
	char *record;			/* the template: record, as YAML */
	struct strbuf tdir;
	char *name;
	char *config_text;		/* the project's khora.yaml, or NULL */
	double mark;			/* end of the last profiled phase */
	double catalog_ms;		/* before the profile exists */
	int cfg_loaded, p_inited;
};

/*
 * Runs config to render into g (zeroed by the call).  keep holds
 * strings that --set routing creates.  0, or -1 with one diagnostic.
 */
int generation_run(struct generation *g, struct gen_opts *o,
		   struct strlist *keep, struct diag *d);
/*
 * Appends to out the text of the project's khora.yaml (buf, len, named
 * file) with its template: block replaced by g's record (the ref,
 * version and commit just resolved), everything else byte for byte;
 * comments inside the old block go.  0, or -1 (exit 3).
 */
int generation_edit_template(struct generation *g, const char *target,
			     const char *file, const char *buf, size_t len,
			     struct strbuf *out, struct diag *d);
void generation_release(struct generation *g);

#endif /* GENERATE_H */
