/* SPDX-License-Identifier: MIT */
/*
 * catalog.c - sidecar reading and the plugin search path.  Nothing here
 * loads code: `khora plugins list` and `khora --help` stop at this layer.
 */
#include "compat.h"
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include "catalog.h"
#include "confine.h"
#include "datadir.h"
#include "catcache.h"
#include "khora-plugin.h"
#include "strbuf.h"
#include "walk.h"
#include "wrapper.h"


void
strlist_push(struct strlist *l, const char *s)
{
	ALLOC_GROW(l->v, l->nr, l->alloc);
	l->v[l->nr++] = xstrdup(s);
}

int
strlist_has(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

void
strlist_clear(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
plugin_info_free(struct plugin_info *pi)
{
	if (!pi)
		return;
	free(pi->name);
	free(pi->version);
	free(pi->summary);
	free(pi->sidecar);
	free(pi->library);
	free(pi->template_dir);
	free(pi->shadows);
	free(pi->refused);
	strlist_clear(&pi->provides);
	strlist_clear(&pi->requires);
	strlist_clear(&pi->conflicts);
	strlist_clear(&pi->after);
	strlist_clear(&pi->options);
	strlist_clear(&pi->uses);
	plugin_schema_free(pi->schema);
	ynode_free(pi->tree);
	free(pi);
}

/* Every sidecar error is a plugin error (exit code 4) at the node. */
#define serr(d, n, ...) ynode_error(d, EXIT_PLUGIN, n, __VA_ARGS__)

static int
read_list(struct diag *d, const struct ynode *v, const char *key,
	  struct strlist *out)
{
	size_t i;

	if (v->kind == Y_SCALAR && ynode_is_null(v))
		return 0;
	if (v->kind != Y_SEQ)
		return serr(d, v, "invalid sidecar: '%s' must be a list", key);
	for (i = 0; i < v->nr; i++) {
		if (v->vals[i]->kind != Y_SCALAR ||
		    !is_identifier(v->vals[i]->str))
			return serr(d, v->vals[i], "invalid sidecar: '%s' "
				    "items must be names "
				    "([A-Za-z_][A-Za-z0-9_]*)",
				    key);
		strlist_push(out, v->vals[i]->str);
	}
	return 0;
}

static int
read_abi(struct diag *d, const struct ynode *v, struct plugin_info *pi)
{
	char *end;
	unsigned long maj, min;

	if (v->kind != Y_SCALAR)
		return serr(d, v, "invalid sidecar: 'abi' must be MAJOR.MINOR");
	errno = 0;
	maj = strtoul(v->str, &end, 10);
	if (end == v->str || *end != '.')
		return serr(d, v, "invalid sidecar: 'abi' must be MAJOR.MINOR, "
			    "not '%s'", v->str);
	min = strtoul(end + 1, &end, 10);
	if (errno || *end || maj > 1000 || min > 1000)
		return serr(d, v, "invalid sidecar: 'abi' must be MAJOR.MINOR, "
			    "not '%s'", v->str);
	pi->abi_major = (unsigned)maj;
	pi->abi_minor = (unsigned)min;
	return 0;
}

static char *
sibling(const char *sidecar, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	const char *slash = strrchr(sidecar, '/');

	if (*name != '/' && slash)
		strbuf_add(&sb, sidecar, (size_t)(slash - sidecar + 1));
	strbuf_addstr(&sb, name);
	return strbuf_detach(&sb, NULL);
}

/*
 * A sidecar written for a newer minor of this ABI may use keys this
 * khora does not know yet: they are ignored with a warning, as a newer
 * host function is by KHORA_HOST_HAS (forward compatibility).  In a
 * sidecar of this khora's minor or older, an unknown key is an error.
 */
static int
newer_sidecar(const struct plugin_info *pi)
{
	return pi->abi_major == KHORA_ABI_MAJOR &&
	       pi->abi_minor > KHORA_ABI_MINOR;
}

static const char *const sidecar_keys[] = {
	"name", "version", "abi", "summary", "provides", "requires",
	"conflicts", "after", "options", "default", "library", "templates",
	"uses", "features", "config", "rules", "slots", "package",
	"priority",
};

static int
read_key(struct diag *d, struct plugin_info *pi, const struct ynode *k,
	 const struct ynode *v)
{
	const char *key = k->str;
	size_t i;
	int b;

	for (i = 0; i < ARRAY_SIZE(sidecar_keys); i++)
		if (!strcmp(key, sidecar_keys[i]))
			break;
	if (i == ARRAY_SIZE(sidecar_keys) && newer_sidecar(pi)) {
		struct diag_loc loc = ynode_loc(k);

		diag_warn(d, &loc, "sidecar key '%s' ignored: the sidecar is "
			  "for khora ABI %u.%u, this khora has ABI %d.%d: "
			  "upgrade khora", key, pi->abi_major, pi->abi_minor,
			  KHORA_ABI_MAJOR, KHORA_ABI_MINOR);
		return 0;
	}
	if (i == ARRAY_SIZE(sidecar_keys))
		return serr(d, k, "invalid sidecar: unknown key '%s'%s", key,
			    did_you_mean(key, sidecar_keys,
					 ARRAY_SIZE(sidecar_keys)));
	if (!strcmp(key, "provides"))
		return read_list(d, v, key, &pi->provides);
	if (!strcmp(key, "requires"))
		return read_list(d, v, key, &pi->requires);
	if (!strcmp(key, "conflicts"))
		return read_list(d, v, key, &pi->conflicts);
	if (!strcmp(key, "after"))
		return read_list(d, v, key, &pi->after);
	if (!strcmp(key, "options"))
		return schema_read_options(pi->schema, v, pi->name, d,
					   &pi->options.v, &pi->options.nr,
					   &pi->options.alloc);
	if (!strcmp(key, "features"))
		return schema_read_features(pi->schema, v, pi->name, d);
	if (!strcmp(key, "config"))
		return schema_read_config(pi->schema, v, pi->name, d);
	if (!strcmp(key, "rules"))
		return schema_read_rules(pi->schema, v, pi->name, d);
	if (!strcmp(key, "slots"))
		return schema_read_slots(pi->schema, v, d);
	if (!strcmp(key, "priority")) {
		long l;

		if (ynode_long(v, &l) || l < -1000000 || l > 1000000)
			return serr(d, v, "invalid sidecar: 'priority' must "
				    "be an integer (higher wins)");
		pi->schema->priority = l;
		return 0;
	}
	if (!strcmp(key, "uses"))
		return read_list(d, v, key, &pi->uses);
	if (!strcmp(key, "abi"))
		return read_abi(d, v, pi);
	if (!strcmp(key, "default")) {
		if (ynode_bool(v, &b))
			return serr(d, v, "invalid sidecar: 'default' must be "
				    "true or false");
		pi->is_default = b;
		return 0;
	}
	if (v->kind != Y_SCALAR || ynode_is_null(v))
		return serr(d, v, "invalid sidecar: '%s' must be a string",
			    key);
	if (!strcmp(key, "name")) {
		if (!is_identifier(v->str))
			return serr(d, v, "invalid sidecar: name '%s' is not a "
				    "C identifier", v->str);
		pi->name = xstrdup(v->str);
	} else if (!strcmp(key, "version")) {
		pi->version = xstrdup(v->str);
	} else if (!strcmp(key, "summary")) {
		pi->summary = xstrdup(v->str);
	} else if (!strcmp(key, "package")) {
		free(pi->schema->package);
		pi->schema->package = xstrdup(v->str);
	} else if (!strcmp(key, "library")) {
		/* a file of the sidecar's own directory, nothing else */
		if (!*v->str || strchr(v->str, '/') || !strcmp(v->str, ".") ||
		    !strcmp(v->str, "..")) {
			struct strbuf why = STRBUF_INIT;

			strbuf_addf(&why, "library '%s' is not a file of the "
				    "sidecar's own directory", v->str);
			free(pi->refused);
			pi->refused = strbuf_detach(&why, NULL);
		}
		pi->library = sibling(pi->sidecar, v->str);
	} else {
		pi->template_dir = sibling(pi->sidecar, v->str);
	}
	return 0;
}

/*
 * A sidecar declares choices and rules only for features it provides or
 * uses: an unrelated plugin, merely installed, must not turn another's
 * boolean feature into a choice or add requirements to it.
 */
static int
check_own_features(const struct plugin_info *pi, struct diag *d)
{
	const struct plugin_schema *ps = pi->schema;
	struct diag_loc loc = { pi->sidecar, 0, 0 };
	const char *f = NULL;
	size_t i;

	for (i = 0; !f && i < ps->nr_features; i++)
		if (!strlist_has(&pi->provides, ps->features[i].name) &&
		    !strlist_has(&pi->uses, ps->features[i].name))
			f = ps->features[i].name;
	for (i = 0; !f && i < ps->nr_rules; i++)
		if (!strlist_has(&pi->provides, ps->rules[i].if_feature) &&
		    !strlist_has(&pi->uses, ps->rules[i].if_feature))
			f = ps->rules[i].if_feature;
	if (!f)
		return 0;
	return diag_error(d, EXIT_PLUGIN, &loc, "invalid sidecar: it declares "
			  "choices or rules for feature '%s', which it neither "
			  "provides nor uses", f);
}

/* The sidecar's tree is parsed: read its keys into pi. */
static int
read_sidecar_tree(struct plugin_info *pi, struct diag *d)
{
	const struct ynode *abi;
	struct strbuf sb = STRBUF_INIT;
	const char *base;
	size_t i, blen;

	if (!pi->tree || pi->tree->kind != Y_MAP) {
		struct diag_loc loc = { pi->sidecar, 0, 0 };

		return diag_error(d, EXIT_PLUGIN, &loc, "invalid sidecar: "
				  "expected a mapping of name, version, abi, "
				  "provides, ...");
	}
	/* the ABI first: it decides what an unknown key is */
	abi = ymap_get(pi->tree, "abi");
	if (abi && read_abi(d, abi, pi))
		return -1;
	for (i = 0; i < pi->tree->nr; i++)
		if (read_key(d, pi, pi->tree->keys[i], pi->tree->vals[i]))
			return -1;
	if (!pi->name || !pi->version || !abi) {
		struct diag_loc loc = { pi->sidecar, 0, 0 };

		return diag_error(d, EXIT_PLUGIN, &loc, "invalid sidecar: "
				  "'name', 'version' and 'abi' are required");
	}
	base = strrchr(pi->sidecar, '/');
	base = base ? base + 1 : pi->sidecar;
	blen = strlen(base) - strlen(".plugin");
	if (strlen(pi->name) != blen || strncmp(pi->name, base, blen))
		return diag_error(d, EXIT_PLUGIN, NULL, "invalid sidecar '%s': "
				  "name '%s' does not match the file name",
				  pi->sidecar, pi->name);
	if (!pi->summary)
		pi->summary = xstrdup("");
	plugin_schema_set_owner(pi->schema, pi->name);
	if (check_own_features(pi, d))
		return -1;
	if (!pi->library) {
		strbuf_addf(&sb, "%s.so", pi->name);
		pi->library = sibling(pi->sidecar, sb.buf);
		strbuf_release(&sb);
	}
	return 0;
}

int
catalog_read_sidecar(const char *path, struct plugin_info **out,
		     struct diag *d)
{
	struct plugin_info *pi = xcalloc(1, sizeof(*pi));

	pi->schema = xcalloc(1, sizeof(*pi->schema));
	*out = NULL;
	pi->sidecar = xstrdup(path);
	if (ytree_parse_file(pi->sidecar, &pi->tree, d, EXIT_PLUGIN) ||
	    read_sidecar_tree(pi, d)) {
		plugin_info_free(pi);
		return -1;
	}
	*out = pi;
	return 0;
}

/* The same, from a descriptor the path policy has looked at. */
static int
read_sidecar_fd(int fd, const char *path, struct plugin_info **out,
		struct diag *d)
{
	struct plugin_info *pi = xcalloc(1, sizeof(*pi));
	struct diag_loc loc = { path, 0, 0 };
	struct strbuf sb = STRBUF_INIT;

	pi->schema = xcalloc(1, sizeof(*pi->schema));
	*out = NULL;
	pi->sidecar = xstrdup(path);
	if (confine_read_fd(fd, &sb, YTREE_MAX_BYTES)) {
		if (errno == EFBIG)
			diag_error(d, EXIT_PLUGIN, &loc, "cannot read file: "
				   "larger than %zu KiB",
				   YTREE_MAX_BYTES >> 10);
		else
			diag_error(d, EXIT_PLUGIN, &loc, "cannot read file: "
				   "%s", confine_strerror(errno));
		goto fail;
	}
	if (ytree_parse_buf(pi->sidecar, sb.buf, sb.len, &pi->tree, d,
			    EXIT_PLUGIN) || read_sidecar_tree(pi, d))
		goto fail;
	strbuf_release(&sb);
	*out = pi;
	return 0;
fail:
	strbuf_release(&sb);
	plugin_info_free(pi);
	return -1;
}

/*
 * The path policy on one fstat() result, as sudo checks its plugins: the
 * owner must be root or the running user, and nobody else may write.
 * An ancestor (a directory above a plugin directory) may be writable by
 * others when it is sticky and root's, like /tmp (nobody can rename what
 * is ours in it), and its group write bit is not looked at: Debian's
 * /usr/local is root:staff 2775, and staff can replace /usr/local/bin
 * anyway.  Appends what (a label, may be empty) and the reason to why
 * and returns -1, or returns 0.
 */
static int
check_owner_mode(const struct stat *st, int ancestor, const char *what,
		 struct strbuf *why)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		strbuf_addf(why, "%sowned by uid %lu (neither you nor root)",
			    what, (unsigned long)st->st_uid);
		return -1;
	}
	if ((st->st_mode & S_IWOTH) &&
	    !(ancestor && (st->st_mode & S_ISVTX) && st->st_uid == 0)) {
		strbuf_addf(why, "%swritable by others", what);
		return -1;
	}
	if (!ancestor && (st->st_mode & S_IWGRP)) {
		strbuf_addf(why, "%swritable by group", what);
		return -1;
	}
	return 0;
}

