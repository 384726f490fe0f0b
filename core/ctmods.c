/* SPDX-License-Identifier: MIT */
/*
 * ctmods.c - Google ctemplate's built-in modifiers (template_modifiers.cc
 * in ctemplate 2.4), written again in C so that a template written for
 * ctemplate renders the same bytes here: which characters each escapes,
 * and how, follows that file exactly (tests/compat compares the two on
 * hostile strings).  khora's own modifiers stay in template.c.
 */
#include "compat.h"
#include <ctype.h>
#include <strings.h>
#include "ctmods.h"

struct ctmod {
	const char *name;	/* long name, without its value */
	char letter;		/* one-letter form, or 0 */
	const char *value;	/* the value it needs ("" for none) */
};

/* The ids are the indexes; CTMOD_JS and CTMOD_XML name two of them. */
static const struct ctmod mods[] = {
	{ "cleanse_css", 'c', "" },
	{ "html_escape", 'h', "" },
	{ "html_escape_with_arg", 'H', "snippet" },
	{ "javascript_escape", 'j', "" },
	{ "json_escape", 'o', "" },
	{ "pre_escape", 'p', "" },
	{ "html_escape_with_arg", 'H', "pre" },
	{ "html_escape_with_arg", 'H', "attribute" },
	{ "html_escape_with_arg", 'H', "url" },
	{ "url_query_escape", 'u', "" },
	{ "url_escape_with_arg", 'U', "query" },
	{ "xml_escape", 0, "" },
	{ "none", 0, "" },
	{ "url_escape_with_arg", 'U', "javascript" },
	{ "url_escape_with_arg", 'U', "html" },
	{ "url_escape_with_arg", 'U', "css" },
	{ "javascript_escape_with_arg", 'J', "number" },
	{ "img_src_url_escape_with_arg", 'I', "javascript" },
	{ "img_src_url_escape_with_arg", 'I', "html" },
	{ "img_src_url_escape_with_arg", 'I', "css" },
};

enum { C_CSS, C_HTML, C_SNIPPET, C_JS, C_JSON, C_PRE, C_HPRE, C_ATTR,
       C_HURL, C_QUERY, C_UQUERY, C_XML, C_NONE, C_UJS, C_UHTML, C_UCSS,
       C_NUMBER, C_IJS, C_IHTML, C_ICSS };

const char *const ctmod_names[] = {
	"cleanse_css", "html_escape", "html_escape_with_arg",
	"javascript_escape", "json_escape", "pre_escape", "url_query_escape",
	"url_escape_with_arg", "xml_escape", "none",
	"javascript_escape_with_arg", "img_src_url_escape_with_arg",
};
const size_t ctmod_nr = ARRAY_SIZE(ctmod_names);

int
ctmod_lookup(const char *s, size_t len)
{
	const char *eq = memchr(s, '=', len);
	size_t nlen = eq ? (size_t)(eq - s) : len, i;
	const char *v = eq ? eq + 1 : "";
	size_t vlen = eq ? len - nlen - 1 : 0;

	for (i = 0; i < ARRAY_SIZE(mods); i++) {
		const struct ctmod *m = &mods[i];

		if (!(nlen == 1 && m->letter && *s == m->letter) &&
		    !(strlen(m->name) == nlen && !strncmp(m->name, s, nlen)))
			continue;
		if (!eq != !*m->value)
			continue;
		if (strlen(m->value) == vlen && !strncmp(m->value, v, vlen))
			return (int)i;
	}
	return -1;
}

int
ctmod_is_none(int id)
{
	return id == C_NONE;
}

/* ctemplate's "safe alternatives" of javascript_escape and xml_escape. */
int
ctmod_safe_for(int id, int auto_id)
{
	if (id == auto_id)
		return 1;
	if (auto_id == CTMOD_JS)
		return id == C_JSON || id == C_UJS || id == C_IJS;
	if (auto_id == CTMOD_XML)
		return id == C_HTML || id == C_ATTR;
	return 0;
}

/* html_escape (ws 1: blanks other than ' ' become ' '), pre_escape. */
static void
html_escape(const char *s, struct strbuf *out, int ws)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': strbuf_addstr(out, "&amp;"); break;
		case '"': strbuf_addstr(out, "&quot;"); break;
		case '\'': strbuf_addstr(out, "&#39;"); break;
		case '<': strbuf_addstr(out, "&lt;"); break;
		case '>': strbuf_addstr(out, "&gt;"); break;
		case '\r': case '\n': case '\v': case '\f': case '\t':
			strbuf_addch(out, ws ? ' ' : *s);
			break;
		default:
			strbuf_addch(out, *s);
		}
	}
}

