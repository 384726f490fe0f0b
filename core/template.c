/* SPDX-License-Identifier: MIT */
/*
 * template.c - parser, dictionaries and renderer of khora's
 * ctemplate-syntax engine.  A template is parsed once into a node list
 * whose text nodes point into the template's own source, so that
 * rendering is a walk that copies slices and looks names up.
 */
#include "compat.h"
#include <ctype.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "confine.h"
#include "ctmods.h"
#include "escape.h"
#include "path.h"
#include "hash.h"
#include "strbuf.h"
#include "template.h"
#include "tmods.h"
#include "wrapper.h"

#define MAX_MODS 4
#define MAX_DELIM 8
#define MAX_INCLUDE_DEPTH 16
/* mods[] ids from here on are ctemplate's (ctmods.c), id - CT_BASE */
#define CT_BASE 128

enum tkind { TN_TEXT, TN_VAR, TN_SECTION, TN_INVERTED, TN_INCLUDE };

struct tnode {
	enum tkind kind;
	unsigned line, col;
	const char *text;		/* TEXT: slice of the source */
	size_t len;
	const char *name;		/* VAR, SECTION, INCLUDE (arena) */
	const char *indent;		/* INCLUDE: ctemplate's line prefix */
	unsigned char mods[MAX_MODS];
	const char *margs[MAX_MODS];	/* tmods.h: ":mod=ARG" (arena) */
	unsigned nr_mods;
	struct tnode *child;		/* SECTION: body */
	struct tnode *next;
};

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	char data[];
};

/*
 * How a template treats lines and names: khora's way by default, or
 * ctemplate's when its first line is {{%KHORA strip=... undefined=...}}.
 */
enum tstrip { STRIP_STANDALONE, STRIP_NONE, STRIP_BLANK, STRIP_SPACE };

/*
 * Where offset at of a rewritten source came from.  Only where the
 * rewrite broke the text's own count (a line trimmed, a newline taken):
 * between two entries, lines are counted in the text, so that a big
 * template costs a few entries, not one per line.
 */
struct lmap {
	uint32_t at;			/* < TEMPLATE_MAX_BYTES */
	unsigned line, col;
};

struct template {
	char *display;
	char *path;			/* NULL for in-memory templates */
	char *base;			/* the directory it may not leave */
	char *dir;			/* its directory, relative to root */
	char *src;			/* owned copy of the source */
	size_t len;
	struct tnode *root;
	struct arena_block *arena;
	int rendering;			/* include recursion guard */
	enum tstrip strip;
	int lax;			/* undefined=empty */
	int autoescape;			/* ctmods id AUTOESCAPE adds, or -1 */
	struct lmap *map;		/* src was rewritten: its origins */
	size_t nr_map, alloc_map;
};

/* ---- arena ---- */

static void *
arena_alloc(struct template *t, size_t n)
{
	struct arena_block *b = t->arena;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!b || b->used + n > b->size) {
		/* small first (a thousand small templates stay small), then
		 * doubling, so that a big template needs few blocks */
		size_t size = !b ? 1024 : b->size < 65536 ? b->size * 2 :
			      65536;

		if (size < n)
			size = n;

		b = xmalloc(sizeof(*b) + size);
		b->size = size;
		b->used = 0;
		b->next = t->arena;
		t->arena = b;
	}
	p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

static const char *
arena_strndup(struct template *t, const char *s, size_t n)
{
	char *p = arena_alloc(t, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* ---- modifiers ---- */

static const char *const mod_names[] = {
	"html", "json", "url", "x-yaml", "x-toml", "x-snake", "x-kebab",
	"x-pascal", "x-upper", "x-lower", "x-json", "x-hcl", "x-shell",
	"x-python", "x-yaml-fold",
};

enum { M_HTML, M_JSON, M_URL, M_YAML, M_TOML, M_SNAKE, M_KEBAB, M_PASCAL,
       M_UPPER, M_LOWER, M_XJSON, M_HCL, M_SHELL, M_PYTHON, M_YAML_FOLD };

/* where x-yaml-fold breaks a long scalar (the project's yamllint allows
 * more, a reader's terminal not) */
#define YAML_FOLD_WIDTH 80

static int
mod_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mod_names); i++)
		if (strlen(mod_names[i]) == len &&
		    !strncmp(mod_names[i], name, len))
			return (int)i;
	/* ctemplate's own names keep ctemplate's bytes (ctmods.c) */
	i = (size_t)ctmod_lookup(name, len);
	return i == (size_t)-1 ? -1 : (int)i + CT_BASE;
}

static void
add_words(struct strbuf *out, const char *s, int sep, int pascal)
{
	int boundary = 1, prev_lower = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!isalnum(c)) {
			boundary = 1;
			prev_lower = 0;
			continue;
		}
		if (isupper(c) && prev_lower)
			boundary = 1;
		if (boundary && out->len && sep &&
		    out->buf[out->len - 1] != sep)
			strbuf_addch(out, sep);
		if (pascal)
			strbuf_addch(out, boundary ? toupper(c) : tolower(c));
		else
			strbuf_addch(out, tolower(c));
		boundary = 0;
		prev_lower = islower(c) || isdigit(c);
	}
}

static void
apply_mod(int mod, const char *in, struct strbuf *out)
{
	const char *s;

	if (mod >= CT_BASE) {
		ctmod_apply(mod - CT_BASE, in, out);
		return;
	}
	switch (mod) {
	case M_HTML:
		for (s = in; *s; s++) {
			switch (*s) {
			case '&': strbuf_addstr(out, "&amp;"); break;
			case '<': strbuf_addstr(out, "&lt;"); break;
			case '>': strbuf_addstr(out, "&gt;"); break;
			case '"': strbuf_addstr(out, "&quot;"); break;
			case '\'': strbuf_addstr(out, "&#39;"); break;
			default: strbuf_addch(out, *s);
			}
		}
		break;
	case M_JSON:
		escape_json_body(out, in);
		break;
	case M_URL:
		for (s = in; *s; s++) {
			unsigned char c = (unsigned char)*s;

			if (isalnum(c) || strchr("-_.~", c))
				strbuf_addch(out, c);
			else
				strbuf_addf(out, "%%%02X", c);
		}
		break;
	/* string literals: one routine per language, in escape.c */
	case M_YAML: escape_add(out, ESC_YAML, in); break;
	/* folded where the output column is known: render_var */
	case M_YAML_FOLD: escape_add(out, ESC_YAML, in); break;
	case M_TOML: escape_add(out, ESC_TOML, in); break;
	case M_XJSON: escape_add(out, ESC_JSON, in); break;
	case M_HCL: escape_add(out, ESC_HCL, in); break;
	case M_SHELL: escape_add(out, ESC_SHELL, in); break;
	case M_PYTHON: escape_add(out, ESC_PYTHON, in); break;
	case M_SNAKE: add_words(out, in, '_', 0); break;
	case M_KEBAB: add_words(out, in, '-', 0); break;
	case M_PASCAL: add_words(out, in, 0, 1); break;
	case M_UPPER:
	case M_LOWER:
		for (s = in; *s; s++)
			strbuf_addch(out, mod == M_UPPER ?
				     toupper((unsigned char)*s) :
				     tolower((unsigned char)*s));
		break;
	}
}

