/* SPDX-License-Identifier: MIT */
/*
 * commit.c - phases 8 and 9: stage every action, then make the result
 * visible at once.
 *
 * New project: one renameat2(RENAME_NOREPLACE) of the staging directory
 * onto the target, so that another process (or a second khora) racing
 * for the same name makes exactly one of them win.  Only an absent
 * target is made that way: an existing directory, empty or not, is
 * never replaced (khora owns only what it wrote).
 *
 * An existing directory (--force, an empty one, "."): every path is
 * checked first (no file may sit where a directory must go, no symlink
 * on the way), then
 * each staged entry is renamed into place; a file it replaces is first
 * moved into a backup directory inside the target, so that an error
 * half-way rolls everything back in reverse order.  Identical files are
 * left alone (their mtime is kept).  Every step names its path through
 * a directory fd that confine_parent() resolved without following a
 * symlink: a directory swapped for a symlink after the pre-check makes
 * that step fail and the run roll back, it is never written through.
 */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>
#include "confine.h"
#include "pipeline.h"
#include "project.h"
#include "stage.h"
#include "strbuf.h"
#include "wrapper.h"

enum target_state { T_ABSENT, T_EMPTY_DIR, T_DIR };

static int
target_state(const char *target, int force, int can_force,
	     enum target_state *st, struct diag *d)
{
	struct diag_loc loc = { target, 0, 0 };
	struct stat sb;
	int fd, empty = 1;

	if (lstat(target, &sb)) {
		if (errno == ENOENT) {
			*st = T_ABSENT;
			return 0;
		}
		return diag_error(d, EXIT_IO, &loc, "cannot use target: %s",
				  strerror(errno));
	}
	if (S_ISLNK(sb.st_mode))
		return diag_error(d, EXIT_CONFLICT, &loc, "cannot use target: "
				  "it is a symbolic link (khora never writes "
				  "through one)");
	if (!S_ISDIR(sb.st_mode))
		return diag_error(d, EXIT_CONFLICT, &loc, "cannot use target: "
				  "it exists and is not a directory");
	fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return diag_error(d, EXIT_IO, &loc, "cannot use target: %s",
				  strerror(errno));
	{
		DIR *dh = fdopendir(fd);
		struct dirent *de;
		int e = 0;

		/* a read error is not an empty directory */
		while (dh) {
			errno = 0;
			if (!(de = readdir(dh))) {
				e = errno;
				break;
			}
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				empty = 0;
		}
		if (!dh)
			e = errno;
		if (dh)
			closedir(dh);
		else
			close(fd);
		if (e)
			return diag_error(d, EXIT_IO, &loc, "cannot use "
					  "target: %s", strerror(e));
	}
	if (empty) {
		*st = T_EMPTY_DIR;
		return 0;
	}
	if (!force)
		return diag_error(d, EXIT_CONFLICT, &loc, "cannot create "
				  "project: the directory exists and is not "
				  "empty%s", can_force ? " (use --force to "
				  "write into it)" : "");
	*st = T_DIR;
	return 0;
}

