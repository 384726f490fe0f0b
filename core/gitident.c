/* SPDX-License-Identifier: MIT */
/*
 * gitident.c - author and author_email defaults from git's configuration
 * (git config user.name / user.email), for when neither khora.yaml nor
 * the user's config.yaml gives them.
 *
 * git runs with an argv (no shell) from "/", so that the configuration
 * of whatever repository the current directory is in, which its author
 * controls, is not read: only the user's and the system's.  Its
 * environment is PATH, HOME and XDG_CONFIG_HOME alone (no GIT_* variable
 * redirects it to another file or adds configuration), stdin and stderr
 * are /dev/null, and `git config --get` runs no hook, pager or helper.
 * What it prints is capped, must be one line of printable text, and then
 * reaches templates only through their escaping modifiers.
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "gitident.h"
#include "strbuf.h"
#include "wrapper.h"

#define VALUE_MAX 256

static void
child(int out, const char *key)
{
	static const char *const keep[] = { "PATH", "HOME", "XDG_CONFIG_HOME" };
	char *envp[ARRAY_SIZE(keep) + 1];
	char git[] = "git", np[] = "--no-pager", cf[] = "config";
	char get[] = "--get";
	char *argv[] = { git, np, cf, get, NULL, NULL };
	const char *path = getenv("PATH");
	size_t i, n = 0;
	int fd;

	argv[4] = xstrdup(key);
	for (i = 0; i < ARRAY_SIZE(keep); i++) {
		const char *v = getenv(keep[i]);
		struct strbuf sb = STRBUF_INIT;

		if (!v)
			continue;
		strbuf_addf(&sb, "%s=%s", keep[i], v);
		envp[n++] = strbuf_detach(&sb, NULL);
	}
	envp[n] = NULL;
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || chdir("/") || dup2(fd, 0) < 0 || dup2(fd, 2) < 0 ||
	    dup2(out, 1) < 0)
		_exit(126);
	/* execvpe is GNU: search PATH by hand for git */
	while (path && *path) {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		struct strbuf exe = STRBUF_INIT;

		if (len)
			strbuf_add(&exe, path, len);
		else
			strbuf_addch(&exe, '.');
		strbuf_addstr(&exe, "/git");
		execve(exe.buf, argv, envp);
		strbuf_release(&exe);
		path = end ? end + 1 : NULL;
	}
	_exit(127);
}

/* One line of printable text, without its newline; else NULL. */
static char *
one_line(struct strbuf *sb)
{
	size_t i;

	if (sb->len && sb->buf[sb->len - 1] == '\n')
		sb->buf[--sb->len] = '\0';
	if (!sb->len || sb->len > VALUE_MAX)
		return NULL;
	for (i = 0; i < sb->len; i++)
		if ((unsigned char)sb->buf[i] < 0x20 || sb->buf[i] == 0x7f)
			return NULL;
	return strbuf_detach(sb, NULL);
}

char *
gitident_get(const char *key)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[512], *ret = NULL;
	int fds[2], status = 0;
	ssize_t got;
	pid_t pid;

	if (pipe(fds))
		return NULL;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (!pid) {
		close(fds[0]);
		child(fds[1], key);
	}
	close(fds[1]);
	/* read it all (the child must not block on a full pipe), keep a cap */
	while ((got = read(fds[0], buf, sizeof(buf))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		if (sb.len <= VALUE_MAX)
			strbuf_add(&sb, buf, (size_t)got);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		ret = one_line(&sb);
	strbuf_release(&sb);
	return ret;
}
