/* Access tokens (Ed25519 JWS) and opaque tokens: lib/token.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <sodium.h>

#include "keys.h"
#include "token.h"

#define B64URL	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define ISS	"https://auth.example.test"
#define AUD	"default"
#define NOW	((int64_t)1700000000)
#define SUB	"0190c2a4-1111-7aaa-8bbb-123456789abc"
#define SID	"0190c2a4-2222-7aaa-8bbb-123456789abc"

static struct gh_keyring ring;		/* kid "k1" */
static struct gh_key other;		/* another key, also "k1" */

static int
group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	memset(&ring, 0, sizeof(ring));
	crypto_sign_keypair(ring.keys[0].pk, ring.keys[0].sk);
	ring.keys[0].has_sk = 1;
	strcpy(ring.keys[0].kid, "k1");
	ring.nkeys = 1;
	memset(&other, 0, sizeof(other));
	crypto_sign_keypair(other.pk, other.sk);
	other.has_sk = 1;
	strcpy(other.kid, "k1");
	return 0;
}

static void
fill_claims(struct gh_claims *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->iss, ISS);
	strcpy(c->aud, AUD);
	strcpy(c->sub, SUB);
	strcpy(c->sid, SID);
	strcpy(c->amr[0], "pwd");
	strcpy(c->amr[1], "otp");
	c->namr = 2;
	c->iat = NOW;
	c->exp = NOW + 900;
}

/* A token signed by the library with the ring's key. Owned. */
static char *
signed_token(const struct gh_claims *c)
{
	char	*tok = NULL;

	assert_int_equal(gh_token_sign(&ring.keys[0], c, &tok), GH_OK);
	assert_non_null(tok);
	return tok;
}

static char *
b64(const void *bin, size_t len)
{
	size_t	 n = sodium_base64_encoded_len(len, B64URL);
	char	*out = malloc(n);

	assert_non_null(out);
	sodium_bin2base64(out, n, bin, len, B64URL);
	return out;
}

/* header.payload of two JSON texts, without a signature. Owned. */
static char *
signing_input(const char *hdr, const char *payload)
{
	char	*h = b64(hdr, strlen(hdr)), *p = b64(payload, strlen(payload));
	size_t	 n = strlen(h) + strlen(p) + 2;
	char	*out = malloc(n);

	assert_non_null(out);
	snprintf(out, n, "%s.%s", h, p);
	free(h);
	free(p);
	return out;
}

static char *
join_sig(char *input, const unsigned char *sig, size_t siglen)
{
	char	*s = b64(sig, siglen);
	size_t	 n = strlen(input) + strlen(s) + 2;
	char	*out = malloc(n);

	assert_non_null(out);
	snprintf(out, n, "%s.%s", input, s);
	free(input);
	free(s);
	return out;
}

/* A hand-made EdDSA token over arbitrary header and payload. Owned. */
static char *
make_token(const char *hdr, const char *payload, const unsigned char *sk)
{
	char		*in = signing_input(hdr, payload);
	unsigned char	 sig[crypto_sign_BYTES];

	crypto_sign_detached(sig, NULL, (const unsigned char *)in, strlen(in),
	    sk);
	return join_sig(in, sig, sizeof(sig));
}

static char *
payload_json(const char *iss, const char *aud_json, int64_t iat, int64_t exp)
{
	char	*out;

	assert_true(asprintf(&out, "{\"iss\":\"%s\",\"sub\":\"" SUB "\","
	    "\"aud\":%s,\"exp\":%lld,\"iat\":%lld,\"sid\":\"" SID "\","
	    "\"amr\":[\"pwd\"]}", iss, aud_json, (long long)exp,
	    (long long)iat) > 0);
	return out;
}

#define HDR_OK	"{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"k1\"}"

static enum gh_token_err
verify(const char *tok, const char *aud, struct gh_claims *out)
{
	return gh_token_verify(&ring, tok, strlen(tok), ISS, aud, NOW, out);
}

/* ---- round trip ---------------------------------------------------- */

