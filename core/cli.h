/* SPDX-License-Identifier: MIT */
/*
 * cli.h - the subcommand table and the small option parser every
 * command uses.  One table (commands[] in cli.c) feeds dispatch,
 * `khora --help`, `khora help CMD` and shell completion, so that they
 * cannot disagree.
 */
#ifndef CLI_H
#define CLI_H

#include "diag.h"

struct cmd_entry {
	const char *name;
	const char *summary;
	const char *usage;	/* after "khora NAME " */
	const char *options;	/* option help, one per line */
	int (*run)(int argc, char **argv, struct diag *d);
};

extern const struct cmd_entry cmd_new_entry;
extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_plugins_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_completion_entry;
extern const struct cmd_entry cmd_explain_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_add_entry;
extern const struct cmd_entry cmd_update_entry;
extern const struct cmd_entry cmd_remove_entry;
extern const struct cmd_entry cmd_forget_entry;
extern const struct cmd_entry cmd_merge_state_entry;
extern const struct cmd_entry cmd_new_plugin_entry;

const struct cmd_entry *const *cli_commands(size_t *nr);
const struct cmd_entry *cli_find(const char *name);
void cli_print_usage(const struct cmd_entry *c, FILE *fp);

/*
 * Option parsing: argv[*i] is matched against a long name ("--set") and
 * an optional short one ('c').  For options with a value, *val is set
 * from "--opt=v", "--opt v" or "-c v"; returns 1 when matched, 0 if not,
 * -1 (with a usage error on d) if the value is missing.
 */
int cli_opt(int argc, char **argv, int *i, const char *lng, char shrt,
	    const char **val, struct diag *d);
int cli_flag(const char *arg, const char *lng, char shrt);
int cli_usage_error(struct diag *d, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* CLI_H */
