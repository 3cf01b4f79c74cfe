/* Outside ID tokens: key sets, RS256/ES256/EdDSA verification and the
 * ES256 signer (lib/jose.h). Keys are made here; tokens are signed here,
 * apart from the library, except for the sign_es256 round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include "jose.h"

#define B64URL	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define PAYLOAD	"{\"iss\":\"https://accounts.example.test\"," \
		"\"sub\":\"110169484474386276334\",\"aud\":\"client-1\"," \
		"\"exp\":1700000900,\"nonce\":\"n-0S6_WzA2Mj\"}"
#define SUB	"110169484474386276334"

enum alg { RS, ES, ED };

static const char *const alg_names[] = { "RS256", "ES256", "EdDSA" };
static const char *const kids[] = { "r1", "e1", "o1" };

struct keys {
	EVP_PKEY	*rsa;
	EVP_PKEY	*ec;
	unsigned char	 ed_pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	 ed_sk[crypto_sign_SECRETKEYBYTES];
};

static struct keys	 ours;		/* in the set as r1, e1, o1 */
static struct keys	 others;	/* not in the set */
static struct gh_jwks	*set;

/* ---- helpers -------------------------------------------------------- */

static char *
b64(const void *bin, size_t len)
{
	size_t	 n = sodium_base64_encoded_len(len, B64URL);
	char	*out = malloc(n);

	assert_non_null(out);
	sodium_bin2base64(out, n, bin, len, B64URL);
	return out;
}

static void
add_b64(json_object *o, const char *name, const void *bin, size_t len)
{
	char	*s = b64(bin, len);

	json_object_object_add(o, name, json_object_new_string(s));
	free(s);
}

static void
add_str(json_object *o, const char *name, const char *s)
{
	json_object_object_add(o, name, json_object_new_string(s));
}

static size_t
bn_bytes(EVP_PKEY *pkey, const char *param, unsigned char *out, size_t sz)
{
	BIGNUM	*bn = NULL;
	int	 n;

	assert_int_equal(EVP_PKEY_get_bn_param(pkey, param, &bn), 1);
	assert_true((size_t)BN_num_bytes(bn) <= sz);
	n = BN_bn2bin(bn, out);
	BN_free(bn);
	return (size_t)n;
}

/* The JWK of an RSA key; kid may be NULL. Owned. */
static json_object *
jwk_rsa(EVP_PKEY *pkey, const char *kid)
{
	json_object	*o = json_object_new_object();
	unsigned char	 n[1024], e[16];
	size_t		 nlen, elen;

	nlen = bn_bytes(pkey, OSSL_PKEY_PARAM_RSA_N, n, sizeof(n));
	elen = bn_bytes(pkey, OSSL_PKEY_PARAM_RSA_E, e, sizeof(e));
	add_str(o, "kty", "RSA");
	if (kid != NULL)
		add_str(o, "kid", kid);
	add_str(o, "use", "sig");
	add_str(o, "alg", "RS256");
	add_b64(o, "n", n, nlen);
	add_b64(o, "e", e, elen);
	return o;
}

static void
ec_point(EVP_PKEY *pkey, unsigned char pt[65])
{
	size_t	 len;

	assert_int_equal(EVP_PKEY_get_octet_string_param(pkey,
	    OSSL_PKEY_PARAM_PUB_KEY, pt, 65, &len), 1);
	assert_int_equal(len, 65);
	assert_int_equal(pt[0], 0x04);
}

static json_object *
jwk_ec_xy(const unsigned char *x, const unsigned char *y, size_t len,
    const char *kid)
{
	json_object	*o = json_object_new_object();

	add_str(o, "kty", "EC");
	add_str(o, "crv", "P-256");
	if (kid != NULL)
		add_str(o, "kid", kid);
	add_b64(o, "x", x, len);
	add_b64(o, "y", y, len);
	return o;
}

static json_object *
jwk_ec(EVP_PKEY *pkey, const char *kid)
{
	unsigned char	 pt[65];

	ec_point(pkey, pt);
	return jwk_ec_xy(pt + 1, pt + 33, 32, kid);
}

static json_object *
jwk_ed(const unsigned char *pk, const char *kid)
{
	json_object	*o = json_object_new_object();

	add_str(o, "kty", "OKP");
	add_str(o, "crv", "Ed25519");
	if (kid != NULL)
		add_str(o, "kid", kid);
	add_str(o, "alg", "EdDSA");
	add_b64(o, "x", pk, crypto_sign_PUBLICKEYBYTES);
	return o;
}

/* {"keys":[...]} of the n JWKs (taking them over), serialized. Owned. */
static char *
jwks_doc(json_object **jwks, size_t n)
{
	json_object	*root = json_object_new_object();
	json_object	*arr = json_object_new_array();
	char		*doc;
	size_t		 i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, jwks[i]);
	json_object_object_add(root, "keys", arr);
	doc = strdup(json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN));
	assert_non_null(doc);
	json_object_put(root);
	return doc;
}

static enum gh_err
parse_jwks(json_object **jwks, size_t n, struct gh_jwks **out)
{
	char		*doc = jwks_doc(jwks, n);
	enum gh_err	 er = gh_jwks_parse(doc, strlen(doc), out);

	free(doc);
	return er;
}

/* How many keys a set of the n JWKs keeps. */
static size_t
kept(json_object **jwks, size_t n)
{
	struct gh_jwks	*s = NULL;
	size_t		 c;

	assert_int_equal(parse_jwks(jwks, n, &s), GH_OK);
	c = gh_jwks_count(s);
	gh_jwks_free(s);
	return c;
}

/* The JOSE signature of in under alg with k's key, into sig. */
static size_t
sign_raw(enum alg alg, const struct keys *k, const char *in,
    unsigned char *sig, size_t sigsz)
{
	EVP_MD_CTX		*md;
	EVP_PKEY		*pkey = alg == RS ? k->rsa : k->ec;
	unsigned char		 der[128];
	const unsigned char	*p = der;
	size_t			 len;
	ECDSA_SIG		*es;
	const BIGNUM		*r, *s;

	if (alg == ED) {
		assert_true(sigsz >= crypto_sign_BYTES);
		crypto_sign_detached(sig, NULL, (const unsigned char *)in,
		    strlen(in), k->ed_sk);
		return crypto_sign_BYTES;
	}
	md = EVP_MD_CTX_new();
	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL,
	    pkey, NULL), 1);
	if (alg == RS) {
		len = sigsz;
		assert_int_equal(EVP_DigestSign(md, sig, &len,
		    (const unsigned char *)in, strlen(in)), 1);
		EVP_MD_CTX_free(md);
		return len;
	}
	/* ES256: libcrypto gives DER, JOSE wants R || S (RFC 7518 §3.4). */
	len = sizeof(der);
	assert_int_equal(EVP_DigestSign(md, der, &len,
	    (const unsigned char *)in, strlen(in)), 1);
	EVP_MD_CTX_free(md);
	es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	assert_true(sigsz >= 64);
	assert_int_equal(BN_bn2binpad(r, sig, 32), 32);
	assert_int_equal(BN_bn2binpad(s, sig + 32, 32), 32);
	ECDSA_SIG_free(es);
	return 64;
}

