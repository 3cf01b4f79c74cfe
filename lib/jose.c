#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include "jose.h"
#include "str.h"
#include "json.h"

#define B64URL		sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define JWKS_DEPTH	8	/* {"keys":[{"x5c":[...]}]} with room */
#define HEADER_DEPTH	4
#define PAYLOAD_DEPTH	10	/* claims such as "address" nest a little */
#define RSA_BITS_MIN	2048
#define RSA_BITS_MAX	8192
#define RSA_BYTES_MAX	(RSA_BITS_MAX / 8)
#define RSA_E_MAX	8	/* bytes: OpenSSL refuses more above 3072 bits */
#define P256_BYTES	32
#define PEM_MAX		16384

enum kty {
	KTY_RSA,
	KTY_EC,
	KTY_OKP,
};

/* The algorithms we verify, each with the one key type it needs
 * (RFC 7518 §3.1, RFC 8037 §3.1). */
static const struct {
	const char	*name;
	enum kty	 kty;
	const char	*jwk_kty;	/* RFC 7518 §6.1, RFC 8037 §2 */
} algs[] = {
	{ "RS256", KTY_RSA, "RSA" },
	{ "ES256", KTY_EC, "EC" },
	{ "EdDSA", KTY_OKP, "OKP" },
};
#define NALGS	(sizeof(algs) / sizeof(algs[0]))

struct jwk {
	enum kty	 kty;
	int		 has_kid;
	char		 kid[GH_JOSE_KID_MAX + 1];
	size_t		 kidlen;
	EVP_PKEY	*pkey;		/* RSA and EC */
	unsigned char	 ed[crypto_sign_PUBLICKEYBYTES];	/* OKP */
};

struct gh_jwks {
	struct jwk	 keys[GH_JWKS_KEYS_MAX];
	size_t		 n;
};

/* The header fields we act on. */
struct hdr {
	size_t		 alg;		/* index into algs */
	int		 has_kid;
	char		 kid[GH_JOSE_KID_MAX + 1];
	size_t		 kidlen;
};

/* Is v a JSON string equal to s over its whole length (json-c strings
 * may hold a NUL, which strcmp would stop at)? */
static int
str_is(json_object *v, const char *s)
{
	size_t	 n = strlen(s);

	return v != NULL && json_object_is_type(v, json_type_string) &&
	    (size_t)json_object_get_string_len(v) == n &&
	    memcmp(json_object_get_string(v), s, n) == 0;
}

/* The string member name of o, NUL-free and at most max bytes. Returns 1
 * when present and acceptable, 0 when absent, -1 otherwise. */
static int
get_str(json_object *o, const char *name, size_t max, const char **s,
    size_t *len)
{
	json_object	*v;
	int		 n;

	if (!json_object_object_get_ex(o, name, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    (n = json_object_get_string_len(v)) < 0 || (size_t)n > max)
		return -1;
	*s = json_object_get_string(v);
	*len = (size_t)n;
	if (memchr(*s, '\0', *len) != NULL)
		return -1;
	return 1;
}

/* The base64url member name of o, decoded into out[0..outsz). */
static int
get_b64(json_object *o, const char *name, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	const char	*s;
	size_t		 n;

	/* Four characters per three bytes, so longer text cannot fit. */
	if (get_str(o, name, (outsz + 2) / 3 * 4, &s, &n) != 1)
		return -1;
	return gh_b64url_decode(s, n, out, outsz, outlen);
}

/* Decodes one base64url part holding a JSON object. Owned or NULL. */
static json_object *
decode_json(const char *s, size_t len, int depth)
{
	unsigned char	*buf;
	size_t		 n;
	json_object	*o = NULL;

	if ((buf = malloc(len / 4 * 3 + 3)) == NULL)
		return NULL;
	if (gh_b64url_decode(s, len, buf, len / 4 * 3 + 3, &n) != 0 ||
	    gh_json_parse((const char *)buf, n, depth, &o) != GH_JSON_OK)
		o = NULL;
	free(buf);
	return o;
}

/* ---- key sets ------------------------------------------------------ */

/* RFC 7517 §4.2-4.4: a key meant for encryption, or one whose alg is not
 * the one we verify with for its type, must not verify our tokens. */
static int
jwk_is_for(json_object *o, const char *alg)
{
	json_object	*v, *e;
	size_t		 i, n;

	if (json_object_object_get_ex(o, "use", &v) && !str_is(v, "sig"))
		return 0;
	if (json_object_object_get_ex(o, "alg", &v) && !str_is(v, alg))
		return 0;
	if (json_object_object_get_ex(o, "key_ops", &v)) {
		if (!json_object_is_type(v, json_type_array))
			return 0;
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(v, i);
			if (str_is(e, "verify"))
				return 1;
		}
		return 0;
	}
	return 1;
}

