/* SPDX-License-Identifier: MIT */
/*
 * walk.c - the one place khora reads a directory: walk_dir() lists one
 * directory by fd (every module that looks into a directory calls it),
 * and walk_tree, the sorted and recursive walk of the commands that list
 * files (status, plugins info --templates).  Every directory is opened
 * with confine_open() below the root's fd, so a symlink is reported as
 * an entry and never entered, and an unreadable directory stops the
 * walk: a listing with holes would be taken for a smaller tree.
 */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
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

struct read_ctx {
	int fd;
	struct walk_entry *v;
	size_t nr, alloc;
};

static int
read_one(const char *name, unsigned char type, void *arg)
{
	struct read_ctx *c = arg;

	(void)type;
	ALLOC_GROW(c->v, c->nr, c->alloc);
	if (fstatat(c->fd, name, &c->v[c->nr].st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : 1;	/* ENOENT: gone meanwhile */
	c->v[c->nr++].name = xstrdup(name);
	return 0;
}

/* The entries of rel (below rootfd), sorted, with their lstat. */
static int
read_dir(int rootfd, const char *rel, struct walk_entry **out, size_t *nr)
{
	struct read_ctx c = { -1, NULL, 0, 0 };
	int r, e = 0;

	c.fd = confine_open(rootfd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY,
			    0);
	*nr = 0;
	*out = NULL;
	if (c.fd < 0)
		return -1;
	r = walk_dir(c.fd, read_one, &c);
	e = r ? errno : 0;
	close(c.fd);
	if (c.nr)
		qsort(c.v, c.nr, sizeof(*c.v), cmp_entry);
	*out = c.v;
	*nr = c.nr;
	errno = e;
	return r ? -1 : 0;
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

int
walk_dir(int fd, walk_dir_fn fn, void *arg)
{
	DIR *dh = walk_opendir(fd);
	struct dirent *de;
	int ret = 0, e;

	if (!dh)
		return -1;
	for (;;) {
		errno = 0;
		if (!(de = readdir(dh))) {
			/* a read error is not the end of the list */
			if (errno)
				ret = -1;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ret = fn(de->d_name, de->d_type, arg);
		if (ret)
			break;
	}
	e = errno;
	closedir(dh);
	errno = e;
	return ret;
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
