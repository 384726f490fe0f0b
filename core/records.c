/* SPDX-License-Identifier: MIT */
/*
 * records.c - what a run records of itself in the project, from the
 * rendered actions: .khora/lock (every generated file with its hash)
 * and .khora/base (their pristine content, for update's three-way
 * merges), and the reader of the base.
 */
#include "compat.h"
#include "path.h"
#include "pipeline.h"
#include "pool.h"
#include "sha256.h"
#include "strbuf.h"
#include "wrapper.h"

#ifndef KHORA_VERSION
#define KHORA_VERSION "0.0.0"
#endif

/* Entries of the lock and the base: generated files, not the config,
 * nor a file that was there before khora (it is the user's). */
static int
recorded(const struct action *a)
{
	return a->kind != A_DIR && !a->is_config && !a->unowned &&
	       !a->unrecorded;
}

static void
add_lock_template(struct strbuf *sb, const char *owner, const char *tmpl)
{
	struct strbuf t = STRBUF_INIT;

	strbuf_addf(&t, "%s/%s", owner, tmpl);
	strbuf_addstr(sb, "    template: ");
	ytree_add_scalar(sb, t.buf, 0);
	strbuf_addch(sb, '\n');
	strbuf_release(&t);
}

static void
build_lock(const struct pipeline *p, const char *config_sha, size_t nr,
	   struct strbuf *out)
{
	struct strbuf sb = STRBUF_INIT;
	const struct action *a;
	size_t i;

	strbuf_addf(&sb, "# khora lock file: what khora generated here, with "
		    "content hashes.\n# Do not edit; 'khora update' reads "
		    "it.\nlock_version: 1\nkhora_version: %s\n", KHORA_VERSION);
	if (config_sha)
		strbuf_addf(&sb, "config: khora.yaml\nconfig_sha256: %s\n",
			    config_sha);
	strbuf_addstr(&sb, "plugins:\n");
	for (i = 0; i < p->nr_active; i++) {
		/* both from a sidecar: escaped like every other string */
		strbuf_addstr(&sb, "  - {name: ");
		ytree_add_scalar(&sb, p->active[i]->name, 0);
		strbuf_addstr(&sb, ", version: ");
		ytree_add_scalar(&sb, p->active[i]->version, 1);
		strbuf_addstr(&sb, "}\n");
	}
	strbuf_addstr(&sb, "files:\n");
	for (i = 0; i < nr; i++) {
		a = &p->actions[i];
		if (!recorded(a))
			continue;
		strbuf_addstr(&sb, "  - path: ");
		ytree_add_scalar(&sb, a->path, 1);
		strbuf_addstr(&sb, "\n    plugin: ");
		ytree_add_scalar(&sb, action_owner_name(a), 0);
		strbuf_addch(&sb, '\n');
		if (a->user) {
			/* the user's: no hash, nothing to compare */
			strbuf_addstr(&sb, "    user: true\n");
			continue;
		}
		if (a->kind == A_SYMLINK) {
			strbuf_addstr(&sb, "    symlink: ");
			ytree_add_scalar(&sb, a->text, 1);
			strbuf_addch(&sb, '\n');
			continue;
		}
		if (a->tmpl)
			add_lock_template(&sb, action_owner_name(a), a->tmpl);
		strbuf_addf(&sb, "    mode: \"%04o\"\n    sha256: %s\n",
			    a->mode, a->sha);
		if (a->conflict)
			strbuf_addstr(&sb, "    conflict: true\n");
		if (a->secret)
			strbuf_addstr(&sb, "    secret: true\n");
		if (a->beside) {
			strbuf_addstr(&sb, "    beside: ");
			ytree_add_scalar(&sb, a->beside, 1);
			strbuf_addch(&sb, '\n');
		}
	}
	strbuf_release(out);
	*out = sb;
}

#define BASE_HEADER PIPELINE_BASE_HEADER

/* Does a's content hold a secret answer (in any form p->secrets has)? */
static int
holds_secret(const struct pipeline *p, const struct action *a)
{
	size_t i;

	for (i = 0; i < p->secrets.nr; i++)
		if (a->data && memmem(a->data, a->len, p->secrets.v[i],
				      strlen(p->secrets.v[i])))
			return 1;
	return 0;
}

/*
 * One file for all the pristine copies: a project gains two files, not
 * twice as many, and "@@ SIZE PATH" frames make it binary-safe.  A file
 * holding a secret answer has no copy there: the base is committed with
 * the project, and the secret would go with it (the lock marks the file
 * `secret: true`; update merges it without a base).
 */