/* Leading zero bytes are not part of an unsigned big-endian integer;
 * RFC 7518 §6.3.1.1 forbids them but some servers add one. */
static const unsigned char *
strip_zeros(const unsigned char *p, size_t *len)
{
	while (*len > 0 && *p == 0) {
		p++;
		(*len)--;
	}
	return p;
}

static size_t
bit_len(const unsigned char *p, size_t len)
{
	unsigned char	 c;
	size_t		 bits;

	if (len == 0)
		return 0;
	bits = (len - 1) * 8;
	for (c = p[0]; c != 0; c >>= 1)
		bits++;
	return bits;
}

/* An RSA public key from n and e (RFC 7518 §6.3.1). GH_EINVAL skips the
 * key. */
static enum gh_err
rsa_key(json_object *o, EVP_PKEY **out)
{
	unsigned char		 nb[RSA_BYTES_MAX + 8], eb[RSA_E_MAX + 8];
	const unsigned char	*n, *e;
	size_t			 nlen, elen, bits;
	BIGNUM			*bn_n = NULL, *bn_e = NULL;
	OSSL_PARAM_BLD		*bld = NULL;
	OSSL_PARAM		*params = NULL;
	EVP_PKEY_CTX		*ctx = NULL;
	enum gh_err		 er = GH_EINVAL;

	if (get_b64(o, "n", nb, sizeof(nb), &nlen) != 0 ||
	    get_b64(o, "e", eb, sizeof(eb), &elen) != 0)
		goto out;
	n = strip_zeros(nb, &nlen);
	e = strip_zeros(eb, &elen);
	bits = bit_len(n, nlen);
	/* An even modulus or exponent, or e = 1, is no RSA key. */
	if (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX ||
	    (n[nlen - 1] & 1) == 0 || elen == 0 || elen > RSA_E_MAX ||
	    (e[elen - 1] & 1) == 0 || (elen == 1 && e[0] == 1))
		goto out;
	er = GH_ENOMEM;
	if ((bn_n = BN_bin2bn(n, (int)nlen, NULL)) == NULL ||
	    (bn_e = BN_bin2bn(e, (int)elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL)
		goto out;
	er = GH_ECRYPTO;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	er = GH_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return er;
}

/* A P-256 public key from x and y (RFC 7518 §6.2.1), which must be a
 * valid point of the curve (SEC 1 §3.2.2.1). libcrypto's import already
 * refuses most bad points; the public check says it outright. */
static enum gh_err
ec_key(json_object *o, EVP_PKEY **out)
{
	unsigned char	 pt[1 + 2 * P256_BYTES], buf[P256_BYTES + 1];
	size_t		 n;
	char		 group[] = "prime256v1";
	OSSL_PARAM	 params[3];
	EVP_PKEY_CTX	*ctx = NULL, *check = NULL;
	EVP_PKEY	*pkey = NULL;
	enum gh_err	 er = GH_EINVAL;

	if (!str_is(json_object_object_get(o, "crv"), "P-256"))
		goto out;
	/* SEC 1 §2.3.3 uncompressed point: 0x04 || x || y. */
	pt[0] = 0x04;
	if (get_b64(o, "x", buf, sizeof(buf), &n) != 0 || n != P256_BYTES)
		goto out;
	memcpy(pt + 1, buf, P256_BYTES);
	if (get_b64(o, "y", buf, sizeof(buf), &n) != 0 || n != P256_BYTES)
		goto out;
	memcpy(pt + 1 + P256_BYTES, buf, P256_BYTES);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	er = GH_ENOMEM;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL)
		goto out;
	er = GH_EINVAL;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	if ((check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL) {
		er = GH_ENOMEM;
		goto out;
	}
	if (EVP_PKEY_public_check(check) != 1)
		goto out;
	*out = pkey;
	pkey = NULL;
	er = GH_OK;
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	return er;
}

/* An Ed25519 public key from x (RFC 8037 §2); a small-order or
 * non-canonical point would let forged signatures verify. */
static enum gh_err
okp_key(json_object *o, unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	unsigned char	 buf[crypto_sign_PUBLICKEYBYTES + 1];
	size_t		 n;

	if (!str_is(json_object_object_get(o, "crv"), "Ed25519") ||
	    get_b64(o, "x", buf, sizeof(buf), &n) != 0 ||
	    n != crypto_sign_PUBLICKEYBYTES ||
	    crypto_core_ed25519_is_valid_point(buf) != 1)
		return GH_EINVAL;
	memcpy(pk, buf, crypto_sign_PUBLICKEYBYTES);
	return GH_OK;
}

/* Reads one JWK into k. GH_EINVAL skips it (unknown type, not for
 * signing, a bad value); anything else but GH_OK ends the parse. */
static enum gh_err
jwk_read(json_object *o, struct jwk *k)
{
	json_object	*kty;
	const char	*kid;
	enum gh_err	 er;
	size_t		 i;
	int		 r;

	memset(k, 0, sizeof(*k));
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "kty", &kty))
		return GH_EINVAL;
	for (i = 0; i < NALGS; i++)
		if (str_is(kty, algs[i].jwk_kty))
			break;
	if (i == NALGS || !jwk_is_for(o, algs[i].name))
		return GH_EINVAL;
	k->kty = algs[i].kty;
	if ((r = get_str(o, "kid", GH_JOSE_KID_MAX, &kid, &k->kidlen)) < 0)
		return GH_EINVAL;
	if (r == 1) {
		k->has_kid = 1;
		memcpy(k->kid, kid, k->kidlen);
	}
	switch (k->kty) {
	case KTY_RSA:
		er = rsa_key(o, &k->pkey);
		break;
	case KTY_EC:
		er = ec_key(o, &k->pkey);
		break;
	default:
		er = okp_key(o, k->ed);
		break;
	}
	/* Whatever OpenSSL queued about a refused key is no one's error. */
	if (er != GH_OK)
		ERR_clear_error();
	/* A key libcrypto could not take is skipped, like any bad key. */
	return er == GH_ECRYPTO ? GH_EINVAL : er;
}

