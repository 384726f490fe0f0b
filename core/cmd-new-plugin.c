/* SPDX-License-Identifier: MIT */
/*
 * cmd-new-plugin.c - `khora new-plugin NAME [DIR]`: a complete
 * third-party plugin project (source, sidecar, template, a Makefile that
 * uses only pkg-config, a test) that builds and loads as generated.
 * The files go through the same staging and atomic commit as a project.
 */
#include "compat.h"
#include "cli.h"
#include "catalog.h"
#include "datadir.h"
#include "khora-plugin.h"
#include "pipeline.h"
#include "strbuf.h"
#include "wrapper.h"

static const char source_tmpl[] =
"/* SPDX-License-Identifier: MIT */\n"
"/*\n"
" * {{name}}.c - the {{name}} plugin for khora: feature \"{{name}}\"\n"
" * writes {{name}}.md from a template.  Build: make; test: make test.\n"
" */\n"
"#include <khora-plugin.h>\n"
"\n"
"static int\n"
"plan(khora_ctx *ctx, const struct khora_host *h)\n"
"{\n"
"\tconst char *greeting = h->option(ctx, \"greeting\");\n"
"\n"
"\tif (h->set_var(ctx, \"greeting\", greeting ? greeting : \"Hello\") ||\n"
"\t    h->contribute(ctx, \"readme_sections\",\n"
"\t\t\t  \"- `{{name}}.md`: written by the {{name}} plugin\") ||\n"
"\t    h->contribute(ctx, \"components\", \"{{name}}: {file: {{name}}.md}\"))\n"
"\t\treturn -1;\n"
"\treturn h->add_file(ctx, \"{{name}}.md\", \"{{name}}.md.tmpl\", 0644);\n"
"}\n"
"\n"
"KHORA_PLUGIN_DEFINE({{name}}, \"0.1.0\", NULL, plan, NULL)\n";

static const char sidecar_tmpl[] =
"# Sidecar of the {{name}} plugin: khora reads it without loading the .so.\n"
"name: {{name}}\n"
"version: 0.1.0\n"
"abi: {{abi}}\n"
"summary: Writes {{name}}.md\n"
"provides: [{{name}}]\n"
"requires: [python]\n"
"options: [greeting]\n"
"templates: {{name}}-templates\n";

static const char template_tmpl[] =
"{{=<% %>=}}\n"
"# {{greeting}} from {{project_name}}\n"
"\n"
"This file was written by the <%name%> plugin.\n";

static const char makefile_tmpl[] =
"# The {{name}} plugin, built with pkg-config only.\n"
"#   make                 build {{name}}.so\n"
"#   make test            build, install into a scratch directory, generate\n"
"#   make install         copy it where khora looks for user plugins\n"
"#   make install-system  for a package: khora's plugin and template\n"
"#                        directories (from pkg-config), below DESTDIR\n"
"# CC, CFLAGS, CPPFLAGS, LDFLAGS and DESTDIR are honoured; under\n"
"# PKG_CONFIG_SYSROOT_DIR the SDK comes from the sysroot, while the\n"
"# install directories stay the target's.\n"
"PKG_CONFIG ?= pkg-config\n"
"CC ?= cc\n"
"CFLAGS ?= -O2 -g -std=c99 -Wall -Wextra -pedantic\n"
"KHORA_CFLAGS := $(shell $(PKG_CONFIG) --cflags khora-plugin) \\\n"
"\t$(shell $(PKG_CONFIG) --variable=plugin_cflags khora-plugin)\n"
"KHORA_LDFLAGS := $(shell $(PKG_CONFIG) --variable=plugin_ldflags "
"khora-plugin)\n"
"XDG_DATA_HOME ?= $(HOME)/.local/share\n"
"PLUGINDIR ?= $(XDG_DATA_HOME)/khora/plugins\n"
"TEMPLATEDIR ?= $(PLUGINDIR)/{{name}}-templates\n"
"SYSTEM_PLUGINDIR := $(shell PKG_CONFIG_SYSROOT_DIR= \\\n"
"\t$(PKG_CONFIG) --variable=plugindir khora-plugin)\n"
"SYSTEM_TEMPLATEDIR := $(shell PKG_CONFIG_SYSROOT_DIR= \\\n"
"\t$(PKG_CONFIG) --variable=templatedir khora-plugin)\n"
"\n"
"all: {{name}}.so\n"
"\n"
"{{name}}.so: {{name}}.c\n"
"\t$(CC) $(CPPFLAGS) $(CFLAGS) $(KHORA_CFLAGS) $(KHORA_LDFLAGS) \\\n"
"\t\t$(LDFLAGS) -o $@ {{name}}.c\n"
"\n"
"install: {{name}}.so\n"
"\tinstall -d $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(TEMPLATEDIR)\n"
"\tinstall -m 644 {{name}}.so {{name}}.plugin $(DESTDIR)$(PLUGINDIR)/\n"
"\tinstall -m 644 {{name}}-templates/{{name}}.md.tmpl "
"$(DESTDIR)$(TEMPLATEDIR)/\n"
"\n"
"# the templates go to TEMPLATEDIR/{{name}}, where khora looks when the\n"
"# directory the sidecar names is absent (man 7 khora-plugin)\n"
"install-system:\n"
"\t$(MAKE) install PLUGINDIR=$(SYSTEM_PLUGINDIR) \\\n"
"\t\tTEMPLATEDIR=$(SYSTEM_TEMPLATEDIR)/{{name}}\n"
"\n"
"test: {{name}}.so\n"
"\tsh ./test.sh\n"
"\n"
"clean:\n"
"\trm -f {{name}}.so\n"
"\n"
".PHONY: all install install-system test clean\n";

