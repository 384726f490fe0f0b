/* SPDX-License-Identifier: MIT */
/*
 * strbuf.h - growable byte buffer, always NUL-terminated, after git's.
 *
 * A strbuf owns buf; strbuf_release() frees it and leaves the strbuf
 * reusable, strbuf_detach() hands ownership to the caller.  buf is never
 * NULL after STRBUF_INIT (it points at a shared empty string until the
 * first growth).  Growth past STRBUF_MAX dies: no text khora produces is
 * legitimately that large, and a cap turns a runaway template into an
 * error instead of an OOM kill.
 */
#ifndef STRBUF_H
#define STRBUF_H

#include <errno.h>
#include <stddef.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }
#define STRBUF_MAX ((size_t)256 << 20)
/*
 * strbuf_read_fd()'s errno for "not a regular file": Linux has no
 * EFTYPE, and open(2) never returns EMEDIUMTYPE on a local file system.
 * "Changed while read": read(2) of a regular file never gives ENOTUNIQ.
 */
#define STRBUF_ENOTREG EMEDIUMTYPE
#define STRBUF_ECHANGED ENOTUNIQ

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
/* A new string formatted as printf would (the caller frees it). */
char *xstrfmt(const char *fmt, ...) PRINTF_LIKE(1, 2);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/*
 * Appends the whole regular file open as fd, in one allocation of the
 * size fstat() gives, so that memory is bounded by the file's real size
 * and the cost is linear in it.  max caps that size (EFBIG past it);
 * 0 = no cap but STRBUF_MAX.  0, or -1 with errno and sb as it was:
 * EISDIR, STRBUF_ENOTREG (a FIFO, socket or device), STRBUF_ECHANGED (it
 * held more bytes than fstat() said: written while read), EFBIG, or
 * read(2)'s.  confine_strerror() has words for them.
 */
int strbuf_read_fd(struct strbuf *sb, int fd, size_t max);
/*
 * strbuf_read_fd() of the file path (relative to dirfd, AT_FDCWD for the
 * working directory; with nofollow, a symlink is not followed), opened
 * O_NONBLOCK so that a FIFO never hangs.
 */
int strbuf_read_file_at(struct strbuf *sb, int dirfd, const char *path,
			int nofollow);
/* Appends s with JSON string escaping, without the quotes. */
void strbuf_add_json(struct strbuf *sb, const char *s, size_t len);

#endif /* STRBUF_H */
