/* SPDX-License-Identifier: MIT */
/*
 * ci_github_actions.c - .github/workflows/ci.yml and context.yml.
 *
 * ci.yml: ruff (the version pre-commit pins too, from pins.h), mypy
 * (configured in pyproject), pytest on every Python from python_version
 * to the newest the templates support, with pip's (or uv's) cache; a
 * docs job with docs, a Docker build with docker or fastapi; with
 * security_gates: pip-audit over what the image installs (not the
 * runner), bandit over the package and the API, and the gitleaks CLI
 * (no licence needed).  context.yml reports on a pull request what
 * changed in .khora/context.yaml.  Every value reaches YAML through the
 * x-yaml modifier and a run: step only through env:, quoted, so that
 * no value is ever shell code.  Other plugins add workflows of their
 * own (playwright, terraform) when this feature is on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "khora-plugin.h"
#include "../pins.h"

/* python_version "3.Y": the matrix is 3.Y up to the newest supported. */
static int
matrix(khora_ctx *ctx, const struct khora_host *h, long *first)
{
	const char *v = h->project(ctx, "python_version");
	const char *dot = v ? strchr(v, '.') : NULL;
	char buf[64];
	long minor, last;
	int n = 0;

	if (!dot)
		return h->error(ctx, "no python_version");
	minor = strtol(dot + 1, NULL, 10);
	*first = minor;
	last = minor < PIN_PYTHON_NEWEST_MINOR ? PIN_PYTHON_NEWEST_MINOR :
		minor;
	for (; minor <= last; minor++) {
		snprintf(buf, sizeof(buf), "%s\"3.%ld\"", n++ ? ", " : "",
			 minor);
		if (h->contribute(ctx, "ci_matrix", buf))
			return -1;
	}
	return 0;
}

/*
 * A branch name as git check-ref-format --branch takes it, narrowed to
 * what is plain in YAML and shell as well: it reaches both.
 */
static int
valid_branch(const char *s)
{
	const char *p;

	if (!*s || *s == '-' || *s == '/' || *s == '.' ||
	    strstr(s, "..") || strstr(s, "//") || strstr(s, "@{") ||
	    s[strlen(s) - 1] == '/' || s[strlen(s) - 1] == '.')
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		      *p == '.' || *p == '/'))
			return 0;
	return 1;
}

/* The pin of a tool that runs on the project's Python (pins.h). */
static const char *
for_python(khora_ctx *ctx, const struct khora_host *h, const char *newest,
	   const char *py39, const char *py38)
{
	const char *v = h->project(ctx, "python_version");
	long minor = v && !strncmp(v, "3.", 2) ? strtol(v + 2, NULL, 10) : 99;

	return minor <= 8 ? py38 : minor == 9 ? py39 : newest;
}

static int
pins(khora_ctx *ctx, const struct khora_host *h)
{
	return h->set_var(ctx, "ruff_version", PIN_RUFF) ||
	       h->set_var(ctx, "mypy_version", for_python(ctx, h, PIN_MYPY,
			  PIN_MYPY_PY39, PIN_MYPY_PY38)) ||
	       h->set_var(ctx, "uv_version", PIN_UV) ||
	       h->set_var(ctx, "mkdocs_version", PIN_MKDOCS) ||
	       h->set_var(ctx, "sphinx_version", PIN_SPHINX) ||
	       h->set_var(ctx, "pip_audit_version", for_python(ctx, h,
			  PIN_PIP_AUDIT, PIN_PIP_AUDIT_PY39,
			  PIN_PIP_AUDIT_PY38)) ||
	       h->set_var(ctx, "bandit_version", for_python(ctx, h,
			  PIN_BANDIT, PIN_BANDIT_PY39, PIN_BANDIT_PY38)) ||
	       h->set_var(ctx, "gitleaks_version", PIN_GITLEAKS);
}

