/* SPDX-License-Identifier: MIT */
/*
 * walk.c - sorted, recursive directory walks for the commands that list
 * files (status, plugins info --templates).
 */
#include "compat.h"
#include <dirent.h>
#include "catalog.h"
#include "strbuf.h"
#include "walk.h"

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
walk_tree(const char *root, const char *rel, walk_fn fn, void *arg)
{
	struct strbuf path = STRBUF_INIT, sub = STRBUF_INIT;
	struct strlist names = { NULL, 0, 0 };
	struct dirent *de;
	size_t i;
	DIR *dh;
	int ret = 0;

	strbuf_addf(&path, "%s%s%s", root, *rel ? "/" : "", rel);
	dh = opendir(path.buf);
	while (dh && (de = readdir(dh)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strlist_push(&names, de->d_name);
	if (dh)
		closedir(dh);
	if (names.nr)
		qsort(names.v, names.nr, sizeof(*names.v), cmp_str);
	for (i = 0; i < names.nr && !ret; i++) {
		struct stat st;
		int r;

		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "", names.v[i]);
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", root, sub.buf);
		if (lstat(path.buf, &st))
			continue;
		r = fn(sub.buf, names.v[i], &st, arg);
		if (r < 0)
			ret = -1;
		else if (!r && S_ISDIR(st.st_mode))
			ret = walk_tree(root, sub.buf, fn, arg);
	}
	strlist_clear(&names);
	strbuf_release(&path);
	strbuf_release(&sub);
	return ret;
}
