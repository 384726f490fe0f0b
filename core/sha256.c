/* SPDX-License-Identifier: MIT */
/*
 * sha256.c - SHA-256 as specified in FIPS 180-4.
 *
 * Every generated file is hashed for the lock file, so this is on the
 * hot path of `khora new` (it was 40% of the instructions of an
 * all-features run).  On x86-64 CPUs with the SHA extensions the
 * compression function uses them (chosen once, at run time, by CPUID);
 * elsewhere the portable code below runs.  The unit tests run both.
 */
#include "compat.h"
#include <pthread.h>
#include "sha256.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHANI_CODE 1
#endif

static const uint32_t k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static int use_shani = -1;	/* -1: not decided yet */
/* the first sha256_init() decides, whichever thread runs it */
static pthread_once_t decided = PTHREAD_ONCE_INIT;

static void
block_portable(uint32_t *state, const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^
			      (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = state[0]; b = state[1]; c = state[2]; d = state[3];
	e = state[4]; f = state[5]; g = state[6]; h = state[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
		     ((e & f) ^ (~e & g)) + k[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	state[0] += a; state[1] += b; state[2] += c; state[3] += d;
	state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

#ifdef HAVE_SHANI_CODE
/*
 * The same compression with the SHA-NI instructions: the state is kept
 * as ABEF/CDGH, each group of four rounds takes four message words.
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void
block_shani(uint32_t *state, const unsigned char *p)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
					    0x0405060700010203ULL);
	__m128i st0, st1, tmp, save0, save1, m[16];
	int g;

	tmp = _mm_loadu_si128((const __m128i *)&state[0]);
	st1 = _mm_loadu_si128((const __m128i *)&state[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);		/* CDAB */
	st1 = _mm_shuffle_epi32(st1, 0x1B);		/* EFGH */
	st0 = _mm_alignr_epi8(tmp, st1, 8);		/* ABEF */
	st1 = _mm_blend_epi16(st1, tmp, 0xF0);		/* CDGH */
	save0 = st0;
	save1 = st1;
	for (g = 0; g < 16; g++) {
		__m128i w;

		if (g < 4)
			m[g] = _mm_shuffle_epi8(_mm_loadu_si128(
				(const __m128i *)(p + 16 * g)), mask);
		else
			m[g] = _mm_sha256msg2_epu32(_mm_add_epi32(
				_mm_sha256msg1_epu32(m[g - 4], m[g - 3]),
				_mm_alignr_epi8(m[g - 1], m[g - 2], 4)),
				m[g - 1]);
		w = _mm_add_epi32(m[g], _mm_loadu_si128(
			(const __m128i *)&k[4 * g]));
		st1 = _mm_sha256rnds2_epu32(st1, st0, w);
		w = _mm_shuffle_epi32(w, 0x0E);
		st0 = _mm_sha256rnds2_epu32(st0, st1, w);
	}
	st0 = _mm_add_epi32(st0, save0);
	st1 = _mm_add_epi32(st1, save1);
	tmp = _mm_shuffle_epi32(st0, 0x1B);		/* FEBA */
	st1 = _mm_shuffle_epi32(st1, 0xB1);		/* DCHG */
	st0 = _mm_blend_epi16(tmp, st1, 0xF0);		/* DCBA */
	st1 = _mm_alignr_epi8(st1, tmp, 8);		/* HGFE */
	_mm_storeu_si128((__m128i *)&state[0], st0);
	_mm_storeu_si128((__m128i *)&state[4], st1);
}
#endif

void
sha256_set_portable(int portable)
{
	use_shani = 0;
#ifdef HAVE_SHANI_CODE
	if (!portable) {
		unsigned a, b, c, d;

		if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29)))
			use_shani = 1;
	}
#else
	(void)portable;
#endif
}

static void
decide(void)
{
	/* unless a test chose first */
	if (use_shani < 0)
		sha256_set_portable(0);
}

/* After a sha256_init(): use_shani is decided, and only read here. */
static void
block(struct sha256 *s, const unsigned char *p)
{
#ifdef HAVE_SHANI_CODE
	if (use_shani) {
		block_shani(s->h, p);
		return;
	}
#endif
	block_portable(s->h, p);
}

void
sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	pthread_once(&decided, decide);
	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->fill = 0;
}

void
sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->len += len;
	while (len) {
		size_t n = 64 - s->fill;

		/* whole blocks straight from the input, without a copy */
		if (!s->fill && len >= 64) {
			block(s, p);
			p += 64;
			len -= 64;
			continue;
		}

		if (n > len)
			n = len;
		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill == 64) {
			block(s, s->buf);
			s->fill = 0;
		}
	}
}

void
sha256_final(struct sha256 *s, unsigned char out[32])
{
	uint64_t bits = s->len * 8;
	unsigned char pad = 0x80, len[8];
	int i;

	static const unsigned char zeros[64];

	sha256_update(s, &pad, 1);
	sha256_update(s, zeros, (s->fill <= 56 ? 56 : 120) - s->fill);
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(s, len, 8);
	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

void
sha256_hex(const void *data, size_t len, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char out[32];
	struct sha256 s;
	int i;

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, out);
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[out[i] >> 4];
		hex[2 * i + 1] = digits[out[i] & 15];
	}
	hex[64] = '\0';
}
