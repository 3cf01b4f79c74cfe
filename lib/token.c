#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "keys.h"
#include "str.h"
#include "token.h"

#define B64URL	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define PART_MAX	3072	/* decoded bytes of a header or payload */


enum gh_err
gh_token_sign(const struct gh_key *key, const struct gh_claims *c, char **out)
{
	json_object	*hdr = NULL, *pl = NULL, *amr;
	const char	*hs, *ps;
	size_t		 hl, pl_len, i, total;
	char		*h64 = NULL, *p64 = NULL, *s64 = NULL, *tok = NULL;
	unsigned char	 sig[crypto_sign_BYTES];
	enum gh_err	 er = GH_ENOMEM;

	*out = NULL;
	if (!key->has_sk)
		return GH_ECRYPTO;
	hdr = json_object_new_object();
	gh_json_add(hdr, "alg", json_object_new_string("EdDSA"));
	gh_json_add(hdr, "typ", json_object_new_string("JWT"));
	gh_json_add(hdr, "kid", json_object_new_string(key->kid));
	pl = json_object_new_object();
	gh_json_add(pl, "iss", json_object_new_string(c->iss));
	gh_json_add(pl, "sub", json_object_new_string(c->sub));
	gh_json_add(pl, "aud", json_object_new_string(c->aud));
	gh_json_add(pl, "exp", json_object_new_int64(c->exp));
	gh_json_add(pl, "iat", json_object_new_int64(c->iat));
	gh_json_add(pl, "sid", json_object_new_string(c->sid));
	amr = json_object_new_array();
	for (i = 0; i < c->namr; i++)
		json_object_array_add(amr, json_object_new_string(c->amr[i]));
	gh_json_add(pl, "amr", amr);
	if (c->active_membership[0] != '\0')
		gh_json_add(pl, "active_membership",
		    json_object_new_string(c->active_membership));
	if (c->account_id[0] != '\0')
		gh_json_add(pl, "account_id",
		    json_object_new_string(c->account_id));
	hs = gh_json_string(hdr, &hl);
	ps = gh_json_string(pl, &pl_len);
	if ((h64 = gh_b64url_encode((const unsigned char *)hs, hl)) == NULL ||
	    (p64 = gh_b64url_encode((const unsigned char *)ps, pl_len)) == NULL)
		goto out;
	total = strlen(h64) + 1 + strlen(p64) + 1 +
	    sodium_base64_encoded_len(sizeof(sig), B64URL);
	if ((tok = malloc(total)) == NULL)
		goto out;
	snprintf(tok, total, "%s.%s", h64, p64);
	crypto_sign_detached(sig, NULL, (const unsigned char *)tok,
	    strlen(tok), key->sk);
	if ((s64 = gh_b64url_encode(sig, sizeof(sig))) == NULL)
		goto out;
	strcat(tok, ".");
	strcat(tok, s64);
	*out = tok;
	tok = NULL;
	er = GH_OK;
out:
	free(h64);
	free(p64);
	free(s64);
	free(tok);
	json_object_put(hdr);
	json_object_put(pl);
	return er;
}

static json_object *
decode_json(const char *s, size_t len)
{
	unsigned char	 buf[PART_MAX];
	size_t		 n;
	json_object	*o = NULL;

	if (gh_b64url_decode(s, len, buf, sizeof(buf), &n) != 0)
		return NULL;
	if (gh_json_parse((const char *)buf, n, 4, &o) != GH_JSON_OK)
		return NULL;
	return o;
}

