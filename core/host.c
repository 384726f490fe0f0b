/* SPDX-License-Identifier: MIT */
/*
 * host.c - the struct khora_host vtable handed to plugins, and the
 * per-plugin context behind each khora_ctx.
 *
 * Every string a plugin passes is copied here before the call returns;
 * every string handed out points into the config or the pipeline, which
 * outlive the callback.  Actions are accepted only while the plugin's
 * plan callback runs: a plugin that kept its ctx and calls add_file
 * later gets an error, not a silent write.
 */
#include "compat.h"
#include <stdint.h>
#include "escape.h"
#include "khora-plugin.h"
#include "pipeline.h"
#include "sha256.h"
#include "strbuf.h"
#include "wrapper.h"

struct khora_ctx {
	struct pipeline *p;
	struct plugin_info *pi;
	struct tdict *dict;		/* the plugin's own, over the global */
	int planning;
	void **allocs;
	size_t nr_allocs, alloc_allocs;
};

static int
h_verror(khora_ctx *ctx, int code, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	const char *saved = ctx->p->d->plugin;

	strbuf_addf(&sb, "plugin '%s' (%s): ", ctx->pi->name,
		    ctx->pi->library);
	strbuf_vaddf(&sb, fmt, ap);
	ctx->p->d->plugin = ctx->pi->name;
	diag_error(ctx->p->d, code, NULL, "%s", sb.buf);
	ctx->p->d->plugin = saved;
	strbuf_release(&sb);
	return -1;
}

/* The vtable's error(), and the host's own errors about a plugin's
 * calls: the same plugin-attributed one-line message, exit code 4. */
static int
h_error(khora_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
h_error(khora_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	h_verror(ctx, EXIT_PLUGIN, fmt, ap);
	va_end(ap);
	return -1;
}

static void
h_warn(khora_ctx *ctx, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "plugin '%s': ", ctx->pi->name);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	diag_warn(ctx->p->d, NULL, "%s", sb.buf);
	strbuf_release(&sb);
}

/*
 * "PLUGIN.OPTION": another plugin's option as configured, or the default
 * its sidecar declares; one plugin's choice that others follow (the
 * Dockerfiles' uv sync follows python.tool).  Validated by the config.
 */
static const char *
other_option(khora_ctx *ctx, const char *key)
{
	const char *dot = strchr(key, '.');
	const struct plugin_info *pi;
	const struct ynode *v;
	const struct decl *dc;
	char name[128];

	if (!dot || dot == key || (size_t)(dot - key) >= sizeof(name))
		return NULL;
	memcpy(name, key, (size_t)(dot - key));
	name[dot - key] = '\0';
	v = ymap_get(ymap_get(ctx->p->cfg->plugins_config, name), dot + 1);
	if (v && v->kind == Y_SCALAR)
		return v->str;
	pi = catalog_find(ctx->p->cat, name);
	dc = pi ? plugin_schema_option(pi->schema, dot + 1) : NULL;
	return dc ? dc->def : NULL;
}

static const char *
h_project(khora_ctx *ctx, const char *key)
{
	const struct config *c = ctx->p->cfg;
	const struct decl *dc;

	if (!key)
		return NULL;
	if (!strcmp(key, "name"))
		return c->project_name;
	if (!strcmp(key, "package"))
		return c->package;
	if (!strcmp(key, "slug"))
		return c->slug;
	if (!strcmp(key, "description"))
		return c->description;
	if (!strcmp(key, "python_version"))
		return c->python_version;
	if (!strcmp(key, "license"))
		return c->license;
	if (!strcmp(key, "author"))
		return c->author;
	if (!strcmp(key, "author_email"))
		return c->author_email;
	if (!strcmp(key, "version"))
		return c->version;
	dc = schema_key_by_var(c->schema, key);
	if (dc)
		return config_value(c, dc->name);
	if (!strcmp(key, "year") ||
	    !strcmp(key, "config_dir"))
		return tdict_get(ctx->p->global, key);
	return other_option(ctx, key);
}

