/* SPDX-License-Identifier: MIT */
/*
 * update.c - the decisions of `khora update`, file by file (the table
 * in update.h), and the removals and renames they imply.  Nothing is
 * written here: the pipeline's commit does that, with its journal.
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "confine.h"
#include "hash.h"
#include "sha256.h"
#include "strbuf.h"
#include "update.h"
#include "walk.h"
#include "wrapper.h"

static const char *const change_names[U__COUNT] = {
	"same", "create", "update", "keep", "merge", "conflict", "gone",
	"deleted", "remove", "orphan", "rename",
};

const char *
update_change_name(enum update_change c)
{
	return change_names[c];
}

int
update_writes(const struct pipeline *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (!p->actions[i].skip)
			return 1;
	return p->nr_removals != 0;
}

int
update_still_only(const struct update_item *it)
{
	return it->still && it->change != U_CONFLICT &&
		it->change != U_GONE_CONFLICT;
}

const char *
update_after(const struct update_item *it, size_t *len)
{
	if (it->change == U_REMOVE || (!it->a && it->change != U_ORPHAN)) {
		*len = 0;
		return NULL;
	}
	if (!it->a || it->a->skip) {
		*len = it->before_len;
		return it->before;
	}
	*len = it->a->len;
	return it->a->kind == A_SYMLINK ? it->a->text : it->a->data;
}

static void
add_base(const char *path, const char *data, size_t len, void *arg)
{
	struct update *u = arg;

	ALLOC_GROW(u->base, u->nr_base, u->alloc_base);
	u->base[u->nr_base].path = xstrdup(path);
	u->base[u->nr_base].data = data;
	u->base[u->nr_base++].len = len;
}

static int
cmp_base(const void *a, const void *b)
{
	return strcmp(((const struct base_file *)a)->path,
		      ((const struct base_file *)b)->path);
}

void
update_add_base(struct update *u, const char *path, const char *data,
		size_t len)
{
	add_base(path, data, len, u);
	qsort(u->base, u->nr_base, sizeof(*u->base), cmp_base);
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct lock_entry *)a)->path,
		      ((const struct lock_entry *)b)->path);
}

static struct lock_entry *old_find(const struct update *u,
				   const char *path);

/* An error at the line of .khora/base where byte off is; -1. */
static int
base_error(const struct update *u, const char *buf, size_t off,
	   struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
base_error(const struct update *u, const char *buf, size_t off,
	   struct diag *d, const char *fmt, ...)
{
	struct strbuf file = STRBUF_INIT, msg = STRBUF_INIT;
	struct diag_loc loc = { NULL, 1, 0 };
	va_list ap;
	size_t i;

	for (i = 0; i < off; i++)
		loc.line += buf[i] == '\n';
	strbuf_addf(&file, "%s/.khora/base", u->root);
	loc.file = file.buf;
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	diag_error(d, EXIT_IO, &loc, "%s", msg.buf);
	strbuf_release(&file);
	strbuf_release(&msg);
	return -1;
}

/*
 * The base is input like the lock: each record names a file of the
 * lock, once, with the content the lock's hash says (a record's data
 * starts right after its "@@ SIZE PATH" line, whose number is the
 * count of newlines before it).
 */
static int
check_base(const struct update *u, struct diag *d)
{
	const struct lock_entry *e;
	const struct base_file *b;
	char hex[65];
	size_t i, off;

	for (i = 0; i < u->nr_base; i++) {
		b = &u->base[i];
		e = old_find(u, b->path);
		off = (size_t)(b->data - u->base_buf);
		if (i && !strcmp(b->path, u->base[i - 1].path))
			return base_error(u, u->base_buf, off, d, "'%s' "
					  "appears twice", b->path);
		/* a merge of two branches can leave the copy of a file one
		 * of them made the user's: inert, never read, not kept */
		if (e && e->user)
			continue;
		if (!e || !e->sha256)
			return base_error(u, u->base_buf, off, d, "'%s' is "
					  "not a file of .khora/lock", b->path);
		sha256_hex(b->data, b->len, hex);
		if (strcmp(hex, e->sha256))
			return base_error(u, u->base_buf, off, d, "'%s' does "
					  "not have the content its sha256 in "
					  ".khora/lock says", b->path);
	}
	return 0;
}

/*
 * An entry reached through a symlinked directory would make update read
 * (and write, and delete) wherever the link points: refused here, with
 * the lock's line, before anything is read.  A directory that became a
 * file or went away is the user's doing, merged as usual.
 */
static int
check_on_disk(const struct update *u, struct diag *d)
{
	struct strbuf file = STRBUF_INIT;
	struct diag_loc loc = { NULL, 0, 0 };
	struct stat st;
	size_t i;
	int ret = 0;

	for (i = 0; i < u->nr_old && !ret; i++) {
		const struct lock_entry *e = &u->old[i];

		/* other errors are the reads' to report, file by file */
		if (!confine_lstat(u->rootfd, e->path, &st) ||
		    (errno != ELOOP && errno != EXDEV))
			continue;
		strbuf_addf(&file, "%s/.khora/lock", u->root);
		loc.file = file.buf;
		loc.line = e->line;
		loc.col = e->col;
		ret = diag_error(d, EXIT_IO, &loc, "'%s': %s", e->path,
				 confine_strerror(errno));
	}
	strbuf_release(&file);
	return ret;
}

int
update_init(struct update *u, const char *root, enum merge_favor favor,
	    struct diag *d)
{
	struct strbuf sb = STRBUF_INIT;
	struct diag_loc loc = { root, 0, 0 };

	memset(u, 0, sizeof(*u));
	u->root = root;
	u->favor = favor;
	u->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u->rootfd < 0)
		return diag_error(d, EXIT_IO, &loc, "cannot open project: %s",
				  strerror(errno));
	if (project_read_lock(root, &u->lock_tree, &u->old, &u->nr_old, d))
		return -1;
	if (u->nr_old)
		qsort(u->old, u->nr_old, sizeof(*u->old), cmp_entry);
	if (check_on_disk(u, d))
		return -1;
	if (confine_read(u->rootfd, ".khora/base", &sb, 0)) {
		int e = errno;

		if (e != ENOENT) {
			strbuf_reset(&sb);
			strbuf_addf(&sb, "%s/.khora/base", root);
			loc.file = sb.buf;
			diag_error(d, EXIT_IO, &loc, "cannot read: %s",
				   confine_strerror(e));
			strbuf_release(&sb);
			return -1;
		}
		u->base_missing = 1;	/* a project from before the base */
	} else if (pipeline_read_base(sb.buf, sb.len, add_base, u)) {
		const struct base_file *last = u->nr_base ?
			&u->base[u->nr_base - 1] : NULL;
		/* the first record that does not parse follows the last
		 * that did */
		size_t off = last ? (size_t)(last->data - sb.buf) + last->len +
			1 : 0;
		/* only a base that does not parse: a pristine file may hold
		 * such a line */
		unsigned marker = project_conflict_line(sb.buf + off,
							sb.len - off);

		if (marker) {
			size_t i;

			for (i = 0; i < off; i++)
				marker += sb.buf[i] == '\n';
			strbuf_reset(&sb);
			strbuf_addf(&sb, "%s/.khora/base", root);
			project_conflict_error(sb.buf, ".khora/base", marker,
					       d);
			strbuf_release(&sb);
			return -1;
		}
		base_error(u, sb.buf, off, d, "damaged or cut short: the "
			   "record here is not '@@ SIZE PATH' and SIZE bytes");
		strbuf_release(&sb);
		return -1;
	}
	u->base_buf = strbuf_detach(&sb, &u->base_len);
	if (u->nr_base)
		qsort(u->base, u->nr_base, sizeof(*u->base), cmp_base);
	return check_base(u, d);
}