int
template_apply_modifier(const char *name, const char *in, struct strbuf *out)
{
	const char *eq = strchr(name, '=');
	int m = mod_lookup(name, eq ? (size_t)(eq - name) : strlen(name));

	if (m < 0 && (m = tmod_lookup(name, eq ? (size_t)(eq - name) :
				      strlen(name))) >= 0) {
		if (tmod_check_arg(m, eq ? eq + 1 : NULL))
			return -1;
		tmod_apply(m, eq ? eq + 1 : NULL, in, out);
		return 0;
	}
	if (m < 0 || eq)
		return -1;
	apply_mod(m, in, out);
	return 0;
}

/* ---- dictionaries ---- */

struct tvar {
	char *name;
	char *value;
};

struct tsec {
	char *name;
	struct tdict **items;	/* nr == 0: defined but hidden */
	size_t nr, alloc;
};

/*
 * An open-addressing index of the names of an array of tvar or tsec
 * (both start with their name): slots hold index + 1, 0 is empty.  A
 * template directory defines thousands of variables in one dictionary;
 * a linear search made each definition cost all the earlier ones.
 */
struct nindex {
	size_t *slots;
	size_t nr_slots;
};

struct tdict {
	struct tdict *parent;
	struct tvar *vars;
	size_t nr_vars, alloc_vars;
	struct tsec *secs;
	size_t nr_secs, alloc_secs;
	struct nindex vidx, sidx;
};

/* keyed (hash.h): a template's names are input, chosen by its author */
static size_t
name_hash(const char *s)
{
	return (size_t)hash_bytes(s, strlen(s));
}

/* The name of element i of an array of elements of size bytes. */
static const char *
name_at(const void *base, size_t size, size_t i)
{
	return *(char *const *)(const void *)((const char *)base + i * size);
}

/* The slot of name: the one holding it, or the empty one it would take. */
static size_t
nindex_slot(const struct nindex *x, const void *base, size_t size,
	    const char *name)
{
	size_t mask = x->nr_slots - 1, i = name_hash(name) & mask;

	while (x->slots[i] && strcmp(name_at(base, size, x->slots[i] - 1),
				     name))
		i = (i + 1) & mask;
	return i;
}

/* The index of name in base, or (size_t)-1. */
static size_t
nindex_find(const struct nindex *x, const void *base, size_t size,
	    const char *name)
{
	size_t slot;

	if (!x->nr_slots)
		return (size_t)-1;
	slot = nindex_slot(x, base, size, name);
	return x->slots[slot] ? x->slots[slot] - 1 : (size_t)-1;
}

/* Indexes element nr - 1, just appended; at most half full. */
static void
nindex_add(struct nindex *x, const void *base, size_t size, size_t nr)
{
	size_t i;

	if (2 * nr > x->nr_slots) {
		free(x->slots);
		x->nr_slots = x->nr_slots ? 2 * x->nr_slots : 16;
		x->slots = xcalloc(x->nr_slots, sizeof(*x->slots));
		for (i = 0; i + 1 < nr; i++)
			x->slots[nindex_slot(x, base, size,
					     name_at(base, size, i))] = i + 1;
	}
	x->slots[nindex_slot(x, base, size, name_at(base, size, nr - 1))] =
		nr;
}

struct tdict *
tdict_new(struct tdict *parent)
{
	struct tdict *d = xcalloc(1, sizeof(*d));

	d->parent = parent;
	return d;
}

void
tdict_free(struct tdict *d)
{
	size_t i, j;

	if (!d)
		return;
	for (i = 0; i < d->nr_vars; i++) {
		free(d->vars[i].name);
		free(d->vars[i].value);
	}
	for (i = 0; i < d->nr_secs; i++) {
		for (j = 0; j < d->secs[i].nr; j++)
			tdict_free(d->secs[i].items[j]);
		free(d->secs[i].items);
		free(d->secs[i].name);
	}
	free(d->vars);
	free(d->secs);
	free(d->vidx.slots);
	free(d->sidx.slots);
	free(d);
}

void
tdict_set(struct tdict *d, const char *name, const char *value)
{
	size_t i = nindex_find(&d->vidx, d->vars, sizeof(*d->vars), name);

	if (i != (size_t)-1) {
		free(d->vars[i].value);
		d->vars[i].value = xstrdup(value);
		return;
	}
	ALLOC_GROW(d->vars, d->nr_vars, d->alloc_vars);
	d->vars[d->nr_vars].name = xstrdup(name);
	d->vars[d->nr_vars++].value = xstrdup(value);
	nindex_add(&d->vidx, d->vars, sizeof(*d->vars), d->nr_vars);
}

static struct tsec *
find_sec(const struct tdict *d, const char *name)
{
	size_t i = nindex_find(&d->sidx, d->secs, sizeof(*d->secs), name);

	return i == (size_t)-1 ? NULL : &d->secs[i];
}

static struct tsec *
get_sec(struct tdict *d, const char *name)
{
	struct tsec *s = find_sec(d, name);

	if (s)
		return s;
	ALLOC_GROW(d->secs, d->nr_secs, d->alloc_secs);
	s = &d->secs[d->nr_secs++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	nindex_add(&d->sidx, d->secs, sizeof(*d->secs), d->nr_secs);
	return s;
}

struct tdict *
tdict_add_section(struct tdict *d, const char *name)
{
	struct tsec *s = get_sec(d, name);
	struct tdict *child = tdict_new(d);

	ALLOC_GROW(s->items, s->nr, s->alloc);
	s->items[s->nr++] = child;
	return child;
}

void
tdict_show(struct tdict *d, const char *name, int shown)
{
	struct tsec *s = get_sec(d, name);
	size_t i;

	if (shown && !s->nr) {
		tdict_add_section(d, name);
	} else if (!shown) {
		for (i = 0; i < s->nr; i++)
			tdict_free(s->items[i]);
		s->nr = 0;
	}
}

const char *
tdict_get(const struct tdict *d, const char *name)
{
	size_t i;

	for (; d; d = d->parent) {
		i = nindex_find(&d->vidx, d->vars, sizeof(*d->vars), name);
		if (i != (size_t)-1)
			return d->vars[i].value;
	}
	return NULL;
}

static const struct tsec *
tdict_section(const struct tdict *d, const char *name)
{
	const struct tsec *s;

	for (; d; d = d->parent)
		if ((s = find_sec(d, name)))
			return s;
	return NULL;
}

/* ---- parser ---- */

struct parser {
	struct template *t;
	struct diag *d;
	const char *pos_at;		/* position cache for pos_of() */
	unsigned pos_line, pos_col;
	const char *p;			/* scan position */
	const char *text_start;
	char open[MAX_DELIM + 1], close[MAX_DELIM + 1];
	size_t olen, clen;
	struct tnode **tail;
	struct tnode *stack[64];	/* open sections */
	struct tnode **tails[64];
	int depth;
	/* ctemplate's include indentation: the blanks that follow the last
	 * newline of the text before a tag ("\n" at a section's start
	 * stands for the newline that the section opening implies) */
	const char *indent;
	size_t indent_len;
};

/* The entry of t->map that offset at of a rewritten source counts from. */
static const struct lmap *
lmap_find(const struct template *t, size_t at)
{
	size_t lo = 0, hi = t->nr_map;

	/* the last line starting at or before at (empty ones are skipped:
	 * they start where the next one does) */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->map[mid].at <= at)
			lo = mid;
		else
			hi = mid;
	}
	return &t->map[lo];
}

