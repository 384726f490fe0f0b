/* SPDX-License-Identifier: MIT */
/*
 * profile.h - wall-clock time per pipeline phase and per plugin, and the
 * counters --profile prints.  Always collected (a clock read per phase
 * costs nanoseconds), printed only on request.
 */
#ifndef PROFILE_H
#define PROFILE_H

#include <stddef.h>

/*
 * startup: exec and dynamic linking before main() (the process's CPU time
 * at main(), the best a process can know of it); exit: releasing the
 * pipeline and unloading plugins after the work is done.  With them the
 * phases add up to what a stopwatch around the process sees.
 */
enum phase {
	PH_STARTUP, PH_CONFIG, PH_CATALOG, PH_RESOLVE, PH_LOAD, PH_PLAN,
	PH_MERGE, PH_RENDER, PH_STAGE, PH_COMMIT, PH_POST, PH_EXIT, PH__COUNT
};

struct profile {
	double start;
	double ms[PH__COUNT];
	unsigned plugins_catalogued, plugins_loaded;
	unsigned templates_parsed, renders, cache_hits;
	unsigned files, dirs, symlinks;
	size_t bytes;
	unsigned write_threads;	/* that staged the files (stagepool.c) */
};

double now_ms(void);
/* CPU time the process had used when main() started (call it first). */
double startup_ms(void);
const char *phase_name(enum phase p);
void profile_init(struct profile *p);
/* Adds the time since *mark to phase ph and resets *mark. */
void profile_lap(struct profile *p, enum phase ph, double *mark);

#endif /* PROFILE_H */