/* b64(hdr).b64(payload), owned. */
static char *
signing_input(const char *hdr, const char *payload)
{
	char	*h = b64(hdr, strlen(hdr)), *p = b64(payload, strlen(payload));
	char	*out;

	assert_true(asprintf(&out, "%s.%s", h, p) > 0);
	free(h);
	free(p);
	return out;
}

static char *
join_sig(char *input, const unsigned char *sig, size_t siglen)
{
	char	*s = b64(sig, siglen), *out;

	assert_true(asprintf(&out, "%s.%s", input, s) > 0);
	free(input);
	free(s);
	return out;
}

/* A token over hdr and payload signed under alg with k's key. Owned. */
static char *
make_token(const char *hdr, const char *payload, enum alg alg,
    const struct keys *k)
{
	char		*in = signing_input(hdr, payload);
	unsigned char	 sig[1024];
	size_t		 n = sign_raw(alg, k, in, sig, sizeof(sig));

	return join_sig(in, sig, n);
}

/* The standard header for alg, kid as in the set. Owned. */
static char *
header(enum alg alg)
{
	char	*h;

	assert_true(asprintf(&h, "{\"alg\":\"%s\",\"kid\":\"%s\","
	    "\"typ\":\"JWT\"}", alg_names[alg], kids[alg]) > 0);
	return h;
}

static char *
good_token(enum alg alg)
{
	char	*h = header(alg), *tok = make_token(h, PAYLOAD, alg, &ours);

	free(h);
	return tok;
}

static enum gh_jose_err
verify_with(const struct gh_jwks *s, const char *tok, json_object **pl)
{
	return gh_jose_verify(s, tok, strlen(tok), pl);
}

/* Verifies against the set; a failure must leave no payload. */
static enum gh_jose_err
verify(const char *tok)
{
	json_object		*pl = (json_object *)&pl;
	enum gh_jose_err	 rc = verify_with(set, tok, &pl);

	if (rc != GH_JOSE_OK)
		assert_null(pl);
	json_object_put(pl);
	return rc;
}

static void
expect_payload(const struct gh_jwks *s, const char *tok)
{
	json_object	*pl = NULL, *sub;

	assert_int_equal(verify_with(s, tok, &pl), GH_JOSE_OK);
	assert_non_null(pl);
	assert_true(json_object_is_type(pl, json_type_object));
	assert_true(json_object_object_get_ex(pl, "sub", &sub));
	assert_string_equal(json_object_get_string(sub), SUB);
	json_object_put(pl);
}

static int
group_setup(void **state)
{
	json_object	*jwks[3];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	ours.rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ours.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	others.rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	others.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (ours.rsa == NULL || ours.ec == NULL || others.rsa == NULL ||
	    others.ec == NULL)
		return -1;
	crypto_sign_keypair(ours.ed_pk, ours.ed_sk);
	crypto_sign_keypair(others.ed_pk, others.ed_sk);
	jwks[0] = jwk_rsa(ours.rsa, kids[RS]);
	jwks[1] = jwk_ec(ours.ec, kids[ES]);
	jwks[2] = jwk_ed(ours.ed_pk, kids[ED]);
	if (parse_jwks(jwks, 3, &set) != GH_OK || gh_jwks_count(set) != 3)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	gh_jwks_free(set);
	EVP_PKEY_free(ours.rsa);
	EVP_PKEY_free(ours.ec);
	EVP_PKEY_free(others.rsa);
	EVP_PKEY_free(others.ec);
	sodium_memzero(&ours, sizeof(ours));
	sodium_memzero(&others, sizeof(others));
	return 0;
}

/* ---- each algorithm verifies --------------------------------------- */

static void
test_rs256_verifies(void **state)
{
	char	*tok = good_token(RS);

	(void)state;
	expect_payload(set, tok);
	free(tok);
}

static void
test_es256_verifies(void **state)
{
	char	*tok = good_token(ES);

	(void)state;
	expect_payload(set, tok);
	free(tok);
}

static void
test_eddsa_verifies(void **state)
{
	char	*tok = good_token(ED);

	(void)state;
	expect_payload(set, tok);
	free(tok);
}

/* ---- tampering ----------------------------------------------------- */

static void
test_flipped_signature_byte(void **state)
{
	enum alg	 a;
	char		*h, *in;
	unsigned char	 sig[1024];
	size_t		 n;

	(void)state;
	for (a = RS; a <= ED; a++) {
		h = header(a);
		in = signing_input(h, PAYLOAD);
		n = sign_raw(a, &ours, in, sig, sizeof(sig));
		sig[n / 2] ^= 0x01;
		in = join_sig(in, sig, n);
		assert_int_equal(verify(in), GH_JOSE_BAD_SIGNATURE);
		free(in);
		free(h);
	}
}

static void
test_flipped_payload_byte(void **state)
{
	enum alg	 a;
	char		*h, *in, *shown, *tok, *d2, *with;
	char		 pl[] = PAYLOAD;
	unsigned char	 sig[1024];
	size_t		 n;

	(void)state;
	for (a = RS; a <= ED; a++) {
		h = header(a);
		in = signing_input(h, PAYLOAD);
		n = sign_raw(a, &ours, in, sig, sizeof(sig));
		tok = join_sig(in, sig, n);
		/* Same signature, another subject: "...334" -> "...335". */
		strcpy(pl, PAYLOAD);
		*strstr(pl, "334\"") = '5';
		shown = signing_input(h, pl);
		d2 = strrchr(tok, '.');
		assert_true(asprintf(&with, "%s%s", shown, d2) > 0);
		assert_int_equal(verify(with), GH_JOSE_BAD_SIGNATURE);
		free(with);
		free(shown);
		free(tok);
		free(h);
	}
}

static void
test_other_key_same_kid(void **state)
{
	enum alg	 a;
	char		*h, *tok;

	(void)state;
	for (a = RS; a <= ED; a++) {
		h = header(a);
		tok = make_token(h, PAYLOAD, a, &others);
		assert_int_equal(verify(tok), GH_JOSE_BAD_SIGNATURE);
		free(tok);
		free(h);
	}
}

static void
test_unknown_kid(void **state)
{
	char	*tok = make_token("{\"alg\":\"RS256\",\"kid\":\"r2\"}",
		    PAYLOAD, RS, &ours);

	(void)state;
	assert_int_equal(verify(tok), GH_JOSE_UNKNOWN_KID);
	free(tok);
	/* A prefix of a kid in the set is another kid. */
	tok = make_token("{\"alg\":\"RS256\",\"kid\":\"r\"}", PAYLOAD, RS,
	    &ours);
	assert_int_equal(verify(tok), GH_JOSE_UNKNOWN_KID);
	free(tok);
}

/* ---- algorithm confusion ------------------------------------------- */

