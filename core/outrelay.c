/* SPDX-License-Identifier: MIT */
/*
 * outrelay.c - the output of a program khora runs, as JSON lines on
 * khora's stderr (outrelay.h), so that a consumer of
 * --error-format=json can parse every line of it.
 */
#include "compat.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "jsontext.h"
#include "outrelay.h"
#include "strbuf.h"

struct stream {
	int fd;
	const char *name;
	struct strbuf line;
	size_t left;		/* once the child is reaped: bytes to read */
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

/*
 * Where to cut a line that has no end in sight, at most len bytes in:
 * before a UTF-8 character that is not all there (each half of it would
 * be invalid, and turned into U+FFFD).
 */
static size_t
cut_at(const char *p, size_t len)
{
	size_t k;

	for (k = 1; k <= 3 && k < len; k++) {
		unsigned char c = (unsigned char)p[len - k];

		if ((c & 0xc0) == 0x80)
			continue;
		if (c >= 0xc0 && (c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2) > k)
			return len - k;
		break;
	}
	return len;
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
	if (s->line.len - start && all) {
		emit(head, s->name, s->line.buf + start, s->line.len - start);
		start = s->line.len;
	} else if (s->line.len - start >= OUTRELAY_LINE_MAX) {
		size_t cut = cut_at(s->line.buf + start, s->line.len - start);

		emit(head, s->name, s->line.buf + start, cut);
		start += cut;
	}
	if (!start)
		return;
	memmove(s->line.buf, s->line.buf + start, s->line.len - start);
	s->line.len -= start;
	s->line.buf[s->line.len] = '\0';
}

/*
 * One read of s: 0 while it stays open, -1 at its end (closed).  Once
 * the child is reaped (bounded), what it wrote is at most s->left bytes:
 * s ends there, whatever a program it left behind goes on writing.
 */
static int
read_some(struct stream *s, const char *head, int bounded)
{
	char buf[4096];
	size_t want = bounded && s->left < sizeof(buf) ? s->left :
		sizeof(buf);
	ssize_t n = want ? read(s->fd, buf, want) : 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n > 0 && bounded)
		s->left -= (size_t)n;
	if (n <= 0) {
		flush_lines(s, head, 1);
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	strbuf_add(&s->line, buf, (size_t)n);
	flush_lines(s, head, 0);
	/* at s->left 0, the next round ends s: after the other stream's
	 * lines of this round, as an end of file would */
	return 0;
}

/*
 * The child has ended: all it wrote is in the pipes now, what is there
 * beyond it a program it left running wrote since (FIONREAD counts
 * both, and so bounds the rest of the relay).
 */
static void
mark_end(struct stream *s)
{
	int i, avail;

	for (i = 0; i < 2; i++)
		if (s[i].fd >= 0)
			s[i].left = ioctl(s[i].fd, FIONREAD, &avail) ||
				avail < 0 ? 0 : (size_t)avail;
}

/*
 * ^C (or a kill) while a program runs: without the relay both die, and
 * what the program says as it ends (its trap's "cleaning up") still
 * reaches the terminal; with it, khora's death would take the pipe and
 * those lines with it.  So the signal is noted, the program is given
 * OUTRELAY_GRACE_MS to end while its output is relayed, and khora then
 * dies of the signal as it would have (outrelay_run()).
 */
#define OUTRELAY_GRACE_MS 2000

static volatile sig_atomic_t relay_signal;
static const int relay_sigs[] = { SIGINT, SIGTERM, SIGHUP };

static void
on_signal(int sig)
{
	relay_signal = sig;
}

/* on: catch relay_sigs (not those khora ignores), old keeps them. */
static void
catch_signals(int on, struct sigaction *old)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(relay_sigs); i++) {
		if (!on) {
			sigaction(relay_sigs[i], &old[i], NULL);
			continue;
		}
		if (sigaction(relay_sigs[i], &sa, &old[i]))
			memset(&old[i], 0, sizeof(old[i]));
		else if (old[i].sa_handler == SIG_IGN)
			sigaction(relay_sigs[i], &old[i], NULL);
	}
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What every line of this program says first, as JSON. */
static void
json_head(struct strbuf *sb, const char *source, const char *plugin,
	  char *const *argv)
{
	strbuf_addstr(sb, "{\"type\":\"output\"");
	json_add_field(sb, "source", source);
	json_add_field(sb, "plugin", plugin);
	strbuf_addstr(sb, ",\"argv\":[");
	for (; *argv; argv++) {
		strbuf_addch(sb, '"');
		json_add_text(sb, *argv, strlen(*argv));
		strbuf_addstr(sb, argv[1] ? "\"," : "\"");
	}
	strbuf_addch(sb, ']');
}

int
outrelay_run(pid_t pid, int out_fd, int err_fd, const char *source,
	     const char *plugin, char *const *argv, int *status)
{
	struct stream s[2] = {
		{ out_fd, "stdout", STRBUF_INIT, 0 },
		{ err_fd, "stderr", STRBUF_INIT, 0 },
	};
	struct strbuf head = STRBUF_INIT;
	struct pollfd pfd[2];
	struct sigaction old[ARRAY_SIZE(relay_sigs)];
	int i, n, reaped = 0, sig;
	long since = 0;

	json_head(&head, source, plugin, argv);
	relay_signal = 0;
	catch_signals(1, old);
	while (s[0].fd >= 0 || s[1].fd >= 0) {
		if (relay_signal && !since)
			since = now_ms();
		if (since && now_ms() - since >= OUTRELAY_GRACE_MS)
			break;	/* it did not end: khora does */
		/*
		 * Looked at every round, not only when nothing came: a
		 * daemon it started may hold the pipes open, and write to
		 * them, for ever.
		 */
		if (!reaped && waitpid(pid, status, WNOHANG) == pid) {
			reaped = 1;
			mark_end(s);
		}
		for (i = n = 0; i < 2; i++) {
			pfd[i].fd = s[i].fd;	/* -1: ignored by poll */
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		n = poll(pfd, 2, reaped ? 0 : 250);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; n > 0 && i < 2; i++)
			if (pfd[i].revents && s[i].fd >= 0)
				read_some(&s[i], head.buf, reaped);
		if (n == 0 && reaped)
			break;	/* ended, and all it wrote is read */
	}
	for (i = 0; i < 2; i++) {
		if (s[i].fd >= 0) {
			flush_lines(&s[i], head.buf, 1);
			close(s[i].fd);
		}
		strbuf_release(&s[i].line);
	}
	strbuf_release(&head);
	catch_signals(0, old);
	sig = relay_signal;
	if (sig)
		raise(sig);	/* its disposition is the one before again */
	return reaped;
}
