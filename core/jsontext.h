/* SPDX-License-Identifier: MIT */
/*
 * jsontext.h - the inside of a JSON string (no quotes) for any bytes:
 * UTF-8 kept as it is; quote, backslash and control characters escaped;
 * each byte that is not part of valid UTF-8 (stray, overlong, surrogate,
 * past U+10FFFF, cut short) given as U+FFFD.  The result is always valid
 * JSON and valid UTF-8.  Used by the --error-format=json output
 * (diag.c, outrelay.c).
 */
#ifndef JSONTEXT_H
#define JSONTEXT_H

#include <stddef.h>

struct strbuf;

void json_add_text(struct strbuf *sb, const char *s, size_t len);
/* ,"key":"val" (json_add_text inside), or ,"key":null for NULL val */
void json_add_field(struct strbuf *sb, const char *key, const char *val);

#endif /* JSONTEXT_H */
