/* SPDX-License-Identifier: MIT */
/*
 * greeting.c - a complete third-party khora plugin, built out of tree
 * with nothing but `pkg-config khora-plugin` (see Makefile).
 *
 * Feature "greeting": writes GREETING.md from a template, adds a section
 * to the generated README through the "readme_sections" slot and
 * describes itself in .khora/context.yaml through "components".
 * Option plugins_config.greeting.whom picks who is greeted; it reaches
 * YAML through the host's quote_yaml (SDK 1.1).
 */
#include <stdio.h>
#include "khora-plugin.h"

static int
init(khora_ctx *ctx, const struct khora_host *h)
{
	/*
	 * the sidecar's "abi: 1.1" already keeps an older khora from
	 * loading this; a plugin that can do without a newer function
	 * tests it instead, as here
	 */
	if (!KHORA_HOST_HAS(h, quote_yaml))
		return h->error(ctx, "this khora is too old for greeting");
	return 0;
}

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *whom = h->option(ctx, "whom");
	char *quoted, component[512];
	int n;

	if (!whom)
		whom = "world";
	/*
	 * a value reaches YAML (.khora/context.yaml) only as a literal
	 * the host quoted: "Ada \"x\": y" stays a string
	 */
	quoted = h->quote_yaml(ctx, whom);
	if (!quoted)
		return -1;
	n = snprintf(component, sizeof(component), "greeting: {whom: %s}",
		     quoted);
	h->free(ctx, quoted);
	if (n < 0 || (size_t)n >= sizeof(component))
		return h->config_error(ctx, "plugins_config.greeting.whom",
				       "'whom' is too long");
	if (h->set_var(ctx, "whom", whom) ||
	    h->contribute(ctx, "readme_sections",
			  "- `GREETING.md`: a greeting (plugin greeting)") ||
	    h->contribute(ctx, "components", component))
		return -1;
	return h->add_file(ctx, "GREETING.md", "GREETING.md.tmpl", 0644);
}

KHORA_PLUGIN_DEFINE(greeting, "1.0.0", init, plan, NULL)
