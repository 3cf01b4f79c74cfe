/*
 * libFuzzer harness for lib/config.c: the input becomes the configuration
 * file (written to a per-process path under /tmp, removed after each run)
 * and is loaded with an environment that has nothing set.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char path[64];

static const char *
no_env(const char *name)
{
	(void)name;
	return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "/tmp/gh-fuzz-config-%ld.conf",
	    (long)getpid());
	return 0;
}

static void
check_str(const char *s, size_t sz)
{
	if (memchr(s, '\0', sz) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gh_config	 cfg;
	char			 err[256];
	FILE			*f;
	enum gh_err		 er;

	if ((f = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();

	err[0] = '\0';
	er = gh_config_load_from(&cfg, path, no_env, err, sizeof(err));
	unlink(path);

	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (er != GH_OK) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	check_str(cfg.data_dir, sizeof(cfg.data_dir));
	check_str(cfg.db_path, sizeof(cfg.db_path));
	check_str(cfg.secret_key_file, sizeof(cfg.secret_key_file));
	check_str(cfg.issuer, sizeof(cfg.issuer));
	/* Every integer key has its bounds enforced. */
	if (cfg.access_ttl < 30 || cfg.access_ttl > 86400 ||
	    cfg.json_max_depth < 2 || cfg.json_max_depth > 64 ||
	    cfg.log_requests < 0 || cfg.log_requests > 1 ||
	    cfg.body_limit < 1024 || cfg.argon2_opslimit < 1 ||
	    cfg.argon2_memlimit_kib < 8 || cfg.refresh_grace < 0 ||
	    cfg.key_reload_interval < 1)
		abort();
	if (gh_config_db_path(&cfg) == NULL ||
	    gh_config_secret_key_file(&cfg) == NULL)
		abort();
	return 0;
}
