/* SPDX-License-Identifier: MIT */
/*
 * bench_files.c - the synthetic project of `make bench`: the number of
 * files given by plugins_config.bench_files.files, spread over 20
 * directories, all from one template (so the cache parses it once), or
 * with plugins_config.bench_files.distinct set, each from its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include "khora-plugin.h"

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *n = h->option(ctx, "files");
	const char *distinct = h->option(ctx, "distinct");
	long i, files = n ? strtol(n, NULL, 10) : 1000;
	char path[128], tmpl[160];

	if (h->set_var(ctx, "owner", "bench") ||
	    h->set_var(ctx, "purpose", "measure the cost of one file") ||
	    h->set_section(ctx, "detailed", 1))
		return -1;
	for (i = 0; i < files; i++) {
		snprintf(path, sizeof(path), "data/d%02ld/file%05ld.txt",
			 i % 20, i);
		/* distinct: one template file per output file, as a template
		 * directory has; else all from one shared template */
		snprintf(tmpl, sizeof(tmpl), "%s.tmpl", path);
		if (h->add_file(ctx, path, distinct ? tmpl : "file.txt.tmpl",
				0644))
			return -1;
	}
	return 0;
}

KHORA_PLUGIN_DEFINE(bench_files, "0.1.0", NULL, plan, NULL)
