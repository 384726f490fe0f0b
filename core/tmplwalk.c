/* SPDX-License-Identifier: MIT */
/*
 * tmplwalk.c - a template directory turned into pipeline actions
 * (tmpldir_plan(), tmpldir.h): the files walked below the root fd the
 * manifest was read through, each copied or marked for rendering under
 * its rendered name, the items for the plugins' slots, the plugin files
 * the template overrides, and .khora/answers.yaml.  The manifest and the
 * answers it works from are tmpldir.c's.
 */
#include "compat.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "confine.h"
#include "path.h"
#include "pipeline.h"
#include "strbuf.h"
#include "tglob.h"
#include "tmpldir.h"
#include "walk.h"
#include "wrapper.h"

#define terr(d, n, ...) ynode_error(d, EXIT_CONFIG, n, __VA_ARGS__)

/*
 * Version-control metadata (path_is_vcs(), in any case): never part of
 * a project, whatever the manifest says (a template shipping
 * .git/hooks/post-commit would have its hook run by the git plugin's
 * first commit, a .git file could point git at a hostile repository).
 */
#define is_vcs path_is_vcs
#define vcs_component path_vcs_component

static int walk(struct tmpldir *t, struct pipeline *p, struct tdict *dict,
		const char *rel, int dfd, size_t *count);

/*
 * The template's items for the plugins' slots (a dependency, a
 * .gitignore line, a README section), each rendered with its variables.
 */
static int
contribute_slots(struct tmpldir *t, struct pipeline *p, struct tdict *dict)
{
	const struct ynode *m = ymap_get(t->tree, "slots"), *l;
	const char *guess;
	size_t i, j;
	char *item;

	for (i = 0; m && i < m->nr; i++) {
		if (!pipeline_slot_known(p, m->keys[i]->str, &guess))
			return terr(p->d, m->keys[i], "unknown slot '%s'%s%s%s",
				    m->keys[i]->str, guess ? " (did you mean '"
				    : "", guess ? guess : "", guess ? "'?)" :
				    "");
		l = m->vals[i];
		for (j = 0; j < l->nr; j++) {
			/* capped like an answer: "{{a}}{{a}}..." of a long
			 * answer would make gigabytes of one line */
			item = template_render_capped(t->manifest,
						      l->vals[j]->str, dict,
						      ANSWER_MAX, p->d);
			if (!item && errno == EFBIG)
				return ynode_error(p->d, EXIT_TEMPLATE,
						   l->vals[j], "item of slot "
						   "'%s' renders to more than "
						   "%d KiB", m->keys[i]->str,
						   ANSWER_MAX >> 10);
			if (!item)
				return -1;
			/* one line: the plugins put an item on a line of
			 * their own (a .gitignore, a TOML list) */
			if (item[strcspn(item, "\n\r")]) {
				free(item);
				return ynode_error(p->d, EXIT_TEMPLATE,
						   l->vals[j], "item of slot "
						   "'%s' holds a line break",
						   m->keys[i]->str);
			}
			pipeline_contribute(p, m->keys[i]->str, item);
			free(item);
		}
	}
	return 0;
}

/*
 * override: [PATH]: the template's file at PATH replaces the plugin's
 * (which yields); each must be both a file of the template and one a
 * plugin writes, or the manifest is wrong.
 */
static int
apply_override(struct tmpldir *t, struct pipeline *p)
{
	const struct ynode *l = ymap_get(t->tree, "override");
	size_t i, k;
	int mine, theirs;

	for (i = 0; i < t->override.nr; i++) {
		const char *path = t->override.v[i];

		mine = theirs = 0;
		for (k = 0; k < p->nr; k++) {
			struct action *a = &p->actions[k];

			if (strcmp(a->path, path) || a->kind == A_DIR)
				continue;
			if (a->owner == &t->owner) {
				mine = 1;
			} else {
				a->yield = 1;
				theirs = 1;
			}
		}
		if (!mine || !theirs)
			return terr(p->d, l->vals[i], "cannot override '%s': "
				    "%s", path, !mine ? "the template has no "
				    "such file" : "no plugin writes it");
	}
	return 0;
}