void
update_release(struct update *u)
{
	size_t i;

	for (i = 0; i < u->nr_items; i++) {
		free(u->items[i].before);
		free(u->items[i].merged);
	}
	free(u->items);
	for (i = 0; i < u->nr_base; i++)
		free(u->base[i].path);
	free(u->base);
	free(u->base_buf);
	free(u->old);
	free(u->err_path);
	ynode_free(u->lock_tree);
	if (u->rootfd >= 0)
		close(u->rootfd);
	memset(u, 0, sizeof(*u));
	u->rootfd = -1;
}

static struct lock_entry *
old_find(const struct update *u, const char *path)
{
	struct lock_entry key;

	memset(&key, 0, sizeof(key));
	key.path = path;
	return u->nr_old ? bsearch(&key, u->old, u->nr_old, sizeof(*u->old),
				   cmp_entry) : NULL;
}

/* The previous pristine content of e, if the base has it intact. */
static const struct base_file *
base_get(const struct update *u, const struct lock_entry *e,
	 struct diag *d)
{
	struct base_file key, *b;
	char hex[65];

	if (e->secret)
		return NULL;	/* never copied: merged as if both new */
	key.path = (char *)e->path;
	b = u->nr_base ? bsearch(&key, u->base, u->nr_base, sizeof(*u->base),
				 cmp_base) : NULL;
	if (b && e->sha256) {
		sha256_hex(b->data, b->len, hex);
		if (!strcmp(hex, e->sha256))
			return b;
	}
	diag_warn(d, NULL, "%s/%s: no previous version in .khora/base%s: "
		  "merged as if both versions were new", u->root, e->path,
		  u->base_missing ? " (missing or damaged)" : "");
	return NULL;
}

