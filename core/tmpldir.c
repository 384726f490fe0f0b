/* SPDX-License-Identifier: MIT */
/*
 * tmpldir.c - template directories (see tmpldir.h): the manifest, the
 * answers (typed, validated, conditional, prompted on a terminal) and
 * the walk that turns the directory into pipeline actions.
 */
#include "compat.h"
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <regex.h>
#include <sys/stat.h>
#include <unistd.h>
#include "path.h"
#include "pipeline.h"
#include "strbuf.h"
#include "tmpldir.h"
#include "wrapper.h"

#ifndef KHORA_VERSION
#define KHORA_VERSION "0.0.0"
#endif

#define MANIFEST "khora-template.yaml"
#define MAX_TEMPLATE_FILES 100000

enum vtype { V_STRING, V_INT, V_BOOL, V_CHOICE, V_LIST };

static const char *const type_names[] = {
	"string", "int", "bool", "choice", "list",
};

struct tvar_spec {
	const char *name;		/* borrowed from the tree */
	const struct ynode *node;
	enum vtype type;
	const char *deflt, *help, *regex, *when;
	const struct ynode *choices;
	long min, max;
	int has_min, has_max, secret;
	char *value;			/* resolved, or NULL */
	int active;			/* its when: holds */
};

#define terr(d, n, ...) ynode_error(d, EXIT_CONFIG, n, __VA_ARGS__)

static const char *
scalar(const struct ynode *map, const char *key)
{
	const struct ynode *v = ymap_get(map, key);

	return v && v->kind == Y_SCALAR ? v->str : NULL;
}

static int
parse_var(struct tvar_spec *v, const struct ynode *key,
	  const struct ynode *spec, struct diag *d)
{
	static const char *const keys[] = {
		"type", "default", "help", "regex", "min", "max", "choices",
		"when", "secret",
	};
	const char *type;
	size_t i, k;
	long l;
	int b;

	v->name = key->str;
	v->node = key;
	if (spec->kind != Y_MAP)
		return terr(d, spec, "variable '%s' must be a mapping",
			    key->str);
	for (i = 0; i < spec->nr; i++) {
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			if (!strcmp(spec->keys[i]->str, keys[k]))
				break;
		if (k == ARRAY_SIZE(keys))
			return terr(d, spec->keys[i], "unknown key '%s' of "
				    "variable '%s'%s", spec->keys[i]->str,
				    key->str, did_you_mean(spec->keys[i]->str,
				    keys, ARRAY_SIZE(keys)));
	}
	type = scalar(spec, "type");
	v->type = V_STRING;
	for (k = 0; type && k < ARRAY_SIZE(type_names); k++)
		if (!strcmp(type, type_names[k]))
			break;
	if (type && k < ARRAY_SIZE(type_names))
		v->type = (enum vtype)k;
	if (type && k == ARRAY_SIZE(type_names))
		return terr(d, ymap_get(spec, "type"), "invalid type '%s' of "
			    "variable '%s' (expected string, int, bool, "
			    "choice or list)", type, key->str);
	v->deflt = scalar(spec, "default");
	v->help = scalar(spec, "help");
	v->regex = scalar(spec, "regex");
	v->when = scalar(spec, "when");
	v->choices = ymap_get(spec, "choices");
	if (v->type == V_CHOICE && (!v->choices || v->choices->kind != Y_SEQ ||
				    !v->choices->nr))
		return terr(d, key, "choice variable '%s' needs choices: "
			    "[...]", key->str);
	if (ymap_get(spec, "min")) {
		if (ynode_long(ymap_get(spec, "min"), &l))
			return terr(d, ymap_get(spec, "min"), "min of '%s' "
				    "must be an integer", key->str);
		v->min = l;
		v->has_min = 1;
	}
	if (ymap_get(spec, "max")) {
		if (ynode_long(ymap_get(spec, "max"), &l))
			return terr(d, ymap_get(spec, "max"), "max of '%s' "
				    "must be an integer", key->str);
		v->max = l;
		v->has_max = 1;
	}
	if (ymap_get(spec, "secret") && !ynode_bool(ymap_get(spec, "secret"),
						    &b))
		v->secret = b;
	if (v->regex) {
		regex_t re;

		if (regcomp(&re, v->regex, REG_EXTENDED | REG_NOSUB))
			return terr(d, ymap_get(spec, "regex"), "invalid "
				    "regex of variable '%s'", key->str);
		regfree(&re);
	}
	return 0;
}