static void
test_round_trip(void **state)
{
	struct gh_claims	 in, out;
	char			*tok;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_OK);
	assert_string_equal(out.iss, ISS);
	assert_string_equal(out.aud, AUD);
	assert_string_equal(out.sub, SUB);
	assert_string_equal(out.sid, SID);
	assert_int_equal(out.namr, 2);
	assert_string_equal(out.amr[0], "pwd");
	assert_string_equal(out.amr[1], "otp");
	assert_int_equal(out.iat, NOW);
	assert_int_equal(out.exp, NOW + 900);
	free(tok);
}

/* ---- the active membership (docs/accounts.md) ----------------------- */

#define MID	"0190c2a4-3333-7aaa-8bbb-123456789abc"
#define AID	"0190c2a4-4444-7aaa-8bbb-123456789abc"

/* The payload of a token, parsed. Owned. */
static json_object *
payload_of(const char *tok)
{
	const char	*p = strchr(tok, '.') + 1;
	char		 pl[2048];
	size_t		 n;
	json_object	*o;

	assert_int_equal(sodium_base642bin((unsigned char *)pl,
	    sizeof(pl) - 1, p, (size_t)(strchr(p, '.') - p), NULL, &n, NULL,
	    B64URL), 0);
	pl[n] = '\0';
	o = json_tokener_parse(pl);
	assert_non_null(o);
	return o;
}

static void
test_membership_claims_round_trip(void **state)
{
	struct gh_claims	 in, out;
	json_object		*pl, *v;
	char			*tok;

	(void)state;
	fill_claims(&in);
	strcpy(in.active_membership, MID);
	strcpy(in.account_id, AID);
	tok = signed_token(&in);
	pl = payload_of(tok);
	assert_true(json_object_object_get_ex(pl, "active_membership", &v));
	assert_string_equal(json_object_get_string(v), MID);
	assert_true(json_object_object_get_ex(pl, "account_id", &v));
	assert_string_equal(json_object_get_string(v), AID);
	/* Never the role: it can change while the token lives. */
	assert_false(json_object_object_get_ex(pl, "role", NULL));
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_OK);
	assert_string_equal(out.active_membership, MID);
	assert_string_equal(out.account_id, AID);
	json_object_put(pl);
	free(tok);
}

static void
test_no_membership_no_claims(void **state)
{
	struct gh_claims	 in, out;
	json_object		*pl;
	char			*tok;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	pl = payload_of(tok);
	assert_false(json_object_object_get_ex(pl, "active_membership", NULL));
	assert_false(json_object_object_get_ex(pl, "account_id", NULL));
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_OK);
	assert_string_equal(out.active_membership, "");
	assert_string_equal(out.account_id, "");
	json_object_put(pl);
	free(tok);
}

/* A token without the claims (signed before they existed) still
 * verifies; one whose claims are not what we sign does not. */
static void
expect_membership_claims(const char *extra, enum gh_token_err want)
{
	struct gh_claims	 out;
	char			*pl, *tok;

	assert_true(asprintf(&pl, "{\"iss\":\"" ISS "\",\"sub\":\"" SUB
	    "\",\"aud\":\"" AUD "\",\"exp\":1700000900,\"iat\":1700000000,"
	    "\"sid\":\"" SID "\"%s}", extra) > 0);
	tok = make_token(HDR_OK, pl, ring.keys[0].sk);
	assert_int_equal(verify(tok, AUD, &out), want);
	free(tok);
	free(pl);
}

static void
test_membership_claims_checked(void **state)
{
	char	 big[128];

	(void)state;
	expect_membership_claims("", GH_TOKEN_OK);
	expect_membership_claims(",\"active_membership\":\"" MID "\"",
	    GH_TOKEN_OK);
	expect_membership_claims(",\"active_membership\":42",
	    GH_TOKEN_BAD_CLAIMS);
	expect_membership_claims(",\"active_membership\":null",
	    GH_TOKEN_BAD_CLAIMS);
	expect_membership_claims(",\"account_id\":\"\"", GH_TOKEN_BAD_CLAIMS);
	expect_membership_claims(",\"account_id\":[\"" AID "\"]",
	    GH_TOKEN_BAD_CLAIMS);
	memset(big, 'a', sizeof(big) - 1);
	big[0] = ',';
	memcpy(big + 1, "\"account_id\":\"", 14);
	big[sizeof(big) - 2] = '"';
	big[sizeof(big) - 1] = '\0';
	expect_membership_claims(big, GH_TOKEN_BAD_CLAIMS);
}