static struct update_item *
new_item(struct update *u, const char *path, struct action *a)
{
	struct update_item *it;

	ALLOC_GROW(u->items, u->nr_items, u->alloc_items);
	it = &u->items[u->nr_items++];
	memset(it, 0, sizeof(*it));
	it->path = path;
	it->a = a;
	return it;
}

/* The first file that could not be read: the update then stops. */
static int
read_error(struct update *u, const char *path)
{
	if (!u->err_path) {
		u->err_errno = errno;
		u->err_path = xstrdup(path);
	}
	return -1;
}

/*
 * What is at path now: 0 absent, 1 file, 2 symlink, 3 other, -1 if it
 * cannot be read (never guessed: a guess could overwrite the user's
 * work).
 */
static int
read_before(struct update *u, const char *path, struct update_item *it)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	char target[4096];
	const char *base;
	ssize_t n;
	int fd, e;

	/* a symlink on the way is an error (ELOOP), not an absence */
	if (confine_lstat(u->rootfd, path, &st))
		return errno == ENOENT ? 0 : read_error(u, path);
	if (S_ISLNK(st.st_mode)) {
		fd = confine_parent(u->rootfd, path, &base);
		n = fd < 0 ? -1 : readlinkat(fd, base, target,
					     sizeof(target) - 1);
		e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		if (n < 0)
			return read_error(u, path);
		it->before = xstrndup(target, (size_t)n);
		it->before_len = (size_t)n;
		it->before_link = 1;
		return 2;
	}
	if (!S_ISREG(st.st_mode))
		return 3;
	if (confine_read(u->rootfd, path, &sb, 0)) {
		strbuf_release(&sb);
		return read_error(u, path);
	}
	it->before_mode = st.st_mode & 0777;
	it->before = strbuf_detach(&sb, &it->before_len);
	return 1;
}

static int
same_as_new(const struct update_item *it, const struct action *a,
	    unsigned mask)
{
	if (a->kind == A_SYMLINK)
		return it->before_link && !strcmp(it->before, a->text);
	return !it->before_link && it->before_len == a->len &&
		!memcmp(it->before, a->data, a->len) &&
		it->before_mode == (a->mode & 0777 & ~mask);
}

static int
untouched(const struct update_item *it, const struct lock_entry *e)
{
	char hex[65];

	if (!e)
		return 0;
	if (e->symlink)
		return it->before_link && !strcmp(it->before, e->symlink);
	if (it->before_link || !e->sha256)
		return 0;
	sha256_hex(it->before, it->before_len, hex);
	return !strcmp(hex, e->sha256);
}

/* Whether khora's version of e changed from the last run to a. */
static int
khora_changed(const struct lock_entry *e, const struct action *a)
{
	if (a->kind == A_SYMLINK || e->symlink)
		return !(a->kind == A_SYMLINK && e->symlink &&
			 !strcmp(a->text, e->symlink));
	return !e->sha256 || strcmp(a->sha, e->sha256);
}

static int
generated(const struct pipeline *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->actions[i].path, path))
			return 1;
	return 0;
}

/*
 * Writes data beside its file as NAME+suffix: a binary conflict's
 * other side.  owned: khora's bytes, recorded (beside: NAME) so that a
 * later update removes them; else the user's, never recorded.  What is
 * at that name already is replaced only when it is what khora wrote
 * there; anything else is the user's: -1, nothing written.
 */
