/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config.c - libFuzzer target: khora.yaml bytes through libyaml,
 * the position-keeping tree and the whole validation, with overrides.
 */
#include "compat.h"
#include "config.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *set[] = { "ports.http=9000", "features.kg=true" };
	struct strbuf out = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	struct config_overrides ov;
	struct config cfg;

	memset(&ov, 0, sizeof(ov));
	ov.set = set;
	ov.nr_set = size % 3 == 0 ? 2 : 0;
	ov.env = size % 5 == 0 ? "prod" : NULL;
	d.capture = &out;
	config_parse(&cfg, "khora.yaml", (const char *)data, size, &ov, &d);
	config_release(&cfg);
	strbuf_release(&out);
	return 0;
}
