/* SPDX-License-Identifier: MIT */
/*
 * tmplsrc.c - template sources (see tmplsrc.h): telling a git source
 * from a directory, the cache of fetched repositories and checkouts,
 * git run with an argv and a clean environment, ref resolution and the
 * PEP 440 order that picks the newest version tag.
 */
#include "compat.h"
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "catalog.h"
#include "confine.h"
#include "datadir.h"
#include "sha256.h"
#include "stage.h"
#include "strbuf.h"
#include "tmplsrc.h"
#include "userdir.h"
#include "wrapper.h"
#include "ytree.h"

#define MANIFEST "khora-template.yaml"
#define TAGS_FILE "khora-tags"
#define GIT_OUTPUT_MAX (16u << 20)	/* ls-remote of a huge repository */
#define REF_MAX 255

/* ---- PEP 440 ---- */

#define PV_MAX_RELEASE 16

struct pv {
	long epoch, rel[PV_MAX_RELEASE];
	int nr_rel;
	int pre_kind;			/* 0 a, 1 b, 2 rc; -1 none */
	long pre, post, dev;		/* -1: none */
	const char *local;		/* after '+', or NULL */
};

static int
digits(const char **s, long *out)
{
	char *end;

	if (!isdigit((unsigned char)**s))
		return 0;
	errno = 0;
	*out = strtol(*s, &end, 10);
	if (errno || *out < 0)
		return -1;
	*s = end;
	return 1;
}

static int
word(const char **s, const char *w)
{
	size_t n = strlen(w);

	if (strncasecmp(*s, w, n))
		return 0;
	*s += n;
	return 1;
}

static void
skip_sep(const char **s)
{
	if (**s == '.' || **s == '-' || **s == '_')
		(*s)++;
}

/* An optional separator, then one of words (index in *kind), then an
 * optional separator and number: 1 when found (s moved past it). */
static int
labelled(const char **s, const char *const *words, size_t n, int *kind,
	 long *num)
{
	const char *p = *s;
	size_t i;

	skip_sep(&p);
	for (i = 0; i < n; i++)
		if (word(&p, words[i]))
			break;
	if (i == n)
		return 0;
	*kind = (int)i;
	*num = 0;
	if (*p == '.' || *p == '-' || *p == '_') {
		const char *q = p + 1;

		if (digits(&q, num) == 1)
			p = q;
	} else if (digits(&p, num) < 0) {
		return 0;
	}
	*s = p;
	return 1;
}

static int
pv_parse(const char *s, struct pv *v)
{
	/* longest first: "preview" before "pre", "rc" before "c" */
	static const char *const pre[] = {
		"alpha", "beta", "preview", "pre", "rc", "a", "b", "c",
	};
	static const int pre_kind[] = { 0, 1, 2, 2, 2, 0, 1, 2 };
	static const char *const post[] = { "post", "rev", "r" };
	static const char *const dev[] = { "dev" };
	long n;
	int k;

	memset(v, 0, sizeof(*v));
	v->pre_kind = -1;
	v->pre = v->post = v->dev = -1;
	if (*s == 'v' || *s == 'V')
		s++;
	if (digits(&s, &n) != 1)
		return -1;
	if (*s == '!') {
		v->epoch = n;
		s++;
		if (digits(&s, &n) != 1)
			return -1;
	}
	v->rel[v->nr_rel++] = n;
	while (*s == '.' && isdigit((unsigned char)s[1])) {
		s++;
		if (digits(&s, &n) != 1 || v->nr_rel == PV_MAX_RELEASE)
			return -1;
		v->rel[v->nr_rel++] = n;
	}
	if (labelled(&s, pre, ARRAY_SIZE(pre), &k, &v->pre))
		v->pre_kind = pre_kind[k];
	if (*s == '-' && isdigit((unsigned char)s[1])) {
		s++;
		if (digits(&s, &v->post) != 1)
			return -1;
	} else if (labelled(&s, post, ARRAY_SIZE(post), &k, &v->post)) {
		;
	}
	if (!labelled(&s, dev, 1, &k, &v->dev))
		v->dev = -1;
	if (*s == '+') {
		const char *p;

		v->local = ++s;
		for (p = s; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-' && *p != '_')
				return -1;
		if (!*s)
			return -1;
		s = p;
	}
	return *s ? -1 : 0;
}

static int
cmp_long(long a, long b)
{
	return a < b ? -1 : a > b;
}

/* The pre-release key of PEP 440: a dev release of a final version
 * sorts before its pre-releases, a final one after them. */
static long
pre_key(const struct pv *v, long *num)
{
	*num = v->pre;
	if (v->pre_kind < 0 && v->post < 0 && v->dev >= 0)
		return -1;
	if (v->pre_kind < 0)
		return 3;
	return v->pre_kind;
}

static int
pv_cmp(const struct pv *a, const struct pv *b)
{
	long ka, kb, na, nb;
	int i, n = a->nr_rel > b->nr_rel ? a->nr_rel : b->nr_rel, c;

	if ((c = cmp_long(a->epoch, b->epoch)))
		return c;
	for (i = 0; i < n; i++)
		if ((c = cmp_long(i < a->nr_rel ? a->rel[i] : 0,
				  i < b->nr_rel ? b->rel[i] : 0)))
			return c;
	ka = pre_key(a, &na);
	kb = pre_key(b, &nb);
	if ((c = cmp_long(ka, kb)) || (ka >= 0 && ka < 3 &&
				       (c = cmp_long(na, nb))))
		return c;
	if ((c = cmp_long(a->post, b->post)))
		return c;
	/* no dev part sorts after every dev release */
	if ((c = cmp_long(a->dev < 0 ? LONG_MAX : a->dev,
			  b->dev < 0 ? LONG_MAX : b->dev)))
		return c;
	if (!a->local || !b->local)
		return !!a->local - !!b->local;
	c = strcasecmp(a->local, b->local);
	return c < 0 ? -1 : c > 0;
}

int
tmplsrc_is_version(const char *tag)
{
	struct pv v;

	return !pv_parse(tag, &v);
}

int
tmplsrc_version_cmp(const char *a, const char *b)
{
	struct pv va, vb;
	int ea = pv_parse(a, &va), eb = pv_parse(b, &vb);

	if (ea || eb)
		return ea && eb ? 0 : ea ? -1 : 1;
	return pv_cmp(&va, &vb);
}

/* ---- sources ---- */

static const char *const schemes[] = {
	"https://", "ssh://", "git://", "file://",
};

int
tmplsrc_is_git(const char *src)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(schemes); i++)
		if (starts_with(src, schemes[i]))
			return 1;
	return starts_with(src, "git@") || starts_with(src, "gh:") ||
		starts_with(src, "gl:");
}

