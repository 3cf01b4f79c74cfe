/*
 * gatehouse — the admin command: set-up, users, sessions, keys and a check
 * of the installation. Exit status: 0 done, 1 the work failed or was
 * refused, 2 the command line was wrong (usage on stderr). See gatehouse(1).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "id.h"
#include "invite.h"
#include "json.h"
#include "keys.h"
#include "membership.h"
#include "email.h"
#include "password.h"
#include "policy.h"
#include "seal.h"
#include "store_admin.h"
#include "store_user.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The API's limits (src/auth/handlers.c), in code points. */
#define EMAIL_MIN	3
#define EMAIL_MAX	254
#define USERNAME_MIN	3
#define DISPLAY_MAX	64
#define PASSWORD_MAX	1024	/* the most password_max_length allows */
/* The longest password line read: that many code points of 4 bytes. */
#define PASSWORD_BYTES	(PASSWORD_MAX * 4)

#define LIST_DEFAULT	100
#define LIST_MAX	10000
#define DOCROOTS_MAX	16

/* Long options without a short form. */
enum { OPT_PASSWORD_STDIN = 256, OPT_LIMIT, OPT_AFTER, OPT_USER,
	OPT_DOCROOT };

struct leaf;
typedef int (*leaf_fn)(const struct leaf *, int, char *[]);

/* One command the program runs: a top-level word or a group's subcommand. */
struct leaf {
	const char	*group;		/* NULL: a top-level command */
	const char	*name;
	leaf_fn		 run;
	const char	*synopsis;	/* after "usage: " */
	const char	*summary;	/* one line, for the command lists */
	const char	*help;		/* description and options */
};

static int	cmd_init(const struct leaf *, int, char *[]);
static int	cmd_migrate(const struct leaf *, int, char *[]);
static int	cmd_check(const struct leaf *, int, char *[]);
static int	cmd_user_add(const struct leaf *, int, char *[]);
static int	cmd_user_list(const struct leaf *, int, char *[]);
static int	cmd_user_status(const struct leaf *, int, char *[]);
static int	cmd_sessions_revoke(const struct leaf *, int, char *[]);
static int	cmd_invite_create(const struct leaf *, int, char *[]);
static int	cmd_keys_rotate(const struct leaf *, int, char *[]);
static int	cmd_outbox_flush(const struct leaf *, int, char *[]);
static int	cmd_secret_seal(const struct leaf *, int, char *[]);
static int	cmd_user_tier(const struct leaf *, int, char *[]);