static int
rename_new(const char *from, const char *to)
{
	if (!renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* file systems without RENAME_NOREPLACE: rename() onto a
	 * non-empty directory still fails, onto an absent name it wins */
	return rename(from, to);
}

/* renameat() between two confined trees (the backup's names have no
 * '/': their parent is the backup directory itself). */
static int
confined_rename(int fromfd, const char *from, int tofd, const char *to)
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

/* unlinkat() (flags 0 or AT_REMOVEDIR) or, with mkdir, mkdirat(). */
static int
confined_at(int dirfd, const char *path, int flags, int mkdir)
{
	const char *base;
	int fd = confine_parent(dirfd, path, &base), ret, e;

	if (fd < 0)
		return -1;
	ret = mkdir ? mkdirat(fd, base, 0755) : unlinkat(fd, base, flags);
	e = errno;
	close(fd);
	errno = e;
	return ret;
}

struct undo {
	char *path;
	int kind;		/* 0 placed or removed file, 1 created dir,
				 * 2 removed dir */
	int backup;		/* index of the backup, -1 for none */
};

struct forcer {
	int tfd;		/* target dir */
	int bfd;		/* backup dir inside the target */
	int jfd;		/* its journal */
	int durable;
	char *bname;
	struct undo *undo;
	size_t nr, alloc;
	int nbackups;
	unsigned mask;		/* umask: what modes files really get */
	int keep;		/* a rollback step failed: keep the backups */
};

static void
push_undo(struct forcer *f, const char *path, int kind, int backup)
{
	ALLOC_GROW(f->undo, f->nr, f->alloc);
	f->undo[f->nr].path = xstrdup(path);
	f->undo[f->nr].kind = kind;
	f->undo[f->nr++].backup = backup;
}

/* -1 when an old file could not be put back: its backup must stay */
static int
rollback(struct forcer *f)
{
	char name[32];
	int ret = 0;

	while (f->nr--) {
		struct undo *u = &f->undo[f->nr];

		if (u->kind == 1) {
			confined_at(f->tfd, u->path, AT_REMOVEDIR, 0);
		} else if (u->kind == 2) {
			confined_at(f->tfd, u->path, 0, 1);
		} else if (u->backup >= 0) {
			snprintf(name, sizeof(name), "%d", u->backup);
			if (confined_rename(f->bfd, name, f->tfd, u->path))
				ret = -1;
		} else {
			confined_at(f->tfd, u->path, 0, 0);
		}
		free(u->path);
	}
	f->nr = 0;
	f->keep |= ret;
	return ret;
}

/*
 * The journal in the backup directory says, before each step, what the
 * step is about to do: "D path" (create a directory), "B n path" (move
 * the old file to backup n, as a hard link or by a rename, "-" when there
 * is none), "P path" (rename
 * the new file in), "R path" (remove a directory `khora update` left
 * empty), and "C" once every file is in place.  A run killed
 * half-way (SIGKILL, power cut) leaves it behind for the next run to
 * roll back (see recover_interrupted()).
 */
static int
jlog(struct forcer *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
jlog(struct forcer *f, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	size_t off = 0;
	va_list ap;
	int ret = 0;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addch(&sb, '\n');
	while (off < sb.len && !ret) {
		ssize_t n = write(f->jfd, sb.buf + off, sb.len - off);

		if (n < 0 && errno != EINTR)
			ret = -1;
		else if (n > 0)
			off += (size_t)n;
	}
	if (!ret && f->durable && fdatasync(f->jfd))
		ret = -1;
	strbuf_release(&sb);
	return ret;
}

/*
 * mkdir -p in the target, recording what it created.  What is there
 * already must be a real directory: a symlink (or a file) that replaced
 * one since the pre-check fails the step.
 */
static int
force_parents(struct forcer *f, const char *path, int upto_self)
{
	char *dir = xstrdup(path);
	size_t i, len = strlen(dir);
	struct stat st;
	int ret = -1;

	for (i = 0; i <= len; i++) {
		if (dir[i] != '/' && !(dir[i] == '\0' && upto_self))
			continue;
		dir[i] = '\0';
		if (!confine_lstat(f->tfd, dir, &st)) {
			if (!S_ISDIR(st.st_mode)) {
				errno = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
				goto out;
			}
		} else if (errno != ENOENT || jlog(f, "D %s", dir)) {
			goto out;
		} else if (!confined_at(f->tfd, dir, 0, 1)) {
			push_undo(f, dir, 1, -1);
		} else if (errno != EEXIST) {
			goto out;
		}
		if (i < len)
			dir[i] = '/';
	}
	ret = 0;
out:
	free(dir);
	return ret;
}

static int
same_content(int tfd, const struct action *a, unsigned mask)
{
	struct stat st;
	char buf[8192];
	size_t off = 0;
	ssize_t n;
	int fd, same = 1;

	if (a->kind == A_SYMLINK || a->kind == A_DIR)
		return 0;
	/* a FIFO or a symlink there is not the same: it is replaced */
	fd = confine_open(tfd, a->path, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != a->len ||
	    (st.st_mode & 0777) != (a->mode & 0777 & ~mask)) {
		close(fd);
		return 0;
	}
	while (same && (n = read(fd, buf, sizeof(buf))) > 0) {
		if (off + (size_t)n > a->len ||
		    memcmp(buf, a->data + off, (size_t)n))
			same = 0;
		off += (size_t)n;
	}
	close(fd);
	return same && off == a->len;
}

/* Nothing may block a path: no non-directory where a directory goes. */
static int
precheck(struct pipeline *p, int tfd)
{
	size_t i, j;

	for (i = 0; i < p->nr; i++) {
		const struct action *a = &p->actions[i];
		char *path = xstrdup(a->path);
		struct stat st;
		struct diag_loc loc = { a->path, 0, 0 };
		int bad = 0;

		if (a->skip) {
			free(path);
			continue;
		}
		/* directories in order: each lstat is confined by the
		 * ones before it */
		for (j = 0; path[j] && !bad; j++) {
			if (path[j] != '/')
				continue;
			path[j] = '\0';
			if (confine_lstat(tfd, path, &st)) {
				if (errno == ENOENT)
					break;	/* nothing deeper exists */
				bad = errno;
			} else if (!S_ISDIR(st.st_mode)) {
				bad = -1;
			} else {
				path[j] = '/';
			}
		}
		if (bad > 0) {
			diag_error(p->d, EXIT_IO, &loc, "cannot write: "
				   "'%s': %s", path, confine_strerror(bad));
			free(path);
			return -1;
		}
		if (bad) {
			diag_error(p->d, EXIT_CONFLICT, &loc, "cannot write: "
				   "'%s' exists and is not a directory", path);
			free(path);
			return -1;
		}
		free(path);
		if (confine_lstat(tfd, a->path, &st)) {
			if (errno == ENOENT)
				continue;
			return diag_error(p->d, EXIT_IO, &loc, "cannot write: "
					  "%s", confine_strerror(errno));
		}
		if (S_ISDIR(st.st_mode) != (a->kind == A_DIR))
			return diag_error(p->d, EXIT_CONFLICT, &loc, "cannot "
					  "write: it exists as a %s",
					  S_ISDIR(st.st_mode) ? "directory" :
					  "file");
		/* a FIFO, socket or device is nobody's file to replace */
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) &&
		    !S_ISLNK(st.st_mode))
			return diag_error(p->d, EXIT_CONFLICT, &loc, "cannot "
					  "write: it exists and is not a "
					  "regular file");
	}
	return 0;
}

