/* SPDX-License-Identifier: MIT */
/*
 * userdir.c - khora's own directories below the user's (userdir.h).  A
 * path made with mkdir -p and opened by name follows whatever link
 * another user planted at ~/.cache/khora and writes where that user
 * chose, or reads a cache that user wrote; so each component is made
 * with mkdirat and opened with openat(O_NOFOLLOW) from its parent's
 * descriptor, and checked on that descriptor (fstat), not by name.
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "strbuf.h"
#include "userdir.h"

/* The base, the user's: made when missing, followed when a link. */
static int
open_base(const char *base, int create)
{
	struct strbuf sb = STRBUF_INIT;
	char *p;
	int fd;

	fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 || !create || errno != ENOENT)
		return fd;
	strbuf_addstr(&sb, base);
	for (p = sb.buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(sb.buf, 0700) && errno != EEXIST)
			break;
		*p = '/';
	}
	if (!*p && (!mkdir(sb.buf, 0700) || errno == EEXIST))
		fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	strbuf_release(&sb);
	return fd;
}

/* Whether the directory open as fd is fit to hold khora's files. */
static int
check_dir(int fd, struct strbuf *why)
{
	struct stat st;

	if (fstat(fd, &st)) {
		strbuf_addstr(why, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		strbuf_addstr(why, "not a directory");
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		strbuf_addf(why, "owned by uid %lu (neither you nor root)",
			    (unsigned long)st.st_uid);
	} else if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
		   !(st.st_mode & S_ISVTX)) {
		strbuf_addstr(why, "writable by group or others");
	} else {
		return 0;
	}
	return -1;
}

/* One component below parent: its checked descriptor, or -1. */
static int
open_sub(int parent, const char *name, int create, struct strbuf *why)
{
	struct stat st;
	int fd, err;

	if (create && mkdirat(parent, name, 0700) && errno != EEXIST) {
		strbuf_addstr(why, strerror(errno));
		return -1;
	}
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		/* O_DIRECTORY says ENOTDIR for a link: ask the entry itself */
		if (err == ELOOP || (err == ENOTDIR &&
		    !fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISLNK(st.st_mode)))
			strbuf_addstr(why, "a symbolic link (never followed)");
		else if (err == ENOTDIR)
			strbuf_addstr(why, "not a directory");
		else
			strbuf_addstr(why, strerror(err));
		errno = err == ELOOP || err == ENOTDIR ? EPERM : err;
		return -1;
	}
	if (check_dir(fd, why)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

int
userdir_open(const char *base, const char *const *sub, int create,
	     struct strbuf *why, struct strbuf *where)
{
	int fd = open_base(base, create), next, err;

	strbuf_addstr(where, base);
	if (fd < 0) {
		err = errno;
		strbuf_addstr(why, strerror(err));
		/* the user's own choice, not a refusal: never EPERM */
		errno = err == EPERM ? EACCES : err;
		return -1;
	}
	for (; *sub; sub++) {
		strbuf_addf(where, "/%s", *sub);
		next = open_sub(fd, *sub, create, why);
		err = errno;
		close(fd);
		if (next < 0) {
			errno = err;
			return -1;
		}
		fd = next;
	}
	return fd;
}