static void
xml_escape(const char *s, struct strbuf *out)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 && c != '\t' && c != '\r' && c != '\n')
			strbuf_addch(out, ' ');
		else if (c == '\t' || c == '\r' || c == '\n')
			strbuf_addch(out, c);
		else
			html_escape((char[]){ (char)c, 0 }, out, 0);
	}
}

/* The snippet tags kept as they are, while they nest properly. */
static const char *const snippet_open[] = { "<b>", "<i>", "<em>",
	"<span dir=ltr>", "<span dir=rtl>" };
static const char *const snippet_close[] = { "</b>", "</i>", "</em>",
	"</span>", "</span>" };
static const char snippet_tag[] = "biess";

/*
 * The length of the allowed tag at s, recorded in open (nr of them), or
 * 0: in ctemplate's order, an opening tag not open yet, then a closing
 * one that is, then <br> and <wbr>.
 */
static size_t
snippet_tag_at(const char *s, char *open, size_t *nr)
{
	size_t i, n;
	char *at;

	for (i = 0; i < ARRAY_SIZE(snippet_open); i++) {
		n = strlen(snippet_open[i]);
		if (!strncmp(s, snippet_open[i], n) &&
		    !strchr(open, snippet_tag[i])) {
			open[(*nr)++] = snippet_tag[i];
			open[*nr] = '\0';
			return n;
		}
	}
	for (i = 0; i < ARRAY_SIZE(snippet_close); i++) {
		n = strlen(snippet_close[i]);
		at = strchr(open, snippet_tag[i]);
		if (!strncmp(s, snippet_close[i], n) && at) {
			memmove(at, at + 1, strlen(at));
			(*nr)--;
			return n;
		}
	}
	if (!strncmp(s, "<br>", 4))
		return 4;
	return !strncmp(s, "<wbr>", 5) ? 5 : 0;
}

/* html_escape_with_arg=snippet: a few tags pass, left open ones closed. */
static void
snippet_escape(const char *s, struct strbuf *out)
{
	char open[5] = "";
	size_t nr = 0, i, n;

	for (; *s; s++) {
		if (*s == '<' && (n = snippet_tag_at(s, open, &nr))) {
			strbuf_add(out, s, n);
			s += n - 1;
		} else if (*s == '<') {
			strbuf_addstr(out, "&lt;");
		} else if (*s == '&') {
			strbuf_addstr(out, s[1] == '{' ? "&amp;" : "&");
		} else {
			html_escape((char[]){ *s, 0 }, out, 1);
		}
	}
	/* ctemplate closes the most recent first */
	while (nr--)
		for (i = 0; i < ARRAY_SIZE(snippet_close); i++)
			if (snippet_tag[i] == open[nr]) {
				strbuf_addstr(out, snippet_close[i]);
				break;
			}
}

static void
cleanse_attribute(const char *s, struct strbuf *out)
{
	size_t i, len = strlen(s);

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '=')
			strbuf_addch(out, i == 0 || i == len - 1 ? '_' : c);
		else if (isalnum(c) && c < 0x80)
			strbuf_addch(out, c);
		else
			strbuf_addch(out, strchr("-._:", c) && c ? c : '_');
	}
}

static void
cleanse_css(const char *s, struct strbuf *out)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((isalnum(c) && c < 0x80) || strchr(" _.,!#%-", c))
			strbuf_addch(out, c);
	}
}

static void
css_url_escape(const char *s, struct strbuf *out)
{
	for (; *s; s++) {
		if (strchr("\n\r\"'()*<>\\", *s))
			strbuf_addf(out, "%%%02X", (unsigned char)*s);
		else
			strbuf_addch(out, *s);
	}
}

/*
 * One UTF-8 code unit at *s (advanced past it), as ctemplate decodes
 * it: 0xFFFD for a truncated or malformed one, which moves one byte.
 */
static unsigned
utf8_unit(const char **s)
{
	unsigned char c = (unsigned char)**s;
	size_t n = c >= 0xf0 ? 1 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1, i;
	unsigned u = c & (0xffu >> n);

	if (n == 1) {
		(*s)++;
		return c;
	}
	for (i = 1; i < n; i++) {
		if (((unsigned char)(*s)[i] & 0xc0) != 0x80) {
			/* a NUL ends the string: a truncated unit */
			(*s)++;
			return 0xfffd;
		}
		u = (u << 6) | ((unsigned char)(*s)[i] & 0x3f);
	}
	*s += n;
	return u & 0xffff;
}