#ifndef O_PATH
#define O_PATH O_RDONLY
#endif

/*
 * Opens the directory dir for reading after checking it and every
 * directory above it, from / down, each on the descriptor that the next
 * step opens from, without following symbolic links: what was checked is
 * what is read.  Symbolic links in dir itself are resolved first
 * (realpath) and the real path is checked.  Returns the descriptor (with
 * a refusal in why, if any: the caller still lists what it refuses), or
 * -1 with errno when dir cannot be opened (why set if it was refused
 * first, or is changing under us).
 */
static int
open_dir_checked(const char *dir, struct strbuf *why)
{
	char real[PATH_MAX], *comp, *next;
	struct strbuf label = STRBUF_INIT;
	struct stat st;
	int fd, nfd, e;

	if (!realpath(dir, real))
		return -1;
	fd = open("/", (real[1] ? O_PATH : O_RDONLY) | O_DIRECTORY |
		  O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		goto broken;
	check_owner_mode(&st, real[1] != '\0', real[1] ?
			 "directory / above it is " : "directory / is ", why);
	for (comp = real + 1; *comp; comp = next) {
		int last;

		next = strchr(comp, '/');
		last = !next;
		if (next)
			*next++ = '\0';
		else
			next = comp + strlen(comp);
		nfd = openat(fd, comp, (last ? O_RDONLY : O_PATH) |
			     O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC |
			     O_NONBLOCK);
		e = errno;
		close(fd);
		fd = nfd;
		errno = e;
		if (fd < 0 || fstat(fd, &st))
			goto broken;
		if (why->len)
			continue;
		strbuf_reset(&label);
		strbuf_addf(&label, last ? "directory %s is " :
			    "directory %s above it is ", real);
		check_owner_mode(&st, !last, label.buf, why);
		if (!last)
			next[-1] = '/';
	}
	strbuf_release(&label);
	return fd;
broken:
	/* realpath() saw no link there: something is changing it */
	if (errno == ELOOP)
		strbuf_addf(why, "directory %s changed while it was checked",
			    dir);
	e = errno;
	if (fd >= 0)
		close(fd);
	strbuf_release(&label);
	errno = e;
	return -1;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && !strcmp(s + ls - lx, suffix);
}

static int
add_plugin(struct catalog *cat, struct plugin_info *pi, struct diag *d)
{
	struct plugin_info *old = catalog_find(cat, pi->name);

	if (old) {
		struct diag_loc loc = { old->sidecar, 0, 0 };

		/*
		 * First match on the path wins; remember what it hid and
		 * say so: a stale copy in the data directory silently
		 * beating a newer packaged one is the surprise to avoid.
		 */
		if (!old->shadows)
			old->shadows = xstrdup(pi->sidecar);
		diag_warn(d, &loc, "plugin '%s' %s is used and hides '%s' %s "
			  "(%s): the first directory of the plugin path wins "
			  "(KHORA_PLUGIN_PATH, then the data directory, then "
			  "khora's own)", old->name, old->version, pi->name,
			  pi->version, pi->sidecar);
		plugin_info_free(pi);
		return 0;
	}
	ALLOC_GROW(cat->plugins, cat->nr, cat->alloc);
	cat->plugins[cat->nr++] = pi;
	hashmap_put(&cat->by_name, pi->name, pi);
	return 0;
}

static int
cmp_plugin(const void *a, const void *b)
{
	const struct plugin_info *pa = *(const struct plugin_info *const *)a;
	const struct plugin_info *pb = *(const struct plugin_info *const *)b;

	return strcmp(pa->name, pb->name);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Opens the file name of the directory dirfd (path dirpath) for reading
 * and checks the open file; what ("library") prefixes the reason, NULL
 * for the sidecar itself.  A symbolic link is followed only when it is
 * ours or root's and names a file of the same directory, one step (what
 * it names is then checked like any file there): a plugin never reaches
 * out of its directory.  Returns the descriptor, with a refusal in why
 * if any, or -1 with errno (and why set when the policy is the reason).
 */
static int
open_file_checked(int dirfd, const char *dirpath, const char *name,
		  const char *what, struct strbuf *why)
{
	const int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
			  O_NOCTTY;
	struct strbuf label = STRBUF_INIT;
	char target[NAME_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd;

	if (what)
		strbuf_addf(&label, "%s %s/%s is ", what, dirpath, name);
	fd = openat(dirfd, name, flags);
	if (fd < 0 && errno == ELOOP) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISLNK(st.st_mode) ||
		    (n = readlinkat(dirfd, name, target,
				    sizeof(target) - 1)) <= 0)
			goto out;
		target[n] = '\0';
		if (strchr(target, '/') || !strcmp(target, ".") ||
		    !strcmp(target, "..")) {
			strbuf_addf(why, "%sa symbolic link out of its "
				    "directory", label.buf);
			goto out;
		}
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			strbuf_addf(why, "%sa symbolic link owned by uid "
				    "%lu (neither you nor root)", label.buf,
				    (unsigned long)st.st_uid);
			goto out;
		}
		fd = openat(dirfd, target, flags);
		if (fd < 0 && errno == ELOOP) {
			strbuf_addf(why, "%sa chain of symbolic links",
				    label.buf);
			goto out;
		}
	}
	if (fd < 0)
		goto out;
	if (fstat(fd, &st)) {
		close(fd);
		fd = -1;
		goto out;
	}
	if (!S_ISREG(st.st_mode))
		strbuf_addf(why, "%snot a regular file", label.buf);
	else
		check_owner_mode(&st, 0, label.buf, why);