/* Positions are asked for in increasing order: resume from the last. */
static void
pos_of(struct parser *ps, const char *at, unsigned *line, unsigned *col)
{
	const char *s;

	if (ps->t->map) {
		const struct lmap *m = lmap_find(ps->t, (size_t)(at -
							      ps->t->src));

		/* resume from the cache only inside the same entry */
		if (!ps->pos_at || at < ps->pos_at ||
		    ps->pos_at < ps->t->src + m->at) {
			ps->pos_at = ps->t->src + m->at;
			ps->pos_line = m->line;
			ps->pos_col = m->col;
		}
	} else if (!ps->pos_at || at < ps->pos_at) {
		ps->pos_at = ps->t->src;
		ps->pos_line = ps->pos_col = 1;
	}
	for (s = ps->pos_at; s < at; s++) {
		if (*s == '\n') {
			ps->pos_line++;
			ps->pos_col = 1;
		} else {
			ps->pos_col++;
		}
	}
	ps->pos_at = at;
	*line = ps->pos_line;
	*col = ps->pos_col;
}

static int
perr(struct parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
perr(struct parser *ps, const char *at, const char *fmt, ...)
{
	struct diag_loc loc = { ps->t->display, 0, 0 };
	va_list ap;

	pos_of(ps, at, &loc.line, &loc.col);
	va_start(ap, fmt);
	diag_verror(ps->d, EXIT_TEMPLATE, &loc, fmt, ap);
	va_end(ap);
	return -1;
}

static struct tnode *
new_node(struct parser *ps, enum tkind kind, const char *at)
{
	struct tnode *n = arena_alloc(ps->t, sizeof(*n));

	n->kind = kind;
	pos_of(ps, at, &n->line, &n->col);
	*ps->tail = n;
	ps->tail = &n->next;
	return n;
}

static void
emit_text(struct parser *ps, const char *end)
{
	struct tnode *n;

	if (end <= ps->text_start)
		return;
	n = new_node(ps, TN_TEXT, ps->text_start);
	n->text = ps->text_start;
	n->len = (size_t)(end - ps->text_start);
}

static int
valid_name(const char *s, size_t len, int path)
{
	size_t i;

	if (!len || (!path && !isalpha((unsigned char)*s) && *s != '_'))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* a name's dot qualifies a slot by its plugin (P.SLOT) */
		if (!isalnum(c) && c != '_' && c != '.' &&
		    !(path && (c == '/' || c == '-')))
			return 0;
	}
	if (!path)
		return s[len - 1] != '.' && !memmem(s, len, "..", 2);
	return s[0] != '/' && !strstr(s, "..");
}

static const char *
line_start(const struct parser *ps, const char *at)
{
	while (at > ps->t->src && at[-1] != '\n')
		at--;
	return at;
}

/*
 * A tag alone on its line (blanks around it) takes its line with it.
 * Returns the position after the line's newline, or NULL if the tag is
 * not standalone.
 */
static const char *
standalone_end(const struct parser *ps, const char *tag, const char *after)
{
	const char *ls = line_start(ps, tag), *s;

	if (ls < ps->text_start)
		return NULL;
	for (s = ls; s < tag; s++)
		if (*s != ' ' && *s != '\t')
			return NULL;
	for (s = after; *s == ' ' || *s == '\t' || *s == '\r'; s++)
		;
	if (*s == '\n')
		return s + 1;
	return *s ? NULL : s;
}

static int
set_delims(struct parser *ps, const char *tag, const char *s, size_t len)
{
	const char *sp, *end = s + len;
	size_t ol, cl;

	/* s..end is "<% %>" between the two '=' */
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	for (sp = s; sp < end && !isspace((unsigned char)*sp); sp++)
		;
	ol = (size_t)(sp - s);
	while (sp < end && isspace((unsigned char)*sp))
		sp++;
	cl = (size_t)(end - sp);
	if (!ol || !cl || ol > MAX_DELIM || cl > MAX_DELIM ||
	    memchr(sp, ' ', cl) || memchr(s, '=', ol) || memchr(sp, '=', cl))
		return perr(ps, tag, "invalid delimiter change: expected "
			    "{{=OPEN CLOSE=}}");
	memcpy(ps->open, s, ol);
	ps->open[ol] = '\0';
	ps->olen = ol;
	memcpy(ps->close, sp, cl);
	ps->close[cl] = '\0';
	ps->clen = cl;
	return 0;
}

static int autoescape(struct parser *ps, const char *tag, struct tnode *n);

/*
 * One modifier m[0..len): the engine's (no argument) or the template
 * language's (tmods.h, "name=ARG" for some), kept in separate tables.
 */
static int
parse_mod(struct parser *ps, const char *tag, struct tnode *n,
	  const char *m, size_t len)
{
	const char *eq = memchr(m, '=', len), *why;
	size_t nlen = eq ? (size_t)(eq - m) : len;
	const char *cand[64], *arg = NULL;
	char buf[64];
	size_t i, nc = 0;
	int id = mod_lookup(m, len);

	/* ctemplate's NAME=VALUE modifiers are whole names of ctmods.c */
	if (id >= 0) {
		n->margs[n->nr_mods] = NULL;
		n->mods[n->nr_mods++] = (unsigned char)id;
		return 0;
	}
	id = mod_lookup(m, nlen);
	if (id >= CT_BASE && eq)	/* ctemplate's takes no other value */
		id = -1;
	snprintf(buf, sizeof(buf), "%.*s", (int)nlen, m);
	if (id < 0)
		id = tmod_lookup(m, nlen);
	if (id < 0) {
		for (i = 0; i < ARRAY_SIZE(mod_names); i++)
			cand[nc++] = mod_names[i];
		for (i = 0; i < tmod_count && nc < ARRAY_SIZE(cand); i++)
			cand[nc++] = tmod_names[i];
		return perr(ps, tag, "unknown modifier '%.*s'%s", (int)len,
			    m, did_you_mean(buf, cand, nc));
	}
	if (eq)
		arg = arena_strndup(ps->t, eq + 1, len - nlen - 1);
	why = id < TMOD_BASE ? (eq ? "takes no argument" : NULL) :
	      tmod_check_arg(id, arg);
	if (why)
		return perr(ps, tag, "modifier '%s' %s", buf, why);
	n->margs[n->nr_mods] = arg;
	n->mods[n->nr_mods++] = (unsigned char)id;
	return 0;
}

static int
parse_var(struct parser *ps, const char *tag, const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t nlen = colon ? (size_t)(colon - s) : len;
	struct tnode *n;

	if (!valid_name(s, nlen, 0))
		return perr(ps, tag, "invalid variable name '%.*s'",
			    (int)nlen, s);
	n = new_node(ps, TN_VAR, tag);
	n->name = arena_strndup(ps->t, s, nlen);
	while (colon) {
		const char *m = colon + 1, *end = s + len;

		colon = memchr(m, ':', (size_t)(end - m));
		nlen = colon ? (size_t)(colon - m) : (size_t)(end - m);
		if (n->nr_mods == MAX_MODS)
			return perr(ps, tag, "more than %d modifiers",
				    MAX_MODS);
		if (parse_mod(ps, tag, n, m, nlen))
			return -1;
	}
	return autoescape(ps, tag, n);
}

static int
open_section(struct parser *ps, const char *tag, const char *s, size_t len,
	     enum tkind kind)
{
	struct tnode *n;

	if (!valid_name(s, len, 0))
		return perr(ps, tag, "invalid section name '%.*s'", (int)len,
			    s);
	if (ps->depth == (int)ARRAY_SIZE(ps->stack))
		return perr(ps, tag, "sections nested too deep");
	n = new_node(ps, kind, tag);
	n->name = arena_strndup(ps->t, s, len);
	ps->stack[ps->depth] = n;
	ps->tails[ps->depth++] = ps->tail;
	ps->tail = &n->child;
	return 0;
}