static const char *
get_str(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int
get_int(json_object *o, const char *key, int64_t *out)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

static int
copy(char *dst, size_t dstsz, const char *src)
{
	if (src == NULL || *src == '\0' || strlen(src) >= dstsz)
		return -1;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

/* RFC 7515 §4.1: alg must be EdDSA, and a header we do not understand
 * (crit) is refused. */
static enum gh_token_err
read_header(const char *jwt, size_t dot1, char *kid, size_t kidsz)
{
	json_object		*h;
	const char		*alg, *typ;
	enum gh_token_err	 rc = GH_TOKEN_MALFORMED;

	if ((h = decode_json(jwt, dot1)) == NULL)
		return GH_TOKEN_MALFORMED;
	if ((alg = get_str(h, "alg")) == NULL)
		goto out;
	if (strcmp(alg, "EdDSA") != 0) {
		rc = GH_TOKEN_BAD_ALG;
		goto out;
	}
	typ = get_str(h, "typ");
	if ((json_object_object_get_ex(h, "typ", NULL) &&
	    (typ == NULL || strcmp(typ, "JWT") != 0)) ||
	    json_object_object_get_ex(h, "crit", NULL))
		goto out;
	if (copy(kid, kidsz, get_str(h, "kid")) != 0)
		goto out;
	rc = GH_TOKEN_OK;
out:
	json_object_put(h);
	return rc;
}

enum gh_token_err
gh_token_peek_kid(const char *jwt, size_t len, char *kid, size_t kidsz)
{
	size_t	 d1, d2;

	if (gh_str_jws_split(jwt, len, GH_JWT_MAX, &d1, &d2) != 0)
		return GH_TOKEN_MALFORMED;
	return read_header(jwt, d1, kid, kidsz);
}

static int
aud_matches(json_object *p, const char *aud)
{
	json_object	*v, *e;
	size_t		 i;

	if (!json_object_object_get_ex(p, "aud", &v))
		return 0;
	if (json_object_is_type(v, json_type_string))
		return strcmp(json_object_get_string(v), aud) == 0;
	if (!json_object_is_type(v, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(v); i++) {
		e = json_object_array_get_idx(v, i);
		if (json_object_is_type(e, json_type_string) &&
		    strcmp(json_object_get_string(e), aud) == 0)
			return 1;
	}
	return 0;
}

/* An optional string claim: absent leaves dst "", anything but a
 * non-empty string that fits is -1 (we never sign such a token). */
static int
copy_optional(json_object *o, const char *key, char *dst, size_t dstsz)
{
	if (!json_object_object_get_ex(o, key, NULL))
		return 0;
	return copy(dst, dstsz, get_str(o, key));
}

static enum gh_token_err
read_claims(json_object *p, const char *iss, const char *aud, int64_t now,
    struct gh_claims *c)
{
	json_object	*amr, *e;
	size_t		 i;

	/* Without an expected audience the caller checks the one we copy. */
	if (aud == NULL)
		aud = get_str(p, "aud");
	else if (!aud_matches(p, aud))
		return GH_TOKEN_BAD_CLAIMS;
	if (copy(c->iss, sizeof(c->iss), get_str(p, "iss")) != 0 ||
	    strcmp(c->iss, iss) != 0 ||
	    copy(c->aud, sizeof(c->aud), aud) != 0 ||
	    copy(c->sub, sizeof(c->sub), get_str(p, "sub")) != 0 ||
	    copy(c->sid, sizeof(c->sid), get_str(p, "sid")) != 0 ||
	    get_int(p, "exp", &c->exp) != 0 ||
	    get_int(p, "iat", &c->iat) != 0 ||
	    copy_optional(p, "active_membership", c->active_membership,
	    sizeof(c->active_membership)) != 0 ||
	    copy_optional(p, "account_id", c->account_id,
	    sizeof(c->account_id)) != 0)
		return GH_TOKEN_BAD_CLAIMS;
	if (json_object_object_get_ex(p, "amr", &amr) &&
	    json_object_is_type(amr, json_type_array))
		for (i = 0; i < json_object_array_length(amr) &&
		    c->namr < sizeof(c->amr) / sizeof(c->amr[0]); i++) {
			e = json_object_array_get_idx(amr, i);
			if (json_object_is_type(e, json_type_string) &&
			    copy(c->amr[c->namr], sizeof(c->amr[0]),
			    json_object_get_string(e)) == 0)
				c->namr++;
		}
	/* A minute of clock skew between servers for iat; none for exp. */
	if (c->iat > now + 60)
		return GH_TOKEN_BAD_CLAIMS;
	if (c->exp <= now)
		return GH_TOKEN_EXPIRED;
	return GH_TOKEN_OK;
}

enum gh_token_err
gh_token_verify(const struct gh_keyring *ring, const char *jwt, size_t len,
    const char *iss, const char *aud, int64_t now, struct gh_claims *out)
{
	size_t			 d1, d2, siglen;
	char			 kid[GH_KID_MAX + 1];
	unsigned char		 sig[crypto_sign_BYTES + 1];
	const struct gh_key	*key;
	json_object		*p = NULL;
	enum gh_token_err	 rc;

	memset(out, 0, sizeof(*out));
	if (gh_str_jws_split(jwt, len, GH_JWT_MAX, &d1, &d2) != 0)
		return GH_TOKEN_MALFORMED;
	if ((rc = read_header(jwt, d1, kid, sizeof(kid))) != GH_TOKEN_OK)
		return rc;
	if ((key = gh_keys_find(ring, kid)) == NULL)
		return GH_TOKEN_UNKNOWN_KID;
	if (gh_b64url_decode(jwt + d2 + 1, len - d2 - 1, sig, sizeof(sig),
	    &siglen) != 0 || siglen != crypto_sign_BYTES)
		return GH_TOKEN_MALFORMED;
	if (crypto_sign_verify_detached(sig, (const unsigned char *)jwt, d2,
	    key->pk) != 0)
		return GH_TOKEN_BAD_SIGNATURE;
	if ((p = decode_json(jwt + d1 + 1, d2 - d1 - 1)) == NULL)
		return GH_TOKEN_MALFORMED;
	rc = read_claims(p, iss, aud, now, out);
	json_object_put(p);
	return rc;
}

enum gh_err
gh_token_opaque_new(char out[GH_OPAQUE_LEN + 1],
    unsigned char hash[GH_TOKEN_HASH_BYTES])
{
	unsigned char	 raw[GH_OPAQUE_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, GH_OPAQUE_LEN + 1, raw, sizeof(raw), B64URL);
	crypto_hash_sha256(hash, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	return GH_OK;
}

enum gh_err
gh_token_opaque_hash(const char *tok, size_t len,
    unsigned char hash[GH_TOKEN_HASH_BYTES])
{
	unsigned char	 raw[GH_OPAQUE_BYTES + 1];
	size_t		 n;
	enum gh_err	 er = GH_EINVAL;

	if (len != GH_OPAQUE_LEN ||
	    gh_b64url_decode(tok, len, raw, sizeof(raw), &n) != 0 ||
	    n != GH_OPAQUE_BYTES)
		goto out;
	crypto_hash_sha256(hash, raw, GH_OPAQUE_BYTES);
	er = GH_OK;
out:
	sodium_memzero(raw, sizeof(raw));
	return er;
}