char *
tmplsrc_cache_dir(void)
{
	struct strbuf sb = STRBUF_INIT;

	if (datadir_user(&sb, USER_CACHE, NULL))
		return NULL;
	return strbuf_detach(&sb, NULL);
}

static int
src_error(struct diag *d, int code, const char *src, const char *fmt, ...)
	PRINTF_LIKE(4, 5);

static int
src_error(struct diag *d, int code, const char *src, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ret = diag_error(d, code, NULL, "cannot use template '%s': %s", src,
			 sb.buf);
	strbuf_release(&sb);
	return ret;
}

/* A subdirectory: relative, no empty, "." or ".." component. */
static int
check_subdir(const char *sub)
{
	const char *p = sub;

	if (!*sub || *sub == '/')
		return -1;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (!n || (n == 1 && *p == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return -1;
		p += n;
		if (*p == '/' && !*++p)
			return -1;
	}
	return 0;
}

/*
 * Does the URL hold a "." or ".." path segment?  git and servers
 * resolve them, so file://h/x/../repo names another repository than it
 * spells, and a trusted: prefix would be compared with the spelling.
 */
static int
dot_segment(const char *url)
{
	const char *p = strstr(url, "://"), *seg;

	p = p ? p + 3 : url;
	for (seg = p; *seg; ) {
		size_t n = strcspn(seg, "/");

		if ((n == 1 && *seg == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 1;
		seg += n;
		seg += *seg == '/';
	}
	return 0;
}

/* Splits src into s->url and s->subdir, expanding gh: and gl:. */
static int
parse_source(struct tmplsrc *s, const char *src, const char *subdir,
	     struct diag *d)
{
	const char *from = src, *cut, *scheme = strstr(src, "://");
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (scheme)
		from = scheme + 3;
	cut = strstr(from, "//");
	strbuf_add(&sb, src, cut ? (size_t)(cut - src) : strlen(src));
	if (cut && subdir) {
		strbuf_release(&sb);
		return src_error(d, EXIT_USAGE, src, "it names a subdirectory "
				 "and so does --template-dir");
	}
	if (cut || subdir)
		s->subdir = xstrdup(cut ? cut + 2 : subdir);
	if (s->subdir && check_subdir(s->subdir)) {
		strbuf_release(&sb);
		return src_error(d, EXIT_USAGE, src, "subdirectory '%s' is "
				 "not a relative path inside it", s->subdir);
	}
	if (starts_with(sb.buf, "gh:") || starts_with(sb.buf, "gl:")) {
		const char *repo = sb.buf + 3;
		char *rest = xstrdup(repo);

		if (!strchr(repo, '/') || *repo == '/' || *repo == '-') {
			free(rest);
			strbuf_release(&sb);
			return src_error(d, EXIT_USAGE, src, "expected "
					 "gh:OWNER/REPO or gl:OWNER/REPO");
		}
		i = sb.buf[1] == 'h';
		strbuf_reset(&sb);
		strbuf_addf(&sb, "https://%s/%s", i ? "github.com" :
			    "gitlab.com", rest);
		free(rest);
	}
	for (i = 0; i < sb.len; i++)
		if ((unsigned char)sb.buf[i] <= ' ')
			break;
	if (i < sb.len || strlen(sb.buf) != sb.len) {
		strbuf_release(&sb);
		return src_error(d, EXIT_USAGE, src, "a URL holds no space or "
				 "control character");
	}
	if (dot_segment(sb.buf)) {
		strbuf_release(&sb);
		return src_error(d, EXIT_USAGE, src, "a URL holds no '.' or "
				 "'..' path segment");
	}
	s->url = strbuf_detach(&sb, NULL);
	return 0;
}

/* The cache key: the URL without a trailing '/' or ".git". */
static char *
cache_key(const char *url)
{
	size_t n = strlen(url);
	char hex[65];

	while (n > 1 && url[n - 1] == '/')
		n--;
	if (n > 4 && !strncmp(url + n - 4, ".git", 4))
		n -= 4;
	sha256_hex(url, n, hex);
	hex[32] = '\0';
	return xstrdup(hex);
}

/* ---- running git ---- */

/* Passed through to git: finding programs, proxies, an ssh agent. */
static const char *const kept_vars[] = {
	"PATH", "HOME", "TMPDIR", "SSH_AUTH_SOCK", "http_proxy",
	"https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
	"ALL_PROXY", "all_proxy", "GIT_SSL_CAINFO", "SSL_CERT_FILE",
	"SSL_CERT_DIR",
};

/* Every variable git sees: kept_vars as they are, and the settings
 * that keep every configuration file, prompt and pager away. */
static void
git_env(struct strlist *env, const char *index)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kept_vars); i++) {
		const char *v = getenv(kept_vars[i]);

		if (!v)
			continue;
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s=%s", kept_vars[i], v);
		strlist_push(env, sb.buf);
	}
	strlist_push(env, "GIT_CONFIG_NOSYSTEM=1");
	strlist_push(env, "GIT_CONFIG_GLOBAL=/dev/null");
	strlist_push(env, "GIT_TERMINAL_PROMPT=0");
	strlist_push(env, "GIT_SSH_COMMAND=ssh -o BatchMode=yes");
	strlist_push(env, "GIT_PAGER=cat");
	strlist_push(env, "LC_ALL=C");
	if (index) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "GIT_INDEX_FILE=%s", index);
		strlist_push(env, sb.buf);
	}
	strbuf_release(&sb);
}

