/* SPDX-License-Identifier: MIT */
/*
 * wrapper.h - allocation that cannot fail (it dies on OOM, as git's
 * xmalloc does) and a few tiny string helpers used everywhere.
 * Invariant: none of these return NULL.
 */
#ifndef WRAPPER_H
#define WRAPPER_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow *arr (of *alloc elements of size elt) so that it holds nr + 1. */
#define ALLOC_GROW(arr, nr, alloc) do {					\
		if ((nr) + 1 > (alloc)) {				\
			(alloc) = (alloc) ? (alloc) * 2 : 8;		\
			(arr) = xrealloc((arr), (alloc) * sizeof(*(arr))); \
		}							\
	} while (0)

/* Levenshtein distance, capped: used for did-you-mean suggestions. */
size_t edit_distance(const char *a, const char *b);
/* The candidate closest to word, or NULL if none is close enough. */
const char *closest_match(const char *word, const char *const *cand,
			  size_t n);

/*
 * " (did you mean 'X'?)" for the candidate closest to word, or "" when
 * none is close: for the end of a message.  The text lives in a static
 * buffer until the next call, so use it in the call that prints it.
 */
const char *did_you_mean(const char *word, const char *const *cand,
			 size_t n);

int starts_with(const char *s, const char *prefix);
/* A C identifier: [A-Za-z_][A-Za-z0-9_]* (plugin and feature names). */
int is_identifier(const char *s);
/* All of buf written to fd (a short write resumed, EINTR retried): 0,
 * or -1 with errno set. */
int write_all(int fd, const char *buf, size_t len);

#endif /* WRAPPER_H */