static int
read_list(const struct ynode *n, struct strlist *out, const char *what,
	  struct diag *d)
{
	size_t i;

	if (!n)
		return 0;
	if (n->kind != Y_SEQ)
		return terr(d, n, "'%s' must be a list", what);
	for (i = 0; i < n->nr; i++) {
		if (n->vals[i]->kind != Y_SCALAR)
			return terr(d, n->vals[i], "'%s' items must be "
				    "strings", what);
		strlist_push(out, n->vals[i]->str);
	}
	return 0;
}

/* "1.2.3" < "1.10"?  Numeric, component by component. */
static int
version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10);
		long y = strtol(b, (char **)&b, 10);

		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if ((*a && !isdigit((unsigned char)*a)) ||
		    (*b && !isdigit((unsigned char)*b)))
			break;
	}
	return 0;
}

int
tmpldir_load(struct tmpldir *t, const char *dir, struct diag *d)
{
	static const char *const keys[] = {
		"name", "description", "min_khora", "requires", "variables",
		"files", "exclude",
	};
	struct strbuf sb = STRBUF_INIT;
	const struct ynode *vars, *n;
	size_t i, k;

	memset(t, 0, sizeof(*t));
	t->dir = xstrdup(dir);
	strbuf_addf(&sb, "%s/%s", dir, MANIFEST);
	t->manifest = strbuf_detach(&sb, NULL);
	t->owner.name = (char *)"template";
	t->owner.is_template = 1;
	t->owner.library = t->dir;
	if (ytree_parse_file(t->manifest, &t->tree, d, EXIT_CONFIG))
		return -1;
	if (!t->tree || t->tree->kind != Y_MAP) {
		struct diag_loc loc = { t->manifest, 0, 0 };

		return diag_error(d, EXIT_CONFIG, &loc, "invalid template: "
				  "expected a mapping (name, variables, "
				  "files, ...)");
	}
	for (i = 0; i < t->tree->nr; i++) {
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			if (!strcmp(t->tree->keys[i]->str, keys[k]))
				break;
		if (k == ARRAY_SIZE(keys))
			return terr(d, t->tree->keys[i], "unknown key '%s' in "
				    "the template manifest%s",
				    t->tree->keys[i]->str,
				    did_you_mean(t->tree->keys[i]->str, keys,
						 ARRAY_SIZE(keys)));
	}
	n = ymap_get(t->tree, "min_khora");
	if (n && n->kind == Y_SCALAR && version_cmp(KHORA_VERSION, n->str) < 0)
		return terr(d, n, "this template needs khora %s or newer "
			    "(this is %s)", n->str, KHORA_VERSION);
	if (read_list(ymap_get(t->tree, "requires"), &t->requires, "requires",
		      d) ||
	    read_list(ymap_get(t->tree, "exclude"), &t->exclude, "exclude", d))
		return -1;
	t->files = ymap_get(t->tree, "files");
	if (t->files && t->files->kind != Y_SEQ)
		return terr(d, t->files, "'files' must be a list of {path, "
			    "when}");
	vars = ymap_get(t->tree, "variables");
	if (vars && vars->kind != Y_MAP)
		return terr(d, vars, "'variables' must be a mapping");
	t->nr_vars = vars ? vars->nr : 0;
	t->vars = xcalloc(t->nr_vars + 1, sizeof(*t->vars));
	for (i = 0; i < t->nr_vars; i++)
		if (parse_var(&t->vars[i], vars->keys[i], vars->vals[i], d))
			return -1;
	return 0;
}