static void
test_alg_none(void **state)
{
	char		*in = signing_input("{\"alg\":\"none\",\"kid\":\"r1\"}",
			    PAYLOAD), *tok;
	unsigned char	 sig[1024];
	size_t		 n;

	(void)state;
	/* RFC 7515 §A.5: an unsecured JWS has an empty signature. */
	assert_true(asprintf(&tok, "%s.", in) > 0);
	assert_int_equal(verify(tok), GH_JOSE_MALFORMED);
	free(tok);
	/* With a real RS256 signature beside it, still not accepted. */
	n = sign_raw(RS, &ours, in, sig, sizeof(sig));
	tok = join_sig(in, sig, n);
	assert_int_equal(verify(tok), GH_JOSE_BAD_ALG);
	free(tok);
	tok = make_token("{\"alg\":\"None\"}", PAYLOAD, ED, &ours);
	assert_int_equal(verify(tok), GH_JOSE_BAD_ALG);
	free(tok);
}

static char *
hs256_token(const char *hdr, const unsigned char *secret, size_t len)
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];
	char				*in = signing_input(hdr, PAYLOAD);

	crypto_auth_hmacsha256_init(&st, secret, len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)in,
	    strlen(in));
	crypto_auth_hmacsha256_final(&st, mac);
	return join_sig(in, mac, sizeof(mac));
}

/* The classic confusion: HMAC keyed with the public RSA key, in the hope
 * that the verifier uses whatever alg the token names. */
static void
test_hs256_keyed_with_rsa_public_key(void **state)
{
	unsigned char	 n[1024];
	size_t		 nlen;
	BIO		*bio = BIO_new(BIO_s_mem());
	char		*pem, *tok;
	long		 pemlen;

	(void)state;
	nlen = bn_bytes(ours.rsa, OSSL_PKEY_PARAM_RSA_N, n, sizeof(n));
	tok = hs256_token("{\"alg\":\"HS256\",\"kid\":\"r1\"}", n, nlen);
	assert_int_equal(verify(tok), GH_JOSE_BAD_ALG);
	free(tok);
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PUBKEY(bio, ours.rsa), 1);
	pemlen = BIO_get_mem_data(bio, &pem);
	assert_true(pemlen > 0);
	tok = hs256_token("{\"alg\":\"HS256\",\"kid\":\"r1\"}",
	    (const unsigned char *)pem, (size_t)pemlen);
	assert_int_equal(verify(tok), GH_JOSE_BAD_ALG);
	free(tok);
	tok = hs256_token("{\"alg\":\"HS256\"}", (const unsigned char *)pem,
	    (size_t)pemlen);
	assert_int_equal(verify(tok), GH_JOSE_BAD_ALG);
	free(tok);
	BIO_free(bio);
}

static void
test_alg_case_and_lookalikes_refused(void **state)
{
	static const char *const hdrs[] = {
		"{\"alg\":\"rs256\",\"kid\":\"r1\"}",
		"{\"alg\":\"RS384\",\"kid\":\"r1\"}",
		"{\"alg\":\"PS256\",\"kid\":\"r1\"}",
		"{\"alg\":\"RS256 \",\"kid\":\"r1\"}",
		"{\"alg\":\"Ed25519\",\"kid\":\"o1\"}",
		"{\"alg\":\"RS256\\u0000\",\"kid\":\"r1\"}",
	};
	size_t	 i;
	char	*tok;

	(void)state;
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		tok = make_token(hdrs[i], PAYLOAD, RS, &ours);
		assert_int_equal(verify(tok), GH_JOSE_BAD_ALG);
		free(tok);
	}
}

static void
test_alg_missing_or_not_string(void **state)
{
	char	*tok = make_token("{\"kid\":\"r1\"}", PAYLOAD, RS, &ours);

	(void)state;
	assert_int_equal(verify(tok), GH_JOSE_MALFORMED);
	free(tok);
	tok = make_token("{\"alg\":[\"RS256\"],\"kid\":\"r1\"}", PAYLOAD, RS,
	    &ours);
	assert_int_equal(verify(tok), GH_JOSE_MALFORMED);
	free(tok);
}

/* An RS256 header naming the EC key, signed with the RSA key: the kid
 * must not pull in a key of another type, whatever the signature. */
static void
test_alg_kty_mismatch(void **state)
{
	char	*tok = make_token("{\"alg\":\"RS256\",\"kid\":\"e1\"}",
		    PAYLOAD, RS, &ours);

	(void)state;
	assert_int_equal(verify(tok), GH_JOSE_BAD_ALG);
	free(tok);
	tok = make_token("{\"alg\":\"ES256\",\"kid\":\"o1\"}", PAYLOAD, ES,
	    &ours);
	assert_int_equal(verify(tok), GH_JOSE_BAD_ALG);
	free(tok);
	tok = make_token("{\"alg\":\"EdDSA\",\"kid\":\"r1\"}", PAYLOAD, ED,
	    &ours);
	assert_int_equal(verify(tok), GH_JOSE_BAD_ALG);
	free(tok);
}

/* PS256 (RSASSA-PSS) under the RS256 name: another algorithm with the same
 * key, so its signature must not pass as PKCS#1 v1.5. */
static void
test_pss_signature_under_rs256(void **state)
{
	char		*h = header(RS), *in = signing_input(h, PAYLOAD), *tok;
	unsigned char	 sig[512];
	size_t		 len = sizeof(sig);
	EVP_MD_CTX	*md = EVP_MD_CTX_new();
	EVP_PKEY_CTX	*pctx = NULL;

	(void)state;
	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit_ex(md, &pctx, "SHA256", NULL, NULL,
	    ours.rsa, NULL), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx,
	    RSA_PKCS1_PSS_PADDING) > 0);
	assert_int_equal(EVP_DigestSign(md, sig, &len,
	    (const unsigned char *)in, strlen(in)), 1);
	EVP_MD_CTX_free(md);
	tok = join_sig(in, sig, len);
	assert_int_equal(verify(tok), GH_JOSE_BAD_SIGNATURE);
	free(tok);
	free(h);
}

static void
test_crit_refused(void **state)
{
	char	*tok = make_token("{\"alg\":\"EdDSA\",\"kid\":\"o1\","
		    "\"crit\":[\"exp\"],\"exp\":1}", PAYLOAD, ED, &ours);

	(void)state;
	assert_int_equal(verify(tok), GH_JOSE_MALFORMED);
	free(tok);
}

/* A key carried by the token itself is never trusted. */
static void
test_embedded_jwk_ignored(void **state)
{
	json_object	*jwk = jwk_ed(others.ed_pk, NULL);
	char		*h, *tok;

	(void)state;
	assert_true(asprintf(&h, "{\"alg\":\"EdDSA\",\"kid\":\"o1\","
	    "\"jwk\":%s}", json_object_to_json_string_ext(jwk,
	    JSON_C_TO_STRING_PLAIN)) > 0);
	tok = make_token(h, PAYLOAD, ED, &others);
	assert_int_equal(verify(tok), GH_JOSE_BAD_SIGNATURE);
	free(tok);
	free(h);
	json_object_put(jwk);
}

