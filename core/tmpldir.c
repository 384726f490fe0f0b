/* SPDX-License-Identifier: MIT */
/*
 * tmpldir.c - template directories (see tmpldir.h): the manifest and
 * the answers (typed, validated, conditional, prompted on a terminal).
 * The walk that turns the directory into pipeline actions is
 * tmplwalk.c's.
 */
#include "compat.h"
#include <ctype.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <regex.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include "cond.h"
#include "confine.h"
#include "pipeline.h"
#include "strbuf.h"
#include "tglob.h"
#include "tmpldir.h"
#include "wrapper.h"

#ifndef KHORA_VERSION
#define KHORA_VERSION "0.0.0"
#endif

static const char *const type_names[] = {
	"string", "int", "bool", "choice", "list", "multiselect",
};

#define terr(d, n, ...) ynode_error(d, EXIT_CONFIG, n, __VA_ARGS__)

static int parse_tlang_var(struct tvar_spec *v, const struct ynode *key,
			   const struct ynode *spec, struct diag *d);
static int check_conditions(struct tmpldir *t, struct diag *d);
static int check_globs(struct tmpldir *t, struct diag *d);
static int check_slots(struct tmpldir *t, struct diag *d);

const char *
scalar(const struct ynode *map, const char *key)
{
	const struct ynode *v = ymap_get(map, key);

	return v && v->kind == Y_SCALAR ? v->str : NULL;
}

/*
 * glibc's regexec() backtracks on back-references (a crash or minutes
 * for ^(((a*)*)*\\3)*\\1\\2b$) and regcomp() copies a bounded
 * repetition once per count (so {1,255}{1,255} is a blowup): a manifest
 * regex is a back-reference-free ERE whose expansion stays small.
 */
#define REGEX_MAX_LEN 1024
#define REGEX_MAX_SIZE 1000	/* atoms once repetitions are expanded */
#define REGEX_MAX_DEPTH 32
#define ANSWER_MAX_MATCH 4096	/* bytes of an answer a regex checks */
/* variables of a template: far more than any form a person fills in */
#define MAX_TEMPLATE_VARS 1000

/* The end of the bracket expression starting at re[i] == '['. */
static size_t
bracket_end(const char *re, size_t i)
{
	i++;
	if (re[i] == '^')
		i++;
	if (re[i] == ']')
		i++;
	for (; re[i] && re[i] != ']'; i++)
		if (re[i] == '[' && (re[i + 1] == ':' || re[i + 1] == '.' ||
				     re[i + 1] == '=')) {
			const char *e = strchr(re + i + 2, re[i + 1]);

			if (!e || e[1] != ']')
				return strlen(re);
			i = (size_t)(e - re) + 1;
		}
	return re[i] ? i : strlen(re);
}

/* Why the regex re is refused, or NULL. */
static const char *
regex_refuse(const char *re)
{
	static char why[128];
	unsigned long total[REGEX_MAX_DEPTH + 1], last = 0, k, m;
	size_t i, depth = 0;
	char *end;

	total[0] = 0;
	if (strlen(re) > REGEX_MAX_LEN)
		return "is longer than 1024 characters";
	for (i = 0; re[i]; i++) {
		switch (re[i]) {
		case '\\':
			if (re[i + 1] >= '1' && re[i + 1] <= '9') {
				snprintf(why, sizeof(why), "has a back-"
					 "reference '\\%c' (only back-"
					 "reference-free extended regular "
					 "expressions are allowed)", re[i + 1]);
				return why;
			}
			i += !!re[i + 1];
			last = 1;
			break;
		case '[':
			i = bracket_end(re, i);
			if (!re[i])
				return NULL;	/* unclosed: regcomp() says */
			last = 1;
			break;
		case '(':
			if (depth == REGEX_MAX_DEPTH)
				return "nests groups deeper than 32";
			total[++depth] = 0;
			last = 0;
			continue;
		case ')':
			last = depth ? total[depth--] : 1;
			break;
		case '|':
			last = 0;
			continue;
		case '*': case '?':
			continue;
		case '+':
			/* x+ is xx*: one more copy of x */
			total[depth] += last;
			last *= 2;
			if (total[depth] > REGEX_MAX_SIZE)
				return "is too complex (its repetitions "
				       "expand to more than 1000 atoms)";
			continue;
		case '{':
			k = strtoul(re + i + 1, &end, 10);
			m = k;
			if (*end == ',' && end[1] != '}')
				m = strtoul(end + 1, &end, 10);
			else if (*end == ',' && end++)
				m = k + 1;	/* x{n,} is n x and x* */
			if (*end != '}' || end == re + i + 1)
				return NULL;	/* regcomp() decides */
			if (m < k)
				return NULL;	/* regcomp() refuses it */
			if (k > 255 || m > 256)
				return "has a repetition count over 255";
			i = (size_t)(end - re);
			total[depth] += last * ((m > k ? m : k) - 1);
			last *= m > k ? m : k;
			if (total[depth] > REGEX_MAX_SIZE)
				return "is too complex (its repetitions "
				       "expand to more than 1000 atoms)";
			continue;
		default:
			last = 1;
			break;
		}
		total[depth] += last;
		if (total[depth] > REGEX_MAX_SIZE || last > REGEX_MAX_SIZE)
			return "is too complex (its repetitions expand to "
			       "more than 1000 atoms)";
	}
	return NULL;
}