static const struct leaf leaves[] = {
	{ NULL, "init", cmd_init,
	    "gatehouse init",
	    "create the data dir, secret key, database and a signing key",
	    "Creates what is missing: the data directory (mode 0700), the\n"
	    "secret key (0600), the database (0600) with every migration, and\n"
	    "a signing key. Safe to run again: nothing existing is changed.\n"
	    "\n"
	    "  -h, --help  show this help\n" },
	{ NULL, "migrate", cmd_migrate,
	    "gatehouse migrate",
	    "apply the database migrations this build carries",
	    "Applies every migration newer than the database's schema.\n"
	    "\n"
	    "  -h, --help  show this help\n" },
	{ NULL, "check", cmd_check,
	    "gatehouse check [--document-root DIR]...",
	    "check the configuration, files and their permissions",
	    "Checks that the configuration loads; that the data directory,\n"
	    "secret key and database exist and are closed to group and other\n"
	    "(the database may be group-readable, 0640); that the schema is\n"
	    "current and a signing key can sign; and that none of the files\n"
	    "lies inside a web server's document root. Prints one ok or FAIL\n"
	    "line per finding; exits 1 on any FAIL.\n"
	    "\n"
	    "  -d, --document-root DIR  a document root to stay out of\n"
	    "                           (repeatable; also the colon-separated\n"
	    "                           list in GATEHOUSE_DOCUMENT_ROOT)\n"
	    "  -h, --help               show this help\n" },
	{ "user", "add", cmd_user_add,
	    "gatehouse user add EMAIL [--username NAME] "
	    "[--display-name TEXT]\n"
	    "                          [--password-stdin]",
	    "create a user with a password",
	    "Creates an active user in the default application, with the\n"
	    "same rules as sign-up, and prints the new user's id. The\n"
	    "password (password_min_length to password_max_length\n"
	    "characters, 8 to 128 by default, not containing the email\n"
	    "or username, and not breached when breached_password_check\n"
	    "is on) is asked for twice on the terminal, or read as one\n"
	    "line from standard input.\n"
	    "\n"
	    "  -u, --username NAME       3 to 32 letters, digits and _, a\n"
	    "                            letter first (default: made from the\n"
	    "                            email)\n"
	    "  -n, --display-name TEXT   up to 64 characters\n"
	    "      --password-stdin      read the password from standard\n"
	    "                            input\n"
	    "  -h, --help                show this help\n" },
	{ "user", "list", cmd_user_list,
	    "gatehouse user list [--limit N] [--after ID]",
	    "list users",
	    "Prints a header line, then one user per line in id order, the\n"
	    "fields separated by tabs: id, username, status, email (the\n"
	    "first), created_at (RFC 3339).\n"
	    "\n"
	    "      --limit N   at most N users (1 to 10000; default 100)\n"
	    "      --after ID  start after this user id (the last one of the\n"
	    "                  previous page)\n"
	    "  -h, --help      show this help\n" },
	{ "user", "disable", cmd_user_status,
	    "gatehouse user disable USER",
	    "disable a user and revoke all of their sessions",
	    "Disables the user named by USER (an id, a username or an email)\n"
	    "and revokes all of their sessions in the same transaction: their\n"
	    "refresh tokens stop working at once, their access tokens when\n"
	    "they expire. Writes a user_disabled action log row.\n"
	    "\n"
	    "  -h, --help  show this help\n" },
	{ "user", "enable", cmd_user_status,
	    "gatehouse user enable USER",
	    "enable a disabled user",
	    "Lets the user named by USER (an id, a username or an email) sign\n"
	    "in again. Writes a user_enabled action log row.\n"
	    "\n"
	    "  -h, --help  show this help\n" },
	{ "user", "tier", cmd_user_tier,
	    "gatehouse user tier USER TIER",
	    "set a user's membership tier",
	    "Puts the user named by USER (an id, a username or an email) in\n"
	    "the membership tier TIER, one of membership_tiers; the lowest\n"
	    "tier takes the user back to no membership. Prints the tier and\n"
	    "its capabilities (docs/membership.md). Writes a tier_changed\n"
	    "action log row.\n"
	    "\n"
	    "  -h, --help  show this help\n" },
	{ "invite", "create", cmd_invite_create,
	    "gatehouse invite create --from USER --type TYPE [--target ID]\n"
	    "                        [--role ROLE] [--max-uses N] "
	    "[--expires-in SECONDS]",
	    "make an invite and print its code",
	    "Makes an invite from the user named by USER (an id, a username or\n"
	    "an email), under the rules of POST /v1/invites (docs/invites.md):\n"
	    "an account invite needs an owner of the account, a membership\n"
	    "invite the invite:create capability. Prints the invite as JSON,\n"
	    "with its code and url: the only time the code is shown. Writes\n"
	    "an invite_created action log row.\n"
	    "\n"
	    "  -f, --from USER        the inviting user (required)\n"
	    "  -t, --type TYPE        account, group, friend or membership\n"
	    "                         (required)\n"
	    "      --target ID        the account id, group id or tier name\n"
	    "      --role ROLE        owner, member (default) or viewer, for\n"
	    "                         account invites\n"
	    "      --max-uses N       1 to 10000 (default 1); 0: no limit\n"
	    "      --expires-in SECS  60 to 7776000 (default invite_ttl)\n"
	    "  -h, --help             show this help\n" },
	{ "sessions", "revoke", cmd_sessions_revoke,
	    "gatehouse sessions revoke --user USER",
	    "revoke every live session of a user",
	    "Revokes every session of the user named by USER (an id, a\n"
	    "username or an email) and prints how many were revoked.\n"
	    "\n"
	    "  -u, --user USER  the user (required)\n"
	    "  -h, --help       show this help\n" },
	{ "keys", "rotate", cmd_keys_rotate,
	    "gatehouse keys rotate",
	    "add a signing key; retire the old ones when their tokens end",
	    "Adds a new signing key and, in the same transaction, retires\n"
	    "the keys that signed until now at now + access_ttl +\n"
	    "key_reload_interval: they keep verifying, and stay in the JWKS,\n"
	    "until every token they can have signed has expired.\n"
	    "\n"
	    "  -h, --help  show this help\n" },
	{ "outbox", "flush", cmd_outbox_flush,
	    "gatehouse outbox flush",
	    "deliver the emails that are due",
	    "Delivers every message of the outbox that is due: new ones the\n"
	    "programs could not send yet, and failed ones whose retry time\n"
	    "has come (30 s after the first failure, doubling up to an\n"
	    "hour). Over SMTP when smtp_url is set, else as .eml files in\n"
	    "mail_dir. Prints how many were sent and how many failed; exits\n"
	    "1 when any failed, so cron mails the sysadmin. Safe to run at\n"
	    "any time, also while the programs run: each message is claimed\n"
	    "before it is sent, and marked sent only once the server took it.\n"
	    "\n"
	    "  -h, --help  show this help\n" },
	{ "secret", "seal", cmd_secret_seal,
	    "gatehouse secret seal",
	    "seal a secret (an OAuth client secret) for the configuration",
	    "Reads one line from standard input and prints it sealed under\n"
	    "this installation's secret key (\"sealed:...\"), for a value\n"
	    "such as oauth_<name>_client_secret that should not sit in the\n"
	    "configuration in the clear. Only this installation can open it.\n"
	    "\n"
	    "  -h, --help  show this help\n" },
};

static const char *const groups[] = { "user", "invite", "sessions", "keys", "outbox",
	"secret" };

/* "gatehouse user add": getopt's messages and ours start with it. */
static char	 cmdname[64] = "gatehouse";

