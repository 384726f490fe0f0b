/* SPDX-License-Identifier: MIT */
/*
 * complete.h - what `khora __complete -- WORD..` answers, for the shell
 * completion scripts of cmd-completion.c to call on each TAB.
 *
 * The WORDs are the command line after "khora", the last one the word
 * being completed (possibly empty), as the user typed them.  The answer
 * is text: one candidate a line, each optionally followed by a tab and a
 * description, then one directive line that says what the shell does
 * with them:
 *   :words     offer the candidates (none: offer nothing)
 *   :nospace   the same, with no space after (a "key=" wanting a value)
 *   :files     the shell's own file name completion
 *   :dirs      the shell's own directory completion
 * With :files and :dirs, a word "--opt=VALUE" completes VALUE.
 *
 * Everything comes from the command table (options and their value
 * kinds from the option help, positional arguments from the usage
 * line), the catalog's sidecars (no plugin is loaded), the config schema
 * and the config and template manifest in effect, which are read as
 * YAML and nothing more.  It never fails and never reports: input it
 * cannot read gives no candidates.  A name read from a file is offered
 * only if it is made of [A-Za-z0-9_.+-], so that no byte of a hostile
 * file reaches the terminal as a control sequence.
 */
#ifndef COMPLETE_H
#define COMPLETE_H

#include <stddef.h>

struct strbuf;

/* Appends the answer for words[0..nr-1] (nr 0: an empty word) to out. */
void complete_words(const char *const *words, size_t nr,
		    struct strbuf *out);

#endif /* COMPLETE_H */
