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
 * What the run marks (trash_old, removal.trash) is also linked into
 * .khora/trash before the commit point, so that it outlives the backup
 * directory.
 */
#include "compat.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>
#include "confine.h"
#include "pipeline.h"
#include "progress.h"
#include "project.h"
#include "recover.h"
#include "sha256.h"
#include "stage.h"
#include "stagepool.h"
#include "strbuf.h"
#include "trash.h"
#include "walk.h"
#include "wrapper.h"

enum target_state { T_ABSENT, T_EMPTY_DIR, T_DIR };

/* walk_dir(): stops at the first entry */
static int
any_entry(const char *name, unsigned char type, void *arg)
{
	(void)name;
	(void)type;
	(void)arg;
	return 1;
}

static int
target_state(const char *target, int force, int can_force,
	     enum target_state *st, struct diag *d)
{
	struct diag_loc loc = { target, 0, 0 };
	struct stat sb;
	int fd, r, e;

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
	/* a read error is not an empty directory */
	r = walk_dir(fd, any_entry, NULL);
	e = errno;
	close(fd);
	if (r < 0)
		return diag_error(d, EXIT_IO, &loc, "cannot use target: %s",
				  strerror(e));
	if (!r) {
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

struct undo {
	char *path;
	int kind;		/* 0 placed or removed file, 1 created dir,
				 * 2 removed dir */
	int backup;		/* index of the backup, -1 for none */
	int trash;		/* the backup is kept in .khora/trash */
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
	f->undo[f->nr].trash = 0;
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
			confine_unlink(f->tfd, u->path, AT_REMOVEDIR);
		} else if (u->kind == 2) {
			confine_mkdir(f->tfd, u->path, 0755);
		} else if (u->backup >= 0) {
			snprintf(name, sizeof(name), "%d", u->backup);
			if (confine_rename(f->bfd, name, f->tfd, u->path))
				ret = -1;
		} else {
			confine_unlink(f->tfd, u->path, 0);
		}
		free(u->path);
	}
	f->nr = 0;
	f->keep |= ret;
	return ret;
}

/*
 * The journal in the backup directory says, before each step, what the
 * step is about to do: "D path" (create a directory), "T name" (make
 * .khora/trash/name for copies, removed on rollback), "B n path" (move
 * the old file to backup n, as a hard link or by a rename, "-" when there
 * is none), "P sha256 path" (rename the new file in; the hash of its
 * content, or of a symlink's target), "R path" (remove a directory
 * `khora update` left empty), and "C" once every file is in place.  A
 * run killed half-way (SIGKILL, power cut) leaves it behind for the
 * next writing command to roll back (recover.c).
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
		} else if (!confine_mkdir(f->tfd, dir, 0755)) {
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
	char name[32], hex[65];
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
	/* the hash of what is placed: recovery deletes or replaces only
	 * a file that is still exactly that */
	if (a->kind == A_SYMLINK)
		sha256_hex(a->text, strlen(a->text), hex);
	else
		sha256_hex(a->data, a->len, hex);
	if (jlog(f, "P %s %s", hex, a->path) ||
	    renameat(sfd, base, pfd, base)) {
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
	f->undo[f->nr - 1].trash = backup >= 0 && a->trash_old;
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
		    (confine_unlink(f->tfd, r->path, AT_REMOVEDIR) &&
		     errno != ENOENT))
			goto fail;
		push_undo(f, r->path, 2, -1);
		return 0;
	}
	backup = f->nbackups++;
	snprintf(name, sizeof(name), "%d", backup);
	if (jlog(f, "B %d %s", backup, r->path))
		goto fail;
	if (confine_rename(f->tfd, r->path, f->bfd, name)) {
		if (errno == ENOENT)
			return 0;
		goto fail;
	}
	push_undo(f, r->path, 0, backup);
	f->undo[f->nr - 1].trash = r->trash;
	return 0;
fail:
	return diag_error(p->d, EXIT_IO, &loc, "cannot remove: %s",
			  confine_strerror(errno));
}

/*
 * Before the commit point: a copy of what the user may want back goes
 * to .khora/trash (a hard link to its backup).  A crash before "C"
 * rolls the files back and leaves a harmless extra copy in the trash.
 */
