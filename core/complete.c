/* SPDX-License-Identifier: MIT */
/*
 * complete.c - the candidates for the word being completed on a khora
 * command line (complete.h has the protocol).  The command table is the
 * only description of the commands: an option's value kind is read from
 * its metavariable in the option help ("-c, --config FILE"), positional
 * arguments from the usage line, so that a new option or command
 * completes without a change here.  The values come from the catalog's
 * sidecars, the config schema and the config and template manifest in
 * effect, each read as plain YAML; every diagnostic goes to a buffer
 * that is thrown away.
 */
#include "compat.h"
#include <ctype.h>
#include "catalog.h"
#include "cli.h"
#include "complete.h"
#include "config.h"
#include "strbuf.h"
#include "wrapper.h"
#include "ytree.h"

enum kind {
	K_NONE, K_FILE, K_DIR, K_FEATURE, K_FEATURE_NAME, K_SETKEY,
	K_ANSWER, K_ENV, K_COMMAND, K_PLUGIN, K_LITERAL
};

struct copt {
	char shrt;		/* 'c' of "-c", or 0 */
	char lng[32];		/* "--config", or "" */
	char help[64];		/* its description, first line */
	int has_value;
	int list;		/* the value is a comma-separated list */
	enum kind kind;		/* of the value */
};

struct slot {
	enum kind kind;
	int repeat;		/* the last slot may be given again ("..") */
	char after[16];		/* the word before must be this ("info") */
	struct strlist literals;
};

#define MAX_OPTS 48
#define MAX_SLOTS 8
#define MAX_NAME 128

struct ctx {
	const struct cmd_entry *cmd;
	struct copt opts[MAX_OPTS];
	size_t nr_opts;
	struct slot slots[MAX_SLOTS];
	size_t nr_slots;
	const char *config;	/* -c FILE on the line */
	const char *dir;	/* -C DIR, or a DIR argument */
	const char *tmpl;	/* --template DIR */
	const char *cur;	/* what candidates must start with */
	struct strbuf pre;	/* printed before each ("--with=", "a,") */
	struct strlist listed;	/* names before cur in a comma list */
	struct strlist seen;	/* candidates printed */
	const char *directive;
	struct strbuf *out;
	struct catalog cat;
	int cat_loaded;
	struct diag d;
	struct strbuf sink;	/* every diagnostic, never printed */
};

/* [A-Za-z0-9_.+-]: nothing a terminal could take as a control. */
static int
safe_name(const char *s, size_t len)
{
	size_t i;

	if (!len || len > MAX_NAME)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.+-", s[i]))
			return 0;
	return 1;
}

/* Is the feature name[0..len-1] already in the comma list? */
static int
listed(const struct ctx *c, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < c->listed.nr; i++)
		if (strlen(c->listed.v[i]) == len &&
		    !strncmp(c->listed.v[i], name, len))
			return 1;
	return 0;
}

/* name (and its "=value" or "=") is a candidate if it extends cur. */
static void
emit(struct ctx *c, const char *name, const char *desc)
{
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const char *p;

	if (!safe_name(name, len) || (eq && eq[1] &&
				      !safe_name(eq + 1, strlen(eq + 1))))
		return;
	if (strncmp(name, c->cur, strlen(c->cur)) ||
	    strlist_has(&c->seen, name))
		return;
	if (listed(c, name, len))
		return;
	strlist_push(&c->seen, name);
	strbuf_addf(c->out, "%s%s", c->pre.buf, name);
	if (desc && *desc) {
		strbuf_addch(c->out, '\t');
		/* a sidecar's summary: printable ASCII only */
		for (p = desc; *p && p - desc < 80; p++)
			strbuf_addch(c->out, *p >= 0x20 && *p < 0x7f ? *p :
				     '?');
	}
	strbuf_addch(c->out, '\n');
}

static void
load_catalog(struct ctx *c)
{
	if (c->cat_loaded)
		return;
	c->cat_loaded = 1;
	catalog_load(&c->cat, &c->d);
}

/* --- the command table ------------------------------------------------ */

