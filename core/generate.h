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

struct gen_opts {
	const char *target;
	const char *config;		/* khora.yaml to read, or NULL */
	const char *config_buf;		/* or its text (named config) */
	size_t config_len;
	const char *template;		/* --template DIR */
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
	struct strbuf tdir;
	char *name;
	char *config_text;		/* the project's khora.yaml, or NULL */
	double mark;			/* end of the last profiled phase */
	int cfg_loaded, p_inited;
};

/*
 * Runs config to render into g (zeroed by the call).  keep holds
 * strings that --set routing creates.  0, or -1 with one diagnostic.
 */
int generation_run(struct generation *g, struct gen_opts *o,
		   struct strlist *keep, struct diag *d);
void generation_release(struct generation *g);

#endif /* GENERATE_H */
