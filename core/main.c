/* SPDX-License-Identifier: MIT */
/*
 * main.c - entry point: global options (--help, --version,
 * --error-format=json), then dispatch to a subcommand from the table.
 * The exit status is the code of the first diagnostic (doc/design.md §6).
 */
#include "compat.h"
#include <locale.h>
#include <signal.h>
#include "catcache.h"
#include "cli.h"
#include "profile.h"
#include "spawn.h"
#include "khora-plugin.h"

#ifndef KHORA_VERSION
#define KHORA_VERSION "0.0.0"
#endif

int cmd_help_main(struct diag *d);

/*
 * `khora CMD --help` (or -h) anywhere before "--" prints what `khora help
 * CMD` does.  Not for the completion helper, whose words are the line
 * being typed.
 */
static int
wants_help(int argc, char **argv)
{
	int i;

	if (!strcmp(argv[0], "__complete"))
		return 0;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (cli_flag(argv[i], "--help", 'h'))
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct diag d = DIAG_INIT;
	const struct cmd_entry *c;
	int i = 1, ret;

	startup_ms();	/* before anything else: for --profile */
	/* over RLIMIT_FSIZE, write() must fail with EFBIG (reported, the
	 * staging directory removed), not kill khora half-way */
	signal(SIGXFSZ, SIG_IGN);
	/* ignored by whoever started khora (it survives exec), the kernel
	 * would reap the tasks itself: waitpid() then has no status to
	 * give, and a task that failed would pass for one that succeeded */
	signal(SIGCHLD, SIG_DFL);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--error-format=json")) {
			d.json = 1;
		} else if (!strcmp(argv[i], "--error-format=text")) {
			d.json = 0;
		} else if (cli_flag(argv[i], "--version", 'V')) {
			printf("khora %s (plugin ABI %d.%d)\n", KHORA_VERSION,
			       KHORA_ABI_MAJOR, KHORA_ABI_MINOR);
			return 0;
		} else if (cli_flag(argv[i], "--help", 'h')) {
			ret = cmd_help_main(&d);
			catcache_flush(!ret, &d);
			return ret;
		} else {
			diag_error(&d, EXIT_USAGE, NULL, "invalid usage: "
				   "unknown option '%s' (see 'khora --help')",
				   argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		cmd_help_main(&d);
		return EXIT_USAGE;
	}
	c = cli_find(argv[i]);
	if (!c) {
		diag_error(&d, EXIT_USAGE, NULL, "invalid usage: unknown "
			   "command '%s' (see 'khora --help')", argv[i]);
		return EXIT_USAGE;
	}
	if (wants_help(argc - i, argv + i)) {
		cli_print_usage(c, stdout);
		return 0;
	}
	/* a program's output too is JSON lines then (outrelay.h) */
	spawn_set_json(d.json);
	ret = c->run(argc - i, argv + i, &d);
	if (ret && !d.code)
		d.code = EXIT_INTERNAL;
	fflush(stdout);
	/* the catalog cache is written only by a command that succeeded */
	catcache_flush(!ret && !ferror(stdout), &d);
	if (ferror(stdout)) {
		diag_error(&d, EXIT_IO, NULL, "cannot write output: %s",
			   strerror(errno));
		return d.code;
	}
	return ret ? diag_exit_code(&d) : 0;
}
