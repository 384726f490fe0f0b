/* SPDX-License-Identifier: MIT */
/*
 * cli.c - the command table, usage text and option helpers.
 */
#include "compat.h"
#include "cli.h"
#include "strbuf.h"

static const struct cmd_entry *const commands[] = {
	&cmd_new_entry,
	&cmd_init_entry,
	&cmd_plugins_entry,
	&cmd_help_entry,
	&cmd_new_plugin_entry,
	&cmd_explain_entry,
	&cmd_status_entry,
	&cmd_add_entry,
	&cmd_update_entry,
	&cmd_remove_entry,
	&cmd_forget_entry,
	&cmd_merge_state_entry,
	&cmd_completion_entry,
};

const struct cmd_entry *const *
cli_commands(size_t *nr)
{
	*nr = ARRAY_SIZE(commands);
	return commands;
}

const struct cmd_entry *
cli_find(const char *name)
{
	size_t i;

	/* the completion script's helper, not listed */
	if (!strcmp(name, "__complete"))
		return &cmd_completion_entry;
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

void
cli_print_usage(const struct cmd_entry *c, FILE *fp)
{
	fprintf(fp, "usage: khora %s %s\n\n%s\n", c->name, c->usage,
		c->summary);
	if (c->options && *c->options)
		fprintf(fp, "\noptions:\n%s", c->options);
}

int
cli_flag(const char *arg, const char *lng, char shrt)
{
	if (lng && !strcmp(arg, lng))
		return 1;
	return shrt && arg[0] == '-' && arg[1] == shrt && !arg[2];
}

int
cli_opt(int argc, char **argv, int *i, const char *lng, char shrt,
	const char **val, struct diag *d)
{
	const char *arg = argv[*i];
	size_t l = strlen(lng);

	if (!strncmp(arg, lng, l) && arg[l] == '=') {
		*val = arg + l + 1;
		return 1;
	}
	if (!cli_flag(arg, lng, shrt))
		return 0;
	if (*i + 1 >= argc) {
		diag_error(d, EXIT_USAGE, NULL, "invalid usage: option '%s' "
			   "needs a value", arg);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

int
cli_usage_error(struct diag *d, const char *cmd, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	diag_error(d, EXIT_USAGE, NULL, "invalid usage: %s (see 'khora help "
		   "%s')", sb.buf, cmd);
	strbuf_release(&sb);
	return -1;
}