out:
	strbuf_release(&label);
	return fd;
}

/* Keeps a refused plugin apart, for messages, and says so. */
static void
refuse(struct catalog *cat, struct plugin_info *pi, struct diag *d)
{
	struct diag_loc loc = { pi->sidecar, 0, 0 };

	diag_warn(d, &loc, "plugin refused: %s", pi->refused);
	ALLOC_GROW(cat->refused, cat->nr_refused, cat->alloc_refused);
	cat->refused[cat->nr_refused++] = pi;
}

/*
 * A refused sidecar is still parsed, quietly (YAML is data), to learn
 * what it would have provided: asking for that feature then names the
 * refusal instead of saying the feature is unknown.  A symbolic link
 * refused for leading out is followed for this only: what it names is
 * read, never loaded, and only its names reach a message.
 */
static struct plugin_info *
refused_info(int dirfd, int fd, const char *path, const char *name)
{
	struct diag quiet = DIAG_INIT;
	struct plugin_info *pi = NULL;
	struct stat st;
	int own = -1;

	quiet.demote = 1;
	quiet.quiet_warnings = 1;
	if (fd < 0) {
		fd = own = openat(dirfd, name, O_RDONLY | O_NONBLOCK |
				  O_CLOEXEC | O_NOCTTY);
		if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode)))
			fd = -1;
	}
	if (fd < 0 || read_sidecar_fd(fd, path, &pi, &quiet)) {
		pi = xcalloc(1, sizeof(*pi));
		pi->schema = xcalloc(1, sizeof(*pi->schema));
		pi->sidecar = xstrdup(path);
		pi->name = xstrndup(name, strlen(name) - strlen(".plugin"));
		pi->version = xstrdup("-");
		pi->summary = xstrdup("");
		pi->library = xstrdup("-");
	}
	if (own >= 0)
		close(own);
	return pi;
}