static const char test_tmpl[] =
"#!/bin/sh\n"
"# Installs the plugin into a scratch plugin directory, generates a\n"
"# project with its feature and checks the file it wrote.\n"
"set -eu\n"
"dir=$(mktemp -d)\n"
"trap 'rm -rf \"$dir\"' EXIT\n"
"make -s install DESTDIR= PLUGINDIR=\"$dir/plugins\"\n"
"KHORA_PLUGIN_PATH=\"$dir/plugins\" khora plugins check >/dev/null\n"
"KHORA_PLUGIN_PATH=\"$dir/plugins\" khora new \"$dir/project\" -q \\\n"
"\t--with {{name}} --set plugins_config.{{name}}.greeting=Hi\n"
"grep -q '^# Hi from project$' \"$dir/project/{{name}}.md\"\n"
"echo \"test: 1 passed, 0 failed\"\n";

static const char readme_tmpl[] =
"# {{name}}: a khora plugin\n"
"\n"
"Feature `{{name}}` writes `{{name}}.md` into projects khora generates.\n"
"\n"
"```sh\n"
"make            # needs the khora SDK: pkg-config khora-plugin\n"
"make test       # builds, installs into a scratch dir, generates\n"
"make install    # into $XDG_DATA_HOME/khora/plugins\n"
"khora new demo --with {{name}}\n"
"```\n"
"\n"
"The rules a plugin follows: `man 7 khora-plugin`.\n";

static const struct {
	const char *path, *body;
	unsigned mode;
} files[] = {
	{ "{{name}}.c", source_tmpl, 0644 },
	{ "{{name}}.plugin", sidecar_tmpl, 0644 },
	{ "{{name}}-templates/{{name}}.md.tmpl", template_tmpl, 0644 },
	{ "Makefile", makefile_tmpl, 0644 },
	{ "test.sh", test_tmpl, 0755 },
	{ "README.md", readme_tmpl, 0644 },
};

static int
generate(const char *name, const char *target, struct diag *d)
{
	struct config_overrides ov;
	struct config cfg;
	struct catalog cat;
	struct pipeline p;
	struct tdict *dict;
	char abi[16];
	size_t i;
	int ret = -1;

	memset(&ov, 0, sizeof(ov));
	memset(&cat, 0, sizeof(cat));
	ov.default_name = "plugin";
	if (config_load(&cfg, NULL, &ov, d))
		return -1;
	pipeline_init(&p, d, &cfg, &cat);
	p.target = target;
	p.no_force = 1;
	dict = tdict_new(NULL);
	tdict_set(dict, "name", name);
	snprintf(abi, sizeof(abi), "%d.%d", KHORA_ABI_MAJOR, KHORA_ABI_MINOR);
	tdict_set(dict, "abi", abi);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *path = template_render_string("new-plugin",
						    files[i].path, dict, d);
		char *body = path ? template_render_string("new-plugin",
						files[i].body, dict, d) : NULL;
		struct action *a;

		if (!body) {
			free(path);
			goto out;
		}
		a = pipeline_add(&p, A_TEXT, NULL, path);
		a->text = a->data = body;
		a->len = strlen(body);
		a->mode = files[i].mode;
		free(path);
	}
	ret = pipeline_merge(&p) || pipeline_stage_commit(&p) ? -1 : 0;
out:
	tdict_free(dict);
	pipeline_release(&p);
	config_release(&cfg);
	return ret;
}

/*
 * A plugin named like one of khora's own (those in the packaged plugin
 * directory, as the catalog finds them: no list here) would hide it or
 * be hidden by it, depending on the plugin path.
 */
static int
refuse_own_name(const char *name, struct diag *d)
{
	const char *own = khora_plugindir();
	size_t len = strlen(own);
	struct diag quiet = DIAG_INIT;
	struct strbuf sink = STRBUF_INIT;
	struct catalog cat;
	const struct plugin_info *pi;
	const char *hit = NULL;
	int ret = 0;

	quiet.capture = &sink;
	catalog_load(&cat, &quiet);
	pi = catalog_find(&cat, name);
	if (pi && !strncmp(pi->sidecar, own, len) && pi->sidecar[len] == '/')
		hit = pi->sidecar;
	else if (pi && pi->shadows && !strncmp(pi->shadows, own, len) &&
		 pi->shadows[len] == '/')
		hit = pi->shadows;
	if (hit)
		ret = diag_error(d, EXIT_USAGE, NULL, "invalid plugin name "
				 "'%s': khora's own plugin has that name (%s), "
				 "and the first plugin of a name on the plugin "
				 "path hides the other: choose another name",
				 name, hit);
	catalog_release(&cat);
	strbuf_release(&sink);
	return ret;
}

static int
cmd_new_plugin(int argc, char **argv, struct diag *d)
{
	const char *name, *dir;

	if (argc < 2 || argc > 3)
		return cli_usage_error(d, "new-plugin", "expected NAME [DIR]");
	name = argv[1];
	dir = argc == 3 ? argv[2] : name;
	if (!is_identifier(name) || strlen(name) > 48)
		return diag_error(d, EXIT_USAGE, NULL, "invalid plugin name "
				  "'%s': use a C identifier (letters, digits, "
				  "'_'), at most 48 characters", name);
	if (refuse_own_name(name, d) || generate(name, dir, d))
		return -1;
	printf("created plugin project '%s': cd %s && make test\n", dir, dir);
	return 0;
}

const struct cmd_entry cmd_new_plugin_entry = {
	"new-plugin",
	"Create a third-party plugin project (C source, sidecar, template, "
	"Makefile, test).",
	"NAME [DIR]",
	"",
	cmd_new_plugin,
};
