/* SPDX-License-Identifier: MIT */
/*
 * merge.c - line diffs (unified) and three-way merges (diff3), the
 * engine of `khora update`.
 *
 * Lines are interned to integers first, so that comparing two lines is
 * comparing two ints.  The longest common subsequence is found with
 * Hirschberg's algorithm after stripping the common prefix and suffix:
 * O(N*M) time on the part that differs (generated files differ in a few
 * lines, so that part is small) and O(N+M) memory whatever the sizes.
 */
#include "compat.h"
#include <stdint.h>
#include "merge.h"
#include "strbuf.h"
#include "wrapper.h"

struct lines {
	const char **ptr;
	size_t *len;
	long *id;
	long nr;
};

struct interner {
	struct { const char *p; size_t len; uint64_t h; long id; } *slot;
	size_t size, used;
};

static uint64_t
hash_line(const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (len--)
		h = (h ^ (unsigned char)*p++) * 1099511628211ull;
	return h;
}

static void
intern_grow(struct interner *in)
{
	struct interner big;
	size_t i;

	big.size = in->size ? in->size * 2 : 256;
	big.used = in->used;
	big.slot = xcalloc(big.size, sizeof(*big.slot));
	for (i = 0; i < in->size; i++) {
		size_t j;

		if (!in->slot[i].p)
			continue;
		for (j = in->slot[i].h & (big.size - 1); big.slot[j].p;
		     j = (j + 1) & (big.size - 1))
			;
		big.slot[j] = in->slot[i];
	}
	free(in->slot);
	*in = big;
}

static long
intern(struct interner *in, const char *p, size_t len)
{
	uint64_t h = hash_line(p, len);
	size_t j;

	if (2 * (in->used + 1) > in->size)
		intern_grow(in);
	for (j = h & (in->size - 1); in->slot[j].p;
	     j = (j + 1) & (in->size - 1))
		if (in->slot[j].h == h && in->slot[j].len == len &&
		    !memcmp(in->slot[j].p, p, len))
			return in->slot[j].id;
	in->slot[j].p = p;
	in->slot[j].len = len;
	in->slot[j].h = h;
	in->slot[j].id = (long)in->used++;
	return in->slot[j].id;
}

static void
split(struct lines *l, const char *t, size_t n, struct interner *in)
{
	size_t i, start = 0, alloc = 0;

	memset(l, 0, sizeof(*l));
	for (i = 0; i <= n; i++) {
		if (i < n && t[i] != '\n')
			continue;
		if (i == n && start == n)
			break;
		if ((size_t)l->nr == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			l->ptr = xrealloc(l->ptr, alloc * sizeof(*l->ptr));
			l->len = xrealloc(l->len, alloc * sizeof(*l->len));
			l->id = xrealloc(l->id, alloc * sizeof(*l->id));
		}
		l->ptr[l->nr] = t + start;
		l->len[l->nr] = i - start + (i < n);
		l->id[l->nr] = intern(in, t + start, l->len[l->nr]);
		l->nr++;
		start = i + 1;
	}
}

static void
lines_free(struct lines *l)
{
	free(l->ptr);
	free(l->len);
	free(l->id);
}

struct lcs {
	const long *a, *b;
	long *match;		/* per line of a: its line in b, or -1 */
	long *row1, *row2;	/* two rows of LCS lengths */
};

/*
 * row[j] = length of the LCS of a[a0..a1) and b[b0..b0+j), or with rev
 * of the same ranges read from their ends: b[b1-j..b1).
 */
static void
lcs_row(const struct lcs *c, long a0, long a1, long b0, long b1, int rev,
	long *row)
{
	long i, j, m = b1 - b0;

	for (j = 0; j <= m; j++)
		row[j] = 0;
	for (i = 0; i < a1 - a0; i++) {
		long ai = c->a[rev ? a1 - 1 - i : a0 + i], diag = 0;

		for (j = 1; j <= m; j++) {
			long up = row[j], v;

			if (ai == c->b[rev ? b1 - j : b0 + j - 1])
				v = diag + 1;
			else
				v = up > row[j - 1] ? up : row[j - 1];
			diag = up;
			row[j] = v;
		}
	}
}