/* Is rel (is_dir: a directory) left out by exclude: or files:? */
static int
wanted(struct tmpldir *t, const char *rel, int is_dir)
{
	size_t i;

	if (!strcmp(rel, MANIFEST))
		return 0;
	if (tglob_list((const char *const *)t->exclude.v, t->exclude.nr, rel,
		       is_dir))
		return 0;
	for (i = 0; t->files && i < t->files->nr; i++) {
		const struct ynode *r = t->files->vals[i];
		const char *g = scalar(r, "path"), *w = scalar(r, "when");

		if (g && w && tglob_list(&g, 1, rel, is_dir) &&
		    !holds(t, w, ymap_get(r, "when")))
			return 0;
	}
	return 1;
}

/* A name with {{variables}} rendered, strictly. */
static char *
render_name(struct tmpldir *t, struct pipeline *p, struct tdict *dict,
	    const char *rel)
{
	struct strbuf shown = STRBUF_INIT;
	char *name;

	if (!strstr(rel, "{{"))
		return xstrdup(rel);
	strbuf_addf(&shown, "%s/%s", t->dir, rel);
	name = template_render_string(shown.buf, rel, dict, p->d);
	strbuf_release(&shown);
	return name;
}

static int
terr_file(struct tmpldir *t, struct pipeline *p, const char *rel,
	  const char *why)
{
	struct strbuf full = STRBUF_INIT;
	struct diag_loc loc = { NULL, 0, 0 };

	strbuf_addf(&full, "%s/%s", t->dir, rel);
	loc.file = full.buf;
	diag_error(p->d, EXIT_TEMPLATE, &loc, "cannot read template file: %s",
		   why);
	strbuf_release(&full);
	return -1;
}

/* Reads rel through template_open(): a regular file below the root. */
static int
slurp(struct tmpldir *t, const char *rel, struct strbuf *sb, mode_t *mode,
      const char **why)
{
	static char big[64];
	struct stat st;
	int fd = template_open(t->dirfd, rel, why), ret;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	*mode = st.st_mode & 0777;
	/* capped, so that a huge file is an error naming it, not an
	 * allocation failure naming nothing */
	ret = confine_read_fd(fd, sb, TEMPLATE_MAX_BYTES);
	if (ret && errno == EFBIG) {
		snprintf(big, sizeof(big), "larger than %u MiB",
			 TEMPLATE_MAX_BYTES >> 20);
		*why = big;
	} else if (ret) {
		*why = confine_strerror(errno);
	}
	close(fd);
	return ret;
}

