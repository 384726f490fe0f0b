/* SPDX-License-Identifier: MIT */
/*
 * strbuf.c - growable, NUL-terminated byte buffers with a size cap, and
 * strbuf_read_fd(), the one routine that reads a whole file into one
 * (every reader of a config, sidecar, manifest, template or journal ends
 * there, so a size cap and a growing file mean the same everywhere).
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "strbuf.h"
#include "wrapper.h"

char strbuf_slopbuf[1];

void
strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = sb->len = 0;
	sb->buf = strbuf_slopbuf;
	if (hint)
		strbuf_grow(sb, hint);
}

void
strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

char *
strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *res;

	strbuf_grow(sb, 0);
	res = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return res;
}

char *
xstrfmt(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

void
strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t want;

	if (extra > STRBUF_MAX || sb->len + extra >= STRBUF_MAX) {
		fprintf(stderr, "khora: cannot grow buffer: over %zu MiB\n",
			STRBUF_MAX >> 20);
		exit(1);
	}
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return;
	if (!sb->alloc)
		sb->buf = NULL;
	sb->alloc = sb->alloc ? sb->alloc : 64;
	while (sb->alloc < want)
		sb->alloc *= 2;
	sb->buf = xrealloc(sb->buf, sb->alloc);
	if (!sb->len)
		sb->buf[0] = '\0';
}

void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

void
strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void
strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void
strbuf_addch(struct strbuf *sb, int c)
{
	strbuf_grow(sb, 1);
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
}

void
strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc ? sb->alloc - sb->len : 0,
		      fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if (!sb->alloc || (size_t)n >= sb->alloc - sb->len) {
		strbuf_grow(sb, (size_t)n);
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void
strbuf_add_json(struct strbuf *sb, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': strbuf_addstr(sb, "\\\""); break;
		case '\\': strbuf_addstr(sb, "\\\\"); break;
		case '\n': strbuf_addstr(sb, "\\n"); break;
		case '\r': strbuf_addstr(sb, "\\r"); break;
		case '\t': strbuf_addstr(sb, "\\t"); break;
		default:
			if (c < 0x20)
				strbuf_addf(sb, "\\u%04x", c);
			else
				strbuf_addch(sb, c);
		}
	}
}

int
strbuf_read_fd(struct strbuf *sb, int fd, size_t max)
{
	size_t old = sb->len, size, got = 0;
	struct stat st;
	ssize_t n;
	int e;

	if (fstat(fd, &st))
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : STRBUF_ENOTREG;
		return -1;
	}
	if ((max && (uintmax_t)st.st_size > max) ||
	    (uintmax_t)st.st_size >= STRBUF_MAX - sb->len - 1) {
		errno = EFBIG;
		return -1;
	}
	/*
	 * One allocation of the size fstat() gave, and never more: memory
	 * follows the file's real size, whatever the file holds.  A file
	 * with more bytes than that is being written while we read it (or
	 * lies, as /proc files do): refused, never read half-way.  A file
	 * that shrank is read as it now is.
	 */
	size = (size_t)st.st_size;
	strbuf_grow(sb, size + 1);
	while (got <= size) {
		n = read(fd, sb->buf + old + got, size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			goto fail;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	if (got > size) {
		e = STRBUF_ECHANGED;
		goto fail;
	}
	sb->len = old + got;
	sb->buf[sb->len] = '\0';
	return 0;
fail:
	sb->len = old;
	sb->buf[sb->len] = '\0';
	errno = e;
	return -1;
}

int
strbuf_read_file_at(struct strbuf *sb, int dirfd, const char *path,
		    int nofollow)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
			O_NOCTTY | (nofollow ? O_NOFOLLOW : 0)), ret, e;

	if (fd < 0)
		return -1;
	ret = strbuf_read_fd(sb, fd, 0);
	e = errno;
	close(fd);
	errno = e;
	return ret;
}
