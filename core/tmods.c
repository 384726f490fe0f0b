/* SPDX-License-Identifier: MIT */
/*
 * tmods.c - the modifiers a template writer reaches for (see tmods.h):
 * case conversions that split words the same way for every style
 * (runs of letters and digits, a lower-to-upper change starting a new
 * word), slug for names in URLs and packages (the same without the case
 * change: "MyApp" is "myapp", its kebab "my-app"), and replace, default and
 * join, which take an argument.  Only ASCII letters change case: other
 * bytes are separators for the word styles and kept by lower/upper.
 */
#include "compat.h"
#include <ctype.h>
#include "tmods.h"
#include "wrapper.h"

enum { T_SLUG = TMOD_BASE, T_SNAKE, T_KEBAB, T_CAMEL, T_LOWER, T_UPPER,
       T_REPLACE, T_DEFAULT, T_JOIN, T_END };

const char *const tmod_names[] = {
	"slug", "snake", "kebab", "camel", "lower", "upper", "replace",
	"default", "join",
};
const size_t tmod_count = ARRAY_SIZE(tmod_names);

int
tmod_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tmod_names); i++)
		if (strlen(tmod_names[i]) == len &&
		    !strncmp(tmod_names[i], name, len))
			return TMOD_BASE + (int)i;
	return -1;
}

const char *
tmod_check_arg(int id, const char *arg)
{
	switch (id) {
	case T_REPLACE:
		if (!arg || !*arg || *arg == '=')
			return "needs what to replace: replace=FIND=WITH";
		return NULL;
	case T_DEFAULT:
		return arg ? NULL : "needs a value: default=TEXT";
	case T_JOIN:
		return NULL;
	default:
		return arg ? "takes no argument" : NULL;
	}
}

int
tmod_defines(int id)
{
	return id == T_DEFAULT;
}

/* The words of s (see the file's comment), styled. */
static void
words(struct strbuf *out, const char *s, int sep, int camel, int slug)
{
	int boundary = 1, prev_lower = 0, first = 1;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!isascii(c) || !isalnum(c)) {
			boundary = 1;
			prev_lower = 0;
			continue;
		}
		if (isupper(c) && prev_lower && !slug)
			boundary = 1;
		if (boundary && !first && sep)
			strbuf_addch(out, sep);
		if (camel && boundary && !first)
			strbuf_addch(out, toupper(c));
		else
			strbuf_addch(out, tolower(c));
		boundary = first = 0;
		prev_lower = islower(c) || isdigit(c);
	}
}

/* Every FIND (before the first '=' of arg) replaced with the rest. */
static void
replace(struct strbuf *out, const char *arg, const char *in)
{
	const char *eq = strchr(arg, '=');
	size_t flen = eq ? (size_t)(eq - arg) : strlen(arg);
	const char *with = eq ? eq + 1 : "";

	while (*in) {
		if (!strncmp(in, arg, flen)) {
			strbuf_addstr(out, with);
			in += flen;
		} else {
			strbuf_addch(out, *in++);
		}
	}
}

/* A comma-separated list, items trimmed, joined with sep. */
static void
join(struct strbuf *out, const char *sep, const char *in)
{
	const char *s = in, *e, *t;
	int n = 0;

	while (*s) {
		e = s + strcspn(s, ",");
		t = e;
		while (s < t && isspace((unsigned char)*s))
			s++;
		while (t > s && isspace((unsigned char)t[-1]))
			t--;
		if (t > s) {
			if (n++)
				strbuf_addstr(out, sep);
			strbuf_add(out, s, (size_t)(t - s));
		}
		s = *e ? e + 1 : e;
	}
}

void
tmod_apply(int id, const char *arg, const char *in, struct strbuf *out)
{
	const char *s;

	switch (id) {
	case T_SLUG: words(out, in, '-', 0, 1); break;
	case T_SNAKE: words(out, in, '_', 0, 0); break;
	case T_KEBAB: words(out, in, '-', 0, 0); break;
	case T_CAMEL: words(out, in, 0, 1, 0); break;
	case T_LOWER:
	case T_UPPER:
		for (s = in; *s; s++) {
			unsigned char c = (unsigned char)*s;

			strbuf_addch(out, !isascii(c) ? c : id == T_UPPER ?
				     toupper(c) : tolower(c));
		}
		break;
	case T_REPLACE: replace(out, arg, in); break;
	case T_DEFAULT: strbuf_addstr(out, *in ? in : arg); break;
	case T_JOIN: join(out, arg ? arg : ", ", in); break;
	default: break;	/* tmod_lookup() gave every id */
	}
}
