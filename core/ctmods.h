/* SPDX-License-Identifier: MIT */
/*
 * ctmods.h - Google ctemplate's built-in modifiers, byte for byte.
 *
 * Each modifier, with its value when it takes one, is one id:
 * "html_escape_with_arg=pre" and "H=pre" are the same id, as in
 * ctemplate's own table.  The template engine stores the id in its
 * nodes; the strings given here are not kept.
 */
#ifndef CTMODS_H
#define CTMODS_H

#include <stddef.h>
#include "strbuf.h"

/* The ids of the modifiers AUTOESCAPE adds (ctemplate's AM_JS, AM_XML). */
enum { CTMOD_JS = 3, CTMOD_XML = 11 };

/*
 * The id of the modifier spelled s (len bytes, "name" or "name=value",
 * long or one-letter form), or -1.
 */
int ctmod_lookup(const char *s, size_t len);
/* Appends in, modified by modifier id, to out. */
void ctmod_apply(int id, const char *in, struct strbuf *out);
/* 1 if id is :none (a variable marked safe: AUTOESCAPE leaves it). */
int ctmod_is_none(int id);
/* 1 if id escapes at least as safely as auto, the one AUTOESCAPE adds. */
int ctmod_safe_for(int id, int auto_id);
/* The long names, for did-you-mean. */
extern const char *const ctmod_names[];
extern const size_t ctmod_nr;

#endif /* CTMODS_H */
