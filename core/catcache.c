/* SPDX-License-Identifier: MIT */
/*
 * catcache.c - the plugin catalog cache (see catcache.h for where it
 * lives and what it trusts).  A cache file is text, one entry per
 * sidecar, every string length-prefixed ("5:hello ") so that no byte
 * needs escaping and a reader never scans for a delimiter inside data:
 *
 *   khora-catalog-cache 2
 *   khora 5:0.1.0
 *   dir 22:/usr/lib/khora/plugins
 *   e REL DEV INO SIZE MSEC MNSEC CSEC CNSEC ABIMAJ ABIMIN DEFAULT NAME
 *     VERSION SUMMARY LIBRARY HASTMPL TMPL N PROVIDES.. N REQUIRES..
 *     N CONFLICTS.. N AFTER.. N USES.. N OPTIONS.. SCHEMA  (one line each)
 *   end COUNT SHA256-OF-ALL-ABOVE
 *
 * SCHEMA: package, priority, the option and config declarations, the
 * features with their choices, the rules and the slots (rd_schema);
 * an absent string is "0 0: ", a present one "1 LEN:TEXT ".
 *
 * Reading costs one read and one hash of the file, then one lstat per
 * sidecar (done by the catalog for its path policy anyway).
 */
#include "compat.h"
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "catcache.h"
#include "hash.h"
#include "sha256.h"
#include "strbuf.h"
#include "userdir.h"
#include "wrapper.h"

#ifndef KHORA_VERSION
#define KHORA_VERSION "0.0.0"
#endif

#define MAGIC "khora-catalog-cache 2\n"
#define PATTERN_MAX 256		/* as the sidecar reader's */
#define MAX_LIST 4096		/* items of one list of one entry */
#define NR_STAT 7

struct centry {
	const char *rel;	/* into the file's buffer */
	size_t rel_len;
	const char *rest;	/* the fields after the stat */
	const char *line;	/* the whole entry, kept when rewritten */
	size_t line_len;
	unsigned long long st[NR_STAT];
	struct centry *next;	/* the same sidecar in the other file */
	int user;		/* from the user's file */
};

struct cfile {
	char *path;
	char *buf;
	size_t len;
	struct centry *e;
	size_t nr, alloc, used;
	int bad;		/* there but unusable: rewrite it */
};

struct catcache {
	char *dirpath;
	size_t dirlen;
	int rebuild, local;	/* local: write DIR/.khora-catalog */
	int lfd;		/* local: the directory the policy checked */
	char *ucache;		/* $XDG_CACHE_HOME or ~/.cache, or NULL */
	int urefused;		/* the user's catalog directory was refused */
	struct diag *d;
	struct cfile lfile, ufile;
	struct hashmap by_rel;
	struct strbuf out;	/* the entries to write */
	size_t nr_out, nr_added;
	struct timespec since;	/* the scan's start, as file times go */
};

struct pending {
	char *dir, *base;
	char *ucache;		/* user's: the base below which dir is made */
	int fd;			/* local: the directory, as it was checked */
	struct strbuf text;
	int loud, local;
};

static struct pending *pend;
static size_t nr_pend, alloc_pend;

/* The user's catalog directory, below the user's cache directory. */
static const char *const catalog_sub[] = { "khora", "catalog", NULL };
static int user_dir_said;	/* its refusal said in this command */

/* ---- reading ---- */

struct rd {
	const char *p, *end;
};

static int
rd_num(struct rd *r, unsigned long long *v, char term)
{
	unsigned long long n = 0;
	const char *start = r->p;

	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		if (n > (ULLONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (unsigned)(*r->p++ - '0');
	}
	if (r->p == start || r->p >= r->end || *r->p != term)
		return -1;
	r->p++;
	*v = n;
	return 0;
}

/* A string "LEN:BYTES ", without NUL bytes (they would cut it short). */
static int
rd_str(struct rd *r, const char **s, size_t *len)
{
	unsigned long long n;

	if (rd_num(r, &n, ':') || n >= (unsigned long long)(r->end - r->p) ||
	    r->p[n] != ' ' || memchr(r->p, '\0', n))
		return -1;
	*s = r->p;
	*len = n;
	r->p += n + 1;
	return 0;
}

static int
rd_lit(struct rd *r, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n))
		return -1;
	r->p += n;
	return 0;
}

static int
str_is(const char *s, size_t len, const char *want)
{
	return len == strlen(want) && !memcmp(s, want, len);
}

/* One list; with l NULL only skipped.  Items must be names. */
static int
rd_list(struct rd *r, char ***v, size_t *nr)
{
	unsigned long long n, i;
	const char *s;
	size_t len;

	if (rd_num(r, &n, ' ') || n > MAX_LIST)
		return -1;
	if (v && n)
		*v = xcalloc((size_t)n, sizeof(**v));
	for (i = 0; i < n; i++) {
		if (rd_str(r, &s, &len))
			return -1;
		if (!v)
			continue;
		(*v)[*nr] = xstrndup(s, len);
		if (!is_identifier((*v)[(*nr)++]))
			return -1;
	}
	return 0;
}