static int
add_entry(struct tmpldir *t, struct pipeline *p, struct tdict *dict,
	  const char *rel, const struct stat *st)
{
	int is_dir = S_ISDIR(st->st_mode);
	struct strbuf full = STRBUF_INIT, data = STRBUF_INIT;
	size_t len = strlen(rel);
	int kt = !is_dir && len > 3 && !strcmp(rel + len - 3, ".kt");
	char *name = render_name(t, p, dict, rel);
	const char *why = NULL, *vcs;
	struct action *a;
	mode_t mode = 0644;
	int ret = -1, user;

	if (!name)
		return -1;
	if (kt)
		name[strlen(name) - 3] = '\0';
	if (path_reserved(name)) {
		struct strbuf full2 = STRBUF_INIT;
		struct diag_loc loc = { NULL, 0, 0 };

		/* a shipped journal in .khora-backup.X would be replayed as
		 * an interrupted run's by the next status or update */
		strbuf_addf(&full2, "%s/%s", t->dir, rel);
		loc.file = full2.buf;
		diag_error(p->d, EXIT_TEMPLATE, &loc, "refusing to write '%s': "
			   "the name is %s", name, path_reserved(name));
		strbuf_release(&full2);
		goto out;
	}
	vcs = vcs_component(name);
	if (vcs) {
		struct strbuf full2 = STRBUF_INIT;
		struct diag_loc loc = { NULL, 0, 0 };

		strbuf_addf(&full2, "%s/%s", t->dir, rel);
		loc.file = full2.buf;
		diag_error(p->d, EXIT_TEMPLATE, &loc, "refusing to write '%s': "
			   "'%.*s' is version-control metadata", name,
			   (int)strcspn(vcs, "/"), vcs);
		strbuf_release(&full2);
		goto out;
	}
	strbuf_addf(&full, "%s/%s", t->dir, rel);
	/* skip_if_exists: written once, then the user's (never compared,
	 * updated or removed: the lock says user: true) */
	user = tglob_list((const char *const *)t->skip.v, t->skip.nr, name,
			  is_dir);
	if (is_dir) {
		a = pipeline_add(p, A_DIR, &t->owner, name);
		a->mode = 0755;
	} else if (kt) {
		a = pipeline_add(p, A_FILE, &t->owner, name);
		a->tmpl = xstrdup(rel);
		a->tmpl_path = strbuf_detach(&full, NULL);
		a->mode = st->st_mode & 0111 ? 0755 : 0644;
	} else {
		if (slurp(t, rel, &data, &mode, &why)) {
			terr_file(t, p, rel, why);
			goto out;
		}
		a = pipeline_add(p, A_DATA, &t->owner, name);
		a->data = strbuf_detach(&data, &a->len);
		a->mode = mode;
	}
	a->user = user && !is_dir;
	ret = 0;
out:
	strbuf_release(&full);
	strbuf_release(&data);
	free(name);
	return ret;
}

/* walk_dir(): every name */
static int
push_name(const char *name, unsigned char type, void *arg)
{
	(void)type;
	strlist_push(arg, name);
	return 0;
}

/* The names in the directory dfd (which it closes); -1 on a read error. */
static int
read_names(int dfd, struct strlist *names)
{
	int ret = walk_dir(dfd, push_name, names), e = errno;

	close(dfd);
	errno = e;
	return ret;
}

/* One entry of the directory dfd: added, walked into, or refused. */
static int
walk_entry(struct tmpldir *t, struct pipeline *p, struct tdict *dict,
	   int dfd, const char *base, const char *rel, size_t *count)
{
	const char *why = NULL;
	struct stat st;
	int fd;

	if (is_vcs(base, strlen(base)))
		return 0;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW))
		return terr_file(t, p, rel, strerror(errno));
	if (!wanted(t, rel, S_ISDIR(st.st_mode)))
		return 0;
	if (++*count > MAX_TEMPLATE_FILES)
		return diag_error(p->d, EXIT_TEMPLATE, NULL, "template "
				  "directory '%s' has more than %d entries",
				  t->dir, MAX_TEMPLATE_FILES);
	if (S_ISREG(st.st_mode))
		return add_entry(t, p, dict, rel, &st);
	if (!S_ISDIR(st.st_mode)) {
		/* a symlink, FIFO, socket or device: never followed or
		 * opened, template_open() says which */
		fd = template_open(t->dirfd, rel, &why);
		if (fd >= 0) {
			close(fd);
			why = "changed while khora read it";
		}
		return terr_file(t, p, rel, why);
	}
	fd = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return terr_file(t, p, rel, strerror(errno));
	if (add_entry(t, p, dict, rel, &st)) {
		close(fd);
		return -1;
	}
	return walk(t, p, dict, rel, fd, count);
}

/*
 * Walks the directory dfd (rel below the template's root; it closes
 * dfd), each entry reached from its parent's descriptor.
 */
