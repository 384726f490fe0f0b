/* SPDX-License-Identifier: MIT */
/*
 * diag.h - diagnostics: every error and warning khora prints goes
 * through here, so that each is one line, carries its provenance
 * (file:line:col, plugin, phase) and maps to a stable exit code.
 *
 * The first error decides the exit code (diag_exit_code()).  A diag
 * prints as it records: text "khora: [file:line:col: ]message" or, with
 * json set, one JSON object per line.  Messages are sanitised to one
 * line.
 */
#ifndef DIAG_H
#define DIAG_H

#include <stdarg.h>

enum khora_exit {
	EXIT_OK_ = 0,
	EXIT_INTERNAL = 1,
	EXIT_USAGE = 2,
	EXIT_CONFIG = 3,
	EXIT_PLUGIN = 4,
	EXIT_TEMPLATE = 5,
	EXIT_CONFLICT = 6,
	EXIT_IO = 7,
	EXIT_DIRTY = 8,		/* khora status: the project changed */
};

struct diag_loc {
	const char *file;
	unsigned line;		/* 1-based; 0 = unknown */
	unsigned col;		/* 1-based; 0 = unknown */
};

struct strbuf;

struct diag {
	struct strbuf *capture;	/* tests: collect lines here, not stderr */
	int json;		/* --error-format=json */
	int quiet_warnings;
	int demote;		/* report errors as warnings, keep no code */
	const char *phase;	/* borrowed; current pipeline phase */
	const char *plugin;	/* borrowed; plugin whose callback runs */
	int code;		/* exit code of the first error, 0 if none */
	unsigned nr_errors;
	unsigned nr_warnings;
	/*
	 * borrowed: a text khora edited in memory (add, remove: khora.yaml)
	 * under the name of the file it will replace; a message at a line
	 * of it quotes that line, which is not on disk yet
	 */
	const char *edited_file;
	const char *edited_text;
};

#define DIAG_INIT { NULL, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL, NULL }

/* Records and prints an error; returns -1. loc may be NULL. */
int diag_error(struct diag *d, int code, const struct diag_loc *loc,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int diag_verror(struct diag *d, int code, const struct diag_loc *loc,
		const char *fmt, va_list ap);
void diag_warn(struct diag *d, const struct diag_loc *loc,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_vwarn(struct diag *d, const struct diag_loc *loc,
		const char *fmt, va_list ap);
int diag_exit_code(const struct diag *d);
/* s appended to sb on one line: newline as \n, other controls \xNN. */
void diag_add_one_line(struct strbuf *sb, const char *s);

#endif /* DIAG_H */