void
catcache_rec_clear(struct catcache_rec *r)
{
	size_t i, j;

	free(r->name);
	free(r->version);
	free(r->summary);
	free(r->library);
	free(r->template_dir);
	for (i = 0; i < CC_NR; i++) {
		for (j = 0; j < r->nr[i]; j++)
			free(r->list[i][j]);
		free(r->list[i]);
	}
	for (j = 0; j < r->nr_options; j++)
		free(r->options[j]);
	free(r->options);
	plugin_schema_free(r->schema);
	memset(r, 0, sizeof(*r));
}

static int
rd_snum(struct rd *r, long *v)
{
	unsigned long long n;
	int neg = r->p < r->end && *r->p == '-';

	if (neg)
		r->p++;
	if (rd_num(r, &n, ' ') || n > (unsigned long long)LONG_MAX)
		return -1;
	*v = neg ? -(long)n : (long)n;
	return 0;
}

/* "FLAG STR ": a string that may be absent (NULL). */
static int
rd_opt(struct rd *r, char **out)
{
	unsigned long long has;
	const char *s;
	size_t len;

	if (rd_num(r, &has, ' ') || has > 1 || rd_str(r, &s, &len))
		return -1;
	*out = has ? xstrndup(s, len) : NULL;
	return 0;
}

/* NULL-terminated names (choices, slots), as the schema keeps them. */
static int
rd_names(struct rd *r, char ***v, size_t *nr, size_t *alloc)
{
	unsigned long long n, i;
	const char *s;
	size_t len;

	if (rd_num(r, &n, ' ') || n > MAX_LIST)
		return -1;
	if (!n)
		return 0;
	*v = xcalloc((size_t)n + 1, sizeof(**v));
	if (alloc)
		*alloc = (size_t)n + 1;
	for (i = 0; i < n; i++) {
		if (rd_str(r, &s, &len))
			return -1;
		(*v)[(*nr)++] = xstrndup(s, len);
		if (!is_identifier((*v)[*nr - 1]))
			return -1;
	}
	return 0;
}

/* What the sidecar reader accepts of a pattern: bounded, no \1. */
static int
good_pattern(const char *p)
{
	if (strlen(p) > PATTERN_MAX)
		return 0;
	for (; *p; p++)
		if (*p == '\\' && p[1] >= '1' && p[1] <= '9')
			return 0;
	return 1;
}

static int
rd_decl(struct rd *r, struct decl *dc)
{
	unsigned long long type, has_min, has_max;
	char *pat = NULL;
	const char *s;
	size_t len;

	if (rd_str(r, &s, &len))
		return -1;
	dc->name = xstrndup(s, len);
	if (rd_num(r, &type, ' ') || type > DT_PATH || rd_opt(r, &dc->def) ||
	    rd_names(r, &dc->choices, &dc->nr_choices, NULL) ||
	    rd_num(r, &has_min, ' ') || has_min > 1 ||
	    rd_snum(r, &dc->min) || rd_num(r, &has_max, ' ') ||
	    has_max > 1 || rd_snum(r, &dc->max) || rd_opt(r, &pat) ||
	    rd_opt(r, &dc->help) || rd_opt(r, &dc->var))
		goto fail;
	dc->type = (enum decl_type)type;
	dc->has_min = (int)has_min;
	dc->has_max = (int)has_max;
	if (pat && (!good_pattern(pat) ||
		    regcomp(&dc->re, pat, REG_EXTENDED | REG_NOSUB)))
		goto fail;
	dc->has_re = !!pat;
	dc->pattern = pat;
	return 0;
fail:
	free(pat);
	return -1;
}

static int
rd_feature(struct rd *r, struct feature_decl *fd)
{
	const char *s;
	size_t len;

	if (rd_str(r, &s, &len))
		return -1;
	fd->name = xstrndup(s, len);
	return rd_names(r, &fd->choices, &fd->nr_choices, NULL) ||
	       fd->nr_choices < 2 || rd_opt(r, &fd->help) ? -1 : 0;
}

static int
rd_rule(struct rd *r, struct rule *ru)
{
	return rd_opt(r, &ru->if_feature) || !ru->if_feature ||
	       rd_opt(r, &ru->if_value) || rd_opt(r, &ru->need) ||
	       !ru->need || rd_opt(r, &ru->message) || rd_opt(r, &ru->def) ?
	       -1 : 0;
}

