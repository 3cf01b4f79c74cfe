/*
 * Email (docs/email.md): every message is rendered from a template and
 * written to the outbox in the same transaction as the action that causes
 * it; delivery happens after the response is finished (and again by
 * `gatehouse outbox flush` and later requests, with backoff), over SMTP by
 * libcurl, or as .eml files in mail_dir when no smtp_url is set. A message
 * is marked sent only once the server took it.
 */
#ifndef GH_EMAIL_H
#define GH_EMAIL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct gh_config;
struct gh_db;

struct gh_email_template {
	const char	*name;
	const char	*subject;
	const char	*text;
	const char	*html;
};

/* Built-in templates (generated from share/templates), NULL-terminated. */
extern const struct gh_email_template gh_email_templates[];

struct gh_email_var {
	const char	*name;		/* {{name}} in the templates */
	const char	*value;		/* one line of text */
};

/*
 * Renders template name with vars (plus app_name and base_url from the
 * configuration) into an RFC 5322 message to `to` and writes it to the
 * outbox, inside the caller's transaction. GH_EINVAL when an address or
 * value would break the message's header (CR, LF) or the template is
 * unknown.
 */
enum gh_err	 gh_email_enqueue(struct gh_db *, const struct gh_config *,
		    const char *to, const char *template,
		    const struct gh_email_var *vars, size_t nvars) GH_WUR;

/* The rendered parts, for tests and the CLI: subject, text and html are
 * new strings (free()). */
enum gh_err	 gh_email_render(const struct gh_config *, const char *template,
		    const struct gh_email_var *vars, size_t nvars,
		    char **subject, char **text, char **html) GH_WUR;

/*
 * Delivers messages that are due: at most max, and none started after
 * budget_ms. Each is claimed first, so processes never send one twice;
 * a failure is retried later with a growing delay. Returns how many were
 * sent; *failed (may be NULL) counts the attempts that failed.
 */
int		 gh_email_deliver_due(struct gh_db *, const struct gh_config *,
		    int max, int64_t budget_ms, int *failed);
/* Whether this process queued a message since the last call (so it
 * delivers right after the response instead of at its next check). */
int		 gh_email_pending(void);

#endif
