/* SPDX-License-Identifier: MIT */
/*
 * profile.c - monotonic timing of the pipeline's phases.
 */
#include "compat.h"
#include <time.h>
#include "profile.h"

static const char *const names[PH__COUNT] = {
	"startup", "config", "catalog", "resolve", "load", "plan", "merge",
	"render", "stage", "commit", "post", "exit",
};

double
startup_ms(void)
{
	static double at_main = -1;
	struct timespec ts;

	if (at_main < 0 && !clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		at_main = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
	return at_main < 0 ? 0 : at_main;
}

double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

const char *
phase_name(enum phase p)
{
	return names[p];
}

void
profile_init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->start = now_ms();
}

void
profile_lap(struct profile *p, enum phase ph, double *mark)
{
	double t = now_ms();

	p->ms[ph] += t - *mark;
	*mark = t;
}
