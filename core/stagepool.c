/* SPDX-License-Identifier: MIT */
/*
 * stagepool.c - hashing and writing a large tree with several threads
 * (pool.h).  Every file's sha256 (for the lock) is one independent job
 * per file.  Creating a file on tmpfs or a local disk
 * costs mostly CPU in the kernel (the inode, the page cache), so on two
 * or more cores the files go faster from several threads.  Only the
 * regular files are shared out: the calling thread first makes every
 * directory and symlink and every file's parents, in order, as
 * stage_write() does, then it and the workers create and write the
 * files.  Nothing is committed here:
 * the commit stays one ordered, atomic step after every thread is
 * joined, so the result is the tree one thread writes (e2e 9351
 * compares them).  A tree whose entries could collide (a path twice, a
 * file or symlink where another path needs a directory, a directory
 * its owner cannot write into) keeps the one-thread path, where the
 * order of the actions decides.
 */
#include "compat.h"
#include "confine.h"
#include "hash.h"
#include "pipeline.h"
#include "pool.h"
#include "sha256.h"
#include "stage.h"
#include "stagepool.h"

struct job {
	struct stage *s;
	const struct action *v;
};

static int
is_file(const struct action *a)
{
	return a->kind != A_DIR && a->kind != A_SYMLINK;
}

/*
 * 1 when no path is given twice and none lies below a file's or a
 * symlink's path: then no two entries can meet, whatever the order.
 */
static int
paths_disjoint(const struct action *v, size_t nr)
{
	struct hashmap paths = HASHMAP_INIT;
	const struct action *a;
	size_t i, j;
	int ok = 1;

	for (i = 0; i < nr && ok; i++)
		if (!v[i].skip && hashmap_put(&paths, v[i].path, (void *)&v[i]))
			ok = 0;
	for (i = 0; i < nr && ok; i++) {
		const char *path = v[i].path;

		if (v[i].skip)
			continue;
		for (j = 0; path[j] && ok; j++)
			if (path[j] == '/' &&
			    (a = hashmap_get_len(&paths, path, j)) &&
			    a->kind != A_DIR)
				ok = 0;
	}
	hashmap_clear(&paths);
	return ok;
}

unsigned
stage_threads(const struct action *v, size_t nr)
{
	size_t i, files = 0;
	unsigned n;

	for (i = 0; i < nr; i++) {
		if (v[i].skip)
			continue;
		/* a directory its owner cannot write into, made before
		 * files the one-thread order writes first, would refuse
		 * them */
		if (v[i].kind == A_DIR && (v[i].mode & 0300) != 0300)
			return 1;
		if (is_file(&v[i]))
			files++;
	}
	n = pool_threads(files);
	if (n > 1 && !paths_disjoint(v, nr))
		return 1;
	return n;
}

static int
write_one(void *arg, size_t i)
{
	struct job *job = arg;

	if (job->v[i].skip || !is_file(&job->v[i]))
		return 0;
	return stage_write_file(job->s, &job->v[i]);
}

/*
 * In order, by this thread alone: the parents of every file, every
 * directory and symlink (as stage_write() makes them).
 */
static int
make_all_but_files(struct stage *s, const struct action *v, size_t nr,
		   struct diag *d)
{
	size_t i;

	for (i = 0; i < nr && !stage_interrupted; i++) {
		struct diag_loc loc = { v[i].path, 0, 0 };

		if (v[i].skip)
			continue;
		if (!is_file(&v[i])) {
			if (stage_write(s, &v[i], d))
				return -1;
		} else if (make_parents(s->dirfd, v[i].path, &s->last_parent)) {
			return diag_error(d, EXIT_IO, &loc, "cannot create "
					  "directory: %s",
					  confine_strerror(errno));
		}
	}
	return 0;
}

int
stage_write_parallel(struct stage *s, const struct action *v, size_t nr,
		     unsigned threads, struct diag *d)
{
	struct job job = { s, v };
	size_t bad;
	int err = 0;

	if (make_all_but_files(s, v, nr, d))
		return -1;
	if (stage_interrupted)
		return 0;
	/* the workers only read the openat2-or-walk choice made here */
	confine_init();
	bad = pool_run(nr, threads, write_one, &job, &stage_interrupted,
		       "staging", &err);
	if (bad < nr) {
		struct diag_loc loc = { v[bad].path, 0, 0 };

		return diag_error(d, EXIT_IO, &loc, "cannot write file: %s",
				  confine_strerror(err));
	}
	return 0;
}

static int
hash_one(void *arg, size_t i)
{
	struct action *a = (struct action *)arg + i;

	if (a->kind == A_FILE || a->kind == A_TEXT || a->kind == A_DATA)
		sha256_hex(a->data, a->len, a->sha);
	return 0;
}

void
stage_hash_actions(struct action *v, size_t nr)
{
	int err;

	/* hash_one cannot fail, nor is it worth stopping on a signal */
	pool_run(nr, pool_threads(nr), hash_one, v, NULL, NULL, &err);
}
