/* SPDX-License-Identifier: MIT */
/*
 * loader.c - loading the selected plugins and running their callbacks.
 *
 * Checks happen in the order that gives the most useful message: the
 * sidecar's ABI before dlopen (an incompatible object is never mapped),
 * then the plugin path policy on the open file (catalog.h), then
 * dlopen(RTLD_NOW | RTLD_LOCAL) of that very file, so that a missing
 * dependency fails here and not in the middle of a callback, then the
 * entry symbol and the descriptor.  While a plugin callback runs, a
 * fatal-signal handler names the plugin and the phase instead of leaving
 * a bare "Segmentation fault"; no file has been written at that point
 * (plugins run before staging, fini included: fini_plugins()), so there
 * is nothing to undo.  Plugins are never dlclose()d while the run goes
 * on.
 *
 * Containment (doc/khora-plugin.7, WHAT A PLUGIN IS TRUSTED WITH): the
 * same holds for a plugin that calls exit() (an on_exit() handler that
 * acts only while plugin code runs), for one that overruns
 * --plugin-timeout (SIGALRM), and a plugin's chdir() is undone after
 * every callback (and so is its umask()): the working directory,
 * against which the target and every input path are resolved, is held
 * as a descriptor opened before the first plugin code (its ELF
 * constructors) runs.  These contain mistakes; a plugin is in-process
 * code with the user's rights.
 */
#include "compat.h"
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include "khora-plugin.h"
#include "pipeline.h"
#include "strbuf.h"
#include "wrapper.h"

/* Prepared before each callback: the handler may only write(2). */
static char crash_head[1024], crash_tail[256], slow_msg[1280];
static size_t crash_head_len, crash_tail_len, slow_len;
static char altstack[64 * 1024];

static const char *
sig_text(int sig)
{
	switch (sig) {
	case SIGSEGV: return "segmentation fault (SIGSEGV)";
	case SIGBUS: return "bus error (SIGBUS)";
	case SIGFPE: return "arithmetic exception (SIGFPE)";
	case SIGILL: return "illegal instruction (SIGILL)";
	case SIGABRT: return "aborted (SIGABRT)";
	default: return "fatal signal";
	}
}

static volatile sig_atomic_t in_plugin;
static int handlers_installed;
/* The plugin whose code runs, for the exit guard (not a signal context). */
static struct pipeline *cur_p;
static const struct plugin_info *cur_pi;
static const char *cur_phase;
/* The working directory and umask as before any plugin code ran. */
static int cwd_fd = -1;
static char *cwd_name;
static mode_t held_mask;
/* plugins check: how the child reports a crash, an exit, a timeout */
static int check_mode;