static int
parse_var(struct tvar_spec *v, const struct ynode *key,
	  const struct ynode *spec, struct diag *d)
{
	static const char *const keys[] = {
		"type", "default", "help", "regex", "min", "max", "choices",
		"when", "secret", "value",
	};
	const char *type;
	size_t i, k;
	long l;
	int b;

	v->name = key->str;
	v->node = key;
	if (pipeline_is_reserved(key->str))
		return ynode_error(d, EXIT_TEMPLATE, key, "variable '%s' is "
				   "reserved: khora defines it for every "
				   "template (see khora-template(5))",
				   key->str);
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
			    "choice, list or multiselect)", type, key->str);
	v->deflt = scalar(spec, "default");
	v->deflt_node = ymap_get(spec, "default");
	v->help = scalar(spec, "help");
	v->regex = scalar(spec, "regex");
	v->when = scalar(spec, "when");
	v->when_node = ymap_get(spec, "when");
	v->choices = ymap_get(spec, "choices");
	if ((v->type == V_CHOICE || v->type == V_MULTI) &&
	    (!v->choices || v->choices->kind != Y_SEQ || !v->choices->nr))
		return terr(d, key, "%s variable '%s' needs choices: [...]",
			    type_names[v->type], key->str);
	/* a list or mapping among them was skipped without a word, and
	 * every answer then refused against "the choices ()" */
	for (i = 0; v->choices && v->choices->kind == Y_SEQ &&
	     i < v->choices->nr; i++)
		if (v->choices->vals[i]->kind != Y_SCALAR)
			return terr(d, v->choices->vals[i], "choices of '%s' "
				    "must be strings", key->str);
	if (parse_tlang_var(v, key, spec, d))
		return -1;
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
		const struct ynode *rn = ymap_get(spec, "regex");
		const char *why = regex_refuse(v->regex);
		regex_t re;

		if (why)
			return ynode_error(d, EXIT_TEMPLATE, rn, "regex of "
					   "variable '%s' %s", key->str, why);
		if (regcomp(&re, v->regex, REG_EXTENDED | REG_NOSUB))
			return terr(d, rn, "invalid regex of variable '%s'",
				    key->str);
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

static int parse_manifest(struct tmpldir *t, const char *text, size_t len,
			  struct diag *d);

/* The manifest's bytes, read like every template file (no symlink). */
static int
read_manifest(struct tmpldir *t, struct strbuf *sb, struct diag *d)
{
	struct diag_loc loc = { t->manifest, 0, 0 };
	const char *why = NULL;
	int fd = -1, ret, e;

	/* the root, opened once: every later read is relative to it */
	t->dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd < 0) {
		loc.file = t->dir;
		return diag_error(d, EXIT_CONFIG, &loc, "cannot read template "
				  "directory: %s", strerror(errno));
	}
	fd = template_open(t->dirfd, MANIFEST, &why);
	if (fd < 0)
		return diag_error(d, EXIT_CONFIG, &loc, "cannot read file: %s",
				  why);
	ret = confine_read_fd(fd, sb, YTREE_MAX_BYTES);
	e = errno;
	close(fd);
	if (ret && e == EFBIG)
		return diag_error(d, EXIT_CONFIG, &loc, "cannot read file: "
				  "larger than %zu KiB", YTREE_MAX_BYTES >> 10);
	if (ret)
		return diag_error(d, EXIT_CONFIG, &loc, "cannot read file: %s",
				  confine_strerror(e));
	return 0;
}

int
tmpldir_load(struct tmpldir *t, const char *dir, struct diag *d)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	memset(t, 0, sizeof(*t));
	t->dirfd = -1;
	t->dir = xstrdup(dir);
	strbuf_addf(&sb, "%s/%s", dir, MANIFEST);
	t->manifest = strbuf_detach(&sb, NULL);
	ret = read_manifest(t, &sb, d);
	if (!ret)
		ret = parse_manifest(t, sb.buf, sb.len, d);
	strbuf_release(&sb);
	return ret;
}

int
tmpldir_parse(struct tmpldir *t, const char *dir, const char *text,
	      size_t len, struct diag *d)
{
	memset(t, 0, sizeof(*t));
	t->dirfd = -1;
	t->dir = xstrdup(dir);
	t->manifest = xstrdup(MANIFEST);
	return parse_manifest(t, text, len, d);
}

static int
parse_manifest(struct tmpldir *t, const char *text, size_t len,
	       struct diag *d)
{
	static const char *const keys[] = {
		"name", "description", "min_khora", "requires", "variables",
		"files", "exclude", "skip_if_exists", "slots", "override",
		"without", "tasks", "migrations",
	};
	const struct ynode *vars, *n;
	size_t i, k;

