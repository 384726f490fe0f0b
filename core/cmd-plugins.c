/* SPDX-License-Identifier: MIT */
/*
 * cmd-plugins.c - `khora plugins list|info|check`.  list and info read
 * sidecars only; check loads each plugin and runs its init and plan in
 * a forked child, under a time limit, so that one crashing, exiting,
 * hanging or broken plugin cannot hide the state of the others.
 */
#include "compat.h"
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "datadir.h"
#include "khora-plugin.h"
#include "pipeline.h"
#include "strbuf.h"
#include "walk.h"
#include "wrapper.h"

/*
 * A refused plugin's names and paths come from a place others could
 * write: shown with control characters escaped, on one line, as diag
 * does.  Returns sb's text.
 */
static const char *
shown(struct strbuf *sb, const char *s)
{
	strbuf_reset(sb);
	diag_add_one_line(sb, s);
	return sb->buf;
}

static void
print_list(const char *label, const struct strlist *l)
{
	size_t i;

	printf("%-10s", label);
	if (!l->nr)
		printf(" -");
	for (i = 0; i < l->nr; i++)
		printf(" %s", l->v[i]);
	printf("\n");
}

static int
plugins_list(const struct catalog *cat)
{
	size_t i, j;

	printf("%-18s %-8s %-5s %-18s %s\n", "plugin", "version", "abi",
	       "features", "summary");
	for (i = 0; i < cat->nr; i++) {
		const struct plugin_info *pi = cat->plugins[i];
		struct strbuf f = STRBUF_INIT;

		for (j = 0; j < pi->provides.nr; j++)
			strbuf_addf(&f, "%s%s", j ? "," : "",
				    pi->provides.v[j]);
		printf("%-18s %-8s %u.%-3u %-18s %s%s\n", pi->name, pi->version,
		       pi->abi_major, pi->abi_minor, f.len ? f.buf : "-",
		       pi->summary, pi->is_default ? " [default]" : "");
		strbuf_release(&f);
	}
	/* after the usable ones: the reason replaces the summary */
	for (i = 0; i < cat->nr_refused; i++) {
		const struct plugin_info *pi = cat->refused[i];
		struct strbuf f = STRBUF_INIT, a = STRBUF_INIT,
			      b = STRBUF_INIT, c = STRBUF_INIT;

		for (j = 0; j < pi->provides.nr; j++)
			strbuf_addf(&f, "%s%s", j ? "," : "",
				    pi->provides.v[j]);
		printf("%-18s %-8s %-5s %-18s REFUSED ", shown(&a, pi->name),
		       shown(&b, pi->version), "-", f.len ? f.buf : "-");
		printf("%s: %s\n", shown(&a, pi->sidecar),
		       shown(&c, pi->refused));
		strbuf_release(&f);
		strbuf_release(&a);
		strbuf_release(&b);
		strbuf_release(&c);
	}
	return 0;
}

static int
list_one(const char *rel, const char *base, const struct stat *st, void *arg)
{
	(void)base;
	if (!S_ISDIR(st->st_mode))
		strlist_push(arg, rel);
	return 0;
}

/* A plugin's templates, and which the user's data dir overrides. */
static void
plugins_templates(const struct catalog *cat, const struct plugin_info *pi)
{
	struct strbuf own = STRBUF_INIT, user = STRBUF_INIT, f = STRBUF_INIT;
	struct strlist names = { NULL, 0, 0 };
	size_t i;

	if (pi->template_dir)
		strbuf_addstr(&own, pi->template_dir);
	else
		strbuf_addf(&own, "%s/%s", cat->templatedir, pi->name);
	if (!datadir_user(&user, USER_DATA, "templates"))
		strbuf_addf(&user, "/%s", pi->name);
	walk_tree(own.buf, "", list_one, &names);
	printf("templates  %s\n", own.buf);
	for (i = 0; i < names.nr; i++) {
		strbuf_reset(&f);
		strbuf_addf(&f, "%s/%s", user.buf, names.v[i]);
		if (user.len && !access(f.buf, R_OK))
			printf("  %-32s overridden by %s\n", names.v[i], f.buf);
		else
			printf("  %s\n", names.v[i]);
	}
	strlist_clear(&names);
	strbuf_release(&own);
	strbuf_release(&user);
	strbuf_release(&f);
}

static int
plugins_info(const struct catalog *cat, const char *name, int templates,
	     struct diag *d)
{
	const struct plugin_info *pi = catalog_find(cat, name);
	const char *cand[128], *best;
	size_t i, n = 0;