static void
javascript_escape(const char *s, struct strbuf *out)
{
	while (*s) {
		const char *at = s;
		unsigned u = utf8_unit(&s);
		const char *esc = NULL;

		switch (u) {
		case '"': esc = "\\x22"; break;
		case '\'': esc = "\\x27"; break;
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\r': esc = "\\r"; break;
		case '\n': esc = "\\n"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '&': esc = "\\x26"; break;
		case '<': esc = "\\x3c"; break;
		case '>': esc = "\\x3e"; break;
		case '=': esc = "\\x3d"; break;
		case '\v': esc = "\\x0b"; break;
		case 0x2028: esc = "\\u2028"; break;
		case 0x2029: esc = "\\u2029"; break;
		}
		if (esc)
			strbuf_addstr(out, esc);
		else
			strbuf_add(out, at, (size_t)(s - at));
	}
}

static void
javascript_number(const char *s, struct strbuf *out)
{
	size_t len = strlen(s), i = 0;
	const char *ok = "0123456789+-.eE";

	if (!len)
		return;
	if (!strcmp(s, "true") || !strcmp(s, "false")) {
		strbuf_addstr(out, s);
		return;
	}
	if (s[0] == '0' && len > 2 && (s[1] == 'x' || s[1] == 'X')) {
		i = 2;
		ok = "0123456789abcdefABCDEF";
	}
	for (; i < len; i++)
		if (!strchr(ok, s[i])) {
			strbuf_addstr(out, "null");
			return;
		}
	strbuf_addstr(out, s);
}

static void
url_query_escape(const char *s, struct strbuf *out)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((isalnum(c) && c < 0x80) || strchr(".,_*/~!()-", c))
			strbuf_addch(out, c);
		else if (c == ' ')
			strbuf_addch(out, '+');
		else
			strbuf_addf(out, "%%%02X", c);
	}
}

static void
json_escape(const char *s, struct strbuf *out)
{
	for (; *s; s++) {
		switch (*s) {
		case '"': strbuf_addstr(out, "\\\""); break;
		case '\\': strbuf_addstr(out, "\\\\"); break;
		case '/': strbuf_addstr(out, "\\/"); break;
		case '\b': strbuf_addstr(out, "\\b"); break;
		case '\f': strbuf_addstr(out, "\\f"); break;
		case '\n': strbuf_addstr(out, "\\n"); break;
		case '\r': strbuf_addstr(out, "\\r"); break;
		case '\t': strbuf_addstr(out, "\\t"); break;
		case '&': strbuf_addstr(out, "\\u0026"); break;
		case '<': strbuf_addstr(out, "\\u003C"); break;
		case '>': strbuf_addstr(out, "\\u003E"); break;
		default: strbuf_addch(out, *s);
		}
	}
}

/* A URL with a scheme other than http, https or ftp is replaced. */
static int
url_is_unsafe(const char *s)
{
	size_t len = strlen(s), slash = strcspn(s, "/");
	const char *ok[] = { "http://", "https://", "ftp://" };
	size_t i;

	if (!memchr(s, ':', slash))
		return 0;
	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (len > strlen(ok[i]) && !strncasecmp(s, ok[i],
							strlen(ok[i])))
			return 0;
	return 1;
}

static void
validate_url(const char *s, struct strbuf *out, const char *bad,
	     void (*then)(const char *, struct strbuf *))
{
	then(url_is_unsafe(s) ? bad : s, out);
}

static void
html_escape_ws(const char *s, struct strbuf *out)
{
	html_escape(s, out, 1);
}

void
ctmod_apply(int id, const char *in, struct strbuf *out)
{
	const char *img = "/images/cleardot.gif";

	switch (id) {
	case C_CSS: cleanse_css(in, out); break;
	case C_HTML: html_escape(in, out, 1); break;
	case C_SNIPPET: snippet_escape(in, out); break;
	case C_JS: javascript_escape(in, out); break;
	case C_JSON: json_escape(in, out); break;
	case C_PRE:
	case C_HPRE: html_escape(in, out, 0); break;
	case C_ATTR: cleanse_attribute(in, out); break;
	case C_HURL:
	case C_UHTML: validate_url(in, out, "#", html_escape_ws); break;
	case C_QUERY:
	case C_UQUERY: url_query_escape(in, out); break;
	case C_XML: xml_escape(in, out); break;
	case C_NONE: strbuf_addstr(out, in); break;
	case C_UJS: validate_url(in, out, "#", javascript_escape); break;
	case C_UCSS: validate_url(in, out, "#", css_url_escape); break;
	case C_NUMBER: javascript_number(in, out); break;
	case C_IJS: validate_url(in, out, img, javascript_escape); break;
	case C_IHTML: validate_url(in, out, img, html_escape_ws); break;
	case C_ICSS: validate_url(in, out, img, css_url_escape); break;
	default: strbuf_addstr(out, in);	/* ids come from ctmod_lookup */
	}
}