static void	 say(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

/* A message on stderr after the command's name. */
static void
say(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", cmdname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
list_leaves(FILE *f, const char *group)
{
	char	 word[32];
	size_t	 i;

	for (i = 0; i < NELEM(leaves); i++) {
		if (group != NULL && (leaves[i].group == NULL ||
		    strcmp(leaves[i].group, group) != 0))
			continue;
		snprintf(word, sizeof(word), "%s%s%s",
		    leaves[i].group != NULL ? leaves[i].group : "",
		    leaves[i].group != NULL ? " " : "", leaves[i].name);
		fprintf(f, "  %-17s %s\n", word, leaves[i].summary);
	}
}

static void
usage_main(FILE *f)
{
	fputs("usage: gatehouse <command> [<args>]\n"
	    "\n"
	    "commands:\n", f);
	list_leaves(f, NULL);
	fputs("\n"
	    "USER is a user's id, username or email. Run\n"
	    "\"gatehouse <command> --help\" for a command's options, and see\n"
	    "gatehouse(1).\n"
	    "\n"
	    "Configuration: the file named by GATEHOUSE_CONFIG, and\n"
	    "GATEHOUSE_<KEY> environment variables (docs/configuration.md).\n",
	    f);
}

static void
usage_group(FILE *f, const char *group)
{
	fprintf(f, "usage: gatehouse %s <subcommand> [<args>]\n"
	    "\n"
	    "subcommands:\n", group);
	list_leaves(f, group);
	fprintf(f, "\nRun \"gatehouse %s <subcommand> --help\" for its "
	    "options.\n", group);
}

/* Help on stdout (exit 0) or usage on stderr (exit 2). */
static int
usage_leaf(const struct leaf *l, int help)
{
	FILE	*f = help ? stdout : stderr;

	fprintf(f, "usage: %s\n", l->synopsis);
	if (help)
		fprintf(f, "\n%s", l->help);
	else
		fprintf(f, "Run \"%s --help\" for more.\n", cmdname);
	return help ? 0 : 2;
}

static int
load_config(struct gh_config *cfg)
{
	char	 err[512];

	if (gh_config_load(cfg, err, sizeof(err)) != GH_OK) {
		say("%s", err);
		return -1;
	}
	return 0;
}

/* Opens, creating when asked, and brings the schema up to date. */
static int
open_migrate(const struct gh_config *cfg, int create, struct gh_db **db)
{
	int	 applied;

	if (gh_db_open(gh_config_db_path(cfg), create, db) != GH_OK)
		return -1;
	if (gh_db_migrate(*db, &applied) != GH_OK) {
		say("migration failed");
		return -1;
	}
	if (applied > 0)
		printf("applied %d migration%s (schema version %d)\n", applied,
		    applied == 1 ? "" : "s", gh_db_schema_latest());
	return 0;
}

/* Opens an existing database whose schema this build knows. */
static int
open_existing(const struct gh_config *cfg, struct gh_db **db)
{
	const char	*path = gh_config_db_path(cfg);
	struct stat	 sb;
	int		 have;

	*db = NULL;
	if (stat(path, &sb) != 0) {
		say("%s: %s (run gatehouse init)", path, strerror(errno));
		return -1;
	}
	if (gh_db_open(path, 0, db) != GH_OK ||
	    gh_db_schema_version(*db, &have) != GH_OK)
		return -1;
	if (have != gh_db_schema_latest()) {
		say("database schema is version %d, this build needs %d%s",
		    have, gh_db_schema_latest(), have < gh_db_schema_latest() ?
		    " (run gatehouse migrate)" : "");
		return -1;
	}
	return 0;
}

/* The default application: the command acts on single-site installs. */
static int
default_app(struct gh_db *db, char app_id[GH_ID_LEN + 1])
{
	if (gh_store_app_by_client(db, "default", app_id) != GH_OK) {
		say("the default application is missing from the database");
		return -1;
	}
	return 0;
}

/* What the user and session commands share: configuration, the current
 * database, the default application. 0 when all are there. */
static int
open_app(struct gh_config *cfg, struct gh_db **db,
    char app_id[GH_ID_LEN + 1])
{
	if (load_config(cfg) != 0 || open_existing(cfg, db) != 0)
		return -1;
	return default_app(*db, app_id);
}

/* A command whose only option is --help and that takes nops operands
 * (from argv[optind]). Returns -1 to go on, else the exit status. */
static int
simple_args(const struct leaf *l, int argc, char *argv[], int nops)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return usage_leaf(l, ch == 'h');
	return argc - optind == nops ? -1 : usage_leaf(l, 0);
}

static int
cmd_init(const struct leaf *l, int argc, char *argv[])
{
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	struct gh_config	 cfg;
	struct gh_db		*db = NULL;
	struct gh_keyring	 ring;
	char			 kid[GH_KID_MAX + 1];
	mode_t			 mask;
	int			 rc;

	if ((rc = simple_args(l, argc, argv, 0)) >= 0)
		return rc;
	rc = 1;
	memset(&ring, 0, sizeof(ring));
	/* Whatever init creates is for the owner alone, the database and
	 * its -wal and -shm files included (SQLite gives those the
	 * database's mode). */
	mask = umask(077);
	if (load_config(&cfg) != 0)
		goto out;
	if (mkdir(cfg.data_dir, 0700) != 0 && errno != EEXIST) {
		say("%s: %s", cfg.data_dir, strerror(errno));
		goto out;
	}
	if (gh_keys_secret_load(gh_config_secret_key_file(&cfg), 1, secret) !=
	    GH_OK || open_migrate(&cfg, 1, &db) != 0)
		goto out;
	if (gh_keys_load(db, secret, gh_clock_now(), &ring) != GH_OK)
		goto out;
	if (ring.nkeys == 0) {
		if (gh_keys_generate(db, secret, kid) != GH_OK)
			goto out;
		printf("signing key %s created\n", kid);
	}
	printf("ready: %s\n", gh_config_db_path(&cfg));
	rc = 0;
out:
	umask(mask);
	sodium_memzero(secret, sizeof(secret));
	gh_keys_wipe(&ring);
	gh_db_close(db);
	return rc;
}

static int
cmd_migrate(const struct leaf *l, int argc, char *argv[])
{
	struct gh_config	 cfg;
	struct gh_db		*db = NULL;
	int			 rc;

	if ((rc = simple_args(l, argc, argv, 0)) >= 0)
		return rc;
	rc = 1;
	if (load_config(&cfg) != 0 || open_migrate(&cfg, 0, &db) != 0)
		goto out;
	printf("schema version %d\n", gh_db_schema_latest());
	rc = 0;
out:
	gh_db_close(db);
	return rc;
}

/* --- check ---------------------------------------------------------------- */

struct findings {
	int		 failed;
};

static void	 finding(struct findings *, int ok, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

static void
finding(struct findings *fs, int ok, const char *fmt, ...)
{
	va_list	 ap;

	printf("%-4s ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		fs->failed = 1;
}

/*
 * A file or directory that must exist, be of the right type and leave the
 * bits in forbidden unset. Returns 1 when it exists.
 */
static int
check_mode(struct findings *fs, const char *what, const char *path, int dir,
    mode_t forbidden, const char *allowed)
{
	struct stat	 sb;
	unsigned	 mode;

	if (stat(path, &sb) != 0) {
		finding(fs, 0, "%s %s: %s", what, path, strerror(errno));
		return 0;
	}
	mode = (unsigned)(sb.st_mode & 07777);
	if (dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode))
		finding(fs, 0, "%s %s: not a %s", what, path,
		    dir ? "directory" : "regular file");
	else if ((sb.st_mode & forbidden) != 0)
		finding(fs, 0, "%s %s: mode %04o, must be %s (chmod %s)",
		    what, path, mode, allowed, dir ? "700" : "600");
	else
		finding(fs, 1, "%s %s (mode %04o)", what, path, mode);
	return 1;
}

/* 1 when path is root or lies below it (both resolved). */
static int
is_inside(const char *path, const char *root)
{
	size_t	 n = strlen(root);

	if (strcmp(root, "/") == 0)
		return 1;
	return strncmp(path, root, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

static void
check_docroots(struct findings *fs, const char *const *roots, size_t nroots,
    const char *const what[3], const char *const paths[3])
{
	char	 root[PATH_MAX], real[PATH_MAX];
	size_t	 i, j;
	int	 inside;

	for (i = 0; i < nroots; i++) {
		if (realpath(roots[i], root) == NULL) {
			finding(fs, 0, "document root %s: %s", roots[i],
			    strerror(errno));
			continue;
		}
		for (j = 0; j < 3; j++) {
			if (realpath(paths[j], real) == NULL)
				continue;	/* reported missing above */
			inside = is_inside(real, root);
			finding(fs, !inside, "%s %s %s document root %s",
			    what[j], real, inside ? "is inside" : "is outside",
			    root);
		}
	}
}

/* The schema is current and a key can sign. */
static void
check_database(struct findings *fs, const struct gh_config *cfg,
    int have_secret, const unsigned char secret[crypto_secretbox_KEYBYTES])
{
	struct gh_db		*db = NULL;
	struct gh_keyring	 ring;
	int			 have;

	memset(&ring, 0, sizeof(ring));
	if (gh_db_open(gh_config_db_path(cfg), 0, &db) != GH_OK ||
	    gh_db_schema_version(db, &have) != GH_OK) {
		finding(fs, 0, "database %s cannot be opened",
		    gh_config_db_path(cfg));
		goto out;
	}
	if (have != gh_db_schema_latest()) {
		finding(fs, 0, "database schema version %d, this build needs "
		    "%d (run gatehouse migrate)", have, gh_db_schema_latest());
		goto out;
	}
	finding(fs, 1, "database schema version %d", have);
	if (!have_secret)
		goto out;
	if (gh_keys_load(db, secret, gh_clock_now(), &ring) != GH_OK)
		finding(fs, 0, "signing keys cannot be read");
	else if (ring.nkeys == 0 || !ring.keys[0].has_sk)
		finding(fs, 0, "no signing key this secret key can open "
		    "(run gatehouse keys rotate)");
	else
		finding(fs, 1, "signing key %s", ring.keys[0].kid);
out:
	gh_keys_wipe(&ring);
	gh_db_close(db);
}

static int
cmd_check(const struct leaf *l, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "document-root", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	static const char	 sep[] = ":";
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	const char		*roots[DOCROOTS_MAX], *what[3], *paths[3];
	const char		*env;
	char			*envcopy = NULL, *tok, *save = NULL;
	struct findings		 fs = { 0 };
	struct gh_config	 cfg;
	char			 err[512], wal[GH_CONFIG_PATH_MAX + 8];
	size_t			 nroots = 0, i;
	int			 ch, have_db, have_secret = 0;

	while ((ch = getopt_long(argc, argv, "hd:", opts, NULL)) != -1) {
		if (ch != 'd')
			return usage_leaf(l, ch == 'h');
		if (nroots == DOCROOTS_MAX) {
			say("at most %d document roots", DOCROOTS_MAX);
			return 2;
		}
		roots[nroots++] = optarg;
	}
	if (optind != argc)
		return usage_leaf(l, 0);
	memset(secret, 0, sizeof(secret));
	if ((env = getenv("GATEHOUSE_DOCUMENT_ROOT")) != NULL &&
	    (envcopy = strdup(env)) != NULL)
		for (tok = strtok_r(envcopy, sep, &save); tok != NULL &&
		    nroots < DOCROOTS_MAX; tok = strtok_r(NULL, sep, &save))
			roots[nroots++] = tok;
	if (gh_config_load(&cfg, err, sizeof(err)) != GH_OK) {
		finding(&fs, 0, "configuration: %s", err);
		goto out;
	}
	env = getenv("GATEHOUSE_CONFIG");
	finding(&fs, 1, "configuration %s loads",
	    env != NULL && *env != '\0' ? env : "(defaults)");

	what[0] = "data dir";
	paths[0] = cfg.data_dir;
	what[1] = "secret key";
	paths[1] = gh_config_secret_key_file(&cfg);
	what[2] = "database";
	paths[2] = gh_config_db_path(&cfg);
	check_mode(&fs, what[0], paths[0], 1, 077, "0700 at most");
	if (check_mode(&fs, what[1], paths[1], 0, 077, "0600 at most")) {
		have_secret = gh_keys_secret_load(paths[1], 0, secret) == GH_OK;
		if (have_secret)
			finding(&fs, 1, "secret key is %d bytes",
			    crypto_secretbox_KEYBYTES);
		else
			finding(&fs, 0, "secret key %s cannot be read or is "
			    "not %d bytes", paths[1],
			    crypto_secretbox_KEYBYTES);
	}
	/* The web server's group may read the database, nothing more. */
	have_db = check_mode(&fs, what[2], paths[2], 0, 0137, "0640 at most");
	for (i = 0; i < 2; i++) {
		if (snprintf(wal, sizeof(wal), "%s%s", paths[2],
		    i == 0 ? "-wal" : "-shm") >= (int)sizeof(wal))
			continue;
		if (access(wal, F_OK) == 0)
			check_mode(&fs, "database", wal, 0, 0137,
			    "0640 at most");
	}
	if (have_db)
		check_database(&fs, &cfg, have_secret, secret);
	check_docroots(&fs, roots, nroots, what, paths);
out:
	sodium_memzero(secret, sizeof(secret));
	free(envcopy);
	return fs.failed ? 1 : 0;
}

/* --- user add ------------------------------------------------------------- */

/* 1 when s is UTF-8 of min..max code points that passes check. */
static int
valid_text(const char *s, int64_t min, int64_t max,
    int (*check)(const char *, size_t))
{
	size_t	 len = strlen(s);
	int64_t	 n = gh_json_utf8_count(s, len);

	return n >= min && n <= max && check(s, len);
}

/* The terminal's settings while echo is off, put back on a signal. */
static struct termios		 saved_tty;
static volatile sig_atomic_t	 tty_changed;

static void
restore_tty(int sig)
{
	if (tty_changed)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * One line from fd into buf (without its newline), read a byte at a time
 * so no copy of the password sits in a stdio buffer and nothing after the
 * line is consumed. Returns 0, or -1 on error, an empty input, or a line
 * that does not fit (the reason in *why).
 */
static int
read_line(int fd, char *buf, size_t size, size_t *len, const char **why)
{
	ssize_t	 n;
	size_t	 got = 0;
	char	 c;
	int	 any = 0;

	*len = 0;
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*why = strerror(errno);
			return -1;
		}
		if (n == 0 || c == '\n')
			break;
		any = 1;
		if (got + 1 >= size) {
			*why = "the password is longer than 1024 characters";
			return -1;
		}
		buf[got++] = c;
	}
	if (!any && n == 0) {
		*why = "no password on standard input";
		return -1;
	}
	buf[got] = '\0';
	*len = got;
	return 0;
}

/* A line read from the terminal with echo off. */
static int
read_tty(const char *prompt, char *buf, size_t size, size_t *len,
    const char **why)
{
	struct termios	 noecho;
	int		 rc;

	if (tcgetattr(STDIN_FILENO, &saved_tty) != 0) {
		*why = strerror(errno);
		return -1;
	}
	noecho = saved_tty;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	noecho.c_lflag |= ECHONL;
	tty_changed = 1;
	signal(SIGINT, restore_tty);
	signal(SIGTERM, restore_tty);
	signal(SIGHUP, restore_tty);
	signal(SIGQUIT, restore_tty);
	/* Echo goes off (dropping what was typed ahead) before the prompt
	 * shows, so nothing typed after it can be echoed or lost. */
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho) != 0) {
		*why = strerror(errno);
		rc = -1;
	} else {
		fputs(prompt, stderr);
		fflush(stderr);
		rc = read_line(STDIN_FILENO, buf, size, len, why);
	}
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	tty_changed = 0;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	return rc;
}

/* The password, from standard input or asked twice on the terminal, and
 * checked like the API's: UTF-8 without NUL, then the password policy
 * (lib/policy.h) of the configuration. */
static int
get_password(const struct gh_config *cfg, int from_stdin, const char *email,
    const char *username, char *pw, size_t size, size_t *len)
{
	char		 again[PASSWORD_BYTES + 2], words[96];
	size_t		 len2 = 0;
	const char	*why = NULL;
	int		 rc = -1;

	if (from_stdin) {
		if (read_line(STDIN_FILENO, pw, size, len, &why) != 0)
			goto out;
	} else {
		if (read_tty("Password: ", pw, size, len, &why) != 0 ||
		    read_tty("Password again: ", again, sizeof(again), &len2,
		    &why) != 0)
			goto out;
		if (*len != len2 || sodium_memcmp(pw, again, len2) != 0) {
			why = "the passwords do not match";
			goto out;
		}
	}
	if (!gh_check_password(pw, *len))
		why = "the password contains a NUL byte";
	else if (gh_json_utf8_count(pw, *len) < 0)
		why = "the password is not valid UTF-8";
	else switch (gh_policy_password(cfg, pw, *len, email, username)) {
	case GH_POLICY_OK:
		rc = 0;
		break;
	case GH_POLICY_LENGTH:
		snprintf(words, sizeof(words), "the password must be %lld to "
		    "%lld characters", (long long)cfg->password_min_length,
		    (long long)cfg->password_max_length);
		why = words;
		break;
	case GH_POLICY_IDENTIFIER:
		why = "the password must not contain the email or username";
		break;
	case GH_POLICY_BREACHED:
		why = "the password appears in known data breaches; choose "
		    "another";
		break;
	case GH_POLICY_UNCHECKED:
		why = "the breached-password service cannot be reached "
		    "(breached_password_on_error = refuse)";
		break;
	}
out:
	if (rc != 0 && why != NULL)
		say("%s", why);
	sodium_memzero(again, sizeof(again));
	return rc;
}

static int
cmd_user_add(const struct leaf *l, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "username", required_argument, NULL, 'u' },
		{ "display-name", required_argument, NULL, 'n' },
		{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
		{ NULL, 0, NULL, 0 },
	};
	struct gh_password_params pp;
	struct gh_new_user	 nu;
	struct gh_config	 cfg;
	struct gh_db		*db = NULL;
	char			 pw[PASSWORD_BYTES + 2];
	char			 hash[GH_PASSWORD_HASH_MAX];
	char			 app_id[GH_ID_LEN + 1], user_id[GH_ID_LEN + 1];
	char			 mem_id[GH_ID_LEN + 1];
	const char		*username = NULL, *display = NULL, *email;
	const char		*code;
	size_t			 pwlen = 0;
	int			 ch, from_stdin = 0, rc = 1;
	enum gh_err		 er;

	while ((ch = getopt_long(argc, argv, "hu:n:", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			username = optarg;
			break;
		case 'n':
			display = optarg;
			break;
		case OPT_PASSWORD_STDIN:
			from_stdin = 1;
			break;
		default:
			return usage_leaf(l, ch == 'h');
		}
	}
	if (argc - optind != 1)
		return usage_leaf(l, 0);
	email = argv[optind];
	memset(pw, 0, sizeof(pw));
	memset(hash, 0, sizeof(hash));
	if (!valid_text(email, EMAIL_MIN, EMAIL_MAX, gh_check_email)) {
		say("%s: not a valid email address", email);
		goto out;
	}
	if (username != NULL && !valid_text(username, USERNAME_MIN,
	    GH_USERNAME_MAX, gh_check_username)) {
		say("%s: a username is 3 to 32 letters, digits and _, "
		    "starting with a letter", username);
		goto out;
	}
	if (display != NULL && !valid_text(display, 1, DISPLAY_MAX,
	    gh_check_display_text)) {
		say("a display name is 1 to 64 characters without control "
		    "characters");
		goto out;
	}
	if (!from_stdin && !isatty(STDIN_FILENO)) {
		say("standard input is not a terminal: use --password-stdin");
		rc = usage_leaf(l, 0);
		goto out;
	}
	/* The database first, so nobody types a password in vain. */
	if (open_app(&cfg, &db, app_id) != 0)
		goto out;
	if (get_password(&cfg, from_stdin, email, username, pw, sizeof(pw),
	    &pwlen) != 0)
		goto out;
	pp.opslimit = (uint64_t)cfg.argon2_opslimit;
	pp.memlimit = (size_t)cfg.argon2_memlimit_kib * 1024;
	/* The slow hash runs before the write lock is taken. */
	if (gh_password_hash(&pp, pw, pwlen, hash) != GH_OK) {
		say("cannot hash the password");
		goto out;
	}
	memset(&nu, 0, sizeof(nu));
	nu.application_id = app_id;
	nu.email = email;
	nu.username = username;
	nu.display_name = display;
	nu.password_hash = hash;
	if (gh_db_begin(db, GH_DB_DURABLE) != GH_OK)
		goto out;
	er = gh_store_user_create(db, &nu, user_id, mem_id, &code);
	if (er == GH_OK)
		er = gh_audit_db(db, "user_created", app_id, user_id,
		    NULL, NULL, NULL);
	if (er == GH_OK)
		er = gh_db_commit(db);
	if (er != GH_OK) {
		gh_db_rollback(db);
		if (er == GH_ECONFLICT && code != NULL &&
		    strcmp(code, "email_taken") == 0)
			say("%s: an account with this email exists", email);
		else if (er == GH_ECONFLICT)
			say("%s: this username is taken",
			    username != NULL ? username : "(made from email)");
		else
			say("cannot create the user (%s)", gh_err_name(er));
		goto out;
	}
	printf("%s\n", user_id);
	rc = 0;
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(hash, sizeof(hash));
	gh_db_close(db);
	return rc;
}

/* --- user list, disable, enable; sessions revoke -------------------------- */

static int
print_user(const struct gh_admin_user *u, void *arg)
{
	char	 when[GH_RFC3339_LEN + 1];

	(void)arg;
	gh_clock_rfc3339(u->created_at, when);
	printf("%s\t%s\t%s\t%s\t%s\n", u->id, u->username, u->status,
	    u->email, when);
	return 0;
}

static int
cmd_user_list(const struct leaf *l, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "after", required_argument, NULL, OPT_AFTER },
		{ NULL, 0, NULL, 0 },
	};
	struct gh_config	 cfg;
	struct gh_db		*db = NULL;
	char			 app_id[GH_ID_LEN + 1];
	const char		*after = "";
	char			*end;
	long long		 limit = LIST_DEFAULT;
	int			 ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_LIMIT:
			errno = 0;
			limit = strtoll(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    limit < 1 || limit > LIST_MAX) {
				say("--limit: a number from 1 to %d",
				    LIST_MAX);
				return 2;
			}
			break;
		case OPT_AFTER:
			if (!gh_id_is_valid(optarg)) {
				say("--after: %s is not a user id", optarg);
				return 2;
			}
			after = optarg;
			break;
		default:
			return usage_leaf(l, ch == 'h');
		}
	}
	if (optind != argc)
		return usage_leaf(l, 0);
	if (open_app(&cfg, &db, app_id) != 0 || gh_db_begin_read(db) != GH_OK)
		goto out;
	printf("id\tusername\tstatus\temail\tcreated_at\n");
	if (gh_store_admin_users(db, app_id, after, (int64_t)limit,
	    print_user, NULL) != GH_OK) {
		say("cannot list the users");
		goto out;
	}
	rc = 0;