/* ---- signature form ------------------------------------------------ */

static void
test_es256_wrong_length(void **state)
{
	char			*h = header(ES), *in, *tok;
	unsigned char		 sig[128], der[128];
	unsigned char		*p = der;
	size_t			 n;
	ECDSA_SIG		*es;
	BIGNUM			*r, *s;
	int			 dl;

	(void)state;
	in = signing_input(h, PAYLOAD);
	n = sign_raw(ES, &ours, in, sig, sizeof(sig));
	assert_int_equal(n, 64);
	tok = join_sig(strdup(in), sig, 63);
	assert_int_equal(verify(tok), GH_JOSE_BAD_SIGNATURE);
	free(tok);
	sig[64] = 0;
	tok = join_sig(strdup(in), sig, 65);
	assert_int_equal(verify(tok), GH_JOSE_BAD_SIGNATURE);
	free(tok);
	/* The same signature in DER, as libcrypto would give it. */
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, 32, NULL);
	s = BN_bin2bn(sig + 32, 32, NULL);
	assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
	dl = i2d_ECDSA_SIG(es, &p);
	assert_true(dl > 64);
	ECDSA_SIG_free(es);
	tok = join_sig(in, der, (size_t)dl);
	assert_int_equal(verify(tok), GH_JOSE_BAD_SIGNATURE);
	free(tok);
	free(h);
}

static void
test_eddsa_and_rsa_wrong_length(void **state)
{
	char		*h = header(ED), *in, *tok;
	unsigned char	 sig[1024];
	size_t		 n;

	(void)state;
	in = signing_input(h, PAYLOAD);
	n = sign_raw(ED, &ours, in, sig, sizeof(sig));
	tok = join_sig(in, sig, n - 1);
	assert_int_equal(verify(tok), GH_JOSE_BAD_SIGNATURE);
	free(tok);
	free(h);
	h = header(RS);
	in = signing_input(h, PAYLOAD);
	n = sign_raw(RS, &ours, in, sig + 1, sizeof(sig) - 1);
	sig[0] = 0;		/* same value, one byte longer */
	tok = join_sig(in, sig, n + 1);
	assert_int_equal(verify(tok), GH_JOSE_BAD_SIGNATURE);
	free(tok);
	free(h);
}

/* ---- payload ------------------------------------------------------- */

static void
test_payload_not_object(void **state)
{
	static const char *const pls[] = { "[1,2]", "\"sub\"", "42", "null",
	    "Example of Ed25519 signing", "{\"sub\":", "{} {}" };
	size_t	 i;
	char	*h = header(ED), *tok;

	(void)state;
	for (i = 0; i < sizeof(pls) / sizeof(pls[0]); i++) {
		tok = make_token(h, pls[i], ED, &ours);
		assert_int_equal(verify(tok), GH_JOSE_MALFORMED);
		free(tok);
	}
	free(h);
}

/* ---- malformed tokens ---------------------------------------------- */

static void
expect_malformed(const char *tok, size_t len)
{
	json_object	*pl = NULL;

	assert_int_equal(gh_jose_verify(set, tok, len, &pl),
	    GH_JOSE_MALFORMED);
	assert_null(pl);
}

static void
test_malformed_parts(void **state)
{
	char	*tok = good_token(ED), *t, *d1, *d2;

	(void)state;
	expect_malformed("", 0);
	expect_malformed("...", 3);
	expect_malformed("a.b.c", 5);
	expect_malformed("not a token", 11);
	d1 = strchr(tok, '.');
	d2 = strrchr(tok, '.');
	/* Two parts. */
	expect_malformed(tok, (size_t)(d2 - tok));
	/* Four parts. */
	assert_true(asprintf(&t, "%s.AAAA", tok) > 0);
	expect_malformed(t, strlen(t));
	free(t);
	/* Empty signature. */
	expect_malformed(tok, (size_t)(d2 - tok) + 1);
	/* Empty payload. */
	assert_true(asprintf(&t, "%.*s.%s", (int)(d1 - tok), tok, d2) > 0);
	expect_malformed(t, strlen(t));
	free(t);
	/* Empty header. */
	expect_malformed(d1, strlen(d1));
	free(tok);
}

static void
test_malformed_base64(void **state)
{
	char	*tok = good_token(ED), *t, *d1;
	size_t	 len = strlen(tok);

	(void)state;
	/* Padding after the signature and after the header. */
	assert_true(asprintf(&t, "%s=", tok) > 0);
	expect_malformed(t, strlen(t));
	free(t);
	d1 = strchr(tok, '.');
	assert_true(asprintf(&t, "%.*s=%s", (int)(d1 - tok), tok, d1) > 0);
	expect_malformed(t, strlen(t));
	free(t);
	/* Standard base64 and other characters. */
	t = strdup(tok);
	t[3] = '+';
	expect_malformed(t, len);
	t[3] = ' ';
	expect_malformed(t, len);
	strcpy(t, tok);
	t[len - 5] = '/';
	expect_malformed(t, len);
	/* A NUL inside. */
	strcpy(t, tok);
	t[len / 2] = '\0';
	expect_malformed(t, len);
	free(t);
	free(tok);
}

/* A signature whose last character carries bits past the value. */
static void
test_malformed_signature_stray_bits(void **state)
{
	char	*tok = good_token(ED);
	size_t	 len = strlen(tok);
	char	*last = tok + len - 1;

	(void)state;
	/* 64 bytes are 86 characters; the last holds 2 bits, so its low 4
	 * must be zero. */
	*last = 'B';
	expect_malformed(tok, len);
	free(tok);
}

static void
test_malformed_too_long(void **state)
{
	char	*pl, *tok, *h = header(ED);
	char	 pad[13000];

	(void)state;
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	assert_true(asprintf(&pl, "{\"sub\":\"" SUB "\",\"pad\":\"%s\"}",
	    pad) > 0);
	tok = make_token(h, pl, ED, &ours);
	assert_true(strlen(tok) > GH_JWS_MAX);
	expect_malformed(tok, strlen(tok));
	free(tok);
	free(pl);
	free(h);
}

static void
test_header_not_json(void **state)
{
	char	*tok = make_token("alg=EdDSA", PAYLOAD, ED, &ours);

	(void)state;
	expect_malformed(tok, strlen(tok));
	free(tok);
	tok = make_token("[\"EdDSA\"]", PAYLOAD, ED, &ours);
	expect_malformed(tok, strlen(tok));
	free(tok);
}

static void
test_kid_not_string(void **state)
{
	char	*tok = make_token("{\"alg\":\"EdDSA\",\"kid\":1}", PAYLOAD,
		    ED, &ours);

	(void)state;
	expect_malformed(tok, strlen(tok));
	free(tok);
}

/* ---- key choice without kid ---------------------------------------- */