static int
place(struct pipeline *p, struct forcer *f, struct stage *s,
      const struct action *a)
{
	struct diag_loc loc = { a->path, 0, 0 };
	char name[32];
	struct stat st;
	const char *base;
	int backup = -1, linked = 0, pfd = -1, sfd = -1, e;

	if (a->kind == A_DIR) {
		if (force_parents(f, a->path, 1))
			goto fail;
		return 0;
	}
	if (same_content(f->tfd, a, f->mask))
		return 0;
	if (force_parents(f, a->path, 0))
		goto fail;
	/* one confined parent fd for the backup and the rename: the
	 * directory cannot change between the two */
	pfd = confine_parent(f->tfd, a->path, &base);
	if (pfd < 0)
		goto fail;
	sfd = confine_parent(s->dirfd, a->path, &base);
	if (sfd < 0)
		goto fail;
	if (!fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW)) {
		backup = f->nbackups++;
		snprintf(name, sizeof(name), "%d", backup);
		/* a hard link keeps the old file in place until the new one
		 * replaces it in one rename: the path (.khora/lock above
		 * all) never goes missing, even if the run is killed */
		if (jlog(f, "B %d %s", backup, a->path))
			goto fail;
		if (!linkat(pfd, base, f->bfd, name, 0))
			linked = 1;
		else if (renameat(pfd, base, f->bfd, name))
			goto fail;
	} else if (errno != ENOENT || jlog(f, "B - %s", a->path)) {
		goto fail;
	}
	if (jlog(f, "P %s", a->path) || renameat(sfd, base, pfd, base)) {
		e = errno;
		if (linked)
			unlinkat(f->bfd, name, 0);
		else if (backup >= 0)
			renameat(f->bfd, name, pfd, base);
		errno = e;
		goto fail;
	}
	close(pfd);
	close(sfd);
	push_undo(f, a->path, 0, backup);
	return 0;
