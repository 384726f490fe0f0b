/* SPDX-License-Identifier: MIT */
/*
 * khora_render.c - renders tests/compat/corpus.txt with khora's engine,
 * in the format of ctemplate_render.cc, for comparison.  Each case is
 * given ctemplate's behaviour through {{%KHORA strip=MODE}} (and
 * undefined=empty when the case asks), prepended to each of its
 * files; its files are written below DIR/N/ and read from there, so
 * that includes go through the engine's real file path.
 */
#include "compat.h"
#include <sys/stat.h>
#include "strbuf.h"
#include "template.h"

struct kcase {
	char name[256];
	char dir[4096];
	char pragma[192];
	char strip[128];
	int lax;
	struct strbuf tmpl;
	FILE *file;		/* the file being written, or NULL */
	struct tdict *dict, *iter;
};

/* "\n", "\r", "\t", "\\" and "\xHH" in a corpus value */
static void
unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*w++ = *s;
			continue;
		}
		s++;
		if (*s == 'n') {
			*w++ = '\n';
		} else if (*s == 't') {
			*w++ = '\t';
		} else if (*s == 'r') {
			*w++ = '\r';
		} else if (*s == 'x' && s[1] && s[2]) {
			char hex[3] = { s[1], s[2], 0 };

			*w++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static void
set_pragma(struct kcase *k)
{
	snprintf(k->pragma, sizeof(k->pragma), "{{%%KHORA strip=%s%s}}",
		 k->strip, k->lax ? " undefined=empty" : "");
}

static FILE *
open_file(struct kcase *k, const char *name)
{
	char path[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", k->dir, name);
	f = fopen(path, "w");
	if (!f)
		exit(2);
	fputs(k->pragma, f);
	return f;
}

static void
flush(struct kcase *k)
{
	struct strbuf out = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	struct template *t;
	struct tcache c;
	FILE *f;

	if (!k->dict)
		return;
	if (k->file)
		fclose(k->file);
	k->file = NULL;
	f = open_file(k, "main");
	fwrite(k->tmpl.buf, 1, k->tmpl.len, f);
	fclose(f);
	tcache_init(&c);
	t = tcache_get(&c, k->dir, "main", "main", &d);
	if (!t || template_render(t, k->dict, &c, &out, &d)) {
		strbuf_reset(&out);
		strbuf_addstr(&out, "!error\n");
	}
	/* as ctemplate_render.cc: a newline after each output */
	printf("=== %s\n%s\n", k->name, out.buf);
	tcache_release(&c);
	strbuf_release(&out);
	tdict_free(k->dict);
	k->dict = NULL;
}

static void
dict_line(struct kcase *k, char *line)
{
	char kind[16], key[128], *value;

	if (sscanf(line, "%15s %127s", kind, key) != 2)
		return;
	value = strstr(line, key) + strlen(key);
	value += *value == ' ';
	unescape(value);
	/* khora has no include dictionaries: an include sees its
	 * includer's names */
	if (!strcmp(kind, "var") || !strcmp(kind, "incvar"))
		tdict_set(k->dict, key, value);
	else if (!strcmp(kind, "show"))
		tdict_show(k->dict, key, 1);
	else if (!strcmp(kind, "hide"))
		tdict_show(k->dict, key, 0);
	else if (!strcmp(kind, "iter"))
		k->iter = tdict_add_section(k->dict, key);
	else if (!strcmp(kind, "ivar") && k->iter)
		tdict_set(k->iter, key, value);
	else if (!strcmp(kind, "strip"))
		snprintf(k->strip, sizeof(k->strip), "%s", key);
	else if (!strcmp(kind, "undefined"))
		k->lax = !strcmp(key, "empty");
	set_pragma(k);
}

int
main(int argc, char **argv)
{
	struct kcase k;
	char line[4096];
	int part = 0, n = 0;
	FILE *f = argc > 2 ? fopen(argv[1], "r") : NULL;

	if (!f)
		return 2;
	memset(&k, 0, sizeof(k));
	strbuf_init(&k.tmpl, 0);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "=== ", 4)) {
			flush(&k);
			snprintf(k.name, sizeof(k.name), "%.*s",
				 (int)strcspn(line + 4, "\n"), line + 4);
			snprintf(k.dir, sizeof(k.dir), "%s/%d", argv[2], ++n);
			if (mkdir(k.dir, 0700))
				return 2;
			k.dict = tdict_new(NULL);
			k.iter = NULL;
			k.lax = 0;
			snprintf(k.strip, sizeof(k.strip), "none");
			set_pragma(&k);
			strbuf_reset(&k.tmpl);
			part = 0;
			continue;
		}
		if (!k.dict || (*line == '#' && !part))
			continue;
		if (!strcmp(line, "--- template\n") ||
		    !strncmp(line, "--- file ", 9)) {
			if (k.file)
				fclose(k.file);
			k.file = NULL;
			part = line[4] == 't' ? 2 : 1;
			if (part == 1) {
				line[strcspn(line, "\n")] = '\0';
				k.file = open_file(&k, line + 9);
			}
			continue;
		}
		if (part == 1)
			fputs(line, k.file);
		else if (part == 2)
			strbuf_addstr(&k.tmpl, line);
		else
			dict_line(&k, (line[strcspn(line, "\n")] = '\0', line));
	}
	flush(&k);
	strbuf_release(&k.tmpl);
	fclose(f);
	return 0;
}