static const char *
h_feature(khora_ctx *ctx, const char *name)
{
	return name ? resolve_feature(ctx->p, name) : NULL;
}

static const char *
h_option(khora_ctx *ctx, const char *key)
{
	const struct ynode *sec = ymap_get(ctx->p->cfg->plugins_config,
					   ctx->pi->name);
	const struct ynode *v = key ? ymap_get(sec, key) : NULL;
	const struct decl *dc;

	if (v && v->kind == Y_SCALAR)
		return v->str;
	/* the default the sidecar declares, checked when it was read */
	dc = key && !v ? plugin_schema_option(ctx->pi->schema, key) : NULL;
	return dc ? dc->def : NULL;
}

static int
valid_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

static int
h_set_var(khora_ctx *ctx, const char *name, const char *value)
{
	if (!valid_name(name) || !value)
		return h_error(ctx, "set_var: invalid variable name or value");
	tdict_set(ctx->dict, name, value);
	return 0;
}

static int
h_set_section(khora_ctx *ctx, const char *name, int shown)
{
	if (!valid_name(name))
		return h_error(ctx, "set_section: invalid section name");
	tdict_show(ctx->dict, name, shown);
	return 0;
}

static struct action *
add(khora_ctx *ctx, enum action_kind kind, const char *path,
    const char *what)
{
	if (!ctx->planning) {
		h_error(ctx, "%s called outside the plan callback", what);
		return NULL;
	}
	if (!path) {
		h_error(ctx, "%s: path is NULL", what);
		return NULL;
	}
	return pipeline_add(ctx->p, kind, ctx->pi, path);
}

/*
 * A mode is permission bits (0 for the default) and, for files, the
 * KHORA_MODE_* flags.  Anything else was dropped without a word (a
 * plugin asking for setuid got 0755): now it is refused, since khora
 * never writes setuid, setgid or sticky bits into a project.  The
 * permission bits are the user's umask's to narrow, as for every
 * program (doc/khora-plugin.7).
 */
static int
check_mode(khora_ctx *ctx, const char *what, const char *path,
	   unsigned mode, unsigned flags)
{
	unsigned extra = mode & ~(0777u | flags);

	if (!extra)
		return 0;
	return h_error(ctx, "%s '%s': mode %#o asks for bits khora does not "
		       "write (%#o: setuid, setgid, sticky or unknown); use "
		       "0777 permission bits%s only", what, path ? path :
		       "(null)", mode, extra, flags ? " and KHORA_MODE_* "
		       "flags" : "");
}

static unsigned
clean_mode(unsigned mode, unsigned dflt)
{
	mode &= 0777;
	return mode ? mode : dflt;
}

#define FILE_FLAGS (KHORA_MODE_YIELD | KHORA_MODE_INPUT)

static int
h_add_file(khora_ctx *ctx, const char *path, const char *tmpl, unsigned mode)
{
	struct action *a;

	if (!tmpl || !*tmpl || tmpl[0] == '/' || strstr(tmpl, ".."))
		return h_error(ctx, "add_file '%s': invalid template name",
			      path ? path : "(null)");
	if (check_mode(ctx, "add_file", path, mode, FILE_FLAGS))
		return -1;
	a = add(ctx, A_FILE, path, "add_file");
	if (!a)
		return -1;
	a->tmpl = xstrdup(tmpl);
	a->mode = clean_mode(mode, 0644);
	a->yield = !!(mode & KHORA_MODE_YIELD);
	a->user = !!(mode & KHORA_MODE_INPUT);
	return 0;
}

static int
h_add_text(khora_ctx *ctx, const char *path, const char *text, unsigned mode)
{
	struct action *a;

	if (!text)
		return h_error(ctx, "add_text '%s': text is NULL",
			      path ? path : "(null)");
	if (check_mode(ctx, "add_text", path, mode, FILE_FLAGS))
		return -1;
	a = add(ctx, A_TEXT, path, "add_text");
	if (!a)
		return -1;
	a->text = xstrdup(text);
	a->mode = clean_mode(mode, 0644);
	a->yield = !!(mode & KHORA_MODE_YIELD);
	a->user = !!(mode & KHORA_MODE_INPUT);
	return 0;
}

