/* SPDX-License-Identifier: MIT */
/*
 * outrelay.h - with --error-format=json, every line khora puts on its
 * stderr must be a JSON object, the output of the programs it runs
 * (tasks, migrations, plugin commands) included: spawn.c hands their
 * stdout and stderr to a relay that wraps each line as
 *
 *   {"type":"output","source":"task","plugin":null,
 *    "argv":["make","all"],"stream":"stderr","text":"..."}
 *
 * source: "task", "migration" (a template's), "command" (a plugin's,
 * named by plugin).
 *
 * Diagnostics keep their own shape (they have "severity"; an output
 * line has "type").  Text that is not UTF-8 is kept readable: each
 * invalid byte becomes U+FFFD.  A line longer than OUTRELAY_LINE_MAX is
 * cut into several objects, never inside a UTF-8 character; a last line
 * without a newline is one too.
 */
#ifndef OUTRELAY_H
#define OUTRELAY_H

#include <stddef.h>
#include <sys/types.h>

#define OUTRELAY_LINE_MAX ((size_t)64 << 10)

/*
 * Relays the output of the child pid (argv, run as source for plugin,
 * which may be NULL) from out_fd and err_fd (either may be -1; both are
 * closed) to khora's stderr, line by line as above, until
 * both reach their end or the child has ended and what it wrote is
 * read (a program it left running in the background with the pipe
 * open then gets EPIPE, not a khora that never returns).  When it
 * reaped the child, its wait status is in *status and 1 is returned;
 * else 0 (the caller waits).  SIGINT, SIGTERM or SIGHUP meanwhile (unless
 * ignored) is held while the child ends, for a grace of two seconds,
 * its output relayed; then khora gets the signal again, as it was.
 */
int outrelay_run(pid_t pid, int out_fd, int err_fd, const char *source,
		 const char *plugin, char *const *argv, int *status);

#endif /* OUTRELAY_H */
