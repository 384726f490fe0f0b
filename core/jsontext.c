/* SPDX-License-Identifier: MIT */
/*
 * jsontext.c - text as a JSON string that is valid UTF-8 whatever its
 * bytes (jsontext.h): a file name or a program's output line in
 * --error-format=json must never make a consumer's parser fail.
 */
#include "compat.h"
#include "jsontext.h"
#include "strbuf.h"

/* The length of the UTF-8 sequence at s (at most n bytes), 0: invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong, surrogates, beyond U+10FFFF: not UTF-8 */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void
json_add_text(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (char)c);
		} else if (c == '\n') {
			strbuf_addstr(sb, "\\n");
		} else if (c == '\t') {
			strbuf_addstr(sb, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			strbuf_addf(sb, "\\u%04x", c);
		} else if ((n = utf8_len(p + i, len - i)) > 1) {
			strbuf_add(sb, s + i, n);
			i += n;
			continue;
		} else if (!n) {
			strbuf_addstr(sb, "\\ufffd");
		} else {
			strbuf_addch(sb, (char)c);
		}
		i++;
	}
}

void
json_add_field(struct strbuf *sb, const char *key, const char *val)
{
	strbuf_addf(sb, ",\"%s\":", key);
	if (!val) {
		strbuf_addstr(sb, "null");
		return;
	}
	strbuf_addch(sb, '"');
	/* valid UTF-8 whatever a file name holds: a consumer parses it */
	json_add_text(sb, val, strlen(val));
	strbuf_addch(sb, '"');
}
