/* SPDX-License-Identifier: MIT */
/*
 * docs.c - documentation that builds as generated, warnings as errors:
 * docs: mkdocs writes mkdocs.yml and <docs_dir>/{index,api}.md
 * (`mkdocs build --strict`); docs: sphinx writes <docs_dir>/conf.py,
 * index.rst, api.rst (autodoc of the package) and a Makefile
 * (`sphinx-build -W`).  docs_dir defaults to "docs"; conf.py finds
 * src/ from its own place, however deep docs_dir is (docs/en).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "khora-plugin.h"
#include "../pytext.h"

static int
add(khora_ctx *ctx, const struct khora_host *h, const char *dir,
    const char *name, const char *tmpl)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return h->add_file(ctx, path, tmpl, 0644);
}

/*
 * A value as literal reStructuredText: every ASCII punctuation mark
 * backslash-escaped (a description with "*" or a name ending in "_" is
 * markup, and sphinx-build -W fails on it), line breaks as spaces.
 * Sets NAME, and NAME_rule: '=' as long as that source line.
 */
static int
set_rst(khora_ctx *ctx, const struct khora_host *h, const char *name,
	const char *v)
{
	size_t n = strlen(v), i, o = 0;
	char *out = malloc(2 * n + 1), *rule = malloc(2 * n + 1);
	char key[64];
	int ret = -1;

	if (!out || !rule)
		goto out;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		else if (c < 0x80 && ispunct(c))
			out[o++] = '\\';
		out[o++] = (char)c;
	}
	out[o] = '\0';
	memset(rule, '=', o);
	rule[o] = '\0';
	snprintf(key, sizeof(key), "%s_rule", name);
	ret = h->set_var(ctx, name, out) || h->set_var(ctx, key, rule) ?
		-1 : 0;
out:
	free(out);
	free(rule);
	return ret;
}

/* KEY = the assignment NAME = VALUE in Python, as black writes it */
static int
set_assign(khora_ctx *ctx, const struct khora_host *h, const char *key,
	   const char *name, const char *value)
{
	char *line = pytext_assign_str(ctx, h, name, value ? value : "",
				       pytext_line_length(ctx, h));
	int ret;

	if (!line)
		return h->error(ctx, "out of memory");
	ret = h->set_var(ctx, key, line);
	free(line);
	return ret;
}

/*
 * conf.py's lines that hold free text (the name, the author), which
 * `ruff format` and `ruff check` leave as generated at any length.
 */
static int
conf_vars(khora_ctx *ctx, const struct khora_host *h)
{
	const char *name = h->project(ctx, "name");
	char summary[160];
	const char *paras[1];

	snprintf(summary, sizeof(summary), "Sphinx configuration of %s: make "
		 "html (warnings are errors).", name);
	paras[0] = summary;
	return pytext_set_docstring(ctx, h, "conf_docstring", paras, 1) ||
	       set_assign(ctx, h, "project_assign", "project", name) ||
	       set_assign(ctx, h, "author_assign", "author",
			  h->project(ctx, "author")) ||
	       set_assign(ctx, h, "release_assign", "release",
			  h->project(ctx, "version"));
}

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *tool = h->feature(ctx, "docs");
	const char *dir = h->project(ctx, "docs_dir");
	const char *site = h->option(ctx, "site_name");
	const char *name = h->project(ctx, "name");
	char line[512], ignore[512], up[16];
	const char *p;
	unsigned depth;
	int mk;

	if (!tool)
		return h->error(ctx, "planned while docs is off");
	mk = !strcmp(tool, "mkdocs");
	if (!dir)
		dir = "docs";
	/* the CI passes it to sphinx-build, where "-W" is an option */
	if (*dir == '-' || strstr(dir, "/-"))
		return h->config_error(ctx, "paths.docs_dir", "invalid "
				       "docs_dir '%s': a component starts with "
				       "'-'", dir);
	/* conf.py finds the project root this many levels above itself */
	for (p = dir, depth = 1; *p; p++)
		depth += *p == '/';
	snprintf(up, sizeof(up), "%u", depth);
	if (mk)
		snprintf(line, sizeof(line), "- `%s/`: the documentation; "
			 "build it with `mkdocs build --strict`", dir);
	else
		snprintf(line, sizeof(line), "- `%s/`: the documentation; "
			 "build it with `make -C %s html` (Sphinx, warnings "
			 "are errors)", dir, dir);
	snprintf(ignore, sizeof(ignore), mk ? "site/" : "%s/_build/", dir);
	if (set_rst(ctx, h, "title_rst", name) ||
	    set_rst(ctx, h, "description_rst",
		    h->project(ctx, "description")) ||
	    h->set_var(ctx, "docs_root", dir) ||
	    h->set_var(ctx, "docs_depth", up) ||
	    h->set_var(ctx, "site_name", site ? site :
		       h->project(ctx, "name")) ||
	    h->contribute(ctx, "readme_sections", line) ||
	    h->contribute(ctx, "gitignore", ignore) ||
	    h->contribute(ctx, "components", mk ? "docs: {tool: mkdocs, "
			  "config: mkdocs.yml}" : "docs: {tool: sphinx}"))
		return -1;
	if (mk)
		return h->add_file(ctx, "mkdocs.yml", "mkdocs.yml.tmpl",
				   0644) ||
		       add(ctx, h, dir, "index.md", "index.md.tmpl") ||
		       add(ctx, h, dir, "api.md", "api.md.tmpl") ? -1 : 0;
	return conf_vars(ctx, h) ||
	       add(ctx, h, dir, "conf.py", "conf.py.tmpl") ||
	       add(ctx, h, dir, "index.rst", "index.rst.tmpl") ||
	       add(ctx, h, dir, "api.rst", "api.rst.tmpl") ||
	       add(ctx, h, dir, "Makefile", "Makefile.tmpl") ? -1 : 0;
}

KHORA_PLUGIN_DEFINE(docs, "0.1.0", NULL, plan, NULL)
