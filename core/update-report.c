/* SPDX-License-Identifier: MIT */
/*
 * update-report.c - what update, add and remove print (update-report.h):
 * every line of their plan and result, --diff's patch and the conflict
 * message, from the items update.c decided.  Moved out of cmd-update.c
 * so that the command reads as its steps, and a wording change touches
 * nothing that decides.
 */
#include "compat.h"
#include <sys/stat.h>
#include "khora-plugin.h"
#include "pipeline.h"
#include "strbuf.h"
#include "update.h"
#include "update-report.h"
#include "wrapper.h"

/* dir without its trailing slashes ("/" stays "/"). */
char *
strip_slashes(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return xstrndup(dir, n);
}

/* "DIR/name", or just "name" for the working directory. */
char *
shown_path(const char *dir, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char *d = strip_slashes(dir);

	if (strcmp(d, "."))
		strbuf_addf(&sb, "%s%s", d, strcmp(d, "/") ? "/" : "");
	strbuf_addstr(&sb, name);
	free(d);
	return strbuf_detach(&sb, NULL);
}

/* files named in a message about conflicts still open */
#define STILL_NAMES_MAX 5

static int
cmp_item(const void *a, const void *b)
{
	const struct update_item *x = *(struct update_item *const *)a;
	const struct update_item *y = *(struct update_item *const *)b;

	return strcmp(x->path, y->path);
}

static const char *
why(const struct update_item *it, enum merge_favor favor)
{
	if (update_still_only(it))
		return it->change == U_GONE ? "  (you deleted it, khora's "
			"changed: still in conflict; --theirs restores it, "
			"--ours accepts the deletion)" :
			"  (still in conflict: resolve the <<<<<<< markers)";
	switch (it->change) {
	case U_MERGE:
		if (it->resolved)
			return favor == MERGE_OURS ? "  (conflict resolved: "
				"yours kept)" : "  (conflict resolved: khora's "
				"taken)";
		return "  (your changes kept)";
	case U_CONFLICT:
		if (it->untracked)
			return favor == MERGE_OURS ? "  (your own file: kept)" :
				favor == MERGE_THEIRS ? "  (your own file: "
				"replaced)" : "  (your own file differs from "
				"khora's: resolve the <<<<<<< markers)";
		return favor == MERGE_OURS ? "  (both changed it: yours kept)" :
			favor == MERGE_THEIRS ? "  (both changed it: khora's "
			"taken)" : "  (both changed it: resolve the <<<<<<< "
			"markers)";
	case U_KEEP:
		return "  (your version; khora's did not change)";
	case U_GONE:
		return "  (you deleted it; khora's did not change)";
	case U_GONE_CONFLICT:
		return favor == MERGE_THEIRS ? "  (you deleted it; khora's "
			"changed: restored)" : "  (you deleted it, khora's "
			"changed: not restored; --theirs restores it)";
	case U_ORPHAN:
		return "  (no longer generated, but you changed it: kept)";
	case U_RENAME:
		return it->carried ? "  (your changes moved with it)" : "";
	default:
		return "";
	}
}

/* A binary file in conflict: what became of each side. */
static void
print_binary(const struct update *u, const struct update_item *it, FILE *fp)
{
	const char *p = it->path;

	fprintf(fp, "  %-9s %s  (", it->change == U_CONFLICT || it->still ?
		"conflict" : update_change_name(it->change), p);
	if (update_still_only(it) && !it->blocked)
		fputs("still in conflict, ", fp);
	if (it->resolved && !it->blocked)
		fputs("conflict resolved, binary: ", fp);
	if (it->resolved && !it->blocked && u->favor == MERGE_THEIRS)
		fprintf(fp, "khora's taken, yours saved as %s%s)\n", p,
			UPDATE_YOURS_SUFFIX);
	else if (it->resolved && !it->blocked)
		fputs("yours kept)\n", fp);
	else if (it->blocked && u->favor == MERGE_THEIRS)
		fprintf(fp, "binary, both changed it: yours kept; %s%s is "
			"there and not khora's: nothing replaced)\n", p,
			UPDATE_YOURS_SUFFIX);
	else if (it->blocked)
		fprintf(fp, "binary, both changed it: yours kept; %s%s is "
			"there and not khora's: khora's version not written)\n",
			p, UPDATE_NEW_SUFFIX);
	else if (u->favor == MERGE_MARKERS)
		fprintf(fp, "binary, both changed it: yours kept, khora's is "
			"%s%s)\n", p, UPDATE_NEW_SUFFIX);
	else if (u->favor == MERGE_OURS)
		fprintf(fp, "binary, both changed it: yours kept)\n");
	else
		fprintf(fp, "binary, both changed it: khora's taken, yours "
			"saved as %s%s)\n", p, UPDATE_YOURS_SUFFIX);
}