static enum kind
meta_kind(const char *cmd, const char *lng, const char *meta)
{
	if (!strncmp(meta, "FILE", 4) || !strncmp(meta, "PATH", 4))
		return K_FILE;
	/* --template SRC: a URL is typed, a directory completed */
	if (!strncmp(meta, "DIR", 3) || !strncmp(meta, "SRC", 3))
		return K_DIR;
	if (!strncmp(meta, "F[=", 3) || !strncmp(meta, "FEATURE=", 8))
		return K_FEATURE;
	if (!strncmp(meta, "F,", 2) || !strncmp(meta, "FEATURE", 7))
		return K_FEATURE_NAME;
	if (!strcmp(meta, "KEY=VALUE"))
		return K_SETKEY;
	if (!strcmp(meta, "NAME=VALUE"))
		return K_ANSWER;
	if (!strncmp(meta, "COMMAND", 7))
		return K_COMMAND;
	if (!strcmp(meta, "NAME") && lng && !strcmp(lng, "--env"))
		return K_ENV;
	/* the one NAME the usage line cannot tell apart: an existing
	 * plugin (plugins info NAME), not a new one (new-plugin NAME) */
	if (!strcmp(meta, "NAME") && !lng && !strcmp(cmd, "plugins"))
		return K_PLUGIN;
	return K_NONE;
}

static struct copt *
find_opt(struct ctx *c, const char *arg, size_t len)
{
	size_t i;

	for (i = 0; i < c->nr_opts; i++) {
		struct copt *o = &c->opts[i];

		if (len == 2 && arg[0] == '-' && o->shrt == arg[1])
			return o;
		if (*o->lng && strlen(o->lng) == len &&
		    !strncmp(o->lng, arg, len))
			return o;
	}
	return NULL;
}

static size_t
copy_token(char *dst, size_t size, const char *src, const char *stop)
{
	size_t n = 0;

	while (src[n] && !strchr(stop, src[n]))
		n++;
	snprintf(dst, size, "%.*s", (int)n, src);
	return n;
}

/* One line of option help: "  -c, --config FILE     read ...". */
static void
parse_option_line(struct ctx *c, const char *p)
{
	struct copt o;
	char meta[32] = "";

	memset(&o, 0, sizeof(o));
	while (*p == ' ')
		p++;
	if (*p != '-' || c->nr_opts == MAX_OPTS)
		return;
	if (p[1] != '-') {
		o.shrt = p[1];
		p += 2;
		if (*p == ',')
			p++;
		while (*p == ' ')
			p++;
	}
	if (!strncmp(p, "--", 2))
		p += copy_token(o.lng, sizeof(o.lng), p, " \n");
	/* one space: a metavariable; two or more: the description */
	if (*p == ' ' && p[1] != ' ' && p[1] != '\n' && p[1])
		p += 1 + copy_token(meta, sizeof(meta), p + 1, " \n");
	while (*p == ' ')
		p++;
	copy_token(o.help, sizeof(o.help), p, "\n");
	if (find_opt(c, o.lng, strlen(o.lng)))
		return;
	o.has_value = *meta != '\0';
	o.list = strstr(meta, ",..") != NULL;
	o.kind = meta_kind(c->cmd->name, *o.lng ? o.lng : NULL, meta);
	c->opts[c->nr_opts++] = o;
}

/* An option that only the usage line names ("[--templates]"): a flag. */
static void
usage_option(struct ctx *c, const char *tok)
{
	char one[32];
	size_t n;

	while (*tok == '-' && c->nr_opts < MAX_OPTS) {
		n = copy_token(one, sizeof(one), tok, "|");
		if (!find_opt(c, one, strlen(one))) {
			memset(&c->opts[c->nr_opts], 0, sizeof(c->opts[0]));
			if (one[1] != '-')
				c->opts[c->nr_opts].shrt = one[1];
			else
				snprintf(c->opts[c->nr_opts].lng,
					 sizeof(c->opts[0].lng), "%s", one);
			c->nr_opts++;
		}
		tok += n;
		if (*tok == '|')
			tok++;
	}
}

static struct slot *
new_slot(struct ctx *c, enum kind kind, const char *after)
{
	struct slot *s;

	if (c->nr_slots == MAX_SLOTS)
		return NULL;
	s = &c->slots[c->nr_slots++];
	s->kind = kind;
	snprintf(s->after, sizeof(s->after), "%s", after);
	return s;
}

static void
add_literals(struct slot *s, const char *tok)
{
	char one[32];

	while (*tok) {
		tok += copy_token(one, sizeof(one), tok, "|");
		if (*one)
			strlist_push(&s->literals, one);
		if (*tok == '|')
			tok++;
	}
}