out:
	if (db != NULL)
		gh_db_rollback(db);
	gh_db_close(db);
	return rc;
}

/* Inside the open transaction: the user named by who, said when none. */
static int
find_user(struct gh_db *db, const char *app_id, const char *who,
    char user_id[GH_ID_LEN + 1])
{
	enum gh_err	 er = gh_store_admin_find(db, app_id, who, user_id);

	if (er == GH_ENOTFOUND)
		say("%s: no such user", who);
	else if (er == GH_ECONFLICT)
		say("%s names more than one user; give the id", who);
	else if (er != GH_OK)
		say("cannot look up %s (%s)", who, gh_err_name(er));
	return er == GH_OK ? 0 : -1;
}

static int
cmd_user_status(const struct leaf *l, int argc, char *argv[])
{
	struct gh_config	 cfg;
	struct gh_db		*db = NULL;
	char			 app_id[GH_ID_LEN + 1], user_id[GH_ID_LEN + 1];
	const char		*who;
	int64_t			 revoked = 0;
	int			 disable = strcmp(l->name, "disable") == 0;
	int			 rc;
	enum gh_err		 er = GH_OK;

	if ((rc = simple_args(l, argc, argv, 1)) >= 0)
		return rc;
	who = argv[optind];
	rc = 1;
	if (open_app(&cfg, &db, app_id) != 0)
		goto out;
	/* One durable transaction: the status, the revocations and the log
	 * row are all written or none is. */
	if (gh_db_begin(db, GH_DB_DURABLE) != GH_OK ||
	    find_user(db, app_id, who, user_id) != 0)
		goto out;
	er = gh_store_admin_set_status(db, user_id,
	    disable ? "disabled" : "active");
	if (er == GH_OK && disable)
		er = gh_store_admin_revoke_sessions(db, user_id,
		    "user_disabled", &revoked);
	if (er == GH_OK)
		er = gh_audit_db(db, disable ? "user_disabled" :
		    "user_enabled", app_id, user_id, NULL, NULL, NULL);
	if (er == GH_OK)
		er = gh_db_commit(db);
	if (er != GH_OK) {
		say("cannot %s %s (%s)", l->name, who, gh_err_name(er));
		goto out;
	}
	if (disable)
		printf("user %s disabled; %lld session%s revoked\n", user_id,
		    (long long)revoked, revoked == 1 ? "" : "s");
	else
		printf("user %s enabled\n", user_id);
	rc = 0;
out:
	if (db != NULL)
		gh_db_rollback(db);
	gh_db_close(db);
	return rc;
}

