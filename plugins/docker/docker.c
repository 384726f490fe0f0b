/* SPDX-License-Identifier: MIT */
/*
 * docker.c - docker-compose.yml and .dockerignore.
 *
 * With fastapi, the stack runs the API (its Dockerfile, which the
 * fastapi plugin writes in paths.api_dir, built from the project root so
 * that the package is in the image) next to what database, broker and
 * observability ask for.  Without fastapi, docker still makes sense for
 * a plain package: it writes a root Dockerfile that installs the package
 * and runs `python -m <package>` (src/<package>/__main__.py), as service
 * "app".  Every build context is the project root: one .dockerignore.
 * Images are pinned to a minor release and OS; admin UIs and databases
 * listen on 127.0.0.1 only.
 */
#include <stdio.h>
#include <string.h>
#include "khora-plugin.h"
#include "../pins.h"

static int
valid_service(const char *s)
{
	if (!*s || !(*s >= 'a' && *s <= 'z'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_'))
			return 0;
	return 1;
}

static int
sections(khora_ctx *ctx, const struct khora_host *h)
{
	const char *db = h->feature(ctx, "database");
	int pg = db && !strcmp(db, "postgres");
	int lite = db && !strcmp(db, "sqlite");
	int redis = h->feature(ctx, "broker") != NULL;
	int obs = h->feature(ctx, "observability") != NULL;

	return h->set_section(ctx, "pg", pg) ||
	       h->set_section(ctx, "sqlite", lite) ||
	       h->set_section(ctx, "redis", redis) ||
	       h->set_section(ctx, "obs", obs) ||
	       h->set_section(ctx, "has_depends", pg || redis || obs) ||
	       h->set_section(ctx, "has_volumes", pg || lite || redis || obs);
}

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *svc = h->option(ctx, "api_service_name");
	const char *pkg = h->project(ctx, "package");
	const char *api_dir = h->project(ctx, "api_dir");
	int api = h->feature(ctx, "fastapi") != NULL;
	char path[512];

	if (!svc)
		svc = api ? "api" : "app";
	if (!valid_service(svc))
		return h->config_error(ctx, "plugins_config.docker."
				       "api_service_name", "invalid service "
				       "name '%s': use lower-case letters, "
				       "digits, '-' and '_'", svc);
	snprintf(path, sizeof(path), "%s/Dockerfile", api_dir ? api_dir :
		 "api");
	if (h->set_var(ctx, "service", svc) || sections(ctx, h) ||
	    h->set_var(ctx, "dockerfile", api ? path : "Dockerfile") ||
	    h->set_var(ctx, "uv_version", PIN_UV) ||
	    h->set_section(ctx, "uv", !strcmp(h->project(ctx, "python.tool"),
					  "uv")) ||
	    h->contribute(ctx, "readme_sections", "- `docker-compose.yml`: "
			  "the stack; start it with `docker compose up "
			  "--build`") ||
	    h->contribute(ctx, "components", "docker: {compose: "
			  "docker-compose.yml}"))
		return -1;
	if (h->add_file(ctx, "docker-compose.yml", "docker-compose.yml.tmpl",
			0644) ||
	    h->add_file(ctx, ".dockerignore", "dockerignore.tmpl", 0644))
		return -1;
	if (h->feature(ctx, "observability") &&
	    (h->add_file(ctx, "prometheus.yml", "prometheus.yml.tmpl", 0644) ||
	     h->add_file(ctx, "otel-collector-config.yaml",
			 "otel-collector-config.yaml.tmpl", 0644) ||
	     h->add_file(ctx, "grafana/provisioning/datasources/"
			 "prometheus.yml", "grafana-datasource.yml.tmpl",
			 0644)))
		return -1;
	if (api)
		return 0;
	snprintf(path, sizeof(path), "src/%s/__main__.py", pkg);
	return h->add_file(ctx, "Dockerfile", "Dockerfile.tmpl", 0644) ||
	       h->add_file(ctx, path, "__main__.py.tmpl", 0644) ? -1 : 0;
}

KHORA_PLUGIN_DEFINE(docker, "0.1.0", NULL, plan, NULL)