/* A count of structs, their array allocated (at least one). */
#define RD_ARRAY(r, arr, alloc, n)					\
	(rd_num((r), &(n), ' ') || (n) > MAX_LIST ? -1 :		\
	 ((arr) = xcalloc((n) ? (size_t)(n) : 1, sizeof(*(arr))),	\
	  (alloc) = (n) ? (size_t)(n) : 1, 0))

/*
 * A plugin's declared schema, into *out (NULL: read and dropped, to
 * check the entry).  Owners are set by the catalog.
 */
static int
rd_schema(struct rd *r, struct plugin_schema **out)
{
	struct plugin_schema *ps = xcalloc(1, sizeof(*ps));
	unsigned long long n, i;
	int ret = -1;

	if (rd_opt(r, &ps->package) || rd_snum(r, &ps->priority) ||
	    RD_ARRAY(r, ps->opts, ps->alloc_opts, n))
		goto out;
	for (i = 0; i < n; i++)
		if (rd_decl(r, &ps->opts[ps->nr_opts++]))
			goto out;
	if (RD_ARRAY(r, ps->keys, ps->alloc_keys, n))
		goto out;
	for (i = 0; i < n; i++)
		if (rd_decl(r, &ps->keys[ps->nr_keys++]))
			goto out;
	if (RD_ARRAY(r, ps->features, ps->alloc_features, n))
		goto out;
	for (i = 0; i < n; i++)
		if (rd_feature(r, &ps->features[ps->nr_features++]))
			goto out;
	if (RD_ARRAY(r, ps->rules, ps->alloc_rules, n))
		goto out;
	for (i = 0; i < n; i++)
		if (rd_rule(r, &ps->rules[ps->nr_rules++]))
			goto out;
	ret = rd_names(r, &ps->slots, &ps->nr_slots, &ps->alloc_slots);
out:
	if (ret || !out)
		plugin_schema_free(ps);
	else
		*out = ps;
	return ret;
}

/*
 * The fields after the stat: into rec, or only skipped with rec NULL.
 * 0, or -1 when malformed.
 */
static int
rd_fields(struct rd *r, struct catcache_rec *rec)
{
	unsigned long long maj, min, def, has_tmpl = 0;
	char **str[5] = { NULL, NULL, NULL, NULL, NULL };
	const char *s;
	size_t len, i;

	if (rd_num(r, &maj, ' ') || rd_num(r, &min, ' ') ||
	    rd_num(r, &def, ' ') || maj > 1000 || min > 1000 || def > 1)
		return -1;
	if (rec) {
		rec->abi_major = (unsigned)maj;
		rec->abi_minor = (unsigned)min;
		rec->is_default = (int)def;
		str[0] = &rec->name;
		str[1] = &rec->version;
		str[2] = &rec->summary;
		str[3] = &rec->library;
		str[4] = &rec->template_dir;
	}
	for (i = 0; i < 5; i++) {
		if (i == 4 && (rd_num(r, &has_tmpl, ' ') || has_tmpl > 1))
			return -1;
		if (rd_str(r, &s, &len))
			return -1;
		if (str[i] && (i < 4 || has_tmpl))
			*str[i] = xstrndup(s, len);
	}
	for (i = 0; i < CC_NR; i++)
		if (rd_list(r, rec ? &rec->list[i] : NULL,
			    rec ? &rec->nr[i] : NULL))
			return -1;
	if (rd_list(r, rec ? &rec->options : NULL,
		    rec ? &rec->nr_options : NULL) ||
	    rd_schema(r, rec ? &rec->schema : NULL))
		return -1;
	return rd_lit(r, "\n");
}

/*
 * What a cache says must be what the sidecar reader could have made of
 * a file at that place: the name of the file, a library in its own
 * directory.  A cache that says otherwise is not used.
 */
static int
plausible(const struct catcache_rec *rec, const char *path)
{
	const char *base = strrchr(path, '/'), *lib;
	size_t dlen = base ? (size_t)(base - path + 1) : 0;
	size_t blen;

	base = base ? base + 1 : path;
	blen = strlen(base) - strlen(".plugin");
	if (!is_identifier(rec->name) || strlen(rec->name) != blen ||
	    strncmp(rec->name, base, blen))
		return 0;
	if (strncmp(rec->library, path, dlen))
		return 0;
	lib = rec->library + dlen;
	return *lib && !strchr(lib, '/') && strcmp(lib, ".") &&
	       strcmp(lib, "..");
}

/* A relative sidecar path as a scan makes them: NAME.plugin, SUB/NAME... */
static int
good_rel(const char *rel, size_t len)
{
	const char *slash = memchr(rel, '/', len);

	if (len <= strlen(".plugin") || *rel == '.' ||
	    memcmp(rel + len - 7, ".plugin", 7))
		return 0;
	if (!slash)
		return 1;
	return slash[1] != '.' && !memchr(slash + 1, '/',
					  len - (size_t)(slash - rel) - 1);
}

