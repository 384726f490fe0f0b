/* SPDX-License-Identifier: MIT */
/*
 * fuzz_sidecar.c - libFuzzer target: a plugin sidecar, read from a file
 * as the catalog reads it (the name check needs a real path).
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "catalog.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct strbuf out = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	struct plugin_info *pi = NULL;
	int fd;

	if (!*path)
		snprintf(path, sizeof(path), "/tmp/khora-fuzz-%d/name.plugin",
			 (int)getpid());
	if (access(path, F_OK)) {
		char dir[64];

		snprintf(dir, sizeof(dir), "/tmp/khora-fuzz-%d", (int)getpid());
		mkdir(dir, 0700);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	close(fd);
	d.capture = &out;
	catalog_read_sidecar(path, &pi, &d);
	plugin_info_free(pi);
	strbuf_release(&out);
	return 0;
}
