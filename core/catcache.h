/* SPDX-License-Identifier: MIT */
/*
 * catcache.h - the plugin catalog cache: per plugin directory, a flat
 * index of what the catalog learnt from each sidecar (names, lists and
 * the declared schema), so that a warm catalog stats sidecars instead
 * of parsing YAML: `khora plugins list` over 10,000 plugins, or `khora
 * new` with two features, parses no sidecar at all.
 *
 * Where: $XDG_CACHE_HOME/khora/catalog/<sha256 of the directory as
 * spelled on the plugin path> (~/.cache when unset), written
 * transparently; and DIR/.khora-catalog, written only by
 * `khora plugins --rebuild-cache` run by someone who may write DIR (the
 * Debian trigger, as root).  Both are read, the directory's own first.
 *
 * What it trusts: nothing it cannot check.  A cache file is read only
 * when it is a regular file (never through a symbolic link) owned by
 * root or the running user and writable by nobody else, at most
 * CATCACHE_MAX_BYTES, for this khora version and this directory, whole
 * (its last line is a SHA-256 of the rest) and well formed; otherwise
 * it is ignored with a warning and the sidecars are read.  An entry is
 * used only for a sidecar that the directory listing shows, that is a
 * regular file passing the path policy, and whose device, inode, size,
 * mtime and ctime (nanoseconds) are the ones recorded: any change to
 * the file changes its ctime.  A cache never adds a plugin, and what it
 * says passes the same checks as a sidecar's text (names, library in
 * the sidecar's directory, a pattern without back-references that
 * compiles).  A sidecar that gave a warning or was refused is read from
 * its file every time.
 *
 * The user's directory ($XDG_CACHE_HOME/khora/catalog) is made and
 * opened through userdir.h: never through a link, ours or root's and
 * writable by nobody else (unless sticky), or neither read nor written
 * (a warning a command, as for a refused file).
 *
 * Writing: after the command succeeded (catcache_flush from main), to
 * a new file renamed over the old one, never following a symbolic
 * link; DIR/.khora-catalog through the descriptor of DIR that the
 * catalog checked, not by name; failing to write is silent (a warning
 * for --rebuild-cache).
 */
#ifndef CATCACHE_H
#define CATCACHE_H

#include <sys/stat.h>
#include "diag.h"
#include "schema.h"

#define CATCACHE_MAX_BYTES ((size_t)64 << 20)
#define CATCACHE_LOCAL ".khora-catalog"

struct catcache;

/*
 * What a cache entry says of one sidecar (the catalog's plugin_info
 * fields that a plain sidecar sets).  Lists: provides, requires,
 * conflicts, after, uses.  Owned by whoever filled it.
 */
enum { CC_PROVIDES, CC_REQUIRES, CC_CONFLICTS, CC_AFTER, CC_USES, CC_NR };

struct catcache_rec {
	char *name, *version, *summary;
	char *library;		/* path, in the sidecar's directory */
	char *template_dir;	/* path, or NULL */
	unsigned abi_major, abi_minor;
	int is_default;
	char **list[CC_NR];
	size_t nr[CC_NR];
	char **options;		/* option names, as plugin_info has them */
	size_t nr_options;
	struct plugin_schema *schema;	/* NULL: none declared */
};

void catcache_rec_clear(struct catcache_rec *r);

/*
 * The cache of the plugin directory dirpath (as spelled on the path),
 * open as dirfd.  With rebuild, nothing is read and everything is
 * written anew: to dirpath itself when local is set (not a source
 * tree's plugins/) and it is writable, else to the user's cache.
 */
struct catcache *catcache_open(const char *dirpath, int dirfd, int rebuild,
			       int local, struct diag *d);

/*
 * Fills out from the fresh entry of sidecar path (dirpath/REL) whose
 * lstat() is st and returns 0; -1 when there is none (read the file).
 */
int catcache_lookup(struct catcache *c, const char *path,
		    const struct stat *st, struct catcache_rec *out);

/*
 * Records what a plain sidecar said (rec, borrowed), just read from path
 * whose fstat() before reading was st.
 */
void catcache_add(struct catcache *c, const char *path,
		  const struct stat *st, const struct catcache_rec *rec);

/* End of the directory's scan: queues the write if anything changed. */
void catcache_close(struct catcache *c);

/* Called by main once: write the queued caches (ok) or drop them. */
void catcache_flush(int ok, struct diag *d);

#endif /* CATCACHE_H */
