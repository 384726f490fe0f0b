/* SPDX-License-Identifier: MIT */
/*
 * git.c - makes the project a git repository with one commit.  It
 * writes nothing itself: it declares commands that the core runs in the
 * committed project (phase "post").  The author comes from git's own
 * configuration; where there is none (the commit failed, and "git var"
 * says an identity is missing), a second commit command with an
 * explicit "khora" identity runs instead, and the core says so.  On a
 * machine without git, the commands are skipped with one warning and
 * the project is complete all the same.
 *
 * What it must never do: commit into a repository that encloses the
 * project (a monorepo) or anything khora did not write (the user's
 * untracked .env.local), or run code from a template or the user's
 * configuration.  Hence a nested-check first (skipped only when the
 * user sets nested: true), commits of khora's own files by literal
 * path, hooks and init templates off, and a branch name checked here,
 * before anything is written, by git's rules.
 *
 * khora's own state (.khora/lock, .khora/base) is merged by `khora
 * merge-state` when two branches changed it: the .gitattributes written
 * here selects that driver for every clone, and the new repository's
 * .git/config defines it (a clone does not copy .git/config:
 * khora-update(7) gives the two lines a colleague runs).  Only where
 * its git init runs (a project it makes, or new --force), never in a
 * repository that an update finds.
 */
#include <string.h>
#include "khora-plugin.h"

/*
 * Why NAME is not a branch `git check-ref-format --branch` accepts
 * (git 2.39: refs/heads/NAME a valid ref name, NAME not "HEAD" nor
 * starting with '-'), or NULL when it is one.  tests/e2e/7003 holds the
 * table that keeps these rules equal to git's.
 */
static const char *
bad_branch(const char *name)
{
	const char *p, *comp = name;
	size_t len = strlen(name);

	if (!len)
		return "it is empty";
	if (name[0] == '-')
		return "it starts with '-'";
	if (!strcmp(name, "HEAD"))
		return "HEAD is not a branch name";
	if (strstr(name, ".."))
		return "it contains '..'";
	if (strstr(name, "@{"))
		return "it contains '@{'";
	if (name[len - 1] == '.')
		return "it ends with '.'";
	for (p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			return "it contains a control character";
		if (strchr(" ~^:?*[\\", c))
			return "it contains a space or one of ~ ^ : ? * [ \\";
	}
	for (p = name;; p++) {
		if (*p && *p != '/')
			continue;
		if (p == comp)
			return "it has an empty path component ('/' at an "
			       "end, or '//')";
		if (*comp == '.')
			return "a path component starts with '.'";
		if (p - comp >= 5 && !strncmp(p - 5, ".lock", 5))
			return "a path component ends with '.lock'";
		if (!*p)
			break;
		comp = p + 1;
	}
	return NULL;
}

/*
 * Every git call: no hooks, no fsmonitor command, no signing program,
 * no automatic gc, no pager, pathspecs taken literally (a generated file
 * named '*.py' is that file, not a glob).  Filter drivers, which a
 * template's .gitattributes could select, are turned off by the core
 * (KHORA_CMD_NO_FILTERS): their names are only known then.
 */
#define GIT "git", "--literal-pathspecs", "--no-pager", \
	"-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", \
	"-c", "commit.gpgSign=false", "-c", "gc.auto=0", \
	"-c", "maintenance.auto=false", "-c", "core.attributesFile=/dev/null"
#define ARRAY_LEN_GIT \
	(sizeof((const char *[]){ GIT }) / sizeof(const char *))

/* a template's own .gitattributes wins (KHORA_MODE_YIELD) */
static const char attributes[] =
	"# khora's state: merged by 'khora merge-state' "
	"(khora-update(7))\n"
	".khora/lock merge=khora\n"
	".khora/base merge=khora\n";

static int
plan(khora_ctx *ctx, const struct khora_host *h)
{
	const char *branch = h->option(ctx, "branch");
	const char *msg = h->option(ctx, "message");
	const char *nested = h->option(ctx, "nested");
	const char *why;
	/* reads, runs nothing: no need for GIT's options in messages */
	const char *check[] = { "git", "rev-parse", "--show-toplevel", NULL };
	/* --template= : no hooks or config from a user's init template */
	const char *init[] = { GIT, "init", "-q", "--template=", "-b", "main",
			       NULL };
	const char *add[] = { GIT, "add", "--pathspec-from-file=-",
			      "--pathspec-file-nul", NULL };
	/* with paths, commit only those: never what the user had staged */
	const char *commit[] = { GIT, "commit", "-q", "--no-verify", "-m",
				 NULL, "--pathspec-from-file=-",
				 "--pathspec-file-nul", NULL };
	const char *fallback[] = {
		GIT, "-c", "user.name=khora", "-c",
		"user.email=khora@localhost", "commit", "-q", "--no-verify",
		"-m", NULL, "--pathspec-from-file=-", "--pathspec-file-nul",
		NULL
	};
	/* guards: the fallback is for a missing identity, nothing else */
	/* the driver .gitattributes names, in the repository just made */
	const char *name[] = { GIT, "config", "merge.khora.name",
			       "khora's state (khora merge-state)", NULL };
	const char *driver[] = { GIT, "config", "merge.khora.driver",
				 "khora merge-state %O %A %B %P", NULL };
	const char *author[] = { GIT, "var", "GIT_AUTHOR_IDENT", NULL };
	const char *committer[] = { GIT, "var", "GIT_COMMITTER_IDENT", NULL };
	const unsigned opt = KHORA_CMD_OPTIONAL;
	const unsigned guard = opt | KHORA_CMD_QUIET | KHORA_CMD_GUARD;
	const size_t g = ARRAY_LEN_GIT;	/* words in GIT */

	if (branch && (why = bad_branch(branch)))
		return h->config_error(ctx, "plugins_config.git.branch",
				       "invalid branch name '%s': %s", branch,
				       why);
	if (nested && strcmp(nested, "true") && strcmp(nested, "false"))
		return h->config_error(ctx, "plugins_config.git.nested",
				       "invalid value '%s': true or false",
				       nested);
	if (branch)
		init[g + 4] = branch;
	commit[g + 4] = fallback[g + 8] = msg ? msg : "Initial commit "
					  "(generated by khora)";
	if (h->contribute(ctx, "components", "git: {initial_commit: true}"))
		return -1;
	if ((!nested || strcmp(nested, "true")) &&
	    h->add_command(ctx, check, opt | KHORA_CMD_NESTED_CHECK))
		return -1;
	if (h->add_text(ctx, ".gitattributes", attributes,
			0644 | KHORA_MODE_YIELD))
		return -1;
	return h->add_command(ctx, init, opt) ||
	       h->add_command(ctx, name, opt) ||
	       h->add_command(ctx, driver, opt) ||
	       h->add_command(ctx, add, opt | KHORA_CMD_PATHS |
			      KHORA_CMD_NO_FILTERS) ||
	       h->add_command(ctx, commit, opt | KHORA_CMD_QUIET |
			      KHORA_CMD_PATHS | KHORA_CMD_NO_FILTERS) ||
	       h->add_command(ctx, author, guard) ||
	       h->add_command(ctx, committer, guard) ||
	       h->add_command(ctx, fallback, opt | KHORA_CMD_FALLBACK |
			      KHORA_CMD_PATHS | KHORA_CMD_NO_FILTERS) ? -1 : 0;
}

KHORA_PLUGIN_DEFINE(git, "0.1.0", NULL, plan, NULL)