enum gh_err
gh_jwks_parse(const char *doc, size_t len, struct gh_jwks **out)
{
	json_object	*root = NULL, *keys;
	struct gh_jwks	*set = NULL;
	struct jwk	 k;
	size_t		 i, n;
	enum gh_err	 er = GH_EINVAL;

	*out = NULL;
	if (len > GH_JWKS_MAX) {
		er = GH_ETOOBIG;
		goto out;
	}
	if (doc == NULL ||
	    gh_json_parse(doc, len, JWKS_DEPTH, &root) != GH_JSON_OK ||
	    !json_object_object_get_ex(root, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_array))
		goto out;
	if ((set = calloc(1, sizeof(*set))) == NULL) {
		er = GH_ENOMEM;
		goto out;
	}
	n = json_object_array_length(keys);
	for (i = 0; i < n; i++) {
		if ((er = jwk_read(json_object_array_get_idx(keys, i), &k)) ==
		    GH_EINVAL)
			continue;
		if (er != GH_OK)
			goto out;
		/* Dropping keys silently would fail logins only later. */
		if (set->n == GH_JWKS_KEYS_MAX) {
			EVP_PKEY_free(k.pkey);
			er = GH_ETOOBIG;
			goto out;
		}
		set->keys[set->n++] = k;
	}
	*out = set;
	set = NULL;
	er = GH_OK;
out:
	gh_jwks_free(set);
	json_object_put(root);
	return er;
}

void
gh_jwks_free(struct gh_jwks *set)
{
	size_t	 i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		EVP_PKEY_free(set->keys[i].pkey);
	free(set);
}

size_t
gh_jwks_count(const struct gh_jwks *set)
{
	return set == NULL ? 0 : set->n;
}

/* ---- verification -------------------------------------------------- */

/* The kid of a decoded header; a kid we could not store is malformed. */
static enum gh_jose_err
header_kid(json_object *h, struct hdr *out)
{
	const char	*kid;
	int		 r;

	if ((r = get_str(h, "kid", GH_JOSE_KID_MAX, &kid, &out->kidlen)) < 0)
		return GH_JOSE_MALFORMED;
	out->has_kid = r;
	if (r == 1) {
		memcpy(out->kid, kid, out->kidlen);
		out->kid[out->kidlen] = '\0';
	}
	return GH_JOSE_OK;
}

