/* SPDX-License-Identifier: MIT */
/*
 * trash.c - the recoverable place for what a commit removes or
 * replaces (trash.h).  Every step opens below the project's root fd
 * with O_NOFOLLOW: a hostile .khora/trash that is a symlink makes the
 * commit fail, it never sends the user's files elsewhere.
 */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "stage.h"
#include "trash.h"
#include "wrapper.h"

#define TRASH_DIR ".khora/trash"

void
trash_init(struct trash *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

/* .khora/trash/<UTC time>, a free name of it. */
static int
trash_open(struct trash *t, int tfd)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int kfd, rfd, i;

	/* neither .khora nor its trash may be a symlink */
	kfd = openat(tfd, ".khora", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (kfd < 0)
		return -1;
	if (mkdirat(kfd, "trash", 0700) == 0)
		t->made_root = 1;
	rfd = errno == EEXIST || t->made_root ? openat(kfd, "trash",
		O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	close(kfd);
	if (rfd < 0)
		return -1;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* two runs in one second: the second gets ".2", and so on */
	for (i = 1; i < 1000; i++) {
		if (i == 1)
			snprintf(t->name, sizeof(t->name), "%s", stamp);
		else
			snprintf(t->name, sizeof(t->name), "%s.%d", stamp, i);
		if (!mkdirat(rfd, t->name, 0700))
			break;
		if (errno != EEXIST) {
			t->name[0] = '\0';	/* not made: not ours */
			close(rfd);
			return -1;
		}
	}
	if (i == 1000)
		t->name[0] = '\0';	/* every name taken: none is ours */
	t->fd = i < 1000 ? openat(rfd, t->name, O_RDONLY | O_DIRECTORY |
				  O_NOFOLLOW | O_CLOEXEC) : -1;
	close(rfd);
	return t->fd < 0 ? -1 : 0;
}

int
trash_keep(struct trash *t, int tfd, int fromfd, const char *from,
	   const char *path)
{
	if (t->fd < 0 && trash_open(t, tfd))
		return -1;
	if (make_parents(t->fd, path, &t->cache))
		return -1;
	return linkat(fromfd, from, t->fd, path, 0);
}

void
trash_discard(struct trash *t, int tfd)
{
	char path[128];

	/* also after a failed trash_open(): what it made goes */
	if (t->name[0]) {
		snprintf(path, sizeof(path), "%s/%s", TRASH_DIR, t->name);
		remove_tree(tfd, path);
	}
	if (t->made_root)
		unlinkat(tfd, TRASH_DIR, AT_REMOVEDIR);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->name[0] = '\0';
	t->made_root = 0;
}

void
trash_release(struct trash *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->cache);
	trash_init(t);
}

static size_t
count_at(int dirfd, int depth)
{
	DIR *dh;
	struct dirent *de;
	struct stat st;
	size_t n = 0;

	if (depth > 64)
		return 0;
	dh = fdopendir(dirfd);
	if (!dh) {
		close(dirfd);
		return 0;
	}
	while ((de = readdir(dh))) {
		int fd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (!S_ISDIR(st.st_mode)) {
			n++;
			continue;
		}
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			n += count_at(fd, depth + 1);
	}
	closedir(dh);
	return n;
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