static int
add_side(struct update *u, struct update_item *it, const char *suffix,
	 const char *data, size_t len, int owned)
{
	struct strbuf path = STRBUF_INIT;
	struct update_item probe;
	const struct lock_entry *old;
	struct action *a;
	int what, same = 0;

	strbuf_addf(&path, "%s%s", it->path, suffix);
	if (generated(u->p, path.buf)) {
		/* a plugin makes a file of that name: not ours to use */
		strbuf_release(&path);
		return -1;
	}
	memset(&probe, 0, sizeof(probe));
	what = read_before(u, path.buf, &probe);
	old = old_find(u, path.buf);
	if (what > 0) {
		same = what == 1 && probe.before_len == len &&
			!memcmp(probe.before, data, len);
		if (!same && !(owned && what == 1 && old && old->beside &&
			       untouched(&probe, old)))
			what = -1;
	}
	free(probe.before);
	if (what < 0) {
		strbuf_release(&path);
		return -1;
	}
	a = pipeline_add(u->p, A_DATA, it->a->owner, path.buf);
	strbuf_release(&path);
	a->data = xmalloc(len + 1);
	memcpy(a->data, data, len);
	a->data[len] = '\0';
	a->len = len;
	a->mode = it->a->mode;
	sha256_hex(a->data, a->len, a->sha);
	a->skip = same;
	a->unrecorded = !owned;
	a->beside = owned ? it->path : NULL;
	return 0;
}

/*
 * A binary file changed on both sides: no line merge.  Yours stays and
 * khora's goes beside it (NAME.khora-new), or a side is taken; with
 * --theirs, yours is saved as NAME.khora-yours first.
 */
static void
binary_conflict(struct update *u, struct update_item *it)
{
	struct action *a = it->a;

	it->binary = 1;
	it->change = U_CONFLICT;
	a->skip = 1;
	if (u->favor == MERGE_OURS)
		return;
	if (u->favor == MERGE_THEIRS) {
		a->skip = it->blocked = add_side(u, it, UPDATE_YOURS_SUFFIX,
						 it->before, it->before_len,
						 0) != 0;
		u->conflicts += it->blocked;
		u->binary += it->blocked;
		a->conflict = it->blocked;
		return;
	}
	a->conflict = 1;
	u->conflicts++;
	u->binary++;
	it->blocked = add_side(u, it, UPDATE_NEW_SUFFIX, a->data, a->len,
			       1) != 0;
}

/*
 * A binary conflict an update left, khora's version unchanged since:
 * open while NAME.khora-new is there; --ours or --theirs close it.
 */
static void
binary_resolve(struct update *u, struct update_item *it)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	int open_;

	it->change = U_KEEP;
	it->a->skip = 1;
	if (u->favor != MERGE_MARKERS) {
		it->change = U_MERGE;
		it->resolved = 1;
		it->binary = 1;
		if (u->favor == MERGE_THEIRS)
			binary_conflict(u, it);
		if (!it->blocked)
			it->change = U_MERGE;
		return;
	}
	strbuf_addf(&path, "%s%s", it->path, UPDATE_NEW_SUFFIX);
	open_ = !confine_lstat(u->rootfd, path.buf, &st);
	strbuf_release(&path);
	if (open_) {
		it->a->conflict = 1;
		it->binary = 1;
		it->blocked = add_side(u, it, UPDATE_NEW_SUFFIX, it->a->data,
				       it->a->len, 1) != 0;
	}
}

static int
binary(const struct base_file *b, const struct action *a, const char *ours,
       size_t ours_len)
{
	return merge_is_binary(ours, ours_len) ||
		merge_is_binary(a->data, a->len) ||
		(b && merge_is_binary(b->data, b->len));
}

/* Both changed: merge ours into it->merged, or keep one side. */
static void
merge_item(struct update *u, struct update_item *it,
	   const struct lock_entry *e, const char *ours, size_t ours_len,
	   struct diag *d)
{
	const struct base_file *b = e && !e->symlink ? base_get(u, e, d) :
		NULL;
	struct action *a = it->a;
	struct strbuf out = STRBUF_INIT;
	int n;

	if (a->kind == A_SYMLINK || it->before_link) {
		/* no lines to merge in a symlink: one side wins */
		it->change = U_CONFLICT;
		a->skip = u->favor != MERGE_THEIRS;
		u->conflicts += u->favor == MERGE_MARKERS;
		return;
	}
	if (binary(b, a, ours, ours_len)) {
		binary_conflict(u, it);
		return;
	}
	n = merge3(b ? b->data : "", b ? b->len : 0, ours, ours_len, a->data,
		   a->len, u->favor, &out);
	/* a clean merge around the markers an earlier update left keeps
	 * them: the conflict is still open, status must keep saying so */
	if (!n && u->favor == MERGE_MARKERS && e && e->conflict &&
	    merge_has_markers(out.buf, out.len))
		n = 1;
	it->change = n ? U_CONFLICT : U_MERGE;
	if (n && u->favor == MERGE_MARKERS) {
		a->conflict = 1;
		u->conflicts++;
	}
	it->merged = strbuf_detach(&out, &it->merged_len);
}

