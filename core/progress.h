/* SPDX-License-Identifier: MIT */
/*
 * progress.h - one progress line on stderr for runs that take a while:
 * "khora: rendering 12/40 files", rewritten in place with \r, cleared
 * before anything else is printed and at the end.
 *
 * Only on a terminal (isatty(2)), never with -q or JSON errors, and
 * only once the run has lasted KHORA_PROGRESS_AFTER_MS milliseconds
 * (default 1000; tests set 0 to see it without a slow run).  The state
 * is the process's: one run, one stderr.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stddef.h>

/* Starts the clock; enabled is the command's verdict (not -q, ...). */
void progress_init(int enabled);
/* what: "rendering", "staging", ... of total files, done so far. */
void progress_show(const char *what, size_t done, size_t total);
/* Erases the line if one is shown (before other output, at the end). */
void progress_clear(void);

#endif /* PROGRESS_H */
