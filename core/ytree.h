/* SPDX-License-Identifier: MIT */
/*
 * ytree.h - a YAML document read with libyaml into a small tree that
 * keeps the file:line:col of every node, so that every later error
 * (config validation, sidecar reading) can point at its source.
 *
 * Only what khora's files need is accepted: one document of maps,
 * sequences and scalars.  Aliases, complex keys, duplicate keys, nesting
 * deeper than YTREE_MAX_DEPTH and files over YTREE_MAX_BYTES are errors,
 * which also makes alias "size bombs" impossible.
 *
 * A tree owns all its nodes and strings; ynode_free() releases it.
 * The file name is borrowed from the caller for the tree's lifetime.
 */
#ifndef YTREE_H
#define YTREE_H

#include <stddef.h>
#include "diag.h"

#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_BYTES ((size_t)1 << 20)

enum ynode_kind { Y_SCALAR, Y_MAP, Y_SEQ };

struct ynode {
	enum ynode_kind kind;
	int quoted;		/* scalar written in quotes (or a block) */
	unsigned line, col;	/* 1-based */
	const char *file;	/* borrowed */
	char *str;		/* scalar text */
	size_t nr, alloc;
	struct ynode **keys;	/* map keys (scalars) */
	struct ynode **vals;	/* map values or sequence items */
};

/*
 * Parses the file at path.  An empty document yields *out == NULL and 0.
 * Errors are reported on d with exit code `code` and return -1.
 */
int ytree_parse_file(const char *path, struct ynode **out, struct diag *d,
		     int code);
int ytree_parse_buf(const char *name, const char *buf, size_t len,
		    struct ynode **out, struct diag *d, int code);
void ynode_free(struct ynode *n);

struct ynode *ynode_new(enum ynode_kind kind, const char *file,
			unsigned line, unsigned col);
/* Appends to a map (key != NULL) or a sequence; takes ownership. */
void ynode_append(struct ynode *parent, struct ynode *key,
		  struct ynode *val);
struct ynode *ymap_get(const struct ynode *map, const char *key);
struct ynode *ynode_dup(const struct ynode *n);

struct diag_loc ynode_loc(const struct ynode *n);
/* diag_error() at the node's file:line:col (none if n is NULL); -1. */
int ynode_error(struct diag *d, int code, const struct ynode *n,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *ynode_kind_name(const struct ynode *n);
int ynode_is_null(const struct ynode *n);
/* Typed views of a plain scalar; 0 on success, -1 if not of that type. */
int ynode_bool(const struct ynode *n, int *out);
int ynode_long(const struct ynode *n, long *out);

struct strbuf;

/*
 * The one way khora writes a YAML scalar it will read back (khora.yaml,
 * .khora/lock, .khora/answers.yaml): appends s so that libyaml reads
 * exactly s again.  Plain when that is safe and quote is 0; otherwise
 * double-quoted, with escapes (\t, \n, \xNN, \N, \L, \P, \uNNNN) for
 * every character libyaml refuses raw (C0 and C1 controls, DEL, U+FEFF,
 * U+FFFE, U+FFFF) or would fold (line and paragraph separators).
 * s must be valid UTF-8 (ytree_utf8_valid()); a byte that is not is
 * written as \uFFFD, never raw, so that the file stays readable.
 */
void ytree_add_scalar(struct strbuf *sb, const char *s, int quote);
/*
 * The code point of the UTF-8 sequence at s (at most len bytes) in *cp;
 * returns its length, or 0 when the bytes are not valid UTF-8.
 */
size_t ytree_utf8_decode(const unsigned char *s, size_t len,
			 unsigned long *cp);
/* Whether s is valid UTF-8 (no overlong forms, no surrogates). */
int ytree_utf8_valid(const char *s, size_t len);

#endif /* YTREE_H */