static void
print_items(const struct update *u, struct update_item **v, size_t nr,
	    int verbose, FILE *fp)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct update_item *it = v[i];

		if (it->binary) {
			print_binary(u, it, fp);
			continue;
		}
		if (it->change == U_SAME || (!verbose && !it->still &&
					       (it->change == U_KEEP ||
						it->change == U_GONE)))
			continue;
		if (update_still_only(it))
			fprintf(fp, "  %-9s %s%s\n", it->change == U_GONE ?
				"deleted" : "conflict", it->path,
				why(it, u->favor));
		else if (it->from)
			fprintf(fp, "  %-9s %s -> %s%s\n", it->change ==
				U_CONFLICT ? "conflict" : "rename", it->from,
				it->path, why(it, u->favor));
		else
			fprintf(fp, "  %-9s %s%s\n",
				update_change_name(it->change), it->path,
				why(it, u->favor));
	}
}

/* Binary conflicts whose side file could not be written: still open. */
static unsigned
nr_blocked(const struct update *u)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < u->nr_items; i++)
		n += u->items[i].change == U_CONFLICT && u->items[i].blocked;
	return n;
}

/* Conflicts an earlier update left, still open (only: not also this
 * run's); with only 0, every file still in conflict after this run. */
static unsigned
nr_still(const struct update *u, int only)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < u->nr_items; i++)
		n += only ? update_still_only(&u->items[i]) :
			u->items[i].still;
	return n;
}

static void
print_summary(const struct update *u, const char *what, const char *root,
	      FILE *fp)
{
	static const struct { enum update_change c; const char *s; } parts[] = {
		{ U_CREATE, "created" }, { U_UPDATE, "updated" },
		{ U_MERGE, "merged" }, { U_CONFLICT, "with conflicts" },
		{ U_GONE_CONFLICT, "deleted by you and changed" },
		{ U_REMOVE, "removed" }, { U_RENAME, "moved" },
		{ U_ORPHAN, "kept but no longer generated" },
	};
	size_t i, n = 0;
	const char *label;
	unsigned c, blocked = u->favor != MERGE_MARKERS ? nr_blocked(u) : 0;
	unsigned still = nr_still(u, 1);

	for (i = 0; i < ARRAY_SIZE(parts); i++)
		n += u->count[parts[i].c];
	/* not "up to date" while a conflict is open: the user might take
	 * it for "nothing left to do" */
	if (!n && still) {
		fprintf(fp, "nothing to change in '%s', but %u file%s still "
			"in conflict\n", root, still, still == 1 ? " is" :
			"s are");
		return;
	}
	if (!n) {
		fprintf(fp, "up to date: '%s' is what its khora.yaml "
			"generates\n", root);
		return;
	}
	fprintf(fp, "%s '%s':", what, root);
	for (i = 0, n = 0; i < ARRAY_SIZE(parts); i++) {
		c = u->count[parts[i].c];
		label = parts[i].s;
		/* --ours and --theirs resolve what would conflict, but for
		 * what a file in the way blocked */
		if (parts[i].c == U_CONFLICT && u->favor != MERGE_MARKERS) {
			c -= blocked;
			label = u->favor == MERGE_OURS ?
				"resolved with --ours" :
				"resolved with --theirs";
		}
		if (c)
			fprintf(fp, "%s %u %s", n++ ? "," : "", c, label);
		if (parts[i].c == U_CONFLICT && blocked + still)
			fprintf(fp, "%s %u still in conflict", n++ ? "," : "",
				blocked + still);
	}
	fputc('\n', fp);
}

static void
diff_header(struct strbuf *out, const char *path, unsigned from_mode,
	    unsigned to_mode)
{
	strbuf_addf(out, "diff --git a/%s b/%s\n", path, path);
	if (!from_mode)
		strbuf_addf(out, "new file mode 100%03o\n", to_mode);
	else if (!to_mode)
		strbuf_addf(out, "deleted file mode 100%03o\n", from_mode);
	else if (from_mode != to_mode)
		strbuf_addf(out, "old mode 100%03o\nnew mode 100%03o\n",
			    from_mode, to_mode);
}

