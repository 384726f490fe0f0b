/* SPDX-License-Identifier: MIT */
/*
 * project.c - finding a generated project and comparing its files with
 * what .khora/lock says khora wrote.
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "catalog.h"
#include "confine.h"
#include "merge.h"
#include "path.h"
#include "project.h"
#include "recover.h"
#include "sha256.h"
#include "strbuf.h"
#include "wrapper.h"

/*
 * A project found by walking up is acted on only when it is the running
 * user's (git's safe.directory rule): root, its .khora and its lock.  A
 * .khora/lock planted in a shared parent (/tmp is anyone's) must not
 * make a command in a subdirectory act with the victim's rights.
 */
static int
owned(const char *root, struct diag *d)
{
	static const char *const parts[] = { "", "/.khora", "/.khora/lock" };
	struct strbuf sb = STRBUF_INIT;
	struct diag_loc loc = { root, 0, 0 };
	struct stat st;
	size_t i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(parts) && !ret; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s%s", root, parts[i]);
		if (lstat(sb.buf, &st))
			ret = diag_error(d, EXIT_IO, &loc, "cannot use the "
					 "project: %s%s%s", parts[i] +
					 !!*parts[i], *parts[i] ? ": " : "",
					 strerror(errno));
		else if (i && S_ISLNK(st.st_mode))
			ret = diag_error(d, EXIT_IO, &loc, "cannot use the "
					 "project: %s is a symbolic link",
					 parts[i] + 1);
		else if (st.st_uid != geteuid())
			ret = diag_error(d, EXIT_IO, &loc, "cannot use the "
					 "project: %s is owned by uid %lu, not "
					 "by you (uid %lu); khora never acts "
					 "on another user's project",
					 *parts[i] ? parts[i] + 1 : "it",
					 (unsigned long)st.st_uid,
					 (unsigned long)geteuid());
	}
	strbuf_release(&sb);
	return ret;
}

char *
project_find_root(const char *path, char **rel, struct diag *d)
{
	char *abs = path_absolute(path), *slash, *root = NULL;
	struct strbuf probe = STRBUF_INIT;
	struct stat st;
	dev_t dev = 0;
	int first = 1, found;

	if (!abs)
		return NULL;
	for (slash = abs + strlen(abs); slash > abs && !root;) {
		strbuf_reset(&probe);
		strbuf_addf(&probe, "%.*s", (int)(slash - abs), abs);
		if (!stat(probe.buf, &st)) {
			/* never across a mount point, like git */
			if (!first && st.st_dev != dev)
				break;
			dev = st.st_dev;
			first = 0;
		}
		strbuf_addstr(&probe, "/.khora/lock");
		found = !lstat(probe.buf, &st);
		if (!found && errno != ENOENT && errno != ENOTDIR) {
			/* an error is not an absence: walking on could find
			 * some other project above this one */
			struct diag_loc loc = { probe.buf, 0, 0 };

			diag_error(d, EXIT_IO, &loc, "cannot look for the "
				   "project: %s", strerror(errno));
			break;
		}
		if (found) {
			root = xstrndup(abs, (size_t)(slash - abs));
			if (owned(root, d)) {
				free(root);
				root = NULL;
				break;
			}
			*rel = xstrdup(*slash ? slash + 1 : "");
		}
		while (--slash > abs && *slash != '/')
			;
	}
	strbuf_release(&probe);
	free(abs);
	return root;
}

static const char *
field(const struct ynode *entry, const char *key)
{
	const struct ynode *v = ymap_get(entry, key);

	return v && v->kind == Y_SCALAR ? v->str : NULL;
}