/* The library of an accepted sidecar: checked now, again at dlopen. */
static void
check_library(struct plugin_info *pi, int dirfd, const char *dirpath)
{
	struct strbuf why = STRBUF_INIT;
	const char *base = strrchr(pi->library, '/');
	int fd;

	fd = open_file_checked(dirfd, dirpath, base ? base + 1 : pi->library,
			       "library", &why);
	if (fd >= 0)
		close(fd);
	if (why.len)
		pi->refused = strbuf_detach(&why, NULL);
	strbuf_release(&why);
}

static struct strlist *
cached_list(struct plugin_info *pi, int i)
{
	struct strlist *l[CC_NR] = { &pi->provides, &pi->requires,
				     &pi->conflicts, &pi->after, &pi->uses };

	return l[i];
}

/*
 * The plugin of the regular file name of dirfd from the cache, when the
 * path policy accepts the file as it is now (lstat: a symbolic link is
 * never taken from the cache) and the cache has a fresh entry for it.
 */
static struct plugin_info *
from_cache(struct catalog *cat, int dirfd, const char *name,
	   const char *path)
{
	struct strbuf why = STRBUF_INIT;
	struct catcache_rec r;
	struct plugin_info *pi;
	struct stat st;
	int i, ok;

	ok = !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	     S_ISREG(st.st_mode) && !check_owner_mode(&st, 0, "", &why) &&
	     !catcache_lookup(cat->cache, path, &st, &r);
	strbuf_release(&why);
	if (!ok)
		return NULL;
	pi = xcalloc(1, sizeof(*pi));
	pi->schema = xcalloc(1, sizeof(*pi->schema));
	pi->sidecar = xstrdup(path);
	pi->name = r.name;
	pi->version = r.version;
	pi->summary = r.summary;
	pi->library = r.library;
	pi->template_dir = r.template_dir;
	pi->abi_major = r.abi_major;
	pi->abi_minor = r.abi_minor;
	pi->is_default = r.is_default;
	for (i = 0; i < CC_NR; i++) {
		cached_list(pi, i)->v = r.list[i];
		cached_list(pi, i)->nr = cached_list(pi, i)->alloc = r.nr[i];
	}
	pi->options.v = r.options;
	pi->options.nr = pi->options.alloc = r.nr_options;
	if (r.schema) {
		free(pi->schema);
		pi->schema = r.schema;
		plugin_schema_set_owner(pi->schema, pi->name);
	}
	cat->nr_cached++;
	return pi;
}