static int
slurp(FILE *fp, struct strbuf *sb)
{
	char buf[8192];
	size_t n;

	if (fseek(fp, 0, SEEK_SET))
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		if (sb->len + n > GIT_OUTPUT_MAX)
			return -1;
		strbuf_add(sb, buf, n);
	}
	return ferror(fp) ? -1 : 0;
}

struct git_run {
	const char *repo;		/* --git-dir, or NULL */
	const char *worktree;		/* --work-tree, or NULL */
	const char *index;		/* GIT_INDEX_FILE, or NULL */
	int file_ok;			/* the URL is file:// */
	struct strbuf out, err;
};

/*
 * git ARGS..., with hooks off and only the protocols a source may
 * name; its stdout and stderr in r->out and r->err.  The exit status,
 * 127 when git cannot be run.
 */
static int
git(struct git_run *r, const char *const *args)
{
	struct strlist argv = { NULL, 0, 0 }, env = { NULL, 0, 0 };
	struct strbuf sb = STRBUF_INIT;
	FILE *out = tmpfile(), *err = tmpfile();
	int status = 0, fd;
	pid_t pid = -1;

	strlist_push(&argv, "git");
	if (r->repo) {
		strbuf_addf(&sb, "--git-dir=%s", r->repo);
		strlist_push(&argv, sb.buf);
	}
	if (r->worktree) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "--work-tree=%s", r->worktree);
		strlist_push(&argv, sb.buf);
	}
	strlist_push(&argv, "-c");
	strlist_push(&argv, "core.hooksPath=/dev/null");
	strlist_push(&argv, "-c");
	strlist_push(&argv, "core.fsmonitor=false");
	strlist_push(&argv, "-c");
	strlist_push(&argv, "protocol.ext.allow=never");
	strlist_push(&argv, "-c");
	strlist_push(&argv, r->file_ok ? "protocol.file.allow=always" :
		     "protocol.file.allow=never");
	for (; *args; args++)
		strlist_push(&argv, *args);
	strlist_push(&argv, "");
	free(argv.v[argv.nr - 1]);
	argv.v[argv.nr - 1] = NULL;
	git_env(&env, r->index);
	strlist_push(&env, "");
	free(env.v[env.nr - 1]);
	env.v[env.nr - 1] = NULL;
	strbuf_reset(&r->out);
	strbuf_reset(&r->err);
	if (out && err) {
		fflush(stdout);
		fflush(stderr);
		pid = fork();
	}
	if (!pid) {
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fileno(out), 1) < 0 ||
		    dup2(fileno(err), 2) < 0)
			_exit(126);
		execvpe("git", argv.v, env.v);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid < 0)
		status = 127 << 8;
	if (out && slurp(out, &r->out))
		status = 126 << 8;
	if (err)
		slurp(err, &r->err);
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	strbuf_release(&sb);
	strlist_clear(&env);
	strlist_clear(&argv);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* git's first "fatal:" or "error:" line (else its last non-empty
 * line) of stderr, without that word, for a message. */