int
tmpldir_has_var(const struct tmpldir *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_vars; i++)
		if (!strcmp(t->vars[i].name, name))
			return 1;
	return 0;
}

int
tmpldir_require(const struct tmpldir *t, struct config *cfg, struct diag *d)
{
	const struct ynode *n;
	size_t i;

	for (i = 0; i < t->requires.nr; i++) {
		const char *f = t->requires.v[i];

		n = NULL;
		if (!config_feature(cfg, f, &n) && n)
			return terr(d, n, "the template needs feature '%s', "
				    "which this config turns off", f);
		config_enable_feature(cfg, f);
	}
	return 0;
}

const char *
tmpldir_value(const struct tmpldir *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_vars; i++)
		if (!strcmp(t->vars[i].name, name))
			return t->vars[i].value;
	return NULL;
}

void
tmpldir_release(struct tmpldir *t)
{
	size_t i;

	for (i = 0; i < t->nr_vars; i++)
		free(t->vars[i].value);
	free(t->vars);
	ynode_free(t->tree);
	ynode_free(t->answers_tree);
	strlist_clear(&t->exclude);
	strlist_clear(&t->requires);
	free(t->manifest);
	free(t->dir);
	memset(t, 0, sizeof(*t));
}

/* ---- answers ---- */

static struct tvar_spec *
find_var(struct tmpldir *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_vars; i++)
		if (!strcmp(t->vars[i].name, name))
			return &t->vars[i];
	return NULL;
}

static int
truthy(const char *v)
{
	return v && *v && strcmp(v, "false") && strcmp(v, "0") &&
	       strcmp(v, "no");
}

/* when: "var", "not var", "var == value", "var != value". */
static int
holds(struct tmpldir *t, const char *cond)
{
	char name[128], value[256];
	struct tvar_spec *v;
	const char *op;
	int neg = 0;

	while (isspace((unsigned char)*cond))
		cond++;
	if (!strncmp(cond, "not ", 4)) {
		neg = 1;
		cond += 4;
	}
	op = strstr(cond, "==") ? strstr(cond, "==") : strstr(cond, "!=");
	snprintf(name, sizeof(name), "%.*s",
		 (int)(op ? (size_t)(op - cond) : strlen(cond)), cond);
	for (char *e = name + strlen(name);
	     e > name && isspace((unsigned char)e[-1]);)
		*--e = '\0';
	v = find_var(t, name);
	if (!v)
		return 0;
	if (!op)
		return neg ^ (v->active && truthy(v->value));
	snprintf(value, sizeof(value), "%s", op + 2);
	{
		char *s = value, *e;

		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '"' && e > s + 1 && e[-1] == '"') {
			s++;
			e[-1] = '\0';
		}
		return neg ^ (op[0] == '!') ^ (v->value && !strcmp(v->value,
								    s));
	}
}