/*
 * The markers a previous update left, resolved now for the side asked:
 * the result is what the user would have had with --ours or --theirs
 * then, merged again if khora's version changed since.
 */
static void
resolve_item(struct update *u, struct update_item *it,
	     const struct lock_entry *e, struct diag *d)
{
	struct strbuf res = STRBUF_INIT;

	merge_resolve_markers(it->before, it->before_len, u->favor, &res);
	it->resolved = 1;
	if (khora_changed(e, it->a)) {
		merge_item(u, it, e, res.buf, res.len, d);
		strbuf_release(&res);
		return;
	}
	it->change = U_MERGE;
	it->merged = strbuf_detach(&res, &it->merged_len);
}

static void
decide(struct update *u, struct action *a, unsigned mask, struct diag *d)
{
	struct lock_entry *e = old_find(u, a->path);
	struct update_item *it = new_item(u, a->path, a);
	int what = read_before(u, a->path, it);

	if (what < 0) {
		a->skip = 1;	/* update_plan() fails: no decision */
	} else if ((e && e->user) || a->user) {
		/* the user's (a plugin's input, or forgotten): written
		 * only where an input copy finds nothing, never again */
		it->change = !what && a->user && !e ? U_CREATE : U_SAME;
		a->skip = it->change == U_SAME;
		a->user = 1;
	} else if (a->is_config) {
		/* add's edit of khora.yaml: the user asked for it */
		it->change = what && same_as_new(it, a, mask) ? U_SAME :
			U_UPDATE;
		a->skip = it->change == U_SAME;
	} else if (!what) {
		if (!e) {
			it->change = U_CREATE;
		} else if (!khora_changed(e, a) &&
			   !(e->conflict && u->favor == MERGE_THEIRS)) {
			/* a conflict stays open for a later --theirs */
			it->change = U_GONE;
			a->skip = 1;
			a->conflict = e->conflict && u->favor == MERGE_MARKERS;
		} else {
			it->change = U_GONE_CONFLICT;
			a->skip = u->favor != MERGE_THEIRS;
			a->conflict = u->favor == MERGE_MARKERS;
			u->conflicts += u->favor == MERGE_MARKERS &&
				khora_changed(e, a);
		}
	} else if (what == 3) {
		it->change = U_UPDATE;	/* the commit's precheck says why */
	} else if (same_as_new(it, a, mask)) {
		it->change = U_SAME;
		a->skip = 1;
		/* there before khora wrote it: the user's, not recorded */
		a->unowned = !e;
	} else if (e && e->conflict && u->favor != MERGE_MARKERS &&
		   what == 1 && !merge_is_binary(it->before, it->before_len) &&
		   merge_has_markers(it->before, it->before_len)) {
		resolve_item(u, it, e, d);
	} else if (untouched(it, e)) {
		it->change = U_UPDATE;
	} else if (e && e->conflict && !khora_changed(e, a) && what == 1 &&
		   a->kind != A_SYMLINK && binary(NULL, a, it->before,
						  it->before_len)) {
		binary_resolve(u, it);
	} else if (e && !khora_changed(e, a)) {
		it->change = U_KEEP;
		a->skip = 1;
		if (e->conflict && merge_has_markers(it->before,
						     it->before_len))
			a->conflict = 1;
	} else {
		it->untracked = !e;
		merge_item(u, it, e, it->before, it->before_len, d);
	}
}

/*
 * The files an update creates that a gone file may have moved to, by
 * template and by content hash: a scan of every item per gone file made
 * an update that moves thousands of files quadratic.  A list keeps the
 * indexes (items move when the array grows) of the items that were
 * candidates when it was built; those claimed since are dropped as a
 * lookup meets them.
 */
struct rename_list {
	size_t *v, nr, alloc;
};

struct renames {
	struct hashmap by_key;		/* "t:TEMPLATE" or "s:SHA" */
	struct strlist keys;		/* the table's keys */
	struct rename_list *lists;
	size_t nr, alloc;
};

static int
rename_candidate(const struct update_item *it)
{
	const struct action *a = it->a;

	return it->change == U_CREATE && !it->from && a &&
		a->kind != A_SYMLINK && a->owner;
}

