/* SPDX-License-Identifier: MIT */
/*
 * recover.c - undoing (or finishing) a --force run or an update that was
 * killed half-way, from the journal it left in its backup directory.
 * The journal and the directory are validated input (recover.h says
 * what is checked); nothing here follows a symlink, leaves the project
 * or trusts a pid, and a read-only command only reports what it finds.
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "catalog.h"
#include "confine.h"
#include "path.h"
#include "recover.h"
#include "sha256.h"
#include "strbuf.h"
#include "trash.h"
#include "walk.h"
#include "wrapper.h"

/* A journal lists a few lines per file of a project: far below this. */
#define JOURNAL_MAX ((size_t)64 << 20)

struct jline {
	char kind;		/* 'D', 'R', 'B', 'P', 'T' or 'C' */
	long backup;		/* B: the backup's number, -1 for "-" */
	char *sha;		/* P: what was placed; into the text */
	char *path;		/* borrowed from the journal's text */
	unsigned line;
	char *name;		/* T: the trash run directory's name */
};

struct rec {
	struct diag *d;		/* for warnings during the undo */
	int rootfd, bfd;
	const char *root;
	const char *name;	/* the backup directory's name in root */
	unsigned line;		/* of the error, 0 for none */
	int in_journal;		/* the error is about the journal */
	int no_journal;		/* the run died before writing one */
	int done;		/* the journal ends with "C" */
	struct strbuf why;
	struct strbuf text;
	struct jline *l;
	size_t nr, alloc;
};

