/* SPDX-License-Identifier: MIT */
/*
 * cmd-merge-state.c - `khora merge-state O A B [PATH]`: git's merge
 * driver for .khora/lock and .khora/base (gitattributes(5), "Defining a
 * custom merge driver": %O %A %B %P).  The three versions come from
 * other branches: they are read without following a symbolic link,
 * capped, validated as khora's own state (mergestate.h), and the result
 * replaces A in one rename, or A is left as it was and the exit status
 * is not 0, which git takes for a conflict.
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "confine.h"
#include "mergestate.h"
#include "pipeline.h"
#include "strbuf.h"
#include "wrapper.h"
#include "ytree.h"

enum which { MS_UNKNOWN, MS_LOCK, MS_BASE };

static int
ends_with_state(const char *path, const char *state)
{
	size_t n = strlen(path), m = strlen(state);

	return n >= m && !strcmp(path + n - m, state) &&
	       (n == m || path[n - m - 1] == '/');
}

static int
read_version(const char *file, const char *shown, struct strbuf *sb,
	     size_t max, struct diag *d)
{
	struct diag_loc loc = { shown, 0, 0 };
	/* O_NONBLOCK: a FIFO in its place must not hang git's merge */
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int e;

	if (fd >= 0 && !confine_read_fd(fd, sb, max)) {
		close(fd);
		return 0;
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	if (e == ELOOP)
		return diag_error(d, EXIT_IO, &loc, "cannot merge: it is a "
				  "symbolic link");
	return diag_error(d, EXIT_IO, &loc, "cannot merge: %s",
			  confine_strerror(e));
}

/* Replaces A in one rename, with A's mode: git reads it afterwards. */
static int
write_result(const char *file, const struct strbuf *sb, struct diag *d)
{
	struct strbuf tmp = STRBUF_INIT;
	struct diag_loc loc = { file, 0, 0 };
	const char *slash = strrchr(file, '/');
	struct stat st;
	int fd = -1, ret = -1;

	if (lstat(file, &st) || !S_ISREG(st.st_mode)) {
		diag_error(d, EXIT_IO, &loc, "cannot write the merge: %s",
			   errno ? strerror(errno) : "not a regular file");
		goto out;
	}
	if (slash)
		strbuf_add(&tmp, file, (size_t)(slash - file) + 1);
	strbuf_addstr(&tmp, ".khora-merge.XXXXXX");
	fd = mkstemp(tmp.buf);
	if (fd < 0 || fchmod(fd, st.st_mode & 07777) ||
	    write_all(fd, sb->buf, sb->len) || close(fd) ||
	    rename(tmp.buf, file)) {
		diag_error(d, EXIT_IO, &loc, "cannot write the merge: %s",
			   strerror(errno));
		if (fd >= 0)
			unlink(tmp.buf);
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&tmp);
	return ret;
}

static enum which
sniff(const struct strbuf *v)
{
	size_t i, n = strlen(PIPELINE_BASE_HEADER);

	for (i = 0; i < 3; i++)
		if (v[i].len)
			return v[i].len >= n && !memcmp(v[i].buf,
							PIPELINE_BASE_HEADER,
							n) ?
				MS_BASE : MS_LOCK;
	return MS_LOCK;
}

static int
cmd_merge_state(int argc, char **argv, struct diag *d)
{
	static const char *const side[] = { "ancestor", "ours", "theirs" };
	struct strbuf v[3] = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct strbuf names[3] = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct strbuf out = STRBUF_INIT;
	struct mstate_text t[3];
	enum which w = MS_UNKNOWN;
	const char *path = argc == 5 ? argv[4] : NULL;
	int i, ret = -1;

	if (argc != 4 && argc != 5)
		return cli_usage_error(d, "merge-state", "expected the "
				       "files O A B and optionally PATH");
	if (path && ends_with_state(path, ".khora/lock"))
		w = MS_LOCK;
	else if (path && ends_with_state(path, ".khora/base"))
		w = MS_BASE;
	else if (path)
		return cli_usage_error(d, "merge-state", "cannot merge '%s': "
				       "only .khora/lock and .khora/base",
				       path);
	for (i = 0; i < 3; i++) {
		if (path)
			strbuf_addf(&names[i], "%s (%s)", path, side[i]);
		else
			strbuf_addstr(&names[i], argv[i + 1]);
		if (read_version(argv[i + 1], names[i].buf, &v[i],
				 w == MS_LOCK ? YTREE_MAX_BYTES :
				 MSTATE_MAX_BASE, d))
			goto out;
		t[i].name = names[i].buf;
		t[i].buf = v[i].buf;
		t[i].len = v[i].len;
	}
	if (w == MS_UNKNOWN)
		w = sniff(v);
	if ((w == MS_LOCK ? mergestate_lock(t, &out, d) :
	     mergestate_base(t, &out, d)) ||
	    write_result(argv[2], &out, d))
		goto out;
	ret = 0;
out:
	for (i = 0; i < 3; i++) {
		strbuf_release(&v[i]);
		strbuf_release(&names[i]);
	}
	strbuf_release(&out);
	return ret;
}

const struct cmd_entry cmd_merge_state_entry = {
	"merge-state",
	"Merge two branches' .khora/lock or .khora/base (git merge driver).",
	"O A B [PATH]",
	"",
	cmd_merge_state,
};