static void
renames_add(struct renames *r, const char *key, size_t item)
{
	struct rename_list *l;
	void *at = hashmap_get(&r->by_key, key);
	size_t n;

	if (!at) {
		ALLOC_GROW(r->lists, r->nr, r->alloc);
		memset(&r->lists[r->nr], 0, sizeof(r->lists[r->nr]));
		strlist_push(&r->keys, key);
		/* the value is the list's number + 1: the array moves */
		hashmap_put(&r->by_key, r->keys.v[r->keys.nr - 1],
			    (void *)(uintptr_t)++r->nr);
		at = (void *)(uintptr_t)r->nr;
	}
	n = (size_t)(uintptr_t)at - 1;
	l = &r->lists[n];
	ALLOC_GROW(l->v, l->nr, l->alloc);
	l->v[l->nr++] = item;
}

static void
renames_init(struct renames *r, const struct update *u)
{
	struct strbuf key = STRBUF_INIT;
	size_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < u->nr_items; i++) {
		const struct action *a = u->items[i].a;

		if (!rename_candidate(&u->items[i]))
			continue;
		if (a->tmpl) {
			strbuf_reset(&key);
			strbuf_addf(&key, "t:%s/%s", a->owner->name, a->tmpl);
			renames_add(r, key.buf, i);
		}
		strbuf_reset(&key);
		strbuf_addf(&key, "s:%s", a->sha);
		renames_add(r, key.buf, i);
	}
	strbuf_release(&key);
}

static void
renames_release(struct renames *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		free(r->lists[i].v);
	free(r->lists);
	hashmap_clear(&r->by_key);
	strlist_clear(&r->keys);
}

/*
 * Up to two items of key's list that are still candidates, into out;
 * how many (2 means "two or more").  The claimed ones met on the way are
 * dropped, so every lookup costs O(1) amortised.
 */
static size_t
renames_find(struct renames *r, const struct update *u, const char *pfx,
	     const char *name, size_t out[2])
{
	struct strbuf key = STRBUF_INIT;
	struct rename_list *l;
	void *at;
	size_t i = 0, n = 0;

	strbuf_addf(&key, "%s%s", pfx, name);
	at = hashmap_get(&r->by_key, key.buf);
	strbuf_release(&key);
	if (!at)
		return 0;
	l = &r->lists[(size_t)(uintptr_t)at - 1];
	while (i < l->nr && n < 2) {
		if (!rename_candidate(&u->items[l->v[i]])) {
			l->v[i] = l->v[--l->nr];
			continue;
		}
		out[n++] = l->v[i++];
	}
	return n;
}

/* A file no longer generated whose template (or content) now makes a
 * file at a new path: the user's changes move there, when exactly one
 * new file matches. */
static struct update_item *
find_rename(struct update *u, struct renames *r, const struct lock_entry *e)
{
	size_t t[2], s[2], nt = 0, ns = 0;

	if (e->symlink)
		return NULL;
	if (e->template)
		nt = renames_find(r, u, "t:", e->template, t);
	if (e->sha256)
		ns = renames_find(r, u, "s:", e->sha256, s);
	if (nt > 1 || ns > 1 || (nt && ns && t[0] != s[0]))
		return NULL;
	if (nt)
		return &u->items[t[0]];
	return ns ? &u->items[s[0]] : NULL;
}

/* A removed file is kept in .khora/trash: cheap, and a wrong removal
 * then costs nothing. */
static void
add_removal(struct pipeline *p, const char *path, int is_dir)
{
	ALLOC_GROW(p->removals, p->nr_removals, p->alloc_removals);
	p->removals[p->nr_removals].path = xstrdup(path);
	p->removals[p->nr_removals].trash = !is_dir;
	p->removals[p->nr_removals++].is_dir = is_dir;
}

static void
rename_item(struct update *u, struct pipeline *p, struct update_item *it,
	    const struct lock_entry *e, struct diag *d)
{
	struct update_item old;

	memset(&old, 0, sizeof(old));
	if (read_before(u, e->path, &old) <= 0)
		return;		/* deleted by the user: just create */
	it->from = e->path;
	add_removal(p, e->path, 0);
	/* before: the old path's content, which the diff shows deleted */
	it->before = old.before;
	it->before_len = old.before_len;
	it->before_mode = old.before_mode;
	it->before_link = old.before_link;
	if (untouched(&old, e)) {
		it->change = U_RENAME;
		return;
	}
	it->carried = 1;
	if (old.before_link || !binary(NULL, it->a, old.before,
				       old.before_len)) {
		merge_item(u, it, e, it->before, it->before_len, d);
		if (it->change == U_MERGE)
			it->change = U_RENAME;
		return;
	}
	/* binary: yours stays where it is, untracked; khora's is created */
	p->nr_removals--;
	free(p->removals[p->nr_removals].path);
	it->from = NULL;
	it->carried = 0;
	it->change = U_CREATE;
	free(old.before);
	it->before = NULL;
	it->before_len = 0;
	it->before_mode = 0;
	it->before_link = 0;
	it = new_item(u, e->path, NULL);
	it->change = U_ORPHAN;
}

