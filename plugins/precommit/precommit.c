/* SPDX-License-Identifier: MIT */
/*
 * precommit.c - .pre-commit-config.yaml: the basic hooks, ruff and
 * ruff-format, bandit and gitleaks with security_gates, and a local
 * repository with every hook other plugins contributed to the
 * "precommit_hooks" slot (one flow mapping per item, e.g. kg's check).
 * The revisions come from pins.h, which the CI plugin reads too: ruff
 * in pre-commit and in CI cannot drift apart.
 */
#include "khora-plugin.h"
#include "../pins.h"

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	/* a global section does not reach this plugin's variables */
	if (h->set_section(ctx, "gates", h->feature(ctx, "security_gates") !=
			   NULL) ||
	    h->set_var(ctx, "ruff_version", PIN_RUFF) ||
	    h->set_var(ctx, "hooks_version", PIN_PRECOMMIT_HOOKS) ||
	    h->set_var(ctx, "bandit_version", PIN_BANDIT) ||
	    h->set_var(ctx, "gitleaks_version", PIN_GITLEAKS) ||
	    h->contribute(ctx, "readme_sections", "- `.pre-commit-config.yaml`:"
			  " run `pre-commit install` once, hooks run on "
			  "every commit; `pre-commit run --all-files` runs "
			  "them now") ||
	    h->contribute(ctx, "components", "precommit: "
			  "{config: .pre-commit-config.yaml}"))
		return -1;
	return h->add_file(ctx, ".pre-commit-config.yaml",
			   "pre-commit-config.yaml.tmpl", 0644);
}

KHORA_PLUGIN_DEFINE(precommit, "0.1.0", NULL, plan, NULL)
