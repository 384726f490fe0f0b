/* SPDX-License-Identifier: MIT */
/*
 * confedit.c - writing the project's khora.yaml (from the merged config
 * tree) and editing it as text for `khora add`.
 */
#include "compat.h"
#include <ctype.h>
#include <strings.h>
#include "confedit.h"
#include "path.h"
#include "strbuf.h"
#include "wrapper.h"

static void
add_scalar(struct strbuf *out, const struct ynode *n)
{
	ytree_add_scalar(out, n->str, n->quoted);
}

static void add_node(struct strbuf *out, const struct ynode *n,
		     int indent, int inline_first);

static void
add_value(struct strbuf *out, const struct ynode *v, int indent)
{
	if (v->kind == Y_SCALAR) {
		if (!ynode_is_null(v) || v->quoted) {
			strbuf_addch(out, ' ');
			add_scalar(out, v);
		}
		strbuf_addch(out, '\n');
	} else if (!v->nr) {
		strbuf_addstr(out, v->kind == Y_MAP ? " {}\n" : " []\n");
	} else {
		strbuf_addch(out, '\n');
		add_node(out, v, indent + 2, 0);
	}
}

/* Block style; inline_first: the first line follows a "- " already. */
static void
add_node(struct strbuf *out, const struct ynode *n, int indent,
	 int inline_first)
{
	size_t i;

	for (i = 0; i < n->nr; i++) {
		if (i || !inline_first)
			strbuf_addf(out, "%*s", indent, "");
		if (n->kind == Y_MAP) {
			add_scalar(out, n->keys[i]);
			strbuf_addch(out, ':');
			add_value(out, n->vals[i], indent);
			continue;
		}
		strbuf_addch(out, '-');
		if (n->vals[i]->kind == Y_MAP && n->vals[i]->nr) {
			strbuf_addch(out, ' ');
			add_node(out, n->vals[i], indent + 2, 1);
		} else {
			add_value(out, n->vals[i], indent);
		}
	}
}

/* A path the config gives relative to its file, made relative to dir. */
static char *
rebase_path(const struct config *cfg, const char *path, const char *dir,
	    int from_cwd)
{
	struct strbuf sb = STRBUF_INIT;
	char *rel;

	if (*path == '/')
		return xstrdup(path);
	if (from_cwd)
		strbuf_addstr(&sb, path);
	else
		config_path(cfg, path, &sb);
	rel = path_relative_from(dir, sb.buf);
	strbuf_release(&sb);
	return rel;
}

/* Where a top-level key goes: the order of doc/design.md §5, then the rest. */
static size_t
rank(const char *key)
{
	static const char *const order[] = {
		"project_name", "project_description", "python_version",
		"version", "license", "author", "author_email", "paths",
		"features", "ports", "plugins_config", "templates_dir",
		"template", "answers",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(order); i++)
		if (!strcmp(key, order[i]))
			return i;
	return ARRAY_SIZE(order);
}

static void
sort_keys(struct ynode *map)
{
	size_t i, j;

	/* insertion sort: stable, and a config has a dozen keys */
	for (i = 1; i < map->nr; i++)
		for (j = i; j > 0 && rank(map->keys[j - 1]->str) >
			     rank(map->keys[j]->str); j--) {
			struct ynode *k = map->keys[j], *v = map->vals[j];

			map->keys[j] = map->keys[j - 1];
			map->vals[j] = map->vals[j - 1];
			map->keys[j - 1] = k;
			map->vals[j - 1] = v;
		}
}

void
config_serialize(const struct config *cfg, const char *target,
		 const struct ynode *template, const struct ynode *answers,
		 struct strbuf *out)
{
	struct ynode *copy = ynode_new(Y_MAP, cfg->file, 0, 0);
	char *dir = path_absolute(target);
	size_t i;

	strbuf_addstr(out, "# The config this project was generated from; "
		      "'khora update' regenerates\n# the project from it "
		      "and 'khora add FEATURE' edits it.\n");
	for (i = 0; i < cfg->root->nr; i++) {
		const char *k = cfg->root->keys[i]->str;
		struct ynode *v = cfg->root->vals[i];

		if (!strcmp(k, "env") || (template && !strcmp(k, "template")) ||
		    (answers && !strcmp(k, "answers")))
			continue;
		v = ynode_dup(v);
		if ((!strcmp(k, "template") || !strcmp(k, "templates_dir")) &&
		    v->kind == Y_SCALAR) {
			char *p = rebase_path(cfg, v->str, dir, 0);

			free(v->str);
			v->str = p;
		}
		ynode_append(copy, ynode_dup(cfg->root->keys[i]), v);
	}
	if (template) {
		struct ynode *k = ynode_new(Y_SCALAR, cfg->file, 0, 0);

		k->str = xstrdup("template");
		ynode_append(copy, k, ynode_dup(template));
	}
	if (answers && answers->nr) {
		struct ynode *k = ynode_new(Y_SCALAR, cfg->file, 0, 0);

		k->str = xstrdup("answers");
		ynode_append(copy, k, ynode_dup(answers));
	}
	sort_keys(copy);
	add_node(out, copy, 0, 0);
	ynode_free(copy);
	free(dir);
}

/* ---- editing ---- */

/* Byte offset of a node's 1-based line:col in buf. */
static size_t
offset_of(const char *buf, size_t len, unsigned line, unsigned col)
{
	size_t off = 0;

	while (--line && off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);

		off = nl ? (size_t)(nl - buf) + 1 : len;
	}
	return off + col - 1 <= len ? off + col - 1 : len;
}

