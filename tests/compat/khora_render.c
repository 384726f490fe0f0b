/* SPDX-License-Identifier: MIT */
/*
 * khora_render.c - renders tests/compat/corpus.txt with khora's engine,
 * in the format of ctemplate_render.cc, for comparison.
 */
#include "compat.h"
#include "strbuf.h"
#include "template.h"

static void
flush(const char *name, struct strbuf *tmpl, struct tdict *dict)
{
	struct strbuf out = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	struct template *t;
	struct tcache c;

	if (!dict)
		return;
	tcache_init(&c);
	t = template_parse(name, tmpl->buf, tmpl->len, &d);
	if (t)
		template_render(t, dict, &c, &out, &d);
	printf("=== %s\n%s", name, out.buf);
	template_free(t);
	tcache_release(&c);
	strbuf_release(&out);
	tdict_free(dict);
}

int
main(int argc, char **argv)
{
	struct strbuf tmpl = STRBUF_INIT;
	struct tdict *dict = NULL, *iter = NULL;
	char line[4096], name[256] = "";
	int in_tmpl = 0;
	FILE *f = argc > 1 ? fopen(argv[1], "r") : NULL;

	if (!f)
		return 2;
	while (fgets(line, sizeof(line), f)) {
		char kind[16], key[128], *value;

		if (!strncmp(line, "=== ", 4)) {
			flush(name, &tmpl, dict);
			snprintf(name, sizeof(name), "%.*s",
				 (int)strcspn(line + 4, "\n"), line + 4);
			dict = tdict_new(NULL);
			strbuf_reset(&tmpl);
			in_tmpl = 0;
			continue;
		}
		if (!strcmp(line, "--- template\n")) {
			in_tmpl = 1;
			continue;
		}
		if (in_tmpl) {
			strbuf_addstr(&tmpl, line);
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%15s %127s", kind, key) != 2)
			continue;
		value = strstr(line, key) + strlen(key);
		value += *value == ' ';
		if (!strcmp(kind, "var"))
			tdict_set(dict, key, value);
		else if (!strcmp(kind, "show"))
			tdict_show(dict, key, 1);
		else if (!strcmp(kind, "hide"))
			tdict_show(dict, key, 0);
		else if (!strcmp(kind, "iter"))
			iter = tdict_add_section(dict, key);
		else if (!strcmp(kind, "ivar") && iter)
			tdict_set(iter, key, value);
	}
	flush(name, &tmpl, dict);
	strbuf_release(&tmpl);
	fclose(f);
	return 0;
}