static void
gone_files(struct update *u, struct pipeline *p, const char *seen,
	   struct diag *d)
{
	struct renames r;
	size_t i;

	renames_init(&r, u);
	for (i = 0; i < u->nr_old; i++) {
		const struct lock_entry *e = &u->old[i];
		struct update_item *it, probe;
		int what;

		/* the user's file: never removed, the record just goes */
		if (seen[i] || e->user)
			continue;
		it = find_rename(u, &r, e);
		if (it) {
			rename_item(u, p, it, e, d);
			continue;
		}
		memset(&probe, 0, sizeof(probe));
		what = read_before(u, e->path, &probe);
		if (what <= 0) {
			free(probe.before);
			continue;
		}
		it = new_item(u, e->path, NULL);
		*it = probe;
		it->path = e->path;
		if (what != 3 && untouched(it, e)) {
			it->change = U_REMOVE;
			add_removal(p, e->path, 0);
		} else {
			it->change = U_ORPHAN;	/* the report says why */
		}
	}
	renames_release(&r);
}

/*
 * The paths an update removes and the directories the generated files
 * need, as tables: a scan of the removals per directory entry and of the
 * actions per directory made removing thousands of files quadratic.
 */
struct dir_index {
	struct hashmap removed;		/* keys: the removals' own paths */
	struct hashmap needed;		/* keys: in dirs */
	struct strlist dirs;
};

struct emptied_ctx {
	const struct dir_index *x;
	const char *dir;
	struct strbuf sb;
	int ok;
};

/* walk_dir(): an entry the update does not remove keeps dir */
static int
kept_entry(const char *name, unsigned char type, void *arg)
{
	struct emptied_ctx *c = arg;

	(void)type;
	strbuf_reset(&c->sb);
	strbuf_addf(&c->sb, "%s/%s", c->dir, name);
	if (!hashmap_get(&c->x->removed, c->sb.buf))
		c->ok = 0;
	return 0;
}

/*
 * Whether dir holds nothing but what the update removes (-1: it cannot
 * be read).  A readdir() error is an error, not the end of the list: a
 * directory taken for empty would be removed with the user's files.
 */
static int
emptied(struct update *u, const struct dir_index *x, const char *dir)
{
	struct emptied_ctx c = { x, dir, STRBUF_INIT, 1 };
	int fd = confine_open(u->rootfd, dir, O_RDONLY | O_DIRECTORY, 0), e;

	if (fd < 0)
		return errno == ENOENT ? 0 : read_error(u, dir);
	if (walk_dir(fd, kept_entry, &c)) {
		e = errno;
		close(fd);
		errno = e;
		c.ok = read_error(u, dir);
	} else {
		close(fd);
	}
	strbuf_release(&c.sb);
	return c.ok;
}

/* Every directory above path, once, into dirs (and the table t). */
static void
add_parents(struct hashmap *t, struct strlist *dirs, const char *path)
{
	char *dir = xstrdup(path), *s;

	while ((s = strrchr(dir, '/'))) {
		*s = '\0';
		if (hashmap_get(t, dir))
			break;	/* and so are its parents */
		strlist_push(dirs, dir);
		hashmap_put(t, dirs->v[dirs->nr - 1], (void *)1);
	}
	free(dir);
}

/* longer paths first: children before their parents */
static int
cmp_deeper(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	if (lx != ly)
		return lx > ly ? -1 : 1;
	return strcmp(x, y);
}

