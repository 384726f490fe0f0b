/* SPDX-License-Identifier: MIT */
/*
 * stagepool.h - the parallel parts of a large run (core/stagepool.c,
 * on the threads of pool.h): every file's sha256 after render, and the
 * staging of the files.  Whatever the number of threads, the result is
 * the one of one thread: the same hashes, the same staged tree, the
 * same first error; the commit that follows is one ordered step.
 */
#ifndef STAGEPOOL_H
#define STAGEPOOL_H

#include <stddef.h>
#include "diag.h"

struct action;
struct stage;

/*
 * stage_write() of every action not skipped, with threads: directories,
 * symlinks and the files' parents first, in order, by this thread, then
 * the files by up to threads threads.  0, or -1 with the diagnostic of
 * the failed action of lowest index (the others are not reported; the
 * caller removes the staging directory).  Stops early, 0 and no diagnostic,
 * when stage_interrupted is set: the caller reports that.
 */
int stage_write_parallel(struct stage *s, const struct action *v, size_t nr,
			 unsigned threads, struct diag *d);
/* The sha256 of every file, text and data action's bytes into its
 * sha (what the lock records), by pool_threads() threads. */
void stage_hash_actions(struct action *v, size_t nr);
/*
 * How many threads should write the nr actions of v: 1 below 512 files
 * (POOL_MIN_ITEMS) or for a tree whose entries could collide (a path
 * given twice or below a file or symlink, a directory its owner cannot
 * write into), else pool_threads(): the CPUs online, at most 8, or
 * KHORA_WRITE_THREADS (1 = always one thread).
 */
unsigned stage_threads(const struct action *v, size_t nr);

#endif /* STAGEPOOL_H */
