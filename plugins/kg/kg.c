/* SPDX-License-Identifier: MIT */
/*
 * kg.c - the knowledge graph of a project's documentation.
 *
 * Reads every Markdown file under paths.docs_dir (relative to khora.yaml)
 * and collects three kinds of tagged paragraphs:
 *
 *   [concept:Name] - text
 *   [rule:Name] - text
 *   [rel:Source->Target:Type] - text
 *
 * A tag starts a line (after blanks and an optional "- " or "* " list
 * marker); its text runs to a blank line or the next tag.  The docs are
 * copied into the project and kg/concepts.json, kg/rules.json,
 * kg/relationships.json (each entry with its source file and line) and
 * kg/kg_schema.json are written; counts and content hashes go into
 * .khora/context.yaml.  Duplicates, malformed tags and relationships to
 * unknown concepts are warnings.  scripts/kg_extract.py does the same in
 * Python (the pre-commit hook runs it with --check); the JSON writer
 * here matches Python's json.dumps(indent=2, ensure_ascii=False) byte
 * for byte, and the tests hold both to that.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "khora-plugin.h"

#define MAX_FILE (1 << 20)
#define MAX_DEPTH 16

enum kind { K_CONCEPT, K_RULE, K_REL };

struct entry {
	enum kind kind;
	char *name, *target, *type;	/* target and type: relationships */
	char *text;
	const char *file;		/* project-relative, owned by kg */
	unsigned line;
};

struct buf {
	char *s;
	size_t len, cap;
};

struct kg {
	khora_ctx *ctx;
	const struct khora_host *h;
	char **files;			/* project-relative paths */
	size_t nr_files, cap_files;
	struct entry *e;
	size_t nr, cap;
	int oom;
	int err;			/* errno of the first unreadable path */
	char err_path[8192];
};

/* A docs directory or file that cannot be read is not a smaller corpus:
 * the first one stops the plan (errors are never absence). */
static void
read_failed(struct kg *kg, const char *path, int err)
{
	if (kg->err)
		return;
	kg->err = err ? err : EIO;
	snprintf(kg->err_path, sizeof(kg->err_path), "%s", path);
}

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p)
			abort();
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* A JSON string as Python's json.dumps(ensure_ascii=False) writes it. */
static void
buf_json(struct buf *b, const char *s)
{
	char esc[8];

	buf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"': buf_str(b, "\\\""); break;
		case '\\': buf_str(b, "\\\\"); break;
		case '\n': buf_str(b, "\\n"); break;
		case '\r': buf_str(b, "\\r"); break;
		case '\t': buf_str(b, "\\t"); break;
		case '\b': buf_str(b, "\\b"); break;
		case '\f': buf_str(b, "\\f"); break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				buf_str(b, esc);
			} else {
				buf_add(b, (const char *)&c, 1);
			}
		}
	}
	buf_add(b, "\"", 1);
}