static int
known_key(const char *k)
{
	static const char *const keys[] = { "path", "plugin", "template",
		"mode", "sha256", "symlink", "conflict", "user", "beside",
		"secret" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (k && !strcmp(k, keys[i]))
			return 1;
	return 0;
}

/* beside: NAME is only ever on NAME.khora-new (a binary conflict). */
static int
beside_bad(const struct lock_entry *le)
{
	size_t n = strlen(le->beside);

	return strncmp(le->path, le->beside, n) ||
	       strcmp(le->path + n, ".khora-new");
}

/* A lock lists paths khora wrote: never its own state, never twice. */
static int
check_entry(const struct lock_entry *le, const struct ynode *e,
	    struct diag *d)
{
	const struct ynode *at = ymap_get(e, "path");
	char *copy = xstrdup(le->path);
	const char *why = path_check(copy);
	int same = !why && !strcmp(copy, le->path), ret = -1;
	size_t i;

	free(copy);
	if (why)
		ynode_error(d, EXIT_IO, at, "'%s' %s", le->path, why);
	else if (!same)
		ynode_error(d, EXIT_IO, at, "'%s' is not in normal form",
			    le->path);
	else if (!strcmp(le->path, ".khora") ||
		 !strcmp(le->path, ".khora/lock") ||
		 !strcmp(le->path, ".khora/base") ||
		 starts_with(le->path, ".khora-"))
		ynode_error(d, EXIT_IO, at, "'%s' is khora's own state, not a "
			    "file it generated", le->path);
	else if (le->user && (le->symlink || le->sha256))
		ynode_error(d, EXIT_IO, e, "'%s' is the user's: it has no "
			    "sha256 or symlink", le->path);
	else if (!le->user && !le->symlink == !le->sha256)
		ynode_error(d, EXIT_IO, e, "'%s' needs exactly one of sha256 "
			    "and symlink", le->path);
	else if (le->beside && beside_bad(le))
		ynode_error(d, EXIT_IO, ymap_get(e, "beside"), "'%s': beside "
			    "must name the file it is the .khora-new of",
			    le->path);
	else if (le->sha256 && (strlen(le->sha256) != 64 ||
				strspn(le->sha256, "0123456789abcdef") != 64))
		ynode_error(d, EXIT_IO, ymap_get(e, "sha256"), "'%s': sha256 "
			    "is not 64 lowercase hex digits", le->path);
	else
		ret = 0;
	for (i = 0; !ret && e->kind == Y_MAP && i < e->nr; i++)
		if (!known_key(e->keys[i]->str))
			ret = ynode_error(d, EXIT_IO, e->keys[i], "unknown key "
					  "'%s'", e->keys[i]->str);
	return ret;
}

/* The lock's own keys: a version khora knows, a well-formed hash. */
static int
check_top(const struct ynode *t, struct diag *d)
{
	static const char *const keys[] = { "lock_version", "khora_version",
		"config", "config_sha256", "plugins", "files" };
	const struct ynode *v;
	size_t i, j;

	if (t->kind != Y_MAP)
		return ynode_error(d, EXIT_IO, t, "invalid lock file: not a "
				   "map");
	for (i = 0; i < t->nr; i++) {
		for (j = 0; j < ARRAY_SIZE(keys); j++)
			if (!strcmp(t->keys[i]->str, keys[j]))
				break;
		if (j == ARRAY_SIZE(keys))
			return ynode_error(d, EXIT_IO, t->keys[i], "unknown "
					   "key '%s'", t->keys[i]->str);
	}
	v = ymap_get(t, "lock_version");
	if (!v || v->kind != Y_SCALAR || strcmp(v->str, "1"))
		return ynode_error(d, EXIT_IO, v ? v : t, "invalid lock file: "
				   "lock_version must be 1");
	v = ymap_get(t, "config_sha256");
	if (v && (v->kind != Y_SCALAR || strlen(v->str) != 64 ||
		  strspn(v->str, "0123456789abcdef") != 64))
		return ynode_error(d, EXIT_IO, v, "config_sha256 is not 64 "
				   "lowercase hex digits");
	return 0;
}

/* A plain scalar with nothing in it ("name:") is no value. */
static int
absent(const struct ynode *v)
{
	return !v || (v->kind == Y_SCALAR && !v->quoted && !*v->str);
}

/* One plugins entry: {name, version}, both strings, nothing else. */
static int
check_plugin(const struct ynode *e, struct diag *d)
{
	const struct ynode *n = ymap_get(e, "name"), *v;
	size_t i;

	if (e->kind != Y_MAP)
		return ynode_error(d, EXIT_IO, e, "a plugins entry is %s, not "
				   "a {name, version} mapping",
				   ynode_kind_name(e));
	if (absent(n) || (n->kind == Y_SCALAR && !*n->str))
		return ynode_error(d, EXIT_IO, e, "a plugins entry without a "
				   "name");
	if (n->kind != Y_SCALAR)
		return ynode_error(d, EXIT_IO, n, "a plugins entry's name is "
				   "%s, not a string", ynode_kind_name(n));
	v = ymap_get(e, "version");
	if (absent(v))
		return ynode_error(d, EXIT_IO, e, "plugin '%s' has no version",
				   n->str);
	if (v->kind != Y_SCALAR)
		return ynode_error(d, EXIT_IO, v, "plugin '%s': version is %s, "
				   "not a string", n->str, ynode_kind_name(v));
	for (i = 0; i < e->nr; i++)
		if (strcmp(e->keys[i]->str, "name") &&
		    strcmp(e->keys[i]->str, "version"))
			return ynode_error(d, EXIT_IO, e->keys[i], "plugin "
					   "'%s': unknown key '%s'", n->str,
					   e->keys[i]->str);
	return 0;
}

static int
cmp_plugin_name(const void *a, const void *b)
{
	const struct ynode *x = *(const struct ynode *const *)a;
	const struct ynode *y = *(const struct ynode *const *)b;
	int c = strcmp(ymap_get(x, "name")->str, ymap_get(y, "name")->str);

	/* equal names: the lock's order, so the second one is blamed */
	return c ? c : x->line != y->line ? (x->line < y->line ? -1 : 1) :
		(x->col < y->col ? -1 : x->col > y->col);
}

/*
 * The plugins the project was generated with: update refuses to run when
 * one that generated files is gone, so a list it cannot read must stop
 * it, not be taken for "no plugins".  Empty (no plugin ran) is a null.
 */
static int
check_plugins(const struct ynode *t, struct diag *d)
{
	const struct ynode *p = ymap_get(t, "plugins");
	const struct ynode **v;
	size_t i;
	int ret = 0;

	if (!p || ynode_is_null(p))
		return 0;
	if (p->kind != Y_SEQ)
		return ynode_error(d, EXIT_IO, p, "invalid lock file: plugins "
				   "is %s, not a list", ynode_kind_name(p));
	for (i = 0; i < p->nr; i++)
		if (check_plugin(p->vals[i], d))
			return -1;
	v = xcalloc(p->nr + 1, sizeof(*v));
	for (i = 0; i < p->nr; i++)
		v[i] = p->vals[i];
	if (p->nr)
		qsort(v, p->nr, sizeof(*v), cmp_plugin_name);
	for (i = 1; i < p->nr && !ret; i++)
		if (!strcmp(ymap_get(v[i], "name")->str,
			    ymap_get(v[i - 1], "name")->str))
			ret = ynode_error(d, EXIT_IO, ymap_get(v[i], "name"),
					  "plugin '%s' is listed twice",
					  ymap_get(v[i], "name")->str);
	free(v);
	return ret;
}

static int
cmp_path(const void *a, const void *b)
{
	return strcmp((*(const struct lock_entry *const *)a)->path,
		      (*(const struct lock_entry *const *)b)->path);
}

/* Duplicates, found on a sorted copy: the lock's order is kept. */
static int
check_unique(struct lock_entry *v, size_t nr, const struct ynode *files,
	     struct diag *d)
{
	struct lock_entry **s = xcalloc(nr + 1, sizeof(*s));
	size_t i, j;
	int ret = 0;

	for (i = 0; i < nr; i++)
		s[i] = &v[i];
	qsort(s, nr, sizeof(*s), cmp_path);
	for (i = 1; i < nr && !ret; i++) {
		if (strcmp(s[i]->path, s[i - 1]->path))
			continue;
		j = (size_t)(s[i] > s[i - 1] ? s[i] - v : s[i - 1] - v);
		ret = ynode_error(d, EXIT_IO, ymap_get(files->vals[j], "path"),
				  "'%s' is listed twice", s[i]->path);
	}
	free(s);
	return ret;
}

static int
read_lock_text(const char *root, struct strbuf *text, int *rootfd,
	       struct diag *d)
{
	struct diag_loc loc = { NULL, 0, 0 };
	struct strbuf name = STRBUF_INIT;
	int e;

	*rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* no cap: a lock is as long as the project khora generated (one
	 * of 100,000 files has 19 MiB); memory follows its real size */
	if (*rootfd >= 0 && !confine_read(*rootfd, ".khora/lock", text, 0))
		return 0;
	e = errno;
	strbuf_addf(&name, "%s/.khora/lock", root);
	loc.file = name.buf;
	diag_error(d, EXIT_IO, &loc, "cannot read: %s", confine_strerror(e));
	strbuf_release(&name);
	return -1;
}

unsigned
project_conflict_line(const char *buf, size_t len)
{
	size_t off = 0;
	unsigned line = 1;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - buf) - off : len - off;

		/* git's "<<<<<<< ours": seven and a space or the line's end */
		if (n >= 7 && !memcmp(buf + off, "<<<<<<<", 7) &&
		    (n == 7 || buf[off + 7] == ' '))
			return line;
		off += n + 1;
		line++;
	}
	return 0;
}