static int
rd_entry(struct rd *r, struct centry *e)
{
	size_t i;

	e->line = r->p;
	if (rd_lit(r, "e ") || rd_str(r, &e->rel, &e->rel_len) ||
	    !good_rel(e->rel, e->rel_len))
		return -1;
	for (i = 0; i < NR_STAT; i++)
		if (rd_num(r, &e->st[i], ' '))
			return -1;
	e->rest = r->p;
	if (rd_fields(r, NULL))
		return -1;
	e->line_len = (size_t)(r->p - e->line);
	return 0;
}

static void
cache_warn(struct catcache *c, const char *path, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

static void
cache_warn(struct catcache *c, const char *path, const char *fmt, ...)
{
	struct diag_loc loc = { path, 0, 0 };
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	diag_warn(c->d, &loc, "plugin catalog cache ignored: %s (the "
		  "sidecars are read)", sb.buf);
	strbuf_release(&sb);
}

/* Exactly size bytes of fd, as fstat() said: EFBIG if there are more. */
static int
read_whole(struct strbuf *sb, int fd, size_t size)
{
	char extra;
	ssize_t n;

	strbuf_grow(sb, size);
	while (sb->len < size) {
		n = read(fd, sb->buf + sb->len, size - sb->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			break;	/* shorter: the checksum will say so */
		sb->len += (size_t)n;
	}
	sb->buf[sb->len] = '\0';
	while ((n = read(fd, &extra, 1)) < 0 && errno == EINTR)
		;
	if (n > 0)
		errno = EFBIG;
	return n ? -1 : 0;
}

/*
 * The whole file name of dirfd (f->path) into f->buf, checked as the
 * header says; 0, or -1 (absent, or warned about).
 */
static int
load_bytes(struct catcache *c, struct cfile *f, int dirfd, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int fd, ret = -1;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC | O_NOCTTY);
	/*
	 * What someone put there is said; a file we cannot read (EIO,
	 * EACCES) is only not used: the sidecars are read instead, and
	 * their own errors are what the user needs to see.
	 */
	if (fd < 0) {
		if (errno == ELOOP)
			cache_warn(c, f->path, "a symbolic link (never "
				   "followed)");
		f->bad = errno != ENOENT && errno != ENOTDIR;
		return -1;
	}
	f->bad = 1;
	if (fstat(fd, &st)) {
		/* not used, silently (above) */
	} else if (!S_ISREG(st.st_mode)) {
		cache_warn(c, f->path, "not a regular file");
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		cache_warn(c, f->path, "owned by uid %lu (neither you nor "
			   "root)", (unsigned long)st.st_uid);
	} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		cache_warn(c, f->path, "writable by group or others");
	} else if ((unsigned long long)st.st_size > CATCACHE_MAX_BYTES) {
		cache_warn(c, f->path, "larger than %zu MiB",
			   CATCACHE_MAX_BYTES >> 20);
	} else if (read_whole(&sb, fd, (size_t)st.st_size)) {
		if (errno == EFBIG)
			cache_warn(c, f->path, "it grew while read");
	} else {
		f->len = sb.len;
		f->buf = strbuf_detach(&sb, NULL);
		f->bad = 0;
		ret = 0;
	}
	strbuf_release(&sb);
	close(fd);
	return ret;
}

/* The trailer "end COUNT HEX\n": its offset, or -1 when it is not right. */
static long
check_trailer(const struct cfile *f, unsigned long long *count)
{
	const char *end = f->buf + f->len, *t;
	unsigned char sum[32];
	char hex[65];
	struct sha256 s;
	struct rd r;
	size_t i;

	if (f->len < strlen(MAGIC) + 70 || end[-1] != '\n' ||
	    memcmp(end - 66, " ", 1))
		return -1;
	for (t = end - 67; t > f->buf && t[-1] != '\n'; t--)
		;
	r.p = t;
	r.end = end;
	if (rd_lit(&r, "end ") || rd_num(&r, count, ' ') || r.p != end - 65)
		return -1;
	sha256_init(&s);
	sha256_update(&s, f->buf, (size_t)(t - f->buf));
	sha256_final(&s, sum);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	if (memcmp(hex, r.p, 64))
		return -1;
	return (long)(t - f->buf);
}

/*
 * Parses f (loaded) into its entries, all or nothing.  Another khora
 * version or another directory: silently not used (rewritten).
 */