static void
lcs_solve(struct lcs *c, long a0, long a1, long b0, long b1)
{
	long mid, j, best, split_at;

	while (a0 < a1 && b0 < b1 && c->a[a0] == c->b[b0])
		c->match[a0++] = b0++;
	while (a1 > a0 && b1 > b0 && c->a[a1 - 1] == c->b[b1 - 1])
		c->match[--a1] = --b1;
	if (a0 == a1 || b0 == b1)
		return;
	if (a1 - a0 == 1) {
		for (j = b0; j < b1; j++)
			if (c->a[a0] == c->b[j]) {
				c->match[a0] = j;
				break;
			}
		return;
	}
	mid = a0 + (a1 - a0) / 2;
	lcs_row(c, a0, mid, b0, b1, 0, c->row1);
	lcs_row(c, mid, a1, b0, b1, 1, c->row2);
	best = -1;
	split_at = b0;
	for (j = 0; j <= b1 - b0; j++)
		if (c->row1[j] + c->row2[b1 - b0 - j] > best) {
			best = c->row1[j] + c->row2[b1 - b0 - j];
			split_at = b0 + j;
		}
	lcs_solve(c, a0, mid, b0, split_at);
	lcs_solve(c, mid, a1, split_at, b1);
}

/* match[i]: the line of b that line i of a is kept as, or -1. */
static long *
diff_lines(const struct lines *a, const struct lines *b)
{
	struct lcs c;
	long i;

	c.a = a->id;
	c.b = b->id;
	c.match = xmalloc(((size_t)a->nr + 1) * sizeof(long));
	c.row1 = xmalloc(((size_t)b->nr + 1) * sizeof(long));
	c.row2 = xmalloc(((size_t)b->nr + 1) * sizeof(long));
	for (i = 0; i < a->nr; i++)
		c.match[i] = -1;
	lcs_solve(&c, 0, a->nr, 0, b->nr);
	free(c.row1);
	free(c.row2);
	return c.match;
}

static void
emit(struct strbuf *out, const struct lines *l, long from, long to)
{
	long i;

	for (i = from; i < to; i++)
		strbuf_add(out, l->ptr[i], l->len[i]);
}

/* Like emit(), but ends with a newline so that a marker can follow. */
static void
emit_nl(struct strbuf *out, const struct lines *l, long from, long to)
{
	emit(out, l, from, to);
	if (out->len && out->buf[out->len - 1] != '\n')
		strbuf_addch(out, '\n');
}

static int
same_range(const struct lines *x, long x0, long x1, const struct lines *y,
	   long y0, long y1)
{
	if (x1 - x0 != y1 - y0)
		return 0;
	while (x0 < x1)
		if (x->id[x0++] != y->id[y0++])
			return 0;
	return 1;
}

struct chunk {
	long o0, o1, a0, a1, b0, b1;
};

static int
resolve_chunk(const struct lines *o, const struct lines *a,
	      const struct lines *b, const struct chunk *k,
	      enum merge_favor favor, struct strbuf *out)
{
	if (same_range(o, k->o0, k->o1, a, k->a0, k->a1)) {
		emit(out, b, k->b0, k->b1);
		return 0;
	}
	if (same_range(o, k->o0, k->o1, b, k->b0, k->b1) ||
	    same_range(a, k->a0, k->a1, b, k->b0, k->b1)) {
		emit(out, a, k->a0, k->a1);
		return 0;
	}
	if (favor == MERGE_OURS) {
		emit(out, a, k->a0, k->a1);
	} else if (favor == MERGE_THEIRS) {
		emit(out, b, k->b0, k->b1);
	} else {
		if (out->len && out->buf[out->len - 1] != '\n')
			strbuf_addch(out, '\n');
		strbuf_addstr(out, MERGE_MARK_OURS "\n");
		emit_nl(out, a, k->a0, k->a1);
		strbuf_addstr(out, MERGE_MARK_SEP "\n");
		emit_nl(out, b, k->b0, k->b1);
		strbuf_addstr(out, MERGE_MARK_THEIRS "\n");
	}
	return 1;
}

/*
 * diff3's walk: take the longest run where base, ours and theirs all
 * match in step (stable), then the region up to the next base line
 * matched on both sides (unstable), and resolve it.
 */
