/* SPDX-License-Identifier: MIT */
/*
 * pytext.h - Python source that `ruff format` (black) and `ruff check`
 * (E501 at the project's line length) leave exactly as generated, for
 * the built-in plugins that write Python (python, fastapi, docs).  Each
 * of them is one .c built into one .so, so these are static inline
 * functions rather than a library.  Not part of the SDK.
 *
 * Every function returns a string from malloc() (the caller frees it),
 * or NULL when out of memory.  Widths count code points, as flake8 and
 * ruff count a line's length; a word longer than a line stands alone
 * on its line, which E501 allows inside a docstring.
 */
#ifndef KHORA_PYTEXT_H
#define KHORA_PYTEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "khora-plugin.h"

static inline size_t
pytext_width(const char *s, size_t n)
{
	size_t w = 0;

	for (; n; s++, n--)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* the project's line length: python's option, or ruff's default */
static inline size_t
pytext_line_length(khora_ctx *ctx, const struct khora_host *h)
{
	const char *len = h->project(ctx, "python.line_length");
	long width = len ? strtol(len, NULL, 10) : 88;

	return width > 0 ? (size_t)width : 88;
}

/*
 * The length of the blank at s, 0 for none: white space, the C0 and C1
 * controls, DEL and the line and paragraph separators (which str's
 * splitlines(), and so black, takes for line breaks), as the escaping
 * routines never write them raw either.
 */
static inline size_t
pytext_blank(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (*u && (*u <= ' ' || *u == 0x7f))
		return 1;
	if (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f)
		return 2;
	if (u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xa9))
		return 3;
	return 0;
}

/*
 * Words of TEXT wrapped to WIDTH, the first line starting at column COL,
 * for the body of a docstring: one blank for any run of white space or
 * control characters, backslashes doubled, and a backslash before each
 * '"' that another follows or that starts or ends the text, so that
 * nothing next to the quotes of the docstring ends it early.  The
 * output takes up to 3 bytes a byte: 2 for an escape, and a huge word
 * is cut every 4 KiB with a line break the text did not have.
 */
static inline char *
pytext_wrap(const char *text, size_t width, size_t col)
{
	char *out = malloc(3 * strlen(text) + 1), *o = out;
	const char *start = text;
	int first = 1;

	if (!out)
		return NULL;
	while (*text) {
		char word[4096], *w = word;
		size_t n;

		while (pytext_blank(text))
			text += pytext_blank(text);
		/* a huge word is cut, but never inside a UTF-8 sequence */
		while (*text && !pytext_blank(text) &&
		       (w < word + sizeof(word) - 8 ||
			((unsigned char)*text & 0xc0) == 0x80)) {
			if (*text == '\\' || (*text == '"' &&
			    (text == start || text[1] == '"' || !text[1])))
				*w++ = '\\';
			*w++ = *text++;
		}
		n = (size_t)(w - word);
		if (!n)
			continue;
		if (!first && col + 1 + pytext_width(word, n) > width) {
			*o++ = '\n';
			col = 0;
		} else if (!first) {
			*o++ = ' ';
			col++;
		}
		first = 0;
		memcpy(o, word, n);
		o += n;
		col += pytext_width(word, n);
	}
	*o = '\0';
	return out;
}

/*
 * Prose in a docstring is wrapped at 72 columns, as PEP 8 asks, or at a
 * shorter line length.
 */
static inline size_t
pytext_doc_width(size_t width)
{
	return width < 72 ? width : 72;
}

/*
 * A paragraph that starts with four blanks is a literal block (commands
 * to type), kept line by line when each line fits WIDTH and holds
 * nothing to escape; otherwise it is wrapped as prose.
 */
static inline int
pytext_literal(const char *p, size_t width)
{
	const char *eol;

	if (strncmp(p, "    ", 4) || strpbrk(p, "\\\""))
		return 0;
	for (; *p; p = *eol ? eol + 1 : eol) {
		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		if (pytext_width(p, (size_t)(eol - p)) > width)
			return 0;
	}
	return 1;
}

/*
 * A module docstring of NR paragraphs (NULL or empty ones are left
 * out), quotes included, for a file of line length WIDTH: on one line
 * when it is one paragraph that fits, else the paragraphs wrapped (see
 * pytext_doc_width) and the closing quotes on a line of their own, as
 * black leaves a multi-line docstring.
 */
