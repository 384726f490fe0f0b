/* SPDX-License-Identifier: MIT */
/* check_ytree.c - unit tests of core/ytree.c's writer: every string
 * ytree_add_scalar() writes is read back by libyaml as the same string,
 * and UTF-8 is checked the way libyaml checks it. */
#include "unit.h"
#include "ytree.h"

static char *
quoted(const char *s, int quote)
{
	struct strbuf sb = STRBUF_INIT;

	ytree_add_scalar(&sb, s, quote);
	return strbuf_detach(&sb, NULL);
}

/* Writes "k: <s>" and reads it back; the value must be s again. */
static void
roundtrip(const char *s, int quote)
{
	CAPTURE_DIAG(d, msg);
	struct strbuf doc = STRBUF_INIT;
	struct ynode *tree = NULL, *v;

	strbuf_addstr(&doc, "k: ");
	ytree_add_scalar(&doc, s, quote);
	strbuf_addch(&doc, '\n');
	if (ytree_parse_buf("t.yaml", doc.buf, doc.len, &tree, &d, 3))
		ck_abort_msg("cannot read back [%s]: %s", doc.buf, msg.buf);
	v = ymap_get(tree, "k");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(v->kind, Y_SCALAR);
	ck_assert_msg(!strcmp(v->str, s), "[%s] read back as [%s] from [%s]",
		      s, v->str, doc.buf);
	/* plain only when it does not read as a null */
	ck_assert(!ynode_is_null(v) || !*s);
	ynode_free(tree);
	strbuf_release(&doc);
	strbuf_release(&msg);
}

