/*
 * libFuzzer harness for lib/token.c: JWT verification on raw input, the
 * kid peek and the opaque-token hash; and, so that claim parsing is
 * reached past the signature check, modes (chosen by the first byte) that
 * wrap the rest of the input into a properly signed token first.
 *
 *   mode 0: raw input only
 *   mode 1: rest = payload JSON, signed under the standard header
 *   mode 2: rest = header JSON NUL|LF payload JSON, both signed
 *   mode 3: rest = claim strings for gh_token_sign; the round trip through
 *           gh_token_verify must give them back
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys.h"
#include "token.h"

#define B64URL	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define ISS	"iss"
#define NOW	((int64_t)1700000000)

static const char std_header[] = "{\"alg\":\"EdDSA\",\"typ\":\"JWT\","
    "\"kid\":\"k1\"}";

static struct gh_keyring ring;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	memset(&ring, 0, sizeof(ring));
	memcpy(ring.keys[0].kid, "k1", 3);
	crypto_sign_keypair(ring.keys[0].pk, ring.keys[0].sk);
	ring.keys[0].has_sk = 1;
	ring.keys[0].created_at = NOW - 3600;
	/* A second, public-only key so the lookup walks the ring. */
	memcpy(ring.keys[1].kid, "k0", 3);
	{
		unsigned char sk[crypto_sign_SECRETKEYBYTES];

		crypto_sign_keypair(ring.keys[1].pk, sk);
		sodium_memzero(sk, sizeof(sk));
	}
	ring.keys[1].created_at = NOW - 86400;
	ring.nkeys = 2;
	ring.loaded_at = NOW;
	return 0;
}

static char *
b64(const unsigned char *bin, size_t len)
{
	size_t	 n = sodium_base64_encoded_len(len, B64URL);
	char	*out = malloc(n);

	if (out == NULL)
		abort();
	sodium_bin2base64(out, n, bin, len, B64URL);
	return out;
}

/* header.payload.signature, signed with the ring's first key. */
static char *
make_jwt(const unsigned char *hdr, size_t hlen, const unsigned char *pl,
    size_t plen, size_t *outlen)
{
	unsigned char	 sig[crypto_sign_BYTES];
	char		*h64 = b64(hdr, hlen), *p64 = b64(pl, plen), *s64, *tok;
	size_t		 hl = strlen(h64), pll = strlen(p64), sl, n;

	n = hl + 1 + pll + 1 + sodium_base64_encoded_len(sizeof(sig), B64URL);
	if ((tok = malloc(n)) == NULL)
		abort();
	memcpy(tok, h64, hl);
	tok[hl] = '.';
	memcpy(tok + hl + 1, p64, pll);
	crypto_sign_detached(sig, NULL, (const unsigned char *)tok,
	    hl + 1 + pll, ring.keys[0].sk);
	s64 = b64(sig, sizeof(sig));
	sl = strlen(s64);
	tok[hl + 1 + pll] = '.';
	memcpy(tok + hl + 1 + pll + 1, s64, sl + 1);
	*outlen = hl + 1 + pll + 1 + sl;
	free(h64);
	free(p64);
	free(s64);
	return tok;
}

static void
check_claims(const struct gh_claims *c)
{
	size_t	 i;

	if (memchr(c->iss, '\0', sizeof(c->iss)) == NULL ||
	    memchr(c->aud, '\0', sizeof(c->aud)) == NULL ||
	    memchr(c->sub, '\0', sizeof(c->sub)) == NULL ||
	    memchr(c->sid, '\0', sizeof(c->sid)) == NULL ||
	    memchr(c->active_membership, '\0',
	    sizeof(c->active_membership)) == NULL ||
	    memchr(c->account_id, '\0', sizeof(c->account_id)) == NULL ||
	    c->namr > sizeof(c->amr) / sizeof(c->amr[0]))
		abort();
	for (i = 0; i < c->namr; i++)
		if (memchr(c->amr[i], '\0', sizeof(c->amr[i])) == NULL)
			abort();
}