static int
close_section(struct parser *ps, const char *tag, const char *s, size_t len)
{
	struct tnode *open;

	if (!ps->depth)
		return perr(ps, tag, "'%.*s' closes a section that is not "
			    "open", (int)len, s);
	open = ps->stack[ps->depth - 1];
	if (strlen(open->name) != len || strncmp(open->name, s, len))
		return perr(ps, tag, "'/%.*s' closes section '%s' opened at "
			    "line %u", (int)len, s, open->name, open->line);
	ps->tail = ps->tails[--ps->depth];
	return 0;
}

/*
 * The value of attribute name in the pragma body s..end ("ID a=v b="v""),
 * copied to buf; 0 if absent, -1 if the body is malformed.
 */
static int
pragma_attr(const char *s, const char *end, const char *name, char *buf,
	    size_t size)
{
	size_t nlen = strlen(name);

	while (s < end && *s != ' ')
		s++;
	while (s < end && *s == ' ') {
		const char *v, *e;

		s++;
		v = memchr(s, '=', (size_t)(end - s));
		if (!v || v == s)
			return -1;
		v++;
		if (*v == '"') {
			v++;
			e = memchr(v, '"', (size_t)(end - v));
			if (!e)
				return -1;
		} else {
			for (e = v; e < end && *e != ' '; e++)
				;
		}
		if ((size_t)(v - s) >= nlen + 1 && !strncmp(s, name, nlen) &&
		    s[nlen] == '=') {
			snprintf(buf, size, "%.*s", (int)(e - v), v);
			return 1;
		}
		s = e + (*e == '"');
	}
	return s < end ? -1 : 0;
}

/*
 * {{%AUTOESCAPE context="..."}}, first in the template, as in ctemplate:
 * JSON and XML contexts add javascript_escape or xml_escape to each
 * variable not already escaped that way.  HTML, JAVASCRIPT and CSS need
 * ctemplate's HTML parser to pick each variable's escaping from where
 * it stands; khora has none, and says so rather than guess.
 */
static int
parse_pragma(struct parser *ps, const char *tag, const char *s, size_t len)
{
	const char *end = s + len;
	char ctx[32];
	int r;

	if (len >= 5 && !strncmp(s, "KHORA", 5) && (len == 5 || s[5] == ' '))
		return perr(ps, tag, "the KHORA pragma must open the "
			    "template's first line");
	if (!(len >= 10 && !strncmp(s, "AUTOESCAPE", 10) &&
	      (len == 10 || s[10] == ' ')))
		return perr(ps, tag, "unknown pragma '%.*s': expected "
			    "AUTOESCAPE or KHORA", (int)strcspn(s, " }"), s);
	if (ps->t->root || ps->depth || ps->t->autoescape >= 0)
		return perr(ps, tag, "the AUTOESCAPE pragma must come first "
			    "in the template");
	r = pragma_attr(s, end, "context", ctx, sizeof(ctx));
	if (r <= 0)
		return perr(ps, tag, "invalid AUTOESCAPE pragma: expected "
			    "{{%%AUTOESCAPE context=\"JSON\"}}");
	if (!strcmp(ctx, "JSON") || !strcmp(ctx, "json"))
		ps->t->autoescape = CTMOD_JS;
	else if (!strcmp(ctx, "XML") || !strcmp(ctx, "xml"))
		ps->t->autoescape = CTMOD_XML;
	else if (!strcasecmp(ctx, "HTML") || !strcasecmp(ctx, "JAVASCRIPT") ||
		 !strcasecmp(ctx, "CSS"))
		return perr(ps, tag, "AUTOESCAPE context '%s' is not "
			    "supported: it needs an HTML parser; name each "
			    "variable's modifier (:h, :j, :c...)", ctx);
	else
		return perr(ps, tag, "invalid AUTOESCAPE context '%s': "
			    "expected JSON or XML", ctx);
	r = pragma_attr(s, end, "state", ctx, sizeof(ctx));
	if (r < 0 || (r > 0 && strcmp(ctx, "default")))
		return perr(ps, tag, "invalid AUTOESCAPE pragma: only "
			    "context and state=\"default\" are known here");
	return 0;
}

/*
 * ctemplate's AUTOESCAPE on one variable: nothing if it is marked
 * :none or already ends with a safe escaping (other ctemplate escapers
 * in between are harmless); else the context's escaper is appended.
 */
static int
autoescape(struct parser *ps, const char *tag, struct tnode *n)
{
	int a = ps->t->autoescape;
	unsigned i;

	if (a < 0 || !strcmp(n->name, "BI_SPACE") ||
	    !strcmp(n->name, "BI_NEWLINE"))
		return 0;
	for (i = 0; i < n->nr_mods; i++)
		if (n->mods[i] >= CT_BASE && ctmod_is_none(n->mods[i] -
							   CT_BASE))
			return 0;
	for (i = n->nr_mods; i-- > 0;) {
		if (n->mods[i] < CT_BASE)
			break;
		if (ctmod_safe_for(n->mods[i] - CT_BASE, a))
			return 0;
	}
	if (n->nr_mods == MAX_MODS)
		return perr(ps, tag, "more than %d modifiers", MAX_MODS);
	n->mods[n->nr_mods++] = (unsigned char)(a + CT_BASE);
	return 0;
}

/*
 * ctemplate's GetIndentation() on the text before tag, then what the tag
 * does to it: kept by a comment, delimiter or pragma, restarted by a
 * section opening, cleared by anything else.  ps->indent stays what an
 * include at tag is indented by.
 */
static void
track_indent(struct parser *ps, const char *tag, char sigil)
{
	const char *s = ps->text_start, *nl = tag;
	int implicit = ps->indent_len == 1 && *ps->indent == '\n';

	while (nl > s && nl[-1] != '\n')
		nl--;
	if (nl == s && !implicit) {
		ps->indent_len = 0;
	} else {
		ps->indent = nl;
		ps->indent_len = (size_t)(tag - nl);
		for (; nl < tag; nl++)
			if (*nl != ' ' && *nl != '\t')
				ps->indent_len = 0;
	}
	if (sigil == '>')
		return;
	if (sigil == '#') {
		ps->indent = "\n";
		ps->indent_len = 1;
	} else if (sigil != '!' && sigil != '=' && sigil != '%') {
		ps->indent_len = 0;
	}
}

