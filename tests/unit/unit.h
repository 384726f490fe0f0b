/* SPDX-License-Identifier: MIT */
/*
 * unit.h - helpers shared by the Check suites: a diag that captures its
 * lines, temporary files, and a main() that runs one suite in fork mode
 * and prints Check's summary line.
 */
#ifndef UNIT_H
#define UNIT_H

#include "compat.h"
#include <check.h>
#include <unistd.h>
#include "diag.h"
#include "strbuf.h"

/* A diag whose messages land in the strbuf `out`. */
#define CAPTURE_DIAG(name, out) \
	struct strbuf out = STRBUF_INIT; \
	struct diag name = DIAG_INIT; \
	name.capture = &out

/* Writes text to a fresh temporary file; returns its malloc'd path. */
static inline char *
unit_tmpfile(const char *text)
{
	char *path = strdup("/tmp/khora-unit-XXXXXX");
	int fd = mkstemp(path);
	size_t len = strlen(text);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

#define UNIT_MAIN(suite_fn)						\
	int main(void)							\
	{								\
		SRunner *sr = srunner_create(suite_fn());		\
		int failed;						\
									\
		srunner_run_all(sr, CK_NORMAL);				\
		failed = srunner_ntests_failed(sr);			\
		srunner_free(sr);					\
		return failed ? 1 : 0;					\
	}

#endif /* UNIT_H */