static int
merge_walk(const struct lines *o, const struct lines *a,
	   const struct lines *b, const long *ma, const long *mb,
	   enum merge_favor favor, struct strbuf *out)
{
	long lo = 0, la = 0, lb = 0, i, j;
	int conflicts = 0;

	for (;;) {
		struct chunk k;

		for (i = 0; lo + i < o->nr && ma[lo + i] == la + i &&
		     mb[lo + i] == lb + i; i++)
			;
		if (i) {
			emit(out, o, lo, lo + i);
			lo += i;
			la += i;
			lb += i;
			continue;
		}
		for (j = lo; j < o->nr && (ma[j] < 0 || mb[j] < 0); j++)
			;
		k.o0 = lo;
		k.a0 = la;
		k.b0 = lb;
		k.o1 = j;
		k.a1 = j < o->nr ? ma[j] : a->nr;
		k.b1 = j < o->nr ? mb[j] : b->nr;
		if (k.o0 == k.o1 && k.a0 == k.a1 && k.b0 == k.b1)
			break;
		conflicts += resolve_chunk(o, a, b, &k, favor, out);
		lo = k.o1;
		la = k.a1;
		lb = k.b1;
	}
	return conflicts;
}

int
merge3(const char *base, size_t base_len, const char *ours,
       size_t ours_len, const char *theirs, size_t theirs_len,
       enum merge_favor favor, struct strbuf *out)
{
	struct interner in = { NULL, 0, 0 };
	struct lines o, a, b;
	long *ma, *mb;
	int conflicts;

	split(&o, base, base_len, &in);
	split(&a, ours, ours_len, &in);
	split(&b, theirs, theirs_len, &in);
	ma = diff_lines(&o, &a);
	mb = diff_lines(&o, &b);
	conflicts = merge_walk(&o, &a, &b, ma, mb, favor, out);
	free(ma);
	free(mb);
	lines_free(&o);
	lines_free(&a);
	lines_free(&b);
	free(in.slot);
	return conflicts;
}

/* ---- unified diff ---- */

enum { OP_EQ, OP_DEL, OP_ADD };

struct op {
	int type;
	long i, j;		/* line in a (EQ, DEL), line in b (EQ, ADD) */
};

static struct op *
edit_script(const struct lines *a, const struct lines *b, const long *m,
	    size_t *nr)
{
	struct op *ops = xmalloc(((size_t)a->nr + (size_t)b->nr + 1) *
				 sizeof(*ops));
	long i = 0, j = 0;

	*nr = 0;
	while (i < a->nr || j < b->nr) {
		struct op *op = &ops[(*nr)++];

		op->i = i;
		op->j = j;
		if (i < a->nr && m[i] == j) {
			op->type = OP_EQ;
			i++;
			j++;
		} else if (i < a->nr && m[i] < 0) {
			op->type = OP_DEL;
			i++;
		} else {
			op->type = OP_ADD;
			j++;
		}
	}
	return ops;
}

static void
udiff_line(struct strbuf *out, char sign, const struct lines *l, long i)
{
	strbuf_addch(out, sign);
	strbuf_add(out, l->ptr[i], l->len[i]);
	if (!l->len[i] || l->ptr[i][l->len[i] - 1] != '\n')
		strbuf_addstr(out, "\n\\ No newline at end of file\n");
}

static void
hunk_range(struct strbuf *out, char sign, long start, long count)
{
	strbuf_addf(out, "%c%ld", sign, count ? start + 1 : start);
	if (count != 1)
		strbuf_addf(out, ",%ld", count);
}

static void
udiff_hunk(struct strbuf *out, const struct op *ops, size_t from,
	   size_t to, const struct lines *a, const struct lines *b)
{
	long na = 0, nb = 0;
	size_t k;

	for (k = from; k < to; k++) {
		na += ops[k].type != OP_ADD;
		nb += ops[k].type != OP_DEL;
	}
	strbuf_addstr(out, "@@ ");
	hunk_range(out, '-', ops[from].i, na);
	strbuf_addch(out, ' ');
	hunk_range(out, '+', ops[from].j, nb);
	strbuf_addstr(out, " @@\n");
	for (k = from; k < to; k++)
		if (ops[k].type == OP_EQ)
			udiff_line(out, ' ', a, ops[k].i);
		else if (ops[k].type == OP_DEL)
			udiff_line(out, '-', a, ops[k].i);
		else
			udiff_line(out, '+', b, ops[k].j);
}