static const char *
git_said(struct git_run *r, int rc)
{
	char *line, *next, *last = NULL;

	if (rc == 127)
		return "git is not installed (it fetches git sources)";
	for (line = r->err.buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (starts_with(line, "fatal: "))
			return line + strlen("fatal: ");
		if (starts_with(line, "error: "))
			return line + strlen("error: ");
		if (*line)
			last = line;
	}
	if (last)
		return last;
	strbuf_reset(&r->err);
	strbuf_addf(&r->err, "git exited with status %d", rc);
	return r->err.buf;
}

/* ---- the cache ---- */

/*
 * The cache's directory khora/SUB below the user's cache base, opened
 * as userdir.h says (never through a link, ours or root's, nobody
 * else's to write), and made with create: 0; 1 when it is absent and
 * not to be made; -1 with an error when it is refused or cannot be
 * made.  A cache someone else could have put there (a link planted at
 * ~/.cache/khora) would hand khora their templates.
 */
static int
cache_subdir(const struct tmplsrc *s, const char *cache, const char *sub,
	     int create, struct diag *d)
{
	const char *const subs[] = { "khora", sub, NULL };
	struct strbuf why = STRBUF_INIT, where = STRBUF_INIT;
	/* cache is BASE/khora (datadir_user()) */
	char *base = xstrndup(cache, strlen(cache) - strlen("/khora"));
	int fd = userdir_open(base, subs, create, &why, &where), ret = 0;

	if (fd >= 0)
		close(fd);
	else if (!create && errno == ENOENT)
		ret = 1;
	else if (errno == EPERM)
		ret = src_error(d, EXIT_IO, s->given, "template cache "
				"directory '%s' refused: %s", where.buf,
				why.buf);
	else
		ret = src_error(d, EXIT_IO, s->given, "cannot make the cache "
				"directory '%s': %s", where.len ? where.buf :
				cache, why.len ? why.buf : strerror(errno));
	strbuf_release(&why);
	strbuf_release(&where);
	free(base);
	return ret;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISDIR(st.st_mode);
}

/* The bare repository of s->url in s->repo; with create, made (under a
 * temporary name, then renamed) when the cache has none. */
static int
ensure_repo(struct tmplsrc *s, struct git_run *r, int create,
	    struct diag *d)
{
	char *cache = tmplsrc_cache_dir(), *key = cache_key(s->url);
	struct strbuf dir = STRBUF_INIT, tmp = STRBUF_INIT;
	const char *init[] = { "init", "--bare", "-q", NULL, NULL };
	int ret = 0, rc;

	if (!cache) {
		free(key);
		return src_error(d, EXIT_IO, s->given, "no cache directory "
				 "(XDG_CACHE_HOME and HOME are unset or "
				 "relative)");
	}
	strbuf_addf(&dir, "%s/git", cache);
	if (!s->repo)
		s->repo = xstrfmt("%s/%s.git", dir.buf, key);
	rc = cache_subdir(s, cache, "git", create, d);
	if (rc < 0)
		ret = -1;
	if (rc || !create || is_dir(s->repo))
		goto out;
	strbuf_addf(&tmp, "%s/.tmp-%s.XXXXXX", dir.buf, key);
	if (!mkdtemp(tmp.buf)) {
		ret = src_error(d, EXIT_IO, s->given, "cannot write in the "
				"cache '%s': %s", dir.buf, strerror(errno));
		goto out;
	}
	init[3] = tmp.buf;
	rc = git(r, init);
	if (rc) {
		ret = src_error(d, EXIT_IO, s->given, "git init failed: %s",
				git_said(r, rc));
		remove_tree(AT_FDCWD, tmp.buf);
	} else if (rename(tmp.buf, s->repo) && !is_dir(s->repo)) {
		ret = src_error(d, EXIT_IO, s->given, "cannot write in the "
				"cache '%s': %s", dir.buf, strerror(errno));
		remove_tree(AT_FDCWD, tmp.buf);
	} else if (is_dir(tmp.buf)) {
		/* another khora made it first */
		remove_tree(AT_FDCWD, tmp.buf);
	}
out:
	strbuf_release(&dir);
	strbuf_release(&tmp);
	free(cache);
	free(key);
	return ret;
}

