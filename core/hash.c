/* SPDX-License-Identifier: MIT */
/*
 * hash.c - the string-keyed hash table of hash.h, with SipHash-2-4
 * (Aumasson and Bernstein, as the paper defines it) keyed from
 * getrandom(2), so that hostile keys cannot be chosen to collide.
 */
#include "compat.h"
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "hash.h"
#include "wrapper.h"

static uint64_t sip_k0, sip_k1;
static int sip_keyed;

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND							\
	do {								\
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0;			\
		v0 = ROTL(v0, 32);					\
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;			\
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;			\
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2;			\
		v2 = ROTL(v2, 32);					\
	} while (0)

static void
sip_key(void)
{
	uint64_t k[2];

	/* without entropy (a very old kernel, a seccomp filter) the table
	 * still works; only its defence against chosen keys weakens */
	if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
		k[0] = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		k[1] = (uint64_t)(uintptr_t)&sip_keyed ^ 0x9e3779b97f4a7c15u;
	}
	sip_k0 = k[0];
	sip_k1 = k[1];
	sip_keyed = 1;
}

static uint64_t
load64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t
hash_bytes(const void *s, size_t len)
{
	const unsigned char *p = s, *end;
	uint64_t v0, v1, v2, v3, m, b = (uint64_t)len << 56;
	size_t left = len & 7;

	if (!sip_keyed)
		sip_key();
	v0 = sip_k0 ^ 0x736f6d6570736575u;
	v1 = sip_k1 ^ 0x646f72616e646f6du;
	v2 = sip_k0 ^ 0x6c7967656e657261u;
	v3 = sip_k1 ^ 0x7465646279746573u;
	for (end = p + (len - left); p != end; p += 8) {
		m = load64(p);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	while (left--)
		b |= (uint64_t)p[left] << (8 * left);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The slot of key, or the empty slot where it would go. */
static struct hashmap_entry *
find(const struct hashmap *h, const char *key, size_t len, uint64_t hv)
{
	size_t mask = h->alloc - 1, i = (size_t)hv & mask;

	for (;; i = (i + 1) & mask) {
		struct hashmap_entry *e = &h->e[i];

		if (!e->key || (e->hash == hv && e->len == len &&
				!memcmp(e->key, key, len)))
			return e;
	}
}

static void
grow(struct hashmap *h)
{
	struct hashmap_entry *old = h->e;
	size_t i, n = h->alloc;

	h->alloc = n ? 2 * n : 16;
	h->e = xcalloc(h->alloc, sizeof(*h->e));
	for (i = 0; i < n; i++)
		if (old[i].key)
			*find(h, old[i].key, old[i].len, old[i].hash) = old[i];
	free(old);
}

void *
hashmap_get_len(const struct hashmap *h, const char *key, size_t len)
{
	if (!h->nr)
		return NULL;
	return find(h, key, len, hash_bytes(key, len))->val;
}

void *
hashmap_get(const struct hashmap *h, const char *key)
{
	return hashmap_get_len(h, key, strlen(key));
}

void *
hashmap_put_len(struct hashmap *h, const char *key, size_t len, void *val)
{
	uint64_t hv = hash_bytes(key, len);
	struct hashmap_entry *e;

	if (!val) {
		/* a broken invariant: NULL means "absent" to every caller */
		fprintf(stderr, "khora: BUG: hashmap_put of a NULL value\n");
		abort();
	}
	if (2 * (h->nr + 1) > h->alloc)
		grow(h);
	e = find(h, key, len, hv);
	if (e->key)
		return e->val;
	e->key = key;
	e->len = len;
	e->hash = hv;
	e->val = val;
	h->nr++;
	return NULL;
}

void *
hashmap_put(struct hashmap *h, const char *key, void *val)
{
	return hashmap_put_len(h, key, strlen(key), val);
}

void
hash_set_key(uint64_t k0, uint64_t k1)
{
	sip_k0 = k0;
	sip_k1 = k1;
	sip_keyed = 1;
}

void
hashmap_clear(struct hashmap *h)
{
	free(h->e);
	h->e = NULL;
	h->nr = 0;
	h->alloc = 0;
}
