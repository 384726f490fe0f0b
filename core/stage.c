/* SPDX-License-Identifier: MIT */
/*
 * stage.c - writing the whole project into a private staging directory.
 * Nothing under the target is touched here; an error, a full disk or
 * Ctrl-C removes the staging directory and leaves the file system as it
 * was.  Paths are resolved with confine_*() below the staging fd: a
 * symlink the run itself staged ("docs -> /etc") is never written
 * through by a later "docs/x".
 */
#include "compat.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "confine.h"
#include "pipeline.h"
#include "stage.h"
#include "strbuf.h"
#include "walk.h"
#include "wrapper.h"

volatile sig_atomic_t stage_interrupted;

static void
on_signal(int sig)
{
	stage_interrupted = sig;
}

void
stage_catch_signals(int on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on ? on_signal : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* walk_dir(): each entry of the directory *arg, removed */
static int
remove_entry(const char *name, unsigned char type, void *arg)
{
	(void)type;
	remove_tree(*(int *)arg, name);
	return 0;
}

int
remove_tree(int dirfd, const char *path)
{
	int fd;

	if (!unlinkat(dirfd, path, 0) || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return -1;
	walk_dir(fd, remove_entry, &fd);
	close(fd);
	return unlinkat(dirfd, path, AT_REMOVEDIR);
}

/* An existing directory gets the mode asked for (not through a link). */
static int
confined_chmod_dir(int dirfd, const char *path, mode_t mode)
{
	int fd = confine_open(dirfd, path, O_RDONLY | O_DIRECTORY, 0), ret, e;

	if (fd < 0)
		return -1;
	ret = fchmod(fd, mode);
	e = errno;
	close(fd);
	errno = e;
	return ret;
}

int
make_parents(int dirfd, const char *path, char **cache)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	size_t i, len;

	if (!slash)
		return 0;
	len = (size_t)(slash - path);
	if (*cache && strlen(*cache) == len && !strncmp(*cache, path, len))
		return 0;
	dir = xstrndup(path, len);
	/*
	 * The cached directory exists: below it only the rest is made (a
	 * sorted tree descends one level at a time, never from the top).
	 */
	i = *cache ? strlen(*cache) : 0;
	if (i && i < len && !strncmp(*cache, path, i) && path[i] == '/')
		i++;
	else
		i = 0;
	for (; i <= len; i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		dir[i] = '\0';
		if (confine_mkdir(dirfd, dir, 0755) && errno != EEXIST) {
			free(dir);
			return -1;
		}
		if (i < len)
			dir[i] = '/';
	}
	free(*cache);
	*cache = dir;
	return 0;
}

/*
 * A staging directory next to the project may be anyone's (the parent
 * is often shared): only the running user's is removed, never through a
 * symlink, and only when no live run holds the flock stage_init() takes
 * (a pid may be reused, or belong to another pid namespace).
 */
static void
remove_one_stale(int pfd, const char *name, struct diag *d)
{
	struct diag_loc loc = { name, 0, 0 };
	struct stat st;
	int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);

	if (fd < 0)
		return;
	if (!fstat(fd, &st) && st.st_uid == geteuid() &&
	    !flock(fd, LOCK_EX | LOCK_NB)) {
		diag_warn(d, &loc, "removing the staging directory of an "
			  "interrupted run");
		remove_tree(pfd, name);
	}
	close(fd);
}

struct stale_ctx {
	int pfd;
	struct strbuf prefix;
	struct diag *d;
};

/* walk_dir(): one entry of the parent, removed when a dead run's */
static int
stale_one(const char *name, unsigned char type, void *arg)
{
	struct stale_ctx *c = arg;
	char *end;
	long pid;

	(void)type;
	if (!starts_with(name, c->prefix.buf))
		return 0;
	pid = strtol(name + c->prefix.len, &end, 10);
	if (*end == '.' && pid > 0 && !(kill((pid_t)pid, 0) && errno == ESRCH))
		return 0;	/* a run of this pid namespace lives */
	remove_one_stale(c->pfd, name, c->d);
	return 0;
}

/* Removes staging directories of this target whose process is gone. */
static void
remove_stale(struct stage *s, struct diag *d)
{
	struct stale_ctx c = { -1, STRBUF_INIT, d };

	c.pfd = open(s->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.pfd < 0)
		return;
	strbuf_addf(&c.prefix, ".khora-stage.%s.", s->base);
	walk_dir(c.pfd, stale_one, &c);
	close(c.pfd);
	strbuf_release(&c.prefix);
}

void
stage_remove_stale(const char *target, struct diag *d)
{
	struct stage s;
	const char *slash = strrchr(target, '/');

	memset(&s, 0, sizeof(s));
	s.parent = slash ? xstrndup(target, (size_t)(slash - target + 1)) :
			   xstrdup(".");
	s.base = xstrdup(slash ? slash + 1 : target);
	remove_stale(&s, d);
	free(s.parent);
	free(s.base);
}