/* The commit rev names in the cache (into *sha), or -1. */
static int
have(struct git_run *r, const char *rev, char **sha)
{
	struct strbuf sb = STRBUF_INIT;
	const char *args[] = { "rev-parse", "--verify", "--quiet", "--end-of-"
			       "options", NULL, NULL };
	int rc;

	strbuf_addf(&sb, "%s^{commit}", rev);
	args[4] = sb.buf;
	rc = git(r, args);
	strbuf_release(&sb);
	if (rc || r->out.len < 40)
		return -1;
	*sha = xstrndup(r->out.buf, 40);
	return 0;
}

static int
is_hex(const char *s, size_t min)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return 0;
	return n >= min && n <= 64;
}

/* A ref as a user may ask for it: nothing git would read as an option,
 * a revision expression or a refspec. */
static int
check_ref(const char *ref)
{
	const char *p;

	if (!*ref || *ref == '-' || *ref == '/' || strlen(ref) > REF_MAX ||
	    strstr(ref, "..") || strstr(ref, "//") || strstr(ref, "@{"))
		return -1;
	for (p = ref; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._/+-", *p))
			return -1;
	return 0;
}

/* git ls-remote: the refs as (sha, name) pairs in refs. */
static int
ls_remote(struct tmplsrc *s, struct git_run *r, struct strlist *refs,
	  struct diag *d)
{
	const char *args[] = { "ls-remote", "--end-of-options", NULL, NULL };
	char *line, *next;
	int rc;

	args[2] = s->url;
	rc = git(r, args);
	if (rc)
		return src_error(d, EXIT_IO, s->given, "cannot fetch it: %s",
				 git_said(r, rc));
	for (line = r->out.buf; line && *line; line = next) {
		char *tab = strchr(line, '\t');

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!tab || tab - line < 40)
			continue;
		*tab = '\0';
		strlist_push(refs, line);
		strlist_push(refs, tab + 1);
	}
	return 0;
}

/* The version tags of refs, in the repository's khora-tags: what
 * status knows without the network.  Best effort. */
static void
save_tags(const struct tmplsrc *s, const struct strlist *refs)
{
	struct strbuf tags = STRBUF_INIT, path = STRBUF_INIT;
	size_t i;
	int fd;

	for (i = 0; i + 1 < refs->nr; i += 2) {
		const char *name = refs->v[i + 1];

		if (starts_with(name, "refs/tags/") && !strstr(name, "^{}") &&
		    tmplsrc_is_version(name + strlen("refs/tags/")))
			strbuf_addf(&tags, "%s\n", name +
				    strlen("refs/tags/"));
	}
	strbuf_addf(&path, "%s/%s", s->repo, TAGS_FILE);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		  O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write_all(fd, tags.buf, tags.len))
			unlink(path.buf);
		close(fd);
	}
	strbuf_release(&tags);
	strbuf_release(&path);
}

/* The sha of name in refs (a peeled tag's commit when listed). */
static const char *
find_ref(const struct strlist *refs, const char *name)
{
	struct strbuf peeled = STRBUF_INIT;
	const char *sha = NULL;
	size_t i;

	strbuf_addf(&peeled, "%s^{}", name);
	for (i = 0; i + 1 < refs->nr; i += 2) {
		if (!strcmp(refs->v[i + 1], peeled.buf))
			sha = refs->v[i];
		else if (!sha && !strcmp(refs->v[i + 1], name))
			sha = refs->v[i];
	}
	strbuf_release(&peeled);
	return sha;
}

/* The newest version tag among refs, or NULL. */
static const char *
newest_tag(const struct strlist *refs)
{
	const char *best = NULL, *t;
	size_t i;

	for (i = 0; i + 1 < refs->nr; i += 2) {
		if (!starts_with(refs->v[i + 1], "refs/tags/") ||
		    strstr(refs->v[i + 1], "^{}"))
			continue;
		t = refs->v[i + 1] + strlen("refs/tags/");
		if (tmplsrc_is_version(t) &&
		    (!best || tmplsrc_version_cmp(t, best) > 0))
			best = t;
	}
	return best;
}