/* Checks and normalises a value; returns a static reason or NULL. */
static const char *
validate(const struct tvar_spec *v, const char *in, char **out)
{
	static char why[256];
	char *end;
	long l;
	size_t i;

	*out = NULL;
	switch (v->type) {
	case V_INT:
		errno = 0;
		l = strtol(in, &end, 10);
		if (!*in || *end || errno)
			return "expected an integer";
		if (v->has_min && l < v->min) {
			snprintf(why, sizeof(why), "%ld is below the minimum "
				 "%ld", l, v->min);
			return why;
		}
		if (v->has_max && l > v->max) {
			snprintf(why, sizeof(why), "%ld is above the maximum "
				 "%ld", l, v->max);
			return why;
		}
		break;
	case V_BOOL:
		if (!strcmp(in, "true") || !strcmp(in, "yes") ||
		    !strcmp(in, "y")) {
			*out = xstrdup("true");
			return NULL;
		}
		if (!strcmp(in, "false") || !strcmp(in, "no") ||
		    !strcmp(in, "n")) {
			*out = xstrdup("false");
			return NULL;
		}
		return "expected true or false";
	case V_CHOICE:
		for (i = 0; i < v->choices->nr; i++)
			if (v->choices->vals[i]->kind == Y_SCALAR &&
			    !strcmp(v->choices->vals[i]->str, in))
				break;
		if (i == v->choices->nr)
			return "not one of the choices";
		break;
	default:
		break;
	}
	if (v->regex) {
		regex_t re;
		int no;

		regcomp(&re, v->regex, REG_EXTENDED | REG_NOSUB);
		no = regexec(&re, in, 0, NULL, 0);
		regfree(&re);
		if (no) {
			snprintf(why, sizeof(why), "does not match %s",
				 v->regex);
			return why;
		}
	}
	*out = xstrdup(in);
	return NULL;
}

/* A YAML answer as text: scalars as they are, lists joined by ",". */
static char *
node_text(const struct ynode *n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (n->kind == Y_SCALAR)
		return xstrdup(n->str);
	for (i = 0; n->kind == Y_SEQ && i < n->nr; i++)
		if (n->vals[i]->kind == Y_SCALAR)
			strbuf_addf(&sb, "%s%s", i ? "," : "",
				    n->vals[i]->str);
	return strbuf_detach(&sb, NULL);
}

static int
set_answer(struct tvar_spec *v, const struct ynode *n, struct diag *d)
{
	char *text = node_text(n), *out;
	const char *why = validate(v, text, &out);

	if (why) {
		ynode_error(d, EXIT_CONFIG, n, "invalid answer '%s' for '%s': "
			    "%s", text, v->name, why);
		free(text);
		return -1;
	}
	free(text);
	free(v->value);
	v->value = out;
	return 0;
}

/* The default, rendered: it may name variables answered before it. */
static int
default_of(struct tmpldir *t, struct tvar_spec *v, const struct config *cfg,
	   char **out, struct diag *d)
{
	struct tdict *dict;
	size_t i;

	*out = NULL;
	if (!v->deflt)
		return 0;
	dict = tdict_new(NULL);
	tdict_set(dict, "project_name", cfg->project_name);
	tdict_set(dict, "project_slug", cfg->slug);
	tdict_set(dict, "package_name", cfg->package);
	for (i = 0; i < t->nr_vars && &t->vars[i] != v; i++)
		if (t->vars[i].value)
			tdict_set(dict, t->vars[i].name, t->vars[i].value);
	*out = template_render_string(t->manifest, v->deflt, dict, d);
	tdict_free(dict);
	return *out ? 0 : -1;
}

/* One question on the terminal, asked again until the answer is valid. */
static int
prompt(struct tvar_spec *v, const char *deflt)
{
	char line[1024];

	for (;;) {
		const char *why;
		char *out;

		fprintf(stderr, "%s%s%s%s [%s]%s%s: ", v->name,
			v->help ? " (" : "", v->help ? v->help : "",
			v->help ? ")" : "", type_names[v->type],
			deflt ? " default " : "", deflt ? deflt : "");
		fflush(stderr);
		if (!fgets(line, sizeof(line), stdin))
			return -1;
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line && deflt)
			snprintf(line, sizeof(line), "%s", deflt);
		if (!*line) {
			fprintf(stderr, "khora: '%s' needs an answer\n",
				v->name);
			continue;
		}
		why = validate(v, line, &out);
		if (!why) {
			free(v->value);
			v->value = out;
			return 0;
		}
		fprintf(stderr, "khora: invalid answer '%s' for '%s': %s\n",
			line, v->name, why);
	}
}