	t->owner.name = (char *)"template";
	t->owner.is_template = 1;
	t->owner.library = t->dir;
	if (ytree_parse_buf(t->manifest, text, len, &t->tree, d, EXIT_CONFIG))
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
	    read_list(ymap_get(t->tree, "without"), &t->without, "without",
		      d) ||
	    read_list(ymap_get(t->tree, "exclude"), &t->exclude, "exclude",
		      d) ||
	    read_list(ymap_get(t->tree, "skip_if_exists"), &t->skip,
		      "skip_if_exists", d) ||
	    read_list(ymap_get(t->tree, "override"), &t->override, "override",
		      d) ||
	    check_slots(t, d))
		return -1;
	t->files = ymap_get(t->tree, "files");
	if (t->files && t->files->kind != Y_SEQ)
		return terr(d, t->files, "'files' must be a list of {path, "
			    "when}");
	/* after t->files: before it was set, its globs went unchecked
	 * and a malformed entry was skipped without a word */
	if (check_globs(t, d))
		return -1;
	vars = ymap_get(t->tree, "variables");
	if (vars && vars->kind != Y_MAP)
		return terr(d, vars, "'variables' must be a mapping");
	if (vars && vars->nr > MAX_TEMPLATE_VARS)
		return terr(d, vars, "too many variables (%zu; at most %d)",
			    vars->nr, MAX_TEMPLATE_VARS);
	t->nr_vars = vars ? vars->nr : 0;
	t->vars = xcalloc(t->nr_vars + 1, sizeof(*t->vars));
	for (i = 0; i < t->nr_vars; i++)
		if (parse_var(&t->vars[i], vars->keys[i], vars->vals[i], d))
			return -1;
	return check_conditions(t, d);
}

const char *
tmpldir_var_name(const struct tmpldir *t, size_t i)
{
	return t->vars[i].name;
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
	/* without: features the template replaces (a plain Python CLI
	 * has its own pyproject.toml): off, unless the config asks */
	for (i = 0; i < t->without.nr; i++) {
		const char *f = t->without.v[i];
		struct ynode *v;

		n = NULL;
		if (config_feature(cfg, f, &n) && n)
			return terr(d, n, "the template turns off feature "
				    "'%s', which this config turns on", f);
		if (n)
			continue;
		config_enable_feature(cfg, f);
		v = (struct ynode *)ymap_get(cfg->features, f);
		free(v->str);
		v->str = xstrdup("false");
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

	for (i = 0; i < t->nr_vars; i++) {
		free(t->vars[i].value);
		free(t->vars[i].deflt_list);
	}
	free(t->vars);
	ynode_free(t->tree);
	ynode_free(t->answers_tree);
	strlist_clear(&t->exclude);
	strlist_clear(&t->skip);
	strlist_clear(&t->without);
	strlist_clear(&t->override);
	strlist_clear(&t->requires);
	free(t->manifest);
	free(t->dir);
	if (t->dirfd >= 0)
		close(t->dirfd);
	memset(t, 0, sizeof(*t));
	t->dirfd = -1;
}

/* ---- answers ---- */

int
truthy(const char *v)
{
	return v && *v && strcmp(v, "false") && strcmp(v, "0") &&
	       strcmp(v, "no");
}

static struct tvar_spec *
find_var(struct tmpldir *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nr_vars; i++)
		if (!strcmp(t->vars[i].name, name))
			return &t->vars[i];
	return NULL;
}

/* ---- the template language: conditions, computed and list values ---- */

struct cond_scope {
	struct tmpldir *t;
	size_t limit;		/* variables [0, limit) are visible */
};

static int
cond_lookup(void *data, const char *name, struct cond_var *out)
{
	const struct cond_scope *s = data;
	size_t i;

	for (i = 0; i < s->limit; i++)
		if (!strcmp(s->t->vars[i].name, name)) {
			out->value = s->t->vars[i].value;
			out->active = s->t->vars[i].active;
			return 0;
		}
	return -1;
}

static const char *
cond_explain(void *data, const char *name)
{
	static char why[256];
	const struct cond_scope *s = data;
	size_t i;

	for (i = s->limit; i < s->t->nr_vars; i++)
		if (!strcmp(s->t->vars[i].name, name)) {
			snprintf(why, sizeof(why), "'%.100s' is declared "
				 "after this variable (a variable's when: "
				 "sees only those before it)", name);
			return why;
		}
	return NULL;
}

/*
 * Evaluates the condition of node n (text cond) seeing the first limit
 * variables; -1 with a diag when it does not parse or names another.
 */
static int
cond_run(struct tmpldir *t, const char *cond, const struct ynode *n,
	 size_t limit, int *res, struct diag *d)
{
	const char *cand[256];
	struct cond_scope s = { t, limit };
	struct cond_env env = { cond_lookup, &s, cand, 0, cond_explain };
	size_t i;

	for (i = 0; i < limit && i < ARRAY_SIZE(cand); i++)
		cand[env.nr_cand++] = t->vars[i].name;
	return cond_eval(cond, n, &env, res, d);
}

/*
 * A condition at run time: checked when the manifest was read, so an
 * error here is a bug; it counts as false.
 */
