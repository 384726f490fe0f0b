/* SPDX-License-Identifier: MIT */
/*
 * ytree.c - libyaml event stream to a position-keeping tree.
 */
#include "compat.h"
#include <ctype.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include "confine.h"
#include "hash.h"
#include "strbuf.h"
#include "wrapper.h"
#include "ytree.h"

struct ynode *
ynode_new(enum ynode_kind kind, const char *file, unsigned line,
	  unsigned col)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->file = file;
	n->line = line;
	n->col = col;
	return n;
}

void
ynode_append(struct ynode *parent, struct ynode *key, struct ynode *val)
{
	if (parent->nr + 1 > parent->alloc) {
		parent->alloc = parent->alloc ? parent->alloc * 2 : 4;
		parent->vals = xrealloc(parent->vals,
					parent->alloc * sizeof(*parent->vals));
		if (parent->kind == Y_MAP)
			parent->keys = xrealloc(parent->keys, parent->alloc *
						sizeof(*parent->keys));
	}
	if (parent->kind == Y_MAP)
		parent->keys[parent->nr] = key;
	parent->vals[parent->nr++] = val;
}

void
ynode_free(struct ynode *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nr; i++) {
		if (n->keys)
			ynode_free(n->keys[i]);
		ynode_free(n->vals[i]);
	}
	free(n->keys);
	free(n->vals);
	free(n->str);
	free(n);
}

struct ynode *
ynode_dup(const struct ynode *n)
{
	struct ynode *c = ynode_new(n->kind, n->file, n->line, n->col);
	size_t i;

	c->quoted = n->quoted;
	c->str = n->str ? xstrdup(n->str) : NULL;
	for (i = 0; i < n->nr; i++)
		ynode_append(c, n->keys ? ynode_dup(n->keys[i]) : NULL,
			     ynode_dup(n->vals[i]));
	return c;
}

struct ynode *
ymap_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (!map || map->kind != Y_MAP)
		return NULL;
	for (i = 0; i < map->nr; i++)
		if (!strcmp(map->keys[i]->str, key))
			return map->vals[i];
	return NULL;
}

struct diag_loc
ynode_loc(const struct ynode *n)
{
	struct diag_loc loc = { NULL, 0, 0 };

	if (n) {
		loc.file = n->file;
		loc.line = n->line;
		loc.col = n->col;
	}
	return loc;
}