int
project_conflict_error(const char *file, const char *state, unsigned line,
		       struct diag *d)
{
	struct diag_loc loc = { file, line, 0 };

	return diag_error(d, EXIT_IO, &loc, "git merge conflict in %s: run "
			  "'khora merge-state' or see khora-update(7)", state);
}

/*
 * The lock is input: a hostile one must not make update delete or read
 * anything outside the project, or khora's own state.  Every entry is
 * checked here, so that no command meets an unchecked path; what is on
 * disk (a symlinked directory on the way) is update's to refuse (status
 * shows such a file as modified: it reads nothing through the link).
 */
int
project_parse_lock(const char *name, const char *buf, size_t len,
		   struct ynode **tree, struct lock_entry **out, size_t *nr,
		   struct diag *d)
{
	static struct strlist names;
	const struct ynode *files = NULL;
	unsigned marker = project_conflict_line(buf, len);
	size_t i;

	*tree = NULL;
	*out = NULL;
	*nr = 0;
	/* a tree borrows its file name: the names live as long as khora */
	strlist_push(&names, name);
	name = names.v[names.nr - 1];
	/* a YAML error would hide what happened: two branches' states */
	if (marker)
		return project_conflict_error(name, ".khora/lock", marker, d);
	if (ytree_parse_buf(name, buf, len, tree, d, EXIT_IO))
		return -1;
	if (*tree && (check_top(*tree, d) || check_plugins(*tree, d)))
		return -1;
	files = *tree ? ymap_get(*tree, "files") : NULL;
	if (!files || files->kind != Y_SEQ) {
		struct diag_loc loc = { NULL, 0, 0 };

		loc.file = name;
		return diag_error(d, EXIT_IO, &loc, "invalid lock file: no "
				  "files list");
	}
	*out = xcalloc(files->nr + 1, sizeof(**out));
	for (i = 0; i < files->nr; i++) {
		const struct ynode *e = files->vals[i];
		struct lock_entry *le = &(*out)[*nr];

		le->path = field(e, "path");
		if (!le->path)
			return ynode_error(d, EXIT_IO, e, "a files entry "
					   "without a path");
		le->plugin = field(e, "plugin");
		le->template = field(e, "template");
		le->sha256 = field(e, "sha256");
		le->symlink = field(e, "symlink");
		le->beside = field(e, "beside");
		le->conflict = field(e, "conflict") &&
			!strcmp(field(e, "conflict"), "true");
		le->user = field(e, "user") &&
			!strcmp(field(e, "user"), "true");
		le->secret = field(e, "secret") &&
			!strcmp(field(e, "secret"), "true");
		le->line = ymap_get(e, "path")->line;
		le->col = ymap_get(e, "path")->col;
		if (check_entry(le, e, d))
			return -1;
		(*nr)++;
	}
	return check_unique(*out, *nr, files, d);
}