static void
test_token_has_three_base64url_parts(void **state)
{
	struct gh_claims	 in;
	char			*tok;
	size_t			 i, dots = 0;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	for (i = 0; tok[i] != '\0'; i++) {
		if (tok[i] == '.')
			dots++;
		else
			assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-_", tok[i]));
	}
	assert_int_equal(dots, 2);
	free(tok);
}

static void
test_token_header(void **state)
{
	struct gh_claims	 in;
	char			*tok, hdr[256];
	size_t			 n;
	json_object		*h, *v;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	assert_int_equal(sodium_base642bin((unsigned char *)hdr,
	    sizeof(hdr) - 1, tok, (size_t)(strchr(tok, '.') - tok), NULL, &n,
	    NULL, B64URL), 0);
	hdr[n] = '\0';
	h = json_tokener_parse(hdr);
	assert_non_null(h);
	assert_true(json_object_object_get_ex(h, "alg", &v));
	assert_string_equal(json_object_get_string(v), "EdDSA");
	assert_true(json_object_object_get_ex(h, "typ", &v));
	assert_string_equal(json_object_get_string(v), "JWT");
	assert_true(json_object_object_get_ex(h, "kid", &v));
	assert_string_equal(json_object_get_string(v), "k1");
	json_object_put(h);
	free(tok);
}

static void
test_sign_without_secret_key_fails(void **state)
{
	struct gh_claims	 in;
	struct gh_key		 k = ring.keys[0];
	char			*tok = (char *)"sentinel";

	(void)state;
	fill_claims(&in);
	k.has_sk = 0;
	assert_int_equal(gh_token_sign(&k, &in, &tok), GH_ECRYPTO);
	assert_null(tok);
}

static void
test_peek_kid(void **state)
{
	struct gh_claims	 in;
	char			*tok, kid[GH_KID_MAX + 1];

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	assert_int_equal(gh_token_peek_kid(tok, strlen(tok), kid, sizeof(kid)),
	    GH_TOKEN_OK);
	assert_string_equal(kid, "k1");
	free(tok);
}

static void
test_peek_kid_malformed(void **state)
{
	char	 kid[GH_KID_MAX + 1];

	(void)state;
	assert_int_equal(gh_token_peek_kid("abc.def", 7, kid, sizeof(kid)),
	    GH_TOKEN_MALFORMED);
	assert_int_equal(gh_token_peek_kid("", 0, kid, sizeof(kid)),
	    GH_TOKEN_MALFORMED);
}

/* ---- signature ----------------------------------------------------- */

static char
other_char(char c)
{
	return c == 'A' ? 'B' : 'A';
}

static void
test_tampered_payload(void **state)
{
	struct gh_claims	 in, out;
	char			*tok, *d1, *d2;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	d1 = strchr(tok, '.');
	d2 = strchr(d1 + 1, '.');
	d1[(d2 - d1) / 2] = other_char(d1[(d2 - d1) / 2]);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_SIGNATURE);
	assert_string_equal(out.sub, "");
	free(tok);
}

static void
test_tampered_signature(void **state)
{
	struct gh_claims	 in, out;
	char			*tok, *d2;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	d2 = strrchr(tok, '.');
	d2[20] = other_char(d2[20]);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_SIGNATURE);
	free(tok);
}

static void
test_truncated_signature(void **state)
{
	struct gh_claims	 in, out;
	char			*tok;
	size_t			 len;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	len = strlen(tok);
	/* 86 characters are 64 bytes; 84 are 63. */
	assert_int_equal(gh_token_verify(&ring, tok, len - 2, ISS, AUD, NOW,
	    &out), GH_TOKEN_MALFORMED);
	free(tok);
}

static void
test_other_key_same_kid(void **state)
{
	struct gh_claims	 in, out;
	char			*tok = NULL;

	(void)state;
	fill_claims(&in);
	assert_int_equal(gh_token_sign(&other, &in, &tok), GH_OK);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_SIGNATURE);
	free(tok);
}

