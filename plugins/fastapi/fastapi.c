/* SPDX-License-Identifier: MIT */
/*
 * fastapi.c - an HTTP API under paths.api_dir: main.py (the app, with
 * /healthz), routers/items.py (an example router), requirements.txt and
 * a Dockerfile that serves it with uvicorn on ports.http, plus tests
 * that use FastAPI's TestClient.  api_dir goes on pytest's pythonpath
 * (slot "pythonpath") so that the tests run as generated.  The routes
 * are listed once, in routes[], which feeds both the context component
 * and nothing else: the templates and the tests check each other.
 */
#include <stdio.h>
#include <string.h>
#include "khora-plugin.h"

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

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *dir = h->project(ctx, "api_dir");
	const char *db = h->feature(ctx, "database");
	char line[600];

	if (!dir)
		return h->config_error(ctx, "paths.api_dir", "the fastapi "
				       "feature needs paths.api_dir (e.g. "
				       "--set paths.api_dir=api)");
	if (h->set_section(ctx, "db_postgres", db && !strcmp(db, "postgres")) ||
	    h->set_section(ctx, "broker_redis", h->feature(ctx, "broker") != 0))
		return -1;
	snprintf(line, sizeof(line), "- `%s/`: the FastAPI app; serve it with "
		 "`cd %s && python3 -m uvicorn main:app --reload`", dir, dir);
	if (h->contribute(ctx, "dependencies", "fastapi>=0.92") ||
	    h->contribute(ctx, "dependencies", "uvicorn>=0.17") ||
	    h->contribute(ctx, "dev_dependencies", "httpx>=0.23") ||
	    h->contribute(ctx, "pythonpath", dir) ||
	    h->contribute(ctx, "readme_sections", line) ||
	    component(ctx, h, dir))
		return -1;
	if (add(ctx, h, dir, "main.py", "main.py.tmpl") ||
	    add(ctx, h, dir, "routers/__init__.py", "routers_init.py.tmpl") ||
	    add(ctx, h, dir, "routers/items.py", "items.py.tmpl") ||
	    add(ctx, h, dir, "requirements.txt", "requirements.txt.tmpl") ||
	    add(ctx, h, dir, "Dockerfile", "Dockerfile.tmpl"))
		return -1;
	return h->add_file(ctx, "tests/test_api.py", "test_api.py.tmpl", 0644);
}

KHORA_PLUGIN_DEFINE(fastapi, "0.1.0", NULL, plan, NULL)
