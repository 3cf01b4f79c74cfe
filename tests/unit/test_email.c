/* Email: rendering and escaping (lib/email.h), the outbox and delivery to
 * files, and one-time tokens (lib/onetime.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "config.h"
#include "db.h"
#include "email.h"
#include "onetime.h"

struct fx {
	char		 dir[64];
	char		 path[128];
	struct gh_db	*db;
	struct gh_config cfg;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	char		 err[256];
	int		 applied;

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/gh-test-email-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/gatehouse.db", f->dir);
	if (gh_config_load_from(&f->cfg, NULL, NULL, err, sizeof(err)) !=
	    GH_OK || gh_db_open(f->path, 1, &f->db) != GH_OK ||
	    gh_db_migrate(f->db, &applied) != GH_OK)
		return -1;
	snprintf(f->cfg.data_dir, sizeof(f->cfg.data_dir), "%s", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	gh_db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void
test_render_fills_and_escapes(void **state)
{
	struct fx		*f = *state;
	struct gh_email_var	 v[] = {
		{ "link", "https://a.example/x?token=abc&y=<1>" },
		{ "email", "o'neil@example.com" },
		{ "minutes", "60" },
	};
	char			*subject, *text, *html;

	snprintf(f->cfg.app_name, sizeof(f->cfg.app_name), "Acme & \"Co\"");
	assert_int_equal(gh_email_render(&f->cfg, "reset_password", v, 3,
	    &subject, &text, &html), GH_OK);
	assert_string_equal(subject, "Reset your Acme & \"Co\" password");
	assert_non_null(strstr(text, "https://a.example/x?token=abc&y=<1>"));
	assert_non_null(strstr(text, "60 minutes"));
	/* The HTML part escapes every value, the link included. */
	assert_non_null(strstr(html,
	    "href=\"https://a.example/x?token=abc&amp;y=&lt;1&gt;\""));
	assert_non_null(strstr(html, "o&#39;neil@example.com"));
	assert_non_null(strstr(html, "Acme &amp; &quot;Co&quot;"));
	assert_null(strstr(html, "{{"));
	free(subject);
	free(text);
	free(html);
}

static void
test_render_refuses_line_breaks_and_unknown_templates(void **state)
{
	struct fx		*f = *state;
	struct gh_email_var	 bad[] = { { "email", "a@b.c\r\nBcc: x@y.z" } };
	struct gh_email_var	 lf[] = { { "link", "x\ny" } };
	char			*s, *t, *h;

	assert_int_equal(gh_email_render(&f->cfg, "reset_password", bad, 1, &s,
	    &t, &h), GH_EINVAL);
	assert_null(s);
	assert_int_equal(gh_email_render(&f->cfg, "reset_password", lf, 1, &s,
	    &t, &h), GH_EINVAL);
	assert_int_equal(gh_email_render(&f->cfg, "nope", NULL, 0, &s, &t, &h),
	    GH_EINVAL);
}

static void
test_override_from_templates_dir(void **state)
{
	struct fx	*f = *state;
	char		 p[256], *s, *t, *h;
	FILE		*fp;

	snprintf(f->cfg.templates_dir, sizeof(f->cfg.templates_dir), "%s",
	    f->dir);
	snprintf(p, sizeof(p), "%s/verify_email.subject", f->dir);
	assert_non_null(fp = fopen(p, "w"));
	fputs("Bienvenue chez {{app_name}} {{unknown}}!\nsecond line\n", fp);
	fclose(fp);
	assert_int_equal(gh_email_render(&f->cfg, "verify_email", NULL, 0, &s,
	    &t, &h), GH_OK);
	/* One line, unknown placeholders empty; the other parts built in. */
	assert_string_equal(s, "Bienvenue chez Gatehouse !");
	assert_non_null(strstr(t, "Please confirm"));
	free(s);
	free(t);
	free(h);
}

static void
test_enqueue_and_deliver_to_files(void **state)
{
	struct fx		*f = *state;
	struct gh_email_var	 v[] = {
		{ "link", "http://127.0.0.1:8080/v1/auth/verify?token=T" },
		{ "email", "ana@example.com" }, { "hours", "24" },
	};
	char			 p[256], buf[8192];
	int			 failed = -1, n;
	FILE			*fp;

	assert_int_equal(gh_db_begin(f->db, GH_DB_DURABLE), GH_OK);
	assert_int_equal(gh_email_enqueue(f->db, &f->cfg, "ana@example.com",
	    "verify_email", v, 3), GH_OK);
	assert_int_equal(gh_db_commit(f->db), GH_OK);
	assert_true(gh_email_pending());
	assert_false(gh_email_pending());	/* read once */
	/* A rolled-back message is never sent. */
	assert_int_equal(gh_db_begin(f->db, GH_DB_DURABLE), GH_OK);
	assert_int_equal(gh_email_enqueue(f->db, &f->cfg, "bo@example.com",
	    "verify_email", v, 3), GH_OK);
	gh_db_rollback(f->db);
	assert_int_equal(gh_email_deliver_due(f->db, &f->cfg, 10, 10000,
	    &failed), 1);
	assert_int_equal(failed, 0);
	assert_int_equal(gh_email_deliver_due(f->db, &f->cfg, 10, 10000,
	    &failed), 0);	/* sent once */
	snprintf(p, sizeof(p), "ls %s/mail/*.eml | head -1", f->dir);
	assert_non_null(fp = popen(p, "r"));
	assert_non_null(fgets(p, sizeof(p), fp));
	pclose(fp);
	p[strcspn(p, "\n")] = '\0';
	assert_non_null(fp = fopen(p, "r"));
	n = (int)fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\r\nTo: ana@example.com\r\n"));
	assert_non_null(strstr(buf, "Subject: Confirm your email address for "
	    "Gatehouse\r\n"));
	assert_non_null(strstr(buf, "verify?token=T"));
	assert_non_null(strstr(buf, "multipart/alternative"));
	assert_null(strstr(buf, "\n\n"));	/* CRLF only */
	assert_null(strstr(buf, "bo@example.com"));
}

