/* SPDX-License-Identifier: MIT */
/*
 * cond.c - the `when:` conditions of a template manifest (see cond.h):
 * a recursive-descent parser that evaluates as it parses, so that the
 * manifest's checks and the answers' evaluation share one grammar.  A
 * condition is input: its length and nesting are capped, every error
 * names the token's file:line:col.
 */
#include "compat.h"
#include <ctype.h>
#include "cond.h"
#include "strbuf.h"
#include "wrapper.h"

#define COND_MAX_LEN 1024
#define COND_MAX_DEPTH 32

enum tok { T_END, T_WORD, T_STRING, T_LPAREN, T_RPAREN, T_LBRACKET,
	   T_RBRACKET, T_COMMA, T_EQ, T_NE, T_BAD };

struct cparse {
	const char *src, *pos;
	const struct ynode *where;
	const struct cond_env *env;
	struct diag *d;
	enum tok tok;
	const char *start;		/* the current token */
	char text[COND_MAX_LEN + 1];	/* its text (a string unquoted) */
	int depth;
};

static int
cerror(struct cparse *c, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
cerror(struct cparse *c, const char *at, const char *fmt, ...)
{
	struct diag_loc loc = { NULL, 0, 0 };
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	int ret;

	if (c->where) {
		loc.file = c->where->file;
		loc.line = c->where->line;
		/* a one-line scalar: its text starts after the quote */
		loc.col = c->where->col + (unsigned)!!c->where->quoted +
			  (unsigned)(at - c->src);
	}
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	ret = diag_error(c->d, EXIT_TEMPLATE, c->where ? &loc : NULL,
			 "invalid condition '%s': %s", c->src, msg.buf);
	strbuf_release(&msg);
	return ret;
}

static int
word_char(int ch)
{
	return ch && !isspace(ch) && !strchr("()[],'\"=!", ch);
}

/* Reads the next token into c->tok / c->text. */
static int
next(struct cparse *c)
{
	const char *p = c->pos;
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	c->start = p;
	c->text[0] = '\0';
	if (!*p) {
		c->tok = T_END;
	} else if (*p == '(' || *p == ')' || *p == '[' || *p == ']' ||
		   *p == ',') {
		c->tok = *p == '(' ? T_LPAREN : *p == ')' ? T_RPAREN :
			 *p == '[' ? T_LBRACKET : *p == ']' ? T_RBRACKET :
			 T_COMMA;
		p++;
	} else if ((p[0] == '=' || p[0] == '!') && p[1] == '=') {
		c->tok = p[0] == '=' ? T_EQ : T_NE;
		p += 2;
	} else if (*p == '"' || *p == '\'') {
		char q = *p++;

		while (*p && *p != q)
			c->text[n++] = *p++;
		c->text[n] = '\0';
		if (!*p)
			return cerror(c, c->start, "unterminated string");
		p++;
		c->tok = T_STRING;
	} else if (word_char((unsigned char)*p)) {
		while (word_char((unsigned char)*p))
			c->text[n++] = *p++;
		c->text[n] = '\0';
		c->tok = T_WORD;
	} else {
		return cerror(c, p, "unexpected '%c'", *p);
	}
	c->pos = p;
	return 0;
}

static int
is_kw(const struct cparse *c, const char *kw)
{
	return c->tok == T_WORD && !strcmp(c->text, kw);
}

static int
is_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int
var(struct cparse *c, const char *at, const char *name, struct cond_var *v)
{
	const char *why;

	memset(v, 0, sizeof(*v));
	if (!is_name(name) || !strcmp(name, "and") || !strcmp(name, "or") ||
	    !strcmp(name, "not") || !strcmp(name, "in"))
		return cerror(c, at, "expected a variable name, found '%s'",
			      name);
	if (!c->env->lookup(c->env->data, name, v))
		return 0;
	why = c->env->explain ? c->env->explain(c->env->data, name) : NULL;
	if (why)
		return cerror(c, at, "%s", why);
	return cerror(c, at, "unknown variable '%s'%s", name,
		      did_you_mean(name, c->env->cand, c->env->nr_cand));
}

static int
truthy(const struct cond_var *v)
{
	return v->active && v->value && *v->value &&
	       strcmp(v->value, "false") && strcmp(v->value, "0") &&
	       strcmp(v->value, "no");
}

/* Is item one of the comma-separated values of list (trimmed)? */
static int
in_list(const char *list, const char *item)
{
	size_t n = strlen(item);

	while (list && *list) {
		const char *e = list + strcspn(list, ",");
		const char *s = list, *t = e;

		while (s < t && isspace((unsigned char)*s))
			s++;
		while (t > s && isspace((unsigned char)t[-1]))
			t--;
		if ((size_t)(t - s) == n && !strncmp(s, item, n))
			return 1;
		list = *e ? e + 1 : e;
	}
	return 0;
}

/* "in" [a, b] or "in" NAME, after the keyword; value is the left side. */
static int
parse_in(struct cparse *c, const char *value, int *res)
{
	struct cond_var lv;

	*res = 0;
	if (next(c))
		return -1;
	if (c->tok == T_WORD) {
		if (var(c, c->start, c->text, &lv))
			return -1;
		*res = value && lv.active && in_list(lv.value, value);
		return next(c);
	}
	if (c->tok != T_LBRACKET)
		return cerror(c, c->start, "expected a list [a, b] or a "
			      "variable after 'in'");
	for (;;) {
		if (next(c))
			return -1;
		if (c->tok != T_WORD && c->tok != T_STRING)
			return cerror(c, c->start, "expected a value in the "
				      "list");
		if (value && !strcmp(value, c->text))
			*res = 1;
		if (next(c))
			return -1;
		if (c->tok == T_RBRACKET)
			return next(c);
		if (c->tok != T_COMMA)
			return cerror(c, c->start, "expected ',' or ']'");
	}
}

static int parse_or(struct cparse *c, int *res);

/* NAME, NAME == V, NAME != V, NAME [not] in LIST */
static int
parse_test(struct cparse *c, int *res)
{
	const char *at = c->start;
	char literal[COND_MAX_LEN + 1];
	struct cond_var v;
	enum tok op;
	int neg = 0;

	if (c->tok == T_STRING) {
		/* 'x' in LIST: a literal only makes sense with in */
		memcpy(literal, c->text, sizeof(literal));
		v.value = literal;
		v.active = 1;
	} else if (c->tok != T_WORD) {
		return cerror(c, c->start, c->tok == T_END ? "expected a "
			      "variable name at the end" : "expected a "
			      "variable name");
	} else if (var(c, at, c->text, &v)) {
		return -1;
	}
	if (next(c))
		return -1;
	if (is_kw(c, "not")) {
		if (next(c))
			return -1;
		if (!is_kw(c, "in"))
			return cerror(c, c->start, "expected 'in' after "
				      "'not'");
		neg = 1;
	}
	if (is_kw(c, "in")) {
		if (parse_in(c, v.active ? v.value : NULL, res))
			return -1;
		*res ^= neg;
		return 0;
	}
	if (v.value == literal)
		return cerror(c, c->start, "expected 'in' after the string");
	if (c->tok != T_EQ && c->tok != T_NE) {
		*res = truthy(&v);
		return 0;
	}
	op = c->tok;
	if (next(c))
		return -1;
	if (c->tok != T_WORD && c->tok != T_STRING)
		return cerror(c, c->start, "expected a value after '%s'",
			      op == T_EQ ? "==" : "!=");
	*res = (v.active && v.value && !strcmp(v.value, c->text)) ^
	       (op == T_NE);
	return next(c);
}

static int
parse_unary(struct cparse *c, int *res)
{
	const char *at = c->start;
	int r;

	/* the innermost test is a level too: 32 groups around it pass */
	if (++c->depth > COND_MAX_DEPTH + 1)
		return cerror(c, at, "nested deeper than %d", COND_MAX_DEPTH);
	if (is_kw(c, "not")) {
		if (next(c) || parse_unary(c, res))
			return -1;
		*res = !*res;
	} else if (c->tok == T_LPAREN) {
		if (next(c) || parse_or(c, res))
			return -1;
		if (c->tok != T_RPAREN)
			return cerror(c, c->start, "expected ')' to close the "
				      "'(' at column %u", (unsigned)(at -
				      c->src) + 1);
		if (next(c))
			return -1;
	} else {
		r = parse_test(c, res);
		if (r)
			return r;
	}
	c->depth--;
	return 0;
}

static int
parse_and(struct cparse *c, int *res)
{
	int rhs;

	if (parse_unary(c, res))
		return -1;
	while (is_kw(c, "and")) {
		if (next(c) || parse_unary(c, &rhs))
			return -1;
		*res = *res && rhs;
	}
	return 0;
}

static int
parse_or(struct cparse *c, int *res)
{
	int rhs;

	if (parse_and(c, res))
		return -1;
	while (is_kw(c, "or")) {
		if (next(c) || parse_and(c, &rhs))
			return -1;
		*res = *res || rhs;
	}
	return 0;
}

int
cond_eval(const char *expr, const struct ynode *where,
	  const struct cond_env *env, int *result, struct diag *d)
{
	struct cparse c;

	memset(&c, 0, sizeof(c));
	c.src = c.pos = c.start = expr;
	c.where = where;
	c.env = env;
	c.d = d;
	*result = 0;
	if (strlen(expr) > COND_MAX_LEN)
		return cerror(&c, expr, "longer than %d bytes", COND_MAX_LEN);
	if (next(&c) || parse_or(&c, result))
		return -1;
	if (c.tok != T_END)
		return cerror(&c, c.start, "unexpected '%.*s'",
			      (int)strcspn(c.start, " \t"), c.start);
	return 0;
}