static void
test_no_kid_single_key_of_type(void **state)
{
	char	*tok = make_token("{\"alg\":\"ES256\"}", PAYLOAD, ES, &ours);

	(void)state;
	expect_payload(set, tok);
	free(tok);
}

static void
test_no_kid_two_keys_of_type(void **state)
{
	json_object	*jwks[2];
	struct gh_jwks	*two = NULL;
	json_object	*pl = NULL;
	char		*tok;

	(void)state;
	jwks[0] = jwk_ed(ours.ed_pk, "a");
	jwks[1] = jwk_ed(others.ed_pk, "b");
	assert_int_equal(parse_jwks(jwks, 2, &two), GH_OK);
	tok = make_token("{\"alg\":\"EdDSA\"}", PAYLOAD, ED, &ours);
	assert_int_equal(verify_with(two, tok, &pl), GH_JOSE_UNKNOWN_KID);
	assert_null(pl);
	free(tok);
	/* With its kid it is found. */
	tok = make_token("{\"alg\":\"EdDSA\",\"kid\":\"a\"}", PAYLOAD, ED,
	    &ours);
	expect_payload(two, tok);
	free(tok);
	gh_jwks_free(two);
}

static void
test_no_kid_no_key_of_type(void **state)
{
	json_object	*jwks[1];
	struct gh_jwks	*one = NULL;
	json_object	*pl = NULL;
	char		*tok;

	(void)state;
	jwks[0] = jwk_ed(ours.ed_pk, NULL);
	assert_int_equal(parse_jwks(jwks, 1, &one), GH_OK);
	tok = make_token("{\"alg\":\"RS256\"}", PAYLOAD, RS, &ours);
	assert_int_equal(verify_with(one, tok, &pl), GH_JOSE_UNKNOWN_KID);
	free(tok);
	/* A header kid does not match a key without one. */
	tok = make_token("{\"alg\":\"EdDSA\",\"kid\":\"o1\"}", PAYLOAD, ED,
	    &ours);
	assert_int_equal(verify_with(one, tok, &pl), GH_JOSE_UNKNOWN_KID);
	free(tok);
	tok = make_token("{\"alg\":\"EdDSA\"}", PAYLOAD, ED, &ours);
	expect_payload(one, tok);
	free(tok);
	gh_jwks_free(one);
}

/* ---- key sets ------------------------------------------------------ */

static void
test_jwks_garbage(void **state)
{
	static const char *const docs[] = { "not json", "[]", "{}", "null",
	    "{\"keys\":{}}", "{\"keys\":\"\"}", "{\"keys\":null}",
	    "{\"keys\":[]", "{\"Keys\":[]}", "{\"kty\":\"RSA\"}" };
	struct gh_jwks	*s = (struct gh_jwks *)&s;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		assert_int_equal(gh_jwks_parse(docs[i], strlen(docs[i]), &s),
		    GH_EINVAL);
		assert_null(s);
	}
	assert_int_equal(gh_jwks_parse("", 0, &s), GH_EINVAL);
	assert_int_equal(gh_jwks_parse("{\"keys\":[]}\0x", 13, &s),
	    GH_EINVAL);
	assert_int_equal(gh_jwks_count(NULL), 0);
	gh_jwks_free(NULL);
}

static void
test_jwks_empty_is_a_set(void **state)
{
	struct gh_jwks	*s = NULL;

	(void)state;
	assert_int_equal(gh_jwks_parse("{\"keys\":[]}", 11, &s), GH_OK);
	assert_int_equal(gh_jwks_count(s), 0);
	gh_jwks_free(s);
}

static void
test_jwks_too_long(void **state)
{
	char		*doc;
	struct gh_jwks	*s = NULL;
	size_t		 n = GH_JWKS_MAX + 1;

	(void)state;
	doc = malloc(n);
	assert_non_null(doc);
	memset(doc, ' ', n);
	memcpy(doc, "{\"keys\":[]}", 11);
	assert_int_equal(gh_jwks_parse(doc, n, &s), GH_ETOOBIG);
	assert_null(s);
	/* Trailing white space within the limit is fine. */
	assert_int_equal(gh_jwks_parse(doc, n - 1, &s), GH_OK);
	gh_jwks_free(s);
	free(doc);
}

static void
test_jwks_unsupported_skipped(void **state)
{
	json_object	*jwks[12], *o;
	unsigned char	 pt[65];
	size_t		 n = 0;

	(void)state;
	jwks[n++] = jwk_ed(ours.ed_pk, "kept-ed");
	jwks[n++] = json_tokener_parse("{\"kty\":\"oct\",\"k\":\"AAAA\"}");
	jwks[n++] = json_tokener_parse("{\"kty\":\"OKP\",\"crv\":\"X25519\","
	    "\"x\":\"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo\"}");
	jwks[n++] = json_tokener_parse("\"not an object\"");
	jwks[n++] = json_tokener_parse("{\"kid\":\"no-kty\"}");
	/* The right type but meant for encryption or another alg. */
	o = jwk_rsa(ours.rsa, "enc");
	add_str(o, "use", "enc");
	jwks[n++] = o;
	o = jwk_rsa(ours.rsa, "rs384");
	add_str(o, "alg", "RS384");
	jwks[n++] = o;
	o = jwk_ec(ours.ec, "wrong-alg");
	add_str(o, "alg", "RS256");
	jwks[n++] = o;
	o = jwk_ed(ours.ed_pk, "ops");
	json_object_object_add(o, "key_ops",
	    json_tokener_parse("[\"encrypt\"]"));
	jwks[n++] = o;
	o = jwk_ec(ours.ec, "p384");
	add_str(o, "crv", "P-384");
	jwks[n++] = o;
	o = jwk_rsa(ours.rsa, "kept-rsa");
	json_object_object_add(o, "key_ops",
	    json_tokener_parse("[\"sign\",\"verify\"]"));
	jwks[n++] = o;
	ec_point(ours.ec, pt);
	jwks[n++] = jwk_ec_xy(pt + 1, pt + 33, 32, NULL);
	assert_int_equal(n, 12);
	assert_int_equal(kept(jwks, n), 3);
}

static void
test_jwks_rsa_1024_skipped(void **state)
{
	EVP_PKEY	*small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
			    (size_t)1024);
	json_object	*jwks[1];

	(void)state;
	assert_non_null(small);
	jwks[0] = jwk_rsa(small, "small");
	assert_int_equal(kept(jwks, 1), 0);
	EVP_PKEY_free(small);
}

/* A modulus of bits bits (odd, not a real key: only the size matters). */
static json_object *
fake_rsa(size_t bits, int leading_zero)
{
	unsigned char	 n[1100];
	size_t		 len = (bits + 7) / 8, off = leading_zero ? 1 : 0;
	json_object	*o = json_object_new_object();

	assert_true(len + off <= sizeof(n));
	randombytes_buf(n + off, len);
	n[0] = 0;
	n[off] &= (unsigned char)(0xff >> (len * 8 - bits));
	n[off] |= (unsigned char)(0x80 >> (len * 8 - bits));
	n[off + len - 1] |= 1;
	add_str(o, "kty", "RSA");
	add_b64(o, "n", n, len + off);
	add_str(o, "e", "AQAB");
	return o;
}