/* Handles one tag whose body is s..s+len; tag points at the opener. */
static int
parse_tag(struct parser *ps, const char *tag, const char *s, size_t len,
	  const char *after)
{
	char sigil = len ? *s : '\0';
	const char *next = NULL;
	struct tnode *n;
	int trims = sigil == '#' || sigil == '/' || sigil == '!' ||
		    sigil == '=' || sigil == '^' || sigil == '%';

	if (trims && ps->t->strip == STRIP_STANDALONE)
		next = standalone_end(ps, tag, after);
	/* ctemplate: a backslash ending the line of any tag but a variable
	 * keeps the newline and goes (only in its modes: in ours, a
	 * shell line continuation after a tag must survive) */
	else if (sigil != '^' && ps->t->strip != STRIP_STANDALONE &&
		 (trims || sigil == '>') && after[0] == '\\' &&
		 after[1] == '\n')
		next = after + 1;
	if (ps->t->strip != STRIP_STANDALONE)
		track_indent(ps, tag, sigil);
	emit_text(ps, next && trims && ps->t->strip == STRIP_STANDALONE ?
		  line_start(ps, tag) : tag);
	ps->text_start = next ? next : after;
	ps->p = ps->text_start;
	if (sigil == '%')
		return parse_pragma(ps, tag, s + 1, len - 1);
	if (sigil != '!' && sigil != '=') {
		/* names allow no inner blanks; trim the outer ones */
		if (sigil == '#' || sigil == '/' || sigil == '>' ||
		    sigil == '^') {
			s++;
			len--;
		}
		while (len && isspace((unsigned char)*s)) {
			s++;
			len--;
		}
		while (len && isspace((unsigned char)s[len - 1]))
			len--;
	}
	switch (sigil) {
	case '!':
		return 0;
	case '=':
		if (len < 2 || s[len - 1] != '=')
			return perr(ps, tag, "invalid delimiter change: "
				    "expected {{=OPEN CLOSE=}}");
		return set_delims(ps, tag, s + 1, len - 2);
	case '#':
		return open_section(ps, tag, s, len, TN_SECTION);
	case '^':
		return open_section(ps, tag, s, len, TN_INVERTED);
	case '/':
		return close_section(ps, tag, s, len);
	case '>':
		if (!valid_name(s, len, 1))
			return perr(ps, tag, "invalid include name '%.*s'",
				    (int)len, s);
		n = new_node(ps, TN_INCLUDE, tag);
		n->name = arena_strndup(ps->t, s, len);
		if (ps->t->strip != STRIP_STANDALONE && ps->indent_len)
			n->indent = arena_strndup(ps->t, ps->indent,
						  ps->indent_len);
		ps->indent_len = 0;
		return 0;
	default:
		return parse_var(ps, tag, s, len);
	}
}

static int
parse(struct parser *ps)
{
	const char *end = ps->t->src + ps->t->len;

	for (;;) {
		const char *tag = strstr(ps->p, ps->open), *body, *close;

		if (!tag)
			break;
		/* "{{{VAR}}" is "{" then {{VAR}}, as in ctemplate */
		while (!strncmp(tag + 1, ps->open, ps->olen))
			tag++;
		body = tag + ps->olen;
		close = strstr(body, ps->close);
		if (!close)
			return perr(ps, tag, "unterminated tag: missing '%s'",
				    ps->close);
		if (memchr(body, '\n', (size_t)(close - body)) && *body != '!')
			return perr(ps, tag, "unterminated tag: missing '%s' "
				    "before the end of the line", ps->close);
		if (parse_tag(ps, tag, body, (size_t)(close - body),
			      close + ps->clen))
			return -1;
	}
	ps->p = end;
	emit_text(ps, end);
	if (ps->depth) {
		struct tnode *open = ps->stack[ps->depth - 1];
		struct diag_loc loc = { ps->t->display, open->line, open->col };

		return diag_error(ps->d, EXIT_TEMPLATE, &loc, "section '%s' is "
				  "never closed", open->name);
	}
	return 0;
}

static void
lmap_add(struct template *t, size_t at, unsigned line, unsigned col)
{
	/* a line that left nothing: the next one starts there too */
	if (t->nr_map && t->map[t->nr_map - 1].at == at)
		t->nr_map--;
	ALLOC_GROW(t->map, t->nr_map, t->alloc_map);
	t->map[t->nr_map].at = (uint32_t)at;
	t->map[t->nr_map].line = line;
	t->map[t->nr_map++].col = col;
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	       c == '\f' || c == '\r';
}

/*
 * ctemplate's STRIP_BLANK_LINES test: is a..b blank, or one "removable"
 * tag (section, end, include, comment, pragma, delimiter) and blanks?
 * Trims a..b if so.
 */
static int
removable(const char **a, const char **b, const char *open,
	  const char *close)
{
	const char *s = *a, *e = *b, *c;
	size_t ol = strlen(open), cl = strlen(close);

	while (e > s && is_blank(e[-1]))
		e--;
	while (s < e && is_blank(*s))
		s++;
	if (s < e && ((size_t)(e - s) < ol + cl + 1 ||
		      strncmp(s, open, ol) || !strchr("#/>!%=", s[ol]) ||
		      !(c = memmem(s + ol, (size_t)(e - s) - ol, close, cl)) ||
		      c + cl != e))
		return 0;
	*a = s;
	*b = e;
	return 1;
}

/* ctemplate's delimiter tracking for removable(): "=OPEN CLOSE=" only. */
static void
strip_delims(const char *s, const char *e, char *open, char *close)
{
	const char *m, *c;

	while ((m = memmem(s, (size_t)(e - s), open, strlen(open)))) {
		const char *t = m + strlen(open), *sp;
		size_t n;

		c = memmem(t, (size_t)(e - t), close, strlen(close));
		if (!c)
			return;
		s = c + strlen(close);
		n = (size_t)(c - t);
		sp = memchr(t, ' ', n);
		if (n < 3 || *t != '=' || t[n - 1] != '=' ||
		    memchr(t + 1, '=', n - 2) || !sp ||
		    memchr(sp + 1, ' ', (size_t)(c - sp - 1)) ||
		    (size_t)(sp - t - 1) > MAX_DELIM ||
		    (size_t)(c - sp - 2) > MAX_DELIM)
			continue;
		snprintf(open, MAX_DELIM + 1, "%.*s", (int)(sp - t - 1), t + 1);
		snprintf(close, MAX_DELIM + 1, "%.*s", (int)(c - sp - 2),
			 sp + 1);
	}
}

/*
 * Rewrites s..end (the source after its KHORA pragma line, which began
 * at line:col) into out as ctemplate's strip mode would, recording in
 * t->map where each line came from.
 */
static void
strip_source(struct template *t, const char *s, const char *end,
	     unsigned line, unsigned col, struct strbuf *out)
{
	char open[MAX_DELIM + 1] = "{{", close[MAX_DELIM + 1] = "}}";
	int counted = 0;		/* this line follows from the last */

	lmap_add(t, 0, line, col);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *next = nl ? nl + 1 : end, *a = s, *b = next;
		int add_nl = b > a && b[-1] == '\n';

		b -= add_nl;
		if (t->strip == STRIP_SPACE) {
			while (b > a && is_blank(b[-1]))
				b--;
			while (a < b && is_blank(*a))
				a++;
			add_nl = 0;
		} else if (t->strip == STRIP_BLANK &&
			   removable(&a, &b, open, close)) {
			add_nl = 0;
		}
		if (!counted || a > s)
			lmap_add(t, out->len, line, col + (unsigned)(a - s));
		strbuf_add(out, a, (size_t)(b - a));
		if (add_nl)
			strbuf_addch(out, '\n');
		counted = add_nl;
		strip_delims(s, next, open, close);
		s = next;
		line++;
		col = 1;
	}
}

/*
 * {{%KHORA strip=MODE undefined=WHAT}} opening the source: sets t's
 * options; returns the length of the pragma and its newline, 0 when
 * there is none, -1 with a diagnostic when it is malformed.
 */
static int
khora_pragma(struct template *t, const char *src, size_t len,
	     struct diag *d)
{
	const char *end, *s = src + 8;
	struct diag_loc loc = { t->display, 1, 1 };
	char v[32];
	int r;

