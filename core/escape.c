/* SPDX-License-Identifier: MIT */
/*
 * escape.c - string literals for the languages khora generates (YAML,
 * JSON, TOML, HCL, POSIX shell, Python), one routine each, shared by
 * the template modifiers and the SDK's quote_* host functions.  Each
 * walks the input by code point and escapes what its language's parser
 * would refuse, fold or interpret; tests/unit/check_escape.c reads every
 * output back with the real parser.
 */
#include "compat.h"
#include "escape.h"
#include "strbuf.h"
#include "wrapper.h"
#include "ytree.h"

#define REPLACEMENT 0xfffdUL

/* Writes one code point of a language; raw holds its n UTF-8 bytes. */
typedef void (*put_fn)(struct strbuf *sb, unsigned long cp,
		       const char *raw, size_t n);

/*
 * Calls put for each code point of s; a byte that is not valid UTF-8 is
 * U+FFFD with no raw bytes (n == 0), so that put escapes it.
 */
static void
each_cp(struct strbuf *sb, const char *s, put_fn put)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n;
	unsigned long cp;

	for (; len; p += n, len -= n) {
		n = ytree_utf8_decode(p, len, &cp);
		if (!n) {
			put(sb, REPLACEMENT, NULL, 0);
			n = 1;
		} else {
			put(sb, cp, (const char *)p, n);
		}
	}
}

/* The escapes JSON, TOML, HCL and Python share: \" \\ \n \r \t. */
static int
put_common(struct strbuf *sb, unsigned long cp)
{
	switch (cp) {
	case '"': strbuf_addstr(sb, "\\\""); return 1;
	case '\\': strbuf_addstr(sb, "\\\\"); return 1;
	case '\n': strbuf_addstr(sb, "\\n"); return 1;
	case '\r': strbuf_addstr(sb, "\\r"); return 1;
	case '\t': strbuf_addstr(sb, "\\t"); return 1;
	}
	return 0;
}

/*
 * Controls (C0, DEL, C1), the line and paragraph separators (which some
 * readers take for line breaks) and an invalid byte are never raw.
 */
static int
never_raw(unsigned long cp, size_t n)
{
	return !n || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		cp == 0x2028 || cp == 0x2029;
}

static void
put_json(struct strbuf *sb, unsigned long cp, const char *raw, size_t n)
{
	if (put_common(sb, cp))
		return;
	if (never_raw(cp, n))
		strbuf_addf(sb, "\\u%04lx", cp);
	else
		strbuf_add(sb, raw, n);
}

/* TOML 1.0 basic strings: JSON's rules, upper-case hex. */
static void
put_toml(struct strbuf *sb, unsigned long cp, const char *raw, size_t n)
{
	if (put_common(sb, cp))
		return;
	if (never_raw(cp, n))
		strbuf_addf(sb, "\\u%04lX", cp);
	else
		strbuf_add(sb, raw, n);
}

static void
put_python(struct strbuf *sb, unsigned long cp, const char *raw, size_t n)
{
	if (cp == '"') {	/* inside double quotes only: see add_python */
		strbuf_addstr(sb, "\\\"");
		return;
	}
	if (put_common(sb, cp))
		return;
	if (never_raw(cp, n) && cp <= 0xff)
		strbuf_addf(sb, "\\x%02lx", cp);
	else if (never_raw(cp, n))
		strbuf_addf(sb, "\\u%04lx", cp);
	else
		strbuf_add(sb, raw, n);
}

/*
 * HCL: a quoted string is a template, so "${" and "%{" start an
 * interpolation or a directive; doubling the sigil ("$${", "%%{") is
 * HCL's escape for the literal text.  Its other escapes are TOML's.
 */
static void
add_hcl_body(struct strbuf *sb, const char *s)
{
	const char *p = s, *q;

	/* split before each "${" or "%{": the sigil is written twice */
	while ((q = strpbrk(p, "$%"))) {
		char *chunk = xstrndup(p, (size_t)(q - p));

		each_cp(sb, chunk, put_toml);
		free(chunk);
		strbuf_addch(sb, *q);
		if (q[1] == '{')
			strbuf_addch(sb, *q);
		p = q + 1;
	}
	each_cp(sb, p, put_toml);
}