static int
keep_trash(struct pipeline *p, struct forcer *f, struct trash *t)
{
	char name[32];
	size_t i;

	for (i = 0; i < f->nr; i++) {
		struct diag_loc loc = { f->undo[i].path, 0, 0 };

		if (!f->undo[i].trash || f->undo[i].backup < 0)
			continue;
		/* "D" and "T" first: a killed run's recovery removes them */
		if (t->fd < 0 && (trash_prepare(t, f->tfd) ||
				  (t->need_root && jlog(f, "D .khora/trash")) ||
				  jlog(f, "T %s", t->name) ||
				  trash_create(t, f->tfd)))
			return diag_error(p->d, EXIT_IO, &loc, "cannot keep a "
					  "copy in .khora/trash: %s",
					  strerror(errno));
		snprintf(name, sizeof(name), "%d", f->undo[i].backup);
		if (trash_keep(t, f->tfd, f->bfd, name, f->undo[i].path))
			return diag_error(p->d, EXIT_IO, &loc, "cannot keep a "
					  "copy in .khora/trash: %s",
					  strerror(errno));
	}
	if (t->fd >= 0)
		snprintf(p->trash, sizeof(p->trash), ".khora/trash/%s",
			 t->name);
	return 0;
}

/*
 * The backups first, the journal next, the directory last: cut short
 * anywhere, what is left is still something recovery can read (a
 * journal with every backup it still needs, or an empty directory).
 */
static int
remove_backups(struct forcer *f)
{
	const char *base = strrchr(f->bname, '/');
	char name[32];
	int i;

	if (f->bfd < 0)
		return rmdir(f->bname);
	for (i = 0; i < f->nbackups; i++) {
		snprintf(name, sizeof(name), "%d", i);
		if (unlinkat(f->bfd, name, 0) && errno != ENOENT)
			return -1;
	}
	if (unlinkat(f->bfd, RECOVER_JOURNAL, 0) && errno != ENOENT)
		return -1;
	return unlinkat(f->tfd, base ? base + 1 : f->bname, AT_REMOVEDIR);
}