static int
walk(struct tmpldir *t, struct pipeline *p, struct tdict *dict,
     const char *rel, int dfd, size_t *count)
{
	struct strbuf sub = STRBUF_INIT;
	struct strlist names = { NULL, 0, 0 };
	size_t i;
	int ret = 0, fd = dup(dfd);

	if (fd < 0 || read_names(fd, &names)) {
		ret = terr_file(t, p, *rel ? rel : ".", strerror(errno));
		goto out;
	}
	for (i = 0; i < names.nr && !ret; i++) {
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "", names.v[i]);
		ret = walk_entry(t, p, dict, dfd, names.v[i], sub.buf, count);
	}
out:
	close(dfd);
	strlist_clear(&names);
	strbuf_release(&sub);
	return ret ? -1 : 0;
}

static int
answers_file(struct tmpldir *t, struct pipeline *p)
{
	struct strbuf sb = STRBUF_INIT;
	char *root, *rel;
	struct action *a;
	size_t i;

	strbuf_addstr(&sb, "# Answers given to the template (secrets left "
		      "out); khora update reuses them.\n");
	strbuf_addstr(&sb, "template:");
	/* relative to the project, like its khora.yaml says it */
	root = path_absolute(p->target);
	rel = path_relative_from(root, t->dir);
	if (t->record) {
		strbuf_addstr(&sb, t->record);
	} else {
		strbuf_addch(&sb, ' ');
		ytree_add_scalar(&sb, rel, 1);
	}
	free(root);
	free(rel);
	strbuf_addstr(&sb, "\nanswers:\n");
	for (i = 0; i < t->nr_vars; i++) {
		if (t->vars[i].secret || t->vars[i].computed ||
		    !t->vars[i].value)
			continue;
		strbuf_addstr(&sb, "  ");
		ytree_add_scalar(&sb, t->vars[i].name, 0);
		strbuf_addstr(&sb, ": ");
		ytree_add_scalar(&sb, t->vars[i].value, 1);
		strbuf_addch(&sb, '\n');
	}
	/* no cap of its own: update reads the answers back from the
	 * project's khora.yaml, in bulk (answers are capped one by one,
	 * and so is their number) */
	a = pipeline_add(p, A_TEXT, &t->owner, ".khora/answers.yaml");
	a->text = strbuf_detach(&sb, NULL);
	a->is_state = 1;
	a->mode = 0644;
	return 0;
}

int
tmpldir_plan(struct tmpldir *t, struct pipeline *p)
{
	struct tdict *dict;
	size_t i, count = 0;
	char *save;
	int fd;

	t->owner.selected = 1;
	t->owner.version = (char *)"-";
	t->owner.ctx = host_ctx_new(p, &t->owner);
	dict = host_ctx_dict(t->owner.ctx);
	for (i = 0; i < t->nr_vars; i++) {
		const struct tvar_spec *v = &t->vars[i];

		tdict_set(dict, v->name, v->value ? v->value : "");
		tdict_show(dict, v->name, v->active && truthy(v->value));
		if ((v->type == V_LIST || v->type == V_MULTI) && v->value &&
		    *v->value) {
			char *copy = xstrdup(v->value), *tok;

			tdict_show(dict, v->name, 0);
			for (tok = strtok_r(copy, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save))
				tdict_set(tdict_add_section(dict, v->name),
					  "item", tok);
			free(copy);
		}
	}
	/* the root opened when the manifest was read, shared with the
	 * renderer of the .kt files (so never opened by name again) */
	fd = t->dirfd < 0 ? -1 : fcntl(t->dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd >= 0)
		tcache_add_root(&p->cache, t->dir, fd);
	fd = t->dirfd < 0 ? -1 : fcntl(t->dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		struct diag_loc loc = { t->dir, 0, 0 };

		return diag_error(p->d, EXIT_TEMPLATE, &loc, "cannot read "
				  "template directory: %s", strerror(errno));
	}
	if (walk(t, p, dict, "", fd, &count) || contribute_slots(t, p, dict) ||
	    apply_override(t, p))
		return -1;
	return answers_file(t, p);
}