static void
test_unknown_kid(void **state)
{
	struct gh_claims	 in, out;
	struct gh_key		 k = ring.keys[0];
	char			*tok = NULL;

	(void)state;
	fill_claims(&in);
	strcpy(k.kid, "k2");
	assert_int_equal(gh_token_sign(&k, &in, &tok), GH_OK);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_UNKNOWN_KID);
	free(tok);
}

static void
test_hand_made_token_verifies(void **state)
{
	struct gh_claims	 out;
	char			*pl = payload_json(ISS, "\"" AUD "\"", NOW,
				    NOW + 60);
	char			*tok = make_token(HDR_OK, pl,
				    ring.keys[0].sk);

	/* The helper itself is sound: the negative cases below differ from
	 * this one in one thing only. */
	(void)state;
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_OK);
	assert_string_equal(out.sub, SUB);
	free(tok);
	free(pl);
}

/* ---- algorithm confusion -------------------------------------------- */

static void
test_alg_none_empty_signature(void **state)
{
	struct gh_claims	 out;
	char			*pl = payload_json(ISS, "\"" AUD "\"", NOW,
				    NOW + 60);
	char			*in = signing_input("{\"alg\":\"none\","
				    "\"typ\":\"JWT\",\"kid\":\"k1\"}", pl);
	char			*tok;
	enum gh_token_err	 rc;

	(void)state;
	assert_true(asprintf(&tok, "%s.", in) > 0);
	rc = verify(tok, AUD, &out);
	assert_true(rc == GH_TOKEN_BAD_ALG || rc == GH_TOKEN_MALFORMED);
	assert_string_equal(out.sub, "");
	free(tok);
	free(in);
	free(pl);
}

static void
test_alg_none_with_signature(void **state)
{
	struct gh_claims	 out;
	char			*pl = payload_json(ISS, "\"" AUD "\"", NOW,
				    NOW + 60);
	char			*in = signing_input("{\"alg\":\"none\","
				    "\"typ\":\"JWT\",\"kid\":\"k1\"}", pl);
	unsigned char		 sig[crypto_sign_BYTES];
	char			*tok;
	enum gh_token_err	 rc;

	(void)state;
	/* Even a valid Ed25519 signature over the input must not help. */
	crypto_sign_detached(sig, NULL, (const unsigned char *)in, strlen(in),
	    ring.keys[0].sk);
	tok = join_sig(in, sig, sizeof(sig));
	rc = verify(tok, AUD, &out);
	assert_true(rc == GH_TOKEN_BAD_ALG || rc == GH_TOKEN_MALFORMED);
	free(tok);
	free(pl);
}

static void
test_alg_hs256_keyed_with_public_key(void **state)
{
	struct gh_claims	 out;
	char			*pl = payload_json(ISS, "\"" AUD "\"", NOW,
				    NOW + 60);
	char			*in = signing_input("{\"alg\":\"HS256\","
				    "\"typ\":\"JWT\",\"kid\":\"k1\"}", pl);
	unsigned char		 mac[crypto_auth_hmacsha256_BYTES];
	char			*tok;

	(void)state;
	crypto_auth_hmacsha256(mac, (const unsigned char *)in, strlen(in),
	    ring.keys[0].pk);
	tok = join_sig(in, mac, sizeof(mac));
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_ALG);
	assert_string_equal(out.sub, "");
	free(tok);
	free(pl);
}

static void
test_alg_case_variant_refused(void **state)
{
	struct gh_claims	 out;
	char			*pl = payload_json(ISS, "\"" AUD "\"", NOW,
				    NOW + 60);
	char			*tok = make_token("{\"alg\":\"eddsa\","
				    "\"typ\":\"JWT\",\"kid\":\"k1\"}", pl,
				    ring.keys[0].sk);

	(void)state;
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_ALG);
	free(tok);
	free(pl);
}

static void
test_alg_missing(void **state)
{
	struct gh_claims	 out;
	char			*pl = payload_json(ISS, "\"" AUD "\"", NOW,
				    NOW + 60);
	char			*tok = make_token("{\"typ\":\"JWT\","
				    "\"kid\":\"k1\"}", pl, ring.keys[0].sk);
	enum gh_token_err	 rc;

	(void)state;
	rc = verify(tok, AUD, &out);
	assert_true(rc == GH_TOKEN_BAD_ALG || rc == GH_TOKEN_MALFORMED);
	free(tok);
	free(pl);
}

