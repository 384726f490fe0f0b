/* SPDX-License-Identifier: MIT */
/*
 * tmods.h - the template language's own modifiers, beside the engine's
 * escaping ones (template.c): {{name:slug}}, snake, kebab, camel,
 * lower, upper, and those taking an argument after '=':
 * {{name:replace=FIND=WITH}}, {{name:default=TEXT}}, {{list:join=SEP}}.
 *
 * Ids are TMOD_BASE and up, so that the engine's table and this one
 * never share a number.  An argument is the text up to the next ':' or
 * the end of the tag (so it cannot hold ':' or the closing delimiter).
 * Nothing here keeps state; outputs are appended to a strbuf.
 */
#ifndef TMODS_H
#define TMODS_H

#include "strbuf.h"

#define TMOD_BASE 64

/* The id of the modifier name[0..len), or -1. */
int tmod_lookup(const char *name, size_t len);
/* Why arg (NULL: none given) does not suit modifier id, or NULL. */
const char *tmod_check_arg(int id, const char *arg);
/* Does modifier id stand in for an undefined variable (default=)? */
int tmod_defines(int id);
void tmod_apply(int id, const char *arg, const char *in, struct strbuf *out);
/* Every name, for did-you-mean. */
extern const char *const tmod_names[];
extern const size_t tmod_count;

#endif /* TMODS_H */