#define CONTEXT 3

static int
udiff_hunks(struct strbuf *out, const struct op *ops, size_t nr,
	    const struct lines *a, const struct lines *b)
{
	size_t k = 0, from, to, last;
	int hunks = 0;

	while (k < nr) {
		while (k < nr && ops[k].type == OP_EQ)
			k++;
		if (k == nr)
			break;
		from = k > CONTEXT ? k - CONTEXT : 0;
		/* extend over changes closer than 2 * CONTEXT lines */
		for (last = k; k < nr; k++) {
			if (ops[k].type != OP_EQ)
				last = k;
			else if (k - last > 2 * CONTEXT)
				break;
		}
		to = last + 1 + CONTEXT < nr ? last + 1 + CONTEXT : nr;
		udiff_hunk(out, ops, from, to, a, b);
		hunks++;
		k = to;
	}
	return hunks;
}

int
merge_udiff(const char *a_path, const char *a, size_t a_len,
	    const char *b_path, const char *b, size_t b_len,
	    struct strbuf *out)
{
	struct interner in = { NULL, 0, 0 };
	struct strbuf body = STRBUF_INIT;
	struct lines la, lb;
	struct op *ops;
	size_t nr;
	long *m;
	int hunks;

	split(&la, a, a_len, &in);
	split(&lb, b, b_len, &in);
	m = diff_lines(&la, &lb);
	ops = edit_script(&la, &lb, m, &nr);
	hunks = udiff_hunks(&body, ops, nr, &la, &lb);
	if (hunks) {
		if (a_path)
			strbuf_addf(out, "--- a/%s\n", a_path);
		else
			strbuf_addstr(out, "--- /dev/null\n");
		if (b_path)
			strbuf_addf(out, "+++ b/%s\n", b_path);
		else
			strbuf_addstr(out, "+++ /dev/null\n");
		strbuf_add(out, body.buf, body.len);
	}
	strbuf_release(&body);
	free(ops);
	free(m);
	lines_free(&la);
	lines_free(&lb);
	free(in.slot);
	return hunks;
}

int
merge_has_markers(const char *text, size_t len)
{
	static const char mark[] = MERGE_MARK_OURS;
	size_t n = sizeof(mark) - 1, i = 0;

	while (i + n <= len) {
		if (!memcmp(text + i, mark, n) &&
		    (i + n == len || text[i + n] == '\n'))
			return 1;
		while (i < len && text[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

static int
is_line(const char *p, size_t n, const char *mark)
{
	size_t m = strlen(mark);

	return n >= m && !memcmp(p, mark, m) && (n == m || p[m] == '\n');
}

int
merge_resolve_markers(const char *text, size_t len, enum merge_favor favor,
		      struct strbuf *out)
{
	struct strbuf ours = STRBUF_INIT, theirs = STRBUF_INIT;
	size_t i = 0, block = 0;
	int state = 0, n = 0;	/* 0 outside, 1 yours, 2 khora's */

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		const char *p = text + i;

		if (state == 0 && is_line(p, end - i, MERGE_MARK_OURS)) {
			state = 1;
			block = i;
			strbuf_reset(&ours);
			strbuf_reset(&theirs);
		} else if (state == 1 && is_line(p, end - i, MERGE_MARK_SEP)) {
			state = 2;
		} else if (state == 2 && is_line(p, end - i,
						 MERGE_MARK_THEIRS)) {
			struct strbuf *keep = favor == MERGE_THEIRS ? &theirs :
				&ours;

			strbuf_add(out, keep->buf, keep->len);
			state = 0;
			n++;
		} else if (state) {
			strbuf_add(state == 1 ? &ours : &theirs, p, end - i);
		} else {
			strbuf_add(out, p, end - i);
		}
		i = end;
	}
	if (state)	/* unclosed: keep the text as it was */
		strbuf_add(out, text + block, len - block);
	strbuf_release(&ours);
	strbuf_release(&theirs);
	return n;
}

int
merge_is_binary(const char *data, size_t len)
{
	return data && memchr(data, '\0', len < MERGE_BINARY_PROBE ? len :
			      MERGE_BINARY_PROBE) != NULL;
}