static void
test_crit_header_refused(void **state)
{
	struct gh_claims	 out;
	char			*pl = payload_json(ISS, "\"" AUD "\"", NOW,
				    NOW + 60);
	char			*tok = make_token("{\"alg\":\"EdDSA\","
				    "\"typ\":\"JWT\",\"kid\":\"k1\","
				    "\"crit\":[\"exp\"]}", pl, ring.keys[0].sk);

	(void)state;
	assert_int_not_equal(verify(tok, AUD, &out), GH_TOKEN_OK);
	assert_string_equal(out.sub, "");
	free(tok);
	free(pl);
}

/* ---- claims -------------------------------------------------------- */

static void
test_expired_at_now(void **state)
{
	struct gh_claims	 in, out;
	char			*tok;

	(void)state;
	fill_claims(&in);
	in.iat = NOW - 900;
	in.exp = NOW;
	tok = signed_token(&in);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_EXPIRED);
	free(tok);
}

static void
test_expired_in_past(void **state)
{
	struct gh_claims	 in, out;
	char			*tok;

	(void)state;
	fill_claims(&in);
	in.iat = NOW - 7200;
	in.exp = NOW - 3600;
	tok = signed_token(&in);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_EXPIRED);
	free(tok);
}

static void
test_expires_one_second_later_ok(void **state)
{
	struct gh_claims	 in, out;
	char			*tok;

	(void)state;
	fill_claims(&in);
	in.exp = NOW + 1;
	tok = signed_token(&in);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_OK);
	free(tok);
}

static void
test_wrong_issuer(void **state)
{
	struct gh_claims	 in, out;
	char			*tok;

	(void)state;
	fill_claims(&in);
	strcpy(in.iss, "https://evil.example.test");
	tok = signed_token(&in);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_CLAIMS);
	free(tok);
}

static void
test_issuer_prefix_is_not_enough(void **state)
{
	struct gh_claims	 in, out;
	char			*tok;

	(void)state;
	fill_claims(&in);
	strcpy(in.iss, ISS ".evil");
	tok = signed_token(&in);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_CLAIMS);
	free(tok);
}

static void
test_wrong_audience(void **state)
{
	struct gh_claims	 in, out;
	char			*tok;

	(void)state;
	fill_claims(&in);
	strcpy(in.aud, "other-app");
	tok = signed_token(&in);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_CLAIMS);
	free(tok);
}

static void
test_null_audience_accepts_and_copies(void **state)
{
	struct gh_claims	 in, out;
	char			*tok;

	(void)state;
	fill_claims(&in);
	strcpy(in.aud, "some-app");
	tok = signed_token(&in);
	assert_int_equal(verify(tok, NULL, &out), GH_TOKEN_OK);
	assert_string_equal(out.aud, "some-app");
	free(tok);
}

static void
test_audience_array_containing_ours(void **state)
{
	struct gh_claims	 out;
	char			*pl = payload_json(ISS, "[\"x\",\"" AUD "\"]",
				    NOW, NOW + 60);
	char			*tok = make_token(HDR_OK, pl,
				    ring.keys[0].sk);

	(void)state;
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_OK);
	assert_string_equal(out.aud, AUD);
	free(tok);
	free(pl);
}

static void
test_audience_array_without_ours(void **state)
{
	struct gh_claims	 out;
	char			*pl = payload_json(ISS, "[\"x\",\"y\"]", NOW,
				    NOW + 60);
	char			*tok = make_token(HDR_OK, pl,
				    ring.keys[0].sk);

	(void)state;
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_CLAIMS);
	free(tok);
	free(pl);
}

static void
test_iat_far_in_future(void **state)
{
	struct gh_claims	 in, out;
	char			*tok;

	(void)state;
	fill_claims(&in);
	in.iat = NOW + 3600;
	in.exp = NOW + 7200;
	tok = signed_token(&in);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_CLAIMS);
	free(tok);
}

static void
test_iat_small_skew_ok(void **state)
{
	struct gh_claims	 in, out;
	char			*tok;

	(void)state;
	fill_claims(&in);
	in.iat = NOW + 30;
	tok = signed_token(&in);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_OK);
	free(tok);
}