/*
 * The usage line without its brackets, word by word: options (and the
 * value of one that takes one) are skipped, "a|b" and "a | b" are one
 * slot of literal words, anything upper-case is a metavariable.
 */
static void
parse_usage(struct ctx *c)
{
	struct strbuf u = STRBUF_INIT;
	char *tok, *save = NULL, prev[16] = "";
	const char *p;
	struct slot *group = NULL;
	int alt = 0;

	for (p = c->cmd->usage; *p; p++)
		if (*p != '[' && *p != ']')
			strbuf_addch(&u, *p);
	for (tok = strtok_r(u.buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (*tok == '-') {
			struct copt *o;

			usage_option(c, tok);
			o = find_opt(c, tok, strcspn(tok, "|"));
			if (o && o->has_value)
				strtok_r(NULL, " ", &save);
			*prev = '\0';
		} else if (!strcmp(tok, "|")) {
			alt = 1;
		} else if (islower((unsigned char)*tok)) {
			if (!alt || !group) {
				group = new_slot(c, K_LITERAL, "");
				if (!group)
					break;
			}
			add_literals(group, tok);
			snprintf(prev, sizeof(prev), "%s", tok);
			alt = 0;
		} else {
			struct slot *s = new_slot(c, meta_kind(c->cmd->name,
							NULL, tok), prev);
			size_t n = strlen(tok);

			if (!s)
				break;
			s->repeat = n > 2 && !strcmp(tok + n - 2, "..");
			*prev = '\0';
			alt = 0;
		}
	}
	strbuf_release(&u);
}

static void
parse_command(struct ctx *c)
{
	const char *p = c->cmd->options;

	while (p && *p) {
		parse_option_line(c, p);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	parse_usage(c);
}

/* --- values ----------------------------------------------------------- */

static void
emit_commands(struct ctx *c)
{
	const struct cmd_entry *const *cmds;
	size_t nr, i;

	cmds = cli_commands(&nr);
	for (i = 0; i < nr; i++)
		emit(c, cmds[i]->name, cmds[i]->summary);
}

static void
emit_plugins(struct ctx *c)
{
	size_t i;

	load_catalog(c);
	for (i = 0; i < c->cat.nr; i++)
		emit(c, c->cat.plugins[i]->name, c->cat.plugins[i]->summary);
}

static const char *
feature_summary(const struct ctx *c, const char *feature)
{
	size_t i;

	for (i = 0; i < c->cat.nr; i++)
		if (strlist_has(&c->cat.plugins[i]->provides, feature))
			return c->cat.plugins[i]->summary;
	return NULL;
}

/* Every feature the catalog or the core knows, sorted, once each. */
static void
features(struct ctx *c, struct strlist *out)
{
	size_t i, j;

	load_catalog(c);
	for (i = 0; i < c->cat.nr; i++)
		for (j = 0; j < c->cat.plugins[i]->provides.nr; j++)
			if (!strlist_has(out, c->cat.plugins[i]->provides.v[j]))
				strlist_push(out,
					     c->cat.plugins[i]->provides.v[j]);
	/* modifiers the plugins read (uses) and choice features */
	for (i = 0; i < c->cat.nr; i++)
		for (j = 0; j < c->cat.plugins[i]->uses.nr; j++)
			if (!strlist_has(out, c->cat.plugins[i]->uses.v[j]))
				strlist_push(out,
					     c->cat.plugins[i]->uses.v[j]);
	for (i = 0; i < c->cat.schema.nr_features; i++)
		if (!strlist_has(out, c->cat.schema.features[i]->name))
			strlist_push(out, c->cat.schema.features[i]->name);
}

/*
 * Feature names, or (values) what turns each on: "docker", and for a
 * feature with choices "docs=mkdocs" and "docs=sphinx" ("none" turns it
 * off).  Before any "=", a name with choices gives all of them, so that
 * the shell's common prefix brings the user to "docs=".
 */
static void
emit_features(struct ctx *c, int values)
{
	struct strlist all = { NULL, 0, 0 };
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;

	features(c, &all);
	for (i = 0; i < all.nr; i++) {
		const char *const *ch = schema_choices(&c->cat.schema,
						       all.v[i]);
		const char *desc = feature_summary(c, all.v[i]);

		if (!values || !ch) {
			emit(c, all.v[i], desc);
			continue;
		}
		for (j = 0; ch[j]; j++) {
			if (!strcmp(ch[j], "none"))
				continue;
			strbuf_reset(&sb);
			strbuf_addf(&sb, "%s=%s", all.v[i], ch[j]);
			emit(c, sb.buf, desc);
		}
	}
	strbuf_release(&sb);
	strlist_clear(&all);
}

/* A path from the command line, as the shell would give it. */
static void
word_path(const char *w, struct strbuf *out)
{
	const char *home = getenv("HOME");
	size_t n = strlen(w);

	if (n >= 2 && (*w == '\'' || *w == '"') && w[n - 1] == *w) {
		strbuf_add(out, w + 1, n - 2);
		return;
	}
	if (!strncmp(w, "~/", 2) && home && *home == '/') {
		strbuf_addstr(out, home);
		w++;
	}
	strbuf_addstr(out, w);
}

/* -c FILE, else (for a command on a project) DIR/khora.yaml. */
static struct ynode *
read_config(struct ctx *c, struct strbuf *path)
{
	struct ynode *tree = NULL;

	if (c->config) {
		word_path(c->config, path);
	} else {
		if (c->dir && !find_opt(c, "--config", 8)) {
			word_path(c->dir, path);
			strbuf_addch(path, '/');
		}
		strbuf_addstr(path, "khora.yaml");
	}
	if (ytree_parse_file(path->buf, &tree, &c->d, EXIT_CONFIG) ||
	    (tree && tree->kind != Y_MAP)) {
		ynode_free(tree);
		return NULL;
	}
	return tree;
}

static void
emit_envs(struct ctx *c)
{
	struct strbuf path = STRBUF_INIT;
	struct ynode *tree = read_config(c, &path), *envs;
	size_t i;

	envs = ymap_get(tree, "env");
	for (i = 0; envs && envs->kind == Y_MAP && i < envs->nr; i++)
		emit(c, envs->keys[i]->str, NULL);
	ynode_free(tree);
	strbuf_release(&path);
}

struct setkeys {
	struct ctx *c;
	const char *key;	/* typed "key" of "key=...", or NULL */
};

/* Before "=": "key=" (no space after); after: "key=choice". */
static void
set_key(const char *key, const char *const *choices, void *data)
{
	struct setkeys *s = data;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!s->key) {
		strbuf_addf(&sb, "%s=", key);
		emit(s->c, sb.buf, NULL);
	}
	for (i = 0; s->key && !strcmp(s->key, key) && choices &&
	     choices[i]; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s=%s", key, choices[i]);
		emit(s->c, sb.buf, NULL);
	}
	strbuf_release(&sb);
}

/* The variables of the template in effect, with their choices. */
static void
template_keys(struct ctx *c, struct setkeys *s, const struct ynode *cfg,
	      const char *cfgpath)
{
	static const char *const bools[] = { "true", "false", NULL };
	struct strbuf dir = STRBUF_INIT;
	const struct ynode *t = ymap_get(cfg, "template"), *vars;
	struct ynode *tree = NULL;
	const char *ch[32];
	size_t i, j, n;

	if (c->tmpl) {
		word_path(c->tmpl, &dir);
	} else if (t && t->kind == Y_SCALAR && *t->str) {
		/* relative to the config file, as generate.c reads it */
		if (*t->str != '/' && strrchr(cfgpath, '/'))
			strbuf_add(&dir, cfgpath, (size_t)(strrchr(cfgpath,
							'/') - cfgpath + 1));
		strbuf_addstr(&dir, t->str);
	} else {
		return;
	}
	strbuf_addstr(&dir, "/khora-template.yaml");
	if (ytree_parse_file(dir.buf, &tree, &c->d, EXIT_CONFIG))
		tree = NULL;
	vars = ymap_get(tree, "variables");
	for (i = 0; vars && vars->kind == Y_MAP && i < vars->nr; i++) {
		const struct ynode *v = vars->vals[i];
		const struct ynode *type = ymap_get(v, "type");
		const struct ynode *choices = ymap_get(v, "choices");

		/* a computed variable (value:) cannot be set */
		if (ymap_get(v, "value"))
			continue;
		n = 0;
		for (j = 0; choices && choices->kind == Y_SEQ &&
		     j < choices->nr && n + 1 < ARRAY_SIZE(ch); j++)
			if (choices->vals[j]->kind == Y_SCALAR)
				ch[n++] = choices->vals[j]->str;
		ch[n] = NULL;
		set_key(vars->keys[i]->str, type && type->kind == Y_SCALAR &&
			!strcmp(type->str, "bool") ? bools : n ? ch : NULL, s);
	}
	ynode_free(tree);
	strbuf_release(&dir);
}

/*
 * --set: the keys of the schema, features.NAME and the plugins' options
 * (config keys, "KEY=VALUE"), and the template's variables (also what
 * update's "NAME=VALUE" answers).
 */
static void
emit_set(struct ctx *c, int config_keys)
{
	static const char *const bools[] = { "true", "false", NULL };
	struct setkeys s = { c, NULL };
	struct strlist all = { NULL, 0, 0 };
	struct strbuf key = STRBUF_INIT, path = STRBUF_INIT;
	const char *eq = strchr(c->cur, '=');
	struct ynode *cfg;
	size_t i, j;

	if (eq) {
		strbuf_add(&key, c->cur, (size_t)(eq - c->cur));
		s.key = key.buf;
	}
	if (config_keys) {
		load_catalog(c);
		config_each_key(&c->cat.schema, set_key, &s);
		features(c, &all);
		for (i = 0; i < all.nr; i++) {
			const char *const *ch = schema_choices(
				&c->cat.schema, all.v[i]);
			struct strbuf f = STRBUF_INIT;

			strbuf_addf(&f, "features.%s", all.v[i]);
			set_key(f.buf, ch ? ch : bools, &s);
			strbuf_release(&f);
		}
		for (i = 0; i < c->cat.nr; i++) {
			const struct plugin_info *pi = c->cat.plugins[i];

			for (j = 0; j < pi->options.nr; j++) {
				struct strbuf o = STRBUF_INIT;

				strbuf_addf(&o, "plugins_config.%s.%s",
					    pi->name, pi->options.v[j]);
				set_key(o.buf, NULL, &s);
				strbuf_release(&o);
			}
		}
	}
	cfg = read_config(c, &path);
	template_keys(c, &s, cfg, path.buf);
	ynode_free(cfg);
	c->directive = eq ? ":words" : ":nospace";
	strlist_clear(&all);
	strbuf_release(&key);
	strbuf_release(&path);
}

/*
 * The value of an option or a positional argument, cur being its text.
 * A FEATURE argument may also be the project directory (with a '/').
 */
static void
complete_value(struct ctx *c, enum kind kind, int list, int dir_ok)
{
	const char *comma = list ? strrchr(c->cur, ',') : NULL;
	size_t before = c->seen.nr;

	if (comma) {
		struct strbuf one = STRBUF_INIT;
		const char *p;

		for (p = c->cur; p <= comma; p++) {
			if (*p != ',') {
				strbuf_addch(&one, *p);
				continue;
			}
			/* "docs=mkdocs," lists docs */
			one.len = strcspn(one.buf, "=");
			one.buf[one.len] = '\0';
			strlist_push(&c->listed, one.buf);
			strbuf_reset(&one);
		}
		strbuf_release(&one);
		strbuf_add(&c->pre, c->cur, (size_t)(comma + 1 - c->cur));
		c->cur = comma + 1;
	}
	switch (kind) {
	case K_FILE:
		c->directive = ":files";
		return;
	case K_DIR:
		c->directive = ":dirs";
		return;
	case K_FEATURE:
	case K_FEATURE_NAME:
		if (!strchr(c->cur, '/'))
			emit_features(c, kind == K_FEATURE);
		if (dir_ok && c->seen.nr == before)
			c->directive = ":dirs";
		return;
	case K_SETKEY:
	case K_ANSWER:
		emit_set(c, kind == K_SETKEY);
		return;
	case K_ENV:
		emit_envs(c);
		return;
	case K_COMMAND:
		emit_commands(c);
		return;
	case K_PLUGIN:
		emit_plugins(c);
		return;
	case K_NONE:
	case K_LITERAL:
		return;
	}
}

static void
emit_options(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->nr_opts; i++)
		if (*c->opts[i].lng)
			emit(c, c->opts[i].lng, c->opts[i].help);
}

