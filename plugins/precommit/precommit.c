/* SPDX-License-Identifier: MIT */
/*
 * precommit.c - .pre-commit-config.yaml: the basic hooks, ruff and
 * ruff-format, bandit and gitleaks with security_gates, and a local
 * repository with every hook other plugins contributed to the
 * "precommit_hooks" slot (one flow mapping per item, e.g. kg's check).
 */
#include "khora-plugin.h"

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	if (h->contribute(ctx, "readme_sections", "- `.pre-commit-config.yaml`:"
			  " run `pre-commit install` once, hooks run on "
			  "every commit") ||
	    h->contribute(ctx, "components", "precommit: "
			  "{config: .pre-commit-config.yaml}"))
		return -1;
	return h->add_file(ctx, ".pre-commit-config.yaml",
			   "pre-commit-config.yaml.tmpl", 0644);
}

KHORA_PLUGIN_DEFINE(precommit, "0.1.0", NULL, plan, NULL)