static int
commit_force(struct pipeline *p, struct stage *s)
{
	struct forcer f;
	struct trash t;
	struct strbuf sb = STRBUF_INIT;
	struct diag_loc loc = { p->target, 0, 0 };
	size_t i;
	int ret = -1;

	trash_init(&t);
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
	if (recover_scan(f.tfd, p->target, 1, NULL, p->d) ||
	    precheck(p, f.tfd))
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
	/* held until the directory is gone: the proof that this run is
	 * alive (recover.c); a directory another run removed before we
	 * held it cannot take a journal (ENOENT) */
	if (f.bfd >= 0 && flock(f.bfd, LOCK_EX))
		close(f.bfd), f.bfd = -1;
	if (f.bfd >= 0)
		f.jfd = openat(f.bfd, RECOVER_JOURNAL, O_WRONLY | O_CREAT |
			       O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (f.bfd < 0 || f.jfd < 0) {
		diag_error(p->d, EXIT_IO, &loc, "cannot open the backup "
			   "directory: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < p->nr; i++) {
		if (!p->actions[i].skip && place(p, &f, s, &p->actions[i])) {
			rollback(&f);
			goto out;
		}
		progress_show("writing", i + 1, p->nr);
	}
	for (i = 0; i < p->nr_removals; i++)
		if (unplace(p, &f, &p->removals[i])) {
			rollback(&f);
			goto out;
		}
	if (keep_trash(p, &f, &t)) {
		trash_discard(&t, f.tfd);
		rollback(&f);
		goto out;
	}
	/* the renames into the target, the trash and the backups: one
	 * syncfs for all, before the journal says "C" */
	if (s->durable && syncfs(f.tfd)) {
		diag_error(p->d, EXIT_IO, &loc, "cannot sync: %s",
			   strerror(errno));
		trash_discard(&t, f.tfd);
		p->trash[0] = '\0';
		rollback(&f);
		goto out;
	}
	/* from here on the new version stands, even if cleanup is cut */
	if (jlog(&f, "C")) {
		diag_error(p->d, EXIT_IO, &loc, "cannot write the journal: %s",
			   strerror(errno));
		trash_discard(&t, f.tfd);
		p->trash[0] = '\0';
		rollback(&f);
		goto out;
	}
	ret = 0;
	/* the post commands run in this very directory, not in whatever
	 * the target's name points to by then */
	p->post_fd = fcntl(f.tfd, F_DUPFD_CLOEXEC, 0);
	if (p->post_fd < 0)
		diag_warn(p->d, &loc, "cannot keep the project open for its "
			  "commands: %s", strerror(errno));
out:
	if (f.jfd >= 0)
		close(f.jfd);
	for (i = 0; i < f.nr; i++)
		free(f.undo[i].path);
	free(f.undo);
	if (f.keep) {
		struct diag_loc bl = { f.bname, 0, 0 };

		/* its journal has no "C": recovery replays it, which puts
		 * back what the rollback could not */
		diag_warn(p->d, &bl, "cannot put every old file back: the "
			  "backups are kept here, and the next 'khora update' "
			  "retries");
	} else if (f.bname && remove_backups(&f)) {
		struct diag_loc bl = { f.bname, 0, 0 };

		diag_warn(p->d, &bl, "cannot remove the backup directory: %s "
			  "(the next khora command finishes the cleanup)",
			  strerror(errno));
	}
	/* the flock goes last, with the directory already removed */
	if (f.bfd >= 0)
		close(f.bfd);
	free(f.bname);
	trash_release(&t);
	if (f.tfd >= 0)
		close(f.tfd);
	strbuf_release(&sb);
	return ret;
}

/*
 * --durable, after the rename: the parent's new entry must reach the
 * disk too.  When it cannot, the run failed: the project goes back to
 * the staging name (if the target still is our directory), for
 * stage_release() to remove.  Should that fail too, it stays, and the
 * message says so.
 */
/* path is the directory st describes (not through a symlink) */
static int
is_ours(const char *path, const struct stat *st)
{
	struct stat there;

	return !lstat(path, &there) && there.st_dev == st->st_dev &&
	       there.st_ino == st->st_ino;
}

static int
sync_parent(struct pipeline *p, struct stage *s)
{
	struct diag_loc loc = { p->target, 0, 0 };
	struct stat ours;
	int fd = open(s->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e;

	if (fd >= 0 && !fsync(fd)) {
		close(fd);
		return 0;
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	if (!fstat(s->dirfd, &ours) && is_ours(p->target, &ours) &&
	    !rename_new(p->target, s->dir)) {
		/* what came back must be ours: stage_release() removes it */
		if (is_ours(s->dir, &ours))
			return diag_error(p->d, EXIT_IO, &loc, "cannot commit: "
					  "cannot sync '%s': %s", s->parent,
					  strerror(e));
		rename_new(s->dir, p->target);
	}
	/* in place, and not ours to remove any more */
	free(s->dir);
	s->dir = NULL;
	return diag_error(p->d, EXIT_IO, &loc, "cannot commit: cannot sync "
			  "'%s': %s (the project is in place, but a crash may "
			  "lose it)", s->parent, strerror(e));
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
	if (s->durable && stage_sync(s, p->actions, p->nr, p->d))
		return -1;
	if (rename_new(s->dir, p->target)) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			return diag_error(p->d, EXIT_CONFLICT, &loc, "cannot "
					  "create project: the target appeared "
					  "while khora was writing it");
		return diag_error(p->d, EXIT_IO, &loc, "cannot commit: %s",
				  strerror(errno));
	}
	if (s->durable && sync_parent(p, s))
		return -1;
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
	unsigned threads;
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
	threads = stage_threads(p->actions, p->nr);
	p->prof.write_threads = threads;
	if (threads > 1 &&
	    stage_write_parallel(&s, p->actions, p->nr, threads, p->d))
		goto out;
	for (i = 0; i < p->nr; i++) {
		if (p->actions[i].skip)
			continue;
		if (threads == 1 && (interrupted(p) ||
		    stage_write(&s, &p->actions[i], p->d)))
			goto out;
		if (threads == 1)
			progress_show("staging", i + 1, p->nr);
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
