/* SPDX-License-Identifier: MIT */
/*
 * greeting.c - a complete third-party khora plugin, built out of tree
 * with nothing but `pkg-config khora-plugin` (see Makefile).
 *
 * Feature "greeting": writes GREETING.md from a template, adds a section
 * to the generated README through the "readme_sections" slot and
 * describes itself in .khora/context.yaml through "components".
 * Option plugins_config.greeting.whom picks who is greeted.
 */
#include <stdio.h>
#include "khora-plugin.h"

static int
init(khora_ctx *ctx, const struct khora_host *h)
{
	/* a plugin built against a newer minor must test what it calls */
	if (!KHORA_HOST_HAS(h, contribute))
		return h->error(ctx, "this khora is too old for greeting");
	return 0;
}

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *whom = h->option(ctx, "whom");
	char component[128];

	if (!whom)
		whom = "world";
	snprintf(component, sizeof(component), "greeting: {whom: \"%s\"}",
		 whom);
	if (h->set_var(ctx, "whom", whom) ||
	    h->contribute(ctx, "readme_sections",
			  "- `GREETING.md`: a greeting (plugin greeting)") ||
	    h->contribute(ctx, "components", component))
		return -1;
	return h->add_file(ctx, "GREETING.md", "GREETING.md.tmpl", 0644);
}

KHORA_PLUGIN_DEFINE(greeting, "1.0.0", init, plan, NULL)
