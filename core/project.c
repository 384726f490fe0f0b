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
#include "confine.h"
#include "merge.h"
#include "path.h"
#include "project.h"
#include "sha256.h"
#include "strbuf.h"
#include "wrapper.h"

char *
project_find_root(const char *path, char **rel)
{
	char *abs = path_absolute(path), *slash;
	struct strbuf probe = STRBUF_INIT;

	if (!abs)
		return NULL;
	for (slash = abs + strlen(abs); slash > abs;) {
		strbuf_reset(&probe);
		strbuf_addf(&probe, "%.*s/.khora/lock", (int)(slash - abs),
			    abs);
		if (!access(probe.buf, R_OK)) {
			char *root = xstrndup(abs, (size_t)(slash - abs));

			*rel = xstrdup(*slash ? slash + 1 : "");
			strbuf_release(&probe);
			free(abs);
			return root;
		}
		while (--slash > abs && *slash != '/')
			;
	}
	strbuf_release(&probe);
	free(abs);
	return NULL;
}

static const char *
field(const struct ynode *entry, const char *key)
{
	const struct ynode *v = ymap_get(entry, key);

	return v && v->kind == Y_SCALAR ? v->str : NULL;
}

/*
 * The lock is input like any file in the project: a path in it that
 * leaves the project (or is not in normal form) would make update read,
 * replace or remove a file elsewhere.
 */
static int
lock_path_bad(const char *lock, const struct ynode *n, struct diag *d)
{
	struct diag_loc loc = { lock, n->line, n->col };
	char *copy = xstrdup(n->str);
	const char *why = path_check(copy);
	int bad = why || strcmp(copy, n->str);

	free(copy);
	if (bad)
		diag_error(d, EXIT_IO, &loc, "invalid lock file: path '%s' %s",
			   n->str, why ? why : "is not in normal form");
	return bad ? -1 : 0;
}

int
project_read_lock(const char *root, struct ynode **tree,
		  struct lock_entry **out, size_t *nr, struct diag *d)
{
	struct strbuf lock = STRBUF_INIT;
	const struct ynode *files;
	size_t i;

	*out = NULL;
	*nr = 0;
	strbuf_addf(&lock, "%s/.khora/lock", root);
	if (ytree_parse_file(lock.buf, tree, d, EXIT_IO)) {
		strbuf_release(&lock);
		return -1;
	}
	files = ymap_get(*tree, "files");
	if (!files || files->kind != Y_SEQ) {
		struct diag_loc loc = { NULL, 0, 0 };

		loc.file = lock.buf;
		diag_error(d, EXIT_IO, &loc, "invalid lock file: no files "
			   "list");
		strbuf_release(&lock);
		return -1;
	}
	*out = xcalloc(files->nr + 1, sizeof(**out));
	for (i = 0; i < files->nr; i++) {
		const struct ynode *e = files->vals[i];
		struct lock_entry *le = &(*out)[*nr];

		le->path = field(e, "path");
		if (!le->path)
			continue;
		if (lock_path_bad(lock.buf, ymap_get(e, "path"), d)) {
			free(*out);
			*out = NULL;
			*nr = 0;
			strbuf_release(&lock);
			return -1;
		}
		le->plugin = field(e, "plugin");
		le->template = field(e, "template");
		le->sha256 = field(e, "sha256");
		le->symlink = field(e, "symlink");
		le->beside = field(e, "beside");
		le->conflict = field(e, "conflict") &&
			!strcmp(field(e, "conflict"), "true");
		le->user = field(e, "user") &&
			!strcmp(field(e, "user"), "true");
		(*nr)++;
	}
	strbuf_release(&lock);
	return 0;
}

/* readlinkat() of path's last component, its parents confined. */
static ssize_t
read_link(int rootfd, const char *path, char *buf, size_t size)
{
	const char *base;
	int fd = confine_parent(rootfd, path, &base), e;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = readlinkat(fd, base, buf, size);
	e = errno;
	close(fd);
	errno = e;
	return n;
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
		n = read_link(rootfd, e->path, target, sizeof(target) - 1);
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
			/* a binary conflict: its new version is beside */
			state = e->conflict && (merge_has_markers(data.buf,
								  data.len) ||
						merge_is_binary(data.buf,
								data.len)) ?
				'U' : 'M';
	}
	strbuf_release(&data);
	return state;
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
project_recover_if_idle(const char *root, struct diag *d)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return 0;
	if (!flock(fd, LOCK_EX | LOCK_NB))
		ret = project_recover(root, d);
	close(fd);
	return ret;
}