/* A patch from the tree before to the tree after, for patch -p1. */
static void
print_diff(struct update_item **v, size_t nr, unsigned mask)
{
	struct strbuf out = STRBUF_INIT;
	size_t i, alen;

	for (i = 0; i < nr; i++) {
		const struct update_item *it = v[i];
		const char *after = update_after(it, &alen);
		unsigned to = it->a && it->a->kind != A_SYMLINK ?
			it->a->mode & 0777 & ~mask : it->before_mode;
		const char *before = it->from ? NULL : it->before;
		unsigned from = before ? it->before_mode : 0;

		if (it->change == U_SAME || it->before_link ||
		    (it->a && it->a->kind == A_SYMLINK))
			continue;
		if (it->from && it->before) {
			diff_header(&out, it->from, it->before_mode, 0);
			merge_udiff(it->from, it->before, it->before_len,
				    NULL, "", 0, &out);
		}
		if (!after && !before)
			continue;
		if (!after)
			to = 0;
		if (before && after && from == to && alen == it->before_len &&
		    !memcmp(before, after, alen))
			continue;
		diff_header(&out, it->path, from, to);
		if (merge_is_binary(before, before ? it->before_len : 0) ||
		    merge_is_binary(after, alen)) {
			/* as git says it: no lines to show */
			strbuf_addf(&out, "Binary files %s%s and %s%s "
				    "differ\n", before ? "a/" : "/dev/null",
				    before ? it->path : "", after ? "b/" :
				    "/dev/null", after ? it->path : "");
			continue;
		}
		merge_udiff(before ? it->path : NULL, before ? before : "",
			    before ? it->before_len : 0,
			    after ? it->path : NULL, after ? after : "",
			    after ? alen : 0, &out);
	}
	fwrite(out.buf, 1, out.len, stdout);
	strbuf_release(&out);
}

void
report(const struct update_opts *o, const struct update *u,
	const char *root)
{
	struct update_item **v = xmalloc((u->nr_items + 1) * sizeof(*v));
	FILE *fp = o->diff ? stderr : stdout;
	mode_t mask = umask(0);
	size_t i;

	umask(mask);
	for (i = 0; i < u->nr_items; i++)
		v[i] = &u->items[i];
	if (u->nr_items)
		qsort(v, u->nr_items, sizeof(*v), cmp_item);
	if (o->pretend)
		fprintf(fp, "%s plan for '%s' (--pretend: nothing written)\n",
			o->cmd, root);
	if (!o->quiet || o->pretend) {
		print_items(u, v, u->nr_items, o->verbose, fp);
		print_summary(u, o->pretend ? "would change" : "updated", root,
			      fp);
	}
	if (o->diff)
		print_diff(v, u->nr_items, (unsigned)mask);
	free(v);
}

void
print_commands(const struct pipeline *p, FILE *fp)
{
	size_t i;
	char **v;

	for (i = 0; i < p->nr_cmds; i++) {
		fprintf(fp, "  %-9s", "run");
		for (v = p->cmds[i].argv; *v; v++)
			fprintf(fp, " %s", *v);
		fprintf(fp, "  (plugin %s, new to this project%s)\n",
			p->cmds[i].owner->name, p->cmds[i].flags &
			KHORA_CMD_FALLBACK ? "; if the previous fails" : "");
	}
}

/* remove: what the user changed stays, untracked: say it aloud. */
void
warn_orphans(const struct update *u, const char *root, struct diag *d)
{
	size_t i;

	for (i = 0; i < u->nr_items; i++) {
		char *p;

		if (u->items[i].change != U_ORPHAN)
			continue;
		p = shown_path(root, u->items[i].path);
		diag_warn(d, NULL, "%s: kept, untracked: you changed it since "
			  "khora wrote it", p);
		free(p);
	}
}

/* 'a', 'b', ... of the files still in conflict, the first few. */
static void
add_still_names(struct strbuf *sb, const struct update *u, int only)
{
	struct update_item **v = xmalloc((u->nr_items + 1) * sizeof(*v));
	size_t i, n = 0, shown;

	for (i = 0; i < u->nr_items; i++)
		if (only ? update_still_only(&u->items[i]) :
		    u->items[i].still)
			v[n++] = &u->items[i];
	if (n)
		qsort(v, n, sizeof(*v), cmp_item);
	/* one line, whatever the project: the rest is in status */
	shown = n > STILL_NAMES_MAX ? STILL_NAMES_MAX - 1 : n;
	for (i = 0; i < shown; i++)
		strbuf_addf(sb, "%s'%s'", i ? ", " : "", v[i]->path);
	if (shown < n)
		strbuf_addf(sb, " and %zu more", n - shown);
	free(v);
}