/* pi was just read from the regular file whose fstat() was st. */
static void
to_cache(struct catalog *cat, struct plugin_info *pi, const struct stat *st)
{
	struct catcache_rec r;
	int i;

	/* a refusal is decided again from the file every time */
	if (pi->refused)
		return;
	memset(&r, 0, sizeof(r));
	r.name = pi->name;
	r.version = pi->version;
	r.summary = pi->summary;
	r.library = pi->library;
	r.template_dir = pi->template_dir;
	r.abi_major = pi->abi_major;
	r.abi_minor = pi->abi_minor;
	r.is_default = pi->is_default;
	for (i = 0; i < CC_NR; i++) {
		r.list[i] = cached_list(pi, i)->v;
		r.nr[i] = cached_list(pi, i)->nr;
	}
	r.options = pi->options.v;
	r.nr_options = pi->options.nr;
	r.schema = pi->schema;
	catcache_add(cat->cache, pi->sidecar, st, &r);
}

/* The file as a stat without following links sees it, if fd has it. */
static int
plain_file(int dirfd, const char *name, int fd, struct stat *st)
{
	struct stat lst;

	return !fstat(fd, st) && S_ISREG(st->st_mode) &&
	       !fstatat(dirfd, name, &lst, AT_SYMLINK_NOFOLLOW) &&
	       S_ISREG(lst.st_mode) && lst.st_ino == st->st_ino &&
	       lst.st_dev == st->st_dev;
}

