/* SPDX-License-Identifier: MIT */
/*
 * template.h - khora's template engine: ctemplate syntax, strict.
 *
 * Syntax: {{VAR}}, {{VAR:mod:mod}}, {{#SEC}}..{{/SEC}}, {{^SEC}}..{{/SEC}}
 * (ours: shown when SEC is hidden), {{#SEC_separator}}..{{/SEC_separator}}
 * inside SEC (shown between iterations), {{>path}} (include, rendered
 * with the current dictionary), {{! comment}}, {{=<% %>=}} (delimiter
 * change), {{%AUTOESCAPE context="JSON|XML"}}, {{BI_SPACE}},
 * {{BI_NEWLINE}}.  A line holding only a section, comment, delimiter or
 * pragma tag (and blanks) is removed whole, so that YAML and Python
 * output keeps clean indentation.
 *
 * Modifiers: html, json (JSON string body), url (percent-encoding),
 * x-snake, x-kebab, x-pascal, x-upper, x-lower, and the complete string
 * literals of escape.h: x-yaml (double-quoted YAML scalar), x-yaml-fold
 * (the same, folded over lines of 80 columns from where it lands), x-json,
 * x-toml (TOML basic string), x-hcl, x-shell (single-quoted sh word),
 * x-python; and ctemplate's own (ctmods.h), which render ctemplate's
 * bytes; and the template language's (tmods.h).
 *
 * Strict: rendering an undefined variable, or a section that no
 * dictionary defines (shown or hidden), is an error at template:line:col
 * with a did-you-mean.
 *
 * A first line {{%KHORA strip=none|blank-lines|whitespace
 * undefined=empty}} gives ctemplate's strip modes and lax names instead
 * (khora-plugin(7), "ctemplate compatibility"; tests/compat checks it
 * against libctemplate).
 *
 * Ownership: a tcache owns every template it parsed (each parsed once
 * per run); a tdict owns copies of the names and values given to it and
 * its child dictionaries; a parent must outlive its children.
 */
#ifndef TEMPLATE_H
#define TEMPLATE_H

#include <stddef.h>
#include "diag.h"
#include "strbuf.h"

struct template;
struct tdict;

struct tcache {
	struct template **t;
	size_t nr, alloc;
	struct template **slots;	/* open-addressing index by path */
	size_t nr_slots;
	unsigned parsed;	/* templates read and parsed */
	unsigned hits;		/* lookups served from the cache */
	unsigned renders;
	struct tcache_root {
		char *path;
		int fd;
	} *roots;			/* template roots, each opened once */
	size_t nr_roots, alloc_roots;
};

/* Dictionaries. */
struct tdict *tdict_new(struct tdict *parent);
void tdict_free(struct tdict *d);
void tdict_set(struct tdict *d, const char *name, const char *value);
/* Defines section name as shown (one empty iteration) or hidden. */
void tdict_show(struct tdict *d, const char *name, int shown);
/* Adds one iteration to section name and returns its dictionary. */
struct tdict *tdict_add_section(struct tdict *d, const char *name);
const char *tdict_get(const struct tdict *d, const char *name);

/* Templates. */
void tcache_init(struct tcache *c);
void tcache_release(struct tcache *c);
/*
 * Returns the parsed template rel below the directory root (read and
 * parsed on first use), or NULL with a diagnostic (exit code 5).
 * display is the name used in messages (e.g.
 * "python/pyproject.toml.tmpl").  The file, and every include it
 * names, is read through template_open(): a template never reads
 * outside root.
 */
struct template *tcache_get(struct tcache *c, const char *root,
			    const char *rel, const char *display,
			    struct diag *d);
/*
 * The descriptor of the template root directory root, opened once and
 * kept by the cache (-1 with errno); tcache_add_root() hands the cache
 * one the caller opened (the cache closes it).
 */
int tcache_root(struct tcache *c, const char *root);
void tcache_add_root(struct tcache *c, const char *root, int fd);
/* The largest template file khora reads (bytes). */
#define TEMPLATE_MAX_BYTES (64u << 20)
/*
 * Opens rel, a '/'-separated path below the directory rootfd, for
 * reading: every component must be a real directory and the last a
 * regular file (no symlink anywhere below root, no "..", no FIFO,
 * socket or device, which are never opened).  Returns the descriptor,
 * or -1 with *why saying what was wrong (static or strerror text).
 */
int template_open(int rootfd, const char *rel, const char **why);
/* Parses text held in memory (the caller keeps it alive). */
struct template *template_parse(const char *display, const char *src,
				size_t len, struct diag *d);
void template_free(struct template *t);

/*
 * Renders t with dict, appending to out (at most TEMPLATE_MAX_BYTES).
 * {{>name}} is looked up relative to the including template's
 * directory, below the root the template was read from, through the
 * cache.
 * Returns 0, or -1 with a diagnostic.
 */
int template_render(struct template *t, const struct tdict *dict,
		    struct tcache *c, struct strbuf *out, struct diag *d);

/* Parses and renders src in one go (no includes); NULL on error. */
char *template_render_string(const char *display, const char *src,
			     const struct tdict *dict, struct diag *d);
/*
 * The same, at most max bytes of output: past it, NULL with errno EFBIG
 * and no diagnostic (the caller says which value was too large); other
 * errors are NULL with a diagnostic.
 */
char *template_render_capped(const char *display, const char *src,
			     const struct tdict *dict, size_t max,
			     struct diag *d);

/* Applies one modifier by name (for tests and the CLI). */
int template_apply_modifier(const char *name, const char *in,
			    struct strbuf *out);

#endif /* TEMPLATE_H */