	if (len < 10 || strncmp(src, "{{%KHORA", 8) || (s[0] != ' ' &&
							 s[0] != '}'))
		return 0;
	end = memmem(src, len, "}}", 2);
	if (!end || memchr(src, '\n', (size_t)(end - src)))
		return diag_error(d, EXIT_TEMPLATE, &loc, "unterminated "
				  "tag: missing '}}' before the end of the "
				  "line");
	r = pragma_attr(src + 3, end, "strip", v, sizeof(v));
	if (r > 0 && !strcmp(v, "none"))
		t->strip = STRIP_NONE;
	else if (r > 0 && !strcmp(v, "blank-lines"))
		t->strip = STRIP_BLANK;
	else if (r > 0 && !strcmp(v, "whitespace"))
		t->strip = STRIP_SPACE;
	else if (r != 0 && (r < 0 || strcmp(v, "standalone")))
		goto bad;
	r = r < 0 ? r : pragma_attr(src + 3, end, "undefined", v, sizeof(v));
	if (r > 0 && !strcmp(v, "empty"))
		t->lax = 1;
	else if (r != 0 && (r < 0 || strcmp(v, "error")))
		goto bad;
	/* anything else than those two attributes */
	for (s += strspn(s, " "); s < end; s += strspn(s, " ")) {
		if (strncmp(s, "strip=", 6) && strncmp(s, "undefined=", 10))
			goto bad;
		s += strcspn(s, " }");
	}
	end += 2;
	return (int)(end - src) + (*end == '\n');
bad:
	return diag_error(d, EXIT_TEMPLATE, &loc, "invalid KHORA pragma: "
			  "expected {{%%KHORA strip=standalone|none|"
			  "blank-lines|whitespace undefined=error|empty}}");
}

struct template *
template_parse(const char *display, const char *src, size_t len,
	       struct diag *d)
{
	struct template *t = xcalloc(1, sizeof(*t));
	struct parser ps;
	int pragma;

	t->display = xstrdup(display);
	t->src = xstrndup(src, len);
	t->len = len;
	if (memchr(src, '\0', len)) {
		struct diag_loc loc = { t->display, 0, 0 };

		diag_error(d, EXIT_TEMPLATE, &loc, "cannot parse template: it "
			   "contains a NUL byte");
		template_free(t);
		return NULL;
	}
	t->autoescape = -1;
	pragma = khora_pragma(t, t->src, len, d);
	if (pragma < 0) {
		template_free(t);
		return NULL;
	}
	if (pragma) {
		struct strbuf sb = STRBUF_INIT;

		strip_source(t, t->src + pragma, t->src + len,
			     1 + (t->src[pragma - 1] == '\n'),
			     t->src[pragma - 1] == '\n' ? 1 :
			     (unsigned)pragma + 1, &sb);
		free(t->src);
		t->len = sb.len;
		t->src = strbuf_detach(&sb, NULL);
	}
	memset(&ps, 0, sizeof(ps));
	ps.t = t;
	ps.d = d;
	ps.p = ps.text_start = t->src;
	memcpy(ps.open, "{{", 3);
	memcpy(ps.close, "}}", 3);
	ps.olen = ps.clen = 2;
	ps.tail = &t->root;
	ps.indent = "\n";
	ps.indent_len = 1;
	if (parse(&ps)) {
		template_free(t);
		return NULL;
	}
	return t;
}

void
template_free(struct template *t)
{
	struct arena_block *b, *next;

	if (!t)
		return;
	for (b = t->arena; b; b = next) {
		next = b->next;
		free(b);
	}
	free(t->display);
	free(t->path);
	free(t->base);
	free(t->dir);
	free(t->src);
	free(t->map);
	free(t);
}

/* ---- cache ---- */

void
tcache_init(struct tcache *c)
{
	memset(c, 0, sizeof(*c));
}

void
tcache_release(struct tcache *c)
{
	size_t i;

	for (i = 0; i < c->nr; i++)
		template_free(c->t[i]);
	for (i = 0; i < c->nr_roots; i++) {
		free(c->roots[i].path);
		close(c->roots[i].fd);
	}
	free(c->roots);
	free(c->t);
	free(c->slots);
	memset(c, 0, sizeof(*c));
}

static size_t
hash_path(const char *s)
{
	return (size_t)hash_bytes(s, strlen(s));
}

/* The slot of path: its template, or the empty slot where it goes. */
static struct template **
cache_slot(struct tcache *c, const char *path)
{
	size_t i = hash_path(path) & (c->nr_slots - 1);

	while (c->slots[i] && strcmp(c->slots[i]->path, path))
		i = (i + 1) & (c->nr_slots - 1);
	return &c->slots[i];
}

/* Keeps the index at most half full, so that probes stay short. */
static void
cache_index(struct tcache *c, struct template *t)
{
	size_t i;

	if (2 * (c->nr + 1) > c->nr_slots) {
		free(c->slots);
		c->nr_slots = c->nr_slots ? c->nr_slots * 2 : 64;
		c->slots = xcalloc(c->nr_slots, sizeof(*c->slots));
		for (i = 0; i < c->nr; i++)
			*cache_slot(c, c->t[i]->path) = c->t[i];
	}
	*cache_slot(c, t->path) = t;
}

/* Why a file of type mode may not be read as a template, or NULL. */
static const char *
refuse_type(mode_t mode, int last)
{
	if (S_ISLNK(mode))
		return last ? "is a symbolic link (khora never follows "
			      "links in a template)" :
			      "goes through a symbolic link (khora never "
			      "follows links in a template)";
	if (!last)
		return S_ISDIR(mode) ? NULL : strerror(ENOTDIR);
	if (S_ISFIFO(mode))
		return "is a FIFO, not a regular file";
	if (S_ISSOCK(mode))
		return "is a socket, not a regular file";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "is a device, not a regular file";
	if (S_ISDIR(mode))
		return strerror(EISDIR);
	return S_ISREG(mode) ? NULL : "is not a regular file";
}

/*
 * rel in path_check() form into clean ("." and empty components
 * dropped); "names a path outside the template" for a "..".
 */
static const char *
clean_rel(const char *rel, struct strbuf *clean)
{
	while (*rel) {
		size_t len = strcspn(rel, "/");

		if (len == 2 && rel[0] == '.' && rel[1] == '.')
			return "names a path outside the template";
		if (len && !(len == 1 && *rel == '.')) {
			if (clean->len)
				strbuf_addch(clean, '/');
			strbuf_add(clean, rel, len);
		}
		rel += len;
		rel += *rel == '/';
	}
	return clean->len ? NULL : "names a path outside the template";
}

/*
 * Why rel below rootfd is not a regular file reached through real
 * directories: each prefix looked at in turn (fstatat, never an open),
 * so that the message names the first link or odd file on the way.
 */
static const char *
diagnose(int rootfd, const char *rel)
{
	struct strbuf prefix = STRBUF_INIT;
	const char *why = NULL;
	struct stat st;

	while (!why && *rel) {
		size_t len = strcspn(rel, "/");

		strbuf_add(&prefix, rel, len);
		rel += len;
		if (confine_lstat(rootfd, prefix.buf, &st))
			why = confine_strerror(errno);
		else
			why = refuse_type(st.st_mode, !*rel);
		rel += *rel == '/';
		strbuf_addch(&prefix, '/');
	}
	strbuf_release(&prefix);
	return why;
}

/*
 * Checks rel's type without opening it (a FIFO or a device is never
 * opened), then opens it with confine_open(), which resolves it below
 * rootfd again without following any link and checks the type of what
 * it opened: a swap in between is refused, never followed.
 */