static void
test_missing_sub(void **state)
{
	struct gh_claims	 out;
	char			*tok = make_token(HDR_OK, "{\"iss\":\"" ISS
				    "\",\"aud\":\"" AUD "\",\"exp\":1700000900,"
				    "\"iat\":1700000000,\"sid\":\"" SID "\"}",
				    ring.keys[0].sk);

	(void)state;
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_CLAIMS);
	free(tok);
}

static void
test_exp_not_integer(void **state)
{
	struct gh_claims	 out;
	char			*tok = make_token(HDR_OK, "{\"iss\":\"" ISS
				    "\",\"sub\":\"" SUB "\",\"aud\":\"" AUD
				    "\",\"exp\":\"1700000900\",\"iat\":"
				    "1700000000,\"sid\":\"" SID "\"}",
				    ring.keys[0].sk);

	(void)state;
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_CLAIMS);
	free(tok);
}

static void
test_oversized_sub_refused(void **state)
{
	struct gh_claims	 out;
	char			 sub[200], *pl, *tok;

	(void)state;
	memset(sub, 'a', sizeof(sub) - 1);
	sub[sizeof(sub) - 1] = '\0';
	assert_true(asprintf(&pl, "{\"iss\":\"" ISS "\",\"sub\":\"%s\","
	    "\"aud\":\"" AUD "\",\"exp\":1700000900,\"iat\":1700000000,"
	    "\"sid\":\"" SID "\"}", sub) > 0);
	tok = make_token(HDR_OK, pl, ring.keys[0].sk);
	assert_int_equal(verify(tok, AUD, &out), GH_TOKEN_BAD_CLAIMS);
	free(tok);
	free(pl);
}

/* ---- malformed ----------------------------------------------------- */

static void
expect_malformed(const char *tok, size_t len)
{
	struct gh_claims	 out;

	assert_int_equal(gh_token_verify(&ring, tok, len, ISS, AUD, NOW, &out),
	    GH_TOKEN_MALFORMED);
	assert_string_equal(out.sub, "");
}

static void
test_malformed_garbage(void **state)
{
	(void)state;
	expect_malformed("not a token", 11);
	expect_malformed("...", 3);
	expect_malformed("a.b.c", 5);
	expect_malformed("eyJ.eyJ.abc", 11);
	expect_malformed("\xff\xfe.\x01.\x02", 7);
}

static void
test_malformed_empty(void **state)
{
	(void)state;
	expect_malformed("", 0);
}

static void
test_malformed_two_parts(void **state)
{
	struct gh_claims	 in;
	char			*tok, *d2;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	d2 = strrchr(tok, '.');
	*d2 = '\0';
	expect_malformed(tok, strlen(tok));
	free(tok);
}

static void
test_malformed_four_parts(void **state)
{
	struct gh_claims	 in;
	char			*tok, *four;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	assert_true(asprintf(&four, "%s.AAAA", tok) > 0);
	expect_malformed(four, strlen(four));
	free(four);
	free(tok);
}

static void
test_malformed_empty_part(void **state)
{
	struct gh_claims	 in;
	char			*tok, *d1, *d2, *cut;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	d1 = strchr(tok, '.');
	d2 = strrchr(tok, '.');
	/* header..signature */
	assert_true(asprintf(&cut, "%.*s.%s", (int)(d1 - tok), tok, d2) > 0);
	expect_malformed(cut, strlen(cut));
	free(cut);
	free(tok);
}

static void
test_malformed_non_base64url_in_header(void **state)
{
	struct gh_claims	 in;
	char			*tok;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	tok[3] = '+';			/* standard base64, not base64url */
	expect_malformed(tok, strlen(tok));
	tok[3] = '*';
	expect_malformed(tok, strlen(tok));
	free(tok);
}

static void
test_malformed_non_base64url_in_payload(void **state)
{
	char		*in = signing_input(HDR_OK, "{\"iss\":\"" ISS "\"}");
	char		*d1 = strchr(in, '.'), *tok;
	unsigned char	 sig[crypto_sign_BYTES];

	/* Correctly signed, so only the payload's encoding is wrong. */
	(void)state;
	d1[3] = '+';
	crypto_sign_detached(sig, NULL, (const unsigned char *)in, strlen(in),
	    ring.keys[0].sk);
	tok = join_sig(in, sig, sizeof(sig));
	expect_malformed(tok, strlen(tok));
	free(tok);
}

