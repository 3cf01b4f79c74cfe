#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "json.h"
#include "keys.h"
#include "log.h"

#define SEALED_LEN	(crypto_secretbox_NONCEBYTES + \
	crypto_secretbox_MACBYTES + crypto_sign_SECRETKEYBYTES)
#define B64URL		sodium_base64_VARIANT_URLSAFE_NO_PADDING

static enum gh_err
read_secret(int fd, unsigned char out[crypto_secretbox_KEYBYTES])
{
	unsigned char	 buf[crypto_secretbox_KEYBYTES + 1];
	ssize_t		 n;
	size_t		 got = 0;

	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != crypto_secretbox_KEYBYTES) {
		sodium_memzero(buf, sizeof(buf));
		return GH_EIO;
	}
	memcpy(out, buf, crypto_secretbox_KEYBYTES);
	sodium_memzero(buf, sizeof(buf));
	return GH_OK;
}

enum gh_err
gh_keys_secret_load(const char *path, int create,
    unsigned char out[crypto_secretbox_KEYBYTES])
{
	int		 fd;
	enum gh_err	 er;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		er = read_secret(fd, out);
		close(fd);
		if (er != GH_OK)
			gh_log("%s: not a %d-byte secret key", path,
			    crypto_secretbox_KEYBYTES);
		return er;
	}
	if (errno != ENOENT || !create) {
		gh_log("%s: %s", path, strerror(errno));
		return GH_EIO;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		gh_log("%s: %s", path, strerror(errno));
		return GH_EIO;
	}
	crypto_secretbox_keygen(out);
	er = write(fd, out, crypto_secretbox_KEYBYTES) ==
	    crypto_secretbox_KEYBYTES && fsync(fd) == 0 ? GH_OK : GH_EIO;
	close(fd);
	if (er != GH_OK) {
		unlink(path);
		sodium_memzero(out, crypto_secretbox_KEYBYTES);
	}
	return er;
}

/* Inside an open transaction: a new key pair, its secret half sealed. */
static enum gh_err
insert_key(struct gh_db *db,
    const unsigned char secret[crypto_secretbox_KEYBYTES],
    char kid_out[GH_KID_MAX + 1])
{
	unsigned char	 pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	 sk[crypto_sign_SECRETKEYBYTES];
	unsigned char	 sealed[SEALED_LEN], rnd[12];
	struct gh_stmt	*st;
	enum gh_err	 er;

	crypto_sign_keypair(pk, sk);
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(kid_out, GH_KID_MAX + 1, rnd, sizeof(rnd), B64URL);
	randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, sk,
	    sizeof(sk), sealed, secret);
	st = gh_db_prepare(db, GH_STMT_KEY_INSERT, "tbbi", kid_out, pk,
	    sizeof(pk), sealed, sizeof(sealed), (int64_t)time(NULL));
	er = st != NULL ? gh_stmt_exec(st) : GH_EDB;
	sodium_memzero(sk, sizeof(sk));
	return er;
}

enum gh_err
gh_keys_generate(struct gh_db *db,
    const unsigned char secret[crypto_secretbox_KEYBYTES],
    char kid_out[GH_KID_MAX + 1])
{
	enum gh_err	 er;

	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		goto out;
	if ((er = insert_key(db, secret, kid_out)) == GH_OK)
		er = gh_db_commit(db);
	if (er != GH_OK)
		gh_db_rollback(db);
out:
	return er;
}

/*
 * One transaction, so no reader ever sees the old keys retired without a
 * new one to sign, nor the new one without the old ones' end set.
 */
