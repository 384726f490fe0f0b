/* SPDX-License-Identifier: MIT */
/*
 * spawn.c - the one way khora runs a program (spawn.h): plugin commands
 * and template tasks alike, so that the working directory by fd, the
 * environment policy and the exit status mean the same for both.
 */
#include "compat.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "catalog.h"
#include "outrelay.h"
#include "spawn.h"
#include "wrapper.h"

/*
 * The variables that point git at another repository, index or config
 * (git's own "local env vars", the list it clears before it runs a
 * command in a submodule).  A khora started from a git hook inherits
 * GIT_DIR and GIT_INDEX_FILE: its commands must act on the project, not
 * on the caller's repository.  Identity (GIT_AUTHOR_*) and
 * GIT_CEILING_DIRECTORIES are the user's choices and stay.
 */
static const char *const local_vars[] = {
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG",
	"GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_OBJECT_DIRECTORY",
	"GIT_DIR", "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE",
	"GIT_GRAFT_FILE", "GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS",
	"GIT_REPLACE_REF_BASE", "GIT_PREFIX", "GIT_SHALLOW_FILE",
	"GIT_COMMON_DIR", "GIT_TEMPLATE_DIR", "GIT_INDEX_VERSION",
	"GIT_QUARANTINE_PATH", "GIT_NAMESPACE",
};

/* In the child, before exec: the environment without local_vars. */
static void
clean_environment(void)
{
	extern char **environ;
	size_t i;
	char **e;
	int again = 1;

	for (i = 0; i < ARRAY_SIZE(local_vars); i++)
		unsetenv(local_vars[i]);
	while (again) {
		again = 0;
		for (e = environ; e && *e; e++) {
			char *eq = strchr(*e, '=');
			char name[128];

			if (!eq || (size_t)(eq - *e) >= sizeof(name) ||
			    (!starts_with(*e, "GIT_CONFIG_KEY_") &&
			     !starts_with(*e, "GIT_CONFIG_VALUE_")))
				continue;
			memcpy(name, *e, (size_t)(eq - *e));
			name[eq - *e] = '\0';
			unsetenv(name);
			again = 1;
			break;
		}
	}
}

/*
 * In the child: git's configuration as GIT_CONFIG_COUNT/KEY_n/VALUE_n
 * (no quoting to get wrong, unlike -c with a name holding '=').
 */
static void
set_config_env(const struct strlist *kv)
{
	char name[64], num[32];
	size_t i;

	for (i = 0; i + 1 < kv->nr; i += 2) {
		snprintf(name, sizeof(name), "GIT_CONFIG_KEY_%zu", i / 2);
		setenv(name, kv->v[i], 1);
		snprintf(name, sizeof(name), "GIT_CONFIG_VALUE_%zu", i / 2);
		setenv(name, kv->v[i + 1], 1);
	}
	if (kv->nr) {
		snprintf(num, sizeof(num), "%zu", kv->nr / 2);
		setenv("GIT_CONFIG_COUNT", num, 1);
	}
}

static int json_output;

void
spawn_set_json(int on)
{
	json_output = on;
}

/*
 * A descriptor above 2 (a khora started with stdout or stderr closed
 * gets its pipe there): the child's dup2() onto 0, 1 and 2 must not
 * take the pipe that tells exec's errno.
 */
static int
high_fd(int *fd)
{
	int nfd;

	if (*fd > 2)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return -1;
	close(*fd);
	*fd = nfd;
	return 0;
}

/* A close-on-exec pipe, both ends above 2; 0, or -1 with both -1. */
static int
spare_pipe(int p[2])
{
	int err;

	if (!pipe2(p, O_CLOEXEC) && !high_fd(&p[0]) && !high_fd(&p[1]))
		return 0;
	err = errno;
	close(p[0]);
	close(p[1]);
	p[0] = p[1] = -1;
	errno = err;
	return -1;
}

static void
close_pipes(int *fds, size_t n)
{
	size_t i;
	int err = errno;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	errno = err;
}

int
spawn_run(char *const *argv, const struct spawn_opts *o)
{
	int status = 0, fd, pfd[2] = { -1, -1 }, err = 0;
	/* with json: the child's stdout and stderr, read by the relay */
	int rel[4] = { -1, -1, -1, -1 }, relay = json_output && !o->quiet;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	/* the child's errno when it cannot start the program: read back
	 * through a close-on-exec pipe, which a successful exec closes */
	if (spare_pipe(pfd) || (relay && ((o->out < 0 && spare_pipe(rel)) ||
					  spare_pipe(rel + 2)))) {
		close_pipes(pfd, 2);
		close_pipes(rel, 4);
		return SPAWN_CANNOT_RUN;
	}
	pid = fork();
	if (pid < 0) {
		close_pipes(pfd, 2);
		close_pipes(rel, 4);
		return SPAWN_CANNOT_RUN;
	}
	if (!pid) {
		close(pfd[0]);
		/* by fd: a target renamed and replaced by a symlink after
		 * the commit does not move the command elsewhere */
		if (fchdir(o->dirfd) || (o->up && chdir(".."))) {
			err = errno;
			if (write(pfd[1], &err, sizeof(err)) < 0)
				_exit(126);
			_exit(126);
		}
		/* khora ignores SIGXFSZ for itself (main.c); an ignored
		 * signal survives exec, and a program under ulimit -f
		 * expects to be stopped by it, as from a shell */
		signal(SIGXFSZ, SIG_DFL);
		if (o->env == SPAWN_ENV_PROJECT)
			clean_environment();
		if (o->git_config)
			set_config_env(o->git_config);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0)
			dup2(o->in >= 0 ? o->in : fd, 0);
		if (o->quiet && fd >= 0) {
			dup2(o->out >= 0 ? o->out : fd, 1);
			dup2(fd, 2);
		} else if (relay) {
			dup2(o->out >= 0 ? o->out : rel[1], 1);
			dup2(rel[3], 2);
		} else if (!o->quiet) {
			/* keep khora's stdout for its own report */
			dup2(o->out >= 0 ? o->out : 2, 1);
		}
		/* the program gets 0, 1 and 2, not our spare /dev/null */
		if (fd > 2)
			close(fd);
		execvp(argv[0], argv);
		err = errno;
		if (write(pfd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	close_pipes(rel + 1, 1);
	close_pipes(rel + 3, 1);
	while ((n = read(pfd[0], &err, sizeof(err))) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	if (!relay || !outrelay_run(pid, rel[0], rel[2], o->source ?
				    o->source : "command", o->plugin, argv,
				    &status))
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (n == (ssize_t)sizeof(err)) {
		errno = err;
		return SPAWN_CANNOT_RUN;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