int
template_open(int rootfd, const char *rel, const char **why)
{
	struct strbuf clean = STRBUF_INIT;
	int fd = -1, err;

	*why = clean_rel(rel, &clean);
	if (!*why)
		*why = diagnose(rootfd, clean.buf);
	if (!*why) {
		fd = confine_open(rootfd, clean.buf, O_RDONLY, 0);
		err = errno;
		if (fd < 0 && (err == ELOOP || err == CONFINE_ENOTREG ||
			       err == EISDIR || err == ENOTDIR))
			*why = "changed while khora read it";
		else if (fd < 0)
			*why = strerror(err);
	}
	strbuf_release(&clean);
	return fd;
}

/*
 * The descriptor of a template root, opened once per cache: every file
 * and include below it is resolved from that descriptor, so swapping the
 * root (or a directory in it) for a link while khora reads cannot send a
 * later read elsewhere.  The root itself is named by the user or a
 * trusted plugin directory and may be a link; it is followed once.
 */
int
tcache_root(struct tcache *c, const char *root)
{
	size_t i;
	int fd;

	for (i = 0; i < c->nr_roots; i++)
		if (!strcmp(c->roots[i].path, root))
			return c->roots[i].fd;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	tcache_add_root(c, root, fd);
	return fd;
}

void
tcache_add_root(struct tcache *c, const char *root, int fd)
{
	ALLOC_GROW(c->roots, c->nr_roots, c->alloc_roots);
	c->roots[c->nr_roots].path = xstrdup(root);
	c->roots[c->nr_roots].fd = fd;
	c->nr_roots++;
}

/* why, for a template file that could not be read whole. */
static const char *
read_why(int err)
{
	static char big[64];

	if (err != EFBIG)
		return confine_strerror(err);
	snprintf(big, sizeof(big), "larger than %u MiB",
		 TEMPLATE_MAX_BYTES >> 20);
	return big;
}

struct template *
tcache_get(struct tcache *c, const char *root, const char *rel,
	   const char *display, struct diag *d)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	struct template *t = NULL;
	const char *slash, *why;
	int fd;

	strbuf_addf(&path, "%s/%s", root, rel);
	if (c->nr_slots && *cache_slot(c, path.buf)) {
		c->hits++;
		t = *cache_slot(c, path.buf);
		goto out;
	}
	fd = tcache_root(c, root);
	if (fd < 0)
		why = strerror(errno);
	else
		fd = template_open(fd, rel, &why);
	if (fd >= 0 && confine_read_fd(fd, &sb, TEMPLATE_MAX_BYTES))
		why = read_why(errno);
	if (fd >= 0)
		close(fd);
	if (why) {
		struct diag_loc loc = { display, 0, 0 };

		diag_error(d, EXIT_TEMPLATE, &loc, "cannot read template: %s",
			   why);
		goto out;
	}
	t = template_parse(display, sb.buf, sb.len, d);
	if (!t)
		goto out;
	t->path = strbuf_detach(&path, NULL);
	t->base = xstrdup(root);
	slash = strrchr(rel, '/');
	t->dir = xstrndup(rel, slash ? (size_t)(slash - rel) : 0);
	c->parsed++;
	cache_index(c, t);
	ALLOC_GROW(c->t, c->nr, c->alloc);
	c->t[c->nr++] = t;
out:
	strbuf_release(&sb);
	strbuf_release(&path);
	return t;
}

/* ---- renderer ---- */

struct render {
	struct tcache *c;
	struct diag *d;
	struct strbuf *out;
	struct strbuf tmp;
	int depth;			/* include depth */
	size_t max;			/* a cap on out->len */
	int too_long;			/* it was passed */
};

