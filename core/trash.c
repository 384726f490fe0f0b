/* SPDX-License-Identifier: MIT */
/*
 * trash.c - the recoverable place for what a commit removes or
 * replaces (trash.h).  Every step opens below the project's root fd
 * with O_NOFOLLOW: a hostile .khora/trash that is a symlink makes the
 * commit fail, it never sends the user's files elsewhere.
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "stage.h"
#include "trash.h"
#include "walk.h"
#include "wrapper.h"

#define TRASH_DIR ".khora/trash"

void
trash_init(struct trash *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

/* .khora/trash, opened without following a symlink (-1 if absent). */
static int
open_root(int tfd, int *kfd_out)
{
	int kfd = openat(tfd, ".khora", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			 O_CLOEXEC), fd;

	if (kfd < 0)
		return -1;
	fd = openat(kfd, "trash", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (kfd_out)
		*kfd_out = kfd;
	else
		close(kfd);
	return fd;
}

int
trash_prepare(struct trash *t, int tfd)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int kfd = -1, rfd = open_root(tfd, &kfd), i;

	/* neither .khora nor its trash may be a symlink */
	if (kfd < 0)
		return -1;
	if (rfd < 0 && errno != ENOENT) {
		close(kfd);
		return -1;
	}
	t->need_root = rfd < 0;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* two runs in one second: the second gets ".2", and so on (the
	 * project's lock keeps other khora runs out meanwhile) */
	for (i = 1; i < 1000; i++) {
		if (i == 1)
			snprintf(t->name, sizeof(t->name), "%s", stamp);
		else
			snprintf(t->name, sizeof(t->name), "%s.%d", stamp, i);
		if (rfd < 0 || faccessat(rfd, t->name, F_OK,
					 AT_SYMLINK_NOFOLLOW))
			break;
	}
	if (rfd >= 0)
		close(rfd);
	close(kfd);
	if (i == 1000) {
		t->name[0] = '\0';	/* every name taken: none is ours */
		errno = EEXIST;
		return -1;
	}
	return 0;
}

int
trash_create(struct trash *t, int tfd)
{
	int kfd = openat(tfd, ".khora", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			 O_CLOEXEC), rfd;

	if (kfd < 0)
		return -1;
	if (t->need_root && mkdirat(kfd, "trash", 0700)) {
		close(kfd);
		return -1;
	}
	t->made_root = t->need_root;
	rfd = openat(kfd, "trash", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	close(kfd);
	if (rfd < 0)
		return -1;
	if (mkdirat(rfd, t->name, 0700)) {
		close(rfd);
		return -1;
	}
	t->made_run = 1;
	t->fd = openat(rfd, t->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		       O_CLOEXEC);
	close(rfd);
	return t->fd < 0 ? -1 : 0;
}

int
trash_valid_name(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!strchr("0123456789TZ.", name[i]))
			return 0;
	return i > 0 && i < 64 && name[0] != '.';
}

struct backups_ctx {
	int fd;			/* the directory listed */
	int bfd;		/* the backup directory */
	int depth;
	const struct stat *st;	/* is_backup(): the file looked for */
};

/* walk_dir(): 1 when name is the file c->st (same inode) */
static int
same_file(const char *name, unsigned char type, void *arg)
{
	const struct backups_ctx *c = arg;
	struct stat bst;

	(void)type;
	return !fstatat(c->bfd, name, &bst, AT_SYMLINK_NOFOLLOW) &&
		S_ISREG(bst.st_mode) && bst.st_dev == c->st->st_dev &&
		bst.st_ino == c->st->st_ino;
}

/* Is st one of the files of the backup directory bfd (same inode)? */
static int
is_backup(int bfd, const struct stat *st)
{
	struct backups_ctx c = { bfd, bfd, 0, st };

	return walk_dir(bfd, same_file, &c) > 0;
}

static int only_backups(int dfd, int bfd, int depth);

/* walk_dir(): 1 when name is not a backup link nor holds only those */
static int
not_backup(const char *name, unsigned char type, void *arg)
{
	const struct backups_ctx *c = arg;
	struct stat st;
	int ok, sub;

	(void)type;
	if (fstatat(c->fd, name, &st, AT_SYMLINK_NOFOLLOW))
		return 1;
	if (!S_ISDIR(st.st_mode) || c->depth >= 256)
		return !(S_ISREG(st.st_mode) && is_backup(c->bfd, &st));
	sub = openat(c->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	ok = sub >= 0 && only_backups(sub, c->bfd, c->depth + 1);
	if (sub >= 0)
		close(sub);
	return !ok;
}

/*
 * Everything below dfd is a link to a backup of the run (what
 * trash_keep() makes) or a directory holding only such links: then,
 * and only then, the run directory is the interrupted run's own.
 */
static int
only_backups(int dfd, int bfd, int depth)
{
	struct backups_ctx c = { dfd, bfd, depth, NULL };

	return !walk_dir(dfd, not_backup, &c);
}

int
trash_undo(int tfd, const char *name, int bfd)
{
	int fd, run, ret = 0;

	if (!trash_valid_name(name))
		return 0;
	fd = open_root(tfd, NULL);
	if (fd < 0)
		return 0;
	run = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	/* a journal only names a run directory: what is in it must be
	 * the links that run made, or it is someone's kept bytes */
	if (run >= 0 && !only_backups(run, bfd, 0))
		ret = -1;
	else if (run >= 0)
		remove_tree(fd, name);
	if (run >= 0)
		close(run);
	close(fd);
	return ret;
}

int
trash_keep(struct trash *t, int tfd, int fromfd, const char *from,
	   const char *path)
{
	if (t->fd < 0)
		return -1;
	if (make_parents(t->fd, path, &t->cache))
		return -1;
	return linkat(fromfd, from, t->fd, path, 0);
}

void
trash_discard(struct trash *t, int tfd)
{
	char path[128];

	/* also after a failed trash_create(): what it made goes */
	if (t->made_run) {
		snprintf(path, sizeof(path), "%s/%s", TRASH_DIR, t->name);
		remove_tree(tfd, path);
	}
	if (t->made_root)
		unlinkat(tfd, TRASH_DIR, AT_REMOVEDIR);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->name[0] = '\0';
	t->made_root = t->made_run = 0;
}

void
trash_release(struct trash *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->cache);
	trash_init(t);
}

struct count_ctx {
	int fd;
	int depth;
	size_t n;
};

static size_t count_at(int dirfd, int depth);

/* walk_dir(): a file counts one, a directory what it holds */
static int
count_one(const char *name, unsigned char type, void *arg)
{
	struct count_ctx *c = arg;
	struct stat st;
	int fd;

	(void)type;
	if (fstatat(c->fd, name, &st, AT_SYMLINK_NOFOLLOW))
		return 0;
	if (!S_ISDIR(st.st_mode)) {
		c->n++;
		return 0;
	}
	fd = openat(c->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd >= 0)
		c->n += count_at(fd, c->depth + 1);
	return 0;
}

/* What is below dirfd (which it closes); errors count nothing. */
static size_t
count_at(int dirfd, int depth)
{
	struct count_ctx c = { dirfd, depth, 0 };

	if (depth <= 64)
		walk_dir(dirfd, count_one, &c);
	close(dirfd);
	return c.n;
}

size_t
trash_count(const char *root)
{
	int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;

	if (rfd < 0)
		return 0;
	fd = openat(rfd, TRASH_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	close(rfd);
	return fd < 0 ? 0 : count_at(fd, 0);
}
