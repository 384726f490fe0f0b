/* SPDX-License-Identifier: MIT */
/*
 * catalog.c - sidecar reading and the plugin search path.  Nothing here
 * loads code: `khora plugins list` and `khora --help` stop at this layer.
 */
#include "compat.h"
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include "catalog.h"
#include "strbuf.h"
#include "wrapper.h"

#ifndef PLUGINDIR
#define PLUGINDIR "/usr/local/lib/khora/plugins"
#endif
#ifndef TEMPLATEDIR
#define TEMPLATEDIR "/usr/local/share/khora/templates"
#endif

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

/*
 * When the binary sits in a khora source tree (core/main.c next to it),
 * use that tree's plugins and templates, so that ./khora works right
 * after make, without installing and without environment variables.
 */
static const char *
build_tree(void)
{
	static char dir[PATH_MAX];
	static int done;
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n;
	char *slash;

	if (done)
		return *dir ? dir : NULL;
	done = 1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	snprintf(probe, sizeof(probe), "%s/core/main.c", exe);
	if (access(probe, F_OK))
		return NULL;
	snprintf(dir, sizeof(dir), "%s", exe);
	return dir;
}

const char *
khora_plugindir(void)
{
	static char buf[PATH_MAX + 16];
	const char *bt = build_tree();

	if (!bt)
		return PLUGINDIR;
	snprintf(buf, sizeof(buf), "%s/plugins", bt);
	return buf;
}

const char *
khora_templatedir(void)
{
	static char buf[PATH_MAX + 16];
	const char *bt = build_tree();

	if (!bt)
		return TEMPLATEDIR;
	snprintf(buf, sizeof(buf), "%s/templates", bt);
	return buf;
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
	strlist_clear(&pi->provides);
	strlist_clear(&pi->requires);
	strlist_clear(&pi->conflicts);
	strlist_clear(&pi->after);
	strlist_clear(&pi->options);
	strlist_clear(&pi->uses);
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

static const char *const sidecar_keys[] = {
	"name", "version", "abi", "summary", "provides", "requires",
	"conflicts", "after", "options", "default", "library", "templates",
	"uses",
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
		return read_list(d, v, key, &pi->options);
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
	} else if (!strcmp(key, "library")) {
		pi->library = sibling(pi->sidecar, v->str);
	} else {
		pi->template_dir = sibling(pi->sidecar, v->str);
	}
	return 0;
}

int
catalog_read_sidecar(const char *path, struct plugin_info **out,
		     struct diag *d)
{
	struct plugin_info *pi = xcalloc(1, sizeof(*pi));
	struct strbuf sb = STRBUF_INIT;
	const char *base;
	size_t i, blen;