static void
test_malformed_non_base64url_in_signature(void **state)
{
	struct gh_claims	 in;
	char			*tok, *d2;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	d2 = strrchr(tok, '.');
	d2[5] = '/';
	expect_malformed(tok, strlen(tok));
	free(tok);
}

static void
test_malformed_padding_in_signature(void **state)
{
	struct gh_claims	 in;
	char			*tok, *pad;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	assert_true(asprintf(&pad, "%s==", tok) > 0);
	expect_malformed(pad, strlen(pad));
	free(pad);
	free(tok);
}

static void
test_malformed_padding_in_header(void **state)
{
	struct gh_claims	 in;
	char			*tok, *d1, *pad;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	d1 = strchr(tok, '.');
	assert_true(asprintf(&pad, "%.*s=%s", (int)(d1 - tok), tok, d1) > 0);
	expect_malformed(pad, strlen(pad));
	free(pad);
	free(tok);
}

static void
test_malformed_nul_inside(void **state)
{
	struct gh_claims	 in;
	char			*tok;
	size_t			 len;

	(void)state;
	fill_claims(&in);
	tok = signed_token(&in);
	len = strlen(tok);
	tok[len / 2] = '\0';
	expect_malformed(tok, len);
	free(tok);
}

static void
test_malformed_over_max_length(void **state)
{
	char	 pad[3200], *pl, *tok;

	/* Correctly signed and otherwise valid: only its length is wrong. */
	(void)state;
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	assert_true(asprintf(&pl, "{\"iss\":\"" ISS "\",\"sub\":\"" SUB "\","
	    "\"aud\":\"" AUD "\",\"exp\":1700000900,\"iat\":1700000000,"
	    "\"sid\":\"" SID "\",\"pad\":\"%s\"}", pad) > 0);
	tok = make_token(HDR_OK, pl, ring.keys[0].sk);
	assert_true(strlen(tok) > GH_JWT_MAX);
	expect_malformed(tok, strlen(tok));
	free(tok);
	free(pl);
}

static void
test_header_not_json(void **state)
{
	char	*tok = make_token("alg=EdDSA", "{}", ring.keys[0].sk);

	(void)state;
	expect_malformed(tok, strlen(tok));
	free(tok);
}

/* ---- opaque tokens ------------------------------------------------- */