static void
read_plugin(struct catalog *cat, int dirfd, const char *dirpath,
	    const char *name, const char *dir_why, struct diag *d)
{
	struct strbuf path = STRBUF_INIT, why = STRBUF_INIT;
	struct plugin_info *pi = NULL;
	int demote = d->demote, fd = -1, ret, cacheable;
	unsigned warned = d->nr_warnings;
	struct stat st;

	strbuf_addf(&path, "%s/%s", dirpath, name);
	if (cat->cache && !*dir_why &&
	    (pi = from_cache(cat, dirfd, name, path.buf)))
		goto accepted;
	fd = open_file_checked(dirfd, dirpath, name, NULL, &why);
	if (*dir_why) {
		strbuf_reset(&why);
		strbuf_addstr(&why, dir_why);
	}
	if (why.len) {
		pi = refused_info(dirfd, fd, path.buf, name);
		free(pi->refused);
		pi->refused = strbuf_detach(&why, NULL);
		refuse(cat, pi, d);
		goto out;
	}
	if (fd < 0) {
		struct diag_loc loc = { path.buf, 0, 0 };

		diag_warn(d, &loc, "cannot read file: %s", strerror(errno));
		strlist_push(&cat->broken, path.buf);
		goto out;
	}
	/* the times before the read: a later change makes the entry stale */
	cacheable = cat->cache && plain_file(dirfd, name, fd, &st);
	d->demote = 1;
	ret = read_sidecar_fd(fd, path.buf, &pi, d);
	d->demote = demote;
	if (ret) {
		strlist_push(&cat->broken, path.buf);
		goto out;
	}
	if (cacheable && d->nr_warnings == warned)
		to_cache(cat, pi, &st);
accepted:
	if (!pi->refused)
		check_library(pi, dirfd, dirpath);
	if (pi->refused)
		refuse(cat, pi, d);
	else
		add_plugin(cat, pi, d);
out:
	if (fd >= 0)
		close(fd);
	strbuf_release(&path);
	strbuf_release(&why);
}

static void scan_dir(struct catalog *cat, int fd, const char *dirpath,
		     const char *dir_why, int depth, struct diag *d);

/*
 * A subdirectory of a plugin directory: the layout of the source tree.
 * Not followed when it is a symbolic link (it could lead anywhere); a
 * refused one is still read to name the plugins it holds.
 */
static void
scan_subdir(struct catalog *cat, int dirfd, const char *dirpath,
	    const char *name, const char *dir_why, struct diag *d)
{
	struct strbuf path = STRBUF_INIT, why = STRBUF_INIT;
	struct stat st;
	int fd;

	strbuf_addf(&path, "%s/%s", dirpath, name);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		struct diag_loc loc = { path.buf, 0, 0 };

		if (errno == ELOOP && !fstatat(dirfd, name, &st, 0) &&
		    S_ISDIR(st.st_mode))
			diag_warn(d, &loc, "plugin directory refused: a "
				  "symbolic link (not followed below the "
				  "plugin path)");
		else if (errno != ELOOP && errno != ENOTDIR &&
			 errno != ENOENT)
			/* its plugins are skipped: say so, as for a sidecar */
			diag_warn(d, &loc, "cannot read plugin directory: %s",
				  strerror(errno));
		goto out;
	}
	if (*dir_why) {
		strbuf_addstr(&why, dir_why);
	} else if (fstat(fd, &st)) {
		struct diag_loc loc = { path.buf, 0, 0 };

		/* its plugins are skipped: say why, as for a sidecar */
		diag_warn(d, &loc, "cannot read plugin directory: %s",
			  strerror(errno));
		close(fd);
		goto out;
	} else {
		struct strbuf label = STRBUF_INIT;

		strbuf_addf(&label, "directory %s is ", path.buf);
		check_owner_mode(&st, 0, label.buf, &why);
		strbuf_release(&label);
	}
	scan_dir(cat, fd, path.buf, why.buf, 1, d);
