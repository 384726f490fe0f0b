/* SPDX-License-Identifier: MIT */
/*
 * writetree.c - the floor of `make bench`: writes the tree described by a
 * pack file into DIR with nothing but mkdir, open, write and close, as
 * its own process.  What khora does on top of this is its overhead.
 *
 * Pack format (made by tools/bench): for each file, one header line
 * "MODE SIZE PATH\n" (mode in octal) followed by SIZE bytes of content.
 *
 * usage: writetree [-t THREADS] PACK DIR
 *
 * With -t, the files are cut into THREADS runs of consecutive paths (so
 * mostly distinct directories) written by as many threads at once: what
 * the kernel gives a writer with more than one thread on this machine,
 * the floor a threaded khora is compared with.
 */
#include <errno.h>
#include <pthread.h>
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

/* One file of the pack: its header line is NUL-terminated in place. */
struct entry {
	const char *name;
	const char *data;
	unsigned long mode, size;
};

struct run {
	const char *dir;
	const struct entry *e;
	size_t nr;
	int failed;
};

static int
write_one(const char *dir, const struct entry *e)
{
	char path[8192];
	ssize_t w;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, e->name);
	if (mkparents(path))
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, (mode_t)e->mode);
	if (fd < 0)
		return -1;
	w = write(fd, e->data, e->size);
	if (w < 0 || (size_t)w != e->size || close(fd))
		return -1;
	return 0;
}

static void *
write_run(void *arg)
{
	struct run *r = arg;
	size_t i;

	for (i = 0; i < r->nr && !r->failed; i++)
		r->failed = write_one(r->dir, &r->e[i]);
	return NULL;
}

/* The entries of the pack, or -1 when it is malformed. */
static long
parse(char *pack, size_t len, struct entry *v, size_t max)
{
	char *p = pack, *end = pack + len;
	size_t nr = 0;

	while (p < end && nr < max) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *name;

		if (!nl)
			return -1;
		*nl = '\0';
		v[nr].mode = strtoul(p, &name, 8);
		v[nr].size = strtoul(name, &name, 10);
		v[nr].name = name + 1;
		v[nr].data = nl + 1;
		p = nl + 1 + v[nr].size;
		if (p > end)
			return -1;
		nr++;
	}
	return (long)nr;
}

int
main(int argc, char **argv)
{
	struct run runs[64];
	pthread_t tid[64];
	struct entry *v;
	char *pack;
	size_t len, i, per;
	long nr, threads = 1;
	int failed = 0;

	if (argc == 5 && !strcmp(argv[1], "-t")) {
		threads = strtol(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	if (argc != 3 || threads < 1 || threads > 64) {
		fprintf(stderr, "usage: writetree [-t THREADS] PACK DIR\n");
		return 2;
	}
	pack = slurp(argv[1], &len);
	if (!pack || mkdir(argv[2], 0755)) {
		perror("writetree");
		return 1;
	}
	/* at most one entry per header line: len / 6 bounds them */
	v = malloc((len / 6 + 1) * sizeof(*v));
	nr = v ? parse(pack, len, v, len / 6 + 1) : -1;
	if (nr < 0) {
		fprintf(stderr, "writetree: %s: malformed pack\n", argv[1]);
		return 1;
	}
	per = ((size_t)nr + (size_t)threads - 1) / (size_t)threads;
	for (i = 0; i < (size_t)threads; i++) {
		size_t from = i * per < (size_t)nr ? i * per : (size_t)nr;
		size_t to = from + per < (size_t)nr ? from + per : (size_t)nr;

		runs[i].dir = argv[2];
		runs[i].e = v + from;
		runs[i].nr = to - from;
		runs[i].failed = 0;
		if (i && pthread_create(&tid[i], NULL, write_run, &runs[i]))
			return 1;
	}
	write_run(&runs[0]);
	for (i = 1; i < (size_t)threads; i++)
		pthread_join(tid[i], NULL);
	for (i = 0; i < (size_t)threads; i++)
		failed |= runs[i].failed;
	free(v);
	free(pack);
	return failed;
}