static int
bad(struct rec *r, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
bad(struct rec *r, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (r->why.len)
		return -1;
	va_start(ap, fmt);
	strbuf_vaddf(&r->why, fmt, ap);
	va_end(ap);
	r->line = line;
	return -1;
}

/* The running user's and writable by no one else, as git and ld.so ask
 * of what they act on: anyone else could have written it. */
static int
trusted(struct rec *r, const struct stat *st, const char *what,
	unsigned mode)
{
	if (st->st_uid != geteuid())
		return bad(r, 0, "%s is owned by uid %lu, not by you (uid "
			   "%lu)", what, (unsigned long)st->st_uid,
			   (unsigned long)geteuid());
	if (st->st_mode & 022)
		return bad(r, 0, "%s is writable by %s", what,
			   st->st_mode & 002 ? "everyone" : "its group");
	/* khora makes them private; git and zip never do: a journal that
	 * came with a cloned repository or an archive is not one */
	if (st->st_mode & 077)
		return bad(r, 0, "%s has mode %04o, not %04o as khora makes "
			   "it", what, (unsigned)st->st_mode & 07777, mode);
	return 0;
}

/* "0", "1", ...: the form commit.c writes, nothing else. */
static int
parse_number(const char *s, long *out)
{
	long v = 0;

	if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 9)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

static int
check_path(struct rec *r, char *path, unsigned line)
{
	char *copy = xstrdup(path);
	const char *why = path_check(copy);
	int same = !why && !strcmp(copy, path);

	free(copy);
	if (why)
		return bad(r, line, "'%s' %s", path, why);
	if (!same)
		return bad(r, line, "'%s' is not in normal form", path);
	if (starts_with(path, RECOVER_PREFIX))
		return bad(r, line, "'%s' is inside a backup directory", path);
	return 0;
}

static int
parse_line(struct rec *r, char *s, unsigned line, long *next)
{
	struct jline j = { 0, -1, NULL, NULL, line, NULL };
	char *sp;

	if (!strcmp(s, "C")) {
		j.kind = 'C';
	} else if (s[0] == 'T' && s[1] == ' ') {
		/* copies kept in .khora/trash for a commit that may not
		 * have happened: only a name trash.c itself makes */
		if (!trash_valid_name(s + 2))
			return bad(r, line, "'%s' is not a trash directory "
				   "name", s + 2);
		j.kind = 'T';
		j.name = s + 2;
	} else if (s[0] && strchr("DR", s[0]) && s[1] == ' ') {
		j.kind = s[0];
		j.path = s + 2;
	} else if (s[0] == 'P' && s[1] == ' ' &&
		   strspn(s + 2, "0123456789abcdef") == 64 && s[66] == ' ') {
		j.kind = 'P';
		j.sha = s + 2;
		s[66] = '\0';
		j.path = s + 67;
	} else if (s[0] == 'B' && s[1] == ' ' && (sp = strchr(s + 2, ' '))) {
		j.kind = 'B';
		*sp = '\0';
		j.path = sp + 1;
		if (strcmp(s + 2, "-") && (parse_number(s + 2, &j.backup) ||
					   j.backup != *next))
			return bad(r, line, "backup '%s' is not the number "
				   "expected here (%ld)", s + 2, *next);
		if (j.backup >= 0)
			(*next)++;
	} else {
		return bad(r, line, "unknown journal line");
	}
	if (j.path && check_path(r, j.path, line))
		return -1;
	if (r->nr && r->l[r->nr - 1].kind == 'C')
		return bad(r, line, "a line after the final 'C'");
	if (j.kind == 'P' && (!r->nr || r->l[r->nr - 1].kind != 'B' ||
			      strcmp(r->l[r->nr - 1].path, j.path)))
		return bad(r, line, "'P' without its 'B' line");
	ALLOC_GROW(r->l, r->nr, r->alloc);
	r->l[r->nr++] = j;
	return 0;
}

static int
cmp_jline(const void *a, const void *b)
{
	const struct jline *x = *(const struct jline *const *)a;
	const struct jline *y = *(const struct jline *const *)b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* A run moves each file aside once: two "B" lines for a path are not
 * one of its journals. */
static int
check_twice(struct rec *r)
{
	const struct jline **v = xcalloc(r->nr + 1, sizeof(*v));
	size_t i, n = 0;
	int ret = 0;

	for (i = 0; i < r->nr; i++)
		if (r->l[i].kind == 'B')
			v[n++] = &r->l[i];
	if (n)
		qsort(v, n, sizeof(*v), cmp_jline);
	for (i = 1; i < n && !ret; i++)
		if (!strcmp(v[i]->path, v[i - 1]->path))
			ret = bad(r, v[i]->line, "'%s' was already moved "
				  "aside at line %u", v[i]->path,
				  v[i - 1]->line);
	free(v);
	return ret;
}

/*
 * Lines end with '\n'.  A last line without one is a write cut short:
 * the step it announced never began (a step is logged before it is
 * taken), so it is not undone.
 */
static int
parse_journal(struct rec *r)
{
	char *s = r->text.buf, *nl;
	unsigned line = 0;
	long next = 0;

	if (memchr(s, '\0', r->text.len))
		return bad(r, 1, "the journal holds a NUL byte");
	while ((nl = strchr(s, '\n'))) {
		*nl = '\0';
		/* a path khora writes is at most PATH_MAX_TOTAL: a longer
		 * line is no journal's, and is not echoed back */
		if ((size_t)(nl - s) > PATH_MAX_TOTAL + 80)
			return bad(r, line + 1, "a line longer than any "
				   "journal line khora writes");
		if (parse_line(r, s, ++line, &next))
			return -1;
		s = nl + 1;
	}
	r->done = r->nr && r->l[r->nr - 1].kind == 'C';
	return check_twice(r);
}

static int
read_journal(struct rec *r)
{
	struct stat st;
	int fd = openat(r->bfd, RECOVER_JOURNAL, O_RDONLY | O_NOFOLLOW |
			O_NONBLOCK | O_CLOEXEC), ret = -1;

	if (fd < 0 && errno == ENOENT) {
		r->no_journal = 1;
		return 0;
	}
	r->in_journal = 1;
	if (fd < 0)
		return bad(r, 0, "cannot open: %s", confine_strerror(errno));
	if (fstat(fd, &st))
		bad(r, 0, "cannot read: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		bad(r, 0, "it is not a regular file");
	else if (st.st_nlink != 1)
		bad(r, 0, "it has other hard links");
	else if (trusted(r, &st, "the journal", 0600) == 0)
		ret = 0;
	if (!ret && confine_read_fd(fd, &r->text, JOURNAL_MAX))
		ret = errno == EFBIG ?
			bad(r, 0, "larger than any journal khora writes") :
			bad(r, 0, "cannot read: %s", confine_strerror(errno));
	close(fd);
	return ret ? -1 : parse_journal(r);
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* The backup numbers the journal's 'B' lines gave, sorted: a scan of
 * the journal per backup made recovering a big update quadratic. */
static long *
backup_numbers(const struct rec *r, size_t *nr)
{
	long *v = xcalloc(r->nr + 1, sizeof(*v));
	size_t i;

	*nr = 0;
	for (i = 0; i < r->nr; i++)
		if (r->l[i].kind == 'B')
			v[(*nr)++] = r->l[i].backup;
	if (*nr)
		qsort(v, *nr, sizeof(*v), cmp_long);
	return v;
}

/* Is name a backup number some 'B' line of the journal gave? */
static int
named_backup(const long *v, size_t nr, const char *name)
{
	long n;

	if (parse_number(name, &n))
		return 0;
	return nr && bsearch(&n, v, nr, sizeof(*v), cmp_long);
}

struct entries_ctx {
	struct rec *r;
	long *nums;
	size_t nr_nums;
};

/* walk_dir(): one entry of the backup directory; 1 when refused */
static int
check_entry(const char *name, unsigned char type, void *arg)
{
	struct entries_ctx *c = arg;
	struct rec *r = c->r;
	struct stat st;

	(void)type;
	if (r->no_journal || (strcmp(name, RECOVER_JOURNAL) &&
			      !named_backup(c->nums, c->nr_nums, name)))
		bad(r, 0, "'%s' is not a backup its journal names", name);
	else if (fstatat(r->bfd, name, &st, AT_SYMLINK_NOFOLLOW))
		bad(r, 0, "cannot read '%s': %s", name, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		bad(r, 0, "'%s' is a directory", name);
	else
		return 0;
	return 1;
}

/* The directory holds the journal and the backups it names, nothing
 * else, and no directory (a backup is a file or a symlink). */
static int
check_entries(struct rec *r)
{
	struct entries_ctx c = { r, NULL, 0 };
	int ret;

	c.nums = backup_numbers(r, &c.nr_nums);
	ret = walk_dir(r->bfd, check_entry, &c);
	if (ret < 0)
		bad(r, 0, "cannot list: %s", strerror(errno));
	free(c.nums);
	return ret ? -1 : 0;
}

/* Every path resolves below the project without a symlink on the way
 * (a missing directory is fine: its step may not have happened). */
static int
check_confined(struct rec *r)
{
	const char *base;
	size_t i;

	for (i = 0; i < r->nr; i++) {
		int fd;

		if (!r->l[i].path)
			continue;
		fd = confine_parent(r->rootfd, r->l[i].path, &base);
		if (fd >= 0)
			close(fd);
		else if (errno != ENOENT)
			return bad(r, r->l[i].line, "'%s': %s", r->l[i].path,
				   confine_strerror(errno));
	}
	return 0;
}

static int undo_one(struct rec *r, size_t i, int dry);

/* Every step that would be undone can be, before the first one is: a
 * refusal half-way would leave a mix of two versions. */
static int
check_undo(struct rec *r)
{
	size_t i = r->nr;

	while (!r->done && i--)
		if (undo_one(r, i, 1))
			return -1;
	return 0;
}

/*
 * Opens the backup directory and proves it is safe to act on: 0, 1
 * when a live run holds it (left alone), -1 when it is not.  apply
 * takes the flock exclusively and keeps it; a read-only look takes it
 * shared, so that it never makes a writer think its run is alive.
 */
static int
examine(struct rec *r, int apply)
{
	struct stat st;

	if (fstatat(r->rootfd, r->name, &st, AT_SYMLINK_NOFOLLOW))
		return bad(r, 0, "cannot read: %s", strerror(errno));
	if (S_ISLNK(st.st_mode))
		return bad(r, 0, "it is a symbolic link (khora never follows "
			   "one)");
	if (!S_ISDIR(st.st_mode))
		return bad(r, 0, "it is not a directory");
	r->bfd = openat(r->rootfd, r->name, O_RDONLY | O_DIRECTORY |
			O_NOFOLLOW | O_CLOEXEC);
	if (r->bfd < 0)
		return bad(r, 0, "cannot open: %s", confine_strerror(errno));
	if (fstat(r->bfd, &st))
		return bad(r, 0, "cannot read: %s", strerror(errno));
	if (trusted(r, &st, "the backup directory", 0700))
		return -1;
	if (flock(r->bfd, (apply ? LOCK_EX : LOCK_SH) | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			return 1;
		return bad(r, 0, "cannot lock: %s", strerror(errno));
	}
	if (read_journal(r))
		return -1;
	r->in_journal = 0;
	if (check_entries(r))
		return -1;
	r->in_journal = 1;
	if (check_confined(r) || check_undo(r))
		return -1;
	r->in_journal = 0;
	return 0;
}

/*
 * What is at base in pfd now: 0 absent, 1 present with its hash in hex
 * (of a regular file's content, or of a symlink's target) and st, -1
 * on an error or anything else (a directory, a FIFO).
 */
static int
current(int pfd, const char *base, char hex[65], struct stat *st)
{
	struct strbuf sb = STRBUF_INIT;
	char target[4096];
	ssize_t n;
	int fd, ret = -1;

	if (fstatat(pfd, base, st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -1;
	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(pfd, base, target, sizeof(target));
		if (n < 0 || (size_t)n >= sizeof(target))
			return -1;
		sha256_hex(target, (size_t)n, hex);
		return 1;
	}
	if (!S_ISREG(st->st_mode)) {
		errno = CONFINE_ENOTREG;
		return -1;
	}
	fd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	if (fd >= 0 && !confine_read_fd(fd, &sb, 0)) {
		sha256_hex(sb.buf, sb.len, hex);
		ret = 1;
	}
	if (fd >= 0)
		close(fd);
	strbuf_release(&sb);
	return ret;
}

/*
 * Whether the file at base may be replaced or removed by undoing line
 * i: only when it is exactly what the dead run placed (the hash of its
 * "P" line), or when it is the old file itself (a hard-linked backup
 * whose replacement never happened: nothing to do then, *same set).
 * Anything else is not khora's to touch, whoever put it there.
 */
static int
may_replace(struct rec *r, size_t i, int pfd, const char *base, int *same)
{
	const struct jline *j = &r->l[i];
	const struct jline *p = i + 1 < r->nr && r->l[i + 1].kind == 'P' ?
		&r->l[i + 1] : NULL;
	struct stat st, bst;
	char hex[65], name[32];
	int now = current(pfd, base, hex, &st);

	*same = 0;
	if (now < 0)
		return bad(r, j->line, "cannot read '%s': %s", j->path,
			   confine_strerror(errno));
	if (!now)
		return 0;
	if (j->backup >= 0) {
		snprintf(name, sizeof(name), "%ld", j->backup);
		if (!fstatat(r->bfd, name, &bst, AT_SYMLINK_NOFOLLOW) &&
		    bst.st_ino == st.st_ino && bst.st_dev == st.st_dev) {
			*same = 1;
			return 0;
		}
	}
	if (p && !strcmp(hex, p->sha))
		return 0;
	return bad(r, j->line, "'%s' is not what the interrupted run left "
		   "there (changed since?): not replaced", j->path);
}

/* One step undone: ENOENT and the like mean the step never happened. */
static int
undo_one(struct rec *r, size_t i, int dry)
{
	const struct jline *j = &r->l[i];
	const char *base;
	char name[32];
	int pfd, ret = 0, same = 0;

	if (j->kind == 'P' || j->kind == 'C')
		return 0;
	if (j->kind == 'T') {
		/* undone before every other line (recover_one()): the
		 * backups are still in the backup directory, where the
		 * run's copies link to */
		if (!dry && trash_undo(r->rootfd, j->name, r->bfd))
			diag_warn(r->d, NULL, "%s/.khora/trash/%s: kept: it "
				  "holds files the interrupted run did not put "
				  "there", r->root, j->name);
		return 0;
	}
	if (j->kind == 'B' && j->backup >= 0) {
		snprintf(name, sizeof(name), "%ld", j->backup);
		if (faccessat(r->bfd, name, F_OK, AT_SYMLINK_NOFOLLOW))
			return 0;	/* never moved aside */
	}
	/* "B -" and no "P" after it: the new file was never placed */
	if (j->kind == 'B' && j->backup < 0 &&
	    !(i + 1 < r->nr && r->l[i + 1].kind == 'P'))
		return 0;
	pfd = confine_parent(r->rootfd, j->path, &base);
	/* a directory an "R" line removed comes back before its files */
	if (pfd < 0)
		return errno == ENOENT && (j->kind != 'B' || dry) ? 0 :
			bad(r, j->line, "cannot undo '%s': %s", j->path,
			    confine_strerror(errno));
	if (j->kind == 'B' && may_replace(r, i, pfd, base, &same)) {
		close(pfd);
		return -1;
	}
	if (dry) {
		/* checked, not done */
	} else if (j->kind == 'D') {
		if (unlinkat(pfd, base, AT_REMOVEDIR) && errno != ENOENT &&
		    errno != ENOTEMPTY && errno != EEXIST)
			ret = -1;
	} else if (j->kind == 'R') {
		if (mkdirat(pfd, base, 0755) && errno != EEXIST)
			ret = -1;
	} else if (same) {
		/* the old file never left: its backup is a second name */
	} else if (j->backup >= 0) {
		/* the old file was moved aside: put it back over the new */
		ret = renameat(r->bfd, name, pfd, base);
	} else if (unlinkat(pfd, base, 0) && errno != ENOENT) {
		ret = -1;	/* no old file: what is there now is new */
	}
	if (ret)
		bad(r, j->line, "cannot undo '%s': %s", j->path,
		    strerror(errno));
	close(pfd);
	return ret;
}

/* Backups first, the journal last: a directory cut short here has no
 * journal left to replay twice. */
static int
remove_backups(struct rec *r)
{
	char name[32];
	size_t i;

	for (i = 0; i < r->nr; i++) {
		if (r->l[i].kind != 'B' || r->l[i].backup < 0)
			continue;
		snprintf(name, sizeof(name), "%ld", r->l[i].backup);
		if (unlinkat(r->bfd, name, 0) && errno != ENOENT)
			return -1;
	}
	if (unlinkat(r->bfd, RECOVER_JOURNAL, 0) && errno != ENOENT)
		return -1;
	if (unlinkat(r->rootfd, r->name, AT_REMOVEDIR) && errno != ENOENT)
		return -1;
	return 0;
}

static int
recover_one(struct rec *r, struct diag *d)
{
	size_t i = r->nr;

	/* the trash runs first, while every backup its links point to is
	 * still in the backup directory: undoing a B line moves one back
	 * into the project, and the trash run would no longer look like
	 * the interrupted run's own */
	for (i = 0; !r->done && i < r->nr; i++)
		if (r->l[i].kind == 'T')
			(void)undo_one(r, i, 0);
	i = r->nr;
	while (!r->done && i--)
		if (r->l[i].kind != 'T' && undo_one(r, i, 0))
			return -1;
	if (remove_backups(r)) {
		struct diag_loc loc = { NULL, 0, 0 };
		struct strbuf where = STRBUF_INIT;

		strbuf_addf(&where, "%s/%s", r->root, r->name);
		loc.file = where.buf;
		diag_warn(d, &loc, "cannot remove the backup directory: %s "
			  "(the project is as before that run; remove it by "
			  "hand)", strerror(errno));
		strbuf_release(&where);
		return 0;
	}
	if (!r->no_journal)
		diag_warn(d, NULL, "%s/%s: %s an interrupted --force run",
			  r->root, r->name, r->done ? "finished cleaning up "
			  "after" : "rolled back");
	return 0;
}

#define KEPT "every backup is kept in %s/%s (move each numbered file " \
	"back to the path of its 'B N PATH' journal line, then remove " \
	"that directory)"

static void
report(struct rec *r, int apply, struct diag *d)
{
	struct strbuf where = STRBUF_INIT;
	struct diag_loc loc = { NULL, 0, 0 };

	strbuf_addf(&where, "%s/%s%s", r->root, r->name, r->in_journal ?
		    "/" RECOVER_JOURNAL : "");
	loc.file = where.buf;
	loc.line = r->line;
	if (apply)
		diag_error(d, EXIT_IO, &loc, "cannot recover an interrupted "
			   "run: %s; " KEPT, r->why.buf, r->root, r->name);
	else
		diag_warn(d, &loc, "cannot recover an interrupted run: %s; "
			  KEPT, r->why.buf, r->root, r->name);
	strbuf_release(&where);
}

static int
scan_one(int rootfd, const char *root, const char *name, int apply,
	 struct strlist *pending, struct diag *d)
{
	struct rec r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.d = d;
	r.rootfd = rootfd;
	r.bfd = -1;
	r.root = root;
	r.name = name;
	strbuf_init(&r.why, 0);
	strbuf_init(&r.text, 0);
	ret = examine(&r, apply);
	if (ret > 0 && apply) {
		diag_warn(d, NULL, "%s/%s: another khora run is writing the "
			  "project: its backups are left alone", root, name);
		ret = 0;
	} else if (ret > 0) {
		ret = 0;	/* a live run: nothing is pending */
	} else if (ret < 0) {
		report(&r, apply, d);
		ret = apply ? -1 : 1;
	} else if (apply) {
		/* a step the read-only look could not foresee failed (its
		 * directory went since): say which, as for a refusal */
		ret = recover_one(&r, d);
		r.in_journal = 1;	/* at the line of that step */
		if (ret < 0)
			report(&r, apply, d);
	} else if (r.no_journal) {
		ret = 0;	/* died before its first step */
	} else {
		diag_warn(d, NULL, "%s/%s: an interrupted run left the project "
			  "half-changed: the next 'khora update' %s (this "
			  "command writes nothing)", root, name, r.done ?
			  "finishes its cleanup" : "rolls it back");
		ret = 1;
	}
	if (ret > 0 && pending)
		strlist_push(pending, name);
	if (r.bfd >= 0)
		close(r.bfd);
	free(r.l);
	strbuf_release(&r.why);
	strbuf_release(&r.text);
	return ret;
}

/* walk_dir(): the names of interrupted runs' backup directories */
static int
push_backup(const char *name, unsigned char type, void *arg)
{
	(void)type;
	if (starts_with(name, RECOVER_PREFIX))
		strlist_push(arg, name);
	return 0;
}

int
recover_scan(int rootfd, const char *root, int apply,
	     struct strlist *pending, struct diag *d)
{
	struct diag_loc loc = { root, 0, 0 };
	struct strlist names = { NULL, 0, 0 };
	int ret = 0, nr = 0, n;
	size_t i;

	/* names first: recovery removes entries while the list is read */
	if (walk_dir(rootfd, push_backup, &names))
		ret = diag_error(d, EXIT_IO, &loc, "cannot list the project: "
				 "%s", strerror(errno));
	for (i = 0; !ret && i < names.nr; i++) {
		n = scan_one(rootfd, root, names.v[i], apply, pending, d);
		if (n < 0)
			ret = -1;
		else
			nr += n;
	}
	if (!ret)
		ret = nr;
	strlist_clear(&names);
	return ret;
}
