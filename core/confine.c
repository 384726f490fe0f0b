/* SPDX-License-Identifier: MIT */
/*
 * confine.c - path resolution below a directory fd that follows no
 * symbolic link and cannot leave the directory, whatever the directory
 * holds or how it changes while khora runs.  openat2() does it in the
 * kernel; the fallback walks one component at a time with O_NOFOLLOW,
 * so a directory swapped for a symlink between two steps is refused
 * rather than followed.  A file is opened O_NONBLOCK and checked with
 * fstat(), so a FIFO, socket or device is an error and never a hang.
 */
#include "compat.h"
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "confine.h"
#include "path.h"
#include "strbuf.h"

/* -1: not decided yet, 0: openat2, 1: component walk */
static int use_walk = -1;

void
confine_force_fallback(int on)
{
	use_walk = on ? 1 : 0;
}

static int
walk_forced(void)
{
	const char *env;

	if (use_walk < 0) {
		env = getenv("KHORA_CONFINE_FALLBACK");
		use_walk = env && *env && strcmp(env, "0") ? 1 : 0;
	}
	return use_walk;
}

void
confine_init(void)
{
	/* an invalid call that only a kernel without openat2 calls ENOSYS */
	if (!walk_forced() && syscall(SYS_openat2, -1, "", NULL, 0) < 0 &&
	    errno == ENOSYS)
		use_walk = 1;
}

/* 0 when rel is in path_check() form, else -1 with errno set. */
static int
check_rel(const char *rel)
{
	const char *p = rel, *slash;
	size_t n;

	if (!*rel || *rel == '/') {
		errno = EXDEV;
		return -1;
	}
	if (strlen(rel) > PATH_MAX_TOTAL) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (!n || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			errno = EXDEV;
			return -1;
		}
		if (n > PATH_MAX_COMPONENT) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (!slash)
			return 0;
		p = slash + 1;
	}
}

/*
 * After an ENOTDIR from an O_DIRECTORY|O_NOFOLLOW open of name: was it a
 * symlink?  Linux says ENOTDIR there, khora wants to say why.
 */
static int
symlink_errno(int dirfd, const char *name, int err)
{
	struct stat st;

	if (err == ENOTDIR &&
	    !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	    S_ISLNK(st.st_mode))
		return ELOOP;
	return err;
}

/*
 * The component walk: every directory on the way is opened O_PATH |
 * O_NOFOLLOW | O_DIRECTORY relative to the previous one, then the last
 * component with the caller's flags.
 */
static int
walk_open(int dirfd, const char *rel, int flags, mode_t mode)
{
	char buf[PATH_MAX_TOTAL + 1];
	char *comp = buf, *slash;
	int cur = dirfd, next, fd, e;

	snprintf(buf, sizeof(buf), "%s", rel);
	while ((slash = strchr(comp, '/'))) {
		*slash = '\0';
		next = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
		e = next < 0 ? symlink_errno(cur, comp, errno) : 0;
		if (cur != dirfd)
			close(cur);
		if (next < 0) {
			errno = e;
			return -1;
		}
		cur = next;
		comp = slash + 1;
	}
	fd = openat(cur, comp, flags, mode);
	e = errno;
	if (fd < 0 && (flags & O_DIRECTORY))
		e = symlink_errno(cur, comp, e);
	if (cur != dirfd)
		close(cur);
	errno = e;
	return fd;
}

/*
 * O_NOFOLLOW wins over RESOLVE_NO_SYMLINKS for the last component, so
 * a symlink there with O_DIRECTORY says ENOTDIR: look at it with O_PATH,
 * which opens the link itself.
 */
static int
kernel_symlink_errno(int dirfd, const char *rel, struct open_how *how)
{
	struct stat st;
	int fd, err = ENOTDIR;

	how->flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
	how->mode = 0;
	fd = (int)syscall(SYS_openat2, dirfd, rel, how, sizeof(*how));
	if (fd < 0)
		return err;
	if (!fstat(fd, &st) && S_ISLNK(st.st_mode))
		err = ELOOP;
	close(fd);
	return err;
}

static int
kernel_open(int dirfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how;
	int fd, tries;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(unsigned int)flags;
	/* openat2 wants mode 0 otherwise; O_TMPFILE includes O_DIRECTORY */
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		how.mode = mode;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		RESOLVE_NO_MAGICLINKS;
	/* EAGAIN: a rename raced the lookup; the kernel asks for a retry */
	for (tries = 0; tries < 16; tries++) {
		fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
			break;
	}
	if (fd < 0 && errno == ENOSYS) {
		use_walk = 1;
		return walk_open(dirfd, rel, flags, mode);
	}
	/* older container seccomp profiles answer EPERM to a syscall they
	 * do not know; the walk then says whether that was a real EPERM */
	if (fd < 0 && errno == EPERM)
		return walk_open(dirfd, rel, flags, mode);
	if (fd < 0 && errno == ENOTDIR && (flags & O_DIRECTORY))
		errno = kernel_symlink_errno(dirfd, rel, &how);
	return fd;
}