static char *
dup_trim(const char *s, size_t n)
{
	char *r;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	r = malloc(n + 1);
	if (!r)
		abort();
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k, len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 :
				(c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;

		if (!len || i + len > n || (len == 2 && c < 0xc2))
			return 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/* ---- parsing ---- */

static const char *
tag_start(const char *line, enum kind *kind)
{
	static const char *const prefix[] = { "[concept:", "[rule:", "[rel:" };
	const char *p = line;
	int k;

	while (*p == ' ' || *p == '\t')
		p++;
	if ((*p == '-' || *p == '*') && (p[1] == ' ' || p[1] == '\t')) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	for (k = 0; k < 3; k++) {
		if (!strncmp(p, prefix[k], strlen(prefix[k]))) {
			*kind = (enum kind)k;
			return p + strlen(prefix[k]);
		}
	}
	return NULL;
}

static void
finish(struct kg *kg, struct entry *cur, struct buf *text)
{
	if (!cur->name)
		return;
	cur->text = dup_trim(text->s ? text->s : "", text->len);
	text->len = 0;
	if (text->s)
		text->s[0] = '\0';
	if (kg->nr == kg->cap) {
		kg->cap = kg->cap ? kg->cap * 2 : 32;
		kg->e = realloc(kg->e, kg->cap * sizeof(*kg->e));
		if (!kg->e)
			abort();
	}
	kg->e[kg->nr++] = *cur;
	memset(cur, 0, sizeof(*cur));
}

static void
malformed(struct kg *kg, const char *file, unsigned line, const char *why)
{
	kg->h->warn(kg->ctx, "%s:%u: malformed tag: %s", file, line, why);
}

/* Parses "NAME] - text" after the tag prefix; 0 when well-formed. */
static int
parse_tag(struct kg *kg, struct entry *cur, enum kind kind, const char *p,
	  const char *file, unsigned line, struct buf *text)
{
	const char *close = strchr(p, ']'), *q;
	char *body;

	if (!close) {
		malformed(kg, file, line, "no closing ']'");
		return -1;
	}
	q = close + 1;
	while (*q == ' ' || *q == '\t')
		q++;
	if (*q != '-') {
		malformed(kg, file, line, "expected ' - text' after the tag");
		return -1;
	}
	q++;
	body = dup_trim(p, (size_t)(close - p));
	memset(cur, 0, sizeof(*cur));
	cur->kind = kind;
	cur->file = file;
	cur->line = line;
	if (kind == K_REL) {
		char *arrow = strstr(body, "->"), *colon;

		colon = arrow ? strchr(arrow + 2, ':') : NULL;
		if (!arrow || !colon) {
			free(body);
			malformed(kg, file, line, "a relationship is "
				  "[rel:Source->Target:Type]");
			return -1;
		}
		cur->name = dup_trim(body, (size_t)(arrow - body));
		cur->target = dup_trim(arrow + 2, (size_t)(colon - arrow - 2));
		cur->type = dup_trim(colon + 1, strlen(colon + 1));
		free(body);
		if (!*cur->name || !*cur->target || !*cur->type) {
			free(cur->name);
			free(cur->target);
			free(cur->type);
			memset(cur, 0, sizeof(*cur));
			malformed(kg, file, line, "empty source, target or "
				  "type");
			return -1;
		}
	} else {
		cur->name = body;
		if (!*body) {
			free(body);
			cur->name = NULL;
			malformed(kg, file, line, "empty name");
			return -1;
		}
	}
	buf_str(text, q);
	return 0;
}

static void
parse_file(struct kg *kg, const char *file, const char *data)
{
	struct entry cur;
	struct buf text = { NULL, 0, 0 };
	unsigned line = 0;
	const char *p = data;

	memset(&cur, 0, sizeof(cur));
	while (*p) {
		const char *nl = strchr(p, '\n'), *body;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *l;
		enum kind kind;

		line++;
		l = dup_trim(p, len && p[len - 1] == '\r' ? len - 1 : len);
		p = nl ? nl + 1 : p + len;
		body = tag_start(l, &kind);
		if (body) {
			finish(kg, &cur, &text);
			parse_tag(kg, &cur, kind, body, file, line, &text);
		} else if (!*l) {
			finish(kg, &cur, &text);
		} else if (cur.name) {
			if (text.len)
				buf_add(&text, " ", 1);
			buf_str(&text, l);
		}
		free(l);
	}
	finish(kg, &cur, &text);
	free(text.s);
}

/* ---- reading the docs ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
collect(struct kg *kg, const char *root, const char *rel, int depth)
{
	char path[8192], sub[4096];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(path);
	if (!d)
		read_failed(kg, path, errno);
	if (!d || depth > MAX_DEPTH) {
		if (d)
			closedir(d);
		return;
	}
	for (;;) {
		struct stat st;
		size_t n;

		errno = 0;
		if (!(de = readdir(d))) {
			if (errno)
				read_failed(kg, path, errno);
			break;
		}
		n = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			 de->d_name);
		snprintf(path, sizeof(path), "%s/%s", root, sub);
		if (stat(path, &st)) {
			/* a dangling symlink is skipped as before */
			if (errno != ENOENT)
				read_failed(kg, path, errno);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			collect(kg, root, sub, depth + 1);
		} else if (S_ISREG(st.st_mode) && n > 3 &&
			   !strcmp(de->d_name + n - 3, ".md")) {
			if (kg->nr_files == kg->cap_files) {
				kg->cap_files = kg->cap_files ?
						kg->cap_files * 2 : 16;
				kg->files = realloc(kg->files, kg->cap_files *
						    sizeof(*kg->files));
				if (!kg->files)
					abort();
			}
			kg->files[kg->nr_files++] = strdup(sub);
		}
	}
	closedir(d);
}