/* What the jobs install and build, from the features that are on. */
static int
jobs(khora_ctx *ctx, const struct khora_host *h)
{
	const char *api = h->project(ctx, "api_dir");
	const char *docs = h->project(ctx, "docs_dir");
	int fastapi = h->feature(ctx, "fastapi") != NULL;
	int docker = h->feature(ctx, "docker") != NULL;
	char buf[600];

	const char *docs_tool = h->feature(ctx, "docs");
	const char *tool = h->project(ctx, "python.tool");

	snprintf(buf, sizeof(buf), "%s/Dockerfile", api ? api : "api");
	/* global sections do not reach this plugin's variables: local ones */
	if (h->set_section(ctx, "uv", tool && !strcmp(tool, "uv")) ||
	    h->set_section(ctx, "job_docs", docs_tool != NULL) ||
	    h->set_section(ctx, "mkdocs", docs_tool &&
			   !strcmp(docs_tool, "mkdocs")) ||
	    h->set_section(ctx, "sphinx", docs_tool &&
			   !strcmp(docs_tool, "sphinx")) ||
	    h->set_section(ctx, "gates", h->feature(ctx, "security_gates") !=
			   NULL) ||
	    h->set_section(ctx, "compose", docker) ||
	    h->set_section(ctx, "api", fastapi))
		return -1;
	return h->set_var(ctx, "extras", fastapi ? "dev,api" : "dev") ||
	       h->set_var(ctx, "shipped", fastapi ? ".[api]" : ".") ||
	       h->set_var(ctx, "dockerfile", buf) ||
	       h->set_var(ctx, "docs_root", docs ? docs : "docs") ||
	       h->set_section(ctx, "has_image", fastapi || docker);
}

/* The README says what each job does and how to run it locally. */
static int
readme(khora_ctx *ctx, const struct khora_host *h, long first)
{
	char line[700];

	snprintf(line, sizeof(line), "- `.github/workflows/ci.yml`: on every "
		 "push and pull request, ruff %s (`ruff check . && ruff format "
		 "--check .`), mypy (`mypy`, configured in pyproject.toml) and "
		 "pytest on Python 3.%ld to 3.%d (`python3 -m pytest`)%s%s%s",
		 PIN_RUFF, first, first > PIN_PYTHON_NEWEST_MINOR ? (int)first :
		 PIN_PYTHON_NEWEST_MINOR,
		 h->feature(ctx, "docs") ? "; the docs build" : "",
		 h->feature(ctx, "docker") ? "; the Docker build (`docker "
		 "compose build`)" : h->feature(ctx, "fastapi") ? "; the "
		 "Docker build of the API's image" : "",
		 h->feature(ctx, "security_gates") ? "; pip-audit over what "
		 "the image installs, bandit (`bandit -r src`) and gitleaks "
		 "(`gitleaks git .`)" : "");
	return h->contribute(ctx, "readme_sections", line) ||
	       h->contribute(ctx, "readme_sections", "- `.github/workflows/"
			     "context.yml`: on pull requests that change "
			     "`.khora/context.yaml`, a notice of what changed");
}

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *branch = h->option(ctx, "default_branch");
	long first = 0;

	if (!branch)
		branch = "main";
	if (!valid_branch(branch))
		return h->config_error(ctx, "plugins_config.ci_github_actions."
				       "default_branch", "invalid branch '%s':"
				       " use letters, digits, '_', '-', '.' "
				       "and '/' as git allows them", branch);
	if (h->set_var(ctx, "branch", branch) || pins(ctx, h) ||
	    jobs(ctx, h) || matrix(ctx, h, &first) ||
	    readme(ctx, h, first) ||
	    h->contribute(ctx, "components", "ci_github_actions: "
			  "{workflows: [ci.yml, context.yml]}"))
		return -1;
	return h->add_file(ctx, ".github/workflows/ci.yml", "ci.yml.tmpl",
			   0644) ||
	       h->add_file(ctx, ".github/workflows/context.yml",
			   "context.yml.tmpl", 0644) ? -1 : 0;
}

KHORA_PLUGIN_DEFINE(ci_github_actions, "0.1.0", NULL, plan, NULL)