/* --- the line --------------------------------------------------------- */

static void
note_value(struct ctx *c, const struct copt *o, const char *val)
{
	if (!strcmp(o->lng, "--config"))
		c->config = val;
	else if (!strcmp(o->lng, "--dir"))
		c->dir = val;
	else if (!strcmp(o->lng, "--template"))
		c->tmpl = val;
}

static void
complete_command(struct ctx *c, const char *const *w, size_t nr)
{
	const struct copt *pending = NULL;
	const char *pos[16];
	size_t npos = 0, i;
	const struct slot *s;

	parse_command(c);
	for (i = 0; i + 1 < nr; i++) {
		const char *a = w[i], *eq = strchr(a, '=');
		const struct copt *o;

		if (pending) {
			note_value(c, pending, a);
			pending = NULL;
		} else if (a[0] == '-' && a[1]) {
			o = find_opt(c, a, eq && a[1] == '-' ?
				     (size_t)(eq - a) : strlen(a));
			if (o && o->has_value && eq && a[1] == '-')
				note_value(c, o, eq + 1);
			else if (o && o->has_value)
				pending = o;
		} else {
			s = npos < c->nr_slots ? &c->slots[npos] :
			    c->nr_slots && c->slots[c->nr_slots - 1].repeat ?
			    &c->slots[c->nr_slots - 1] : NULL;
			/* add and remove take the project as a DIR with a
			 * '/' among their FEATUREs */
			if (s && !c->dir && (s->kind == K_DIR ||
					     (strchr(a, '/') &&
					      (s->kind == K_FEATURE ||
					       s->kind == K_FEATURE_NAME))))
				c->dir = a;
			if (npos < ARRAY_SIZE(pos))
				pos[npos] = a;
			npos++;
		}
	}
	c->cur = w[nr - 1];
	if (pending) {
		complete_value(c, pending->kind, pending->list, 0);
		return;
	}
	if (!strncmp(c->cur, "--", 2) && strchr(c->cur, '=')) {
		const char *eq = strchr(c->cur, '=');
		const struct copt *o = find_opt(c, c->cur,
						(size_t)(eq - c->cur));

		if (o && o->has_value) {
			strbuf_add(&c->pre, c->cur, (size_t)(eq + 1 - c->cur));
			c->cur = eq + 1;
			complete_value(c, o->kind, o->list, 0);
		}
		return;
	}
	if (*c->cur == '-') {
		emit_options(c);
		return;
	}
	s = npos < c->nr_slots ? &c->slots[npos] :
	    c->nr_slots && c->slots[c->nr_slots - 1].repeat ?
	    &c->slots[c->nr_slots - 1] : NULL;
	if (s && *s->after && (!npos || npos > ARRAY_SIZE(pos) ||
			       strcmp(pos[npos - 1], s->after)))
		s = NULL;
	if (!s) {
		/* no argument is expected here: what can still be said */
		emit_options(c);
	} else if (s->kind == K_LITERAL) {
		for (i = 0; i < s->literals.nr; i++)
			emit(c, s->literals.v[i], NULL);
	} else {
		complete_value(c, s->kind, 0, 1);
	}
}