static void
parse_file(struct catcache *c, struct cfile *f, int user)
{
	struct hashmap seen = HASHMAP_INIT;
	unsigned long long count;
	const char *s;
	size_t len, i;
	long tpos;
	struct rd r;

	/* another format: another khora's, silently not ours to use */
	if (f->len > strlen(MAGIC) &&
	    starts_with(f->buf, "khora-catalog-cache ") &&
	    memcmp(f->buf, MAGIC, strlen(MAGIC)) &&
	    memchr(f->buf, '\n', f->len) && check_trailer(f, &count) >= 0)
		goto bad;
	tpos = check_trailer(f, &count);
	if (tpos < 0 || memcmp(f->buf, MAGIC, strlen(MAGIC))) {
		cache_warn(c, f->path, "corrupted or truncated (bad header "
			   "or checksum)");
		goto bad;
	}
	r.p = f->buf + strlen(MAGIC);
	r.end = f->buf + tpos;
	if (rd_lit(&r, "khora ") || rd_str(&r, &s, &len) ||
	    !str_is(s, len, KHORA_VERSION) || rd_lit(&r, "\ndir ") ||
	    rd_str(&r, &s, &len) || !str_is(s, len, c->dirpath) ||
	    rd_lit(&r, "\n"))
		goto bad;	/* not ours to use, not worth a warning */
	if (count > (unsigned long long)(r.end - r.p) / 20) {
		cache_warn(c, f->path, "corrupted (bad entry count)");
		goto bad;
	}
	/* grown as entries parse: memory follows the bytes, not a claim */
	while (r.p < r.end) {
		struct centry *e;

		ALLOC_GROW(f->e, f->nr, f->alloc);
		e = &f->e[f->nr];
		memset(e, 0, sizeof(*e));
		if (f->nr == count || rd_entry(&r, e)) {
			cache_warn(c, f->path, "corrupted (malformed entry "
				   "%zu)", f->nr + 1);
			goto bad;
		}
		e->user = user;
		f->nr++;
	}
	if (f->nr != count) {
		cache_warn(c, f->path, "corrupted (bad entry count)");
		goto bad;
	}
	/* one entry per sidecar: a chain per name would make a planted
	 * file of duplicates quadratic */
	for (i = 0; i < f->nr; i++)
		if (hashmap_put_len(&seen, f->e[i].rel, f->e[i].rel_len,
				    &f->e[i])) {
			cache_warn(c, f->path, "corrupted (entry %zu names a "
				   "sidecar twice)", i + 1);
			goto bad;
		}
	for (i = 0; i < f->nr; i++) {
		struct centry *e = &f->e[i], *old;

		/* at most the other file's entry is there already */
		old = hashmap_put_len(&c->by_rel, e->rel, e->rel_len, e);
		if (old)
			old->next = e;
	}
	hashmap_clear(&seen);
	return;
bad:
	hashmap_clear(&seen);
	f->bad = 1;
	f->nr = 0;
}

/* ---- the cache of one directory ---- */

/* The user's cache directory (the base of catalog_sub), or NULL. */
static char *
user_cache_base(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	/* the XDG rule: a relative value is ignored */
	if (x && *x == '/')
		return xstrdup(x);
	if (home && *home == '/')
		return xstrfmt("%s/.cache", home);
	return NULL;
}

/*
 * The user's cache file of this directory, read from the catalog
 * directory opened component by component (userdir.h).  A directory
 * someone else could have put or changed there is said, as a refused
 * file is, once a command; its files are neither read nor written.
 */
static void
load_user(struct catcache *c)
{
	struct strbuf why = STRBUF_INIT, where = STRBUF_INIT;
	const char *name = strrchr(c->ufile.path, '/') + 1;
	int fd = userdir_open(c->ucache, catalog_sub, 0, &why, &where);

	if (fd < 0 && errno == EPERM) {
		c->urefused = 1;
		if (!user_dir_said++)
			cache_warn(c, where.buf, "%s", why.buf);
	}
	if (fd >= 0 && !load_bytes(c, &c->ufile, fd, name))
		parse_file(c, &c->ufile, 1);
	if (fd >= 0)
		close(fd);
	strbuf_release(&why);
	strbuf_release(&where);
}

struct catcache *
catcache_open(const char *dirpath, int dirfd, int rebuild, int local,
	      struct diag *d)
{
	struct catcache *c = xcalloc(1, sizeof(*c));