/* RFC 7515 §4.1: the alg must be one we verify, and since we implement
 * no extension, a header with crit is refused (§4.1.11). Keys named by
 * the header itself (jwk, jku, x5u, x5c) are never used. */
static enum gh_jose_err
read_header(const char *jws, size_t dot1, struct hdr *out)
{
	json_object		*h, *alg;
	enum gh_jose_err	 rc = GH_JOSE_MALFORMED;

	memset(out, 0, sizeof(*out));
	if ((h = decode_json(jws, dot1, HEADER_DEPTH)) == NULL)
		return GH_JOSE_MALFORMED;
	if (!json_object_object_get_ex(h, "alg", &alg) ||
	    !json_object_is_type(alg, json_type_string) ||
	    json_object_object_get_ex(h, "crit", NULL))
		goto out;
	if ((rc = header_kid(h, out)) != GH_JOSE_OK)
		goto out;
	rc = GH_JOSE_BAD_ALG;
	for (out->alg = 0; out->alg < NALGS; out->alg++)
		if (str_is(alg, algs[out->alg].name))
			break;
	if (out->alg == NALGS)
		goto out;
	rc = GH_JOSE_OK;
out:
	json_object_put(h);
	return rc;
}

/* The key named by the header's kid, of the type its alg needs; with no
 * kid, the only key of that type. */
static enum gh_jose_err
find_key(const struct gh_jwks *set, const struct hdr *h,
    const struct jwk **out)
{
	const struct jwk	*k;
	enum kty		 want = algs[h->alg].kty;
	size_t			 i, nmatch = 0;
	int			 other = 0;

	*out = NULL;
	for (i = 0; i < set->n; i++) {
		k = &set->keys[i];
		if (!h->has_kid) {
			if (k->kty == want) {
				*out = k;
				nmatch++;
			}
			continue;
		}
		if (!k->has_kid || k->kidlen != h->kidlen ||
		    memcmp(k->kid, h->kid, h->kidlen) != 0)
			continue;
		if (k->kty == want) {
			*out = k;
			return GH_JOSE_OK;
		}
		other = 1;
	}
	if (!h->has_kid && nmatch == 1)
		return GH_JOSE_OK;
	*out = NULL;
	/* The issuer's key of that name is of another type: an alg
	 * confusion attempt, not a key we lack. */
	return other ? GH_JOSE_BAD_ALG : GH_JOSE_UNKNOWN_KID;
}

/* RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3) or ECDSA P-256 with
 * SHA-256 over a DER signature, by libcrypto. */
static enum gh_jose_err
evp_verify(EVP_PKEY *pkey, int rsa, const unsigned char *sig, size_t siglen,
    const unsigned char *msg, size_t msglen)
{
	EVP_MD_CTX		*md;
	EVP_PKEY_CTX		*pctx = NULL;
	enum gh_jose_err	 rc = GH_JOSE_BAD_SIGNATURE;

	if ((md = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit_ex(md, &pctx, "SHA256", NULL, NULL, pkey,
	    NULL) != 1)
		goto out;
	/* PKCS#1 v1.5 is libcrypto's default; say so rather than rely on
	 * it, since PSS under this name would be another algorithm. */
	if (rsa && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
		goto out;
	if (EVP_DigestVerify(md, sig, siglen, msg, msglen) == 1)
		rc = GH_JOSE_OK;
out:
	EVP_MD_CTX_free(md);
	if (rc != GH_JOSE_OK)
		ERR_clear_error();
	return rc;
}

/* RFC 7518 §3.4: the JWS carries R || S, 32 bytes each; libcrypto wants
 * the DER ECDSA-Sig-Value. */
static enum gh_jose_err
es256_verify(EVP_PKEY *pkey, const unsigned char *sig, size_t siglen,
    const unsigned char *msg, size_t msglen)
{
	ECDSA_SIG		*es = NULL;
	BIGNUM			*r = NULL, *s = NULL;
	unsigned char		*der = NULL;
	int			 derlen;
	enum gh_jose_err	 rc = GH_JOSE_BAD_SIGNATURE;

	if (siglen != 2 * P256_BYTES)
		goto out;
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, P256_BYTES, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + P256_BYTES, P256_BYTES, NULL)) == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL;		/* es owns them now */
	if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0)
		goto out;
	rc = evp_verify(pkey, 0, der, (size_t)derlen, msg, msglen);