int
holds(struct tmpldir *t, const char *cond, const struct ynode *n)
{
	struct diag quiet = DIAG_INIT;
	struct strbuf sink = STRBUF_INIT;
	int res = 0;

	quiet.capture = &sink;
	if (cond_run(t, cond, n, t->nr_vars, &res, &quiet))
		res = 0;
	strbuf_release(&sink);
	return res;
}

/*
 * Every condition parses and names only variables: a variable's own
 * when: those declared before it (they are answered first), a file's
 * any.
 */
static int
check_conditions(struct tmpldir *t, struct diag *d)
{
	const struct ynode *r, *w;
	size_t i;
	int res;

	for (i = 0; i < t->nr_vars; i++)
		if (t->vars[i].when && cond_run(t, t->vars[i].when,
						t->vars[i].when_node, i,
						&res, d))
			return -1;
	for (i = 0; t->files && i < t->files->nr; i++) {
		r = t->files->vals[i];
		w = r->kind == Y_MAP ? ymap_get(r, "when") : NULL;
		if (w && w->kind != Y_SCALAR)
			return terr(d, w, "'when' must be a condition");
		if (w && cond_run(t, w->str, w, t->nr_vars, &res, d))
			return -1;
	}
	return 0;
}

/* Every glob of exclude:, skip_if_exists: and files: is one (tglob.h). */
static int
check_globs(struct tmpldir *t, struct diag *d)
{
	static const char *const lists[] = { "exclude", "skip_if_exists" };
	const struct ynode *l, *g;
	const char *why;
	size_t i, k;

	for (k = 0; k < ARRAY_SIZE(lists); k++) {
		l = ymap_get(t->tree, lists[k]);
		for (i = 0; l && i < l->nr; i++)
			if ((why = tglob_check(l->vals[i]->str)))
				return terr(d, l->vals[i], "glob '%.60s' of "
					    "%s %s", l->vals[i]->str,
					    lists[k], why);
	}
	for (i = 0; t->files && i < t->files->nr; i++) {
		g = t->files->vals[i]->kind == Y_MAP ?
			ymap_get(t->files->vals[i], "path") : NULL;
		if (!g || g->kind != Y_SCALAR)
			return terr(d, t->files->vals[i], "'files' items are "
				    "{path: GLOB, when: CONDITION}");
		if ((why = tglob_check(g->str)) || *g->str == '!')
			return terr(d, g, "glob '%.60s' of files %s", g->str,
				    why ? why : "may not start with '!' (a "
				    "condition says when it is left out)");
	}
	return 0;
}

/* slots: {SLOT: [ITEM, ...]}; the names are checked when planning. */
static int
check_slots(struct tmpldir *t, struct diag *d)
{
	const struct ynode *m = ymap_get(t->tree, "slots"), *l;
	size_t i, j;

	if (m && m->kind != Y_MAP)
		return terr(d, m, "'slots' must be a mapping of SLOT: [ITEM, "
			    "...]");
	for (i = 0; m && i < m->nr; i++) {
		l = m->vals[i];
		if (l->kind != Y_SEQ)
			return terr(d, l, "slot '%s' must be a list of "
				    "strings", m->keys[i]->str);
		for (j = 0; j < l->nr; j++)
			if (l->vals[j]->kind != Y_SCALAR)
				return terr(d, l->vals[j], "items of slot '%s' "
					    "must be strings",
					    m->keys[i]->str);
	}
	return 0;
}

/*
 * The keys of a variable that the template language adds: a computed
 * value (value:, never asked, so no default, question or secret) and a
 * default given as a YAML list for list and multiselect variables.
 */
static int
parse_tlang_var(struct tvar_spec *v, const struct ynode *key,
		const struct ynode *spec, struct diag *d)
{
	const struct ynode *val = ymap_get(spec, "value");
	const struct ynode *def = ymap_get(spec, "default");
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (val && val->kind != Y_SCALAR)
		return terr(d, val, "value of '%s' must be a string (a "
			    "template of the other variables)", key->str);
	if (val && def)
		return terr(d, def, "variable '%s' has both value: (computed) "
			    "and default:", key->str);
	v->computed = val;
	if (!def || def->kind != Y_SEQ)
		return 0;
	if (v->type != V_LIST && v->type != V_MULTI)
		return terr(d, def, "default of '%s' is a list: only list and "
			    "multiselect variables take one", key->str);
	for (i = 0; i < def->nr; i++) {
		if (def->vals[i]->kind != Y_SCALAR || strchr(def->vals[i]->str,
							    ','))
			return terr(d, def->vals[i], "items of the default of "
				    "'%s' must be strings without ','",
				    key->str);
		strbuf_addf(&sb, "%s%s", i ? "," : "", def->vals[i]->str);
	}
	v->deflt_list = strbuf_detach(&sb, NULL);
	v->deflt = v->deflt_list;
	return 0;
}