static void
test_enqueue_refuses_bad_addresses(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(gh_email_enqueue(f->db, &f->cfg, "a@b.c\r\nBcc: d@e.f",
	    "verify_email", NULL, 0), GH_EINVAL);
	assert_int_equal(gh_email_enqueue(f->db, &f->cfg, "no-at-sign",
	    "verify_email", NULL, 0), GH_EINVAL);
}

static void
test_delivery_failure_is_retried_later(void **state)
{
	struct fx	*f = *state;
	int		 failed = 0;

	/* Nothing listens on port 9: the attempt fails and waits 30 s. */
	snprintf(f->cfg.smtp_url, sizeof(f->cfg.smtp_url),
	    "smtp://127.0.0.1:9");
	f->cfg.smtp_timeout_ms = 500;
	assert_int_equal(gh_db_begin(f->db, GH_DB_DURABLE), GH_OK);
	assert_int_equal(gh_email_enqueue(f->db, &f->cfg, "c@example.com",
	    "verify_email", NULL, 0), GH_OK);
	assert_int_equal(gh_db_commit(f->db), GH_OK);
	assert_int_equal(gh_email_deliver_due(f->db, &f->cfg, 10, 10000,
	    &failed), 0);
	assert_int_equal(failed, 1);
	assert_int_equal(gh_email_deliver_due(f->db, &f->cfg, 10, 10000,
	    &failed), 0);
	assert_int_equal(failed, 0);	/* not due again yet */
}

static void
test_onetime_lifecycle(void **state)
{
	struct fx		*f = *state;
	struct gh_onetime	 t, out;
	char			 a[GH_OPAQUE_LEN + 1];
	int64_t			 now = 1700000000;

	memset(&t, 0, sizeof(t));
	strcpy(t.application_id, "app");
	strcpy(t.email, "ana@example.com");
	assert_int_equal(gh_onetime_issue(f->db, "reset_password", &t, now, 60,
	    a), GH_OK);
	/* Another purpose does not know it; peeking does not use it. */
	assert_int_equal(gh_onetime_use(f->db, "verify_email", a, strlen(a),
	    now, 1, &out), GH_ENOTFOUND);
	assert_int_equal(gh_onetime_use(f->db, "reset_password", a, strlen(a),
	    now, 0, &out), GH_OK);
	assert_string_equal(out.email, "ana@example.com");
	assert_int_equal(gh_onetime_use(f->db, "reset_password", a, strlen(a),
	    now + 60, 1, &out), GH_EAUTH);	/* expired */
	assert_int_equal(gh_onetime_use(f->db, "reset_password", a, strlen(a),
	    now + 59, 1, &out), GH_OK);
	assert_int_equal(gh_onetime_use(f->db, "reset_password", a, strlen(a),
	    now + 59, 1, &out), GH_ENOTFOUND);	/* once */
	/* Malformed and unknown. */
	assert_int_equal(gh_onetime_use(f->db, "reset_password", "x", 1, now,
	    1, &out), GH_ENOTFOUND);
	a[0] = a[0] == 'A' ? 'B' : 'A';
	assert_int_equal(gh_onetime_use(f->db, "reset_password", a, strlen(a),
	    now, 1, &out), GH_ENOTFOUND);
}

static void
test_onetime_newer_voids_older(void **state)
{
	struct fx		*f = *state;
	struct gh_onetime	 t, out;
	char			 a[GH_OPAQUE_LEN + 1], b[GH_OPAQUE_LEN + 1];
	char			 uid[] = "01a20000-0000-7000-8000-000000000001";
	struct gh_stmt		*st;
	int64_t			 now = 1700000000;

	/* A user row, for the token's foreign key. */
	memset(&t, 0, sizeof(t));
	strcpy(t.application_id, "00000000-0000-7000-8000-000000000000");
	st = gh_db_prepare(f->db, GH_STMT_USER_INSERT, "ttttti", uid,
	    t.application_id, "u1", "u1", "u1", now);
	assert_non_null(st);
	assert_int_equal(gh_stmt_exec(st), GH_OK);
	strcpy(t.user_id, uid);
	assert_int_equal(gh_onetime_issue(f->db, "verify_email", &t, now, 600,
	    a), GH_OK);
	assert_int_equal(gh_onetime_issue(f->db, "verify_email", &t, now + 1,
	    600, b), GH_OK);
	assert_int_equal(gh_onetime_use(f->db, "verify_email", a, strlen(a),
	    now + 2, 1, &out), GH_ENOTFOUND);
	assert_int_equal(gh_onetime_use(f->db, "verify_email", b, strlen(b),
	    now + 2, 1, &out), GH_OK);
	assert_string_equal(out.user_id, uid);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_render_fills_and_escapes),
		T(test_render_refuses_line_breaks_and_unknown_templates),
		T(test_override_from_templates_dir),
		T(test_enqueue_and_deliver_to_files),
		T(test_enqueue_refuses_bad_addresses),
		T(test_delivery_failure_is_retried_later),
		T(test_onetime_lifecycle),
		T(test_onetime_newer_voids_older),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
