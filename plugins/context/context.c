/* SPDX-License-Identifier: MIT */
/*
 * context.c - writes .khora/context.yaml: what the project is, which
 * features and plugins made it, and the "components" slot every plugin
 * may contribute to.  It renders after all plugins planned (the core
 * renders in one pass once planning is over), so every contribution is
 * in, whatever the plugin order.
 */
#include "khora-plugin.h"

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	return h->add_file(ctx, ".khora/context.yaml", "context.yaml.tmpl",
			   0644);
}

KHORA_PLUGIN_DEFINE(context, "0.1.0", NULL, plan, NULL)