/* "a, b" as "a,b": list items trimmed, empty ones dropped. */
static char *
trim_list(const char *in)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = in, *e, *t;

	while (*s || s == in) {
		e = s + strcspn(s, ",");
		t = e;
		while (s < t && isspace((unsigned char)*s))
			s++;
		while (t > s && isspace((unsigned char)t[-1]))
			t--;
		if (t > s)
			strbuf_addf(&sb, "%s%.*s", sb.len ? "," : "",
				    (int)(t - s), s);
		if (!*e)
			break;
		s = e + 1;
	}
	return strbuf_detach(&sb, NULL);
}

/* The choices of v as "a, b, c", into a static buffer. */
static const char *
choices_text(const struct tvar_spec *v)
{
	static char buf[512];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; v->choices && i < v->choices->nr && n < sizeof(buf); i++)
		if (v->choices->vals[i]->kind == Y_SCALAR)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
					      n ? ", " : "",
					      v->choices->vals[i]->str);
	return buf;
}

/* Is in one of v's choices?  Else a reason naming them, with a guess. */
static const char *
check_choice(const struct tvar_spec *v, const char *in, int item)
{
	static char why[1024];
	const char *cand[256];
	size_t i, n = 0;

	for (i = 0; i < v->choices->nr; i++) {
		if (v->choices->vals[i]->kind != Y_SCALAR)
			continue;
		if (!strcmp(v->choices->vals[i]->str, in))
			return NULL;
		if (n < ARRAY_SIZE(cand))
			cand[n++] = v->choices->vals[i]->str;
	}
	snprintf(why, sizeof(why), "%s%.*s%snot one of the choices (%s)%s",
		 item ? "'" : "", item ? 60 : 0, in, item ? "' is " : "",
		 choices_text(v), did_you_mean(in, cand, n));
	return why;
}

/* Each item of a multiselect answer (trimmed) is a choice, once. */
static const char *
check_multi(const struct tvar_spec *v, const char *list)
{
	static char why[320];
	const char *s, *e, *p, *q, *why_not;
	char item[256];
	size_t n;

	for (s = list; *s; s = *e ? e + 1 : e) {
		e = s + strcspn(s, ",");
		n = (size_t)(e - s);
		snprintf(item, sizeof(item), "%.*s", (int)n, s);
		/* a secret's items are not shown */
		why_not = check_choice(v, item, !v->secret);
		if (why_not)
			return why_not;
		for (p = list; p < s; p = *q ? q + 1 : q) {
			q = p + strcspn(p, ",");
			if ((size_t)(q - p) == n && !strncmp(p, s, n)) {
				snprintf(why, sizeof(why), "'%s' is chosen "
					 "twice", item);
				return why;
			}
		}
	}
	return NULL;
}

/* Checks and normalises a value; returns a static reason or NULL. */
static const char *
validate_one(const struct tvar_spec *v, const char *in, char **out)
{
	static char why[256];
	char *end;
	long l;

	*out = NULL;
	/* recorded in YAML, which is UTF-8 */
	if (!ytree_utf8_valid(in, strlen(in)))
		return "not valid UTF-8";
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
		if (check_choice(v, in, 0))
			return check_choice(v, in, 0);
		break;
	case V_MULTI:
		if (check_multi(v, in))
			return check_multi(v, in);
		break;
	default:
		break;
	}
	if (strlen(in) > ANSWER_MAX)
		return "longer than 65536 bytes (the most an answer holds)";
	if (v->regex && strlen(in) > ANSWER_MAX_MATCH)
		return "longer than 4096 bytes (the most a regex: checks)";
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

/* validate_one(), list answers trimmed first ("a, b" is "a,b"). */
static const char *
validate(const struct tvar_spec *v, const char *in, char **out)
{
	const char *why;
	char *trimmed;

	if (v->type != V_LIST && v->type != V_MULTI)
		return validate_one(v, in, out);
	trimmed = trim_list(in);
	why = validate_one(v, trimmed, out);
	free(trimmed);
	return why;
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
		/* a secret is never shown, nor bytes that are not text; a
		 * long answer is shown by its start: one line */
		int cut = strlen(text) > 80;

		if (v->secret || !ytree_utf8_valid(text, strlen(text)))
			ynode_error(d, EXIT_CONFIG, n, "invalid answer '%s' "
				    "for '%s': %s", v->secret ? "(secret)" :
				    "...", v->name, why);
		else
			ynode_error(d, EXIT_CONFIG, n, "invalid answer "
				    "'%.*s%s' for '%s': %s", cut ? 60 :
				    (int)strlen(text), text, cut ? "..." : "",
				    v->name, why);
		free(text);
		return -1;
	}
	free(text);
	free(v->value);
	v->value = out;
	return 0;
}

/*
 * "undefined variable 'NAME'" where NAME comes after v in the manifest:
 * a default sees only the variables answered before it.
 */
static const char *
forward(const struct tmpldir *t, const struct tvar_spec *v, const char *msg)
{
	const char *q = strstr(msg, "undefined variable '");
	size_t i, n;

	if (!q)
		return "";
	q += strlen("undefined variable '");
	n = strcspn(q, "'");
	for (i = (size_t)(v - t->vars) + 1; i < t->nr_vars; i++)
		if (strlen(t->vars[i].name) == n &&
		    !strncmp(t->vars[i].name, q, n))
			return " (a default sees only the variables defined "
				"before it)";
	return "";
}