static int
cmd_sessions_revoke(const struct leaf *l, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct gh_config	 cfg;
	struct gh_db		*db = NULL;
	char			 app_id[GH_ID_LEN + 1], user_id[GH_ID_LEN + 1];
	const char		*who = NULL;
	int64_t			 revoked = 0;
	int			 ch, rc = 1;
	enum gh_err		 er;

	while ((ch = getopt_long(argc, argv, "hu:", opts, NULL)) != -1) {
		if (ch != 'u')
			return usage_leaf(l, ch == 'h');
		who = optarg;
	}
	if (optind != argc || who == NULL)
		return usage_leaf(l, 0);
	if (open_app(&cfg, &db, app_id) != 0)
		goto out;
	if (gh_db_begin(db, GH_DB_DURABLE) != GH_OK ||
	    find_user(db, app_id, who, user_id) != 0)
		goto out;
	er = gh_store_admin_revoke_sessions(db, user_id, "admin_revoked",
	    &revoked);
	if (er == GH_OK)
		er = gh_audit_db(db, "sessions_revoked", app_id,
		    user_id, NULL, NULL, NULL);
	if (er == GH_OK)
		er = gh_db_commit(db);
	if (er != GH_OK) {
		say("cannot revoke the sessions of %s (%s)", who,
		    gh_err_name(er));
		goto out;
	}
	printf("%lld session%s revoked\n", (long long)revoked,
	    revoked == 1 ? "" : "s");
	rc = 0;
out:
	if (db != NULL)
		gh_db_rollback(db);
	gh_db_close(db);
	return rc;
}

