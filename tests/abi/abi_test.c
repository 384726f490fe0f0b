/* SPDX-License-Identifier: MIT */
/*
 * abi_test.c - the plugin ABI frozen in numbers: sizeof and offsetof of
 * every SDK struct on this platform (LP64).  Changing an expected value
 * is allowed only together with an ABI bump: appending to struct
 * khora_host bumps KHORA_ABI_MINOR and adds a line here; anything else
 * bumps KHORA_ABI_MAJOR.
 */
#include <stddef.h>
#include <stdio.h>
#include "khora-plugin.h"

static int passed, failed;

#define EXPECT(expr, want) do {						\
		size_t got_ = (expr);					\
		if (got_ == (size_t)(want)) {				\
			passed++;					\
		} else {						\
			failed++;					\
			printf("FAIL %s: %zu, expected %zu\n", #expr,	\
			       got_, (size_t)(want));			\
		}							\
	} while (0)

#define OFF(s, f) offsetof(struct s, f)

int
main(void)
{
	if (sizeof(void *) != 8) {
		printf("abi: only LP64 values are recorded; skipped\n");
		printf("abi: 0 passed, 0 failed\n");
		return 0;
	}
	EXPECT(KHORA_ABI_MAJOR, 1);
	EXPECT(KHORA_ABI_MINOR, 1);

	EXPECT(sizeof(struct khora_host), 200);
	EXPECT(OFF(khora_host, size), 0);
	EXPECT(OFF(khora_host, abi_minor), 8);
	EXPECT(OFF(khora_host, error), 16);
	EXPECT(OFF(khora_host, warn), 24);
	EXPECT(OFF(khora_host, project), 32);
	EXPECT(OFF(khora_host, feature), 40);
	EXPECT(OFF(khora_host, option), 48);
	EXPECT(OFF(khora_host, set_var), 56);
	EXPECT(OFF(khora_host, set_section), 64);
	EXPECT(OFF(khora_host, add_file), 72);
	EXPECT(OFF(khora_host, add_text), 80);
	EXPECT(OFF(khora_host, add_dir), 88);
	EXPECT(OFF(khora_host, add_symlink), 96);
	EXPECT(OFF(khora_host, contribute), 104);
	EXPECT(OFF(khora_host, alloc), 112);
	EXPECT(OFF(khora_host, free), 120);
	EXPECT(OFF(khora_host, add_command), 128);
	EXPECT(OFF(khora_host, sha256_hex), 136);
	EXPECT(OFF(khora_host, config_error), 144);
	/* 1.1 */
	EXPECT(OFF(khora_host, quote_yaml), 152);
	EXPECT(OFF(khora_host, quote_json), 160);
	EXPECT(OFF(khora_host, quote_toml), 168);
	EXPECT(OFF(khora_host, quote_shell), 176);
	EXPECT(OFF(khora_host, quote_hcl), 184);
	EXPECT(OFF(khora_host, quote_python), 192);
	EXPECT(KHORA_CMD_OPTIONAL, 1);
	EXPECT(KHORA_CMD_FALLBACK, 2);
	EXPECT(KHORA_CMD_QUIET, 4);
	EXPECT(KHORA_CMD_NESTED_CHECK, 8);
	EXPECT(KHORA_CMD_PATHS, 16);

	EXPECT(sizeof(struct khora_plugin), 128);
	EXPECT(OFF(khora_plugin, abi_major), 0);
	EXPECT(OFF(khora_plugin, abi_minor), 4);
	EXPECT(OFF(khora_plugin, size), 8);
	EXPECT(OFF(khora_plugin, name), 16);
	EXPECT(OFF(khora_plugin, version), 24);
	EXPECT(OFF(khora_plugin, init), 32);
	EXPECT(OFF(khora_plugin, plan), 40);
	EXPECT(OFF(khora_plugin, fini), 48);
	EXPECT(OFF(khora_plugin, reserved), 56);
	EXPECT(OFF(khora_plugin, min_host_minor), 120);
	{
		struct khora_host h = { 0 };

		h.size = OFF(khora_host, contribute);
		EXPECT(KHORA_HOST_HAS(&h, set_var), 1);
		EXPECT(KHORA_HOST_HAS(&h, contribute), 0);
	}
	printf("abi: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