static void
test_jwks_rsa_modulus_bounds(void **state)
{
	json_object	*jwks[1];

	(void)state;
	jwks[0] = fake_rsa(2047, 0);
	assert_int_equal(kept(jwks, 1), 0);
	jwks[0] = fake_rsa(2048, 0);
	assert_int_equal(kept(jwks, 1), 1);
	jwks[0] = fake_rsa(8192, 0);
	assert_int_equal(kept(jwks, 1), 1);
	jwks[0] = fake_rsa(8193, 0);
	assert_int_equal(kept(jwks, 1), 0);
	/* 2047 bits after a leading zero byte is still 2047 bits. */
	jwks[0] = fake_rsa(2047, 1);
	assert_int_equal(kept(jwks, 1), 0);
}

static void
test_jwks_rsa_bad_exponent_skipped(void **state)
{
	static const char *const es[] = { "AQ", "AAAB", "Ag", "",
	    "AQAB=", "AQABAQABAQAB" };
	json_object	*jwks[1], *o;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(es) / sizeof(es[0]); i++) {
		o = jwk_rsa(ours.rsa, "r");
		add_str(o, "e", es[i]);
		jwks[0] = o;
		assert_int_equal(kept(jwks, 1), 0);
	}
}

/* A modulus with a leading zero byte (a signed encoding some servers
 * send) is the same key. */
static void
test_jwks_rsa_leading_zero_accepted(void **state)
{
	unsigned char	 n[1025], e[16];
	size_t		 nlen, elen;
	json_object	*o = json_object_new_object(), *jwks[1];
	struct gh_jwks	*s = NULL;
	char		*tok;

	(void)state;
	n[0] = 0;
	nlen = bn_bytes(ours.rsa, OSSL_PKEY_PARAM_RSA_N, n + 1,
	    sizeof(n) - 1);
	elen = bn_bytes(ours.rsa, OSSL_PKEY_PARAM_RSA_E, e, sizeof(e));
	add_str(o, "kty", "RSA");
	add_str(o, "kid", "r1");
	add_b64(o, "n", n, nlen + 1);
	add_b64(o, "e", e, elen);
	jwks[0] = o;
	assert_int_equal(parse_jwks(jwks, 1, &s), GH_OK);
	assert_int_equal(gh_jwks_count(s), 1);
	tok = good_token(RS);
	expect_payload(s, tok);
	free(tok);
	gh_jwks_free(s);
}

static void
test_jwks_ec_point_not_on_curve(void **state)
{
	unsigned char	 pt[65];
	json_object	*jwks[1];

	(void)state;
	ec_point(ours.ec, pt);
	pt[64] ^= 0x01;
	jwks[0] = jwk_ec_xy(pt + 1, pt + 33, 32, "off");
	assert_int_equal(kept(jwks, 1), 0);
	/* Coordinates of another length are refused, not padded. */
	ec_point(ours.ec, pt);
	jwks[0] = jwk_ec_xy(pt + 2, pt + 34, 31, "short");
	assert_int_equal(kept(jwks, 1), 0);
	/* All zeros: not a point. */
	memset(pt, 0, sizeof(pt));
	jwks[0] = jwk_ec_xy(pt + 1, pt + 33, 32, "zero");
	assert_int_equal(kept(jwks, 1), 0);
}

static void
test_jwks_ed25519_bad_points(void **state)
{
	unsigned char	 pk[crypto_sign_PUBLICKEYBYTES];
	json_object	*jwks[1], *o;

	(void)state;
	/* The neutral element: every signature would verify. */
	memset(pk, 0, sizeof(pk));
	pk[0] = 1;
	jwks[0] = jwk_ed(pk, "identity");
	assert_int_equal(kept(jwks, 1), 0);
	o = jwk_ed(ours.ed_pk, "short");
	add_str(o, "x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR");
	jwks[0] = o;
	assert_int_equal(kept(jwks, 1), 0);
	o = jwk_ed(ours.ed_pk, "crv");
	add_str(o, "crv", "Ed448");
	jwks[0] = o;
	assert_int_equal(kept(jwks, 1), 0);
}

static void
test_jwks_kid_too_long_skipped(void **state)
{
	char		 kid[GH_JOSE_KID_MAX + 2];
	json_object	*jwks[1];

	(void)state;
	memset(kid, 'k', sizeof(kid) - 1);
	kid[sizeof(kid) - 1] = '\0';
	jwks[0] = jwk_ed(ours.ed_pk, kid);
	assert_int_equal(kept(jwks, 1), 0);
	kid[GH_JOSE_KID_MAX] = '\0';
	jwks[0] = jwk_ed(ours.ed_pk, kid);
	assert_int_equal(kept(jwks, 1), 1);
}

static void
test_jwks_too_many_keys(void **state)
{
	json_object	*jwks[GH_JWKS_KEYS_MAX + 1];
	struct gh_jwks	*s = (struct gh_jwks *)&s;
	char		 kid[16];
	size_t		 i;

	(void)state;
	for (i = 0; i < GH_JWKS_KEYS_MAX; i++) {
		snprintf(kid, sizeof(kid), "k%zu", i);
		jwks[i] = jwk_ed(ours.ed_pk, kid);
	}
	assert_int_equal(kept(jwks, GH_JWKS_KEYS_MAX), GH_JWKS_KEYS_MAX);
	for (i = 0; i < GH_JWKS_KEYS_MAX + 1; i++) {
		snprintf(kid, sizeof(kid), "k%zu", i);
		jwks[i] = jwk_ed(ours.ed_pk, kid);
	}
	assert_int_equal(parse_jwks(jwks, GH_JWKS_KEYS_MAX + 1, &s),
	    GH_ETOOBIG);
	assert_null(s);
}

/* ---- peek ---------------------------------------------------------- */

static void
test_peek_kid(void **state)
{
	char	 kid[GH_JOSE_KID_MAX + 1], small[2];
	char	*tok = good_token(RS);

	(void)state;
	assert_int_equal(gh_jose_peek_kid(tok, strlen(tok), kid, sizeof(kid)),
	    1);
	assert_string_equal(kid, "r1");
	assert_int_equal(gh_jose_peek_kid(tok, strlen(tok), small,
	    sizeof(small)), 0);
	assert_string_equal(small, "");
	free(tok);
	/* Whatever the alg: the kid is for logs and key refreshes. */
	tok = make_token("{\"alg\":\"HS256\",\"kid\":\"h\"}", PAYLOAD, ED,
	    &ours);
	assert_int_equal(gh_jose_peek_kid(tok, strlen(tok), kid, sizeof(kid)),
	    1);
	assert_string_equal(kid, "h");
	free(tok);
	tok = make_token("{\"alg\":\"EdDSA\"}", PAYLOAD, ED, &ours);
	strcpy(kid, "x");
	assert_int_equal(gh_jose_peek_kid(tok, strlen(tok), kid, sizeof(kid)),
	    0);
	assert_string_equal(kid, "");
	free(tok);
	assert_int_equal(gh_jose_peek_kid("a.b", 3, kid, sizeof(kid)), 0);
	assert_int_equal(gh_jose_peek_kid("", 0, kid, sizeof(kid)), 0);
}