	c->dirpath = xstrdup(dirpath);
	c->dirlen = strlen(dirpath);
	c->rebuild = rebuild;
	c->d = d;
	strbuf_init(&c->out, 0);
	/*
	 * File times come from the coarse clock: an entry is kept only for
	 * a file last changed before this, so that a change made in the
	 * same tick as our lstat, which leaves its times as they were, can
	 * never be hidden by the entry (git's "racy clean" problem).
	 */
	if (clock_gettime(CLOCK_REALTIME_COARSE, &c->since))
		memset(&c->since, 0, sizeof(c->since));
	c->lfile.path = xstrfmt("%s/%s", dirpath, CATCACHE_LOCAL);
	c->ucache = user_cache_base();
	if (c->ucache) {
		char hex[65];

		sha256_hex(dirpath, strlen(dirpath), hex);
		c->ufile.path = xstrfmt("%s/khora/catalog/%s", c->ucache, hex);
	}
	/* the Debian trigger (root) writes the system's own directory */
	c->local = rebuild && local && !faccessat(dirfd, ".", W_OK,
						  AT_EACCESS);
	/*
	 * Written, later, through this very directory: the one the policy
	 * checked, not whatever has its name by then.
	 */
	c->lfd = c->local ? fcntl(dirfd, F_DUPFD_CLOEXEC, 0) : -1;
	if (c->local && c->lfd < 0)
		c->local = 0;
	if (rebuild)
		return c;
	/* the directory's own through the descriptor the policy checked */
	if (!load_bytes(c, &c->lfile, dirfd, CATCACHE_LOCAL))
		parse_file(c, &c->lfile, 0);
	if (c->ufile.path)
		load_user(c);
	return c;
}

