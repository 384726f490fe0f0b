/* SPDX-License-Identifier: MIT */
/*
 * path.c - normalisation and confinement of project-relative paths.
 */
#include "compat.h"
#include "path.h"

const char *
path_check(char *path)
{
	char *r = path, *w = path;
	size_t total = strlen(path);

	if (!*path)
		return "is empty";
	if (*path == '/')
		return "is absolute";
	if (total > PATH_MAX_TOTAL)
		return "is too long";
	for (; *r; r++)
		if ((unsigned char)*r < 0x20 || *r == 0x7f || *r == '\\')
			return "contains a control character or backslash";
	r = path;
	while (*r) {
		const char *start = r;
		size_t len;

		while (*r && *r != '/')
			r++;
		len = (size_t)(r - start);
		if (*r)
			r++;
		if (!len || (len == 1 && *start == '.'))
			continue;
		if (len == 2 && start[0] == '.' && start[1] == '.')
			return "escapes the project";
		if (len > PATH_MAX_COMPONENT)
			return "has a component that is too long";
		if (w != path)
			*w++ = '/';
		memmove(w, start, len);
		w += len;
	}
	*w = '\0';
	if (!*path)
		return "names the project root";
	return NULL;
}