out:
	strbuf_release(&path);
	strbuf_release(&why);
}

struct scan_ctx {
	struct strlist names;
	int depth;
};

/* walk_dir(): sidecars, and at the top the directories to look into */
static int
scan_one(const char *name, unsigned char type, void *arg)
{
	struct scan_ctx *c = arg;

	if (name[0] == '.')
		return 0;
	if (has_suffix(name, ".plugin") ||
	    (c->depth == 0 && (type == DT_DIR || type == DT_LNK ||
			       type == DT_UNKNOWN)))
		strlist_push(&c->names, name);
	return 0;
}

/*
 * Reads the directory fd (closed here), sorted so that the catalog order
 * never depends on readdir; dir_why is the refusal of the directory (""
 * when it passed), inherited by everything in it.
 */
static void
scan_dir(struct catalog *cat, int fd, const char *dirpath,
	 const char *dir_why, int depth, struct diag *d)
{
	struct scan_ctx c = { { NULL, 0, 0 }, depth };
	size_t i;

	if (walk_dir(fd, scan_one, &c)) {
		/* its plugins would look uninstalled */
		struct diag_loc loc = { dirpath, 0, 0 };

		diag_warn(d, &loc, "cannot read plugin directory: %s",
			  strerror(errno));
	}
	if (c.names.nr)
		qsort(c.names.v, c.names.nr, sizeof(*c.names.v), cmp_str);
	for (i = 0; i < c.names.nr; i++)
		if (has_suffix(c.names.v[i], ".plugin"))
			read_plugin(cat, fd, dirpath, c.names.v[i], dir_why,
				    d);
		else
			scan_subdir(cat, fd, dirpath, c.names.v[i], dir_why,
				    d);
	close(fd);
	strlist_clear(&c.names);
}

static void
build_path(struct catalog *cat)
{
	const char *env = getenv("KHORA_PLUGIN_PATH");
	struct strbuf sb = STRBUF_INIT;

	if (env && *env) {
		char *copy = xstrdup(env), *save = NULL, *tok;

		for (tok = strtok_r(copy, ":", &save); tok;
		     tok = strtok_r(NULL, ":", &save))
			if (*tok)
				strlist_push(&cat->dirs, tok);
		free(copy);
	}
	if (!datadir_user(&sb, USER_DATA, "plugins"))
		strlist_push(&cat->dirs, sb.buf);
	strbuf_release(&sb);
	strlist_push(&cat->dirs, khora_plugindir());
}

/* A distribution package name: [a-z0-9][a-z0-9+.-]*, as Debian's. */
static int
is_package_name(const char *s)
{
	if (!*s || !(islower((unsigned char)*s) || isdigit((unsigned char)*s)))
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!islower(c) && !isdigit(c) && !strchr("+.-", c))
			return 0;
	}
	return 1;
}

/*
 * The index installed next to the templates ("FEATURE PACKAGE" lines,
 * tools/plugin-packages): which package provides a feature whose plugin
 * is not installed.  Only names reach a message; a malformed line is
 * skipped.  Not there (a source tree, a plain install): no hints.
 */
static void
read_package_hints(struct catalog *cat)
{
	struct strbuf path = STRBUF_INIT;
	char line[256], feat[128], pkg[128];
	FILE *f;

	strbuf_addf(&path, "%s/../packages", cat->templatedir);
	f = fopen(path.buf, "re");
	strbuf_release(&path);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && cat->hint_features.nr < 1000)
		if (sscanf(line, "%127s %127s", feat, pkg) == 2 &&
		    is_identifier(feat) && is_package_name(pkg)) {
			strlist_push(&cat->hint_features, feat);
			strlist_push(&cat->hint_packages, pkg);
		}
	fclose(f);
}

int
catalog_load(struct catalog *cat, struct diag *d)
{
	return catalog_load_opts(cat, 0, d);
}

/* 1 when dir is the build tree khora runs from, or below it */
static int
in_build_tree(const char *dir)
{
	const char *root = khora_build_tree();
	size_t len = root ? strlen(root) : 0;

	return root && !strncmp(dir, root, len) &&
	       (dir[len] == '/' || !dir[len]);
}