out:
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

static enum gh_jose_err
check_signature(const struct jwk *k, const unsigned char *sig,
    size_t siglen, const char *msg, size_t msglen)
{
	const unsigned char	*m = (const unsigned char *)msg;

	switch (k->kty) {
	case KTY_RSA:
		/* RFC 8017 §8.2.2: a signature not of the modulus' length
		 * is invalid. */
		if (siglen != (size_t)EVP_PKEY_get_size(k->pkey))
			return GH_JOSE_BAD_SIGNATURE;
		return evp_verify(k->pkey, 1, sig, siglen, m, msglen);
	case KTY_EC:
		return es256_verify(k->pkey, sig, siglen, m, msglen);
	default:
		if (siglen != crypto_sign_BYTES ||
		    crypto_sign_verify_detached(sig, m, msglen, k->ed) != 0)
			return GH_JOSE_BAD_SIGNATURE;
		return GH_JOSE_OK;
	}
}

enum gh_jose_err
gh_jose_verify(const struct gh_jwks *set, const char *jws, size_t len,
    json_object **payload)
{
	struct hdr		 h;
	const struct jwk	*key;
	unsigned char		 sig[RSA_BYTES_MAX + 1];
	size_t			 d1, d2, siglen;
	enum gh_jose_err	 rc;

	*payload = NULL;
	if (set == NULL ||
	    gh_str_jws_split(jws, len, GH_JWS_MAX, &d1, &d2) != 0)
		return GH_JOSE_MALFORMED;
	if ((rc = read_header(jws, d1, &h)) != GH_JOSE_OK)
		return rc;
	if ((rc = find_key(set, &h, &key)) != GH_JOSE_OK)
		return rc;
	if (gh_b64url_decode(jws + d2 + 1, len - d2 - 1, sig, sizeof(sig),
	    &siglen) != 0)
		return GH_JOSE_MALFORMED;
	/* The signing input is the text before the second dot, as sent
	 * (RFC 7515 §5.2 step 8). */
	if ((rc = check_signature(key, sig, siglen, jws, d2)) != GH_JOSE_OK)
		return rc;
	/* RFC 7519 §7.2 step 10: a JWT's payload is a JSON object. */
	if ((*payload = decode_json(jws + d1 + 1, d2 - d1 - 1,
	    PAYLOAD_DEPTH)) == NULL)
		return GH_JOSE_MALFORMED;
	return GH_JOSE_OK;
}

int
gh_jose_peek_kid(const char *jws, size_t len, char *kid, size_t kidsz)
{
	struct hdr	 h;
	json_object	*o = NULL;
	size_t		 d1, d2;
	int		 found = 0;

	memset(&h, 0, sizeof(h));
	if (kid == NULL || kidsz == 0)
		return 0;
	kid[0] = '\0';
	if (gh_str_jws_split(jws, len, GH_JWS_MAX, &d1, &d2) != 0 ||
	    (o = decode_json(jws, d1, HEADER_DEPTH)) == NULL ||
	    header_kid(o, &h) != GH_JOSE_OK || !h.has_kid ||
	    h.kidlen >= kidsz)
		goto out;
	memcpy(kid, h.kid, h.kidlen + 1);
	found = 1;
out:
	json_object_put(o);
	return found;
}

int
gh_jose_claim_aud_has(json_object *payload, const char *aud)
{
	json_object	*v;
	size_t		 i, n;

	/* An empty expected audience is a configuration error: match
	 * nothing rather than a token that says "". */
	if (payload == NULL || aud == NULL || *aud == '\0' ||
	    !json_object_object_get_ex(payload, "aud", &v))
		return 0;
	if (json_object_is_type(v, json_type_string))
		return str_is(v, aud);
	if (!json_object_is_type(v, json_type_array))
		return 0;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++)
		if (str_is(json_object_array_get_idx(v, i), aud))
			return 1;
	return 0;
}

/* ---- signing ------------------------------------------------------- */

