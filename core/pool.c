/* SPDX-License-Identifier: MIT */
/*
 * pool.c - the few threads of a large run's parallel loops (pool.h).
 * One mutex guards the next index, the count done and the first
 * failure; a chunk of indexes per lock round trip keeps it out of the
 * way, and a stop flag read before every item ends the run at once.
 * A thread that cannot be created leaves its share to the others (the
 * caller's thread always works), so a shortage of threads is never an
 * error.
 */
#include "compat.h"
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include "pool.h"
#include "progress.h"

/*
 * Indexes a thread takes at once: an eighth of a thread's share, at
 * least 32, at most the share itself (two long jobs on two threads go
 * one to each).  Large chunks keep the threads apart in the tree (files
 * of one directory are neighbours in path order, and threads creating
 * files in one directory queue on its lock); eight per thread still
 * even out the shares.
 */
#define MIN_CHUNK 32
#define CHUNKS_PER_THREAD 8

struct pool {
	int (*fn)(void *, size_t);
	void *arg;
	size_t n, chunk;
	const volatile sig_atomic_t *cancel;
	pthread_mutex_t lock;
	size_t next;		/* first index not handed out yet */
	size_t done;		/* indexes finished (for the progress line) */
	size_t err_at;		/* lowest index that failed, or n */
	int err;		/* its errno */
	int stop;		/* read without the lock: __atomic */
};

unsigned
pool_threads(size_t n)
{
	const char *env = getenv("KHORA_WRITE_THREADS");
	char *end;
	long t = 0;

	if (env && *env) {
		errno = 0;
		t = strtol(env, &end, 10);
		if (errno || *end || t < 1)
			t = 0;
	}
	if (t == 1 || n < POOL_MIN_ITEMS)
		return 1;
	if (!t)
		t = sysconf(_SC_NPROCESSORS_ONLN);
	if (t < 1)
		return 1;
	return t > POOL_MAX_THREADS ? POOL_MAX_THREADS : (unsigned)t;
}

/* The next chunk [*from, *to), or 0 when there is none or we stop. */
static int
take_chunk(struct pool *pl, size_t *from, size_t *to)
{
	int more;

	pthread_mutex_lock(&pl->lock);
	more = !__atomic_load_n(&pl->stop, __ATOMIC_RELAXED) &&
	       pl->next < pl->n;
	if (more) {
		*from = pl->next;
		*to = pl->n - pl->next > pl->chunk ? pl->next + pl->chunk :
						    pl->n;
		pl->next = *to;
	}
	pthread_mutex_unlock(&pl->lock);
	return more;
}

static void
fail_at(struct pool *pl, size_t i, int err)
{
	pthread_mutex_lock(&pl->lock);
	if (i < pl->err_at) {
		pl->err_at = i;
		pl->err = err;
	}
	__atomic_store_n(&pl->stop, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&pl->lock);
}

/*
 * Another thread failed or a signal came: not one more item.  Only the
 * calling thread, where the signal handler runs, reads *cancel (a
 * sig_atomic_t is atomic against a handler, not against threads); it
 * passes the news on through stop.
 */
static int
stopped(struct pool *pl, int caller)
{
	if (caller && pl->cancel && *pl->cancel)
		__atomic_store_n(&pl->stop, 1, __ATOMIC_RELAXED);
	return __atomic_load_n(&pl->stop, __ATOMIC_RELAXED);
}

/* Chunks until none is left or one fails; caller: this is the calling
 * thread, which keeps the progress line and watches *cancel. */
static void
run_chunks(struct pool *pl, int caller, const char *progress)
{
	size_t from, to, i, done;

	while (!stopped(pl, caller) && take_chunk(pl, &from, &to)) {
		for (i = from; i < to && !stopped(pl, caller); i++) {
			if (pl->fn(pl->arg, i)) {
				fail_at(pl, i, errno);
				return;
			}
		}
		pthread_mutex_lock(&pl->lock);
		pl->done += to - from;
		done = pl->done;
		pthread_mutex_unlock(&pl->lock);
		if (caller && progress)
			progress_show(progress, done, pl->n);
	}
}

static void *
worker(void *arg)
{
	run_chunks(arg, 0, NULL);
	return NULL;
}

size_t
pool_run(size_t n, unsigned threads, int (*fn)(void *, size_t), void *arg,
	 const volatile sig_atomic_t *cancel, const char *progress, int *err)
{
	pthread_t tid[POOL_MAX_THREADS];
	sigset_t all, old;
	struct pool pl;
	unsigned i, started = 0;

	memset(&pl, 0, sizeof(pl));
	pl.fn = fn;
	pl.arg = arg;
	pl.n = n;
	pl.cancel = cancel;
	pl.err_at = n;
	pthread_mutex_init(&pl.lock, NULL);
	if (threads > POOL_MAX_THREADS)
		threads = POOL_MAX_THREADS;
	if (!threads)
		threads = 1;
	pl.chunk = n / (threads * CHUNKS_PER_THREAD);
	if (pl.chunk < MIN_CHUNK)
		pl.chunk = MIN_CHUNK;
	/* a few long items (the two records) still go one to a thread */
	if (pl.chunk > (n + threads - 1) / threads)
		pl.chunk = (n + threads - 1) / threads;
	if (!pl.chunk)
		pl.chunk = 1;
	/* the workers inherit a mask blocking every signal */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	while (started + 1 < threads &&
	       !pthread_create(&tid[started], NULL, worker, &pl))
		started++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	run_chunks(&pl, 1, progress);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&pl.lock);
	if (pl.err_at < n)
		*err = pl.err;
	return pl.err_at;
}