static void
crash_handler(int sig)
{
	const char *t = sig_text(sig);
	ssize_t ignored;

	if (!in_plugin) {
		/* a crash of khora itself: die of it, as without handler */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	ignored = write(2, crash_head, crash_head_len);
	ignored = write(2, t, strlen(t));
	ignored = write(2, crash_tail, crash_tail_len);
	(void)ignored;
	_exit(check_mode ? LOADER_CHECK_CRASHED : EXIT_PLUGIN);
}

/* --plugin-timeout: the callback still runs; nothing is staged yet. */
static void
alarm_handler(int sig)
{
	ssize_t ignored;

	(void)sig;
	if (!in_plugin)
		return;
	ignored = write(2, slow_msg, slow_len);
	(void)ignored;
	_exit(check_mode ? LOADER_CHECK_HUNG : EXIT_PLUGIN);
}

/*
 * exit() from plugin code (or from a host function it called) ends up
 * here, before stdio is flushed and before khora's other exit handlers:
 * the run ends with exit code 4 and the one-line message, instead of
 * the plugin's status and no project.  _exit() and quick_exit() cannot
 * be caught this way (documented).
 */
static void
exit_guard(int status, void *arg)
{
	struct strbuf sb = STRBUF_INIT;

	(void)arg;
	if (!in_plugin || !cur_p)
		return;
	in_plugin = 0;
	alarm(0);
	if (status >= 0)
		strbuf_addf(&sb, "exit(%d)", status);
	else
		strbuf_addstr(&sb, "exit()");
	cur_p->d->plugin = cur_pi->name;
	cur_p->d->capture = NULL;	/* plugins check drops plan errors */
	cur_p->d->demote = 0;
	diag_error(cur_p->d, EXIT_PLUGIN, NULL, "plugin '%s' (%s) called %s "
		   "during %s", cur_pi->name, cur_pi->library, sb.buf,
		   cur_phase);
	strbuf_release(&sb);
	fflush(stdout);
	fflush(stderr);
	_exit(check_mode ? LOADER_CHECK_EXITED : EXIT_PLUGIN);
}

#ifndef __GLIBC__
/* without on_exit(): the status is unknown */
static void
exit_guard_atexit(void)
{
	exit_guard(-1, NULL);
}
#endif

static void
install_exit_guard(void)
{
	static int done;

	if (done)
		return;
	done = 1;
#ifdef __GLIBC__
	on_exit(exit_guard, NULL);
#else
	atexit(exit_guard_atexit);
#endif
}

void
loader_check_mode(void)
{
	check_mode = 1;
}

/*
 * Before the first plugin code (dlopen runs its constructors): hold the
 * working directory, and the umask, which a plugin could change as
 * easily.  O_PATH: a directory the user may search but not list is
 * still one to come back to.  One khora may not even search (a run as
 * another user, from root's directory) is remembered by name instead,
 * and only gone back to if a plugin did move (it cannot be opened, so
 * nothing relative to it is used unless a plugin moved).
 */
static int
hold_cwd(struct pipeline *p)
{
	if (cwd_fd >= 0 || cwd_name)
		return 0;
	held_mask = umask(022);
	umask(held_mask);
	cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd_fd >= 0)
		return 0;
	cwd_name = getcwd(NULL, 0);
	if (!cwd_name)
		return diag_error(p->d, EXIT_IO, NULL, "cannot find the "
				  "current directory: %s", strerror(errno));
	return 0;
}

static int
cwd_moved(void)
{
	char *now = getcwd(NULL, 0);
	int moved = !now || strcmp(now, cwd_name);

	free(now);
	return moved;
}

/* A plugin's chdir() is undone: paths stay relative to where khora ran. */
static void
restore_cwd(const struct plugin_info *pi, const char *phase)
{
	if (cwd_fd >= 0 || cwd_name)
		umask(held_mask);
	if (cwd_fd >= 0 ? !fchdir(cwd_fd) :
	    !cwd_name || !cwd_moved() || !chdir(cwd_name))
		return;
	fprintf(stderr, "khora: plugin '%s' (%s) changed the working "
		"directory during %s and khora cannot return to it: %s\n",
		pi->name, pi->library, phase, strerror(errno));
	fflush(stderr);
	_exit(EXIT_PLUGIN);
}

static void
release_cwd(void)
{
	if (cwd_fd >= 0)
		close(cwd_fd);
	cwd_fd = -1;
	free(cwd_name);
	cwd_name = NULL;
}

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

/*
 * The handlers are installed once for all callbacks of a run (not per
 * callback: that was 200 sigaction calls for ten plugins); guard() only
 * prepares the message and marks that plugin code runs.
 */
static void
install_handlers(void)
{
	struct sigaction sa;
	stack_t ss;
	size_t i;

	if (handlers_installed)
		return;
	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = crash_handler;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(fatal_signals); i++)
		sigaction(fatal_signals[i], &sa, NULL);
	sa.sa_handler = alarm_handler;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	install_exit_guard();
	handlers_installed = 1;
}

static void
remove_handlers(void)
{
	size_t i;

	if (!handlers_installed)
		return;
	for (i = 0; i < ARRAY_SIZE(fatal_signals); i++)
		signal(fatal_signals[i], SIG_DFL);
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	handlers_installed = 0;
}