/* Directories the removals leave empty go too, deepest first. */
static void
empty_dirs(struct update *u, struct pipeline *p)
{
	struct strlist dirs = { NULL, 0, 0 };
	struct hashmap seen = HASHMAP_INIT;
	struct dir_index x;
	size_t i, nr_files = p->nr_removals;

	memset(&x, 0, sizeof(x));
	/* a generated path needs every directory above it, and itself */
	for (i = 0; i < p->nr; i++) {
		hashmap_put(&x.needed, p->actions[i].path, (void *)1);
		add_parents(&x.needed, &x.dirs, p->actions[i].path);
	}
	for (i = 0; i < nr_files; i++) {
		hashmap_put(&x.removed, p->removals[i].path, (void *)1);
		add_parents(&seen, &dirs, p->removals[i].path);
	}
	if (dirs.nr)
		qsort(dirs.v, dirs.nr, sizeof(*dirs.v), cmp_deeper);
	for (i = 0; i < dirs.nr; i++) {
		if (hashmap_get(&x.needed, dirs.v[i]) ||
		    emptied(u, &x, dirs.v[i]) <= 0)
			continue;
		add_removal(p, dirs.v[i], 1);
		/* its parent sees it as removed: the removal's own copy */
		hashmap_put(&x.removed, p->removals[p->nr_removals - 1].path,
			    (void *)1);
	}
	hashmap_clear(&seen);
	hashmap_clear(&x.removed);
	hashmap_clear(&x.needed);
	strlist_clear(&x.dirs);
	strlist_clear(&dirs);
}

int
update_plan(struct update *u, struct pipeline *p, const char *config_sha,
	    struct diag *d)
{
	char *seen = xcalloc(u->nr_old + 1, 1);
	mode_t mask = umask(0);
	size_t i, nr = p->nr;

	umask(mask);
	u->p = p;
	/* items point at actions: the records, add's khora.yaml and the
	 * files beside binary conflicts must not move them: room first */
	if (p->alloc < 2 * p->nr + 8) {
		p->alloc = 2 * p->nr + 8;
		p->actions = xrealloc(p->actions,
				      p->alloc * sizeof(*p->actions));
	}
	for (i = 0; i < nr; i++) {
		struct action *a = &p->actions[i];
		struct lock_entry *e = old_find(u, a->path);
		struct stat st;

		if (e)
			seen[e - u->old] = 1;
		if (a->kind == A_DIR) {
			a->skip = !confine_lstat(u->rootfd, a->path, &st) &&
				S_ISDIR(st.st_mode);
			continue;
		}
		decide(u, a, (unsigned)mask, d);
	}
	/* the files beside binary conflicts are generated, not gone */
	for (i = nr; i < p->nr; i++) {
		struct lock_entry *e = old_find(u, p->actions[i].path);

		if (e)
			seen[e - u->old] = 1;
	}
	gone_files(u, p, seen, d);
	free(seen);
	empty_dirs(u, p);
	if (u->err_path) {
		struct strbuf sb = STRBUF_INIT;
		struct diag_loc loc = { NULL, 0, 0 };

		strbuf_addf(&sb, "%s/%s", u->root, u->err_path);
		loc.file = sb.buf;
		diag_error(d, EXIT_IO, &loc, "cannot read: %s",
			   confine_strerror(u->err_errno));
		strbuf_release(&sb);
		return -1;
	}
	/* the records hold khora's pristine versions, not the merges */
	if (pipeline_add_records(p, config_sha))
		return -1;
	for (i = nr; i < p->nr; i++) {
		struct update_item probe;

		memset(&probe, 0, sizeof(probe));
		if (read_before(u, p->actions[i].path, &probe) == 1 &&
		    same_as_new(&probe, &p->actions[i], (unsigned)mask))
			p->actions[i].skip = 1;
		free(probe.before);
	}
	for (i = 0; i < u->nr_items; i++) {
		struct update_item *it = &u->items[i];
		const struct lock_entry *e;

		u->count[it->change]++;
		/* the lock keeps saying conflict: true; the command must
		 * say so too, or 'update && commit' commits markers */
		e = it->a && it->a->conflict && !it->a->user ?
			old_find(u, it->path) : NULL;
		if (e && e->conflict) {
			it->still = 1;
			u->still++;
		}
		/* replaced bytes that are not what khora last wrote (the
		 * user's, or khora.yaml's old text) go to .khora/trash */
		if (it->a && !it->a->skip && it->before && !it->from &&
		    (it->change != U_UPDATE || it->a->is_config ||
		     !untouched(it, old_find(u, it->path))))
			it->a->trash_old = 1;
		if (!it->merged || it->a->skip)
			continue;
		if (it->a->data != it->a->text)
			free(it->a->data);
		it->a->data = it->merged;
		it->a->len = it->merged_len;
		it->merged = NULL;
	}
	return 0;
}