static void
verify_all(const char *jwt, size_t len)
{
	struct gh_claims	 claims;
	char			 kid[GH_KID_MAX + 1];
	enum gh_token_err	 rc;

	rc = gh_token_verify(&ring, jwt, len, ISS, NULL, NOW, &claims);
	check_claims(&claims);
	if (rc == GH_TOKEN_OK && (strcmp(claims.iss, ISS) != 0 ||
	    claims.exp <= NOW || claims.iat > NOW + 60 ||
	    claims.sub[0] == '\0' || claims.sid[0] == '\0' ||
	    claims.aud[0] == '\0'))
		abort();
	rc = gh_token_verify(&ring, jwt, len, ISS, "gatehouse", NOW, &claims);
	check_claims(&claims);
	if (rc == GH_TOKEN_OK && strcmp(claims.aud, "gatehouse") != 0)
		abort();
	if (gh_token_peek_kid(jwt, len, kid, sizeof(kid)) == GH_TOKEN_OK &&
	    (kid[0] == '\0' || strlen(kid) > GH_KID_MAX))
		abort();
	/* Tiny buffer: must refuse rather than overflow. */
	(void)gh_token_peek_kid(jwt, len, kid, 2);
}

/* Printable ASCII only, so json-c round-trips it exactly. */
static void
take_str(const uint8_t **p, const uint8_t *end, char *dst, size_t max)
{
	size_t	 n = 0, want;

	if (*p >= end) {
		dst[0] = '\0';
		return;
	}
	want = **p % max;
	(*p)++;
	while (n < want && *p < end) {
		dst[n++] = (char)(0x20 + **p % 95);
		(*p)++;
	}
	dst[n] = '\0';
}

static void
round_trip(const uint8_t *data, size_t size)
{
	const uint8_t		*p = data, *end = data + size;
	struct gh_claims	 in, out;
	char			*tok = NULL;
	size_t			 i;
	enum gh_token_err	 rc;

	memset(&in, 0, sizeof(in));
	memcpy(in.iss, ISS, sizeof(ISS));
	take_str(&p, end, in.aud, sizeof(in.aud));
	take_str(&p, end, in.sub, sizeof(in.sub));
	take_str(&p, end, in.sid, sizeof(in.sid));
	in.namr = p < end ? *p++ % 5 : 0;
	for (i = 0; i < in.namr; i++)
		take_str(&p, end, in.amr[i], sizeof(in.amr[i]));
	in.iat = NOW - (p < end ? *p++ : 0);
	in.exp = NOW + 1 + (p < end ? *p++ : 0) * 60;
	if (gh_token_sign(&ring.keys[0], &in, &tok) != GH_OK || tok == NULL)
		abort();
	rc = gh_token_verify(&ring, tok, strlen(tok), ISS, NULL, NOW, &out);
	check_claims(&out);
	if (in.aud[0] != '\0' && in.sub[0] != '\0' && in.sid[0] != '\0') {
		if (rc != GH_TOKEN_OK)
			abort();
		if (strcmp(in.aud, out.aud) != 0 ||
		    strcmp(in.sub, out.sub) != 0 ||
		    strcmp(in.sid, out.sid) != 0 || in.iat != out.iat ||
		    in.exp != out.exp)
			abort();
		/* Empty amr entries are dropped; the rest keep order. */
		{
			size_t	 j = 0;

			for (i = 0; i < in.namr; i++) {
				if (in.amr[i][0] == '\0')
					continue;
				if (j >= out.namr ||
				    strcmp(in.amr[i], out.amr[j]) != 0)
					abort();
				j++;
			}
			if (j != out.namr)
				abort();
		}
	} else if (rc != GH_TOKEN_BAD_CLAIMS)
		abort();
	verify_all(tok, strlen(tok));
	free(tok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*jwt = (const char *)data;
	unsigned char	 hash[GH_TOKEN_HASH_BYTES];
	const uint8_t	*rest, *sep;
	size_t		 rlen, len;
	char		*tok;

	verify_all(jwt, size);
	if (gh_token_opaque_hash(jwt, size, hash) == GH_OK &&
	    size != GH_OPAQUE_LEN)
		abort();

	if (size <= 2)
		return 0;
	rest = data + 1;
	rlen = size - 1;
	switch (data[0] % 4) {
	case 1:
		tok = make_jwt((const unsigned char *)std_header,
		    sizeof(std_header) - 1, rest, rlen, &len);
		verify_all(tok, len);
		free(tok);
		break;
	case 2:
		sep = memchr(rest, '\0', rlen);
		if (sep == NULL)
			sep = memchr(rest, '\n', rlen);
		if (sep == NULL)
			break;
		tok = make_jwt(rest, (size_t)(sep - rest), sep + 1,
		    rlen - (size_t)(sep - rest) - 1, &len);
		verify_all(tok, len);
		free(tok);
		break;
	case 3:
		round_trip(rest, rlen);
		break;
	default:
		break;
	}
	return 0;
}