	for (i = 0; !pi && i < cat->nr_refused; i++)
		if (!strcmp(cat->refused[i]->name, name))
			return diag_error(d, EXIT_PLUGIN, NULL, "plugin '%s' "
					  "(%s) was refused: %s", name,
					  cat->refused[i]->sidecar,
					  cat->refused[i]->refused);
	for (i = 0; !pi && i < cat->nr && n < ARRAY_SIZE(cand); i++)
		cand[n++] = cat->plugins[i]->name;
	best = pi ? NULL : closest_match(name, cand, n);
	if (best)
		return diag_error(d, EXIT_PLUGIN, NULL, "unknown plugin '%s' "
				  "(did you mean '%s'?)", name, best);
	if (!pi)
		return diag_error(d, EXIT_PLUGIN, NULL, "unknown plugin '%s' "
				  "(see 'khora plugins list')", name);
	printf("%-10s %s\n", "name", pi->name);
	printf("%-10s %s\n", "version", pi->version);
	printf("%-10s %u.%u (this khora: %d.%d)\n", "abi", pi->abi_major,
	       pi->abi_minor, KHORA_ABI_MAJOR, KHORA_ABI_MINOR);
	printf("%-10s %s\n", "summary", pi->summary);
	printf("%-10s %s\n", "sidecar", pi->sidecar);
	printf("%-10s %s\n", "library", pi->library);
	printf("%-10s %s\n", "default", pi->is_default ? "yes" : "no");
	print_list("provides", &pi->provides);
	print_list("requires", &pi->requires);
	print_list("conflicts", &pi->conflicts);
	print_list("after", &pi->after);
	print_list("options", &pi->options);
	if (pi->template_dir)
		printf("%-10s %s\n", "templates", pi->template_dir);
	if (pi->shadows)
		printf("%-10s %s\n", "shadows", pi->shadows);
	plugin_schema_print(pi->schema);
	if (templates)
		plugins_templates(cat, pi);
	return 0;
}

/*
 * In a child: load one plugin as `new` would, init included, and run
 * its plan with the default config; the loader turns a crash, an exit()
 * or an overrun into LOADER_CHECK_* after its message.
 */
static int
check_child(struct catalog *cat, struct plugin_info *pi, unsigned limit,
	    struct diag *d)
{
	struct config cfg;
	struct config_overrides ov;
	struct pipeline p;
	int ret;

	struct strbuf junk = STRBUF_INIT;

	memset(&ov, 0, sizeof(ov));
	ov.default_name = "check";
	/*
	 * Its features on, so that its plan has something to do; when the
	 * default config cannot have them (a choice, a required key), the
	 * plan runs with them off.  What fails the check is a failed
	 * load or init, a crash, an exit() or a hang, not a plan that
	 * refuses the config: those messages are dropped.
	 */
	ov.schema = &cat->schema;	/* declared defaults, as new has them */
	ov.with = (const char **)pi->provides.v;
	ov.nr_with = pi->provides.nr;
	d->capture = &junk;
	if (config_load(&cfg, NULL, &ov, d)) {
		config_release(&cfg);
		memset(&ov, 0, sizeof(ov));
		ov.default_name = "check";
		ov.schema = &cat->schema;
		d->code = 0;
		d->nr_errors = 0;
		if (config_load(&cfg, NULL, &ov, d)) {
			config_release(&cfg);
			d->capture = NULL;
			strbuf_release(&junk);
			return EXIT_CONFIG;
		}
	}
	pipeline_init(&p, d, &cfg, cat);
	p.plugin_timeout = limit;
	loader_check_mode();
	resolve_plugins(&p);
	d->capture = NULL;
	d->code = 0;
	d->nr_errors = 0;
	free(p.active);
	pi->selected = 1;
	p.active = &pi;
	p.nr_active = 1;
	ret = load_plugins(&p);
	if (!ret) {
		d->capture = &junk;
		plan_plugins(&p);
		d->capture = NULL;
		d->code = 0;
	}
	strbuf_release(&junk);
	unload_plugins(&p);
	p.active = NULL;
	p.nr_active = 0;
	pipeline_release(&p);
	config_release(&cfg);
	return ret ? diag_exit_code(d) : 0;
}

/*
 * Waits for the child; past limit (and a grace second for the child's
 * own alarm to speak) it is killed: a plugin may block SIGALRM.
 */
static int
wait_child(pid_t pid, unsigned limit, int *status)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	unsigned long waited = 0, max = (limit + 1) * 50UL;
	pid_t r;

	while ((r = waitpid(pid, status, WNOHANG)) == 0 && waited < max) {
		nanosleep(&tick, NULL);
		waited++;
	}
	if (r > 0)
		return 0;
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return -1;
}

/* The status word of one checked plugin, and its message if needed. */
static const char *
verdict(const struct plugin_info *pi, int status, int killed,
	unsigned limit, struct diag *d)
{
	if (killed) {
		diag_error(d, EXIT_PLUGIN, NULL, "plugin '%s' (%s) did not "
			   "finish its init and plan within %u second%s: "
			   "killed", pi->name, pi->library, limit,
			   limit == 1 ? "" : "s");
		return "HUNG   ";
	}
	if (WIFSIGNALED(status)) {
		diag_error(d, EXIT_PLUGIN, NULL, "plugin '%s' (%s) killed the "
			   "check by signal %d (%s)", pi->name, pi->library,
			   WTERMSIG(status), strsignal(WTERMSIG(status)));
		return "CRASHED";
	}
	switch (WIFEXITED(status) ? WEXITSTATUS(status) : -1) {
	case 0: return "ok     ";
	case LOADER_CHECK_CRASHED: return "CRASHED";
	case LOADER_CHECK_EXITED: return "EXITED ";
	case LOADER_CHECK_HUNG: return "HUNG   ";
	default: return "FAILED ";
	}
}

