/* SPDX-License-Identifier: MIT */
/*
 * fastapi.c - an HTTP API under paths.api_dir: main.py (the app, with
 * /healthz), routers/items.py (an example router) and a Dockerfile that
 * serves it with uvicorn on ports.http, plus tests that use FastAPI's
 * TestClient.  api_dir goes on pytest's pythonpath (slot "pythonpath")
 * so that the tests run as generated.  The API's dependencies have one
 * source, pyproject's "api" extra (slot "api_dependencies"), which the
 * Dockerfile installs; the image is built from the project root so that
 * the package the app imports is in it, with the .dockerignore written
 * here (or by docker, which then yields it).  The routes are listed
 * once, in routes[], which feeds both the context component and nothing
 * else: the templates and the tests check each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "khora-plugin.h"
#include "../pins.h"
#include "../pytext.h"

static const char *const routes[][2] = {
	{ "GET", "/healthz" },
	{ "GET", "/items" },
	{ "GET", "/items/{item_id}" },
};

#define NR_ROUTES (sizeof(routes) / sizeof(routes[0]))

static int
add(khora_ctx *ctx, const struct khora_host *h, const char *dir,
    const char *name, const char *tmpl)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return h->add_file(ctx, path, tmpl, 0644);
}

static int
component(khora_ctx *ctx, const struct khora_host *h, const char *dir)
{
	char buf[1024];
	size_t i, n;

	n = (size_t)snprintf(buf, sizeof(buf), "fastapi: {app: \"%s/main.py\","
			     " endpoint_count: %u, endpoints: [", dir,
			     (unsigned)NR_ROUTES);
	for (i = 0; i < NR_ROUTES && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "%s{method: %s, path: \"%s\"}",
				      i ? ", " : "", routes[i][0],
				      routes[i][1]);
	if (n + 3 > sizeof(buf))
		return h->error(ctx, "component description too long");
	memcpy(buf + n, "]}", 3);
	return h->contribute(ctx, "components", buf);
}

/*
 * api_dir reaches a Dockerfile (COPY, WORKDIR: $ expands there), YAML,
 * workflows, command lines (bandit, where "-x" is an option) and
 * sys.path: only what is plain in all of them.
 */
static int
valid_dir(const char *s)
{
	const char *start = s;

	for (; *s; s++)
		if ((*s == '-' && (s == start || s[-1] == '/')) ||
		    !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
		      *s == '.' || *s == '/'))
			return 0;
	return 1;
}

/* One list of what the image installs: pyproject's "api" extra. */
static int
api_dependencies(khora_ctx *ctx, const struct khora_host *h)
{
	const char *db = h->feature(ctx, "database");
	static const char *const base[] = {
		"fastapi>=0.115", "uvicorn[standard]>=0.30",
	};
	static const char *const otel[] = {
		"opentelemetry-distro>=0.50b0",
		"opentelemetry-exporter-otlp>=1.29",
		"opentelemetry-instrumentation-fastapi>=0.50b0",
	};
	size_t i;

	for (i = 0; i < sizeof(base) / sizeof(*base); i++)
		if (h->contribute(ctx, "api_dependencies", base[i]))
			return -1;
	if (db && !strcmp(db, "postgres") &&
	    h->contribute(ctx, "api_dependencies", "psycopg[binary]>=3.2"))
		return -1;
	if (h->feature(ctx, "broker") &&
	    h->contribute(ctx, "api_dependencies", "redis>=5.2"))
		return -1;
	for (i = 0; h->feature(ctx, "observability") &&
	     i < sizeof(otel) / sizeof(*otel); i++)
		if (h->contribute(ctx, "api_dependencies", otel[i]))
			return -1;
	return 0;
}

static int
image_vars(khora_ctx *ctx, const struct khora_host *h, const char *dir)
{
	const char *db = h->feature(ctx, "database");
	char buf[600];

	snprintf(buf, sizeof(buf), "./%s/", dir);
	if (h->set_var(ctx, "api_copy_dest", buf))
		return -1;
	snprintf(buf, sizeof(buf), "/app/%s", dir);
	return h->set_var(ctx, "api_workdir", buf) ||
	       h->set_var(ctx, "uv_version", PIN_UV) ||
	       h->set_section(ctx, "uv", !strcmp(h->project(ctx,
					  "python.tool"), "uv")) ||
	       h->set_section(ctx, "db_sqlite", db && !strcmp(db, "sqlite"));
}

/* how a developer installs the API's dependencies and serves it */
#define INSTALL_API(uv) \
	((uv) ? "uv sync --extra api" : "python3 -m pip install -e '.[api]'")
#define UVICORN(uv) ((uv) ? "uv run uvicorn" : "python3 -m uvicorn")