/* The type check and O_NONBLOCK reset of a freshly opened fd. */
static int
finish_open(int fd, int flags)
{
	struct stat st;
	int e;

	if (flags & (O_DIRECTORY | O_PATH))
		return fd;
	if (fstat(fd, &st)) {
		e = errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		e = S_ISDIR(st.st_mode) ? EISDIR : CONFINE_ENOTREG;
		goto fail;
	}
	if (!(flags & O_NONBLOCK) &&
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
		e = errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	errno = e;
	return -1;
}

static int
created_here(int flags)
{
	return (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) &&
	       (flags & O_TMPFILE) != O_TMPFILE;
}

static int
open_beneath(int dirfd, const char *rel, int flags, mode_t mode)
{
	if (check_rel(rel))
		return -1;
	if (walk_forced())
		return walk_open(dirfd, rel, flags, mode);
	return kernel_open(dirfd, rel, flags, mode);
}

int
confine_open(int dirfd, const char *rel, int flags, mode_t mode)
{
	int want = flags, fd;

	flags |= O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
	/*
	 * O_CREAT | O_EXCL succeeds only by making a new regular file (an
	 * existing FIFO or device is EEXIST), so it needs neither the
	 * O_NONBLOCK that guards against a hang nor the type check: one
	 * system call per staged file instead of four.
	 */
	if (created_here(flags))
		return open_beneath(dirfd, rel, flags, mode);
	if (!(flags & (O_DIRECTORY | O_PATH)))
		flags |= O_NONBLOCK;
	if ((flags & O_DIRECTORY) && !strcmp(rel, "."))
		return openat(dirfd, ".", flags);
	fd = open_beneath(dirfd, rel, flags, mode);
	if (fd < 0) {
		/* a FIFO opened for writing without a reader, a socket */
		if (errno == ENXIO && !(flags & O_DIRECTORY))
			errno = CONFINE_ENOTREG;
		return -1;
	}
	return finish_open(fd, want);
}

int
confine_parent(int dirfd, const char *rel, const char **base)
{
	char buf[PATH_MAX_TOTAL + 1];
	const char *slash;
	int fd;

	if (check_rel(rel))
		return -1;
	slash = strrchr(rel, '/');
	if (!slash) {
		*base = rel;
		return fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)(slash - rel), rel);
	fd = confine_open(dirfd, buf, O_RDONLY | O_DIRECTORY, 0);
	if (fd >= 0)
		*base = slash + 1;
	return fd;
}

int
confine_read_fd(int fd, struct strbuf *sb, size_t max)
{
	return strbuf_read_fd(sb, fd, max);
}

int
confine_read(int dirfd, const char *rel, struct strbuf *sb, size_t max)
{
	int fd = confine_open(dirfd, rel, O_RDONLY, 0), ret, e;

	if (fd < 0)
		return -1;
	ret = confine_read_fd(fd, sb, max);
	e = errno;
	close(fd);
	errno = e;
	return ret;
}

enum at_op { AT_LSTAT, AT_UNLINK, AT_MKDIR, AT_SYMLINK, AT_READLINK };

/* One *at() call on rel's last component, in its confined parent. */
static ssize_t
at_call(int dirfd, const char *rel, enum at_op op, int flags, mode_t mode,
	const char *text, void *buf, size_t size)
{
	const char *base = rel;
	int fd, e;
	ssize_t ret;

	/* a name in dirfd itself needs no duplicate of it */
	if (!strchr(rel, '/'))
		fd = check_rel(rel) ? -1 : dirfd;
	else
		fd = confine_parent(dirfd, rel, &base);
	if (fd < 0)
		return -1;
	switch (op) {
	case AT_LSTAT:
		ret = fstatat(fd, base, buf, AT_SYMLINK_NOFOLLOW);
		break;
	case AT_UNLINK:
		ret = unlinkat(fd, base, flags);
		break;
	case AT_MKDIR:
		ret = mkdirat(fd, base, mode);
		break;
	case AT_SYMLINK:
		ret = symlinkat(text, fd, base);
		break;
	default:
		ret = readlinkat(fd, base, buf, size);
	}
	e = errno;
	if (fd != dirfd)
		close(fd);
	errno = e;
	return ret;
}

int
confine_lstat(int dirfd, const char *rel, struct stat *st)
{
	return (int)at_call(dirfd, rel, AT_LSTAT, 0, 0, NULL, st, 0);
}

int
confine_unlink(int dirfd, const char *rel, int flags)
{
	return (int)at_call(dirfd, rel, AT_UNLINK, flags, 0, NULL, NULL, 0);
}

int
confine_mkdir(int dirfd, const char *rel, mode_t mode)
{
	return (int)at_call(dirfd, rel, AT_MKDIR, 0, mode, NULL, NULL, 0);
}

int
confine_symlink(const char *target, int dirfd, const char *rel)
{
	return (int)at_call(dirfd, rel, AT_SYMLINK, 0, 0, target, NULL, 0);
}

ssize_t
confine_readlink(int dirfd, const char *rel, char *buf, size_t size)
{
	return at_call(dirfd, rel, AT_READLINK, 0, 0, NULL, buf, size);
}

int
confine_rename(int fromfd, const char *from, int tofd, const char *to)
{
	const char *fb, *tb;
	int fp = confine_parent(fromfd, from, &fb), tp = -1, ret = -1, e;

	if (fp >= 0 && (tp = confine_parent(tofd, to, &tb)) >= 0)
		ret = renameat(fp, fb, tp, tb);
	e = errno;
	if (fp >= 0)
		close(fp);
	if (tp >= 0)
		close(tp);
	errno = e;
	return ret;
}

const char *
confine_strerror(int err)
{
	switch (err) {
	case ELOOP:
		return "a symbolic link is on the way";
	case EXDEV:
		return "escapes the directory";
	case CONFINE_ENOTREG:
		return "is not a regular file";
	case CONFINE_ECHANGED:
		return "it changed while khora read it";
	default:
		return strerror(err);
	}
}