static void
guard(struct pipeline *p, const struct plugin_info *pi, const char *phase)
{
	struct strbuf sb = STRBUF_INIT;

	if (p->d->json) {
		strbuf_addstr(&sb, "{\"severity\":\"error\",\"code\":4,"
			      "\"message\":\"");
		strbuf_addf(&sb, "plugin '%s' (%s) crashed during %s: ",
			    pi->name, pi->library, phase);
	} else {
		strbuf_addf(&sb, "khora: plugin '%s' (%s) crashed during %s: ",
			    pi->name, pi->library, phase);
	}
	snprintf(crash_head, sizeof(crash_head), "%s", sb.buf);
	crash_head_len = strlen(crash_head);
	strbuf_reset(&sb);
	if (p->d->json)
		strbuf_addf(&sb, "\",\"file\":null,\"line\":null,\"column\":"
			    "null,\"plugin\":\"%s\",\"phase\":\"%s\"}\n",
			    pi->name, phase);
	else
		strbuf_addstr(&sb, "\n");
	snprintf(crash_tail, sizeof(crash_tail), "%s", sb.buf);
	crash_tail_len = strlen(crash_tail);
	strbuf_reset(&sb);
	if (p->plugin_timeout) {
		strbuf_addstr(&sb, p->d->json ? "{\"severity\":\"error\","
			      "\"code\":4,\"message\":\"" : "khora: ");
		strbuf_addf(&sb, "plugin '%s' (%s) did not finish its %s "
			    "within %u second%s (--plugin-timeout)%s",
			    pi->name, pi->library, phase, p->plugin_timeout,
			    p->plugin_timeout == 1 ? "" : "s", crash_tail);
		snprintf(slow_msg, sizeof(slow_msg), "%s", sb.buf);
		slow_len = strlen(slow_msg);
	}
	strbuf_release(&sb);
	install_handlers();
	p->d->plugin = pi->name;
	cur_p = p;
	cur_pi = pi;
	cur_phase = phase;
	in_plugin = 1;
	if (p->plugin_timeout)
		alarm(p->plugin_timeout);
}

static void
unguard(struct pipeline *p)
{
	if (p->plugin_timeout)
		alarm(0);
	in_plugin = 0;
	restore_cwd(cur_pi, cur_phase);
	p->d->plugin = NULL;
}

