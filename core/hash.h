/* SPDX-License-Identifier: MIT */
/*
 * hash.h - a string-keyed hash table, so that no lookup in a collection
 * that input can make large (the keys of a YAML mapping, the lock's
 * paths, a slot's items, the catalog) costs a scan of that collection.
 *
 * The keys come from files a hostile user may have written, so the hash
 * is SipHash-2-4 with a key drawn once per process from getrandom(2):
 * nobody can prepare keys that all land in one bucket and turn every
 * lookup back into a scan.  Nothing iterates a table, so the order that
 * key gives never shows in khora's output.
 *
 * A table borrows its keys (they must outlive it and not change) and
 * stores one non-NULL value per key.  Open addressing, linear probing,
 * at most half full.  hashmap_clear() frees the slots, not the keys or
 * values, and leaves the table empty and reusable.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

struct hashmap_entry {
	const char *key;	/* borrowed; NULL = empty slot */
	size_t len;
	uint64_t hash;
	void *val;
};

struct hashmap {
	size_t nr, alloc;	/* alloc is 0 or a power of two */
	struct hashmap_entry *e;
};

#define HASHMAP_INIT { 0, 0, NULL }

/* The keyed hash of len bytes at s. */
uint64_t hash_bytes(const void *s, size_t len);

/* The value stored under key (len bytes, not NUL-terminated), or NULL. */
void *hashmap_get_len(const struct hashmap *h, const char *key, size_t len);
void *hashmap_get(const struct hashmap *h, const char *key);
/*
 * Stores val (not NULL) under key unless the key is there already: NULL
 * when it was added, else the value already stored (left in place), so
 * that one call both checks for and records a duplicate.
 */
void *hashmap_put_len(struct hashmap *h, const char *key, size_t len,
		      void *val);
void *hashmap_put(struct hashmap *h, const char *key, void *val);
void hashmap_clear(struct hashmap *h);

/* Sets the SipHash key (instead of the random one): a test hook. */
void hash_set_key(uint64_t k0, uint64_t k1);

#endif /* HASH_H */