/* --- invite create -------------------------------------------------------- */

/* A number option from min to max: 0, or -1 with the reason said. */
static int
number_arg(const char *name, const char *arg, long long min, long long max,
    int64_t *out)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || n < min || n > max) {
		say("--%s: a number from %lld to %lld", name, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

static int
cmd_invite_create(const struct leaf *l, int argc, char *argv[])
{
	enum { OPT_TARGET = 256, OPT_ROLE, OPT_USES, OPT_EXPIRES };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "from", required_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 't' },
		{ "target", required_argument, NULL, OPT_TARGET },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "max-uses", required_argument, NULL, OPT_USES },
		{ "expires-in", required_argument, NULL, OPT_EXPIRES },
		{ NULL, 0, NULL, 0 },
	};
	struct gh_config	 cfg;
	struct gh_db		*db = NULL;
	struct gh_invite_new	 in;
	struct gh_invite	 iv;
	char			 app_id[GH_ID_LEN + 1], user_id[GH_ID_LEN + 1];
	char			 code[GH_OPAQUE_LEN + 1], url[1024];
	const char		*from = NULL, *problem = NULL;
	int64_t			 now = gh_clock_now();
	json_object		*o;
	int			 ch, rc = 1;
	enum gh_err		 er;

	memset(&in, 0, sizeof(in));
	in.max_uses = 1;
	in.expires_in = -1;
	while ((ch = getopt_long(argc, argv, "hf:t:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			from = optarg;
			break;
		case 't':
			in.type = optarg;
			break;
		case OPT_TARGET:
			in.target_id = optarg;
			break;
		case OPT_ROLE:
			in.role = optarg;
			break;
		case OPT_USES:
			if (number_arg("max-uses", optarg, 0,
			    GH_INVITE_USES_MAX, &in.max_uses) != 0)
				return 2;
			break;
		case OPT_EXPIRES:
			if (number_arg("expires-in", optarg, 60,
			    GH_INVITE_TTL_MAX, &in.expires_in) != 0)
				return 2;
			break;
		default:
			return usage_leaf(l, ch == 'h');
		}
	}
	if (optind != argc || from == NULL || in.type == NULL)
		return usage_leaf(l, 0);
	if (open_app(&cfg, &db, app_id) != 0)
		goto out;
	if (in.expires_in < 0)
		in.expires_in = cfg.invite_ttl;
	if (gh_db_begin(db, GH_DB_DURABLE) != GH_OK ||
	    find_user(db, app_id, from, user_id) != 0)
		goto out;
	in.application_id = app_id;
	in.creator_id = user_id;
	er = gh_invite_create(db, &cfg, &in, now, code, &iv, &problem);
	if (er != GH_OK && problem != NULL) {
		say("cannot make the invite: %s", er == GH_ENOTFOUND ?
		    "not a member of that account" : problem);
		goto out;
	}
	if (er != GH_OK || (er = gh_audit_db(db, "invite_created", app_id,
	    user_id, NULL, NULL, NULL)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK) {
		say("cannot make the invite (%s)", gh_err_name(er));
		goto out;
	}
	gh_invite_url(&cfg, code, url, sizeof(url));
	o = gh_invite_json(&iv, now);
	gh_json_add(o, "code", json_object_new_string(code));
	gh_json_add(o, "url", json_object_new_string(url));
	printf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	rc = 0;
out:
	sodium_memzero(code, sizeof(code));
	if (db != NULL)
		gh_db_rollback(db);
	gh_db_close(db);
	return rc;
}

/* --- user tier ------------------------------------------------------------ */

static int
cmd_user_tier(const struct leaf *l, int argc, char *argv[])
{
	struct gh_config	 cfg;
	struct gh_db		*db = NULL;
	struct gh_membership	 m;
	char			 app_id[GH_ID_LEN + 1], user_id[GH_ID_LEN + 1];
	json_object		*o;
	int			 rc;
	enum gh_err		 er;

	if ((rc = simple_args(l, argc, argv, 2)) >= 0)
		return rc;
	rc = 1;
	if (open_app(&cfg, &db, app_id) != 0)
		goto out;
	if (gh_db_begin(db, GH_DB_DURABLE) != GH_OK ||
	    find_user(db, app_id, argv[optind], user_id) != 0)
		goto out;
	er = gh_membership_set(db, &cfg, user_id, argv[optind + 1],
	    gh_clock_now(), 0);
	if (er == GH_EINVAL) {
		say("no tier %s in membership_tiers (%s)", argv[optind + 1],
		    cfg.membership_tiers);
		goto out;
	}
	if (er != GH_OK || (er = gh_audit_db(db, "tier_changed", app_id,
	    user_id, NULL, NULL, NULL)) != GH_OK ||
	    (er = gh_db_commit(db)) != GH_OK ||
	    (er = gh_membership_of(db, &cfg, user_id, gh_clock_now(), &m)) !=
	    GH_OK) {
		say("cannot set the tier (%s)", gh_err_name(er));
		goto out;
	}
	o = gh_membership_json(&cfg, &m);
	printf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	rc = 0;
out:
	if (db != NULL)
		gh_db_rollback(db);
	gh_db_close(db);
	return rc;
}

/* --- keys rotate ---------------------------------------------------------- */

/* The configuration and the installation secret: 0, or -1 with the reason
 * on stderr. */
static int
config_and_secret(struct gh_config *cfg,
    unsigned char secret[crypto_secretbox_KEYBYTES])
{
	if (load_config(cfg) != 0)
		return -1;
	if (gh_keys_secret_load(gh_config_secret_key_file(cfg), 0, secret) !=
	    GH_OK) {
		say("cannot read the secret key %s (run `gatehouse init`)",
		    gh_config_secret_key_file(cfg));
		return -1;
	}
	return 0;
}

static int
cmd_keys_rotate(const struct leaf *l, int argc, char *argv[])
{
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	struct gh_config	 cfg;
	struct gh_db		*db = NULL;
	char			 kid[GH_KID_MAX + 1];
	char			 until[GH_RFC3339_LEN + 1];
	int64_t			 retire_at;
	int			 rc;

	if ((rc = simple_args(l, argc, argv, 0)) >= 0)
		return rc;
	rc = 1;
	memset(secret, 0, sizeof(secret));
	if (config_and_secret(&cfg, secret) != 0 ||
	    open_existing(&cfg, &db) != 0)
		goto out;
	/*
	 * A token signed just now by the old key lives access_ttl; a
	 * process that has not re-read the keys yet may go on signing with
	 * it for up to key_reload_interval more. Until both have passed the
	 * old key must verify.
	 */
	retire_at = gh_clock_now() + cfg.access_ttl + cfg.key_reload_interval;
	if (gh_keys_rotate(db, secret, retire_at, kid) != GH_OK) {
		say("cannot rotate the signing keys");
		goto out;
	}
	gh_clock_rfc3339(retire_at, until);
	printf("signing key %s created; it signs from now on\n"
	    "the previous keys verify until %s\n", kid, until);
	rc = 0;
out:
	sodium_memzero(secret, sizeof(secret));
	gh_db_close(db);
	return rc;
}

static int
cmd_outbox_flush(const struct leaf *l, int argc, char *argv[])
{
	struct gh_config	 cfg;
	struct gh_db		*db = NULL;
	int			 rc, sent, failed, batch;

	if ((rc = simple_args(l, argc, argv, 0)) >= 0)
		return rc;
	rc = 1;
	if (load_config(&cfg) != 0 || open_existing(&cfg, &db) != 0)
		goto out;
	sent = failed = 0;
	/* Batches until nothing more is due (a failure is due again only
	 * later, so this ends). */
	do {
		batch = gh_email_deliver_due(db, &cfg, 100, 60000, &rc);
		sent += batch;
		failed += rc;
	} while (batch + rc == 100);
	printf("%d sent, %d failed\n", sent, failed);
	rc = failed > 0;
out:
	gh_db_close(db);
	return rc;
}

static int
cmd_secret_seal(const struct leaf *l, int argc, char *argv[])
{
	unsigned char		 secret[crypto_secretbox_KEYBYTES];
	struct gh_config	 cfg;
	char			 line[1025], *sealed = NULL;
	const char		*why = "";
	size_t			 len;
	int			 rc;

	if ((rc = simple_args(l, argc, argv, 0)) >= 0)
		return rc;
	rc = 1;
	memset(secret, 0, sizeof(secret));
	if (config_and_secret(&cfg, secret) != 0)
		goto out;
	if (read_line(STDIN_FILENO, line, sizeof(line), &len, &why) != 0) {
		say("%s", why);
		goto out;
	}
	if (gh_seal_text(secret, line, len, &sealed) != GH_OK) {
		say("cannot seal the value");
		goto out;
	}
	printf("%s\n", sealed);
	rc = 0;
out:
	sodium_memzero(line, sizeof(line));
	sodium_memzero(secret, sizeof(secret));
	free(sealed);
	return rc;
}

/* --- dispatch ------------------------------------------------------------- */

static int
is_group(const char *word)
{
	size_t	 i;

	for (i = 0; i < NELEM(groups); i++)
		if (strcmp(word, groups[i]) == 0)
			return 1;
	return 0;
}

static const struct leaf *
find_leaf(const char *group, const char *name)
{
	size_t	 i;

	for (i = 0; i < NELEM(leaves); i++) {
		if ((group == NULL) != (leaves[i].group == NULL))
			continue;
		if (group != NULL && strcmp(group, leaves[i].group) != 0)
			continue;
		if (strcmp(name, leaves[i].name) == 0)
			return &leaves[i];
	}
	return NULL;
}

static int
is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct leaf	*l;
	const char		*group = NULL;
	int			 ch;

	/* "+": options end at the command word; the rest is its own. */
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		usage_main(ch == 'h' ? stdout : stderr);
		return ch == 'h' ? 0 : 2;
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage_main(stderr);
		return 2;
	}
	if (is_group(argv[0])) {
		group = argv[0];
		if (argc < 2 || is_help(argv[1])) {
			usage_group(argc < 2 ? stderr : stdout, group);
			return argc < 2 ? 2 : 0;
		}
		argc--;
		argv++;
	}
	if ((l = find_leaf(group, argv[0])) == NULL) {
		fprintf(stderr, "gatehouse: unknown command: %s%s%s\n",
		    group != NULL ? group : "", group != NULL ? " " : "",
		    argv[0]);
		if (group != NULL)
			usage_group(stderr, group);
		else
			usage_main(stderr);
		return 2;
	}
	snprintf(cmdname, sizeof(cmdname), "gatehouse%s%s %s",
	    group != NULL ? " " : "", group != NULL ? group : "", l->name);
	argv[0] = cmdname;
	optind = 0;	/* glibc: start over on the command's own words */
	if (sodium_init() < 0) {
		say("libsodium cannot initialise");
		return 1;
	}
	return l->run(l, argc, argv);
}