static void
test_opaque_new_form_and_hash(void **state)
{
	char		 tok[GH_OPAQUE_LEN + 1];
	unsigned char	 h1[GH_TOKEN_HASH_BYTES], h2[GH_TOKEN_HASH_BYTES];
	size_t		 i;

	(void)state;
	assert_int_equal(gh_token_opaque_new(tok, h1), GH_OK);
	assert_int_equal(strlen(tok), GH_OPAQUE_LEN);
	assert_int_equal(GH_OPAQUE_LEN, 43);
	for (i = 0; i < GH_OPAQUE_LEN; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", tok[i]));
	assert_int_equal(gh_token_opaque_hash(tok, strlen(tok), h2), GH_OK);
	assert_memory_equal(h1, h2, sizeof(h1));
}

static void
test_opaque_two_differ(void **state)
{
	char		 a[GH_OPAQUE_LEN + 1], b[GH_OPAQUE_LEN + 1];
	unsigned char	 ha[GH_TOKEN_HASH_BYTES], hb[GH_TOKEN_HASH_BYTES];

	(void)state;
	assert_int_equal(gh_token_opaque_new(a, ha), GH_OK);
	assert_int_equal(gh_token_opaque_new(b, hb), GH_OK);
	assert_string_not_equal(a, b);
	assert_memory_not_equal(ha, hb, sizeof(ha));
}

static void
test_opaque_hash_wrong_length(void **state)
{
	char		 tok[GH_OPAQUE_LEN + 2];
	unsigned char	 h[GH_TOKEN_HASH_BYTES];

	(void)state;
	assert_int_equal(gh_token_opaque_new(tok, h), GH_OK);
	assert_int_equal(gh_token_opaque_hash(tok, GH_OPAQUE_LEN - 1, h),
	    GH_EINVAL);
	tok[GH_OPAQUE_LEN] = 'A';
	tok[GH_OPAQUE_LEN + 1] = '\0';
	assert_int_equal(gh_token_opaque_hash(tok, GH_OPAQUE_LEN + 1, h),
	    GH_EINVAL);
	assert_int_equal(gh_token_opaque_hash("", 0, h), GH_EINVAL);
}

static void
test_opaque_hash_bad_chars(void **state)
{
	char		 tok[GH_OPAQUE_LEN + 1];
	unsigned char	 h[GH_TOKEN_HASH_BYTES];
	const char	*bad = "+/=.* \n";
	size_t		 i;

	(void)state;
	for (i = 0; bad[i] != '\0'; i++) {
		assert_int_equal(gh_token_opaque_new(tok, h), GH_OK);
		tok[10] = bad[i];
		assert_int_equal(gh_token_opaque_hash(tok, GH_OPAQUE_LEN, h),
		    GH_EINVAL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_membership_claims_round_trip),
		cmocka_unit_test(test_no_membership_no_claims),
		cmocka_unit_test(test_membership_claims_checked),
		cmocka_unit_test(test_token_has_three_base64url_parts),
		cmocka_unit_test(test_token_header),
		cmocka_unit_test(test_sign_without_secret_key_fails),
		cmocka_unit_test(test_peek_kid),
		cmocka_unit_test(test_peek_kid_malformed),
		cmocka_unit_test(test_tampered_payload),
		cmocka_unit_test(test_tampered_signature),
		cmocka_unit_test(test_truncated_signature),
		cmocka_unit_test(test_other_key_same_kid),
		cmocka_unit_test(test_unknown_kid),
		cmocka_unit_test(test_hand_made_token_verifies),
		cmocka_unit_test(test_alg_none_empty_signature),
		cmocka_unit_test(test_alg_none_with_signature),
		cmocka_unit_test(test_alg_hs256_keyed_with_public_key),
		cmocka_unit_test(test_alg_case_variant_refused),
		cmocka_unit_test(test_alg_missing),
		cmocka_unit_test(test_crit_header_refused),
		cmocka_unit_test(test_expired_at_now),
		cmocka_unit_test(test_expired_in_past),
		cmocka_unit_test(test_expires_one_second_later_ok),
		cmocka_unit_test(test_wrong_issuer),
		cmocka_unit_test(test_issuer_prefix_is_not_enough),
		cmocka_unit_test(test_wrong_audience),
		cmocka_unit_test(test_null_audience_accepts_and_copies),
		cmocka_unit_test(test_audience_array_containing_ours),
		cmocka_unit_test(test_audience_array_without_ours),
		cmocka_unit_test(test_iat_far_in_future),
		cmocka_unit_test(test_iat_small_skew_ok),
		cmocka_unit_test(test_missing_sub),
		cmocka_unit_test(test_exp_not_integer),
		cmocka_unit_test(test_oversized_sub_refused),
		cmocka_unit_test(test_malformed_garbage),
		cmocka_unit_test(test_malformed_empty),
		cmocka_unit_test(test_malformed_two_parts),
		cmocka_unit_test(test_malformed_four_parts),
		cmocka_unit_test(test_malformed_empty_part),
		cmocka_unit_test(test_malformed_non_base64url_in_header),
		cmocka_unit_test(test_malformed_non_base64url_in_payload),
		cmocka_unit_test(test_malformed_non_base64url_in_signature),
		cmocka_unit_test(test_malformed_padding_in_signature),
		cmocka_unit_test(test_malformed_padding_in_header),
		cmocka_unit_test(test_malformed_nul_inside),
		cmocka_unit_test(test_malformed_over_max_length),
		cmocka_unit_test(test_header_not_json),
		cmocka_unit_test(test_opaque_new_form_and_hash),
		cmocka_unit_test(test_opaque_two_differ),
		cmocka_unit_test(test_opaque_hash_wrong_length),
		cmocka_unit_test(test_opaque_hash_bad_chars),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
