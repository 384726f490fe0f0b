/* SPDX-License-Identifier: MIT */
/*
 * writetree.c - the floor of `make bench`: writes the tree described by a
 * pack file into DIR with nothing but mkdir, open, write and close, as
 * its own process.  What khora does on top of this is its overhead.
 *
 * Pack format (made by tools/bench): for each file, one header line
 * "MODE SIZE PATH\n" (mode in octal) followed by SIZE bytes of content.
 *
 * usage: writetree PACK DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *
slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t off = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return NULL;
	while (off < (size_t)st.st_size &&
	       (n = read(fd, buf + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	buf[off] = '\0';
	*len = off;
	return buf;
}

static int
mkparents(char *path)
{
	char *p;

	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char path[8192], *pack, *p, *end;
	size_t len;

	if (argc != 3) {
		fprintf(stderr, "usage: writetree PACK DIR\n");
		return 2;
	}
	pack = slurp(argv[1], &len);
	if (!pack || mkdir(argv[2], 0755)) {
		perror("writetree");
		return 1;
	}
	for (p = pack, end = pack + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *name;
		unsigned long mode, size;
		ssize_t w;
		int fd;

		if (!nl)
			break;
		*nl = '\0';
		mode = strtoul(p, &name, 8);
		size = strtoul(name, &name, 10);
		snprintf(path, sizeof(path), "%s/%s", argv[2], name + 1);
		p = nl + 1;
		if (mkparents(path))
			return 1;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, (mode_t)mode);
		if (fd < 0)
			return 1;
		w = write(fd, p, size);
		if (w < 0 || (size_t)w != size || close(fd))
			return 1;
		p += size;
	}
	free(pack);
	return 0;
}