/*
 * Exit 6 for conflicts an earlier update left that this one did not
 * close (none of its own: conflict_error() is for those): their files
 * and how to close them.  The files are not touched; --pretend says it
 * too, since the update it plans would leave them open.
 */
int
still_error(const struct update *u, const char *root, struct diag *d)
{
	struct strbuf sb = STRBUF_INIT, how = STRBUF_INIT;
	unsigned n = nr_still(u, 0), text = 0, bin = 0, gone = 0;
	size_t i;

	for (i = 0; i < u->nr_items; i++) {
		const struct update_item *it = &u->items[i];

		if (!it->still)
			continue;
		if (it->change == U_GONE || it->change == U_GONE_CONFLICT)
			gone++;
		else if (it->binary)
			bin++;
		else
			text++;
	}
	add_still_names(&sb, u, 0);
	if (text)
		strbuf_addstr(&how, "edit out the <<<<<<< markers");
	if (bin)
		strbuf_addf(&how, "%sdelete NAME" UPDATE_NEW_SUFFIX " to keep "
			    "yours", how.len ? ", " : "");
	if (gone)
		strbuf_addf(&how, "%s'khora forget PATH' to accept a deletion",
			    how.len ? ", " : "");
	diag_error(d, EXIT_CONFLICT, NULL, "%u file%s in '%s' still in "
		   "conflict from an earlier update: %s (%s, or run 'khora "
		   "update --ours' (or --theirs) to pick a side; see "
		   "khora-update(7))", n, n == 1 ? "" : "s", root, sb.buf,
		   how.buf);
	strbuf_release(&sb);
	strbuf_release(&how);
	return -1;
}

/*
 * Exit 6, saying what each kind of conflict left and how to resolve it:
 * markers in text files, khora's version beside a binary one, a file
 * the user deleted and khora changed (no markers anywhere: it stays
 * deleted).
 */
int
conflict_error(const struct update_opts *o, const struct update *u,
	       struct diag *d)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned gone = o->favor == MERGE_MARKERS ?
		u->count[U_GONE_CONFLICT] : 0;
	unsigned blocked = nr_blocked(u);
	unsigned text = u->conflicts - u->binary - gone;
	unsigned beside = u->binary - blocked;
	unsigned still = o->favor == MERGE_MARKERS ? nr_still(u, 1) : 0;

	if (u->binary == u->conflicts && o->favor == MERGE_THEIRS)
		return diag_error(d, EXIT_CONFLICT, NULL, "cannot take khora's "
				  "side of %u binary file%s: NAME"
				  UPDATE_YOURS_SUFFIX ", where yours would be "
				  "saved, is there and is not khora's: move it "
				  "away and run again", u->conflicts,
				  u->conflicts == 1 ? "" : "s");
	if (text)
		strbuf_addf(&sb, "%u file%s changed both by you and by khora: "
			    "edit out the <<<<<<< markers", text,
			    text == 1 ? "" : "s");
	if (beside)
		strbuf_addf(&sb, "%s%u binary file%s changed both by you and "
			    "by khora: khora's version is beside yours as NAME"
			    UPDATE_NEW_SUFFIX, sb.len ? "; " : "", beside,
			    beside == 1 ? "" : "s");
	if (blocked)
		strbuf_addf(&sb, "%s%u binary file%s changed both by you and "
			    "by khora: NAME" UPDATE_NEW_SUFFIX " is there and "
			    "is not khora's, so khora's version was not "
			    "written (move it away and run again)",
			    sb.len ? "; " : "",
			    blocked, blocked == 1 ? "" : "s");
	if (gone)
		strbuf_addf(&sb, "%s%u file%s you deleted changed in khora's "
			    "version: %s deleted, no markers written ('khora "
			    "forget PATH' accepts the deletion)",
			    sb.len ? "; " : "", gone, gone == 1 ? "" : "s",
			    gone == 1 ? "it stays" : "they stay");
	if (still) {
		strbuf_addf(&sb, "; %u more file%s still in conflict from an "
			    "earlier update (", still, still == 1 ? "" : "s");
		add_still_names(&sb, u, 1);
		strbuf_addch(&sb, ')');
	}
	diag_error(d, EXIT_CONFLICT, NULL, "cannot merge cleanly: %s%s run "
		   "'khora update --ours' (or --theirs) to pick a side", sb.buf,
		   text || gone || still ? ", or" : ";");
	strbuf_release(&sb);
	return -1;
}
