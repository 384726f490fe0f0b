/* SPDX-License-Identifier: MIT */
/*
 * ci_github_actions.c - .github/workflows/ci.yml (ruff, a pytest matrix
 * from python_version to the next minor, and with security_gates: a
 * dependency audit, bandit and secret scanning) and context.yml, which
 * reports on a pull request what changed in .khora/context.yaml, key by
 * key.  Other plugins add workflows of their own (playwright,
 * terraform) when this feature is on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "khora-plugin.h"

/* python_version "3.Y": the matrix is 3.Y and 3.(Y+1), up to 3.13. */
static int
matrix(khora_ctx *ctx, const struct khora_host *h)
{
	const char *v = h->project(ctx, "python_version");
	const char *dot = v ? strchr(v, '.') : NULL;
	char buf[64];
	long minor, last;
	int n = 0;

	if (!dot)
		return h->error(ctx, "no python_version");
	minor = strtol(dot + 1, NULL, 10);
	last = minor < 13 ? minor + 1 : minor;
	for (; minor <= last; minor++) {
		snprintf(buf, sizeof(buf), "%s\"3.%ld\"", n++ ? ", " : "",
			 minor);
		if (h->contribute(ctx, "ci_matrix", buf))
			return -1;
	}
	return 0;
}

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *branch = h->option(ctx, "default_branch");

	if (h->set_var(ctx, "branch", branch ? branch : "main") ||
	    matrix(ctx, h) ||
	    h->contribute(ctx, "readme_sections", "- `.github/workflows/`: "
			  "CI (lint, tests) and the context.yaml report") ||
	    h->contribute(ctx, "components", "ci_github_actions: "
			  "{workflows: [ci.yml, context.yml]}"))
		return -1;
	return h->add_file(ctx, ".github/workflows/ci.yml", "ci.yml.tmpl",
			   0644) ||
	       h->add_file(ctx, ".github/workflows/context.yml",
			   "context.yml.tmpl", 0644) ? -1 : 0;
}

KHORA_PLUGIN_DEFINE(ci_github_actions, "0.1.0", NULL, plan, NULL)
