/* SPDX-License-Identifier: MIT */
/*
 * playwright.c - browser tests in tests/ui/ (pytest-playwright) against
 * the running app's /healthz, skipped by the project's plain pytest run
 * when Playwright is not installed; with ci_github_actions, a workflow
 * that serves the app and runs them in Chromium.
 */
#include "khora-plugin.h"

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	if (h->contribute(ctx, "readme_sections", "- `tests/ui/`: browser "
			  "tests; `pip install -r tests/ui/requirements.txt "
			  "&& python -m playwright install chromium`, serve "
			  "the app, then `python3 -m pytest tests/ui`") ||
	    h->contribute(ctx, "components", "playwright: {tests: tests/ui}") ||
	    h->add_file(ctx, "tests/ui/conftest.py", "conftest.py.tmpl",
			0644) ||
	    h->add_file(ctx, "tests/ui/test_healthz.py",
			"test_healthz.py.tmpl", 0644) ||
	    h->add_file(ctx, "tests/ui/requirements.txt",
			"requirements.txt.tmpl", 0644))
		return -1;
	if (!h->feature(ctx, "ci_github_actions"))
		return 0;
	if (h->contribute(ctx, "readme_sections", "- `.github/workflows/"
			  "playwright.yml`: on every push and pull request, "
			  "serves the app and runs `tests/ui` in Chromium"))
		return -1;
	return h->add_file(ctx, ".github/workflows/playwright.yml",
			   "playwright.yml.tmpl", 0644);
}

KHORA_PLUGIN_DEFINE(playwright, "0.1.0", NULL, plan, NULL)
