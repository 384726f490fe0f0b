/* SPDX-License-Identifier: MIT */
/*
 * progress.c - the progress line of progress.h: a terminal only, after
 * a threshold, at most every 50 ms but always at the last file of a
 * step, so that a user sees where a slow run is and a pipe or a log
 * never gets a \r.
 */
#include "compat.h"
#include <unistd.h>
#include "profile.h"
#include "progress.h"

#define PROGRESS_AFTER_MS 1000
#define PROGRESS_EVERY_MS 50

static int on, shown;
static double start, last, after = PROGRESS_AFTER_MS;

void
progress_init(int enabled)
{
	const char *env = getenv("KHORA_PROGRESS_AFTER_MS");
	char *end;
	long ms;

	on = enabled && isatty(2);
	start = now_ms();
	after = PROGRESS_AFTER_MS;
	if (!env || !*env)
		return;
	errno = 0;
	ms = strtol(env, &end, 10);
	/* a bad value keeps the default: it is only a display setting */
	if (!errno && !*end && ms >= 0 && ms <= 3600000)
		after = (double)ms;
}

void
progress_show(const char *what, size_t done, size_t total)
{
	double t;

	if (!on)
		return;
	t = now_ms();
	if (t - start < after ||
	    (shown && done != total && t - last < PROGRESS_EVERY_MS))
		return;
	fprintf(stderr, "\rkhora: %s %zu/%zu files\033[K", what, done, total);
	fflush(stderr);
	shown = 1;
	last = t;
}

void
progress_clear(void)
{
	if (!shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	shown = 0;
}
