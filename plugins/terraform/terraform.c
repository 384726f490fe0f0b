/* SPDX-License-Identifier: MIT */
/*
 * terraform.c - infra/terraform/: a root module, a reusable module
 * (modules/app: the app's container with the kreuzwerker/docker
 * provider) and two environments (dev, prod) that use it, each a root
 * module of its own with variables, outputs and tfvars.  The HCL holds
 * no ${...} interpolation at all (format() instead), so that nothing in
 * it can be mistaken for an unexpanded placeholder.  With
 * ci_github_actions, a workflow runs fmt, init and validate on each root.
 */
#include <stdio.h>
#include "khora-plugin.h"

static const char *const files[][2] = {
	{ "infra/terraform/README.md", "README.md.tmpl" },
	{ "infra/terraform/versions.tf", "versions.tf.tmpl" },
	{ "infra/terraform/main.tf", "main.tf.tmpl" },
	{ "infra/terraform/variables.tf", "variables.tf.tmpl" },
	{ "infra/terraform/outputs.tf", "outputs.tf.tmpl" },
	{ "infra/terraform/terraform.tfvars", "terraform.tfvars.tmpl" },
	{ "infra/terraform/modules/app/main.tf", "module-main.tf.tmpl" },
	{ "infra/terraform/modules/app/variables.tf",
	  "module-variables.tf.tmpl" },
	{ "infra/terraform/modules/app/outputs.tf", "module-outputs.tf.tmpl" },
};

static int
environment(khora_ctx *ctx, const struct khora_host *h, const char *env)
{
	static const char *const names[] = {
		"versions.tf", "main.tf", "variables.tf", "outputs.tf",
		"terraform.tfvars",
	};
	char path[256], tmpl[64];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(path, sizeof(path), "infra/terraform/environments/"
			 "%s/%s", env, names[i]);
		snprintf(tmpl, sizeof(tmpl), "%s-%s.tmpl", env, names[i]);
		if (i < 4)
			snprintf(tmpl, sizeof(tmpl), "env-%s.tmpl", names[i]);
		if (h->add_file(ctx, path, tmpl, 0644))
			return -1;
	}
	return 0;
}

/*
 * What a Docker image reference may hold: the value reaches HCL (where
 * "${" would interpolate), YAML and Markdown, and is plain in all three.
 */
static int
valid_image(const char *s)
{
	if (!*s || *s == '-' || *s == '.' || *s == '/' || *s == ':')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		      *s == '-' || *s == '/' || *s == ':' || *s == '@'))
			return 0;
	return 1;
}

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *image = h->option(ctx, "image");
	char def[256];
	size_t i;

	/* the tag docker-compose.yml gives the image it builds */
	snprintf(def, sizeof(def), "%s:latest", h->project(ctx, "slug"));
	if (image && !valid_image(image))
		return h->config_error(ctx, "plugins_config.terraform.image",
				       "invalid image '%s': a Docker image "
				       "reference holds letters, digits and "
				       "'.', '_', '-', '/', ':', '@'", image);
	if (h->set_var(ctx, "image", image ? image : def) ||
	    h->contribute(ctx, "gitignore", ".terraform/") ||
	    h->contribute(ctx, "gitignore", "*.tfstate") ||
	    h->contribute(ctx, "gitignore", "*.tfstate.*") ||
	    h->contribute(ctx, "readme_sections", "- `infra/terraform/`: "
			  "Terraform; `cd infra/terraform/environments/dev && "
			  "terraform init && terraform apply`") ||
	    h->contribute(ctx, "components", "terraform: {root: "
			  "infra/terraform, environments: [dev, prod]}"))
		return -1;
	for (i = 0; i < sizeof(files) / sizeof(*files); i++)
		if (h->add_file(ctx, files[i][0], files[i][1], 0644))
			return -1;
	if (environment(ctx, h, "dev") || environment(ctx, h, "prod"))
		return -1;
	if (!h->feature(ctx, "ci_github_actions"))
		return 0;
	if (h->contribute(ctx, "readme_sections", "- `.github/workflows/"
			  "terraform.yml`: on changes under `infra/terraform/`,"
			  " `terraform fmt -check -recursive`, `terraform init "
			  "-backend=false` and `terraform validate` in each "
			  "root"))
		return -1;
	return h->add_file(ctx, ".github/workflows/terraform.yml",
			   "terraform.yml.tmpl", 0644);
}

KHORA_PLUGIN_DEFINE(terraform, "0.1.0", NULL, plan, NULL)
