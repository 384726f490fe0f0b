/* SPDX-License-Identifier: MIT */
/*
 * pool.h - run one function over the indexes 0..n-1 with a few threads:
 * the parallel loops of large runs (hashing rendered files, writing
 * staged ones).  The threads live for one pool_run() call only; nothing
 * is shared between calls.  fn must be safe to call from several
 * threads at once for distinct indexes and must not report through a
 * struct diag (not thread-safe): it returns 0, or -1 with errno, and the
 * caller reports the failure pool_run() returns.
 *
 * Indexes are handed out in chunks of increasing order.  After the first
 * failure no thread starts another item (an ENOSPC on one thread stops
 * all of them); of the failures that happened, the lowest index is the
 * one returned (an item of lower index may not have been tried).  A
 * non-zero *cancel (set by a signal handler) also stops every thread:
 * the workers run with every signal blocked, so the handler runs on the
 * calling thread, which alone reads *cancel (between two of its items)
 * and tells the others.
 */
#ifndef POOL_H
#define POOL_H

#include <signal.h>
#include <stddef.h>

#define POOL_MAX_THREADS 8
/* below this many items a thread costs more than it saves */
#define POOL_MIN_ITEMS 512

/*
 * The threads a loop of n items should use: 1 below POOL_MIN_ITEMS,
 * else KHORA_WRITE_THREADS=N from the environment (1: always one
 * thread, the plain path, as tests compare) or the CPUs online, at most
 * POOL_MAX_THREADS either way.
 */
unsigned pool_threads(size_t n);

/*
 * fn(arg, i) for every i < n, by up to threads threads (the caller's
 * included).  progress, when not NULL, is shown by the calling thread
 * (progress_show()).  Returns n when every call succeeded or the run
 * stopped on *cancel (cancel may be NULL), else the lowest failed
 * index, with *err set to its errno.
 */
size_t pool_run(size_t n, unsigned threads, int (*fn)(void *, size_t),
		void *arg, const volatile sig_atomic_t *cancel,
		const char *progress, int *err);

#endif /* POOL_H */