/* ---- signing ------------------------------------------------------- */

static char *
pem_of(EVP_PKEY *pkey, size_t *len)
{
	BIO	*bio = BIO_new(BIO_s_mem());
	char	*data, *out;
	long	 n;

	assert_non_null(bio);
	/* PKCS#8 "PRIVATE KEY", as Apple's .p8 files are. */
	assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0,
	    NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &data);
	assert_true(n > 0);
	out = malloc((size_t)n + 1);
	assert_non_null(out);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	BIO_free(bio);
	return out;
}

static void
test_sign_es256_verifies(void **state)
{
	size_t		 plen;
	char		*pem = pem_of(ours.ec, &plen), *tok = NULL;
	char		 kid[GH_JOSE_KID_MAX + 1];
	json_object	*claims = json_tokener_parse(PAYLOAD), *pl = NULL, *v;

	(void)state;
	assert_non_null(claims);
	assert_int_equal(gh_jose_sign_es256(pem, plen, kids[ES], claims,
	    &tok), GH_OK);
	assert_non_null(tok);
	assert_int_equal(gh_jose_peek_kid(tok, strlen(tok), kid, sizeof(kid)),
	    1);
	assert_string_equal(kid, kids[ES]);
	assert_int_equal(verify_with(set, tok, &pl), GH_JOSE_OK);
	assert_true(json_object_object_get_ex(pl, "nonce", &v));
	assert_string_equal(json_object_get_string(v), "n-0S6_WzA2Mj");
	assert_true(json_object_equal(pl, claims));
	json_object_put(pl);
	/* Another key with that kid does not verify it. */
	sodium_memzero(pem, plen);
	free(pem);
	free(tok);
	tok = NULL;
	pem = pem_of(others.ec, &plen);
	assert_int_equal(gh_jose_sign_es256(pem, plen, kids[ES], claims,
	    &tok), GH_OK);
	assert_int_equal(verify(tok), GH_JOSE_BAD_SIGNATURE);
	sodium_memzero(pem, plen);
	free(pem);
	free(tok);
	json_object_put(claims);
}

static void
test_sign_es256_refuses(void **state)
{
	EVP_PKEY	*p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	json_object	*claims = json_tokener_parse(PAYLOAD);
	json_object	*arr = json_tokener_parse("[1]");
	char		*pem, *tok = (char *)&tok, kid[GH_JOSE_KID_MAX + 2];
	size_t		 plen;

	(void)state;
	assert_non_null(p384);
	pem = pem_of(p384, &plen);
	assert_int_equal(gh_jose_sign_es256(pem, plen, "k", claims, &tok),
	    GH_EINVAL);
	assert_null(tok);
	free(pem);
	pem = pem_of(ours.rsa, &plen);
	assert_int_equal(gh_jose_sign_es256(pem, plen, "k", claims, &tok),
	    GH_EINVAL);
	sodium_memzero(pem, plen);
	free(pem);
	assert_int_equal(gh_jose_sign_es256("garbage", 7, "k", claims, &tok),
	    GH_EINVAL);
	pem = pem_of(ours.ec, &plen);
	/* Cut short. */
	assert_int_equal(gh_jose_sign_es256(pem, plen / 2, "k", claims, &tok),
	    GH_EINVAL);
	assert_int_equal(gh_jose_sign_es256(pem, plen, "k", arr, &tok),
	    GH_EINVAL);
	assert_int_equal(gh_jose_sign_es256(pem, plen, "", claims, &tok),
	    GH_EINVAL);
	memset(kid, 'k', sizeof(kid) - 1);
	kid[sizeof(kid) - 1] = '\0';
	assert_int_equal(gh_jose_sign_es256(pem, plen, kid, claims, &tok),
	    GH_EINVAL);
	assert_null(tok);
	sodium_memzero(pem, plen);
	free(pem);
	EVP_PKEY_free(p384);
	json_object_put(claims);
	json_object_put(arr);
}

static void
test_sign_es256_encrypted_pem_refused(void **state)
{
	BIO		*bio = BIO_new(BIO_s_mem());
	json_object	*claims = json_tokener_parse(PAYLOAD);
	char		*data, *tok = NULL;
	long		 n;

	(void)state;
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, ours.ec,
	    EVP_aes_256_cbc(), NULL, 0, NULL, (void *)"secret"), 1);
	n = BIO_get_mem_data(bio, &data);
	assert_true(n > 0);
	assert_int_equal(gh_jose_sign_es256(data, (size_t)n, "k", claims,
	    &tok), GH_EINVAL);
	assert_null(tok);
	BIO_free(bio);
	json_object_put(claims);
}

/* ---- aud ----------------------------------------------------------- */

static int
aud_has(const char *json, const char *aud)
{
	json_object	*o = json_tokener_parse(json);
	int		 r;

	assert_non_null(o);
	r = gh_jose_claim_aud_has(o, aud);
	json_object_put(o);
	return r;
}

static void
test_claim_aud_has(void **state)
{
	(void)state;
	assert_int_equal(aud_has("{\"aud\":\"client-1\"}", "client-1"), 1);
	assert_int_equal(aud_has("{\"aud\":\"client-1\"}", "client-2"), 0);
	assert_int_equal(aud_has("{\"aud\":\"client-1\"}", "client-"), 0);
	assert_int_equal(aud_has("{\"aud\":\"client-1\"}", "client-10"), 0);
	assert_int_equal(aud_has("{\"aud\":[\"x\",\"client-1\"]}",
	    "client-1"), 1);
	assert_int_equal(aud_has("{\"aud\":[\"x\",\"y\"]}", "client-1"), 0);
	assert_int_equal(aud_has("{\"aud\":[]}", "client-1"), 0);
	assert_int_equal(aud_has("{\"aud\":[[\"client-1\"]]}", "client-1"),
	    0);
	assert_int_equal(aud_has("{\"aud\":1}", "1"), 0);
	assert_int_equal(aud_has("{\"azp\":\"client-1\"}", "client-1"), 0);
	/* A NUL inside must not end the comparison early. */
	assert_int_equal(aud_has("{\"aud\":\"client-1\\u0000evil\"}",
	    "client-1"), 0);
	assert_int_equal(aud_has("{\"aud\":\"\"}", ""), 0);
	assert_int_equal(gh_jose_claim_aud_has(NULL, "client-1"), 0);
}

/* ---- published test vectors ---------------------------------------- */

/* RFC 7515 Appendix A.2: the RSA key and its RS256 JWS. */
#define RFC7515_A2_N \
	"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw" \
	"-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b3269" \
	"0r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS" \
	"-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aG" \
	"hyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXp" \
	"oQ"