/* An encrypted key is refused rather than libcrypto asking for a
 * passphrase on a terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int
is_p256(EVP_PKEY *pkey)
{
	char	 group[64];

	if (!EVP_PKEY_is_a(pkey, "EC") ||
	    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) != 1)
		return 0;
	return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

/* ECDSA P-256 SHA-256 over msg, as JOSE's R || S (RFC 7518 §3.4). */
static enum gh_err
es256_sign(EVP_PKEY *pkey, const char *msg, size_t msglen,
    unsigned char raw[2 * P256_BYTES])
{
	EVP_MD_CTX		*md;
	ECDSA_SIG		*es = NULL;
	const BIGNUM		*r, *s;
	unsigned char		 der[128];
	const unsigned char	*p = der;
	size_t			 derlen = sizeof(der);
	enum gh_err		 er = GH_ECRYPTO;

	if ((md = EVP_MD_CTX_new()) == NULL) {
		er = GH_ENOMEM;
		goto out;
	}
	if (EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, pkey,
	    NULL) != 1 || EVP_DigestSign(md, der, &derlen,
	    (const unsigned char *)msg, msglen) != 1)
		goto out;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, raw, P256_BYTES) != P256_BYTES ||
	    BN_bn2binpad(s, raw + P256_BYTES, P256_BYTES) != P256_BYTES)
		goto out;
	er = GH_OK;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return er;
}

enum gh_err
gh_jose_sign_es256(const char *pem, size_t pem_len, const char *kid,
    json_object *claims, char **out)
{
	BIO		*bio = NULL;
	EVP_PKEY	*pkey = NULL;
	json_object	*hdr = NULL, *v;
	const char	*hs, *ps;
	char		*h64 = NULL, *p64 = NULL, *s64 = NULL, *tok = NULL;
	unsigned char	 raw[2 * P256_BYTES];
	size_t		 kidlen, hl, pl, hl64, pl64, sl64;
	enum gh_err	 er = GH_EINVAL;

	*out = NULL;
	if (pem == NULL || pem_len == 0 || pem_len > PEM_MAX ||
	    kid == NULL || claims == NULL ||
	    !json_object_is_type(claims, json_type_object))
		goto out;
	kidlen = strnlen(kid, GH_JOSE_KID_MAX + 1);
	if (kidlen == 0 || kidlen > GH_JOSE_KID_MAX)
		goto out;
	if ((bio = BIO_new_mem_buf(pem, (int)pem_len)) == NULL) {
		er = GH_ENOMEM;
		goto out;
	}
	if ((pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase,
	    NULL)) == NULL || !is_p256(pkey))
		goto out;

	er = GH_ENOMEM;
	if ((hdr = json_object_new_object()) == NULL)
		goto out;
	if ((v = json_object_new_string("ES256")) == NULL)
		goto out;
	gh_json_add(hdr, "alg", v);
	if ((v = json_object_new_string_len(kid, (int)kidlen)) == NULL)
		goto out;
	gh_json_add(hdr, "kid", v);
	if ((hs = gh_json_string(hdr, &hl)) == NULL ||
	    (ps = gh_json_string(claims, &pl)) == NULL ||
	    (h64 = gh_b64url_encode((const unsigned char *)hs, hl)) == NULL ||
	    (p64 = gh_b64url_encode((const unsigned char *)ps, pl)) == NULL)
		goto out;
	hl64 = strlen(h64);
	pl64 = strlen(p64);
	sl64 = sodium_base64_encoded_len(sizeof(raw), B64URL);
	if ((tok = malloc(hl64 + 1 + pl64 + 1 + sl64)) == NULL)
		goto out;
	memcpy(tok, h64, hl64);
	tok[hl64] = '.';
	memcpy(tok + hl64 + 1, p64, pl64);
	if ((er = es256_sign(pkey, tok, hl64 + 1 + pl64, raw)) != GH_OK)
		goto out;
	if ((s64 = gh_b64url_encode(raw, sizeof(raw))) == NULL) {
		er = GH_ENOMEM;
		goto out;
	}
	tok[hl64 + 1 + pl64] = '.';
	/* sl64 counts the NUL. */
	memcpy(tok + hl64 + 1 + pl64 + 1, s64, strlen(s64) + 1);
	*out = tok;
	tok = NULL;
	er = GH_OK;
out:
	if (er != GH_OK)
		ERR_clear_error();
	free(h64);
	free(p64);
	free(s64);
	free(tok);
	json_object_put(hdr);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return er;
}
