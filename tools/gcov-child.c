/* SPDX-License-Identifier: MIT */
/*
 * gcov-child.c - linked into the coverage build only (tools/coverage,
 * through -Wl,--wrap): a forked child's counts are written before it
 * execs or _exits.  gcov writes its counts at exit(); a child that
 * execs (post-generation commands, git, tasks) or leaves with _exit()
 * (the sandboxed plugin checks, a failed exec) never gets there, so the
 * code khora runs between fork and exec counted as never run.  Counts
 * a child inherited from its parent may be added twice: coverage asks
 * only whether a line ran.  Never part of khora itself.
 */
#define _GNU_SOURCE 1
#include <unistd.h>

void __gcov_dump(void);
void __gcov_reset(void);
int __real_execve(const char *, char *const [], char *const []);
int __real_execvp(const char *, char *const []);
int __real_execvpe(const char *, char *const [], char *const []);
void __real__exit(int) __attribute__((noreturn));
int __wrap_execve(const char *, char *const [], char *const []);
int __wrap_execvp(const char *, char *const []);
int __wrap_execvpe(const char *, char *const [], char *const []);
void __wrap__exit(int) __attribute__((noreturn));

/* written now; zeroed so that a failed exec's _exit adds only its own */
static void
flush(void)
{
	__gcov_dump();
	__gcov_reset();
}

int
__wrap_execve(const char *path, char *const argv[], char *const envp[])
{
	flush();
	return __real_execve(path, argv, envp);
}

int
__wrap_execvp(const char *file, char *const argv[])
{
	flush();
	return __real_execvp(file, argv);
}

int
__wrap_execvpe(const char *file, char *const argv[], char *const envp[])
{
	flush();
	return __real_execvpe(file, argv, envp);
}

void
__wrap__exit(int status)
{
	__gcov_dump();
	__real__exit(status);
}