/* The end of a scalar that starts at off: past its closing quote, or
 * past its plain text. */
static size_t
scalar_end(const char *buf, size_t len, size_t off, const struct ynode *v)
{
	char q = off < len ? buf[off] : 0;
	size_t i;

	if (v->quoted && (q == '"' || q == '\'')) {
		for (i = off + 1; i < len && buf[i] != '\n'; i++) {
			if (q == '"' && buf[i] == '\\')
				i++;
			else if (buf[i] == q && !(q == '\'' && i + 1 < len &&
						   buf[i + 1] == '\''))
				return i + 1;
			else if (buf[i] == q)
				i++;
		}
		return off;
	}
	return off + strlen(v->str) <= len ? off + strlen(v->str) : off;
}

static size_t
line_end(const char *buf, size_t len, size_t off)
{
	const char *nl = memchr(buf + off, '\n', len - off);

	return nl ? (size_t)(nl - buf) + 1 : len;
}

static void
splice(struct strbuf *out, const char *buf, size_t len, size_t from,
       size_t to, const char *with)
{
	strbuf_add(out, buf, from);
	strbuf_addstr(out, with);
	strbuf_add(out, buf + to, len - to);
}

static int
edit_tree(const struct ynode *root, const char *buf, size_t len,
	  const char *name, const char *value, struct strbuf *out)
{
	const struct ynode *f = ymap_get(root, "features"), *fk = NULL, *v;
	struct strbuf line = STRBUF_INIT;
	size_t i, off;

	for (i = 0; root && i < root->nr; i++)
		if (root->vals[i] == f)
			fk = root->keys[i];
	if (!f) {
		/* no features: section yet */
		strbuf_add(out, buf, len);
		if (len && buf[len - 1] != '\n')
			strbuf_addch(out, '\n');
		strbuf_addf(out, "features:\n  %s: %s\n", name, value);
		return 0;
	}
	if (f->kind == Y_SCALAR && ynode_is_null(f) && fk) {
		off = line_end(buf, len, offset_of(buf, len, fk->line,
						   fk->col));
		strbuf_addf(&line, "%*s  %s: %s\n", (int)fk->col - 1, "", name,
			    value);
		splice(out, buf, len, off, off, line.buf);
	} else if (f->kind != Y_MAP) {
		return -1;
	} else if ((v = ymap_get(f, name)) && v->kind == Y_SCALAR) {
		off = offset_of(buf, len, v->line, v->col);
		splice(out, buf, len, off, scalar_end(buf, len, off, v),
		       value);
	} else if (v) {
		return -1;
	} else if (buf[offset_of(buf, len, f->line, f->col)] == '{') {
		/* flow mapping: the new entry goes first */
		off = offset_of(buf, len, f->line, f->col) + 1;
		strbuf_addf(&line, "%s: %s%s", name, value, f->nr ? ", " : "");
		splice(out, buf, len, off, off, line.buf);
	} else {
		const struct ynode *last = f->vals[f->nr - 1];
		const struct ynode *first = f->keys[0];

		/* after the last entry when it fits on its line, else
		 * before the first: either way at the entries' indent */
		off = last->kind == Y_SCALAR &&
			last->line == f->keys[f->nr - 1]->line ?
			line_end(buf, len, offset_of(buf, len, last->line, 1)) :
			offset_of(buf, len, first->line, 1);
		if (off == len && len && buf[len - 1] != '\n')
			strbuf_addch(&line, '\n');
		strbuf_addf(&line, "%*s%s: %s\n", (int)first->col - 1, "", name,
			    value);
		splice(out, buf, len, off, off, line.buf);
	}
	strbuf_release(&line);
	return 0;
}

int
config_edit_feature(const char *file, const char *buf, size_t len,
		    const char *name, const char *value, struct strbuf *out,
		    struct diag *d)
{
	struct ynode *root = NULL, *check = NULL;
	int ret = -1;

	if (ytree_parse_buf(file, buf, len, &root, d, EXIT_CONFIG))
		return -1;
	if (root && root->kind != Y_MAP) {
		ynode_error(d, EXIT_CONFIG, root, "invalid config: the top "
			    "level must be a mapping, not %s",
			    ynode_kind_name(root));
		goto out;
	}
	if (edit_tree(root, buf, len, name, value, out)) {
		const struct ynode *f = ymap_get(root, "features");
		const struct ynode *at = f && f->kind == Y_MAP ?
			ymap_get(f, name) : NULL;

		/* at the value in the way when there is one, not at the
		 * first entry of features */
		ynode_error(d, EXIT_CONFIG, at ? at : f,
			    "cannot add feature '%s': features is not a "
			    "mapping of names to values here; edit it by hand "
			    "and run 'khora update'", name);
		goto out;
	}
	/* the edit must read back as intended: parse it again */
	if (ytree_parse_buf(file, out->buf, out->len, &check, d,
			    EXIT_CONFIG))
		goto out;
	if (!check || !ymap_get(ymap_get(check, "features"), name) ||
	    strcmp(ymap_get(ymap_get(check, "features"), name)->str, value)) {
		struct diag_loc loc = { file, 0, 0 };

		diag_error(d, EXIT_CONFIG, &loc, "cannot add feature '%s': "
			   "the edited file does not read back as intended; "
			   "edit it by hand and run 'khora update'", name);
		goto out;
	}
	ret = 0;
out:
	ynode_free(root);
	ynode_free(check);
	return ret;
}