/* git fetch of one refspec, shallow unless depth is 0. */
static int
fetch(struct tmplsrc *s, struct git_run *r, const char *refspec,
      int shallow, struct diag *d)
{
	const char *args[] = { "fetch", "-q", "--no-tags", "--depth=1",
			       "--end-of-options", NULL, NULL, NULL };
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (!shallow) {
		strbuf_addf(&sb, "%s/shallow", s->repo);
		args[3] = access(sb.buf, F_OK) ? "--quiet" : "--unshallow";
	}
	args[5] = s->url;
	args[6] = refspec;
	rc = git(r, args);
	strbuf_release(&sb);
	if (rc)
		return src_error(d, EXIT_IO, s->given, "cannot fetch it: %s",
				 git_said(r, rc));
	return 0;
}

/* The remote ref s->ref (or the newest tag, or HEAD) into s->commit. */
static int
resolve_remote(struct tmplsrc *s, struct git_run *r, struct diag *d)
{
	struct strlist refs = { NULL, 0, 0 };
	struct strbuf name = STRBUF_INIT, spec = STRBUF_INIT;
	int latest = !s->ref || !strcmp(s->ref, "latest"), ret = -1;
	const char *tag = NULL;

	r->repo = NULL;
	if (ls_remote(s, r, &refs, d))
		goto out;
	if (latest && (tag = newest_tag(&refs))) {
		strbuf_addf(&name, "refs/tags/%s", tag);
		s->tag = xstrdup(tag);
	} else if (latest) {
		strbuf_addstr(&name, "HEAD");
	} else {
		strbuf_addf(&name, "refs/tags/%s", s->ref);
		if (find_ref(&refs, name.buf)) {
			s->tag = xstrdup(s->ref);
		} else {
			strbuf_reset(&name);
			strbuf_addf(&name, "refs/heads/%s", s->ref);
		}
		if (!find_ref(&refs, name.buf) && !strcmp(s->ref, "HEAD")) {
			strbuf_reset(&name);
			strbuf_addstr(&name, "HEAD");
		}
	}
	if (!find_ref(&refs, name.buf) && (latest || !is_hex(s->ref, 7))) {
		src_error(d, EXIT_TEMPLATE, s->given, latest ? "the "
			  "repository is empty" : "no tag, branch or commit "
			  "'%s' in it", s->ref);
		goto out;
	}
	/* the repository is made once the remote answered with the ref */
	if (ensure_repo(s, r, 1, d))
		goto out;
	r->repo = s->repo;
	save_tags(s, &refs);
	if (!find_ref(&refs, name.buf)) {
		/* a commit no ref points at: the whole history */
		if (fetch(s, r, "+refs/heads/*:refs/khora/heads/*", 0, d) ||
		    fetch(s, r, "+refs/tags/*:refs/tags/*", 0, d))
			goto out;
		if (!have(r, s->ref, &s->commit)) {
			ret = 0;
			goto out;
		}
		src_error(d, EXIT_TEMPLATE, s->given, "no tag, branch or "
			  "commit '%s' in it", s->ref);
		goto out;
	}
	if (s->tag)
		strbuf_addf(&spec, "+%s:%s", name.buf, name.buf);
	else if (!strcmp(name.buf, "HEAD"))
		strbuf_addstr(&spec, "+HEAD:refs/khora/HEAD");
	else
		strbuf_addf(&spec, "+%s:refs/khora/heads/%s", name.buf,
			    s->ref);
	if (fetch(s, r, spec.buf, 1, d))
		goto out;
	if (have(r, strchr(spec.buf, ':') + 1, &s->commit)) {
		src_error(d, EXIT_IO, s->given, "git fetched no commit for "
			  "'%s'", name.buf);
		goto out;
	}
	ret = 0;
out:
	strlist_clear(&refs);
	strbuf_release(&name);
	strbuf_release(&spec);
	return ret;
}

/* s->commit's files in the cache's checkouts/COMMIT, made once. */
static int
checkout(struct tmplsrc *s, struct git_run *r, struct diag *d)
{
	char *cache = tmplsrc_cache_dir();
	struct strbuf dir = STRBUF_INIT, tmp = STRBUF_INIT;
	struct strbuf index = STRBUF_INIT;
	const char *args[] = { "read-tree", "--reset", "-u", NULL, NULL };
	int ret = 0, rc;

	if (!cache)
		return src_error(d, EXIT_IO, s->given, "no cache directory "
				 "(XDG_CACHE_HOME and HOME are unset or "
				 "relative)");
	strbuf_addf(&dir, "%s/checkouts", cache);
	s->dir = xstrfmt("%s/%s", dir.buf, s->commit);
	if (cache_subdir(s, cache, "checkouts", 1, d)) {
		ret = -1;
		goto out;
	}
	if (is_dir(s->dir))
		goto out;
	strbuf_addf(&tmp, "%s/.tmp-%.12s.XXXXXX", dir.buf, s->commit);
	if (!mkdtemp(tmp.buf)) {
		ret = src_error(d, EXIT_IO, s->given, "cannot write in the "
				"cache '%s': %s", dir.buf, strerror(errno));
		goto out;
	}
	strbuf_addf(&index, "%s.index", tmp.buf);
	r->worktree = tmp.buf;
	r->index = index.buf;
	args[3] = s->commit;
	rc = git(r, args);
	r->worktree = r->index = NULL;
	unlink(index.buf);
	if (rc)
		ret = src_error(d, EXIT_IO, s->given, "cannot check out "
				"commit %.12s: %s", s->commit,
				git_said(r, rc));
	else if (rename(tmp.buf, s->dir) && !is_dir(s->dir))
		ret = src_error(d, EXIT_IO, s->given, "cannot write in the "
				"cache '%s': %s", dir.buf, strerror(errno));
	if (is_dir(tmp.buf))
		remove_tree(AT_FDCWD, tmp.buf);
out:
	strbuf_release(&dir);
	strbuf_release(&tmp);
	strbuf_release(&index);
	free(cache);
	return ret;
}

