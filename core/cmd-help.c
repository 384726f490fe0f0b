/* SPDX-License-Identifier: MIT */
/*
 * cmd-help.c - `khora --help` and `khora help CMD`.  The command list
 * comes from the command table and the feature list from the catalog
 * (sidecars only: nothing is loaded to print help).
 */
#include "compat.h"
#include "catalog.h"
#include "cli.h"

int cmd_help_main(struct diag *d);

int
cmd_help_main(struct diag *d)
{
	const struct cmd_entry *const *cmds;
	struct catalog cat;
	size_t nr, i, j;

	cmds = cli_commands(&nr);
	printf("usage: khora [--version] [--help] [--error-format=json] "
	       "COMMAND [ARGS]\n\nkhora creates a ready-to-work Python "
	       "project from a short khora.yaml.\n\ncommands:\n");
	for (i = 0; i < nr; i++)
		printf("  %-10s %s\n", cmds[i]->name, cmds[i]->summary);
	d->quiet_warnings = 1;
	if (!catalog_load(&cat, d) && cat.nr) {
		printf("\nfeatures (from installed plugins):\n");
		for (i = 0; i < cat.nr; i++)
			for (j = 0; j < cat.plugins[i]->provides.nr; j++)
				printf("  %-18s %s%s\n",
				       cat.plugins[i]->provides.v[j],
				       cat.plugins[i]->summary,
				       cat.plugins[i]->is_default ?
				       " (on by default)" : "");
	}
	catalog_release(&cat);
	d->code = 0;
	d->nr_errors = 0;
	printf("\nSee 'khora help COMMAND' and man khora(1).\n");
	return 0;
}

static int
cmd_help(int argc, char **argv, struct diag *d)
{
	const struct cmd_entry *c;

	if (argc < 2)
		return cmd_help_main(d);
	if (argc > 2)
		return cli_usage_error(d, "help", "too many arguments");
	c = cli_find(argv[1]);
	if (!c)
		return cli_usage_error(d, "help", "unknown command '%s'",
				       argv[1]);
	cli_print_usage(c, stdout);
	return 0;
}

const struct cmd_entry cmd_help_entry = {
	"help",
	"Show the usage of khora or of one command.",
	"[COMMAND]",
	"",
	cmd_help,
};
