/*
 * libFuzzer harness for lib/jose.c: outside key sets and ID tokens.
 *
 * Always: the input up to its first NUL is a JWKS document and the rest a
 * compact JWS (without a NUL the whole input is both); the JWS is
 * verified against that set and against the harness's own set, and its
 * kid peeked. Then, so that the payload is reached past a signature that
 * holds, modes chosen by the first byte sign the rest of the input with
 * the harness's fixed keys:
 *
 *   mode 1: rest = header JSON NUL|LF payload JSON, signed EdDSA
 *   mode 2: rest = payload, under {"alg":"RS256","kid":"r"}
 *   mode 3: rest = claims for gh_jose_sign_es256; when they are a JSON
 *           object the token must verify and give them back
 *
 * The keys are fixed so that a finding replays the same way.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "jose.h"
#include "json.h"
#include "fuzz.h"

#define B64URL	sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char ec_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLuG7CF+hL5CLUhOq\n"
    "NFdSOHge5MLGXxdHe2kYlywn2R2hRANCAARPt/8/tlcW9QOCRLttZsvnHDx06DF+\n"
    "0xl5mWHul8Y6mGKTcl6Mp8hhGXMbKEl7DcFvKr06gXhMAUwt2AMiYixp\n"
    "-----END PRIVATE KEY-----\n";

static const char rsa_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC04qP9UQDiY+eI\n"
    "YgtOkdw7Sy3EMkUzPfmeQ3WbWcyk45AfiQ2DbZ3gjGkTew2dU530AvVPccK3QVv7\n"
    "lXiYJ8ABrrF2OW5Dn7waxBj6MfGVEyQ6x9K2NGWgu/SVXND0YNOQ2aLOgWApOJSV\n"
    "ra/l5oPDZbmox1Iw1D33Wck7ggHy/3J7ELuUo45Za6hy1vF7cFWoqhv58h8BbT8w\n"
    "DkjfZKJxN/hV4Ldw6tbQ1WqC+k3B0aaWQbRwkeOSagCXSsl3liTnAKAuOt5D9YbV\n"
    "wxdtCcAZdVI1b/+asfh/hZxEh8HdMgomNzfHKatEdlyCOWoBzlqW9yXR7m8P48kG\n"
    "L+Zm2xF1AgMBAAECggEALPQfY7rgIKNJ/Q26uCPNSwoXvWjt5Dp8gP3MaleSoY7x\n"
    "eDjgHB/fqtjSW1ZLT6RifqxGiWAhD1iFstxWjF/imrhu344Nzm4R+kfuWi2T16Pa\n"
    "buZOwlv6vsu/UOhwgK9YnOjNiotCGfR3DszLyHO1nte24JBqp3pzzPdqKKkacWhq\n"
    "KpsDjDDZ5EMnSGpKyHd+emj2iktXaOAMDVyZgPVjEAKENLIkICZxYycahRskwo69\n"
    "Wn93Dp4eXMvFcC0BClqMPsz4qGoxr0n3DYtqm03Eb4Jdd5eGL9bJ/9Gxisw/HNw1\n"
    "z19JD61PoKVJKgFwH8phTG2eBmg884Q39vwrRwXxEQKBgQDdiw0g+h1WMzyG5X73\n"
    "o31ejv/df5EKsSFRSTDE0ZaBAncL193CB8be+UY9UTsXVq+e8dUiSCyXP+LAtLA9\n"
    "4CRpwyrB3ZM0UzUOqmykiJAqI65ZZmxHeP8WjnndDmfBTnCigmam5t5qGnkZMxDs\n"
    "XvK+cpr2HI+jpcUEAitExMhK0QKBgQDRBMI+Lv4Q/ooExI4j7ooBpwAjhpsJHH7L\n"
    "FZiNVpuf/39rm1Lh8o1sG/CVwfqYufErIiBSrBevEiZkhzWdJY00RpCAnnfjUY83\n"
    "WE2L1EqgAt2OCskcatmQD9WEydcmyR5XdAPsyGGdwCCTdCYAWo1JYgS7sOL2yKoD\n"
    "lsv78tX9ZQKBgDVKATpxbyUQ5fo8sbG3bayVEQ6iZK0BtlXrGQP+tgkKIsCCiCDn\n"
    "5fo0U6TkKSaP/2ZoHTBF1BP9lflsfQglJh0aiOpg9cucSCLi84cQIj1An+t5K4p1\n"
    "nEY8tytpD6P7zjQI0dBLsCwtefuJwQRaQmF1B7kzXYmrkhxIuUetXdBBAoGBAKV2\n"
    "Ru5C9Q0u8sNjdcIsC0PTl+CHpiNIU3cg2WrJrNizwYLFqo8DG8EBPSrQLDjKuYeT\n"
    "tFK9uOH2VD4watjD6UwAsFOhHvbskZsWZAzVOV4B5rGTCDFexGuunTBJN/CUNVi1\n"
    "loXS+rOObDtOLucIx9/XoDeUh5cksrG0pjYEvjGhAoGAMJCIl7Pj4WMkO2ZjKibA\n"
    "7HyRs/tau9eJVPeZ72QSKx37Cb3O1ghmIrpph1wAVimnbtJy6BflOQPTdhBXFfRo\n"
    "MhNo0/h8XyER8iJ7Gbk4S77cGtvL2O4ZU2Le8rer16y7cPQ2BOla9MGGiAjnR4aV\n"
    "STLW/T3L7cP3hkqTcksOnTs=\n"
    "-----END PRIVATE KEY-----\n";

static EVP_PKEY		*rsa;
static unsigned char	 ed_pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char	 ed_sk[crypto_sign_SECRETKEYBYTES];
static struct gh_jwks	*fixed;		/* kids r, e, o */

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

