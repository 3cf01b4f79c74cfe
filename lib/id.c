#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "id.h"

/*
 * RFC 9562 §6.2 method 1: a 12-bit counter in rand_a keeps ids of one
 * millisecond in order; it starts from a random value below 2048 so that a
 * burst still has room to count up.
 */
static uint64_t	 last_ms;
static uint16_t	 counter;

static void
format(char out[GH_ID_LEN + 1], const unsigned char b[16])
{
	static const char hex[] = "0123456789abcdef";
	size_t	 i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0xf];
	}
	out[o] = '\0';
}

void
gh_id_new_at(char out[GH_ID_LEN + 1], uint64_t ms)
{
	unsigned char	 b[16];
	int		 i;

	randombytes_buf(b, sizeof(b));
	if (ms <= last_ms) {
		ms = last_ms;
		if (++counter > 0x0fff) {	/* counter spent: borrow a ms */
			ms = ++last_ms;
			counter = (uint16_t)(randombytes_uniform(2048));
		}
	} else {
		last_ms = ms;
		counter = (uint16_t)(randombytes_uniform(2048));
	}
	for (i = 5; i >= 0; i--) {
		b[i] = (unsigned char)(ms & 0xff);
		ms >>= 8;
	}
	b[6] = (unsigned char)(0x70 | ((counter >> 8) & 0x0f));
	b[7] = (unsigned char)(counter & 0xff);
	b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
	format(out, b);
	sodium_memzero(b, sizeof(b));
}

void
gh_id_new(char out[GH_ID_LEN + 1])
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	gh_id_new_at(out, (uint64_t)ts.tv_sec * 1000u +
	    (uint64_t)ts.tv_nsec / 1000000u);
}

int
gh_id_is_valid(const char *s)
{
	size_t	 i;

	if (s == NULL || strlen(s) != GH_ID_LEN)
		return 0;
	for (i = 0; i < GH_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}