static int
lerr(struct pipeline *p, const struct plugin_info *pi, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
lerr(struct pipeline *p, const struct plugin_info *pi, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "cannot load plugin '%s' (%s): ", pi->name,
		    pi->library);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	diag_error(p->d, EXIT_PLUGIN, NULL, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/*
 * Before dlopen, from the sidecar: only the major must match.  A newer
 * minor is not refused here: what the object needs is in its
 * descriptor (check_descriptor), and the sidecar's newer keys were
 * ignored with a warning (catalog.c).
 */
static int
check_abi(struct pipeline *p, const struct plugin_info *pi)
{
	if (pi->abi_major != KHORA_ABI_MAJOR)
		return lerr(p, pi, "it is built for ABI %u.%u, this khora has "
			    "ABI %d.%d: rebuild the plugin against "
			    "khora-plugin %d.x", pi->abi_major, pi->abi_minor,
			    KHORA_ABI_MAJOR, KHORA_ABI_MINOR, KHORA_ABI_MAJOR);
	return 0;
}

/* The oldest host minor the plugin needs (its own before ABI 1.1). */
static unsigned
min_host_minor(const struct khora_plugin *desc)
{
	if (desc->size >= offsetof(struct khora_plugin, min_host_minor) +
	    sizeof(desc->min_host_minor))
		return desc->min_host_minor;
	return desc->abi_minor;
}

static int
check_descriptor(struct pipeline *p, const struct plugin_info *pi,
		 const struct khora_plugin *desc)
{
	unsigned need;

	if (!desc)
		return lerr(p, pi, "its entry symbol returned no descriptor");
	if (desc->abi_major != KHORA_ABI_MAJOR)
		return lerr(p, pi, "its descriptor says ABI %u.%u, this khora "
			    "has ABI %d.%d (its sidecar says %u.%u): rebuild "
			    "the plugin against khora-plugin %d.x",
			    desc->abi_major, desc->abi_minor, KHORA_ABI_MAJOR,
			    KHORA_ABI_MINOR, pi->abi_major, pi->abi_minor,
			    KHORA_ABI_MAJOR);
	if (desc->size < offsetof(struct khora_plugin, reserved))
		return lerr(p, pi, "its descriptor is too small (%zu bytes)",
			    desc->size);
	need = min_host_minor(desc);
	if (need > KHORA_ABI_MINOR)
		return lerr(p, pi, "it needs khora ABI %u.%u, this khora has "
			    "ABI %d.%d: upgrade khora", desc->abi_major, need,
			    KHORA_ABI_MAJOR, KHORA_ABI_MINOR);
	if (!desc->name || strcmp(desc->name, pi->name))
		return lerr(p, pi, "its descriptor is named '%s', its sidecar "
			    "'%s': they must match", desc->name ? desc->name :
			    "(null)", pi->name);
	if (!desc->version || strcmp(desc->version, pi->version))
		return lerr(p, pi, "its shared object is version '%s', its "
			    "sidecar says '%s': reinstall both from one build",
			    desc->version ? desc->version : "(null)",
			    pi->version);
	if (!desc->plan)
		return lerr(p, pi, "its descriptor has no plan callback");
	return 0;
}

/*
 * dlopen()s the very file that the path policy checked: the descriptor
 * catalog_open_library() opened and fstat()ed, through /proc/self/fd/N.
 * Handing dlopen the path again would let whoever can rename in one of
 * its directories swap the file between check and load; the policy
 * makes that root or the user, but the descriptor closes the window for
 * good.  The price: the object's name is /proc/self/fd/N, so a plugin
 * cannot use $ORIGIN in its rpath (documented in khora-plugin(7)), and
 * the descriptor stays open as long as the object is loaded: glibc
 * finds an already loaded object by name first, so a second plugin
 * opened as the same /proc/self/fd/N would get the first one.  Without
 * /proc the checked path is used: every directory up to / was just
 * checked, so only root or the user could swap it.
 */
static void *
open_checked(struct pipeline *p, struct plugin_info *pi)
{
	struct strbuf why = STRBUF_INIT;
	char fdpath[64];
	const char *err, *name = pi->library;
	size_t len;
	void *h;
	int fd = catalog_open_library(pi, &why);

	if (fd < 0) {
		if (why.len)
			lerr(p, pi, "refused: %s", why.buf);
		else if (errno == ENOENT)
			lerr(p, pi, "the shared object is missing: reinstall "
			     "the plugin");
		else
			lerr(p, pi, "cannot open it: %s", strerror(errno));
		strbuf_release(&why);
		return NULL;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (!access(fdpath, F_OK))
		name = fdpath;
	h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		err = dlerror();
		err = err ? err : "dlopen failed";
		/* name the plugin's file, not the descriptor */
		len = strlen(fdpath);
		if (!strncmp(err, fdpath, len) && err[len] == ':')
			strbuf_addf(&why, "%s%s", pi->library, err + len);
		else
			strbuf_addstr(&why, err);
		lerr(p, pi, "%s (a library it needs is missing or unusable: "
		     "check 'ldd %s')", why.buf, pi->library);
		close(fd);
	} else {
		pi->lib_fd = fd;
	}
	strbuf_release(&why);
	return h;
}

static int
load_one(struct pipeline *p, struct plugin_info *pi)
{
	struct strbuf sym = STRBUF_INIT;
	khora_plugin_entry_fn entry;
	void *h;

	if (check_abi(p, pi))
		return -1;
	if (hold_cwd(p))
		return -1;
	/* its ELF constructors run in dlopen: plugin code too */
	guard(p, pi, "load");
	h = open_checked(p, pi);
	unguard(p);
	if (!h)
		return -1;
	pi->handle = h;
	strbuf_addf(&sym, "khora_plugin_%s", pi->name);
	*(void **)&entry = dlsym(h, sym.buf);
	if (!entry) {
		lerr(p, pi, "entry symbol '%s' not found: define it with "
		     "KHORA_PLUGIN_DEFINE(%s, ...)", sym.buf, pi->name);
		strbuf_release(&sym);
		return -1;
	}
	strbuf_release(&sym);
	guard(p, pi, "load");
	pi->desc = entry();
	unguard(p);
	if (check_descriptor(p, pi, pi->desc))
		return -1;
	pi->ctx = host_ctx_new(p, pi);
	if (pi->desc->init) {
		int ret;

		guard(p, pi, "init");
		ret = pi->desc->init(pi->ctx, host_vtable());
		unguard(p);
		if (ret)
			return lerr(p, pi, "its init callback failed");
	}
	pi->initialized = 1;
	p->prof.plugins_loaded++;
	return 0;
}

int
load_plugins(struct pipeline *p)
{
	size_t i;

	int ret = 0;

	for (i = 0; i < p->nr_active && !ret; i++)
		ret = load_one(p, p->active[i]);
	if (ret)
		remove_handlers();
	return ret;
}

int
plan_plugins(struct pipeline *p)
{
	size_t i;

	for (i = 0; i < p->nr_active; i++) {
		struct plugin_info *pi = p->active[i];
		double t0 = now_ms();
		int ret;

		host_ctx_set_planning(pi->ctx, 1);
		guard(p, pi, "plan");
		ret = pi->desc->plan(pi->ctx, host_vtable());
		unguard(p);
		host_ctx_set_planning(pi->ctx, 0);
		pi->plan_ms = now_ms() - t0;
		if (ret || i + 1 == p->nr_active)
			remove_handlers();
		if (ret) {
			struct diag_loc loc = { pi->library, 0, 0 };

			p->d->plugin = pi->name;
			diag_error(p->d, EXIT_PLUGIN, &loc, "plugin '%s' "
				   "failed to plan its files", pi->name);
			p->d->plugin = NULL;
			return -1;
		}
	}
	return 0;
}

/*
 * The descriptor is closed once the object is gone; one that stays
 * mapped (linked with -z nodelete) keeps its descriptor, and so its
 * name /proc/self/fd/N, to the end of the process.
 */
static void
release_handle(struct plugin_info *pi)
{
	char fdpath[64];
	void *still;

	dlclose(pi->handle);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", pi->lib_fd);
	still = dlopen(fdpath, RTLD_LAZY | RTLD_NOLOAD);
	if (still)
		dlclose(still);
	else
		close(pi->lib_fd);
	pi->lib_fd = -1;
}

/*
 * Before staging, not at exit: a plugin that crashes, exits or hangs in
 * fini must find nothing written either.
 */
void
fini_plugins(struct pipeline *p)
{
	size_t i;

	for (i = p->nr_active; i-- > 0;) {
		struct plugin_info *pi = p->active[i];

		if (pi->initialized && pi->desc->fini) {
			guard(p, pi, "fini");
			pi->desc->fini(pi->ctx, host_vtable());
			unguard(p);
		}
		pi->initialized = 0;
	}
	remove_handlers();
}

/*
 * The object before its context: an ELF destructor is plugin code too,
 * and one that (against the rules) still uses the context finds it
 * whole, not freed (doc/design.md §9).
 */
void
unload_plugins(struct pipeline *p)
{
	size_t i;

	fini_plugins(p);
	for (i = p->nr_active; i-- > 0;) {
		struct plugin_info *pi = p->active[i];

		if (pi->handle)
			release_handle(pi);
		pi->handle = NULL;
		pi->desc = NULL;
		host_ctx_free(pi->ctx);
		pi->ctx = NULL;
	}
	release_cwd();
}