static int
rerr(struct render *r, const struct template *t, const struct tnode *n,
     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
rerr(struct render *r, const struct template *t, const struct tnode *n,
     const char *fmt, ...)
{
	struct diag_loc loc = { t->display, n->line, n->col };
	va_list ap;

	va_start(ap, fmt);
	diag_verror(r->d, EXIT_TEMPLATE, &loc, fmt, ap);
	va_end(ap);
	return -1;
}

/* " (did you mean ...?)" from the names the dictionaries define. */
static const char *
suggest(const struct tdict *dict, const char *name, int sections)
{
	const char *cand[256];
	size_t n = 0, i;

	for (; dict; dict = dict->parent) {
		if (sections)
			for (i = 0; i < dict->nr_secs && n < 256; i++)
				cand[n++] = dict->secs[i].name;
		else
			for (i = 0; i < dict->nr_vars && n < 256; i++)
				cand[n++] = dict->vars[i].name;
	}
	return did_you_mean(name, cand, n);
}

/*
 * sep_of names the section whose body is being rendered (so that its
 * NAME_separator can be recognised) and last says whether this is its
 * final iteration.
 */
static int render_nodes(struct render *r, const struct template *t,
			const struct tnode *n, const struct tdict *dict,
			const char *sep_of, int last);

/*
 * x-yaml-fold at the end of out: the scalar starts at the current column;
 * its continuation lines are indented two past the line's own indent
 * (its "- " list markers included), deeper than the key it belongs to.
 * Inside an indented include the column does not count the include's
 * indent: such a line may end up to that many columns past the width.
 */
static void
add_yaml_folded(struct strbuf *out, const char *v)
{
	size_t bol = out->len, indent;

	while (bol && out->buf[bol - 1] != '\n')
		bol--;
	indent = bol;
	while (indent < out->len && (out->buf[indent] == ' ' ||
	       (out->buf[indent] == '-' && indent + 1 < out->len &&
		out->buf[indent + 1] == ' ')))
		indent++;
	escape_yaml_folded(out, v, out->len - bol, indent - bol,
			   YAML_FOLD_WIDTH);
}

static int
render_var(struct render *r, const struct template *t, const struct tnode *n,
	   const struct tdict *dict)
{
	const char *v;
	unsigned i, fold;

	if (!strcmp(n->name, "BI_SPACE"))
		v = " ";
	else if (!strcmp(n->name, "BI_NEWLINE"))
		v = "\n";
	else
		v = tdict_get(dict, n->name);
	/* {{name:default=TEXT}} stands in for an undefined name too */
	for (i = 0; !v && i < n->nr_mods; i++)
		if (tmod_defines(n->mods[i]))
			v = "";
	if (!v && t->lax)
		v = "";
	if (!v) {
		return rerr(r, t, n, "undefined variable '%s'%s", n->name,
			    suggest(dict, n->name, 0));
	}
	if (!n->nr_mods) {
		strbuf_addstr(r->out, v);
		return 0;
	}
	fold = n->mods[n->nr_mods - 1] == M_YAML_FOLD;
	for (i = 0; i < n->nr_mods - fold; i++) {
		struct strbuf next = STRBUF_INIT;

		if (n->mods[i] >= TMOD_BASE && n->mods[i] < CT_BASE)
			tmod_apply(n->mods[i], n->margs[i],
				   i ? r->tmp.buf : v, &next);
		else
			apply_mod(n->mods[i], i ? r->tmp.buf : v, &next);
		strbuf_release(&r->tmp);
		r->tmp = next;
	}
	if (fold)
		add_yaml_folded(r->out, i ? r->tmp.buf : v);
	else
		strbuf_add(r->out, r->tmp.buf, r->tmp.len);
	strbuf_reset(&r->tmp);
	return 0;
}

static int
render_section(struct render *r, const struct template *t,
	       const struct tnode *n, const struct tdict *dict,
	       const char *sep_of, int last)
{
	const struct tsec *s;
	size_t i, plen;

	/* NAME_separator inside NAME: shown between iterations only */
	plen = sep_of ? strlen(sep_of) : 0;
	if (sep_of && n->kind == TN_SECTION && !strncmp(n->name, sep_of, plen)
	    && !strcmp(n->name + plen, "_separator")) {
		if (last)
			return 0;
		return render_nodes(r, t, n->child, dict, NULL, 1);
	}
	s = tdict_section(dict, n->name);
	if (!s && t->lax)
		return n->kind == TN_INVERTED ?
		       render_nodes(r, t, n->child, dict, NULL, 1) : 0;
	if (!s) {
		return rerr(r, t, n, "undefined section '%s'%s", n->name,
			    suggest(dict, n->name, 1));
	}
	if (n->kind == TN_INVERTED)
		return s->nr ? 0 : render_nodes(r, t, n->child, dict, NULL, 1);
	for (i = 0; i < s->nr; i++)
		if (render_nodes(r, t, n->child, s->items[i], n->name,
				 i + 1 == s->nr))
			return -1;
	return 0;
}

/*
 * ctemplate's PrefixLine on out from start: prefix after every line
 * break ("\n", "\r" or "\r\n"), the last one included.  Stops past max
 * (a long prefix times many lines is any size): the caller's check
 * then reports it.
 */
static void
prefix_lines(struct strbuf *out, size_t start, const char *prefix,
	     size_t max)
{
	struct strbuf tail = STRBUF_INIT;
	size_t i;

	if (out->len == start)
		return;
	strbuf_add(&tail, out->buf + start, out->len - start);
	/* a truncation strbuf.h has no call for */
	out->len = start;
	out->buf[start] = '\0';
	for (i = 0; i < tail.len && out->len <= max; i++) {
		strbuf_addch(out, tail.buf[i]);
		if (tail.buf[i] == '\r' && i + 1 < tail.len &&
		    tail.buf[i + 1] == '\n')
			continue;
		if (tail.buf[i] == '\n' || tail.buf[i] == '\r')
			strbuf_addstr(out, prefix);
	}
	strbuf_release(&tail);
}

static int
render_include(struct render *r, const struct template *t,
	       const struct tnode *n, const struct tdict *dict)
{
	struct strbuf rel = STRBUF_INIT, disp = STRBUF_INIT;
	const char *slash = strrchr(t->display, '/');
	struct template *inc;
	const char *why, *vcs;
	int ret, fd;
	size_t start;

	if (!t->base)
		return rerr(r, t, n, "cannot include '%s': the template has "
			    "no directory", n->name);
	/* relative to the includer, never out of its root (the parser
	 * refused absolute names and any "..") */
	strbuf_addf(&rel, "%s%s%s", t->dir, *t->dir ? "/" : "", n->name);
	/* a template's VCS metadata is never data (the walk skips it) */
	vcs = path_vcs_component(rel.buf);
	if (vcs) {
		ret = rerr(r, t, n, "cannot include '%s': '%.*s' is "
			   "version-control metadata", n->name,
			   (int)strcspn(vcs, "/"), vcs);
		strbuf_release(&rel);
		return ret;
	}
	/* checked first, so that the error names the include's line */
	fd = tcache_root(r->c, t->base);
	if (fd < 0)
		why = strerror(errno);
	else
		fd = template_open(fd, rel.buf, &why);
	if (fd < 0) {
		strbuf_release(&rel);
		return rerr(r, t, n, "cannot include '%s': %s", n->name, why);
	}
	close(fd);
	if (slash)
		strbuf_add(&disp, t->display,
			   (size_t)(slash - t->display + 1));
	strbuf_addstr(&disp, n->name);
	inc = tcache_get(r->c, t->base, rel.buf, disp.buf, r->d);
	strbuf_release(&rel);
	strbuf_release(&disp);
	if (!inc)
		return -1;
	if (inc->rendering || r->depth >= MAX_INCLUDE_DEPTH)
		return rerr(r, t, n, "cannot include '%s': the include is "
			    "recursive", n->name);
	inc->rendering = 1;
	r->depth++;
	start = r->out->len;
	ret = render_nodes(r, inc, inc->root, dict, NULL, 1);
	r->depth--;
	inc->rendering = 0;
	if (!ret && n->indent)
		prefix_lines(r->out, start, n->indent, r->max);
	return ret;
}

static int
render_nodes(struct render *r, const struct template *t,
	     const struct tnode *n, const struct tdict *dict,
	     const char *sep_of, int last)
{
	for (; n; n = n->next) {
		int ret = 0;

		switch (n->kind) {
		case TN_TEXT:
			strbuf_add(r->out, n->text, n->len);
			break;
		case TN_VAR:
			ret = render_var(r, t, n, dict);
			break;
		case TN_SECTION:
		case TN_INVERTED:
			ret = render_section(r, t, n, dict, sep_of, last);
			break;
		case TN_INCLUDE:
			ret = render_include(r, t, n, dict);
			break;
		}
		if (ret)
			return -1;
		/* a few bytes of sections and includes can make any size:
		 * stopped here, not by a failed allocation */
		if (r->out->len > r->max) {
			r->too_long = 1;
			return -1;
		}
	}
	return 0;
}

/* Renders t into out, at most max bytes: -1 with too_long set past it,
 * and no diagnostic for that. */
static int
render_capped(struct template *t, const struct tdict *dict,
	      struct tcache *c, struct strbuf *out, size_t max,
	      struct diag *d, int *too_long)
{
	struct render r;
	int ret;

	r.c = c;
	r.d = d;
	r.out = out;
	strbuf_init(&r.tmp, 0);
	r.depth = 0;
	r.max = max;
	r.too_long = 0;
	c->renders++;
	t->rendering = 1;
	ret = render_nodes(&r, t, t->root, dict, NULL, 1);
	t->rendering = 0;
	strbuf_release(&r.tmp);
	*too_long = r.too_long;
	return ret;
}

int
template_render(struct template *t, const struct tdict *dict,
		struct tcache *c, struct strbuf *out, struct diag *d)
{
	int too_long, ret = render_capped(t, dict, c, out, TEMPLATE_MAX_BYTES,
					  d, &too_long);

	if (too_long) {
		struct diag_loc loc = { t->display, 0, 0 };

		diag_error(d, EXIT_TEMPLATE, &loc, "cannot render template: "
			   "the text would be larger than %u MiB",
			   TEMPLATE_MAX_BYTES >> 20);
	}
	return ret;
}

char *
template_render_capped(const char *display, const char *src,
		       const struct tdict *dict, size_t max, struct diag *d)
{
	struct strbuf out = STRBUF_INIT;
	struct template *t = template_parse(display, src, strlen(src), d);
	struct tcache c;
	int ret = -1, too_long = 0;

	tcache_init(&c);
	if (t)
		ret = render_capped(t, dict, &c, &out, max, d, &too_long);
	template_free(t);
	tcache_release(&c);
	if (ret) {
		strbuf_release(&out);
		errno = too_long ? EFBIG : 0;
		return NULL;
	}
	return strbuf_detach(&out, NULL);
}

char *
template_render_string(const char *display, const char *src,
		       const struct tdict *dict, struct diag *d)
{
	char *out = template_render_capped(display, src, dict,
					   TEMPLATE_MAX_BYTES, d);

	if (!out && errno == EFBIG) {
		struct diag_loc loc = { display, 0, 0 };

		diag_error(d, EXIT_TEMPLATE, &loc, "cannot render template: "
			   "the text would be larger than %u MiB",
			   TEMPLATE_MAX_BYTES >> 20);
	}
	return out;
}