int
stage_init(struct stage *s, const char *target, int durable, struct diag *d)
{
	struct strbuf sb = STRBUF_INIT;
	const char *slash = strrchr(target, '/');
	struct diag_loc loc = { target, 0, 0 };

	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
	s->durable = durable;
	s->parent = slash ? xstrndup(target, (size_t)(slash - target + 1)) :
			    xstrdup(".");
	s->base = xstrdup(slash ? slash + 1 : target);
	remove_stale(s, d);
	strbuf_addf(&sb, "%s/.khora-stage.%s.%ld.XXXXXX", s->parent, s->base,
		    (long)getpid());
	if (!mkdtemp(sb.buf)) {
		int e = errno;

		strbuf_release(&sb);
		return diag_error(d, EXIT_IO, &loc, "cannot create the staging "
				  "directory in '%s': %s", s->parent,
				  strerror(e));
	}
	s->dir = strbuf_detach(&sb, NULL);
	s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* held until the directory is gone: the proof that it is alive */
	if (s->dirfd < 0 || flock(s->dirfd, LOCK_EX))
		return diag_error(d, EXIT_IO, &loc, "cannot open the staging "
				  "directory: %s", strerror(errno));
	return 0;
}

int
stage_write_file(struct stage *s, const struct action *a)
{
	int fd, e;

	fd = confine_open(s->dirfd, a->path, O_WRONLY | O_CREAT | O_EXCL,
			  (mode_t)a->mode);
	if (fd < 0)
		return -1;
	if (write_all(fd, a->data, a->len) || (s->durable && fsync(fd))) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

int
stage_write(struct stage *s, const struct action *a, struct diag *d)
{
	struct diag_loc loc = { a->path, 0, 0 };
	int ret;

	if (make_parents(s->dirfd, a->path, &s->last_parent))
		return diag_error(d, EXIT_IO, &loc, "cannot create directory: "
				  "%s", confine_strerror(errno));
	switch (a->kind) {
	case A_DIR:
		ret = confine_mkdir(s->dirfd, a->path, (mode_t)a->mode);
		if (ret && errno == EEXIST)
			ret = confined_chmod_dir(s->dirfd, a->path,
						 (mode_t)a->mode);
		break;
	case A_SYMLINK:
		ret = confine_symlink(a->text, s->dirfd, a->path);
		break;
	default:
		ret = stage_write_file(s, a);
	}
	if (ret)
		return diag_error(d, EXIT_IO, &loc, "cannot write file: %s",
				  confine_strerror(errno));
	return 0;
}

/* fsync of the directory rel ("." for the root) below the stage */
static int
sync_dir(struct stage *s, const char *rel, int *fell_back)
{
	int fd = confine_open(s->dirfd, rel, O_RDONLY | O_DIRECTORY, 0), e;

	if (fd < 0) {
		/* a directory its mode makes unreadable (add_dir 0300):
		 * the whole file system then, once */
		if (errno != EACCES)
			return -1;
		if (*fell_back)
			return 0;
		*fell_back = 1;
		return syncfs(s->dirfd);
	}
	if (fsync(fd)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

int
stage_sync(struct stage *s, const struct action *v, size_t nr,
	   struct diag *d)
{
	struct strlist dirs = { NULL, 0, 0 };
	struct strbuf dir = STRBUF_INIT;
	size_t i, j;
	int fell_back = 0, ret = 0;

	/* every directory that holds an entry of the run: each parent of
	 * every path (a file's own bytes were synced when written) */
	for (i = 0; i < nr; i++) {
		const char *path = v[i].path;

		if (v[i].skip)
			continue;
		for (j = 0; path[j]; j++) {
			if (path[j] != '/')
				continue;
			strbuf_reset(&dir);
			strbuf_add(&dir, path, j);
			if (!strlist_has(&dirs, dir.buf))
				strlist_push(&dirs, dir.buf);
		}
	}
	/* the order does not matter: all of them before the commit */
	for (i = 0; i < dirs.nr && !ret; i++) {
		struct diag_loc loc = { dirs.v[i], 0, 0 };

		if (sync_dir(s, dirs.v[i], &fell_back))
			ret = diag_error(d, EXIT_IO, &loc, "cannot sync "
					 "directory: %s",
					 confine_strerror(errno));
	}
	if (!ret && fsync(s->dirfd))
		ret = diag_error(d, EXIT_IO, NULL, "cannot sync the staging "
				 "directory '%s': %s", s->dir,
				 strerror(errno));
	strlist_clear(&dirs);
	strbuf_release(&dir);
	return ret;
}

void
stage_release(struct stage *s, int remove, struct diag *d)
{
	if (remove && s->dir && remove_tree(AT_FDCWD, s->dir) &&
	    remove_tree(AT_FDCWD, s->dir)) {
		struct diag_loc loc = { s->dir, 0, 0 };

		diag_warn(d, &loc, "cannot remove the staging directory: %s "
			  "(the next run removes it)", strerror(errno));
	}
	/* the flock goes last, with the directory already removed */
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->parent);
	free(s->base);
	free(s->dir);
	free(s->last_parent);
	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
}