void
complete_words(const char *const *words, size_t nr, struct strbuf *out)
{
	static const char *const globals[] = {
		"--help", "--version", "--error-format=json",
		"--error-format=text",
	};
	struct ctx *c = xcalloc(1, sizeof(*c));
	const char *empty = "";
	size_t i = 0, j;

	c->out = out;
	c->directive = ":words";
	c->d.capture = &c->sink;
	c->d.quiet_warnings = 1;
	strbuf_init(&c->sink, 0);
	strbuf_init(&c->pre, 0);
	if (!nr) {
		words = &empty;
		nr = 1;
	}
	/* the global options come before the command */
	while (i + 1 < nr && words[i][0] == '-')
		i++;
	c->cur = words[nr - 1];
	if (i + 1 == nr) {
		for (j = 0; *c->cur == '-' && j < ARRAY_SIZE(globals); j++)
			emit(c, globals[j], NULL);
		if (*c->cur != '-')
			emit_commands(c);
	} else {
		c->cmd = cli_find(words[i]);
		if (c->cmd && strcmp(words[i], "__complete"))
			complete_command(c, words + i + 1, nr - i - 1);
	}
	strbuf_addf(out, "%s\n", c->directive);
	for (j = 0; j < c->nr_slots; j++)
		strlist_clear(&c->slots[j].literals);
	if (c->cat_loaded)
		catalog_release(&c->cat);
	strlist_clear(&c->listed);
	strlist_clear(&c->seen);
	strbuf_release(&c->pre);
	strbuf_release(&c->sink);
	free(c);
}