static EVP_PKEY *
load_pem(const char *pem)
{
	BIO		*bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY	*pkey;

	if (bio == NULL ||
	    (pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL)
		abort();
	BIO_free(bio);
	return pkey;
}

static char *
bn_b64(EVP_PKEY *pkey, const char *param)
{
	BIGNUM		*bn = NULL;
	unsigned char	 buf[512];
	char		*s;
	int		 n;

	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1 ||
	    BN_num_bytes(bn) > (int)sizeof(buf))
		abort();
	n = BN_bn2bin(bn, buf);
	BN_free(bn);
	s = b64(buf, (size_t)n);
	return s;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const unsigned char seed[crypto_sign_SEEDBYTES] =
	    "fuzz_jose fixed ed25519 seed...";
	EVP_PKEY	*ec;
	unsigned char	 pt[65];
	size_t		 ptlen;
	char		*n, *e, *x, *y, *o, *doc;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	crypto_sign_seed_keypair(ed_pk, ed_sk, seed);
	rsa = load_pem(rsa_pem);
	ec = load_pem(ec_pem);
	if (EVP_PKEY_get_octet_string_param(ec, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    sizeof(pt), &ptlen) != 1 || ptlen != sizeof(pt))
		abort();
	EVP_PKEY_free(ec);
	n = bn_b64(rsa, OSSL_PKEY_PARAM_RSA_N);
	e = bn_b64(rsa, OSSL_PKEY_PARAM_RSA_E);
	x = b64(pt + 1, 32);
	y = b64(pt + 33, 32);
	o = b64(ed_pk, sizeof(ed_pk));
	if (asprintf(&doc, "{\"keys\":["
	    "{\"kty\":\"RSA\",\"kid\":\"r\",\"use\":\"sig\",\"alg\":\"RS256\","
	    "\"n\":\"%s\",\"e\":\"%s\"},"
	    "{\"kty\":\"EC\",\"kid\":\"e\",\"crv\":\"P-256\",\"x\":\"%s\","
	    "\"y\":\"%s\"},"
	    "{\"kty\":\"OKP\",\"kid\":\"o\",\"crv\":\"Ed25519\",\"x\":\"%s\"}"
	    "]}", n, e, x, y, o) < 0)
		abort();
	if (gh_jwks_parse(doc, strlen(doc), &fixed) != GH_OK ||
	    gh_jwks_count(fixed) != 3)
		abort();
	free(doc);
	free(n);
	free(e);
	free(x);
	free(y);
	free(o);
	return 0;
}