static int
h_add_dir(khora_ctx *ctx, const char *path, unsigned mode)
{
	struct action *a;

	if (check_mode(ctx, "add_dir", path, mode, 0))
		return -1;
	a = add(ctx, A_DIR, path, "add_dir");
	if (!a)
		return -1;
	a->mode = clean_mode(mode, 0755);
	return 0;
}

static int
h_add_symlink(khora_ctx *ctx, const char *path, const char *target)
{
	struct action *a;

	if (!target || !*target)
		return h_error(ctx, "add_symlink '%s': empty target",
			      path ? path : "(null)");
	a = add(ctx, A_SYMLINK, path, "add_symlink");
	if (!a)
		return -1;
	a->text = xstrdup(target);
	a->mode = 0777;
	return 0;
}

/*
 * The key of a "components" item.  context.yaml pastes each item as one
 * entry of a block mapping at indent 2, so the item is read exactly
 * there, between a parent key and a sibling entry: it must make one
 * entry and leave the sibling intact (a flow mapping, an indent, a
 * YAML line break such as \r or U+2028, an unclosed quote all fail
 * here, not in the project).  NULL, with *why set, when it does not.
 */
static char *
component_key(const char *item, struct strbuf *why)
{
	struct strbuf msgs = STRBUF_INIT, doc = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	struct ynode *n = NULL, *v;
	char *key = NULL;

	d.capture = &msgs;
	strbuf_addf(&doc, "components:\n  %s\n  khora_sibling_: 0\n", item);
	if (ytree_parse_buf("item", doc.buf, doc.len, &n, &d, EXIT_PLUGIN)) {
		/* "khora: item:2:13: problem" -> "column 11: problem" */
		const char *m = msgs.buf;
		char *end;
		unsigned long line, col = 0;

		if (!strncmp(m, "khora: item:", 12)) {
			line = strtoul(m + 12, &end, 10);
			if (*end == ':')
				col = strtoul(end + 1, &end, 10);
			if (*end == ':' && line == 2 && col > 2)
				strbuf_addf(why, "column %lu:", col - 2);
			m = *end == ':' ? end + 1 : m + 12;
			m += *m == ' ';
		}
		if (why->len)
			strbuf_addch(why, ' ');
		strbuf_add(why, m, strcspn(m, "\n"));
	} else if (!(v = ymap_get(n, "components")) || v->kind != Y_MAP ||
		   v->nr != 2 || !ymap_get(v, "khora_sibling_") ||
		   !strcmp(v->keys[0]->str, "khora_sibling_")) {
		strbuf_addstr(why, "not one mapping entry (NAME: VALUE)");
	} else {
		key = xstrdup(v->keys[0]->str);
	}
	ynode_free(n);
	strbuf_release(&doc);
	strbuf_release(&msgs);
	return key;
}

/*
 * Each item's key once, in a set: a plugin may contribute thousands of
 * items, and comparing each with every other would parse them all
 * again each time.
 */
static int
check_component(khora_ctx *ctx, const char *item)
{
	struct strbuf why = STRBUF_INIT;
	const struct slot *s = pipeline_slot(ctx->p, "components");
	struct slot *keys = &ctx->p->component_keys;
	char *key;
	int ret = 0;

	/* the same item again is dropped as a duplicate */
	if (s && hashmap_get(&s->seen, item))
		return 0;
	key = component_key(item, &why);
	if (!key) {
		ret = h_error(ctx, "contribute to 'components': invalid YAML "
			      "item: %s (quote values with quote_yaml)",
			      why.buf);
	} else if (hashmap_get(&keys->seen, key)) {
		ret = h_error(ctx, "contribute to 'components': key '%s' is "
			      "already there", key);
	} else {
		strlist_push(&keys->items, key);
		hashmap_put(&keys->seen, keys->items.v[keys->items.nr - 1],
			    keys->items.v[keys->items.nr - 1]);
	}
	free(key);
	strbuf_release(&why);
	return ret;
}