fail:
	e = errno;
	if (pfd >= 0)
		close(pfd);
	if (sfd >= 0)
		close(sfd);
	return diag_error(p->d, EXIT_IO, &loc, "cannot write file: %s",
			  confine_strerror(e));
}

/* Undoes what one journal line did (lines are undone in reverse). */
static void
undo_line(int tfd, int bfd, char *line, int *restored)
{
	char *path, name[32];

	if (line[0] == 'D' && line[1] == ' ') {
		unlinkat(tfd, line + 2, AT_REMOVEDIR);
	} else if (line[0] == 'R' && line[1] == ' ') {
		mkdirat(tfd, line + 2, 0755);
	} else if (line[0] == 'B' && line[1] == ' ') {
		path = strchr(line + 2, ' ');
		if (!path)
			return;
		*path++ = '\0';
		if (!strcmp(line + 2, "-")) {
			/* no old file: whatever is there now is new */
			if (*restored)
				unlinkat(tfd, path, 0);
			return;
		}
		snprintf(name, sizeof(name), "%s", line + 2);
		/* the old file was moved aside: put it back over the new */
		if (!faccessat(bfd, name, F_OK, AT_SYMLINK_NOFOLLOW) &&
		    !renameat(bfd, name, tfd, path))
			return;
	} else if (line[0] == 'P') {
		*restored = 1;
		return;
	}
	*restored = 0;
}

/*
 * A --force run that died half-way left its backup directory (named
 * with its pid) and journal in the target: without "C", undo its steps
 * in reverse, so that the target is as before that run; with "C", the
 * new version was complete, only the backups are left to delete.
 */
static int
recover_interrupted(const char *target, int tfd, struct diag *d)
{
	struct strbuf journal = STRBUF_INIT;
	DIR *dh = fdopendir(dup(tfd));
	struct dirent *de;

	while (dh && (de = readdir(dh))) {
		char *end, *line, *save = NULL, **lines = NULL;
		size_t nr = 0, alloc = 0;
		int bfd, jfd, restored = 0, done;
		long pid;
		ssize_t n;
		char buf[4096];

		if (!starts_with(de->d_name, ".khora-backup."))
			continue;
		pid = strtol(de->d_name + 14, &end, 10);
		if (*end == '.' && pid > 0 && !(kill((pid_t)pid, 0) &&
						errno == ESRCH))
			continue;	/* its run is alive */
		bfd = openat(tfd, de->d_name, O_RDONLY | O_DIRECTORY |
			     O_NOFOLLOW | O_CLOEXEC);
		jfd = bfd < 0 ? -1 : openat(bfd, "journal", O_RDONLY |
					     O_CLOEXEC);
		strbuf_reset(&journal);
		while (jfd >= 0 && (n = read(jfd, buf, sizeof(buf))) > 0)
			strbuf_add(&journal, buf, (size_t)n);
		if (jfd >= 0)
			close(jfd);
		for (line = strtok_r(journal.buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			ALLOC_GROW(lines, nr, alloc);
			lines[nr++] = line;
		}
		done = nr && !strcmp(lines[nr - 1], "C");
		while (!done && bfd >= 0 && nr--)
			undo_line(tfd, bfd, lines[nr], &restored);
		free(lines);
		if (bfd >= 0)
			close(bfd);
		diag_warn(d, NULL, "%s/%s: %s an interrupted --force run",
			  target, de->d_name, done ? "finished cleaning up "
			  "after" : "rolled back");
		remove_tree(tfd, de->d_name);
	}
	if (dh)
		closedir(dh);
	strbuf_release(&journal);
	return 0;
}

int
project_recover(const char *root, struct diag *d)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return 0;
	ret = recover_interrupted(root, fd, d);
	close(fd);
	return ret;
}

