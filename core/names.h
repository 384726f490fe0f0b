/* SPDX-License-Identifier: MIT */
/*
 * names.h - package names a generated project must not take.  A package
 * named like a module of Python's standard library, a dependency the
 * generated project installs or a module it generates beside the
 * package is imported in its place (or hides it), and the generated
 * tests fail at collection: such a name is a config error.  Owns no
 * memory; the tables are static.
 */
#ifndef NAMES_H
#define NAMES_H

struct diag;
struct ynode;

/*
 * What pkg would shadow: NULL when nothing, else a static description
 * ("the Python standard library module", "the generated dependency",
 * "the generated module"), the name shadowed being pkg itself.
 */
const char *names_shadowed(const char *pkg);

/*
 * Reports a shadowing package name as a config error (exit 3) at n, the
 * project_name that pkg comes from, with an alternative to use; returns
 * -1 then, 0 when pkg shadows nothing.
 */
int names_check_package(struct diag *d, const struct ynode *n,
			const char *pkg);

#endif