static int
unknown_answers(struct tmpldir *t, const struct ynode *map, struct diag *d)
{
	const char *cand[256];
	size_t i, n = 0;

	for (i = 0; i < t->nr_vars && n < ARRAY_SIZE(cand); i++)
		cand[n++] = t->vars[i].name;
	for (i = 0; map && i < map->nr; i++)
		if (!find_var(t, map->keys[i]->str))
			return terr(d, map->keys[i], "unknown template "
				    "variable '%s'%s", map->keys[i]->str,
				    did_you_mean(map->keys[i]->str, cand, n));
	return 0;
}

int
tmpldir_answer(struct tmpldir *t, const struct config *cfg,
	       const char *answers_file, int no_input, struct diag *d)
{
	const struct ynode *given = ymap_get(cfg->root, "answers");
	const struct ynode *mine = ymap_get(cfg->user_tree, "answers");
	struct strbuf missing = STRBUF_INIT;
	int ask = !no_input && isatty(0);
	size_t i;

	if (answers_file && ytree_parse_file(answers_file, &t->answers_tree,
					     d, EXIT_CONFIG))
		return -1;
	if (t->answers_tree && t->answers_tree->kind != Y_MAP)
		return terr(d, t->answers_tree, "an answers file is a mapping "
			    "of NAME: VALUE");
	if (unknown_answers(t, given, d) ||
	    unknown_answers(t, t->answers_tree, d))
		return -1;
	for (i = 0; i < t->nr_vars; i++) {
		struct tvar_spec *v = &t->vars[i];
		const struct ynode *n = ymap_get(given, v->name);
		const struct ynode *f = ymap_get(t->answers_tree, v->name);
		char *deflt = NULL;

		v->active = !v->when || holds(t, v->when);
		/* --set beats the answers file, which beats khora.yaml */
		if (n && !starts_with(n->file, "--set") && f)
			n = f;
		else if (!n)
			n = f;
		/* then the user's own defaults, for variables they name */
		if (!n)
			n = ymap_get(mine, v->name);
		if (n) {
			if (set_answer(v, n, d))
				return -1;
			continue;
		}
		if (default_of(t, v, cfg, &deflt, d))
			return -1;
		if (!v->active) {
			v->value = deflt ? deflt : xstrdup("");
			continue;
		}
		if (ask) {
			int r = prompt(v, deflt);

			free(deflt);
			if (r)
				return diag_error(d, EXIT_CONFIG, NULL, "no "
						  "answer for '%s': end of "
						  "input", v->name);
			continue;
		}
		if (deflt) {
			char *out;
			const char *why = validate(v, deflt, &out);

			free(deflt);
			if (why)
				return terr(d, v->node, "invalid default for "
					    "'%s': %s", v->name, why);
			v->value = out;
			continue;
		}
		strbuf_addf(&missing, "%s%s", missing.len ? ", " : "",
			    v->name);
	}
	if (missing.len) {
		diag_error(d, EXIT_CONFIG, NULL, "missing answers for the "
			   "template (give them with --set NAME=VALUE or "
			   "--answers FILE): %s", missing.buf);
		strbuf_release(&missing);
		return -1;
	}
	return 0;
}

/* ---- files ---- */

/* fnmatch, and a glob ending in slash-star-star for all below a dir */
static int
glob_match(const char *glob, const char *path)
{
	size_t n = strlen(glob);

	if (n > 3 && !strcmp(glob + n - 3, "/**"))
		return !strncmp(path, glob, n - 2) ||
		       (!strncmp(path, glob, n - 3) && !path[n - 3]);
	return !fnmatch(glob, path, FNM_PATHNAME | FNM_PERIOD);
}

static int
wanted(struct tmpldir *t, const char *rel)
{
	size_t i;

	if (!strcmp(rel, MANIFEST))
		return 0;
	for (i = 0; i < t->exclude.nr; i++)
		if (glob_match(t->exclude.v[i], rel))
			return 0;
	for (i = 0; t->files && i < t->files->nr; i++) {
		const struct ynode *r = t->files->vals[i];
		const char *g = scalar(r, "path"), *w = scalar(r, "when");

		if (g && w && glob_match(g, rel) && !holds(t, w))
			return 0;
	}
	return 1;
}

