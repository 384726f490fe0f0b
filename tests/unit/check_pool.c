/* SPDX-License-Identifier: MIT */
/*
 * check_pool.c - the threads of a large run's loops: every index done
 * exactly once by however many threads, the lowest failure reported
 * and every thread stopped after it, a cancel flag obeyed, the thread
 * count the environment and the size decide; and the parallel staging
 * refusing trees whose entries could meet.
 */
#include "unit.h"
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include "pipeline.h"
#include "pool.h"
#include "stagepool.h"

#define ITEMS 20000

struct count {
	unsigned char seen[ITEMS];
	pthread_mutex_t lock;
	size_t fail_from;	/* indexes from here fail (ITEMS: none) */
	size_t calls;
	volatile sig_atomic_t *cancel_at_call;
	pthread_t threads[64];
	size_t nr_threads;
};

static int
visit(void *arg, size_t i)
{
	struct count *c = arg;
	pthread_t self = pthread_self();
	size_t t;

	pthread_mutex_lock(&c->lock);
	c->seen[i]++;
	c->calls++;
	for (t = 0; t < c->nr_threads; t++)
		if (pthread_equal(c->threads[t], self))
			break;
	if (t == c->nr_threads && t < ARRAY_SIZE(c->threads))
		c->threads[c->nr_threads++] = self;
	if (c->cancel_at_call && c->calls == 100)
		*c->cancel_at_call = 1;
	pthread_mutex_unlock(&c->lock);
	if (i >= c->fail_from) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

static struct count *
new_count(void)
{
	struct count *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	pthread_mutex_init(&c->lock, NULL);
	c->fail_from = ITEMS;
	return c;
}

START_TEST(test_every_index_once)
{
	struct count *c = new_count();
	size_t i;
	int err = 0;

	ck_assert_uint_eq(pool_run(ITEMS, 4, visit, c, NULL, NULL, &err),
			  ITEMS);
	for (i = 0; i < ITEMS; i++)
		ck_assert_uint_eq(c->seen[i], 1);
	ck_assert_uint_eq(c->calls, ITEMS);
	ck_assert_uint_ge(c->nr_threads, 1);
	ck_assert_uint_le(c->nr_threads, 4);
	free(c);
}
END_TEST

START_TEST(test_one_thread_is_the_caller)
{
	struct count *c = new_count();
	int err = 0;

	ck_assert_uint_eq(pool_run(ITEMS, 1, visit, c, NULL, NULL, &err),
			  ITEMS);
	ck_assert_uint_eq(c->nr_threads, 1);
	ck_assert(pthread_equal(c->threads[0], pthread_self()));
	free(c);
}
END_TEST

/* From index 5000 on every call fails: the lowest failure is
 * reported, and no thread starts an item after its own or another's
 * failure (one each at most). */
START_TEST(test_lowest_failure_stops_all)
{
	struct count *c = new_count();
	size_t i, failed = 0, bad;
	int err = 0;

	c->fail_from = 5000;
	bad = pool_run(ITEMS, 4, visit, c, NULL, NULL, &err);
	ck_assert_int_eq(err, ENOSPC);
	ck_assert_uint_ge(bad, 5000);
	ck_assert_uint_eq(c->seen[bad], 1);
	for (i = 0; i < ITEMS; i++) {
		ck_assert_uint_le(c->seen[i], 1);
		if (i < bad && i >= 5000)
			ck_assert_uint_eq(c->seen[i], 0);
		failed += i >= 5000 && c->seen[i];
	}
	ck_assert_uint_le(failed, 4);
	free(c);
}
END_TEST

/* One thread: the plain loop, stopped exactly at the first failure. */
START_TEST(test_one_thread_first_failure)
{
	struct count *c = new_count();
	int err = 0;

	c->fail_from = 700;
	ck_assert_uint_eq(pool_run(ITEMS, 1, visit, c, NULL, NULL, &err),
			  700);
	ck_assert_uint_eq(c->calls, 701);
	free(c);
}
END_TEST

/* The calling thread watches the flag: set at its 100th call it stops
 * there; set before, no item is done by it. */
START_TEST(test_cancel_stops)
{
	static volatile sig_atomic_t cancel;
	struct count *c = new_count();
	size_t i;
	int err = 0;

	cancel = 0;
	c->cancel_at_call = &cancel;
	ck_assert_uint_eq(pool_run(ITEMS, 1, visit, c, &cancel, NULL, &err),
			  ITEMS);
	ck_assert_uint_eq(c->calls, 100);
	free(c);
	c = new_count();
	ck_assert_uint_eq(pool_run(ITEMS, 1, visit, c, &cancel, NULL, &err),
			  ITEMS);
	ck_assert_uint_eq(c->calls, 0);
	/* workers may have begun before the caller saw it: never twice */
	ck_assert_uint_eq(pool_run(ITEMS, 3, visit, c, &cancel, NULL, &err),
			  ITEMS);
	for (i = 0; i < ITEMS; i++)
		ck_assert_uint_le(c->seen[i], 1);
	free(c);
}
END_TEST

/*
 * Two items, two threads (the records of a large run: the base hashed
 * while the lock is built): each item waits for the other to begin, so
 * both run only if each thread got one.  A chunk of 32 gave both items
 * to whichever thread came first: no second thread at all.
 */
struct meet {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int begun;
	int met;
};

static int
meet_other(void *arg, size_t i)
{
	struct meet *m = arg;
	struct timespec until;

	(void)i;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	pthread_mutex_lock(&m->lock);
	m->begun++;
	pthread_cond_broadcast(&m->cond);
	while (m->begun < 2)
		if (pthread_cond_timedwait(&m->cond, &m->lock, &until))
			break;
	if (m->begun == 2)
		m->met++;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

START_TEST(test_two_items_two_threads)
{
	struct meet m;
	int err = 0;

	memset(&m, 0, sizeof(m));
	pthread_mutex_init(&m.lock, NULL);
	pthread_cond_init(&m.cond, NULL);
	ck_assert_uint_eq(pool_run(2, 2, meet_other, &m, NULL, NULL, &err), 2);
	ck_assert_int_eq(m.met, 2);
	pthread_cond_destroy(&m.cond);
	pthread_mutex_destroy(&m.lock);
}
END_TEST

START_TEST(test_threads_wanted)
{
	setenv("KHORA_WRITE_THREADS", "1", 1);
	ck_assert_uint_eq(pool_threads(100000), 1);
	setenv("KHORA_WRITE_THREADS", "3", 1);
	ck_assert_uint_eq(pool_threads(100000), 3);
	/* a small loop has one thread whatever the environment says */
	ck_assert_uint_eq(pool_threads(POOL_MIN_ITEMS - 1), 1);
	setenv("KHORA_WRITE_THREADS", "999", 1);
	ck_assert_uint_eq(pool_threads(100000), POOL_MAX_THREADS);
	/* not a number: the default, as if unset */
	setenv("KHORA_WRITE_THREADS", "two", 1);
	ck_assert_uint_eq(pool_threads(10), 1);
	unsetenv("KHORA_WRITE_THREADS");
	ck_assert_uint_eq(pool_threads(POOL_MIN_ITEMS - 1), 1);
	ck_assert_uint_ge(pool_threads(POOL_MIN_ITEMS), 1);
	ck_assert_uint_le(pool_threads(POOL_MIN_ITEMS), POOL_MAX_THREADS);
}
END_TEST

/* 600 files "dNN/fN" and one more action: may they go to threads? */
static unsigned
threads_with(enum action_kind kind, const char *path, unsigned mode)
{
	static char names[600][32];
	struct action v[601];
	size_t i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < 600; i++) {
		snprintf(names[i], sizeof(names[i]), "d%02zu/f%zu", i % 20, i);
		v[i].kind = A_FILE;
		v[i].path = names[i];
		v[i].mode = 0644;
	}
	v[600].kind = kind;
	v[600].path = (char *)path;
	v[600].mode = mode;
	return stage_threads(v, 601);
}

START_TEST(test_stage_threads_refuses_meeting_paths)
{
	setenv("KHORA_WRITE_THREADS", "4", 1);
	ck_assert_uint_eq(threads_with(A_FILE, "other", 0644), 4);
	ck_assert_uint_eq(threads_with(A_DIR, "d01", 0755), 4);
	ck_assert_uint_eq(threads_with(A_SYMLINK, "link", 0777), 4);
	/* a path twice, a file or symlink where a directory must be */
	ck_assert_uint_eq(threads_with(A_FILE, "d01/f1", 0644), 1);
	ck_assert_uint_eq(threads_with(A_FILE, "d01", 0644), 1);
	ck_assert_uint_eq(threads_with(A_SYMLINK, "d02", 0777), 1);
	/* a directory its owner cannot write into */
	ck_assert_uint_eq(threads_with(A_DIR, "d03", 0555), 1);
	unsetenv("KHORA_WRITE_THREADS");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");

	tcase_add_test(tc, test_every_index_once);
	tcase_add_test(tc, test_one_thread_is_the_caller);
	tcase_add_test(tc, test_lowest_failure_stops_all);
	tcase_add_test(tc, test_one_thread_first_failure);
	tcase_add_test(tc, test_cancel_stops);
	tcase_add_test(tc, test_two_items_two_threads);
	tcase_add_test(tc, test_threads_wanted);
	tcase_add_test(tc, test_stage_threads_refuses_meeting_paths);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