/* Verifies jws[0..len) against set; the result must be one of the enum
 * and a payload must come exactly with GH_JOSE_OK, as an object. */
static enum gh_jose_err
verify(const struct gh_jwks *set, const char *jws, size_t len,
    json_object **keep)
{
	json_object		*pl = NULL;
	enum gh_jose_err	 rc;

	rc = gh_jose_verify(set, jws, len, &pl);
	switch (rc) {
	case GH_JOSE_OK:
		if (pl == NULL || !json_object_is_type(pl, json_type_object))
			abort();
		break;
	case GH_JOSE_MALFORMED:
	case GH_JOSE_BAD_ALG:
	case GH_JOSE_UNKNOWN_KID:
	case GH_JOSE_BAD_SIGNATURE:
		if (pl != NULL)
			abort();
		break;
	default:
		abort();
	}
	/* Nothing longer than the limit is even read. */
	if (len > GH_JWS_MAX && rc != GH_JOSE_MALFORMED)
		abort();
	if (keep != NULL)
		*keep = pl;
	else
		json_object_put(pl);
	return rc;
}

static void
peek(const char *jws, size_t len)
{
	char	 kid[GH_JOSE_KID_MAX + 1], small[4];

	if (gh_jose_peek_kid(jws, len, kid, sizeof(kid)) == 1) {
		if (memchr(kid, '\0', sizeof(kid)) == NULL)
			abort();
	} else if (kid[0] != '\0')
		abort();
	/* Tiny buffer: refuse rather than overflow. */
	if (gh_jose_peek_kid(jws, len, small, sizeof(small)) == 1 &&
	    strlen(small) >= sizeof(small))
		abort();
	(void)gh_jose_peek_kid(jws, len, NULL, 0);
}

static void
raw(const uint8_t *data, size_t size)
{
	const uint8_t	*sep = memchr(data, '\0', size);
	size_t		 dlen = sep != NULL ? (size_t)(sep - data) : size;
	char		*doc = dup_n(data, dlen), *jws;
	size_t		 jlen = sep != NULL ? size - dlen - 1 : size;
	struct gh_jwks	*set = NULL;
	json_object	*pl = NULL;
	enum gh_err	 er;

	jws = sep != NULL ? dup_n(sep + 1, jlen) : dup_n(data, size);
	er = gh_jwks_parse(doc, dlen, &set);
	if ((er == GH_OK) != (set != NULL) ||
	    gh_jwks_count(set) > GH_JWKS_KEYS_MAX)
		abort();
	if (er != GH_OK && er != GH_EINVAL && er != GH_ETOOBIG)
		abort();
	if (set != NULL) {
		(void)verify(set, jws, jlen, &pl);
		/* What verified once verifies again, to the same claims. */
		if (pl != NULL) {
			json_object	*again = NULL;

			if (verify(set, jws, jlen, &again) != GH_JOSE_OK ||
			    !json_object_equal(pl, again))
				abort();
			json_object_put(again);
			(void)gh_jose_claim_aud_has(pl, "client-1");
		}
		json_object_put(pl);
		gh_jwks_free(set);
	}
	(void)verify(fixed, jws, jlen, NULL);
	peek(jws, jlen);
	free(doc);
	free(jws);
}

/* b64(hdr).b64(pl), the signing input; *len its length. */
static char *
signing_input(const uint8_t *hdr, size_t hlen, const uint8_t *pl,
    size_t plen, size_t extra, size_t *len)
{
	char	*h = b64(hdr, hlen), *p = b64(pl, plen), *in;
	size_t	 hl = strlen(h), pll = strlen(p);

	if ((in = malloc(hl + 1 + pll + 1 + extra)) == NULL)
		abort();
	memcpy(in, h, hl);
	in[hl] = '.';
	memcpy(in + hl + 1, p, pll + 1);
	*len = hl + 1 + pll;
	free(h);
	free(p);
	return in;
}

static void
append_sig(char *in, size_t *len, const unsigned char *sig, size_t siglen)
{
	char	*s = b64(sig, siglen);
	size_t	 sl = strlen(s);

	in[*len] = '.';
	memcpy(in + *len + 1, s, sl + 1);
	*len += 1 + sl;
	free(s);
}

