/*
 * libFuzzer harness for what a person types as a second factor and what
 * lib/totp.h reads: a code checked by gh_totp_match, and base32 decoded
 * by gh_totp_unbase32 (then encoded back).
 *
 * Besides the sanitizers, it aborts when a result breaks the contract: a
 * matched step outside now-1 .. now+1 or at or below "after", a match for
 * anything but six digits, or base32 that does not round-trip.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "totp.h"

static const unsigned char key[] = "12345678901234567890";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	 bin[256], again[256];
	char		*s, b32[512];
	size_t		 n, m;
	int64_t		 now = 1700000000, after = 0, step;

	if (size > 400)
		return 0;
	s = dup_n(data, size);
	if (size > 0)
		after = now / 30 - 2 + (data[0] % 4);
	step = gh_totp_match(key, 20, s, now, after);
	if (step != 0 && (step < now / 30 - 1 || step > now / 30 + 1 ||
	    step <= after || strlen(s) != 6 || strspn(s, "0123456789") != 6))
		abort();
	if (gh_totp_unbase32(s, bin, sizeof(bin), &n) == 0) {
		gh_totp_base32(bin, n, b32, sizeof(b32));
		if (gh_totp_unbase32(b32, again, sizeof(again), &m) != 0 ||
		    m != n || memcmp(bin, again, n) != 0)
			abort();
	}
	free(s);
	return 0;
}