/* A name with {{variables}} rendered, strictly. */
static char *
render_name(struct tmpldir *t, struct pipeline *p, struct tdict *dict,
	    const char *rel)
{
	struct strbuf shown = STRBUF_INIT;
	char *name;

	if (!strstr(rel, "{{"))
		return xstrdup(rel);
	strbuf_addf(&shown, "%s/%s", t->dir, rel);
	name = template_render_string(shown.buf, rel, dict, p->d);
	strbuf_release(&shown);
	return name;
}

static int
slurp(const char *path, struct strbuf *sb, mode_t *mode)
{
	struct stat st;
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*mode = st.st_mode & 0777;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(sb, buf, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

static int
add_entry(struct tmpldir *t, struct pipeline *p, struct tdict *dict,
	  const char *rel, const struct stat *st)
{
	int is_dir = S_ISDIR(st->st_mode);
	struct strbuf full = STRBUF_INIT, data = STRBUF_INIT;
	struct diag_loc loc = { NULL, 0, 0 };
	size_t len = strlen(rel);
	int kt = !is_dir && len > 3 && !strcmp(rel + len - 3, ".kt");
	char *name = render_name(t, p, dict, rel);
	struct action *a;
	mode_t mode = 0644;

	if (!name)
		return -1;
	if (kt)
		name[strlen(name) - 3] = '\0';
	strbuf_addf(&full, "%s/%s", t->dir, rel);
	if (is_dir) {
		a = pipeline_add(p, A_DIR, &t->owner, name);
		a->mode = 0755;
	} else if (kt) {
		a = pipeline_add(p, A_FILE, &t->owner, name);
		a->tmpl = xstrdup(rel);
		a->tmpl_path = strbuf_detach(&full, NULL);
		a->mode = st->st_mode & 0111 ? 0755 : 0644;
	} else {
		if (slurp(full.buf, &data, &mode)) {
			loc.file = full.buf;
			diag_error(p->d, EXIT_TEMPLATE, &loc, "cannot read "
				   "template file: %s", strerror(errno));
			strbuf_release(&full);
			free(name);
			return -1;
		}
		a = pipeline_add(p, A_DATA, &t->owner, name);
		a->data = strbuf_detach(&data, &a->len);
		a->mode = mode;
	}
	strbuf_release(&full);
	free(name);
	return 0;
}

static int
walk(struct tmpldir *t, struct pipeline *p, struct tdict *dict,
     const char *rel, size_t *count)
{
	struct strbuf path = STRBUF_INIT, sub = STRBUF_INIT;
	struct strlist names = { NULL, 0, 0 };
	struct dirent *de;
	DIR *dh;
	size_t i;
	int ret = 0;

	strbuf_addf(&path, "%s%s%s", t->dir, *rel ? "/" : "", rel);
	dh = opendir(path.buf);
	if (!dh) {
		struct diag_loc loc = { path.buf, 0, 0 };

		ret = diag_error(p->d, EXIT_TEMPLATE, &loc, "cannot read "
				 "template directory: %s", strerror(errno));
		strbuf_release(&path);
		return ret;
	}
	/* a read error is not the end of the directory */
	for (;;) {
		errno = 0;
		if (!(de = readdir(dh)))
			break;
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strlist_push(&names, de->d_name);
	}
	if (errno) {
		struct diag_loc loc = { path.buf, 0, 0 };

		ret = diag_error(p->d, EXIT_TEMPLATE, &loc, "cannot read "
				 "template directory: %s", strerror(errno));
	}
	closedir(dh);
	for (i = 0; i < names.nr && !ret; i++) {
		struct stat st;

		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "", names.v[i]);
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", t->dir, sub.buf);
		if (lstat(path.buf, &st)) {
			struct diag_loc loc = { path.buf, 0, 0 };

			if (errno == ENOENT)
				continue;
			ret = diag_error(p->d, EXIT_TEMPLATE, &loc, "cannot "
					 "read template: %s", strerror(errno));
			break;
		}
		if (!wanted(t, sub.buf))
			continue;
		if (++*count > MAX_TEMPLATE_FILES) {
			ret = diag_error(p->d, EXIT_TEMPLATE, NULL, "template "
					 "directory '%s' has more than %d "
					 "entries", t->dir, MAX_TEMPLATE_FILES);
		} else if (S_ISDIR(st.st_mode)) {
			ret = add_entry(t, p, dict, sub.buf, &st) ||
			      walk(t, p, dict, sub.buf, count);
		} else if (S_ISREG(st.st_mode)) {
			ret = add_entry(t, p, dict, sub.buf, &st);
		}
	}
	strlist_clear(&names);
	strbuf_release(&path);
	strbuf_release(&sub);
	return ret ? -1 : 0;
}

struct ynode *
tmpldir_answers_map(const struct tmpldir *t)
{
	struct ynode *map = ynode_new(Y_MAP, t->manifest, 0, 0);
	size_t i;

	for (i = 0; i < t->nr_vars; i++) {
		struct ynode *k, *v;

		if (t->vars[i].secret || !t->vars[i].value)
			continue;
		k = ynode_new(Y_SCALAR, t->manifest, 0, 0);
		v = ynode_new(Y_SCALAR, t->manifest, 0, 0);
		k->str = xstrdup(t->vars[i].name);
		v->str = xstrdup(t->vars[i].value);
		v->quoted = 1;
		ynode_append(map, k, v);
	}
	return map;
}

static void
answers_file(struct tmpldir *t, struct pipeline *p)
{
	struct strbuf sb = STRBUF_INIT;
	char *root, *rel;
	struct action *a;
	size_t i;

	strbuf_addstr(&sb, "# Answers given to the template (secrets left "
		      "out); khora update reuses them.\n");
	strbuf_addf(&sb, "template: \"");
	/* relative to the project, like its khora.yaml says it */
	root = path_absolute(p->target);
	rel = path_relative_from(root, t->dir);
	strbuf_add_json(&sb, rel, strlen(rel));
	free(root);
	free(rel);
	strbuf_addstr(&sb, "\"\nanswers:\n");
	for (i = 0; i < t->nr_vars; i++) {
		if (t->vars[i].secret || !t->vars[i].value)
			continue;
		strbuf_addf(&sb, "  %s: \"", t->vars[i].name);
		strbuf_add_json(&sb, t->vars[i].value,
				strlen(t->vars[i].value));
		strbuf_addstr(&sb, "\"\n");
	}
	a = pipeline_add(p, A_TEXT, &t->owner, ".khora/answers.yaml");
	a->text = strbuf_detach(&sb, NULL);
	a->mode = 0644;
}

int
tmpldir_plan(struct tmpldir *t, struct pipeline *p)
{
	struct tdict *dict;
	size_t i, count = 0;
	char *save;

	t->owner.selected = 1;
	t->owner.version = (char *)"-";
	t->owner.ctx = host_ctx_new(p, &t->owner);
	dict = host_ctx_dict(t->owner.ctx);
	for (i = 0; i < t->nr_vars; i++) {
		const struct tvar_spec *v = &t->vars[i];

		tdict_set(dict, v->name, v->value ? v->value : "");
		tdict_show(dict, v->name, v->active && truthy(v->value));
		if (v->type == V_LIST && v->value && *v->value) {
			char *copy = xstrdup(v->value), *tok;

			tdict_show(dict, v->name, 0);
			for (tok = strtok_r(copy, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save))
				tdict_set(tdict_add_section(dict, v->name),
					  "item", tok);
			free(copy);
		}
	}
	if (walk(t, p, dict, "", &count))
		return -1;
	answers_file(t, p);
	return 0;
}
