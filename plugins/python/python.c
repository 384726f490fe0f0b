/* SPDX-License-Identifier: MIT */
/*
 * python.c - the base plugin: a Python package laid out as PEP 621 and
 * the src/ layout recommend, with tests that pass as generated
 * (python3 -m pytest, no install step: pyproject sets pythonpath).
 * Other plugins add to its files through slots: "dependencies",
 * "dev_dependencies", "gitignore" and "readme_sections".  Option
 * tool: pip (default) or uv (pyproject's [dependency-groups]); the
 * other plugins that install something read it as project value
 * "python.tool" (the Dockerfiles' uv sync, CI's setup-uv).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "khora-plugin.h"
#include "../pytext.h"

static const char *const gitignore[] = {
	"__pycache__/", "*.py[cod]", "*.egg-info/", ".eggs/", "build/",
	"dist/", ".venv/", "venv/", ".pytest_cache/", ".ruff_cache/",
	".mypy_cache/", ".coverage", "htmlcov/", ".env",
	/* copies of what khora replaced: the user's, maybe secrets */
	".khora/trash/",
};

static const char *
license_template(const char *license)
{
	if (!strcmp(license, "MIT"))
		return "LICENSE-MIT.tmpl";
	if (!strcmp(license, "BSD-3-Clause"))
		return "LICENSE-BSD-3-Clause.tmpl";
	return "LICENSE-reference.tmpl";
}

/*
 * The package's docstring: its name, then the description, which
 * `ruff format` and `ruff check` leave as generated (see pytext.h).
 */
static int
set_docstring(khora_ctx *ctx, const struct khora_host *h)
{
	const char *desc = h->project(ctx, "description");
	const char *name = h->project(ctx, "name");
	char summary[128];
	const char *paras[2];

	snprintf(summary, sizeof(summary), "%s package.", name ? name : "");
	paras[0] = summary;
	paras[1] = desc;
	return pytext_set_docstring(ctx, h, "module_docstring", paras, 2);
}

static int
tool(khora_ctx *ctx, const struct khora_host *h)
{
	const char *t = h->option(ctx, "tool");

	if (t && strcmp(t, "pip") && strcmp(t, "uv"))
		return h->config_error(ctx, "plugins_config.python.tool",
				       "invalid tool '%s': expected pip or uv",
				       t);
	/* local sections: a global one would hide this plugin's "uv" */
	return h->set_section(ctx, "uv", t && !strcmp(t, "uv")) ||
	       h->set_section(ctx, "api", h->feature(ctx, "fastapi") != NULL) ||
	       h->set_var(ctx, "extras", h->feature(ctx, "fastapi") ?
			  "dev,api" : "dev");
}

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *pkg = h->project(ctx, "package");
	const char *lic = h->project(ctx, "license");
	const char *len = h->option(ctx, "line_length");
	char path[512];
	size_t i;

	if (!pkg || !lic)
		return h->error(ctx, "the project has no package name");
	if (tool(ctx, h) ||
	    h->set_var(ctx, "line_length", len ? len : "88") ||
	    set_docstring(ctx, h) ||
	    h->set_section(ctx, "license_proprietary",
			   !strcmp(lic, "Proprietary")))
		return -1;
	for (i = 0; i < sizeof(gitignore) / sizeof(*gitignore); i++)
		if (h->contribute(ctx, "gitignore", gitignore[i]))
			return -1;
	if (h->contribute(ctx, "dev_dependencies", "pytest>=7") ||
	    h->contribute(ctx, "components",
			  "python: {layout: src, tests: tests}"))
		return -1;
	snprintf(path, sizeof(path), "src/%s/__init__.py", pkg);
	if (h->add_file(ctx, path, "__init__.py.tmpl", 0644))
		return -1;
	snprintf(path, sizeof(path), "src/%s/core.py", pkg);
	if (h->add_file(ctx, path, "core.py.tmpl", 0644))
		return -1;
	snprintf(path, sizeof(path), "src/%s/py.typed", pkg);
	if (h->add_text(ctx, path, "", 0644))
		return -1;
	return h->add_file(ctx, "pyproject.toml", "pyproject.toml.tmpl",
			   0644) ||
	       h->add_file(ctx, "README.md", "README.md.tmpl", 0644) ||
	       h->add_file(ctx, "LICENSE", license_template(lic), 0644) ||
	       h->add_file(ctx, ".gitignore", "gitignore.tmpl", 0644) ||
	       h->add_file(ctx, ".yamllint.yaml", "yamllint.yaml.tmpl",
			   0644) ||
	       h->add_file(ctx, "tests/test_core.py", "test_core.py.tmpl",
			   0644) ? -1 : 0;
}

KHORA_PLUGIN_DEFINE(python, "0.1.0", NULL, plan, NULL)