int
ynode_error(struct diag *d, int code, const struct ynode *n, const char *fmt,
	    ...)
{
	struct diag_loc loc = ynode_loc(n);
	va_list ap;

	va_start(ap, fmt);
	diag_verror(d, code, n ? &loc : NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int
ynode_is_null(const struct ynode *n)
{
	if (!n)
		return 1;
	if (n->kind != Y_SCALAR || n->quoted)
		return 0;
	return !*n->str || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

const char *
ynode_kind_name(const struct ynode *n)
{
	long l;
	int b;

	if (ynode_is_null(n))
		return "null";
	if (n->kind == Y_MAP)
		return "a mapping";
	if (n->kind == Y_SEQ)
		return "a list";
	if (!ynode_bool(n, &b))
		return "a boolean";
	if (!ynode_long(n, &l))
		return "an integer";
	return "a string";
}

int
ynode_bool(const struct ynode *n, int *out)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	size_t i;

	if (!n || n->kind != Y_SCALAR || n->quoted)
		return -1;
	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(n->str, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcmp(n->str, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
ynode_long(const struct ynode *n, long *out)
{
	char *end;
	long v;

	if (!n || n->kind != Y_SCALAR || n->quoted || !*n->str)
		return -1;
	errno = 0;
	v = strtol(n->str, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

struct builder {
	const char *file;
	struct diag *d;
	int code;
	struct ynode *stack[YTREE_MAX_DEPTH + 1];
	struct ynode *pending_key[YTREE_MAX_DEPTH + 1];
	/* the keys of each open mapping past SCAN_KEYS, for the duplicate
	 * check: a scan per key made a 1 MiB mapping quadratic (minutes) */
	struct hashmap seen[YTREE_MAX_DEPTH + 1];
	int depth;
	struct ynode *root;
};

static int
builder_error(struct builder *b, const yaml_mark_t *m, const char *what)
{
	struct diag_loc loc = { b->file, 0, 0 };

	if (m) {
		loc.line = (unsigned)m->line + 1;
		loc.col = (unsigned)m->column + 1;
	}
	return diag_error(b->d, b->code, &loc, "invalid YAML: %s", what);
}

#define SCAN_KEYS 8	/* below this, a scan is cheaper than a table */

/* The key of top that n repeats, or NULL; remembers n's key. */
static const struct ynode *
builder_seen(struct builder *b, const struct ynode *top,
	     const struct ynode *n)
{
	struct hashmap *h = &b->seen[b->depth - 1];
	size_t i;

	if (top->nr < SCAN_KEYS) {
		for (i = 0; i < top->nr; i++)
			if (!strcmp(top->keys[i]->str, n->str))
				return top->keys[i];
		return NULL;
	}
	if (!h->nr)
		for (i = 0; i < top->nr; i++)
			hashmap_put(h, top->keys[i]->str, top->keys[i]);
	/* n is not placed yet: it goes in with its value (ynode_append
	 * keeps the node, so its str stays where the table points) */
	return hashmap_put(h, n->str, (void *)n);
}

/*
 * Places a finished node under the current container.  Takes n in every
 * case: on failure it is freed here, never by the caller.
 */
static int
builder_place(struct builder *b, struct ynode *n, const yaml_mark_t *m)
{
	const struct ynode *first;
	struct ynode *top;

	if (!b->depth) {
		b->root = n;
		return 0;
	}
	top = b->stack[b->depth - 1];
	if (top->kind == Y_SEQ) {
		ynode_append(top, NULL, n);
		return 0;
	}
	if (!b->pending_key[b->depth - 1]) {
		if (n->kind != Y_SCALAR) {
			ynode_free(n);
			return builder_error(b, m, "only plain keys are "
					     "supported");
		}
		first = builder_seen(b, top, n);
		if (first) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "duplicate key '%s' (first at line "
				    "%u)", n->str, first->line);
			builder_error(b, m, sb.buf);
			strbuf_release(&sb);
			ynode_free(n);
			return -1;
		}
		b->pending_key[b->depth - 1] = n;
		return 0;
	}
	ynode_append(top, b->pending_key[b->depth - 1], n);
	b->pending_key[b->depth - 1] = NULL;
	return 0;
}

static int
builder_event(struct builder *b, yaml_event_t *ev)
{
	const yaml_mark_t *m = &ev->start_mark;
	unsigned line = (unsigned)m->line + 1, col = (unsigned)m->column + 1;
	struct ynode *n;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return builder_error(b, m, "aliases are not supported");
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor)
			return builder_error(b, m, "anchors are not supported");
		if (memchr(ev->data.scalar.value, '\0',
			   ev->data.scalar.length))
			return builder_error(b, m, "NUL character in a scalar");
		n = ynode_new(Y_SCALAR, b->file, line, col);
		n->str = xstrndup((const char *)ev->data.scalar.value,
				  ev->data.scalar.length);
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		return builder_place(b, n, m);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if ((ev->type == YAML_SEQUENCE_START_EVENT &&
		     ev->data.sequence_start.anchor) ||
		    (ev->type == YAML_MAPPING_START_EVENT &&
		     ev->data.mapping_start.anchor))
			return builder_error(b, m, "anchors are not supported");
		if (b->depth >= YTREE_MAX_DEPTH)
			return builder_error(b, m, "nesting too deep");
		n = ynode_new(ev->type == YAML_MAPPING_START_EVENT ? Y_MAP :
			      Y_SEQ, b->file, line, col);
		if (b->depth && b->stack[b->depth - 1]->kind == Y_MAP &&
		    !b->pending_key[b->depth - 1]) {
			ynode_free(n);
			return builder_error(b, m, "only plain keys are "
					     "supported");
		}
		b->pending_key[b->depth] = NULL;
		b->stack[b->depth++] = n;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		n = b->stack[--b->depth];
		b->stack[b->depth] = NULL;
		hashmap_clear(&b->seen[b->depth]);
		/* builder_place() owns n, also when it fails */
		return builder_place(b, n, m);
	case YAML_DOCUMENT_START_EVENT:
		if (b->root)
			return builder_error(b, m, "more than one document");
		return 0;
	default:
		return 0;
	}
}

static void
builder_clear(struct builder *b)
{
	int i;

	/* Open containers are not placed yet: each owns its own subtree. */
	for (i = 0; i < b->depth; i++) {
		ynode_free(b->pending_key[i]);
		ynode_free(b->stack[i]);
		hashmap_clear(&b->seen[i]);
	}
	ynode_free(b->root);
}

int
ytree_parse_buf(const char *name, const char *buf, size_t len,
		struct ynode **out, struct diag *d, int code)
{
	struct builder b;
	yaml_parser_t parser;
	yaml_event_t ev;
	int ret = -1, done = 0;

	memset(&b, 0, sizeof(b));
	b.file = name;
	b.d = d;
	b.code = code;
	*out = NULL;
	if (!yaml_parser_initialize(&parser))
		return diag_error(d, EXIT_INTERNAL, NULL,
				  "cannot initialise the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			yaml_mark_t m = parser.problem_mark;
			struct strbuf sb = STRBUF_INIT;

			strbuf_addstr(&sb, parser.problem ? parser.problem :
				      "parse error");
			if (parser.context)
				strbuf_addf(&sb, " %s", parser.context);
			builder_error(&b, &m, sb.buf);
			strbuf_release(&sb);
			goto out;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		if (builder_event(&b, &ev) < 0) {
			yaml_event_delete(&ev);
			goto out;
		}
		yaml_event_delete(&ev);
	}
	*out = b.root;
	b.root = NULL;
	ret = 0;
out:
	builder_clear(&b);
	yaml_parser_delete(&parser);
	return ret;
}

int
ytree_parse_file(const char *path, struct ynode **out, struct diag *d,
		 int code)
{
	struct diag_loc loc = { path, 0, 0 };
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return diag_error(d, code, &loc, "cannot read file: %s",
				  strerror(errno));
	if (fstat(fd, &st) < 0) {
		ret = errno;
		close(fd);
		return diag_error(d, code, &loc, "cannot read file: %s",
				  strerror(ret));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return diag_error(d, code, &loc, "cannot read file: "
				  "not a regular file");
	}
	if (confine_read_fd(fd, &sb, YTREE_MAX_BYTES)) {
		int e = errno;

		close(fd);
		strbuf_release(&sb);
		if (e == EFBIG)
			return diag_error(d, code, &loc, "cannot read file: "
					  "larger than %zu KiB",
					  YTREE_MAX_BYTES >> 10);
		return diag_error(d, code, &loc, "cannot read file: %s",
				  confine_strerror(e));
	}
	close(fd);
	ret = ytree_parse_buf(path, sb.buf, sb.len, out, d, code);
	strbuf_release(&sb);
	return ret;
}

/*
 * The code point at s (len bytes left) into *cp; its length, or 0 if
 * the bytes are not valid UTF-8 (overlong, surrogate, beyond U+10FFFF).
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, unsigned long *cp)
{
	static const unsigned long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, i;

	if (s[0] < 0x80)
		n = 1;
	else if ((s[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	*cp = n == 1 ? s[0] : s[0] & (0x3f >> (n - 1));
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min[n] || *cp > 0x10ffff ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

size_t
ytree_utf8_decode(const unsigned char *s, size_t len, unsigned long *cp)
{
	return utf8_decode(s, len, cp);
}

int
ytree_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t n;

	for (; len; p += n, len -= n)
		if (!(n = utf8_decode(p, len, &cp)))
			return 0;
	return 1;
}

/*
 * Characters that cannot stand raw in a double-quoted scalar: what
 * libyaml's reader refuses (its printable set is YAML 1.1's, without
 * U+FEFF inside a document), what it folds (line breaks), and the two
 * characters that end or escape the scalar.
 */
static int
needs_escape(unsigned long cp)
{
	return cp < 0x20 || cp == '"' || cp == '\\' ||
		(cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
		cp == 0xfeff || cp == 0xfffe || cp == 0xffff;
}

/* A scalar that reads back as the same string when written plain. */
static int
plain_ok(const char *s)
{
	/*
	 * YAML 1.1 booleans (yamllint and PyYAML read them as such) and
	 * nulls; true and false stay plain: a feature's true is a bool
	 */
	static const char *const words[] = {
		"y", "yes", "n", "no", "on", "off", "null", "~",
	};
	const char *p;
	int dots = 0, digits = 0, other = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcasecmp(s, words[i]))
			return 0;
	if (!*s || strchr("-?:,[]{}#&*!|>'\"%@` \t", *s) ||
	    s[strlen(s) - 1] == ' ' || s[strlen(s) - 1] == ':' ||
	    strstr(s, ": ") || strstr(s, " #"))
		return 0;
	for (p = s; *p; p++) {
		/* plain: printable ASCII only; the rest is escaped */
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return 0;
		if (*p == '.')
			dots++;
		else if (isdigit((unsigned char)*p))
			digits++;
		else
			other++;
	}
	/* "3.11" would read back as a float: keep it a string */
	return !(dots && digits && !other);
}

static void
add_escaped(struct strbuf *sb, unsigned long cp)
{
	static const char short_esc[][3] = {
		['\t'] = "\\t", ['\n'] = "\\n", ['\r'] = "\\r",
		['"'] = "\\\"", ['\\'] = "\\\\",
	};

	if (cp < ARRAY_SIZE(short_esc) && short_esc[cp][0])
		strbuf_addstr(sb, short_esc[cp]);
	else if (cp == 0x85)
		strbuf_addstr(sb, "\\N");
	else if (cp == 0x2028)
		strbuf_addstr(sb, "\\L");
	else if (cp == 0x2029)
		strbuf_addstr(sb, "\\P");
	else if (cp <= 0xff)
		strbuf_addf(sb, "\\x%02lX", cp);
	else
		strbuf_addf(sb, "\\u%04lX", cp);
}

void
ytree_add_scalar(struct strbuf *sb, const char *s, int quote)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n;
	unsigned long cp;

	if (!quote && plain_ok(s)) {
		strbuf_addstr(sb, s);
		return;
	}
	strbuf_addch(sb, '"');
	for (; len; p += n, len -= n) {
		n = utf8_decode(p, len, &cp);
		if (!n) {
			/* never raw: the file must parse */
			strbuf_addstr(sb, "\\uFFFD");
			n = 1;
		} else if (needs_escape(cp)) {
			add_escaped(sb, cp);
		} else {
			strbuf_add(sb, (const char *)p, n);
		}
	}
	strbuf_addch(sb, '"');
}
