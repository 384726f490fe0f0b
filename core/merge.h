/* SPDX-License-Identifier: MIT */
/*
 * merge.h - line diffs and three-way merges of text, for `khora update`
 * (doc/khora-update.7).
 *
 * Texts are split into lines that keep their '\n' (the last one may lack
 * it).  Lines are matched with Myers' O(ND) algorithm in linear space;
 * the three-way merge is diff3's: the base is matched against both
 * sides, regions where all three agree are stable, and between them a
 * region changed on one side only takes that side, one changed the same
 * way on both takes it once, and one changed differently on both is a
 * conflict.  A conflict is written with git's markers
 *
 *   <<<<<<< yours
 *   ...your lines...
 *   =======
 *   ...khora's new lines...
 *   >>>>>>> khora
 *
 * or resolved for one side (MERGE_OURS keeps yours, MERGE_THEIRS takes
 * khora's).  Every function appends to a strbuf the caller owns.
 */
#ifndef MERGE_H
#define MERGE_H

#include <stddef.h>

struct strbuf;

enum merge_favor { MERGE_MARKERS, MERGE_OURS, MERGE_THEIRS };

#define MERGE_MARK_OURS "<<<<<<< yours"
#define MERGE_MARK_SEP "======="
#define MERGE_MARK_THEIRS ">>>>>>> khora"

/*
 * Merges ours and theirs, both derived from base, into out.  Returns the
 * number of conflicting regions (0: a clean merge); with MERGE_OURS or
 * MERGE_THEIRS the count is the same but out holds no markers.
 */
int merge3(const char *base, size_t base_len, const char *ours,
	   size_t ours_len, const char *theirs, size_t theirs_len,
	   enum merge_favor favor, struct strbuf *out);

/*
 * Appends a unified diff (3 lines of context) from a to b, headed
 * "--- a/PATH" / "+++ b/PATH" (or /dev/null when a_path or b_path is
 * NULL, for a created or deleted file).  Nothing when a equals b.
 * Returns the number of hunks.
 */
int merge_udiff(const char *a_path, const char *a, size_t a_len,
		const char *b_path, const char *b, size_t b_len,
		struct strbuf *out);

/*
 * Resolves the conflict blocks merge3() left in text for one side
 * (MERGE_OURS or MERGE_THEIRS) into out; a block without its closing
 * marker stays as it is.  Returns the number of blocks resolved.
 */
int merge_resolve_markers(const char *text, size_t len,
			  enum merge_favor favor, struct strbuf *out);

/*
 * Whether data is binary by git's rule, a NUL byte in its first 8000
 * bytes: such a file is never merged line by line.
 */
#define MERGE_BINARY_PROBE 8000
int merge_is_binary(const char *data, size_t len);

/* Whether text has a line that starts a conflict ("<<<<<<< yours"). */
int merge_has_markers(const char *text, size_t len);

#endif /* MERGE_H */