/*
 * The default, rendered with dict: the project's names and the variables
 * answered before v (tmpldir_answer() adds each as it is answered, so
 * that a manifest of thousands of variables is not quadratic).  Capped
 * at ANSWER_MAX: twenty defaults that each double the one before would
 * make megabytes from a few hundred bytes.
 */
static int
default_of(struct tmpldir *t, struct tvar_spec *v, struct tdict *dict,
	   char **out, struct diag *d)
{
	struct strbuf cap = STRBUF_INIT;
	struct diag mine = DIAG_INIT;
	const char *m;
	int ret = 0;

	*out = NULL;
	if (v->computed) {
		/* value: is rendered like a default, and named as itself */
		v->deflt = v->computed->str;
		v->deflt_node = v->computed;
	}
	if (!v->deflt)
		return 0;
	/* the renderer's positions are in the default's text: 1:1 of the
	 * manifest said nothing; the message is given again at the
	 * default's own position */
	mine.capture = &cap;
	*out = template_render_capped(t->manifest, v->deflt, dict,
				      ANSWER_MAX, &mine);
	if (!*out && errno == EFBIG)
		ret = ynode_error(d, EXIT_TEMPLATE, v->node, "%s of '%s' "
				  "renders to more than %d KiB",
				  v->computed ? "value" : "default", v->name,
				  ANSWER_MAX >> 10);
	else if (!*out)
		ret = -1;
	if (ret && !d->code) {
		m = cap.buf;
		if (starts_with(m, "khora: "))
			m += strlen("khora: ");
		if (starts_with(m, t->manifest)) {
			m += strlen(t->manifest);
			m += strspn(m, ":0123456789");
			m += strspn(m, " ");
		}
		cap.len = strcspn(cap.buf, "\n");
		cap.buf[cap.len] = '\0';
		ynode_error(d, mine.code ? mine.code : EXIT_TEMPLATE,
			    v->deflt_node, "in the %s of '%s': %s%s",
			    v->computed ? "value" : "default", v->name,
			    *m ? m : "cannot render it",
			    forward(t, v, m));
	}
	strbuf_release(&cap);
	return ret;
}

/*
 * A secret is typed without echo: echo is turned off before the
 * question is shown (the terminal echoes what arrives as it arrives),
 * without flushing what was typed ahead, and restored after the line.
 * A signal that ends khora while it is off (^C, a hangup, kill) first
 * restores it, then dies of the signal as before: a shell left without
 * echo is the user's to repair with `stty sane` otherwise.
 */
static const int echo_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static struct termios echo_saved;
static struct sigaction echo_old[ARRAY_SIZE(echo_signals)];

static void
echo_restore_and_die(int sig)
{
	/* tcsetattr, signal and raise are async-signal-safe */
	tcsetattr(0, TCSANOW, &echo_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
echo_signals_catch(int on)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = echo_restore_and_die;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(echo_signals); i++)
		if (on)
			sigaction(echo_signals[i], &sa, &echo_old[i]);
		else
			sigaction(echo_signals[i], &echo_old[i], NULL);
}

static int
echo_off(struct termios *was)
{
	struct termios quiet;

	if (tcgetattr(0, was))
		return 0;
	quiet = *was;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	echo_saved = *was;
	echo_signals_catch(1);
	if (!tcsetattr(0, TCSANOW, &quiet))
		return 1;
	echo_signals_catch(0);
	return 0;
}

static void
echo_on(const struct termios *was)
{
	tcsetattr(0, TCSANOW, was);
	echo_signals_catch(0);
}

/* One question on the terminal, asked again until the answer is valid. */
static int
prompt(struct tvar_spec *v, const char *deflt)
{
	char line[1024];
	int choices = v->type == V_CHOICE || v->type == V_MULTI;
	struct termios was;

	for (;;) {
		const char *why;
		char *out, *got;
		int hidden = v->secret && echo_off(&was);

		/* a secret's default is not shown either */
		fprintf(stderr, "%s%s%s%s [%s%s%s%s]%s%s: ", v->name,
			v->help ? " (" : "", v->help ? v->help : "",
			v->help ? ")" : "", type_names[v->type],
			choices ? ": " : "", choices ? choices_text(v) : "",
			v->type == V_MULTI ? "; comma-separated" : "",
			deflt ? " default " : "",
			!deflt ? "" : v->secret ? "(hidden)" : deflt);
		fflush(stderr);
		got = fgets(line, sizeof(line), stdin);
		if (hidden)
			echo_on(&was);
		if (!got)
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
			v->secret ? "(secret)" : line, v->name, why);
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

/* update: the value of --set NAME=VALUE, or NULL. */
static const char *
given_value(const struct tmpldir *t, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; t->given && i < t->given->nr; i++)
		if (!strncmp(t->given->v[i], name, n) &&
		    t->given->v[i][n] == '=')
			return t->given->v[i] + n + 1;
	return NULL;
}

