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
#include "merge.h"
#include "path.h"
#include "project.h"
#include "recover.h"
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
	strbuf_release(&lock);
	*out = xcalloc(files->nr + 1, sizeof(**out));
	for (i = 0; i < files->nr; i++) {
		const struct ynode *e = files->vals[i];
		struct lock_entry *le = &(*out)[*nr];

		le->path = field(e, "path");
		if (!le->path)
			continue;
		le->plugin = field(e, "plugin");
		le->template = field(e, "template");
		le->sha256 = field(e, "sha256");
		le->symlink = field(e, "symlink");
		le->conflict = field(e, "conflict") &&
			!strcmp(field(e, "conflict"), "true");
		(*nr)++;
	}
	return 0;
}

int
project_entry_state(const char *root, const struct lock_entry *e)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	char hex[65], target[4096];
	struct stat st;
	ssize_t n;
	int state = 0;

	strbuf_addf(&path, "%s/%s", root, e->path);
	if (lstat(path.buf, &st)) {
		state = 'D';
	} else if (e->symlink) {
		n = readlink(path.buf, target, sizeof(target) - 1);
		if (n < 0 || (target[n] = '\0', strcmp(target, e->symlink)))
			state = 'M';
	} else if (!S_ISREG(st.st_mode)) {
		state = 'M';
	} else if (strbuf_read_file_at(&data, AT_FDCWD, path.buf, 1)) {
		state = 'M';
	} else {
		sha256_hex(data.buf, data.len, hex);
		if (!e->sha256 || strcmp(hex, e->sha256))
			state = e->conflict && merge_has_markers(data.buf,
								 data.len) ?
				'U' : 'M';
	}
	strbuf_release(&path);
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