int
project_read_lock(const char *root, struct ynode **tree,
		  struct lock_entry **out, size_t *nr, struct diag *d)
{
	struct strbuf lock = STRBUF_INIT, text = STRBUF_INIT;
	int rootfd = -1, ret = -1;

	*tree = NULL;
	*out = NULL;
	*nr = 0;
	strbuf_addf(&lock, "%s/.khora/lock", root);
	if (!read_lock_text(root, &text, &rootfd, d))
		ret = project_parse_lock(lock.buf, text.buf, text.len, tree,
					 out, nr, d);
	if (rootfd >= 0)
		close(rootfd);
	strbuf_release(&lock);
	strbuf_release(&text);
	return ret;
}

/*
 * A binary conflict is open while NAME.khora-new is there, as update
 * decides (update.c, binary_resolve()): deleting it keeps the user's
 * file, and status must not go on calling it a conflict.
 */
static int
beside_open(int rootfd, const char *path, const struct strbuf *data)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int open_;

	if (!merge_is_binary(data->buf, data->len))
		return 0;
	strbuf_addf(&sb, "%s.khora-new", path);
	open_ = !confine_lstat(rootfd, sb.buf, &st);
	strbuf_release(&sb);
	return open_;
}

static int
entry_state_at(int rootfd, const struct lock_entry *e)
{
	struct strbuf data = STRBUF_INIT;
	char hex[65], target[4096];
	struct stat st;
	ssize_t n;
	int state = 0;

	if (e->user)
		return 0;	/* the user's: nothing to compare */
	if (confine_lstat(rootfd, e->path, &st)) {
		/* a directory on the way replaced by a symlink or a file:
		 * what khora wrote is not there; anything else is an error */
		if (errno == ENOENT || errno == ENOTDIR)
			state = 'D';
		else if (errno == ELOOP)
			state = 'M';
		else
			state = -1;
	} else if (e->symlink) {
		n = confine_readlink(rootfd, e->path, target,
				     sizeof(target) - 1);
		if (n < 0 && errno != EINVAL)
			state = -1;
		else if (n < 0 || (target[n] = '\0',
				   strcmp(target, e->symlink)))
			state = 'M';
	} else if (!S_ISREG(st.st_mode)) {
		state = 'M';
	} else if (confine_read(rootfd, e->path, &data, 0)) {
		state = -1;
	} else {
		sha256_hex(data.buf, data.len, hex);
		if (!e->sha256 || strcmp(hex, e->sha256))
			state = e->conflict && (merge_has_markers(data.buf,
								  data.len) ||
						beside_open(rootfd, e->path,
							    &data)) ?
				'U' : 'M';
	}
	strbuf_release(&data);
	return state;
}

