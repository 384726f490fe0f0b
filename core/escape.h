/* SPDX-License-Identifier: MIT */
/*
 * escape.h - one escaping routine per language khora generates: each
 * appends a complete string literal (quotes included) that the
 * language's own parser reads back as exactly the input.  The template
 * modifiers (x-yaml, x-json, x-toml, x-hcl, x-shell, x-python, json) and
 * the SDK's quote_* host functions all go through here, so that a fix
 * for one language reaches every generated file and every plugin.
 *
 * Input is a NUL-terminated string expected to be UTF-8.  A byte that
 * is not valid UTF-8 is written as U+FFFD (escaped where the language
 * has an escape for it), never raw, so that the output file stays
 * valid text; only x-shell passes bytes through unchanged, since a
 * single-quoted shell word holds any byte but NUL.
 */
#ifndef ESCAPE_H
#define ESCAPE_H

struct strbuf;

enum escape_lang {
	ESC_YAML,	/* a double-quoted YAML scalar (YAML 1.1 and 1.2) */
	ESC_JSON,	/* a JSON string */
	ESC_TOML,	/* a TOML basic string */
	ESC_HCL,	/* an HCL2 quoted template with no interpolation */
	ESC_SHELL,	/* one POSIX sh word, single-quoted */
	ESC_PYTHON,	/* a Python 3 string literal */
};

/* Appends s as a complete literal of lang. */
void escape_add(struct strbuf *sb, enum escape_lang lang, const char *s);
/*
 * The body of a JSON string without its quotes (ctemplate's json
 * modifier, for templates that write the quotes themselves).
 */
void escape_json_body(struct strbuf *sb, const char *s);
/*
 * s as a double-quoted YAML scalar (escape_add's) that starts at column
 * col of a line indented by indent, folded at single spaces between two
 * other characters (YAML reads such a line break as that one space) so
 * that no line passes width columns where a break is possible;
 * continuation lines are indented by indent + 2.  Reads back as exactly
 * what escape_add's literal reads back as.
 */
void escape_yaml_folded(struct strbuf *sb, const char *s, size_t col,
			size_t indent, size_t width);
/* The language named name ("yaml", "json", ...), or -1. */
int escape_lang_by_name(const char *name);

#endif /* ESCAPE_H */
