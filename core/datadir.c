/* SPDX-License-Identifier: MIT */
/*
 * datadir.c - the paths of khora's data (datadir.h): the plugin and
 * template directories of the running binary, and the user's data,
 * config and cache directories.  The XDG rule was written out in five
 * places (plugin path, template overrides, user defaults, template
 * cache); a change to it now is one change.
 */
#include "compat.h"
#include <limits.h>
#include <unistd.h>
#include "datadir.h"
#include "strbuf.h"

#ifndef PLUGINDIR
#define PLUGINDIR "/usr/local/lib/khora/plugins"
#endif
#ifndef TEMPLATEDIR
#define TEMPLATEDIR "/usr/local/share/khora/templates"
#endif

/*
 * When the binary sits in a khora source tree (core/main.c next to it),
 * use that tree's plugins and templates, so that ./khora works right
 * after make, without installing and without environment variables.
 */
const char *
khora_build_tree(void)
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
	const char *bt = khora_build_tree();

	if (!bt)
		return PLUGINDIR;
	snprintf(buf, sizeof(buf), "%s/plugins", bt);
	return buf;
}

const char *
khora_templatedir(void)
{
	static char buf[PATH_MAX + 16];
	const char *bt = khora_build_tree();

	if (!bt)
		return TEMPLATEDIR;
	snprintf(buf, sizeof(buf), "%s/templates", bt);
	return buf;
}

int
datadir_user(struct strbuf *sb, enum user_dir kind, const char *sub)
{
	static const char *const var[] = {
		"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
	};
	static const char *const below_home[] = {
		".local/share", ".config", ".cache",
	};
	const char *xdg = getenv(var[kind]), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		strbuf_addf(sb, "%s/khora", xdg);
	else if (home && *home == '/')
		strbuf_addf(sb, "%s/%s/khora", home, below_home[kind]);
	else
		return -1;
	if (sub)
		strbuf_addf(sb, "/%s", sub);
	return 0;
}