static void
mode_eddsa(const uint8_t *rest, size_t rlen)
{
	static const char std[] = "{\"alg\":\"EdDSA\",\"kid\":\"o\"}";
	const uint8_t	*sep = memchr(rest, '\0', rlen);
	const uint8_t	*hdr = (const uint8_t *)std, *pl = rest;
	size_t		 hlen = sizeof(std) - 1, plen = rlen, len;
	unsigned char	 sig[crypto_sign_BYTES];
	char		*tok;

	if (sep == NULL)
		sep = memchr(rest, '\n', rlen);
	if (sep != NULL) {
		hdr = rest;
		hlen = (size_t)(sep - rest);
		pl = sep + 1;
		plen = rlen - hlen - 1;
	}
	tok = signing_input(hdr, hlen, pl, plen,
	    sodium_base64_encoded_len(sizeof(sig), B64URL), &len);
	crypto_sign_detached(sig, NULL, (const unsigned char *)tok, len,
	    ed_sk);
	append_sig(tok, &len, sig, sizeof(sig));
	(void)verify(fixed, tok, len, NULL);
	peek(tok, len);
	free(tok);
}

static void
mode_rs256(const uint8_t *rest, size_t rlen)
{
	static const char std[] = "{\"alg\":\"RS256\",\"kid\":\"r\"}";
	unsigned char	 sig[256];
	size_t		 siglen = sizeof(sig), len;
	EVP_MD_CTX	*md;
	char		*tok;
	enum gh_jose_err rc;

	tok = signing_input((const uint8_t *)std, sizeof(std) - 1, rest,
	    rlen, sodium_base64_encoded_len(sizeof(sig), B64URL), &len);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, rsa,
	    NULL) != 1 || EVP_DigestSign(md, sig, &siglen,
	    (const unsigned char *)tok, len) != 1)
		abort();
	EVP_MD_CTX_free(md);
	append_sig(tok, &len, sig, siglen);
	/* A good signature under a good header: only the payload (or
	 * the length) can be wrong. */
	rc = verify(fixed, tok, len, NULL);
	if (rc != GH_JOSE_OK && rc != GH_JOSE_MALFORMED)
		abort();
	free(tok);
}

static void
mode_es256(const uint8_t *rest, size_t rlen)
{
	json_object	*claims = NULL, *pl = NULL;
	char		*tok = NULL, kid[4];
	enum gh_jose_err rc;

	/* The claims as the OAuth code would hold them: parsed JSON. */
	if (gh_json_parse((const char *)rest, rlen, 10, &claims) !=
	    GH_JSON_OK) {
		/* Not an object: the signer must refuse a non-object. */
		json_object *arr = json_object_new_array();

		if (gh_jose_sign_es256(ec_pem, sizeof(ec_pem) - 1, "e", arr,
		    &tok) != GH_EINVAL || tok != NULL)
			abort();
		json_object_put(arr);
		return;
	}
	if (gh_jose_sign_es256(ec_pem, sizeof(ec_pem) - 1, "e", claims,
	    &tok) != GH_OK || tok == NULL)
		abort();
	rc = verify(fixed, tok, strlen(tok), &pl);
	if (strlen(tok) <= GH_JWS_MAX) {
		if (rc != GH_JOSE_OK || !json_object_equal(pl, claims))
			abort();
	} else if (rc != GH_JOSE_MALFORMED)
		abort();
	if (gh_jose_peek_kid(tok, strlen(tok), kid, sizeof(kid)) !=
	    (strlen(tok) <= GH_JWS_MAX) || (kid[0] != '\0' &&
	    strcmp(kid, "e") != 0))
		abort();
	json_object_put(pl);
	json_object_put(claims);
	free(tok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	raw(data, size);
	if (size < 2)
		return 0;
	switch (data[0] % 4) {
	case 1:
		mode_eddsa(data + 1, size - 1);
		break;
	case 2:
		mode_rs256(data + 1, size - 1);
		break;
	case 3:
		mode_es256(data + 1, size - 1);
		break;
	default:
		break;
	}
	return 0;
}
