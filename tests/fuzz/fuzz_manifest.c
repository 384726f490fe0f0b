/* SPDX-License-Identifier: MIT */
/*
 * fuzz_manifest.c - libFuzzer target: khora-template.yaml bytes through
 * the manifest reader (keys, variable specs, the regex screening) and,
 * when they load, answering from the defaults, which renders each
 * default and matches it against the variable's regex: the path where
 * glibc's matcher used to crash or spin on a hostile regex.
 */
#include "compat.h"
#include "config.h"
#include "strbuf.h"
#include "tmpldir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char cfgtext[] = "project_name: shop\n"
		"python_version: \"3.11\"\n";
	struct strbuf out = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	struct config cfg;
	struct tmpldir t;

	d.capture = &out;
	if (config_parse(&cfg, "khora.yaml", cfgtext, sizeof(cfgtext) - 1,
			 NULL, &d))
		abort();
	if (!tmpldir_parse(&t, "tpl", (const char *)data, size, &d))
		tmpldir_answer(&t, &cfg, NULL, 1, &d);
	tmpldir_release(&t);
	config_release(&cfg);
	strbuf_release(&out);
	return 0;
}
