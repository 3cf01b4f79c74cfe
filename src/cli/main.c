/* gatehouse — the admin command. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "clock.h"
#include "config.h"
#include "db.h"
#include "keys.h"

static void
usage(FILE *f)
{
	fputs("usage: gatehouse <command>\n"
	    "\n"
	    "  init         create the data directory, secret key, database\n"
	    "               and a signing key (safe to run again)\n"
	    "  migrate      apply database migrations this build carries\n"
	    "  keys rotate  add a new signing key; old ones keep verifying\n"
	    "\n"
	    "Configuration: the file named by GATEHOUSE_CONFIG, and\n"
	    "GATEHOUSE_<KEY> environment variables (see docs/configuration.md).\n",
	    f);
}

static int
open_db(const struct gh_config *cfg, int create, struct gh_db **db)
{
	int	 applied;

	if (gh_db_open(gh_config_db_path(cfg), create, db) != GH_OK)
		return -1;
	if (gh_db_migrate(*db, &applied) != GH_OK) {
		fprintf(stderr, "gatehouse: migration failed\n");
		return -1;
	}
	if (applied > 0)
		printf("applied %d migration%s (schema version %d)\n", applied,
		    applied == 1 ? "" : "s", gh_db_schema_latest());
	return 0;
}

static int
cmd_init(const struct gh_config *cfg)
{
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	struct gh_db		*db = NULL;
	struct gh_keyring	 ring;
	char			 kid[GH_KID_MAX + 1];
	int			 rc = 1;

	memset(&ring, 0, sizeof(ring));
	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "gatehouse: %s: %s\n", cfg->data_dir,
		    strerror(errno));
		return 1;
	}
	if (gh_keys_secret_load(gh_config_secret_key_file(cfg), 1, secret) !=
	    GH_OK || open_db(cfg, 1, &db) != 0)
		goto out;
	if (gh_keys_load(db, secret, gh_clock_now(), &ring) != GH_OK)
		goto out;
	if (ring.nkeys == 0) {
		if (gh_keys_generate(db, secret, kid) != GH_OK)
			goto out;
		printf("signing key %s created\n", kid);
	}
	printf("ready: %s\n", gh_config_db_path(cfg));
	rc = 0;
out:
	sodium_memzero(secret, sizeof(secret));
	gh_keys_wipe(&ring);
	gh_db_close(db);
	return rc;
}

static int
cmd_migrate(const struct gh_config *cfg)
{
	struct gh_db	*db = NULL;
	int		 rc;

	rc = open_db(cfg, 0, &db) == 0 ? 0 : 1;
	if (rc == 0)
		printf("schema version %d\n", gh_db_schema_latest());
	gh_db_close(db);
	return rc;
}

static int
cmd_keys_rotate(const struct gh_config *cfg)
{
	unsigned char	 secret[crypto_secretbox_KEYBYTES];
	struct gh_db	*db = NULL;
	char		 kid[GH_KID_MAX + 1];
	int		 rc = 1;

	if (gh_keys_secret_load(gh_config_secret_key_file(cfg), 0, secret) !=
	    GH_OK || open_db(cfg, 0, &db) != 0)
		goto out;
	if (gh_keys_generate(db, secret, kid) != GH_OK)
		goto out;
	printf("signing key %s created; it signs from now on\n", kid);
	rc = 0;
out:
	sodium_memzero(secret, sizeof(secret));
	gh_db_close(db);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct gh_config	 cfg;
	char			 err[512];

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "gatehouse: libsodium cannot initialise\n");
		return 1;
	}
	if (gh_config_load(&cfg, err, sizeof(err)) != GH_OK) {
		fprintf(stderr, "gatehouse: %s\n", err);
		return 1;
	}
	if (strcmp(argv[1], "init") == 0 && argc == 2)
		return cmd_init(&cfg);
	if (strcmp(argv[1], "migrate") == 0 && argc == 2)
		return cmd_migrate(&cfg);
	if (strcmp(argv[1], "keys") == 0 && argc == 3 &&
	    strcmp(argv[2], "rotate") == 0)
		return cmd_keys_rotate(&cfg);
	usage(stderr);
	return 2;
}