/*
 * A slot is PLUGIN.NAME, named by the plugin that offers it, or one of
 * the core's shared slots ("dependencies", ...).  A bare name of the
 * plugin's own (SDK 1.0) is still accepted unless it is a name the core
 * defines in every template (a variable, a section, feature_*, has_*):
 * its items would become that section's iterations.
 */
static int
check_slot(khora_ctx *ctx, const char *slot)
{
	const char *dot = slot ? strchr(slot, '.') : NULL;
	char *plugin;
	int ok;

	if (dot) {
		plugin = xstrndup(slot, (size_t)(dot - slot));
		ok = valid_name(plugin) && valid_name(dot + 1);
		free(plugin);
		return ok ? 0 : h_error(ctx, "contribute: invalid slot name "
					"'%s' (PLUGIN.NAME)", slot);
	}
	if (!valid_name(slot))
		return h_error(ctx, "contribute: invalid slot name");
	if (!pipeline_is_std_slot(slot) && pipeline_is_reserved(slot))
		return h_error(ctx, "contribute: slot '%s' clashes with the "
			      "core's template name '%s' (project values, "
			      "features, plugins, feature_*, has_*): name the "
			      "slot after the plugin that offers it, as "
			      "'%s.%s'", slot, slot, ctx->pi->name, slot);
	return 0;
}

static int
h_contribute(khora_ctx *ctx, const char *slot, const char *item)
{
	if (!ctx->planning)
		return h_error(ctx, "contribute called outside the plan "
			      "callback");
	if (check_slot(ctx, slot))
		return -1;
	if (!item)
		return h_error(ctx, "contribute: invalid slot name or item");
	if (strchr(item, '\n'))
		return h_error(ctx, "contribute to '%s': an item is one line",
			      slot);
	if (!strcmp(slot, "components") && check_component(ctx, item))
		return -1;
	return pipeline_contribute(ctx->p, slot, item);
}

/* NULL when the memory is not there: a plugin's request is input, and
 * alloc(SIZE_MAX) must not end khora (xmalloc would). */
static void *
h_alloc(khora_ctx *ctx, size_t size)
{
	void *ptr;

	/* no object is larger than PTRDIFF_MAX: NULL without asking malloc
	 * (which a sanitizer would abort on) */
	if (size > PTRDIFF_MAX)
		return NULL;
	ptr = malloc(size ? size : 1);
	if (!ptr)
		return NULL;

	ALLOC_GROW(ctx->allocs, ctx->nr_allocs, ctx->alloc_allocs);
	ctx->allocs[ctx->nr_allocs++] = ptr;
	return ptr;
}

static void
h_free(khora_ctx *ctx, void *ptr)
{
	size_t i;

	for (i = 0; ptr && i < ctx->nr_allocs; i++) {
		if (ctx->allocs[i] == ptr) {
			ctx->allocs[i] = ctx->allocs[--ctx->nr_allocs];
			free(ptr);
			return;
		}
	}
}

static int
h_add_command(khora_ctx *ctx, const char *const *argv, unsigned flags)
{
	if (!ctx->planning)
		return h_error(ctx, "add_command called outside the plan "
			      "callback");
	if (!argv || !argv[0] || !*argv[0])
		return h_error(ctx, "add_command: empty command");
	if (flags & ~(KHORA_CMD_OPTIONAL | KHORA_CMD_FALLBACK |
		      KHORA_CMD_QUIET | KHORA_CMD_NESTED_CHECK |
		      KHORA_CMD_PATHS | KHORA_CMD_NO_FILTERS |
		      KHORA_CMD_GUARD))
		return h_error(ctx, "add_command '%s': unknown flags %#x",
			      argv[0], flags);
	pipeline_add_command(ctx->p, ctx->pi, argv, flags);
	return 0;
}