static int
project_scan(const char *root, int apply, struct strlist *pending,
	     struct diag *d)
{
	struct diag_loc loc = { root, 0, 0 };
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return diag_error(d, EXIT_IO, &loc, "cannot open project: %s",
				  strerror(errno));
	ret = recover_scan(fd, root, apply, pending, d);
	close(fd);
	return ret;
}

int
project_entry_state(const char *root, const struct lock_entry *e)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), state, err;

	if (fd < 0)
		return -1;
	state = entry_state_at(fd, e);
	err = errno;
	close(fd);
	errno = err;
	return state;
}

int
project_lock(const char *root, struct diag *d)
{
	struct diag_loc loc = { root, 0, 0 };
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return diag_error(d, EXIT_IO, &loc, "cannot open project: %s",
				  strerror(errno));
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	close(fd);
	if (errno == EWOULDBLOCK)
		return diag_error(d, EXIT_CONFLICT, &loc, "cannot change the "
				  "project: another khora run is changing it");
	return diag_error(d, EXIT_IO, &loc, "cannot lock the project: %s",
			  strerror(errno));
}

int
project_recover(const char *root, struct diag *d)
{
	return project_scan(root, 1, NULL, d);
}

int
project_recover_pending(const char *root, struct strlist *pending,
			struct diag *d)
{
	return project_scan(root, 0, pending, d);
}