static inline char *
pytext_docstring(const char *const *paras, size_t nr, size_t width)
{
	size_t i, len = 8, used = 0, full = 0;
	const char *only = NULL;
	char *out, *o, *p;

	for (i = 0; i < nr; i++) {
		len += paras[i] ? 3 * strlen(paras[i]) + 2 : 0;
		if (paras[i] && *paras[i] && ++full)
			only = paras[i];
	}
	out = malloc(len);
	if (!out)
		return NULL;
	/* one paragraph: on one line up to the line length, not 72 */
	p = full == 1 ? pytext_wrap(only, (size_t)-1, 3) : NULL;
	if (p && pytext_width(p, strlen(p)) + 6 <= width) {
		snprintf(out, len, "\"\"\"%s\"\"\"", p);
		free(p);
		return out;
	}
	free(p);
	o = out + 3;
	memcpy(out, "\"\"\"", 3);
	for (i = 0; i < nr; i++) {
		if (!paras[i] || !*paras[i])
			continue;
		if (used && pytext_literal(paras[i], width)) {
			p = malloc(strlen(paras[i]) + 1);
			if (p)
				memcpy(p, paras[i], strlen(paras[i]) + 1);
		} else {
			p = pytext_wrap(paras[i], pytext_doc_width(width),
					used ? 0 : 3);
		}
		if (!p) {
			free(out);
			return NULL;
		}
		if (used++) {
			memcpy(o, "\n\n", 2);
			o += 2;
		}
		memcpy(o, p, strlen(p));
		o += strlen(p);
		free(p);
	}
	*o = '\0';
	if (used > 1 || strchr(out, '\n') ||
	    pytext_width(out, (size_t)(o - out)) + 3 > width)
		*o++ = '\n';
	memcpy(o, "\"\"\"", 4);
	return out;
}

/* Sets the variable name to a docstring of paras at the line length. */
static inline int
pytext_set_docstring(khora_ctx *ctx, const struct khora_host *h,
		     const char *name, const char *const *paras, size_t nr)
{
	char *doc = pytext_docstring(paras, nr, pytext_line_length(ctx, h));
	int ret;

	if (!doc)
		return h->error(ctx, "out of memory");
	ret = h->set_var(ctx, name, doc);
	free(doc);
	return ret;
}

/*
 * NAME = LITERAL as black writes it: on one line when it fits, else the
 * literal alone in parentheses when that fits (black leaves a literal
 * too long for both on the one line).
 */
static inline char *
pytext_assign(const char *name, const char *literal, size_t width)
{
	size_t n = strlen(name) + strlen(literal) + 16;
	char *out = malloc(n);

	if (!out)
		return NULL;
	if (pytext_width(name, strlen(name)) + 3 +
	    pytext_width(literal, strlen(literal)) <= width ||
	    4 + pytext_width(literal, strlen(literal)) > width)
		snprintf(out, n, "%s = %s", name, literal);
	else
		snprintf(out, n, "%s = (\n    %s\n)", name, literal);
	return out;
}

/* the Python literal of the N bytes at S, from quote_python */
static inline char *
pytext_quote_n(khora_ctx *ctx, const struct khora_host *h, const char *s,
	       size_t n)
{
	char *copy = malloc(n + 1), *lit;

	if (!copy)
		return NULL;
	memcpy(copy, s, n);
	copy[n] = '\0';
	lit = h->quote_python(ctx, copy);
	free(copy);
	return lit;
}

/*
 * NAME = VALUE as a Python string, as black leaves it: pytext_assign's
 * forms, else, when the literal is too long for a line of its own, the
 * value cut after blanks into literals that each fit, one a line in
 * parentheses (implicit concatenation: black keeps it, and E501 is
 * met).  Each piece is quoted on its own, as black chooses each one's
 * quotes on its own.  A word too long for a line stays whole.
 */
static inline char *
pytext_assign_str(khora_ctx *ctx, const struct khora_host *h,
		  const char *name, const char *value, size_t width)
{
	char *lit = h->quote_python(ctx, value), *out, *o, *piece;
	size_t n = strlen(value), start, end, next, size;

	if (!lit)
		return NULL;
	if (4 + pytext_width(lit, strlen(lit)) <= width ||
	    !strchr(value, ' ')) {
		out = pytext_assign(name, lit, width);
		h->free(ctx, lit);
		return out;
	}
	h->free(ctx, lit);
	/* an escape takes at most 6 bytes a byte; 7 more a piece */
	size = strlen(name) + 16 + 13 * (n + 1);
	out = malloc(size);
	if (!out)
		return NULL;
	o = out + snprintf(out, size, "%s = (\n", name);
	for (start = 0; start < n; start = end) {
		/* the longest run of words, blanks after them included */
		for (end = next = start; next < n; end = next) {
			while (next < n && value[next] != ' ')
				next++;
			while (next < n && value[next] == ' ')
				next++;
			piece = pytext_quote_n(ctx, h, value + start,
					       next - start);
			if (!piece)
				goto fail;
			size = pytext_width(piece, strlen(piece));
			h->free(ctx, piece);
			if (end > start && size + 4 > width)
				break;
		}
		piece = pytext_quote_n(ctx, h, value + start, end - start);
		if (!piece)
			goto fail;
		memcpy(o, "    ", 4);
		memcpy(o + 4, piece, strlen(piece));
		o += 4 + strlen(piece);
		*o++ = '\n';
		h->free(ctx, piece);
	}
	memcpy(o, ")", 2);
	return out;
fail:
	free(out);
	return NULL;
}

#endif