static char *
slurp(struct kg *kg, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	size_t n;

	if (!f) {
		read_failed(kg, path, errno);
		return NULL;
	}
	data = malloc(MAX_FILE + 1);
	if (!data)
		abort();
	n = fread(data, 1, MAX_FILE + 1, f);
	if (ferror(f)) {
		read_failed(kg, path, errno);
		fclose(f);
		free(data);
		return NULL;
	}
	fclose(f);
	if (n > MAX_FILE) {
		free(data);
		return NULL;
	}
	data[n] = '\0';
	*len = n;
	return data;
}

/* ---- output ---- */

static const char *const list_name[] = {
	"concepts", "rules", "relationships"
};

static void
write_list(struct kg *kg, enum kind kind, struct buf *out)
{
	size_t i, n = 0;
	char num[32];

	buf_str(out, "{\n  \"");
	buf_str(out, list_name[kind]);
	buf_str(out, "\": [");
	for (i = 0; i < kg->nr; i++) {
		const struct entry *e = &kg->e[i];

		if (e->kind != kind || !e->name)
			continue;
		buf_str(out, n++ ? ",\n    {\n" : "\n    {\n");
		if (kind == K_REL) {
			buf_str(out, "      \"source\": ");
			buf_json(out, e->name);
			buf_str(out, ",\n      \"target\": ");
			buf_json(out, e->target);
			buf_str(out, ",\n      \"type\": ");
			buf_json(out, e->type);
		} else {
			buf_str(out, "      \"name\": ");
			buf_json(out, e->name);
		}
		buf_str(out, ",\n      \"description\": ");
		buf_json(out, e->text);
		buf_str(out, ",\n      \"origin\": {\n        \"file\": ");
		buf_json(out, e->file);
		snprintf(num, sizeof(num), "%u", e->line);
		buf_str(out, ",\n        \"line\": ");
		buf_str(out, num);
		buf_str(out, "\n      }\n    }");
	}
	buf_str(out, n ? "\n  ]\n}\n" : "]\n}\n");
}

static int
find_concept(const struct kg *kg, const char *name, size_t before)
{
	size_t i;

	for (i = 0; i < before; i++)
		if (kg->e[i].kind == K_CONCEPT && kg->e[i].name &&
		    !strcmp(kg->e[i].name, name))
			return (int)i;
	return -1;
}

/* Duplicates (first wins) and relationships to unknown concepts. */
static void
check(struct kg *kg)
{
	size_t i, j;

	for (i = 0; i < kg->nr; i++) {
		struct entry *e = &kg->e[i];

		if (e->kind == K_REL)
			continue;
		for (j = 0; j < i; j++) {
			if (kg->e[j].kind != e->kind || !kg->e[j].name ||
			    strcmp(kg->e[j].name, e->name))
				continue;
			kg->h->warn(kg->ctx, "%s:%u: duplicate %s '%s' (first "
				    "at %s:%u), ignored", e->file, e->line,
				    e->kind == K_CONCEPT ? "concept" : "rule",
				    e->name, kg->e[j].file, kg->e[j].line);
			free(e->name);
			e->name = NULL;
			break;
		}
	}
	for (i = 0; i < kg->nr; i++) {
		const struct entry *e = &kg->e[i];
		const char *ends[2];
		int k;

		if (e->kind != K_REL)
			continue;
		ends[0] = e->name;
		ends[1] = e->target;
		for (k = 0; k < 2; k++)
			if (find_concept(kg, ends[k], kg->nr) < 0)
				kg->h->warn(kg->ctx, "%s:%u: relationship "
					    "'%s->%s' names unknown concept "
					    "'%s'", e->file, e->line, e->name,
					    e->target, ends[k]);
	}
}