static void
build_base(struct pipeline *p, size_t nr, struct strbuf *out)
{
	struct strbuf sb = STRBUF_INIT;
	struct action *a;
	size_t i, total = sizeof(BASE_HEADER);

	for (i = 0; i < nr; i++)
		total += p->actions[i].len + strlen(p->actions[i].path) + 32;
	strbuf_grow(&sb, total);
	strbuf_addstr(&sb, BASE_HEADER);
	for (i = 0; i < nr; i++) {
		a = &p->actions[i];
		if (!recorded(a) || a->kind == A_SYMLINK || a->user)
			continue;
		a->secret = holds_secret(p, a);
		if (a->secret)
			continue;
		strbuf_addf(&sb, "@@ %zu %s\n", a->len, a->path);
		strbuf_add(&sb, a->data, a->len);
		strbuf_addch(&sb, '\n');
	}
	strbuf_release(out);
	*out = sb;
}

/*
 * The two records are built and hashed as two jobs: in a large run a
 * second thread hashes the base (tens of MiB) while the first writes
 * the lock.  Neither job adds an action (that would move the array the
 * other reads); both are added after.
 */
struct records {
	const struct pipeline *p;
	const char *config_sha;
	size_t nr;
	struct strbuf base, lock;
	char base_sha[65], lock_sha[65];
};

static int
records_job(void *arg, size_t i)
{
	struct records *r = arg;

	if (i == 0) {
		sha256_hex(r->base.buf, r->base.len, r->base_sha);
	} else {
		build_lock(r->p, r->config_sha, r->nr, &r->lock);
		sha256_hex(r->lock.buf, r->lock.len, r->lock_sha);
	}
	return 0;
}

static void
add_record(struct pipeline *p, const char *path, struct strbuf *sb,
	   const char *sha)
{
	struct action *a = pipeline_add(p, A_TEXT, NULL, path);

	a->mode = 0644;
	a->text = strbuf_detach(sb, &a->len);
	a->data = a->text;
	memcpy(a->sha, sha, sizeof(a->sha));
}

int
pipeline_add_records(struct pipeline *p, const char *config_sha)
{
	size_t nr = p->nr, i, total = sizeof(BASE_HEADER);
	struct records r;
	int err;

	/* the base holds every file in one buffer: past STRBUF_MAX khora
	 * could neither write nor read it, so it refuses, not dies */
	for (i = 0; i < nr; i++)
		total += p->actions[i].len + strlen(p->actions[i].path) + 32;
	if (total >= STRBUF_MAX - 1)
		return diag_error(p->d, EXIT_IO, NULL, "cannot record the "
				  "project in .khora/base: its files total "
				  "%zu MiB, more than the %zu MiB khora keeps",
				  total >> 20, STRBUF_MAX >> 20);
	/* the base first: it marks the files holding a secret, which the
	 * lock then records as such */
	r.p = p;
	r.config_sha = config_sha;
	r.nr = nr;
	strbuf_init(&r.base, 0);
	strbuf_init(&r.lock, 0);
	build_base(p, nr, &r.base);
	pool_run(2, pool_threads(nr) > 1 ? 2 : 1, records_job, &r, NULL, NULL,
		 &err);
	add_record(p, ".khora/base", &r.base, r.base_sha);
	add_record(p, ".khora/lock", &r.lock, r.lock_sha);
	return 0;
}

int
pipeline_read_base(const char *buf, size_t len,
		   void (*fn)(const char *path, const char *data, size_t len,
			      void *arg), void *arg)
{
	size_t off = 0;

	if (len < strlen(BASE_HEADER) || memcmp(buf, BASE_HEADER,
						strlen(BASE_HEADER)))
		return -1;
	off = strlen(BASE_HEADER);
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		char *end, path[PATH_MAX_TOTAL + 1];
		unsigned long long size;
		size_t plen;

		if (!nl || len - off < 5 || memcmp(buf + off, "@@ ", 3))
			return -1;
		errno = 0;
		size = strtoull(buf + off + 3, &end, 10);
		if (errno || *end != ' ' || end >= nl)
			return -1;
		plen = (size_t)(nl - end - 1);
		if (plen > PATH_MAX_TOTAL || size > len ||
		    (size_t)(nl - buf) + 1 + size + 1 > len ||
		    nl[1 + size] != '\n')
			return -1;
		memcpy(path, end + 1, plen);
		path[plen] = '\0';
		fn(path, nl + 1, (size_t)size, arg);
		off = (size_t)(nl - buf) + 1 + (size_t)size + 1;
	}
	return 0;
}