/* update: a file no longer generated goes to the backup, a directory
 * it leaves empty is removed; both come back on rollback. */
static int
unplace(struct pipeline *p, struct forcer *f, const struct removal *r)
{
	struct diag_loc loc = { r->path, 0, 0 };
	char name[32];
	int backup;

	if (r->is_dir) {
		if (jlog(f, "R %s", r->path) ||
		    (confined_at(f->tfd, r->path, AT_REMOVEDIR, 0) &&
		     errno != ENOENT))
			goto fail;
		push_undo(f, r->path, 2, -1);
		return 0;
	}
	backup = f->nbackups++;
	snprintf(name, sizeof(name), "%d", backup);
	if (jlog(f, "B %d %s", backup, r->path))
		goto fail;
	if (confined_rename(f->tfd, r->path, f->bfd, name)) {
		if (errno == ENOENT)
			return 0;
		goto fail;
	}
	push_undo(f, r->path, 0, backup);
	return 0;
fail:
	return diag_error(p->d, EXIT_IO, &loc, "cannot remove: %s",
			  confine_strerror(errno));
}

static int
commit_force(struct pipeline *p, struct stage *s)
{
	struct forcer f;
	struct strbuf sb = STRBUF_INIT;
	struct diag_loc loc = { p->target, 0, 0 };
	size_t i;
	int ret = -1;

	memset(&f, 0, sizeof(f));
	f.bfd = f.jfd = -1;
	f.durable = s->durable;
	f.mask = umask(0);
	umask((mode_t)f.mask);
	f.tfd = open(p->target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (f.tfd < 0)
		return diag_error(p->d, EXIT_IO, &loc, "cannot open target: %s",
				  strerror(errno));
	if (recover_interrupted(p->target, f.tfd, p->d) || precheck(p, f.tfd))
		goto out;
	strbuf_addf(&sb, "%s/.khora-backup.%ld.XXXXXX", p->target,
		    (long)getpid());
	if (!mkdtemp(sb.buf)) {
		diag_error(p->d, EXIT_IO, &loc, "cannot create a backup "
			   "directory: %s", strerror(errno));
		goto out;
	}
	f.bname = strbuf_detach(&sb, NULL);
	f.bfd = open(f.bname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f.bfd >= 0)
		f.jfd = openat(f.bfd, "journal", O_WRONLY | O_CREAT | O_EXCL |
			       O_APPEND | O_CLOEXEC, 0600);
	if (f.bfd < 0 || f.jfd < 0) {
		diag_error(p->d, EXIT_IO, &loc, "cannot open the backup "
			   "directory: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < p->nr; i++)
		if (!p->actions[i].skip && place(p, &f, s, &p->actions[i])) {
			rollback(&f);
			goto out;
		}
	for (i = 0; i < p->nr_removals; i++)
		if (unplace(p, &f, &p->removals[i])) {
			rollback(&f);
			goto out;
		}
	if (s->durable)
		syncfs(f.tfd);
	/* from here on the new version stands, even if cleanup is cut */
	if (jlog(&f, "C")) {
		diag_error(p->d, EXIT_IO, &loc, "cannot write the journal: %s",
			   strerror(errno));
		rollback(&f);
		goto out;
	}
	ret = 0;
	/* the post commands run in this very directory, not in whatever
	 * the target's name points to by then */
	p->post_fd = f.tfd;
	f.tfd = -1;
out:
	if (f.jfd >= 0)
		close(f.jfd);
	for (i = 0; i < f.nr; i++)
		free(f.undo[i].path);
	free(f.undo);
	if (f.bfd >= 0)
		close(f.bfd);
	if (f.keep) {
		struct diag_loc bl = { f.bname, 0, 0 };

		/* its journal has no "C": recovery replays it, which puts
		 * back what the rollback could not */
		diag_warn(p->d, &bl, "cannot put every old file back: the "
			  "backups are kept here, and the next 'khora update' "
			  "retries");
	} else if (f.bname && remove_tree(AT_FDCWD, f.bname)) {
		struct diag_loc bl = { f.bname, 0, 0 };

		diag_warn(p->d, &bl, "cannot remove the backup directory: %s "
			  "(the next khora command finishes the cleanup)",
			  strerror(errno));
	}
	free(f.bname);
	if (f.tfd >= 0)
		close(f.tfd);
	strbuf_release(&sb);
	return ret;
}

static int
commit_new(struct pipeline *p, struct stage *s)
{
	struct diag_loc loc = { p->target, 0, 0 };
	mode_t mask = umask(0);

	umask(mask);
	if (fchmod(s->dirfd, 0777 & ~mask))
		return diag_error(p->d, EXIT_IO, &loc, "cannot commit: %s",
				  strerror(errno));
	if (s->durable && fsync(s->dirfd))
		return diag_error(p->d, EXIT_IO, &loc, "cannot commit: %s",
				  strerror(errno));
	if (rename_new(s->dir, p->target)) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			return diag_error(p->d, EXIT_CONFLICT, &loc, "cannot "
					  "create project: the target appeared "
					  "while khora was writing it");
		return diag_error(p->d, EXIT_IO, &loc, "cannot commit: %s",
				  strerror(errno));
	}
	if (s->durable) {
		int fd = open(s->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	/*
	 * The staging directory's fd moved with the rename: it is the
	 * project khora committed, whatever the target's name points to
	 * by the time the post commands run.
	 */
	p->post_fd = fcntl(s->dirfd, F_DUPFD_CLOEXEC, 0);
	if (p->post_fd < 0)
		return diag_error(p->d, EXIT_IO, &loc, "cannot keep the "
				  "project open: %s", strerror(errno));
	return 0;
}

static int
interrupted(struct pipeline *p)
{
	if (!stage_interrupted)
		return 0;
	return diag_error(p->d, EXIT_IO, NULL, "interrupted by signal %d: "
			  "nothing was written", (int)stage_interrupted);
}

int
pipeline_stage_commit(struct pipeline *p)
{
	enum target_state st = T_ABSENT;
	struct stage s;
	double mark = now_ms();
	size_t i;
	int ret = -1, committed = 0, sig;

	if (target_state(p->target, p->force, !p->no_force, &st, p->d))
		return -1;
	/*
	 * khora owns only what it wrote: an existing directory, even an
	 * empty one, keeps its inode, mode, group, ACLs and whoever has it
	 * open (a shell inside it); the files go in one by one, journalled.
	 */
	if (st == T_EMPTY_DIR)
		st = T_DIR;
	stage_interrupted = 0;
	stage_catch_signals(1);
	if (stage_init(&s, p->target, p->durable, p->d))
		goto out;
	for (i = 0; i < p->nr; i++) {
		if (p->actions[i].skip)
			continue;
		if (interrupted(p) || stage_write(&s, &p->actions[i], p->d))
			goto out;
		if (p->actions[i].kind == A_DIR)
			p->prof.dirs++;
		else if (p->actions[i].kind == A_SYMLINK)
			p->prof.symlinks++;
		else
			p->prof.files++;
		p->prof.bytes += p->actions[i].len;
	}
	profile_lap(&p->prof, PH_STAGE, &mark);
	if (interrupted(p))
		goto out;
	if (st == T_DIR)
		ret = commit_force(p, &s);
	else
		ret = commit_new(p, &s);
	committed = !ret && st != T_DIR;
	profile_lap(&p->prof, PH_COMMIT, &mark);
out:
	stage_release(&s, !committed, p->d);
	sig = stage_interrupted;
	stage_catch_signals(0);
	/* the signal asked us to stop: now that the disk is clean, obey */
	if (sig && ret)
		raise(sig);
	return ret;
}
