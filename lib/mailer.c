#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "db.h"
#include "email.h"
#include "log.h"
#include "mailer.h"
#include "serve.h"

/* How often a mailing program looks for messages that are due again. */
#define MAIL_CHECK_MS	10000
#define MAIL_BUDGET_MS	60000	/* the longest one delivery run takes */

/*
 * Why a child: no request waits for SMTP, a mail server that is slow or
 * down never holds up answers, and no request is slower for following one
 * that sent an email (which would tell an attacker that an address has an
 * account).
 */
void
gh_mailer_after_answer(struct gh_server *srv, int cgi)
{
	static double	 last;
	static pid_t	 child;
	struct gh_db	*db;
	double		 now = gh_clock_ms();

	if (cgi) {
		if (gh_email_pending())
			(void)gh_email_deliver_due(srv->db, &srv->cfg, 20,
			    MAIL_BUDGET_MS, NULL);
		return;
	}
	if (!gh_email_pending() && now - last < MAIL_CHECK_MS)
		return;
	if (child > 0 && waitpid(child, NULL, WNOHANG) == 0)
		return;		/* the last run is still going */
	last = now;
	if ((child = fork()) != 0) {
		if (child < 0)
			gh_log("mail: cannot fork a sender: %s", strerror(errno));
		return;
	}
	/* The child: never the parent's SQLite connection (not across fork). */
	if (gh_db_open(gh_config_db_path(&srv->cfg), 0, &db) == GH_OK) {
		(void)gh_email_deliver_due(db, &srv->cfg, 100, MAIL_BUDGET_MS,
		    NULL);
		gh_db_close(db);
	}
	_exit(0);
}