static int
resolve_git(struct tmplsrc *s, const char *commit, struct diag *d)
{
	struct git_run r = { NULL, NULL, NULL, 0, STRBUF_INIT, STRBUF_INIT };
	struct strbuf sb = STRBUF_INIT;
	int ret = -1, latest = !s->ref || !strcmp(s->ref, "latest");

	r.file_ok = starts_with(s->url, "file://");
	if (*s->url == '-')
		return src_error(d, EXIT_USAGE, s->given, "a URL does not "
				 "start with '-'");
	if (s->ref && check_ref(s->ref)) {
		ret = src_error(d, EXIT_USAGE, s->given, "invalid ref '%s'",
				s->ref);
		goto out;
	}
	if (commit && !is_hex(commit, 40)) {
		ret = src_error(d, EXIT_CONFIG, s->given, "the recorded "
				"commit '%s' is no commit id", commit);
		goto out;
	}
	if (ensure_repo(s, &r, 0, d))
		goto out;
	r.repo = is_dir(s->repo) ? s->repo : NULL;
	/* offline first: a recorded commit, a tag or a commit id cached */
	if (r.repo && (!commit || have(&r, commit, &s->commit)) && !latest) {
		strbuf_addf(&sb, "refs/tags/%s", s->ref);
		if (!have(&r, sb.buf, &s->commit))
			s->tag = xstrdup(s->ref);
		else if (is_hex(s->ref, 7))
			have(&r, s->ref, &s->commit);
	}
	if (!s->commit && resolve_remote(s, &r, d))
		goto out;
	if (commit && strcmp(commit, s->commit)) {
		/* the ref moved since: the recorded commit, from history */
		free(s->commit);
		s->commit = NULL;
		free(s->tag);
		s->tag = NULL;
		if (fetch(s, &r, "+refs/heads/*:refs/khora/heads/*", 0, d) ||
		    fetch(s, &r, "+refs/tags/*:refs/tags/*", 0, d))
			goto out;
		if (have(&r, commit, &s->commit)) {
			ret = src_error(d, EXIT_TEMPLATE, s->given, "the "
					"recorded commit %.12s is not in it "
					"any more", commit);
			goto out;
		}
	}
	ret = checkout(s, &r, d);
out:
	strbuf_release(&sb);
	strbuf_release(&r.out);
	strbuf_release(&r.err);
	return ret;
}

/* s->dir/subdir, when it is a directory below s->dir, no symlink on
 * the way. */
static int
enter_subdir(struct tmplsrc *s, struct diag *d)
{
	int root, fd;
	char *full;

	if (!s->subdir)
		return 0;
	root = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = root < 0 ? -1 : confine_open(root, s->subdir, O_RDONLY |
					  O_DIRECTORY, 0);
	if (fd < 0) {
		int err = errno;

		if (root >= 0)
			close(root);
		return src_error(d, s->url ? EXIT_TEMPLATE : EXIT_CONFIG,
				 s->given, "cannot read subdirectory '%s': %s",
				 s->subdir, confine_strerror(err));
	}
	close(fd);
	close(root);
	full = xstrfmt("%s/%s", s->dir, s->subdir);
	free(s->dir);
	s->dir = full;
	return 0;
}