START_TEST(test_encodings)
{
	static const struct { const char *in; int q; const char *out; } t[] = {
		{ "plain", 0, "plain" },
		{ "plain", 1, "\"plain\"" },
		{ "yes", 0, "\"yes\"" },
		{ "null", 0, "\"null\"" },
		{ "~", 0, "\"~\"" },
		{ "3.10", 0, "\"3.10\"" },
		{ "- x", 0, "\"- x\"" },
		{ "a: b", 0, "\"a: b\"" },
		{ "", 0, "\"\"" },
		{ "caf\xc3\xa9", 1, "\"caf\xc3\xa9\"" },
		{ "caf\xc3\xa9", 0, "\"caf\xc3\xa9\"" },
		{ "a\x7f" "b", 0, "\"a\\x7Fb\"" },
		{ "\x01\t\n\r\"\\", 0, "\"\\x01\\t\\n\\r\\\"\\\\\"" },
		{ "\xc2\x80\xc2\x85\xc2\x9f\xc2\xa0", 0,
		  "\"\\x80\\N\\x9F\xc2\xa0\"" },
		{ "\xe2\x80\xa8\xe2\x80\xa9", 0, "\"\\L\\P\"" },
		{ "\xef\xbb\xbf\xef\xbf\xbe\xef\xbf\xbf\xef\xbf\xbd", 0,
		  "\"\\uFEFF\\uFFFE\\uFFFF\xef\xbf\xbd\"" },
		/* not UTF-8: never written raw (the input checks refuse it) */
		{ "a\xff", 0, "\"a\\uFFFD\"" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		char *s = quoted(t[i].in, t[i].q);

		ck_assert_str_eq(s, t[i].out);
		free(s);
	}
}
END_TEST

START_TEST(test_nasty_roundtrip)
{
	static const char *const nasty[] = {
		"", " ", "  lead", "trail  ", "\t", "\ttab", "a\nb", "a\n",
		"\n\n", "a\r\nb", "\"", "'", "''", "\\", "\\n", "a: b", "a:",
		":", "a #b", "#", "-", "- a", "--- ", "---", "...", "?", "? a",
		"*a", "&a", "!a", "!!str", "%YAML", "@a", "`a`", "|", ">",
		"[a]", "{a: b}", ",", "yes", "No", "ON", "off", "y", "n",
		"true", "False", "null", "NULL", "~", "0", "1", "-1", "0x1F",
		"0o17", "1e3", ".inf", "-.inf", ".nan", "1_000", "1:20",
		"3.10", "0.1.0", "a\x7f", "\xc2\x80", "\xc2\x85", "\xc2\x9f",
		"\xe2\x80\xa8", "\xe2\x80\xa9", "\xef\xbb\xbf",
		"\xef\xbf\xbe", "\xef\xbf\xbf", "\xf0\x9f\x98\x80",
		"\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80",
		"a\x01" "b\x1b" "c", "caf\xc3\xa9 \xe2\x82\xac",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(nasty); i++) {
		if (!*nasty[i])
			continue;	/* "" reads back as "" only quoted */
		roundtrip(nasty[i], 0);
		roundtrip(nasty[i], 1);
	}
	roundtrip("", 1);
}
END_TEST

/* One random code point, biased to the ones that need care. */
static unsigned long
random_cp(unsigned *seed)
{
	static const unsigned long hard[] = {
		0x09, 0x0a, 0x0d, 0x20, 0x22, 0x23, 0x27, 0x2d, 0x3a, 0x5c,
		0x7f, 0x80, 0x85, 0x9f, 0xa0, 0x2028, 0x2029, 0xfeff, 0xfffd,
		0xfffe, 0xffff, 0xd7ff, 0xe000, 0x10000, 0x10ffff,
	};
	unsigned r = (unsigned)rand_r(seed);

	switch (r % 4) {
	case 0:
		return hard[(r >> 2) % ARRAY_SIZE(hard)];
	case 1:
		return 0x01 + (r >> 2) % 0x7f;
	case 2:
		return 0x80 + (r >> 2) % 0x800;
	default:
		r = (r >> 2) % 0x10fff0;
		return r >= 0xd800 && r <= 0xdfff ? 0x41 : r + 1;
	}
}

static void
add_utf8(struct strbuf *sb, unsigned long cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (int)(0xc0 | cp >> 6));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (int)(0xe0 | cp >> 12));
		strbuf_addch(sb, (int)(0x80 | (cp >> 6 & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(sb, (int)(0xf0 | cp >> 18));
		strbuf_addch(sb, (int)(0x80 | (cp >> 12 & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp >> 6 & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	}
}

START_TEST(test_random_roundtrip)
{
	unsigned seed = 14;	/* deterministic: a failure reproduces */
	int i, j, n;

	for (i = 0; i < 3000; i++) {
		struct strbuf sb = STRBUF_INIT;

		n = 1 + rand_r(&seed) % 12;
		for (j = 0; j < n; j++)
			add_utf8(&sb, random_cp(&seed));
		ck_assert(ytree_utf8_valid(sb.buf, sb.len));
		roundtrip(sb.buf, i & 1);
		strbuf_release(&sb);
	}
}
END_TEST

START_TEST(test_utf8_valid)
{
	ck_assert(ytree_utf8_valid("", 0));
	ck_assert(ytree_utf8_valid("caf\xc3\xa9", 5));
	ck_assert(ytree_utf8_valid("\xf4\x8f\xbf\xbf", 4));
	ck_assert(!ytree_utf8_valid("\xff", 1));
	ck_assert(!ytree_utf8_valid("\xc3", 1));		/* cut short */
	ck_assert(!ytree_utf8_valid("\xc0\xaf", 2));		/* overlong */
	ck_assert(!ytree_utf8_valid("\xe0\x80\xaf", 3));	/* overlong */
	ck_assert(!ytree_utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	ck_assert(!ytree_utf8_valid("\xf4\x90\x80\x80", 4));	/* > 10FFFF */
	ck_assert(!ytree_utf8_valid("\x80", 1));
}
END_TEST

/*
 * The duplicate-key check on both sides of the size where it switches
 * from a scan to a hash table, at every position, in nested mappings
 * (a key of a closed mapping is not a duplicate in its parent), and in
 * sibling mappings that share keys.
 */
START_TEST(test_duplicate_keys)
{
	size_t sizes[] = { 2, 7, 8, 9, 17, 300 }, i, k, dup, len;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* every position of the small ones, a few of the big */
		for (dup = 0; dup < sizes[i];
		     dup += sizes[i] < 20 || dup < 9 ? 1 : 37) {
			CAPTURE_DIAG(d, msg);
			struct strbuf doc = STRBUF_INIT, want = STRBUF_INIT;
			struct ynode *tree = NULL;

			for (k = 0; k < sizes[i]; k++)
				strbuf_addf(&doc, "k%zu: {k%zu: 1, a: 2}\n"
					    "", k, k + 1);
			len = doc.len;
			strbuf_addf(&doc, "k%zu: again\n", dup);
			ck_assert_int_eq(ytree_parse_buf("t.yaml", doc.buf,
							 doc.len, &tree, &d,
							 3), -1);
			strbuf_addf(&want, "khora: t.yaml:%zu:1: invalid YAML: "
				    "duplicate key 'k%zu' (first at line %zu)"
				    "\n", sizes[i] + 1, dup, dup + 1);
			ck_assert_str_eq(msg.buf, want.buf);
			/* without it: accepted, every key there */
			ck_assert_int_eq(ytree_parse_buf("t.yaml", doc.buf,
							 len, &tree, &d, 3), 0);
			ck_assert_uint_eq(tree->nr, sizes[i]);
			ck_assert_ptr_nonnull(ymap_get(tree, "k0"));
			ynode_free(tree);
			strbuf_release(&doc);
			strbuf_release(&want);
			strbuf_release(&msg);
		}
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ytree");
	TCase *tc = tcase_create("ytree");

	tcase_add_test(tc, test_encodings);
	tcase_add_test(tc, test_nasty_roundtrip);
	tcase_add_test(tc, test_random_roundtrip);
	tcase_add_test(tc, test_utf8_valid);
	tcase_add_test(tc, test_duplicate_keys);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