/* update: every --set names a variable of the template. */
static int
unknown_given(const struct tmpldir *t, struct diag *d)
{
	const char *cand[256];
	size_t i, n = 0;

	for (i = 0; i < t->nr_vars && n < ARRAY_SIZE(cand); i++)
		cand[n++] = t->vars[i].name;

	for (i = 0; t->given && i < t->given->nr; i++) {
		const char *s = t->given->v[i], *eq = strchr(s, '=');
		char *name = xstrndup(s, eq ? (size_t)(eq - s) : strlen(s));
		int known = eq && tmpldir_has_var(t, name);

		if (!known && eq && *did_you_mean(name, cand, n))
			diag_error(d, EXIT_USAGE, NULL, "invalid option '--set "
				   "%s': not a variable of the template%s", s,
				   did_you_mean(name, cand, n));
		else if (!known)
			diag_error(d, EXIT_USAGE, NULL, "invalid option '--set "
				   "%s': %s", s, !eq ? "expected NAME=VALUE" :
				   "not a variable of the template (update "
				   "reads the config from khora.yaml: edit it "
				   "there)");
		free(name);
		if (!known)
			return -1;
	}
	return 0;
}

/* A secret from the environment: KHORA_SECRET_<NAME>, upper-cased. */
static const char *
secret_env(const char *name, struct strbuf *var)
{
	const char *p;

	strbuf_reset(var);
	strbuf_addstr(var, "KHORA_SECRET_");
	for (p = name; *p; p++)
		strbuf_addch(var, isalnum((unsigned char)*p) ?
			     toupper((unsigned char)*p) : '_');
	return getenv(var->buf);
}

/*
 * update: the answer given for v on the command line (--set, then
 * --answers) into *n.  A recorded (non-secret) answer may only be
 * repeated: changing it is khora.yaml's job.
 */
static int
given_answer(struct tmpldir *t, struct tvar_spec *v,
	     const struct ynode *recorded, struct ynode **tmp,
	     const struct ynode **n, struct diag *d)
{
	const char *set = given_value(t, v->name);
	const struct ynode *f = ymap_get(t->answers_tree, v->name);
	char *was, *now;
	int same;

	if (set) {
		*tmp = ynode_new(Y_SCALAR, "--set", 0, 0);
		(*tmp)->str = xstrdup(set);
		f = *tmp;
	}
	if (!f)
		return 0;
	*n = f;
	if (v->secret)
		return 0;
	was = recorded ? node_text(recorded) : NULL;
	now = node_text(f);
	same = was && !strcmp(was, now);
	free(was);
	free(now);
	if (same)
		return 0;
	return diag_error(d, EXIT_USAGE, NULL, "cannot use the answer for "
			  "'%s' given to %s: update takes recorded answers "
			  "from khora.yaml (answers:): change it there",
			  v->name, set ? "--set" : "--answers");
}

/*
 * A computed variable (value:): rendered from those before it, never
 * asked; an answer for it (n, --set on update) is an error, not
 * silently dropped.
 */
static int
compute(struct tmpldir *t, struct tvar_spec *v, const struct ynode *n,
	struct tdict *dict, struct diag *d)
{
	const char *why;
	char *text = NULL, *out;

	if (n)
		return ynode_error(d, EXIT_CONFIG, n, "cannot set '%s': it is "
				   "computed from the other variables "
				   "(value: in the template)", v->name);
	if (given_value(t, v->name))
		return diag_error(d, EXIT_USAGE, NULL, "invalid option '--set "
				  "%s=%s': '%s' is computed from the other "
				  "variables (value: in the template)",
				  v->name, given_value(t, v->name), v->name);
	if (default_of(t, v, dict, &text, d))
		return -1;
	why = validate(v, text ? text : "", &out);
	free(text);
	if (why)
		return ynode_error(d, EXIT_TEMPLATE, v->computed, "invalid "
				   "value of '%s': %s", v->name, why);
	free(v->value);
	v->value = out;
	return 0;
}

