/* SPDX-License-Identifier: MIT */
/*
 * check_ytree_builder.c - unit tests of the event builder inside
 * core/ytree.c, which is static: the file is included here, so that a
 * state libyaml's parser never produces (a container closing under a
 * map that has no key for it) can be driven directly.  Ownership is the
 * point: every node is freed exactly once, on every error path.
 */
#include "unit.h"
#include "../../core/ytree.c"

static void
close_event(yaml_event_t *ev, yaml_event_type_t type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->start_mark.line = 2;
	ev->start_mark.column = 4;
}

/*
 * A sequence that ends where a map expects a key: refused, and the
 * sequence freed once (it used to be freed by builder_place() and again
 * by its caller: a double free, unreachable from the parser only
 * because the start event is checked first).
 */
START_TEST(test_container_as_key)
{
	CAPTURE_DIAG(d, msg);
	struct builder b;
	yaml_event_t ev;

	memset(&b, 0, sizeof(b));
	b.file = "t.yaml";
	b.d = &d;
	b.code = EXIT_CONFIG;
	b.stack[0] = ynode_new(Y_MAP, b.file, 1, 1);
	b.stack[1] = ynode_new(Y_SEQ, b.file, 2, 1);
	ynode_append(b.stack[1], NULL, ynode_new(Y_SCALAR, b.file, 2, 3));
	b.stack[1]->vals[0]->str = xstrdup("x");
	b.depth = 2;
	close_event(&ev, YAML_SEQUENCE_END_EVENT);
	ck_assert_int_eq(builder_event(&b, &ev), -1);
	ck_assert_int_eq(b.depth, 1);
	ck_assert_ptr_null(b.stack[1]);
	ck_assert_msg(strstr(msg.buf, "t.yaml:3:5: invalid YAML: only plain "
			     "keys are supported"), "got [%s]", msg.buf);
	builder_clear(&b);
	strbuf_release(&msg);
}
END_TEST

/* The same through the parser: refused at the start event, no leak. */
START_TEST(test_complex_key)
{
	static const char doc[] = "? [a, b]\n: c\n";
	CAPTURE_DIAG(d, msg);
	struct ynode *tree = NULL;

	ck_assert_int_eq(ytree_parse_buf("t.yaml", doc, strlen(doc), &tree,
					 &d, EXIT_CONFIG), -1);
	ck_assert_ptr_null(tree);
	ck_assert_msg(strstr(msg.buf, "only plain keys are supported"),
		      "got [%s]", msg.buf);
	strbuf_release(&msg);
}
END_TEST

/* A duplicate key is freed by builder_place(), the map stays whole. */
START_TEST(test_duplicate_key)
{
	static const char doc[] = "a: 1\nb: {x: 1, x: 2}\n";
	CAPTURE_DIAG(d, msg);
	struct ynode *tree = NULL;

	ck_assert_int_eq(ytree_parse_buf("t.yaml", doc, strlen(doc), &tree,
					 &d, EXIT_CONFIG), -1);
	ck_assert_ptr_null(tree);
	ck_assert_msg(strstr(msg.buf, "duplicate key 'x' (first at line 2)"),
		      "got [%s]", msg.buf);
	strbuf_release(&msg);
}
END_TEST

static Suite *
ytree_builder_suite(void)
{
	Suite *s = suite_create("ytree_builder");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_container_as_key);
	tcase_add_test(tc, test_complex_key);
	tcase_add_test(tc, test_duplicate_key);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(ytree_builder_suite)