#define RFC7515_A2_JWS \
	"eyJhbGciOiJSUzI1NiJ9" \
	".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt" \
	"cGxlLmNvbS9pc19yb290Ijp0cnVlfQ" \
	".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7" \
	"AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4" \
	"BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K" \
	"0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv" \
	"hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB" \
	"p0igcN_IoypGlUPQGe77Rw"
/* RFC 7515 Appendix A.3: the P-256 key and its ES256 JWS. */
#define RFC7515_A3_X	"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define RFC7515_A3_Y	"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define RFC7515_A3_JWS \
	"eyJhbGciOiJFUzI1NiJ9" \
	".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt" \
	"cGxlLmNvbS9pc19yb290Ijp0cnVlfQ" \
	".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA" \
	"pmWQxfKTUJqPP3-Kg6NU1Q"
/* RFC 8037 Appendix A.2 and A.4: the Ed25519 key and its JWS, whose
 * payload is a sentence, not a claims object. */
#define RFC8037_X	"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define RFC8037_JWS \
	"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc" \
	".hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5B" \
	"hVsPt9g7sVvpAr_MuM0KAg"

/* Another base64url character in place of *c. */
static void
flip_b64(char *c)
{
	*c = *c == 'A' ? 'B' : 'A';
}

static struct gh_jwks *
rfc_set(void)
{
	static const char doc[] = "{\"keys\":["
	    "{\"kty\":\"RSA\",\"n\":\"" RFC7515_A2_N "\",\"e\":\"AQAB\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" RFC7515_A3_X "\","
	    "\"y\":\"" RFC7515_A3_Y "\"},"
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" RFC8037_X "\"}]}";
	struct gh_jwks	*s = NULL;

	assert_int_equal(gh_jwks_parse(doc, sizeof(doc) - 1, &s), GH_OK);
	assert_int_equal(gh_jwks_count(s), 3);
	return s;
}

static void
expect_rfc7515_claims(const struct gh_jwks *s, const char *jws)
{
	json_object	*pl = NULL, *v;

	assert_int_equal(verify_with(s, jws, &pl), GH_JOSE_OK);
	assert_true(json_object_object_get_ex(pl, "iss", &v));
	assert_string_equal(json_object_get_string(v), "joe");
	assert_true(json_object_object_get_ex(pl, "exp", &v));
	assert_int_equal(json_object_get_int64(v), 1300819380);
	assert_true(json_object_object_get_ex(pl,
	    "http://example.com/is_root", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(pl);
}

/* A published vector verifies with its claims; one flipped signature
 * character does not. */
static void
expect_rfc7515_vector(const char *vector)
{
	struct gh_jwks	*s = rfc_set();
	char		 jws[2048];
	json_object	*pl = NULL;

	assert_true(strlen(vector) < sizeof(jws));
	strcpy(jws, vector);
	expect_rfc7515_claims(s, jws);
	flip_b64(&jws[strlen(jws) - 9]);
	assert_int_equal(verify_with(s, jws, &pl), GH_JOSE_BAD_SIGNATURE);
	gh_jwks_free(s);
}

static void
test_rfc7515_a2_rs256(void **state)
{
	(void)state;
	expect_rfc7515_vector(RFC7515_A2_JWS);
}

static void
test_rfc7515_a3_es256(void **state)
{
	(void)state;
	expect_rfc7515_vector(RFC7515_A3_JWS);
}

static void
test_rfc8037_eddsa(void **state)
{
	struct gh_jwks	*s = rfc_set();
	char		 jws[] = RFC8037_JWS;
	json_object	*pl = NULL;

	(void)state;
	/* The signature holds; the payload is no JSON object. */
	assert_int_equal(verify_with(s, jws, &pl), GH_JOSE_MALFORMED);
	assert_null(pl);
	flip_b64(&jws[sizeof(jws) - 10]);
	assert_int_equal(verify_with(s, jws, &pl), GH_JOSE_BAD_SIGNATURE);
	gh_jwks_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rs256_verifies),
		cmocka_unit_test(test_es256_verifies),
		cmocka_unit_test(test_eddsa_verifies),
		cmocka_unit_test(test_flipped_signature_byte),
		cmocka_unit_test(test_flipped_payload_byte),
		cmocka_unit_test(test_other_key_same_kid),
		cmocka_unit_test(test_unknown_kid),
		cmocka_unit_test(test_alg_none),
		cmocka_unit_test(test_hs256_keyed_with_rsa_public_key),
		cmocka_unit_test(test_alg_case_and_lookalikes_refused),
		cmocka_unit_test(test_alg_missing_or_not_string),
		cmocka_unit_test(test_alg_kty_mismatch),
		cmocka_unit_test(test_pss_signature_under_rs256),
		cmocka_unit_test(test_crit_refused),
		cmocka_unit_test(test_embedded_jwk_ignored),
		cmocka_unit_test(test_es256_wrong_length),
		cmocka_unit_test(test_eddsa_and_rsa_wrong_length),
		cmocka_unit_test(test_payload_not_object),
		cmocka_unit_test(test_malformed_parts),
		cmocka_unit_test(test_malformed_base64),
		cmocka_unit_test(test_malformed_signature_stray_bits),
		cmocka_unit_test(test_malformed_too_long),
		cmocka_unit_test(test_header_not_json),
		cmocka_unit_test(test_kid_not_string),
		cmocka_unit_test(test_no_kid_single_key_of_type),
		cmocka_unit_test(test_no_kid_two_keys_of_type),
		cmocka_unit_test(test_no_kid_no_key_of_type),
		cmocka_unit_test(test_jwks_garbage),
		cmocka_unit_test(test_jwks_empty_is_a_set),
		cmocka_unit_test(test_jwks_too_long),
		cmocka_unit_test(test_jwks_unsupported_skipped),
		cmocka_unit_test(test_jwks_rsa_1024_skipped),
		cmocka_unit_test(test_jwks_rsa_modulus_bounds),
		cmocka_unit_test(test_jwks_rsa_bad_exponent_skipped),
		cmocka_unit_test(test_jwks_rsa_leading_zero_accepted),
		cmocka_unit_test(test_jwks_ec_point_not_on_curve),
		cmocka_unit_test(test_jwks_ed25519_bad_points),
		cmocka_unit_test(test_jwks_kid_too_long_skipped),
		cmocka_unit_test(test_jwks_too_many_keys),
		cmocka_unit_test(test_peek_kid),
		cmocka_unit_test(test_sign_es256_verifies),
		cmocka_unit_test(test_sign_es256_refuses),
		cmocka_unit_test(test_sign_es256_encrypted_pem_refused),
		cmocka_unit_test(test_claim_aud_has),
		cmocka_unit_test(test_rfc7515_a2_rs256),
		cmocka_unit_test(test_rfc7515_a3_es256),
		cmocka_unit_test(test_rfc8037_eddsa),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