int
tmpldir_answer(struct tmpldir *t, const struct config *cfg,
	       const char *answers_file, int no_input, struct diag *d)
{
	const struct ynode *given = ymap_get(cfg->root, "answers");
	const struct ynode *mine = ymap_get(cfg->user_tree, "answers");
	struct strbuf missing = STRBUF_INIT, secrets = STRBUF_INIT;
	struct strbuf env = STRBUF_INIT;
	int ask = !no_input && isatty(0), ret = -1;
	struct tdict *dict = NULL;
	size_t i;

	if (answers_file && ytree_parse_file(answers_file, &t->answers_tree,
					     d, EXIT_CONFIG))
		return -1;
	if (t->answers_tree && t->answers_tree->kind != Y_MAP)
		return terr(d, t->answers_tree, "an answers file is a mapping "
			    "of NAME: VALUE");
	if (unknown_answers(t, given, d) ||
	    unknown_answers(t, t->answers_tree, d) || unknown_given(t, d))
		return -1;
	dict = tdict_new(NULL);
	tdict_set(dict, "project_name", cfg->project_name);
	tdict_set(dict, "project_slug", cfg->slug);
	tdict_set(dict, "package_name", cfg->package);
	for (i = 0; i < t->nr_vars; i++) {
		struct tvar_spec *v = &t->vars[i];
		const struct ynode *n, *f;
		struct ynode *tmp = NULL;
		const char *envval;
		char *deflt = NULL;
		int r;

		/* the one before is answered: the defaults after it see it */
		if (i && t->vars[i - 1].value)
			tdict_set(dict, t->vars[i - 1].name,
				  t->vars[i - 1].value);
		n = ymap_get(given, v->name);
		f = ymap_get(t->answers_tree, v->name);
		v->active = !v->when || holds(t, v->when, v->when_node);
		if (v->computed) {
			if (compute(t, v, n ? n : f, dict, d))
				goto out;
			continue;
		}
		/* --set beats the answers file, which beats khora.yaml */
		if (n && !starts_with(n->file, "--set") && f)
			n = f;
		else if (!n)
			n = f;
		if (t->update && given_answer(t, v, ymap_get(given, v->name),
					      &tmp, &n, d)) {
			ynode_free(tmp);
			goto out;
		}
		/* then the user's own defaults, for variables they name */
		if (!n)
			n = ymap_get(mine, v->name);
		if (n) {
			r = set_answer(v, n, d);
			ynode_free(tmp);
			if (r)
				goto out;
			continue;
		}
		envval = v->secret ? secret_env(v->name, &env) : NULL;
		if (envval) {
			const char *why;
			char *out;

			why = validate(v, envval, &out);
			if (why) {
				diag_error(d, EXIT_USAGE, NULL, "invalid "
					   "answer in %s for '%s': %s",
					   env.buf, v->name, why);
				goto out;
			}
			v->value = out;
			continue;
		}
		if (default_of(t, v, dict, &deflt, d))
			goto out;
		if (!v->active) {
			v->value = deflt ? deflt : xstrdup("");
			continue;
		}
		/* update: the project was made with some other secret */
		if (t->update && v->secret) {
			free(deflt);
			deflt = NULL;
		}
		if (ask) {
			r = prompt(v, deflt);
			free(deflt);
			if (r) {
				diag_error(d, EXIT_CONFIG, NULL, "no answer "
					   "for '%s': end of input", v->name);
				goto out;
			}
			continue;
		}
		if (deflt) {
			char *out;
			const char *why = validate(v, deflt, &out);

			free(deflt);
			if (why) {
				terr(d, v->node, "invalid default for '%s': "
				     "%s", v->name, why);
				goto out;
			}
			v->value = out;
			continue;
		}
		if (t->update && v->secret)
			strbuf_addf(&secrets, "%s%s", secrets.len ? ", " : "",
				    v->name);
		else
			strbuf_addf(&missing, "%s%s", missing.len ? ", " : "",
				    v->name);
	}
	if (secrets.len)
		diag_error(d, EXIT_USAGE, NULL, "missing secret answers for "
			   "the template (never recorded, so give them again "
			   "with --set NAME=VALUE, --answers FILE or "
			   "KHORA_SECRET_<NAME>): %s", secrets.buf);
	else if (missing.len)
		diag_error(d, EXIT_CONFIG, NULL, "missing answers for the "
			   "template (give them with --set NAME=VALUE or "
			   "--answers FILE): %s", missing.buf);
	else
		ret = 0;
out:
	strbuf_release(&missing);
	strbuf_release(&secrets);
	strbuf_release(&env);
	tdict_free(dict);
	return ret;
}

struct ynode *
tmpldir_answers_map(const struct tmpldir *t)
{
	struct ynode *map = ynode_new(Y_MAP, t->manifest, 0, 0);
	size_t i;

	for (i = 0; i < t->nr_vars; i++) {
		struct ynode *k, *v;

		if (t->vars[i].secret || t->vars[i].computed ||
		    !t->vars[i].value)
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

int
tmpldir_when(struct tmpldir *t, const struct ynode *cond, struct diag *d)
{
	int res = 0;

	/* a task's condition: an error is the author's, reported at it */
	if (cond_run(t, cond->str, cond, t->nr_vars, &res, d))
		return -1;
	return res;
}

void
tmpldir_secret_values(const struct tmpldir *t, struct strlist *out)
{
	/* the forms a value takes through one modifier; a chain of them
	 * is not followed (see khora-template(5)) */
	static const char *const mods[] = {
		"html", "json", "url", "x-yaml", "x-toml", "x-upper",
		"x-lower", "x-json", "x-hcl", "x-shell", "x-python",
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i, m;

	for (i = 0; i < t->nr_vars; i++) {
		const char *v = t->vars[i].value;

		if (!t->vars[i].secret || !v || !*v)
			continue;
		strlist_push(out, v);
		for (m = 0; m < ARRAY_SIZE(mods); m++) {
			strbuf_reset(&sb);
			if (!template_apply_modifier(mods[m], v, &sb) &&
			    sb.len && strcmp(sb.buf, v))
				strlist_push(out, sb.buf);
		}
	}
	strbuf_release(&sb);
}