static int
emit(struct kg *kg, const char *docs_dir)
{
	struct buf comp = { NULL, 0, 0 };
	char hash[65], num[160];
	int k, ret = 0;
	size_t i, counts[3] = { 0, 0, 0 };

	for (i = 0; i < kg->nr; i++)
		if (kg->e[i].name)
			counts[kg->e[i].kind]++;
	buf_str(&comp, "kg: {docs_dir: ");
	buf_json(&comp, docs_dir);
	for (k = 0; k < 3 && !ret; k++) {
		struct buf out = { NULL, 0, 0 };
		char path[64];

		write_list(kg, (enum kind)k, &out);
		snprintf(path, sizeof(path), "kg/%s.json", list_name[k]);
		ret = kg->h->add_text(kg->ctx, path, out.s, 0644);
		kg->h->sha256_hex(kg->ctx, out.s, out.len, hash);
		snprintf(num, sizeof(num), ", %s: %zu, %s_sha256: %s",
			 list_name[k], counts[k], list_name[k], hash);
		buf_str(&comp, num);
		free(out.s);
	}
	buf_str(&comp, "}");
	if (!ret)
		ret = kg->h->contribute(kg->ctx, "components", comp.s);
	free(comp.s);
	return ret;
}

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *docs = h->project(ctx, "docs_dir");
	const char *base = h->project(ctx, "config_dir");
	struct kg kg;
	char root[4096], path[8192], hook[512];
	struct stat st;
	size_t i;
	int ret = 0;

	if (!docs)
		return h->config_error(ctx, "features.kg", "the kg feature "
				       "needs paths.docs_dir");
	snprintf(root, sizeof(root), "%s/%s", base, docs);
	if (stat(root, &st) || !S_ISDIR(st.st_mode))
		return h->config_error(ctx, "paths.docs_dir", "docs directory "
				       "'%s' does not exist (the kg feature "
				       "reads it relative to the config file)",
				       docs);
	memset(&kg, 0, sizeof(kg));
	kg.ctx = ctx;
	kg.h = h;
	collect(&kg, root, "", 0);
	if (kg.nr_files)
		qsort(kg.files, kg.nr_files, sizeof(*kg.files), cmp_str);
	for (i = 0; i < kg.nr_files && !ret; i++) {
		char *data, *rel = kg.files[i];
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", root, rel);
		data = slurp(&kg, path, &len);
		if (kg.err)
			break;
		snprintf(path, sizeof(path), "%s/%s", docs, rel);
		free(rel);
		kg.files[i] = strdup(path);
		if (!data || memchr(data, '\0', len) ||
		    !valid_utf8((unsigned char *)data, len)) {
			h->warn(ctx, "%s: skipped: not UTF-8 text under 1 MiB",
				kg.files[i]);
			free(data);
			continue;
		}
		/* on update the docs dir is the project's own, where the
		 * docs plugin's files are: a copy yields to them */
		ret = h->add_text(ctx, kg.files[i], data,
				  0644 | KHORA_MODE_YIELD);
		parse_file(&kg, kg.files[i], data);
		free(data);
	}
	if (kg.err)
		ret = h->error(ctx, "cannot read '%s': %s", kg.err_path,
			       strerror(kg.err));
	else
		check(&kg);
	snprintf(hook, sizeof(hook), "{id: kg, name: kg check, entry: "
		 "scripts/kg_extract.py --check, language: script, "
		 "pass_filenames: false}");
	if (!ret)
		ret = emit(&kg, docs) ||
		      h->add_file(ctx, "kg/kg_schema.json", "kg_schema.json",
				  0644) ||
		      h->add_file(ctx, "scripts/kg_extract.py",
				  "kg_extract.py.tmpl", 0755) ||
		      h->contribute(ctx, "precommit_hooks", hook) ||
		      h->contribute(ctx, "readme_sections", "- `kg/`: the "
				    "knowledge graph of the docs; refresh it "
				    "with `python3 scripts/kg_extract.py`");
	for (i = 0; i < kg.nr; i++) {
		free(kg.e[i].name);
		free(kg.e[i].target);
		free(kg.e[i].type);
		free(kg.e[i].text);
	}
	for (i = 0; i < kg.nr_files; i++)
		free(kg.files[i]);
	free(kg.files);
	free(kg.e);
	return ret ? -1 : 0;
}

KHORA_PLUGIN_DEFINE(kg, "0.1.0", NULL, plan, NULL)