enum gh_err
gh_keys_rotate(struct gh_db *db,
    const unsigned char secret[crypto_secretbox_KEYBYTES], int64_t retire_at,
    char kid_out[GH_KID_MAX + 1])
{
	struct gh_stmt	*st;
	enum gh_err	 er;

	kid_out[0] = '\0';
	if ((er = gh_db_begin(db, GH_DB_DURABLE)) != GH_OK)
		goto out;
	if ((st = gh_db_prepare(db, GH_STMT_KEYS_RETIRE, "i", retire_at)) ==
	    NULL)
		er = GH_EDB;
	else if ((er = gh_stmt_exec(st)) == GH_OK &&
	    (er = insert_key(db, secret, kid_out)) == GH_OK)
		er = gh_db_commit(db);
	if (er != GH_OK) {
		gh_db_rollback(db);
		kid_out[0] = '\0';
	}
out:
	return er;
}

enum gh_err
gh_keys_load(struct gh_db *db,
    const unsigned char secret[crypto_secretbox_KEYBYTES], int64_t now,
    struct gh_keyring *ring)
{
	struct gh_stmt	*st;
	const void	*pk, *sealed;
	const char	*kid;
	size_t		 pklen, slen;
	struct gh_key	*k;
	enum gh_step	 rc;
	enum gh_err	 er = GH_OK;

	gh_keys_wipe(ring);
	if ((st = gh_db_prepare(db, GH_STMT_KEYS_LIVE, "i", now)) == NULL)
		return GH_EDB;
	while ((rc = gh_stmt_step(st)) == GH_STEP_ROW &&
	    ring->nkeys < GH_KEYS_MAX) {
		k = &ring->keys[ring->nkeys];
		kid = gh_stmt_col_text(st, 0);
		pk = gh_stmt_col_blob(st, 1, &pklen);
		sealed = gh_stmt_col_blob(st, 2, &slen);
		if (kid == NULL || strlen(kid) > GH_KID_MAX ||
		    pklen != sizeof(k->pk) || slen != SEALED_LEN) {
			gh_log("signing_keys: malformed row skipped");
			continue;
		}
		memcpy(k->kid, kid, strlen(kid) + 1);
		memcpy(k->pk, pk, sizeof(k->pk));
		k->has_sk = crypto_secretbox_open_easy(k->sk,
		    (const unsigned char *)sealed + crypto_secretbox_NONCEBYTES,
		    slen - crypto_secretbox_NONCEBYTES, sealed, secret) == 0;
		if (!k->has_sk)
			gh_log("signing key %s: cannot open its secret with "
			    "this secret key; it only verifies", k->kid);
		k->created_at = gh_stmt_col_int(st, 3);
		ring->nkeys++;
	}
	if (rc == GH_STEP_ERROR)
		er = GH_EDB;
	gh_stmt_reset(st);
	ring->loaded_at = now;
	return er;
}

const struct gh_key *
gh_keys_find(const struct gh_keyring *ring, const char *kid)
{
	size_t	 i;

	for (i = 0; i < ring->nkeys; i++)
		if (strcmp(ring->keys[i].kid, kid) == 0)
			return &ring->keys[i];
	return NULL;
}

json_object *
gh_keys_jwks(const struct gh_keyring *ring)
{
	json_object	*doc = json_object_new_object();
	json_object	*arr = json_object_new_array(), *k;
	char		 x[sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES,
			    B64URL)];
	size_t		 i;

	for (i = 0; i < ring->nkeys; i++) {
		sodium_bin2base64(x, sizeof(x), ring->keys[i].pk,
		    sizeof(ring->keys[i].pk), B64URL);
		k = json_object_new_object();
		gh_json_add(k, "kty", json_object_new_string("OKP"));
		gh_json_add(k, "crv",
		    json_object_new_string("Ed25519"));
		gh_json_add(k, "kid",
		    json_object_new_string(ring->keys[i].kid));
		gh_json_add(k, "x", json_object_new_string(x));
		gh_json_add(k, "use", json_object_new_string("sig"));
		gh_json_add(k, "alg",
		    json_object_new_string("EdDSA"));
		json_object_array_add(arr, k);
	}
	gh_json_add(doc, "keys", arr);
	return doc;
}

void
gh_keys_wipe(struct gh_keyring *ring)
{
	sodium_memzero(ring, sizeof(*ring));
}