static int
plugins_check(struct catalog *cat, unsigned limit, struct diag *d)
{
	struct strbuf a = STRBUF_INIT;
	size_t i, bad = 0;

	for (i = 0; i < cat->nr; i++) {
		struct plugin_info *pi = cat->plugins[i];
		const char *word;
		int status = 0, killed;
		pid_t pid;

		fflush(stdout);
		fflush(stderr);
		pid = fork();
		if (pid < 0)
			return diag_error(d, EXIT_INTERNAL, NULL, "cannot "
					  "check plugins: fork: %s",
					  strerror(errno));
		if (!pid)
			_exit(check_child(cat, pi, limit, d));
		killed = wait_child(pid, limit, &status);
		word = verdict(pi, status, killed, limit, d);
		printf("%s %-18s %s\n", word, pi->name, pi->library);
		if (strcmp(word, "ok     "))
			bad++;
	}
	for (i = 0; i < cat->broken.nr; i++) {
		printf("FAILED  %-18s %s\n", "(sidecar)",
		       shown(&a, cat->broken.v[i]));
		bad++;
	}
	/* never loaded, not even in a child: counted as failed */
	for (i = 0; i < cat->nr_refused; i++) {
		printf("REFUSED %-18s ", shown(&a, cat->refused[i]->name));
		printf("%s: ", shown(&a, cat->refused[i]->sidecar));
		printf("%s\n", shown(&a, cat->refused[i]->refused));
		bad++;
	}
	strbuf_release(&a);
	printf("%zu plugins checked, %zu failed\n", cat->nr + cat->broken.nr +
	       cat->nr_refused, bad);
	if (bad) {
		d->code = EXIT_PLUGIN;
		return -1;
	}
	return 0;
}

static int
parse_limit(const char *v, unsigned *out, struct diag *d)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 1 || n > 86400)
		return cli_usage_error(d, "plugins", "invalid --timeout '%s': "
				       "expected whole seconds from 1 to "
				       "86400", v);
	*out = (unsigned)n;
	return 0;
}

static int
cmd_plugins(int argc, char **argv, struct diag *d)
{
	struct catalog cat;
	const char *sub = argc > 1 ? argv[1] : "list";
	int ret, templates = 0;
	unsigned limit = 10;

	if (argc > 2 && !strcmp(argv[1], "--rebuild-cache"))
		return cli_usage_error(d, "plugins", "'--rebuild-cache' takes "
				       "no argument");
	if (argc == 2 && !strcmp(argv[1], "--rebuild-cache")) {
		/* the sidecars read anew; main writes the caches on success */
		catalog_load_opts(&cat, 1, d);
		catalog_release(&cat);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "info") &&
	    !strcmp(argv[3], "--templates")) {
		templates = 1;
		argc--;
	}
	if (argc == 4 && !strcmp(argv[1], "check") &&
	    !strcmp(argv[2], "--timeout")) {
		if (parse_limit(argv[3], &limit, d))
			return -1;
		argc -= 2;
	}
	if (strcmp(sub, "list") && strcmp(sub, "info") && strcmp(sub, "check"))
		return cli_usage_error(d, "plugins", "unknown subcommand "
				       "'%s'", sub);
	if (!strcmp(sub, "info") && argc != 3)
		return cli_usage_error(d, "plugins", "'info' takes one plugin "
				       "name");
	if (strcmp(sub, "info") && argc > 2)
		return cli_usage_error(d, "plugins", "too many arguments");
	if (catalog_load(&cat, d)) {
		catalog_release(&cat);
		return -1;
	}
	if (!strcmp(sub, "list"))
		ret = plugins_list(&cat);
	else if (!strcmp(sub, "info"))
		ret = plugins_info(&cat, argv[2], templates, d);
	else
		ret = plugins_check(&cat, limit, d);
	catalog_release(&cat);
	return ret;
}

const struct cmd_entry cmd_plugins_entry = {
	"plugins",
	"List, describe or test-load the installed plugins.",
	"[list | info NAME [--templates] | check [--timeout SECONDS] | "
	"--rebuild-cache]",
	"  list                  plugins on the plugin path (sidecars only)\n"
	"  info NAME             everything a plugin's sidecar declares\n"
	"  info NAME --templates and its templates, with user overrides\n"
	"  check                 load every plugin and run its init and plan\n"
	"                        in a child process\n"
	"  check --timeout SECONDS  the time each plugin gets (default 10)\n"
	"  --rebuild-cache       read every sidecar and write the catalog\n"
	"                        cache of each plugin directory anew\n",
	cmd_plugins,
};
