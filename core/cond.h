/* SPDX-License-Identifier: MIT */
/*
 * cond.h - the conditions of a template manifest (`when:`).
 *
 *   expr   := and ("or" and)*
 *   and    := unary ("and" unary)*
 *   unary  := "not" unary | "(" expr ")" | test
 *   test   := NAME
 *           | NAME ("==" | "!=") VALUE
 *           | NAME ["not"] "in" ("[" VALUE ("," VALUE)* "]" | NAME)
 *   VALUE  := a bare word or a '...' / "..." string
 *
 * A bare NAME holds when its variable is active and its value is not
 * empty, "false", "0" or "no".  The right side of == and != is always a
 * literal (so "db == postgres" compares with the word); the right side
 * of "in" is a list literal or the name of a variable whose value is a
 * comma-separated list.  A condition is at most 1024 bytes and nests at
 * most 32 levels.  Errors name the manifest's file:line:col of the
 * offending token (exit code 5).  Nothing here allocates past the call.
 */
#ifndef COND_H
#define COND_H

#include "diag.h"
#include "ytree.h"

struct cond_var {
	const char *value;	/* NULL: not answered (yet) */
	int active;		/* its own when: holds */
};

/*
 * Looks up a variable: 0 and *out filled, or -1 when it is unknown (the
 * message then says so, suggesting one of cand[0..nr_cand)).
 */
typedef int cond_lookup_fn(void *data, const char *name,
			   struct cond_var *out);

struct cond_env {
	cond_lookup_fn *lookup;
	void *data;
	const char *const *cand;	/* names, for did-you-mean */
	size_t nr_cand;
	/* optional: why name is unknown, said instead of a guess */
	const char *(*explain)(void *data, const char *name);
};

/*
 * Parses and evaluates expr (the text of the scalar node `where`) into
 * *result (0 or 1).  Returns 0, or -1 with a diag (exit code 5).
 */
int cond_eval(const char *expr, const struct ynode *where,
	      const struct cond_env *env, int *result, struct diag *d);

#endif /* COND_H */