static void
h_sha256_hex(khora_ctx *ctx, const void *data, size_t len, char out[65])
{
	(void)ctx;
	sha256_hex(data, len, out);
}

static int
h_config_error(khora_ctx *ctx, const char *key, const char *fmt, ...)
{
	const struct ynode *n = ctx->p->cfg->root;
	struct strbuf sb = STRBUF_INIT;
	char *k = xstrdup(key ? key : ""), *part, *save = NULL;
	struct diag_loc loc;
	va_list ap;

	for (part = strtok_r(k, ".", &save); part && n;
	     part = strtok_r(NULL, ".", &save))
		n = ymap_get(n, part);
	free(k);
	strbuf_addf(&sb, "plugin '%s': ", ctx->pi->name);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	loc = ynode_loc(n);
	if (!n && ctx->p->cfg->from_file)
		loc.file = ctx->p->cfg->file;
	ctx->p->d->plugin = ctx->pi->name;
	diag_error(ctx->p->d, EXIT_CONFIG, &loc, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* The quote_* functions: escape.c's literal, in the plugin's memory. */
static char *
quote(khora_ctx *ctx, enum escape_lang lang, const char *value,
      const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	char *out;

	if (!value) {
		h_error(ctx, "%s: value is NULL", what);
		return NULL;
	}
	escape_add(&sb, lang, value);
	out = h_alloc(ctx, sb.len + 1);
	memcpy(out, sb.buf, sb.len + 1);
	strbuf_release(&sb);
	return out;
}

static char *
h_quote_yaml(khora_ctx *ctx, const char *value)
{
	return quote(ctx, ESC_YAML, value, "quote_yaml");
}

static char *
h_quote_json(khora_ctx *ctx, const char *value)
{
	return quote(ctx, ESC_JSON, value, "quote_json");
}

static char *
h_quote_toml(khora_ctx *ctx, const char *value)
{
	return quote(ctx, ESC_TOML, value, "quote_toml");
}

static char *
h_quote_shell(khora_ctx *ctx, const char *value)
{
	return quote(ctx, ESC_SHELL, value, "quote_shell");
}

static char *
h_quote_hcl(khora_ctx *ctx, const char *value)
{
	return quote(ctx, ESC_HCL, value, "quote_hcl");
}

static char *
h_quote_python(khora_ctx *ctx, const char *value)
{
	return quote(ctx, ESC_PYTHON, value, "quote_python");
}

static const struct khora_host vtable = {
	sizeof(struct khora_host),
	KHORA_ABI_MINOR,
	h_error,
	h_warn,
	h_project,
	h_feature,
	h_option,
	h_set_var,
	h_set_section,
	h_add_file,
	h_add_text,
	h_add_dir,
	h_add_symlink,
	h_contribute,
	h_alloc,
	h_free,
	h_add_command,
	h_sha256_hex,
	h_config_error,
	h_quote_yaml,
	h_quote_json,
	h_quote_toml,
	h_quote_shell,
	h_quote_hcl,
	h_quote_python,
};

const struct khora_host *
host_vtable(void)
{
	return &vtable;
}

struct khora_ctx *
host_ctx_new(struct pipeline *p, struct plugin_info *pi)
{
	struct khora_ctx *ctx = xcalloc(1, sizeof(*ctx));

	ctx->p = p;
	ctx->pi = pi;
	ctx->dict = tdict_new(p->global);
	return ctx;
}

void
host_ctx_free(struct khora_ctx *ctx)
{
	size_t i;

	if (!ctx)
		return;
	for (i = 0; i < ctx->nr_allocs; i++)
		free(ctx->allocs[i]);
	free(ctx->allocs);
	tdict_free(ctx->dict);
	free(ctx);
}

void
host_ctx_set_planning(struct khora_ctx *ctx, int planning)
{
	ctx->planning = planning;
}

struct tdict *
host_ctx_dict(struct khora_ctx *ctx)
{
	return ctx->dict;
}