static int
stat_matches(const struct centry *e, const struct stat *st)
{
	const unsigned long long now[NR_STAT] = {
		(unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
		(unsigned long long)st->st_size,
		(unsigned long long)st->st_mtim.tv_sec,
		(unsigned long long)st->st_mtim.tv_nsec,
		(unsigned long long)st->st_ctim.tv_sec,
		(unsigned long long)st->st_ctim.tv_nsec,
	};

	return !memcmp(now, e->st, sizeof(now));
}

/* The relative path of a sidecar of this directory, or NULL. */
static const char *
rel_of(const struct catcache *c, const char *path)
{
	if (strncmp(path, c->dirpath, c->dirlen) || path[c->dirlen] != '/')
		return NULL;
	return path + c->dirlen + 1;
}

int
catcache_lookup(struct catcache *c, const char *path, const struct stat *st,
		struct catcache_rec *out)
{
	const char *rel = c ? rel_of(c, path) : NULL;
	struct centry *e;
	struct rd r;

	memset(out, 0, sizeof(*out));
	if (!rel)
		return -1;
	for (e = hashmap_get(&c->by_rel, rel); e; e = e->next) {
		if (e->rel_len != strlen(rel) ||
		    memcmp(e->rel, rel, e->rel_len) || !stat_matches(e, st))
			continue;
		r.p = e->rest;
		r.end = e->line + e->line_len;
		if (!rd_fields(&r, out) && plausible(out, path))
			break;
		catcache_rec_clear(out);
		if (e->user)
			c->ufile.bad = 1;
	}
	if (!e)
		return -1;
	if (e->user) {
		c->ufile.used++;
		strbuf_add(&c->out, e->line, e->line_len);
		c->nr_out++;
	}
	return 0;
}

static void
put_num(struct strbuf *sb, unsigned long long v)
{
	strbuf_addf(sb, "%llu ", v);
}

static void
put_str(struct strbuf *sb, const char *s)
{
	strbuf_addf(sb, "%zu:", strlen(s));
	strbuf_addstr(sb, s);
	strbuf_addch(sb, ' ');
}

static void
put_opt(struct strbuf *sb, const char *s)
{
	put_num(sb, s ? 1 : 0);
	put_str(sb, s ? s : "");
}

static void
put_names(struct strbuf *sb, char *const *v, size_t nr)
{
	size_t i;

	put_num(sb, nr);
	for (i = 0; i < nr; i++)
		put_str(sb, v[i]);
}

static void
put_decl(struct strbuf *sb, const struct decl *dc)
{
	put_str(sb, dc->name);
	put_num(sb, (unsigned long long)dc->type);
	put_opt(sb, dc->def);
	put_names(sb, dc->choices, dc->nr_choices);
	put_num(sb, dc->has_min ? 1 : 0);
	strbuf_addf(sb, "%ld ", dc->has_min ? dc->min : 0);
	put_num(sb, dc->has_max ? 1 : 0);
	strbuf_addf(sb, "%ld ", dc->has_max ? dc->max : 0);
	put_opt(sb, dc->has_re ? dc->pattern : NULL);
	put_opt(sb, dc->help);
	put_opt(sb, dc->var);
}

static void
put_schema(struct strbuf *sb, const struct plugin_schema *ps)
{
	static const struct plugin_schema none;
	size_t i;

	if (!ps)
		ps = &none;
	put_opt(sb, ps->package);
	strbuf_addf(sb, "%ld ", ps->priority);
	put_num(sb, ps->nr_opts);
	for (i = 0; i < ps->nr_opts; i++)
		put_decl(sb, &ps->opts[i]);
	put_num(sb, ps->nr_keys);
	for (i = 0; i < ps->nr_keys; i++)
		put_decl(sb, &ps->keys[i]);
	put_num(sb, ps->nr_features);
	for (i = 0; i < ps->nr_features; i++) {
		put_str(sb, ps->features[i].name);
		put_names(sb, ps->features[i].choices,
			  ps->features[i].nr_choices);
		put_opt(sb, ps->features[i].help);
	}
	put_num(sb, ps->nr_rules);
	for (i = 0; i < ps->nr_rules; i++) {
		put_opt(sb, ps->rules[i].if_feature);
		put_opt(sb, ps->rules[i].if_value);
		put_opt(sb, ps->rules[i].need);
		put_opt(sb, ps->rules[i].message);
		put_opt(sb, ps->rules[i].def);
	}
	put_names(sb, ps->slots, ps->nr_slots);
}

static int
older(const struct timespec *t, const struct timespec *than)
{
	return t->tv_sec < than->tv_sec ||
	       (t->tv_sec == than->tv_sec && t->tv_nsec < than->tv_nsec);
}

void
catcache_add(struct catcache *c, const char *path, const struct stat *st,
	     const struct catcache_rec *rec)
{
	const char *rel = c ? rel_of(c, path) : NULL;
	struct strbuf *sb;
	size_t i, j;

	if (!rel || !older(&st->st_mtim, &c->since) ||
	    !older(&st->st_ctim, &c->since))
		return;
	sb = &c->out;
	strbuf_addstr(sb, "e ");
	put_str(sb, rel);
	put_num(sb, (unsigned long long)st->st_dev);
	put_num(sb, (unsigned long long)st->st_ino);
	put_num(sb, (unsigned long long)st->st_size);
	put_num(sb, (unsigned long long)st->st_mtim.tv_sec);
	put_num(sb, (unsigned long long)st->st_mtim.tv_nsec);
	put_num(sb, (unsigned long long)st->st_ctim.tv_sec);
	put_num(sb, (unsigned long long)st->st_ctim.tv_nsec);
	put_num(sb, rec->abi_major);
	put_num(sb, rec->abi_minor);
	put_num(sb, rec->is_default ? 1 : 0);
	put_str(sb, rec->name);
	put_str(sb, rec->version);
	put_str(sb, rec->summary);
	put_str(sb, rec->library);
	put_num(sb, rec->template_dir ? 1 : 0);
	put_str(sb, rec->template_dir ? rec->template_dir : "");
	for (i = 0; i < CC_NR; i++) {
		put_num(sb, rec->nr[i]);
		for (j = 0; j < rec->nr[i]; j++)
			put_str(sb, rec->list[i][j]);
	}
	put_names(sb, rec->options, rec->nr_options);
	put_schema(sb, rec->schema);
	strbuf_addch(sb, '\n');
	c->nr_out++;
	c->nr_added++;
}

static void
cfile_release(struct cfile *f)
{
	free(f->path);
	free(f->buf);
	free(f->e);
}

/* A command that did not flush (an error, a test): nothing written. */
static void
drop_pending(void)
{
	catcache_flush(0, NULL);
}

/*
 * Queues the text of the file to write: the entries with the header and
 * the checksummed trailer.  Transparently only the user's file is
 * written, with what the directory's own file did not give.
 */
static void
queue(struct catcache *c)
{
	struct pending *p;
	unsigned char sum[32];
	struct sha256 s;
	const char *path = c->local ? c->lfile.path : c->ufile.path;
	const char *slash = path ? strrchr(path, '/') : NULL;
	size_t i;

	if (!slash || (!c->local && c->urefused))
		return;
	for (i = 0; i < nr_pend; i++)
		/* the whole dir: pl is not plq */
		if (!strcmp(pend[i].base, slash + 1) &&
		    strlen(pend[i].dir) == (size_t)(slash - path) &&
		    !strncmp(pend[i].dir, path, (size_t)(slash - path)))
			break;
	if (!alloc_pend)
		atexit(drop_pending);
	if (i == nr_pend) {
		ALLOC_GROW(pend, nr_pend, alloc_pend);
		p = &pend[nr_pend++];
		memset(p, 0, sizeof(*p));
		p->dir = xstrndup(path, (size_t)(slash - path));
		p->base = xstrdup(slash + 1);
		p->fd = -1;
	} else {
		/* the catalog read twice in one command: the last one */
		p = &pend[i];
		strbuf_release(&p->text);
		free(p->ucache);
		if (p->fd >= 0)
			close(p->fd);
	}
	p->loud = c->rebuild;
	p->local = c->local;
	p->ucache = c->local ? NULL : xstrdup(c->ucache);
	p->fd = c->local ? c->lfd : -1;
	if (c->local)
		c->lfd = -1;
	strbuf_init(&p->text, c->out.len + 256);
	strbuf_addstr(&p->text, MAGIC);
	strbuf_addstr(&p->text, "khora ");
	put_str(&p->text, KHORA_VERSION);
	strbuf_addstr(&p->text, "\ndir ");
	put_str(&p->text, c->dirpath);
	strbuf_addch(&p->text, '\n');
	strbuf_add(&p->text, c->out.buf, c->out.len);
	sha256_init(&s);
	sha256_update(&s, p->text.buf, p->text.len);
	sha256_final(&s, sum);
	strbuf_addf(&p->text, "end %zu ", c->nr_out);
	for (i = 0; i < 32; i++)
		strbuf_addf(&p->text, "%02x", sum[i]);
	strbuf_addch(&p->text, '\n');
}

void
catcache_close(struct catcache *c)
{
	if (!c)
		return;
	/* nothing to say and nothing to correct: no file (unless asked) */
	if ((c->rebuild || c->nr_added || c->ufile.bad ||
	     c->ufile.used != c->ufile.nr) &&
	    (c->nr_out || c->rebuild || c->ufile.buf || c->ufile.bad))
		queue(c);
	if (c->lfd >= 0)
		close(c->lfd);
	free(c->ucache);
	cfile_release(&c->lfile);
	cfile_release(&c->ufile);
	hashmap_clear(&c->by_rel);
	strbuf_release(&c->out);
	free(c->dirpath);
	free(c);
}

/* ---- writing, once the command succeeded ---- */

/* The user's catalog directory, made as userdir.h says; or -1, why. */
static int
open_user_dir(struct pending *p, struct strbuf *why)
{
	struct strbuf what = STRBUF_INIT, where = STRBUF_INIT;
	int fd = userdir_open(p->ucache, catalog_sub, 1, &what, &where);

	/* which component, when it is not the catalog directory itself */
	if (fd < 0 && errno == EPERM && strcmp(where.buf, p->dir))
		strbuf_addf(why, "%s: ", where.buf);
	if (fd < 0)
		strbuf_add(why, what.buf, what.len);
	strbuf_release(&what);
	strbuf_release(&where);
	return fd;
}

/*
 * A new file next to the old one, renamed over it: a reader sees the
 * old cache or the new one, never half of one.  Nothing is followed: a
 * symbolic link (or anything else not a regular file) where the
 * directory's own cache goes is left alone.  The directory's own is
 * written through the descriptor the catalog checked (p->fd), every
 * call relative to it: a directory put at its name since gets nothing.
 */
static int
write_one(struct pending *p, struct strbuf *why)
{
	struct strbuf tmp = STRBUF_INIT;
	struct stat st;
	int dfd = -1, fd = -1, ret = -1;

	if (p->local) {
		dfd = p->fd;
		p->fd = -1;
	} else {
		dfd = open_user_dir(p, why);
	}
	if (dfd < 0) {
		if (p->local)
			strbuf_addstr(why, strerror(EBADF));
		goto out;
	}
	if (p->local && !fstatat(dfd, p->base, &st, AT_SYMLINK_NOFOLLOW) &&
	    !S_ISREG(st.st_mode)) {
		strbuf_addstr(why, "not a regular file: left alone");
		goto out;
	}
	strbuf_addf(&tmp, ".%s.tmp%ld", p->base, (long)getpid());
	fd = openat(dfd, tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, p->local ? 0644 : 0600);
	if (fd < 0 && errno == EEXIST && !unlinkat(dfd, tmp.buf, 0))
		/* left by a crashed khora of the same pid */
		fd = openat(dfd, tmp.buf, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, p->local ? 0644 : 0600);
	if (fd < 0)
		goto fail;
	if (write_all(fd, p->text.buf, p->text.len) || close(fd)) {
		fd = -1;
		goto fail_tmp;
	}
	fd = -1;
	if (renameat(dfd, tmp.buf, dfd, p->base))
		goto fail_tmp;
	ret = 0;
	goto out;
fail_tmp:
	strbuf_addstr(why, strerror(errno));
	unlinkat(dfd, tmp.buf, 0);
	goto out;
fail:
	strbuf_addstr(why, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	strbuf_release(&tmp);
	return ret;
}

void
catcache_flush(int ok, struct diag *d)
{
	size_t i;

	for (i = 0; i < nr_pend; i++) {
		struct strbuf why = STRBUF_INIT;

		/* a cache is a convenience: never an error, said if asked */
		if (ok && write_one(&pend[i], &why) && pend[i].loud) {
			struct diag_loc loc = { pend[i].dir, 0, 0 };

			diag_warn(d, &loc, "cannot write the plugin catalog "
				  "cache '%s': %s", pend[i].base, why.buf);
		}
		strbuf_release(&why);
		strbuf_release(&pend[i].text);
		free(pend[i].dir);
		free(pend[i].base);
		free(pend[i].ucache);
		if (pend[i].fd >= 0)
			close(pend[i].fd);
	}
	free(pend);
	pend = NULL;
	nr_pend = alloc_pend = 0;
	user_dir_said = 0;
}
