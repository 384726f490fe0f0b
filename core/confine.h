/* SPDX-License-Identifier: MIT */
/*
 * confine.h - the one way khora opens, reads and names a path inside a
 * project, a staging directory or a template.  Everything there may have
 * been written by someone hostile, so a path is always resolved relative
 * to a directory file descriptor, never follows a symbolic link (in the
 * middle or at the end) and never leaves that directory.
 *
 * Resolution uses openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS) where the kernel has it; on ENOSYS (remembered
 * for the rest of the run) or EPERM (a seccomp filter that does not know
 * openat2; that call only) it walks component by component with
 * openat(O_NOFOLLOW | O_DIRECTORY).  KHORA_CONFINE_FALLBACK=1 in the
 * environment, or confine_force_fallback(1), forces the walk so that the
 * tests exercise both paths on any kernel.
 *
 * rel must be relative, '/'-separated, without empty, "." or ".."
 * components (path_check() form); confine_open() also takes "." with
 * O_DIRECTORY for the directory itself.  Errors (errno):
 *   EXDEV            rel is absolute, empty or has a ".." / "." component
 *   ELOOP            a component (any, last included) is a symbolic link
 *   CONFINE_ENOTREG  a file was expected and this is a FIFO, socket or
 *                    device (opened O_NONBLOCK, so never a hang)
 *   CONFINE_ECHANGED a file held more bytes than fstat() said when
 *                    opened: it was written while khora read it
 *   EFBIG            a file over the caller's cap (or STRBUF_MAX)
 *   EISDIR           a file was expected and this is a directory
 *   ENOTDIR          a component on the way is not a directory
 *   anything open(2) or read(2) may return.
 * confine_strerror() turns the first three into khora's words.
 *
 * Every returned fd is O_CLOEXEC; the caller closes it.
 */
#ifndef CONFINE_H
#define CONFINE_H

#include <errno.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "strbuf.h"

/*
 * "is not a regular file".  Linux has no EFTYPE; EMEDIUMTYPE is never
 * returned by open(2) on a local file system, so it cannot be confused
 * with a real error.  An ENXIO from the open itself (a FIFO opened for
 * writing with no reader, a socket) is reported as this too.
 */
#define CONFINE_ENOTREG STRBUF_ENOTREG
/* "changed while read": read(2) of a regular file never gives ENOTUNIQ */
#define CONFINE_ECHANGED STRBUF_ECHANGED

/*
 * open(2) of rel below dirfd.  O_CLOEXEC | O_NOFOLLOW | O_NOCTTY are
 * always added.  Unless flags has O_DIRECTORY or O_PATH, the result must
 * be a regular file (O_CREAT included: an existing FIFO is not written
 * to); the open is done O_NONBLOCK, which is cleared afterwards unless
 * the caller asked for it.  mode is used only with O_CREAT/O_TMPFILE.
 */
int confine_open(int dirfd, const char *rel, int flags, mode_t mode);

/*
 * An O_DIRECTORY fd of rel's parent (a duplicate of dirfd when rel has
 * no '/'), resolved as above; *base points into rel at its last
 * component, for unlinkat/renameat/mkdirat/symlinkat/linkat/
 * fstatat(AT_SYMLINK_NOFOLLOW) on it.  -1 with errno.
 */
int confine_parent(int dirfd, const char *rel, const char **base);

/*
 * Appends the whole regular file rel to sb, in one allocation of the
 * size fstat() gives, so that memory is bounded by the file's real size
 * and the cost is linear in it.  max is a cap on that size (EFBIG past
 * it); 0 = no cap but STRBUF_MAX (256 MiB).  A file that grows while it
 * is read is refused (CONFINE_ECHANGED).  0, or -1 with errno and sb as
 * it was.
 */
int confine_read(int dirfd, const char *rel, struct strbuf *sb, size_t max);

/* fstatat(AT_SYMLINK_NOFOLLOW) of rel's last component, parents confined.
 * A symlink at the end is reported (S_ISLNK), not an error. */
int confine_lstat(int dirfd, const char *rel, struct stat *st);

/*
 * The last component of rel (its parents resolved as above) given to
 * one *at() call: unlinkat (flags 0 or AT_REMOVEDIR), mkdirat,
 * symlinkat, readlinkat; renameat between two confined trees.  Same
 * return values and errno as the call itself, or confine_parent()'s.
 */
int confine_unlink(int dirfd, const char *rel, int flags);
int confine_mkdir(int dirfd, const char *rel, mode_t mode);
int confine_symlink(const char *target, int dirfd, const char *rel);
ssize_t confine_readlink(int dirfd, const char *rel, char *buf, size_t size);
int confine_rename(int fromfd, const char *from, int tofd, const char *to);

/* strerror(), with khora's words for ELOOP, EXDEV, CONFINE_ENOTREG and
 * CONFINE_ECHANGED. */
const char *confine_strerror(int err);

/* strbuf_read_fd(): the whole of an open fd (regular file) into sb, up
 * to max (0 = no cap); for callers that hold the fd already. */
int confine_read_fd(int fd, struct strbuf *sb, size_t max);

/*
 * Decides openat2() or the walk now (the environment, the kernel), so
 * that threads calling confine_*() afterwards only read that choice.
 * Call it before starting them; any other caller may skip it.
 */
void confine_init(void);

/* Forces (1) or releases (0) the component walk: a test hook. */
void confine_force_fallback(int on);

#endif /* CONFINE_H */