	*out = NULL;
	pi->sidecar = xstrdup(path);
	if (ytree_parse_file(pi->sidecar, &pi->tree, d, EXIT_PLUGIN))
		goto fail;
	if (!pi->tree || pi->tree->kind != Y_MAP) {
		struct diag_loc loc = { pi->sidecar, 0, 0 };

		diag_error(d, EXIT_PLUGIN, &loc, "invalid sidecar: expected a "
			   "mapping of name, version, abi, provides, ...");
		goto fail;
	}
	for (i = 0; i < pi->tree->nr; i++)
		if (read_key(d, pi, pi->tree->keys[i], pi->tree->vals[i]))
			goto fail;
	if (!pi->name || !pi->version || !pi->abi_major) {
		struct diag_loc loc = { pi->sidecar, 0, 0 };

		diag_error(d, EXIT_PLUGIN, &loc, "invalid sidecar: 'name', "
			   "'version' and 'abi' are required");
		goto fail;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	blen = strlen(base) - strlen(".plugin");
	if (strlen(pi->name) != blen || strncmp(pi->name, base, blen)) {
		diag_error(d, EXIT_PLUGIN, NULL, "invalid sidecar '%s': name "
			   "'%s' does not match the file name", path,
			   pi->name);
		goto fail;
	}
	if (!pi->summary)
		pi->summary = xstrdup("");
	if (!pi->library) {
		strbuf_addf(&sb, "%s.so", pi->name);
		pi->library = sibling(path, sb.buf);
		strbuf_release(&sb);
	}
	*out = pi;
	return 0;
fail:
	plugin_info_free(pi);
	return -1;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && !strcmp(s + ls - lx, suffix);
}

static int
add_plugin(struct catalog *cat, struct plugin_info *pi)
{
	struct plugin_info *old = catalog_find(cat, pi->name);

	if (old) {
		/* first match on the path wins; remember what it hid */
		if (!old->shadows)
			old->shadows = xstrdup(pi->sidecar);
		plugin_info_free(pi);
		return 0;
	}
	ALLOC_GROW(cat->plugins, cat->nr, cat->alloc);
	cat->plugins[cat->nr++] = pi;
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

/* A plugin directory that cannot be read is said (its plugins then
 * look uninstalled: the warning tells why); a missing one is not. */
static void
scan_failed(const char *dir, int err, struct diag *d)
{
	struct diag_loc loc = { dir, 0, 0 };

	diag_warn(d, &loc, "cannot read plugin directory: %s", strerror(err));
}

/* Sorted names so that the catalog order never depends on readdir. */
static void
scan_dir(const char *dir, int depth, struct strlist *found, struct diag *d)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	DIR *dh = opendir(dir);

	if (!dh) {
		if (errno != ENOENT && errno != ENOTDIR)
			scan_failed(dir, errno, d);
		return;
	}
	for (;;) {
		errno = 0;
		if (!(de = readdir(dh))) {
			if (errno)
				scan_failed(dir, errno, d);
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, de->d_name);
		if (has_suffix(de->d_name, ".plugin")) {
			strlist_push(found, path.buf);
		} else if (depth == 0 && (de->d_type == DT_DIR ||
					  de->d_type == DT_UNKNOWN)) {
			struct stat st;

			if (!stat(path.buf, &st) && S_ISDIR(st.st_mode))
				scan_dir(path.buf, 1, found, d);
		}
	}
	closedir(dh);
	strbuf_release(&path);
}

static void
build_path(struct catalog *cat)
{
	const char *env = getenv("KHORA_PLUGIN_PATH");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	struct strbuf sb = STRBUF_INIT;

	if (env && *env) {
		char *copy = xstrdup(env), *save = NULL, *tok;

		for (tok = strtok_r(copy, ":", &save); tok;
		     tok = strtok_r(NULL, ":", &save))
			if (*tok)
				strlist_push(&cat->dirs, tok);
		free(copy);
	}
	if (xdg && *xdg == '/')
		strbuf_addf(&sb, "%s/khora/plugins", xdg);
	else if (home && *home == '/')
		strbuf_addf(&sb, "%s/.local/share/khora/plugins", home);
	if (sb.len)
		strlist_push(&cat->dirs, sb.buf);
	strbuf_release(&sb);
	strlist_push(&cat->dirs, khora_plugindir());
}

int
catalog_load(struct catalog *cat, struct diag *d)
{
	size_t i, j;

	memset(cat, 0, sizeof(*cat));
	cat->templatedir = khora_templatedir();
	build_path(cat);
	for (i = 0; i < cat->dirs.nr; i++) {
		struct strlist found = { NULL, 0, 0 };
		struct stat st;

		/* anyone could drop a .so there: never load from it */
		if (!stat(cat->dirs.v[i], &st) && (st.st_mode & S_IWOTH)) {
			struct diag_loc loc = { cat->dirs.v[i], 0, 0 };

			diag_warn(d, &loc, "plugin directory is "
				  "world-writable: skipped (chmod o-w it to "
				  "use its plugins)");
			continue;
		}
		scan_dir(cat->dirs.v[i], 0, &found, d);
		if (found.nr)
			qsort(found.v, found.nr, sizeof(*found.v), cmp_str);
		for (j = 0; j < found.nr; j++) {
			struct plugin_info *pi;
			int demote = d->demote, ret;

			d->demote = 1;
			ret = catalog_read_sidecar(found.v[j], &pi, d);
			d->demote = demote;
			if (ret)
				strlist_push(&cat->broken, found.v[j]);
			else
				add_plugin(cat, pi);
		}
		strlist_clear(&found);
	}
	if (cat->nr)
		qsort(cat->plugins, cat->nr, sizeof(*cat->plugins),
		      cmp_plugin);
	return 0;
}

struct plugin_info *
catalog_find(const struct catalog *cat, const char *name)
{
	size_t i;

	/* a few dozen plugins at most: a linear scan beats upkeep */
	for (i = 0; i < cat->nr; i++)
		if (!strcmp(cat->plugins[i]->name, name))
			return cat->plugins[i];
	return NULL;
}

void
catalog_release(struct catalog *cat)
{
	size_t i;

	for (i = 0; i < cat->nr; i++)
		plugin_info_free(cat->plugins[i]);
	free(cat->plugins);
	strlist_clear(&cat->dirs);
	strlist_clear(&cat->broken);
	memset(cat, 0, sizeof(*cat));
}