/*
 * The docstrings that hold the project's name or api_dir: a 64-letter
 * name does not fit a line of 79 after "HTTP API of ".
 */
static int
docstrings(khora_ctx *ctx, const struct khora_host *h, const char *dir)
{
	const char *name = h->project(ctx, "name");
	int uv = !strcmp(h->project(ctx, "python.tool"), "uv");
	char main_doc[128], serve[768], routers[128], tests[128];
	const char *paras[3];

	snprintf(main_doc, sizeof(main_doc), "HTTP API of %s (FastAPI).",
		 name);
	snprintf(serve, sizeof(serve), "    %s\n    %s main:app --app-dir %s "
		 "--reload", INSTALL_API(uv), UVICORN(uv), dir);
	snprintf(routers, sizeof(routers), "Routers of the %s API.", name);
	snprintf(tests, sizeof(tests), "Tests of the %s API with FastAPI's "
		 "TestClient.", name);
	paras[0] = main_doc;
	paras[1] = "Install the package first, then serve the app from the "
		   "project root:";
	paras[2] = serve;
	if (pytext_set_docstring(ctx, h, "main_docstring", paras, 3))
		return -1;
	paras[0] = routers;
	if (pytext_set_docstring(ctx, h, "routers_docstring", paras, 1))
		return -1;
	paras[0] = tests;
	return pytext_set_docstring(ctx, h, "tests_docstring", paras, 1);
}

/*
 * main.py's two statements that hold the package and project names, as
 * black writes them: joined when they fit, else split at the
 * parentheses, else one argument a line with a trailing comma.
 */
static int
main_code(khora_ctx *ctx, const struct khora_host *h)
{
	const char *pkg = h->project(ctx, "package");
	size_t width = pytext_line_length(ctx, h);
	char *title = h->quote_python(ctx, h->project(ctx, "name"));
	char buf[512], args[256];

	if (!title)
		return -1;
	snprintf(buf, sizeof(buf), "from %s import __version__", pkg);
	if (strlen(buf) > width)
		snprintf(buf, sizeof(buf), "from %s import (\n    __version__,"
			 "\n)", pkg);
	if (h->set_var(ctx, "version_import", buf))
		return -1;
	snprintf(args, sizeof(args), "title=%s, version=__version__", title);
	snprintf(buf, sizeof(buf), "app = FastAPI(%s)", args);
	if (pytext_width(buf, strlen(buf)) > width)
		snprintf(buf, sizeof(buf), "app = FastAPI(\n    %s\n)", args);
	if (pytext_width(args, strlen(args)) + 4 > width)
		snprintf(buf, sizeof(buf), "app = FastAPI(\n    title=%s,\n"
			 "    version=__version__,\n)", title);
	h->free(ctx, title);
	return h->set_var(ctx, "app_statement", buf);
}

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *dir = h->project(ctx, "api_dir");
	char line[600];
	int uv;

	if (!dir)
		dir = "api";
	if (!valid_dir(dir))
		return h->config_error(ctx, "paths.api_dir", "invalid api_dir "
				       "'%s' for fastapi: use letters, digits,"
				       " '_', '-', '.' and '/', no '-' first",
				       dir);
	uv = !strcmp(h->project(ctx, "python.tool"), "uv");
	snprintf(line, sizeof(line), "- `%s/`: the FastAPI app; serve it with "
		 "`%s` then `%s main:app --app-dir %s --reload`; its image: "
		 "`docker build -f %s/Dockerfile .`", dir, INSTALL_API(uv),
		 UVICORN(uv), dir, dir);
	if (api_dependencies(ctx, h) || image_vars(ctx, h, dir) ||
	    docstrings(ctx, h, dir) || main_code(ctx, h) ||
	    h->contribute(ctx, "dev_dependencies", "httpx>=0.27") ||
	    h->contribute(ctx, "pythonpath", dir) ||
	    h->contribute(ctx, "readme_sections", line) ||
	    component(ctx, h, dir))
		return -1;
	if (add(ctx, h, dir, "main.py", "main.py.tmpl") ||
	    add(ctx, h, dir, "routers/__init__.py", "routers_init.py.tmpl") ||
	    add(ctx, h, dir, "routers/items.py", "items.py.tmpl") ||
	    add(ctx, h, dir, "Dockerfile", "Dockerfile.tmpl"))
		return -1;
	/* the docker plugin writes the same file when it is on */
	if (!h->feature(ctx, "docker") &&
	    h->add_file(ctx, ".dockerignore", "dockerignore.tmpl", 0644))
		return -1;
	return h->add_file(ctx, "tests/test_api.py", "test_api.py.tmpl", 0644);
}

KHORA_PLUGIN_DEFINE(fastapi, "0.1.0", NULL, plan, NULL)
