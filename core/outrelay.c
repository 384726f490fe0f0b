/* SPDX-License-Identifier: MIT */
/*
 * outrelay.c - the output of a program khora runs, as JSON lines on
 * khora's stderr (outrelay.h), so that a consumer of
 * --error-format=json can parse every line of it.
 */
#include "compat.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include "outrelay.h"
#include "spawn.h"
#include "strbuf.h"

/* The length of the UTF-8 sequence at s (at most n bytes), 0: invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong, surrogates, beyond U+10FFFF: not UTF-8 */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void
json_add_text(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (char)c);
		} else if (c == '\n') {
			strbuf_addstr(sb, "\\n");
		} else if (c == '\t') {
			strbuf_addstr(sb, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			strbuf_addf(sb, "\\u%04x", c);
		} else if ((n = utf8_len(p + i, len - i)) > 1) {
			strbuf_add(sb, s + i, n);
			i += n;
			continue;
		} else if (!n) {
			strbuf_addstr(sb, "\\ufffd");
		} else {
			strbuf_addch(sb, (char)c);
		}
		i++;
	}
}

struct stream {
	int fd;
	const char *name;
	struct strbuf line;
};

/* One line; head is its object's keys up to "stream", already JSON. */
static void
emit(const char *head, const char *stream, const char *text, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s,\"stream\":\"%s\",\"text\":\"", head, stream);
	json_add_text(&sb, text, len);
	strbuf_addstr(&sb, "\"}\n");
	fwrite(sb.buf, 1, sb.len, stderr);
	fflush(stderr);
	strbuf_release(&sb);
}

/* The complete lines of s->line out; with all, the rest too. */
static void
flush_lines(struct stream *s, const char *head, int all)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(s->line.buf + start, '\n',
			    s->line.len - start))) {
		emit(head, s->name, s->line.buf + start,
		     (size_t)(nl - s->line.buf) - start);
		start = (size_t)(nl - s->line.buf) + 1;
	}
	/* a line without end in sight is cut: memory stays bounded */
	if (s->line.len - start && (all ||
	    s->line.len - start >= OUTRELAY_LINE_MAX)) {
		emit(head, s->name, s->line.buf + start, s->line.len - start);
		start = s->line.len;
	}
	if (!start)
		return;
	memmove(s->line.buf, s->line.buf + start, s->line.len - start);
	s->line.len -= start;
	s->line.buf[s->line.len] = '\0';
}

/* One read of s: 0 while it stays open, -1 at its end (closed). */
static int
read_some(struct stream *s, const char *head)
{
	char buf[4096];
	ssize_t n;

	n = read(s->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		flush_lines(s, head, 1);
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	strbuf_add(&s->line, buf, (size_t)n);
	flush_lines(s, head, 0);
	return 0;
}

static void
json_str(struct strbuf *sb, const char *key, const char *val)
{
	strbuf_addf(sb, ",\"%s\":", key);
	if (!val) {
		strbuf_addstr(sb, "null");
		return;
	}
	strbuf_addch(sb, '"');
	json_add_text(sb, val, strlen(val));
	strbuf_addch(sb, '"');
}

/* What every line of this program says first, as JSON. */
static void
json_head(struct strbuf *sb, const struct spawn_opts *o, char *const *argv)
{
	strbuf_addstr(sb, "{\"type\":\"output\"");
	json_str(sb, "source", o->source ? o->source : "command");
	json_str(sb, "plugin", o->plugin);
	strbuf_addstr(sb, ",\"argv\":[");
	for (; *argv; argv++) {
		strbuf_addch(sb, '"');
		json_add_text(sb, *argv, strlen(*argv));
		strbuf_addstr(sb, argv[1] ? "\"," : "\"");
	}
	strbuf_addch(sb, ']');
}

int
outrelay_run(pid_t pid, int out_fd, int err_fd, const struct spawn_opts *o,
	     char *const *argv, int *status)
{
	struct stream s[2] = {
		{ out_fd, "stdout", STRBUF_INIT },
		{ err_fd, "stderr", STRBUF_INIT },
	};
	struct strbuf head = STRBUF_INIT;
	struct pollfd pfd[2];
	int i, n, reaped = 0;

	json_head(&head, o, argv);
	while (s[0].fd >= 0 || s[1].fd >= 0) {
		for (i = n = 0; i < 2; i++) {
			pfd[i].fd = s[i].fd;	/* -1: ignored by poll */
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		/*
		 * Woken now and then to see whether the child is gone: a
		 * daemon it started may hold the pipes open for ever.
		 */
		n = poll(pfd, 2, reaped ? 0 : 250);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; n > 0 && i < 2; i++)
			if (pfd[i].revents && s[i].fd >= 0)
				read_some(&s[i], head.buf);
		if (n == 0 && reaped)
			break;	/* ended, and all it wrote is read */
		if (n == 0 && waitpid(pid, status, WNOHANG) == pid)
			reaped = 1;
	}
	for (i = 0; i < 2; i++) {
		if (s[i].fd >= 0) {
			flush_lines(&s[i], head.buf, 1);
			close(s[i].fd);
		}
		strbuf_release(&s[i].line);
	}
	strbuf_release(&head);
	return reaped;
}