/*
 * A Python literal quoted as black and ruff format leave it: double
 * quotes unless the text holds more of them than single quotes, so that
 * a generated file passes `ruff format --check`.
 */
static void
add_python(struct strbuf *sb, const char *s)
{
	size_t dq = 0, sq = 0;
	const char *p, *t;
	char *chunk;

	for (p = s; *p; p++) {
		dq += *p == '"';
		sq += *p == '\'';
	}
	if (dq <= sq) {
		strbuf_addch(sb, '"');
		each_cp(sb, s, put_python);
		strbuf_addch(sb, '"');
		return;
	}
	/* single quotes: escape those, leave the double ones raw */
	strbuf_addch(sb, '\'');
	for (p = s; *p; p = t) {
		t = strpbrk(p, "'\"");
		if (!t) {
			each_cp(sb, p, put_python);
			break;
		}
		chunk = xstrndup(p, (size_t)(t - p));
		each_cp(sb, chunk, put_python);
		free(chunk);
		strbuf_addstr(sb, *t == '\'' ? "\\'" : "\"");
		t++;
	}
	strbuf_addch(sb, '\'');
}

static void
add_shell(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(sb, "'\\''");
		else
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '\'');
}

void
escape_json_body(struct strbuf *sb, const char *s)
{
	each_cp(sb, s, put_json);
}

void
escape_add(struct strbuf *sb, enum escape_lang lang, const char *s)
{
	switch (lang) {
	case ESC_YAML:
		/* the one YAML writer: what libyaml refuses raw is escaped */
		ytree_add_scalar(sb, s, 1);
		return;
	case ESC_SHELL:
		add_shell(sb, s);
		return;
	case ESC_PYTHON:
		add_python(sb, s);
		return;
	case ESC_JSON:
	case ESC_TOML:
	case ESC_HCL:
		break;
	}
	strbuf_addch(sb, '"');
	if (lang == ESC_JSON)
		each_cp(sb, s, put_json);
	else if (lang == ESC_TOML)
		each_cp(sb, s, put_toml);
	else
		add_hcl_body(sb, s);
	strbuf_addch(sb, '"');
}

/*
 * Whether the space at q[i] of a double-quoted YAML literal may become
 * a line break: YAML strips the blanks around a break in a quoted
 * scalar and reads the break as one space, so not beside another space
 * or a quote; and not after a backslash, which would escape the break.
 */
static int
fold_point(const struct strbuf *q, size_t i)
{
	return i > 1 && i + 2 < q->len && q->buf[i] == ' ' &&
	       q->buf[i - 1] != ' ' && q->buf[i - 1] != '\\' &&
	       q->buf[i + 1] != ' ';
}

void
escape_yaml_folded(struct strbuf *sb, const char *s, size_t col,
		   size_t indent, size_t width)
{
	struct strbuf q = STRBUF_INIT;
	size_t start = 0, last = 0, at = col, i;

	ytree_add_scalar(&q, s, 1);
	/* greedy: each line takes the words that fit; i == q.len ends it */
	for (i = 0; i <= q.len; i++) {
		if (i < q.len && !fold_point(&q, i))
			continue;
		if (at + (i - start) > width && last > start) {
			strbuf_add(sb, q.buf + start, last - start);
			strbuf_addch(sb, '\n');
			for (at = 0; at < indent + 2; at++)
				strbuf_addch(sb, ' ');
			start = last + 1;
		}
		last = i;
	}
	strbuf_add(sb, q.buf + start, q.len - start);
	strbuf_release(&q);
}

int
escape_lang_by_name(const char *name)
{
	static const char *const names[] = {
		[ESC_YAML] = "yaml", [ESC_JSON] = "json", [ESC_TOML] = "toml",
		[ESC_HCL] = "hcl", [ESC_SHELL] = "shell",
		[ESC_PYTHON] = "python",
	};
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}
