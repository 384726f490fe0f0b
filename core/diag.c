/* SPDX-License-Identifier: MIT */
/*
 * diag.c - one-line diagnostics in text or JSON, with provenance and the
 * exit code of the first error.
 */
#include "compat.h"
#include <unistd.h>
#include "diag.h"
#include "jsontext.h"
#include "progress.h"
#include "strbuf.h"

/* Control characters would break the one-line promise: show them. */
void
diag_add_one_line(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			strbuf_addstr(sb, "\\n");
		else if (c < 0x20 || c == 0x7f)
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addch(sb, c);
	}
}

static void
emit(struct diag *d, const char *severity, int code,
     const struct diag_loc *loc, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;

	if (d->json) {
		strbuf_addf(&sb, "{\"severity\":\"%s\",\"code\":%d",
			    severity, code);
		json_add_field(&sb, "message", msg);
		json_add_field(&sb, "file", loc ? loc->file : NULL);
		if (loc && loc->line)
			strbuf_addf(&sb, ",\"line\":%u,\"column\":%u",
				    loc->line, loc->col);
		else
			strbuf_addstr(&sb, ",\"line\":null,\"column\":null");
		json_add_field(&sb, "plugin", d->plugin);
		json_add_field(&sb, "phase", d->phase);
		strbuf_addstr(&sb, "}\n");
	} else {
		const char *nc = getenv("NO_COLOR");
		int colour = !d->capture && isatty(2) && !(nc && *nc);

		/* colour only on a terminal, never with NO_COLOR set */
		strbuf_addstr(&sb, colour ? (*severity == 'w' ?
			      "\033[1;33mkhora:\033[0m " :
			      "\033[1;31mkhora:\033[0m ") : "khora: ");
		if (*severity == 'w')
			strbuf_addstr(&sb, "warning: ");
		if (loc && loc->file) {
			diag_add_one_line(&sb, loc->file);
			/* a line-oriented file has no column to give */
			if (loc->line)
				strbuf_addf(&sb, ":%u", loc->line);
			if (loc->line && loc->col)
				strbuf_addf(&sb, ":%u", loc->col);
			strbuf_addstr(&sb, ": ");
		}
		diag_add_one_line(&sb, msg);
		strbuf_addch(&sb, '\n');
	}
	if (d->capture) {
		strbuf_add(d->capture, sb.buf, sb.len);
	} else {
		/* a message starts on a line of its own */
		progress_clear();
		fwrite(sb.buf, 1, sb.len, stderr);
		fflush(stderr);
	}
	strbuf_release(&sb);
}

/* A location in the edited text: quote the line, which is not on disk. */
static void
add_edited_line(const struct diag *d, const struct diag_loc *loc,
		struct strbuf *msg)
{
	const char *p = d->edited_text, *end;
	size_t len;
	unsigned n;

	if (!p || !loc || !loc->file || !loc->line || !d->edited_file ||
	    strcmp(loc->file, d->edited_file))
		return;
	for (n = 1; n < loc->line && p; n++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || !*p)
		return;
	end = strchr(p, '\n');
	len = end ? (size_t)(end - p) : strlen(p);
	strbuf_addf(msg, " (line %u as this command edits the file, not yet "
		    "on disk: '%.*s%s')", loc->line, (int)(len > 120 ? 120 :
							 len), p,
		    len > 120 ? "..." : "");
}

int
diag_verror(struct diag *d, int code, const struct diag_loc *loc,
	    const char *fmt, va_list ap)
{
	struct strbuf msg = STRBUF_INIT;

	strbuf_vaddf(&msg, fmt, ap);
	add_edited_line(d, loc, &msg);
	if (d->demote) {
		d->nr_warnings++;
		if (!d->quiet_warnings)
			emit(d, "warning", 0, loc, msg.buf);
		strbuf_release(&msg);
		return -1;
	}
	if (!d->code)
		d->code = code;
	/* Later errors are usually consequences of the first: one line. */
	if (!d->nr_errors++)
		emit(d, "error", code, loc, msg.buf);
	strbuf_release(&msg);
	return -1;
}

int
diag_error(struct diag *d, int code, const struct diag_loc *loc,
	   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_verror(d, code, loc, fmt, ap);
	va_end(ap);
	return -1;
}

void
diag_vwarn(struct diag *d, const struct diag_loc *loc, const char *fmt,
	   va_list ap)
{
	struct strbuf msg = STRBUF_INIT;

	d->nr_warnings++;
	strbuf_vaddf(&msg, fmt, ap);
	add_edited_line(d, loc, &msg);
	if (!d->quiet_warnings)
		emit(d, "warning", 0, loc, msg.buf);
	strbuf_release(&msg);
}

void
diag_warn(struct diag *d, const struct diag_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vwarn(d, loc, fmt, ap);
	va_end(ap);
}

int
diag_exit_code(const struct diag *d)
{
	return d->code;
}