int
tmplsrc_resolve(struct tmplsrc *s, const char *src, const char *subdir,
		const char *ref, const char *commit, struct diag *d)
{
	struct stat st;
	int fd;

	memset(s, 0, sizeof(*s));
	s->given = xstrdup(src);
	s->ref = ref ? xstrdup(ref) : NULL;
	if (!tmplsrc_is_git(src)) {
		if (ref)
			return src_error(d, EXIT_USAGE, src, "--ref needs a "
					 "git source (a directory is used as "
					 "it is)");
		s->dir = xstrdup(src);
		if (subdir && check_subdir(subdir))
			return src_error(d, EXIT_USAGE, src, "subdirectory "
					 "'%s' is not a relative path inside "
					 "it", subdir);
		s->subdir = subdir ? xstrdup(subdir) : NULL;
		return enter_subdir(s, d);
	}
	if (parse_source(s, src, subdir, d) || resolve_git(s, commit, d) ||
	    enter_subdir(s, d))
		return -1;
	/* a checkout without a manifest is no template at all */
	fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && confine_lstat(fd, MANIFEST, &st)) {
		close(fd);
		return src_error(d, EXIT_TEMPLATE, src, "no %s in %s%s "
				 "(commit %.12s)", MANIFEST, s->subdir ?
				 s->subdir : "it", s->subdir ? "" : "",
				 s->commit);
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

int
tmplsrc_tags(const char *src, int do_fetch, struct strlist *out,
	     struct diag *d)
{
	struct tmplsrc s;
	struct git_run r = { NULL, NULL, NULL, 0, STRBUF_INIT, STRBUF_INIT };
	struct strlist refs = { NULL, 0, 0 };
	struct strbuf sb = STRBUF_INIT;
	char *line, *next;
	size_t i, j;
	int ret = -1;

	memset(&s, 0, sizeof(s));
	s.given = xstrdup(src);
	if (parse_source(&s, src, NULL, d) || ensure_repo(&s, &r, 0, d))
		goto out;
	r.file_ok = starts_with(s.url, "file://");
	if (do_fetch && (ls_remote(&s, &r, &refs, d) ||
			 ensure_repo(&s, &r, 1, d)))
		goto out;
	if (do_fetch)
		save_tags(&s, &refs);
	strbuf_addf(&sb, "%s/%s", s.repo, TAGS_FILE);
	r.out.len = 0;
	strbuf_reset(&r.out);
	if (strbuf_read_file_at(&r.out, AT_FDCWD, sb.buf, 0) < 0) {
		ret = 0;	/* never asked: nothing known */
		goto out;
	}
	for (line = r.out.buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (tmplsrc_is_version(line))
			strlist_push(out, line);
	}
	/* newest first; a few dozen tags */
	for (i = 1; i < out->nr; i++)
		for (j = i; j > 0 && tmplsrc_version_cmp(out->v[j - 1],
							 out->v[j]) < 0; j--) {
			char *t = out->v[j];

			out->v[j] = out->v[j - 1];
			out->v[j - 1] = t;
		}
	ret = 0;
out:
	strlist_clear(&refs);
	strbuf_release(&sb);
	strbuf_release(&r.out);
	strbuf_release(&r.err);
	tmplsrc_release(&s);
	return ret;
}

int
tmplsrc_newer(int rootfd, int do_fetch, struct strbuf *out, struct diag *d)
{
	struct strlist tags = { NULL, 0, 0 };
	struct strbuf text = STRBUF_INIT;
	const struct ynode *t, *src, *ver;
	struct ynode *tree = NULL;
	struct strbuf sink = STRBUF_INIT;
	struct diag quiet;
	int ret = 0;

	/* a broken khora.yaml is config_state()'s to report, not ours */
	memset(&quiet, 0, sizeof(quiet));
	quiet.capture = &sink;
	if (confine_read(rootfd, "khora.yaml", &text, 0) ||
	    ytree_parse_buf("khora.yaml", text.buf, text.len, &tree, &quiet,
			    EXIT_CONFIG))
		goto out;
	t = ymap_get(tree, "template");
	src = t && t->kind == Y_MAP ? ymap_get(t, "source") : NULL;
	ver = t && t->kind == Y_MAP ? ymap_get(t, "version") : NULL;
	if (!src || src->kind != Y_SCALAR || !tmplsrc_is_git(src->str) ||
	    !ver || ver->kind != Y_SCALAR || !tmplsrc_is_version(ver->str))
		goto out;
	/* a source that cannot be fetched is update's to report */
	if (tmplsrc_tags(src->str, 0, &tags, &quiet))
		goto out;
	if (do_fetch) {
		strlist_clear(&tags);
		if (tmplsrc_tags(src->str, 1, &tags, d)) {
			ret = -1;
			goto out;
		}
	}
	if (tags.nr && tmplsrc_version_cmp(tags.v[0], ver->str) > 0)
		strbuf_addf(out, "%s is out (this project has %s); 'khora "
			    "update --ref %s' moves to it", tags.v[0],
			    ver->str, tags.v[0]);
out:
	strbuf_release(&sink);
	strlist_clear(&tags);
	strbuf_release(&text);
	ynode_free(tree);
	return ret;
}

void
tmplsrc_release(struct tmplsrc *s)
{
	free(s->given);
	free(s->url);
	free(s->subdir);
	free(s->ref);
	free(s->commit);
	free(s->tag);
	free(s->dir);
	free(s->repo);
	memset(s, 0, sizeof(*s));
}
