/* SPDX-License-Identifier: MIT */
/*
 * walk.c - sorted, recursive directory walks for the commands that list
 * files (status, plugins info --templates).  Every directory is opened
 * with confine_open() below the root's fd, so a symlink is reported as
 * an entry and never entered, and an unreadable directory stops the
 * walk: a listing with holes would be taken for a smaller tree.
 */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include "catalog.h"
#include "confine.h"
#include "strbuf.h"
#include "walk.h"
#include "wrapper.h"

struct walk_entry {
	char *name;
	struct stat st;
};

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct walk_entry *)a)->name,
		      ((const struct walk_entry *)b)->name);
}

/* The entries of rel (below rootfd), sorted, with their lstat. */
static int
read_dir(int rootfd, const char *rel, struct walk_entry **out, size_t *nr)
{
	struct walk_entry *v = NULL;
	size_t alloc = 0;
	struct dirent *de;
	int fd = confine_open(rootfd, *rel ? rel : ".", O_RDONLY |
			      O_DIRECTORY, 0), e = 0;
	DIR *dh = fd < 0 ? NULL : fdopendir(fd);

	*nr = 0;
	if (!dh) {
		e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	for (;;) {
		errno = 0;
		if (!(de = readdir(dh))) {
			e = errno;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ALLOC_GROW(v, *nr, alloc);
		v[*nr].name = xstrdup(de->d_name);
		if (fstatat(dirfd(dh), de->d_name, &v[*nr].st,
			    AT_SYMLINK_NOFOLLOW)) {
			free(v[*nr].name);
			if (errno == ENOENT)
				continue;	/* gone meanwhile */
			e = errno;
			break;
		}
		(*nr)++;
	}
	closedir(dh);
	if (*nr)
		qsort(v, *nr, sizeof(*v), cmp_entry);
	*out = v;
	errno = e;
	return e ? -1 : 0;
}

static int
walk_at(int rootfd, const char *rel, walk_fn fn, void *arg, char **err)
{
	struct strbuf sub = STRBUF_INIT;
	struct walk_entry *v = NULL;
	size_t i, nr = 0;
	int ret = 0, r, e = 0;

	if (read_dir(rootfd, rel, &v, &nr)) {
		e = errno;
		if (err && !*err)
			*err = xstrdup(*rel ? rel : ".");
		ret = -1;
	}
	for (i = 0; i < nr && !ret; i++) {
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "", v[i].name);
		r = fn(sub.buf, v[i].name, &v[i].st, arg);
		if (r < 0)
			ret = -1;
		else if (!r && S_ISDIR(v[i].st.st_mode) &&
			 walk_at(rootfd, sub.buf, fn, arg, err)) {
			e = errno;
			ret = -1;
		}
	}
	for (i = 0; i < nr; i++)
		free(v[i].name);
	free(v);
	strbuf_release(&sub);
	errno = e;
	return ret;
}

int
walk_tree_checked(const char *root, const char *rel, walk_fn fn, void *arg,
		  char **err)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret, e;

	if (fd < 0) {
		if (err && !*err)
			*err = xstrdup(".");
		return -1;
	}
	ret = walk_at(fd, rel, fn, arg, err);
	e = errno;
	close(fd);
	errno = e;
	return ret;
}

int
walk_tree(const char *root, const char *rel, walk_fn fn, void *arg)
{
	return walk_tree_checked(root, rel, fn, arg, NULL);
}

DIR *
walk_opendir(int fd)
{
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0), e;
	DIR *dh = dfd < 0 ? NULL : fdopendir(dfd);

	if (!dh) {
		e = errno;
		if (dfd >= 0)
			close(dfd);
		errno = e;
		return NULL;
	}
	rewinddir(dh);
	return dh;
}