int
catalog_load_opts(struct catalog *cat, int rebuild, struct diag *d)
{
	size_t i;

	memset(cat, 0, sizeof(*cat));
	cat->templatedir = khora_templatedir();
	build_path(cat);
	for (i = 0; i < cat->dirs.nr; i++) {
		struct strbuf why = STRBUF_INIT;
		int fd = open_dir_checked(cat->dirs.v[i], &why);

		if (fd >= 0) {
			/* a source tree is not an installation: never
			 * written into by --rebuild-cache (its plugins/
			 * nor its test fixtures) */
			if (!why.len)
				cat->cache = catcache_open(cat->dirs.v[i], fd,
					rebuild, !in_build_tree(cat->dirs.v[i]),
					d);
			/* a refused directory is read to name its plugins */
			scan_dir(cat, fd, cat->dirs.v[i], why.buf, 0, d);
			catcache_close(cat->cache);
			cat->cache = NULL;
		} else if (why.len) {
			struct diag_loc loc = { cat->dirs.v[i], 0, 0 };

			diag_warn(d, &loc, "plugin directory refused: %s",
				  why.buf);
		} else if (errno != ENOENT && errno != ENOTDIR) {
			struct diag_loc loc = { cat->dirs.v[i], 0, 0 };

			/* not there is fine; there but unreadable is said */
			diag_warn(d, &loc, "cannot read plugin directory: %s",
				  strerror(errno));
		}
		strbuf_release(&why);
	}
	if (cat->nr)
		qsort(cat->plugins, cat->nr, sizeof(*cat->plugins),
		      cmp_plugin);
	for (i = 0; i < cat->nr; i++)
		schema_add(&cat->schema, cat->plugins[i]->schema,
			   (const char *const *)cat->plugins[i]->provides.v,
			   cat->plugins[i]->provides.nr);
	for (i = 0; i < cat->nr; i++) {
		const struct plugin_info *pi = cat->plugins[i];
		const char *what = schema_differs(&cat->schema, pi->schema);
		const struct decl *k;
		const struct feature_decl *f;
		const char *owner;
		struct diag_loc loc = { pi->sidecar, 0, 0 };

		if (!what)
			continue;
		/* the same key meaning two things: say whose is used */
		k = schema_key(&cat->schema, what);
		f = schema_feature(&cat->schema, what);
		owner = k ? k->owner : f ? f->owner : "?";
		diag_warn(d, &loc, "plugin '%s' declares '%s' unlike plugin "
			  "'%s', whose declaration is used (the first by "
			  "name)", pi->name, what, owner);
	}
	read_package_hints(cat);
	for (i = 0; i < cat->hint_features.nr; i++)
		schema_add_package(&cat->schema, cat->hint_features.v[i],
				   cat->hint_packages.v[i]);
	return 0;
}

const struct plugin_info *
catalog_refused_provider(const struct catalog *cat, const char *feature)
{
	size_t i;

	for (i = 0; i < cat->nr_refused; i++)
		if (strlist_has(&cat->refused[i]->provides, feature))
			return cat->refused[i];
	return NULL;
}

int
catalog_open_library(const struct plugin_info *pi, struct strbuf *why)
{
	char *dir = xstrdup(pi->library), *slash = strrchr(dir, '/');
	int dfd, fd = -1, e = ENOENT;

	if (pi->refused || !slash) {
		strbuf_addstr(why, pi->refused ? pi->refused :
			      "library path has no directory");
		goto out;
	}
	*slash = '\0';
	dfd = open_dir_checked(*dir ? dir : "/", why);
	if (dfd < 0) {
		e = errno;
		goto out;
	}
	if (!why->len) {
		fd = open_file_checked(dfd, *dir ? dir : "", slash + 1,
				       "library", why);
		e = errno;
		if (fd >= 0 && why->len) {
			close(fd);
			fd = -1;
		}
	}
	close(dfd);
out:
	free(dir);
	errno = e;
	return fd;
}

struct plugin_info *
catalog_find(const struct catalog *cat, const char *name)
{
	/* a table: a scan per sidecar made 10,000 plugins quadratic */
	return hashmap_get(&cat->by_name, name);
}

void
catalog_release(struct catalog *cat)
{
	size_t i;

	for (i = 0; i < cat->nr; i++)
		plugin_info_free(cat->plugins[i]);
	free(cat->plugins);
	hashmap_clear(&cat->by_name);
	schema_release(&cat->schema);
	strlist_clear(&cat->hint_features);
	strlist_clear(&cat->hint_packages);
	strlist_clear(&cat->dirs);
	strlist_clear(&cat->broken);
	for (i = 0; i < cat->nr_refused; i++)
		plugin_info_free(cat->refused[i]);
	free(cat->refused);
	memset(cat, 0, sizeof(*cat));
}
