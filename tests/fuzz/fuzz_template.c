/* SPDX-License-Identifier: MIT */
/*
 * fuzz_template.c - libFuzzer target: template bytes through the parser
 * and the renderer, with a dictionary that has variables, a shown and a
 * hidden section and a three-item list.
 */
#include "compat.h"
#include "strbuf.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tdict *dict;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	struct template *t;
	struct tcache c;
	int i;

	if (!dict) {
		dict = tdict_new(NULL);
		tdict_set(dict, "name", "My App <&> \"x\"");
		tdict_set(dict, "package_name", "my_app");
		tdict_show(dict, "on", 1);
		tdict_show(dict, "off", 0);
		for (i = 0; i < 3; i++)
			tdict_set(tdict_add_section(dict, "items"), "item",
				  i ? "b" : "a");
	}
	d.capture = &err;
	tcache_init(&c);
	t = template_parse("fuzz.tmpl", (const char *)data, size, &d);
	if (t)
		template_render(t, dict, &c, &out, &d);
	template_free(t);
	tcache_release(&c);
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}
