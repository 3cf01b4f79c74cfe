#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "clock.h"
#include "config.h"
#include "db.h"
#include "email.h"
#include "id.h"
#include "log.h"

#define TEMPLATE_MAX	(64 * 1024)	/* an overriding file, at most */
#define CLAIM_SECONDS	120		/* a sender's hold on a message */
#define RETRY_FIRST	30		/* seconds; doubles per attempt */
#define RETRY_MAX	3600

/* A message is being waited for by this process (see gh_serve). */
static int	 pending;

int
gh_email_pending(void)
{
	int	 p = pending;

	pending = 0;
	return p;
}

static int
one_line(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL;
}

/* The template file dir/name.part, or NULL (then the built-in is used). */
static char *
read_override(const char *dir, const char *name, const char *part)
{
	char	 path[GH_CONFIG_PATH_MAX + 128], *buf = NULL;
	FILE	*f;
	size_t	 n;

	if (*dir == '\0')
		return NULL;
	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, part);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if ((buf = malloc(TEMPLATE_MAX + 1)) != NULL) {
		n = fread(buf, 1, TEMPLATE_MAX, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

static const struct gh_email_template *
builtin(const char *name)
{
	const struct gh_email_template	*t;

	for (t = gh_email_templates; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static void
put_html(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
}

static const char *
lookup(const struct gh_config *cfg, const struct gh_email_var *vars,
    size_t nvars, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < nvars; i++)
		if (strlen(vars[i].name) == len &&
		    memcmp(vars[i].name, name, len) == 0)
			return vars[i].value;
	if (len == 8 && memcmp(name, "app_name", 8) == 0)
		return cfg->app_name;
	if (len == 8 && memcmp(name, "base_url", 8) == 0)
		return cfg->public_url;
	return "";	/* an unknown placeholder says nothing */
}

/* tpl with every {{name}} replaced, HTML-escaped when html is set. */
static char *
fill(const struct gh_config *cfg, const char *tpl,
    const struct gh_email_var *vars, size_t nvars, int html)
{
	char		*out = NULL;
	size_t		 len = 0;
	const char	*p = tpl, *open, *close, *v;
	FILE		*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	while ((open = strstr(p, "{{")) != NULL &&
	    (close = strstr(open + 2, "}}")) != NULL) {
		fwrite(p, 1, (size_t)(open - p), f);
		v = lookup(cfg, vars, nvars, open + 2, (size_t)(close - open - 2));
		if (html)
			put_html(f, v);
		else
			fputs(v, f);
		p = close + 2;
	}
	fputs(p, f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

enum gh_err
gh_email_render(const struct gh_config *cfg, const char *name,
    const struct gh_email_var *vars, size_t nvars, char **subject,
    char **text, char **html)
{
	const struct gh_email_template	*t = builtin(name);
	const char			*parts[3];
	char				*over[3], **outs[3];
	static const char *const	 ext[3] = { "subject", "txt", "html" };
	size_t				 i;
	enum gh_err			 er = GH_OK;

	*subject = *text = *html = NULL;
	if (t == NULL)
		return GH_EINVAL;
	for (i = 0; i < nvars; i++)
		if (!one_line(vars[i].value))
			return GH_EINVAL;
	parts[0] = t->subject;
	parts[1] = t->text;
	parts[2] = t->html;
	outs[0] = subject;
	outs[1] = text;
	outs[2] = html;
	for (i = 0; i < 3; i++) {
		over[i] = read_override(cfg->templates_dir, name, ext[i]);
		*outs[i] = fill(cfg, over[i] != NULL ? over[i] : parts[i], vars,
		    nvars, i == 2);
		free(over[i]);
		if (*outs[i] == NULL)
			er = GH_ENOMEM;
	}
	/* The subject is one header line: its first line only. */
	if (*subject != NULL)
		(*subject)[strcspn(*subject, "\r\n")] = '\0';
	if (er != GH_OK) {
		free(*subject);
		free(*text);
		free(*html);
		*subject = *text = *html = NULL;
	}
	return er;
}

/* The lines of s with CRLF endings, as SMTP wants them. */
static void
put_crlf(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\r')
			continue;
		if (*s == '\n')
			fputc('\r', f);
		fputc(*s, f);
	}
}

/* A subject in RFC 2047 encoded words when it is not plain ASCII, each
 * word at most 45 bytes of whole UTF-8 characters. */
static void
put_subject(FILE *f, const char *s)
{
	char		 b64[sodium_base64_ENCODED_LEN(45,
			    sodium_base64_VARIANT_ORIGINAL)];
	const char	*p;
	size_t		 n, len = strlen(s);
	int		 ascii = 1;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			ascii = 0;
	if (ascii) {
		fputs(s, f);
		return;
	}
	while (len > 0) {
		n = len < 45 ? len : 45;
		while (n < len && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;	/* never split a character */
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)s, n,
		    sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "=?UTF-8?B?%s?=", b64);
		s += n;
		len -= n;
		if (len > 0)
			fputs("\r\n ", f);
	}
}

static char *
message(const struct gh_config *cfg, const char *id, const char *to,
    const char *subject, const char *text, const char *html)
{
	char		*out = NULL, date[64];
	size_t		 len = 0;
	time_t		 now = time(NULL);
	struct tm	 tm;
	FILE		*f;

	if ((f = open_memstream(&out, &len)) == NULL)
		return NULL;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	fprintf(f, "From: %s\r\nTo: %s\r\nSubject: ", cfg->mail_from, to);
	put_subject(f, subject);
	fprintf(f, "\r\nDate: %s\r\nMessage-ID: <%s@gatehouse>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; boundary=\"gh-%s\"\r\n\r\n"
	    "--gh-%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n", date, id, id, id);
	put_crlf(f, text);
	fprintf(f, "\r\n--gh-%s\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n", id);
	put_crlf(f, html);
	fprintf(f, "\r\n--gh-%s--\r\n", id);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

enum gh_err
gh_email_enqueue(struct gh_db *db, const struct gh_config *cfg,
    const char *to, const char *template, const struct gh_email_var *vars,
    size_t nvars)
{
	char		 id[GH_ID_LEN + 1];
	char		*subject = NULL, *text = NULL, *html = NULL, *msg = NULL;
	struct gh_stmt	*st;
	int64_t		 now = gh_clock_now();
	enum gh_err	 er;

	if (!one_line(to) || strchr(to, '@') == NULL)
		return GH_EINVAL;
	if ((er = gh_email_render(cfg, template, vars, nvars, &subject, &text,
	    &html)) != GH_OK)
		goto out;
	gh_id_new(id);
	if ((msg = message(cfg, id, to, subject, text, html)) == NULL) {
		er = GH_ENOMEM;
		goto out;
	}
	if ((st = gh_db_prepare(db, GH_STMT_OUTBOX_INSERT, "ttttii", id, to,
	    template, msg, now, now)) == NULL) {
		er = GH_EDB;
		goto out;
	}
	if ((er = gh_stmt_exec(st)) != GH_OK)
		goto out;
	pending = 1;
out:
	free(subject);
	free(text);
	if (msg != NULL)
		sodium_memzero(msg, strlen(msg));
	free(msg);
	free(html);
	return er;
}

struct reader {
	const char	*p;
	size_t		 left;
};

static size_t
read_message(char *buf, size_t size, size_t n, void *arg)
{
	struct reader	*r = arg;
	size_t		 take = size * n < r->left ? size * n : r->left;

	memcpy(buf, r->p, take);
	r->p += take;
	r->left -= take;
	return take;
}

/* The address of "Name <addr>" or "addr", in angle brackets. */
static void
envelope(const char *from, char *out, size_t len)
{
	const char	*lt = strrchr(from, '<'), *gt;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		snprintf(out, len, "%.*s", (int)(gt - lt + 1), lt);
	else
		snprintf(out, len, "<%s>", from);
}

static enum gh_err
send_smtp(const struct gh_config *cfg, const char *to, const char *msg,
    char *why, size_t whylen)
{
	static int		 curl_ready;
	CURL			*c;
	struct curl_slist	*rcpt = NULL;
	struct reader		 r = { msg, strlen(msg) };
	char			 from[330];
	CURLcode		 rc;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return GH_EIO;
		curl_ready = 1;
	}
	if ((c = curl_easy_init()) == NULL ||
	    (rcpt = curl_slist_append(NULL, to)) == NULL) {
		if (c != NULL)
			curl_easy_cleanup(c);
		return GH_ENOMEM;
	}
	envelope(cfg->mail_from, from, sizeof(from));
	curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg->smtp_timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)cfg->smtp_timeout_ms);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(c, CURLOPT_READDATA, &r);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	if (cfg->smtp_starttls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cfg->smtp_ca_file[0] != '\0')	/* a private CA; always verified */
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg->smtp_ca_file);
	if (cfg->smtp_username[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password);
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		snprintf(why, whylen, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? GH_OK : GH_EIO;
}

/* Development delivery: mail_dir/<id>.eml, readable by the owner only. */
static enum gh_err
send_file(const struct gh_config *cfg, const char *id, const char *msg,
    char *why, size_t whylen)
{
	char		 path[GH_CONFIG_PATH_MAX + 128];
	const char	*dir = gh_config_mail_dir(cfg), *link;
	size_t		 len = strlen(msg);
	int		 fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(why, whylen, "mail_dir: %s", strerror(errno));
		return GH_EIO;
	}
	snprintf(path, sizeof(path), "%s/%s.eml", dir, id);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) <
	    0 || write(fd, msg, len) != (ssize_t)len || close(fd) != 0) {
		snprintf(why, whylen, "%s.eml: %s", id, strerror(errno));
		if (fd >= 0)
			close(fd);
		return GH_EIO;
	}
	/* No mail server in development: the first link is in the log, so
	 * a newcomer can follow every flow. */
	if ((link = strstr(msg, cfg->public_url)) != NULL)
		gh_log("mail written to %s: %.*s", path,
		    (int)strcspn(link, " \r\n\"<>"), link);
	else
		gh_log("mail written to %s", path);
	return GH_OK;
}

/* Claims the next due message: its id, address and text (new strings). */
static int
claim(struct gh_db *db, int64_t now, char **id, char **to, char **msg,
    int64_t *attempts)
{
	struct gh_stmt	*st;
	int		 got = 0;

	*id = *to = *msg = NULL;
	if (gh_db_begin(db, GH_DB_RELAXED) != GH_OK)
		return -1;
	if ((st = gh_db_prepare(db, GH_STMT_OUTBOX_CLAIM, "ii", now,
	    now + CLAIM_SECONDS)) == NULL) {
		gh_db_rollback(db);
		return -1;
	}
	if (gh_stmt_step(st) == GH_STEP_ROW) {
		*id = strdup(gh_stmt_col_text(st, 0));
		*to = strdup(gh_stmt_col_text(st, 1));
		*msg = strdup(gh_stmt_col_text(st, 2));
		*attempts = gh_stmt_col_int(st, 3);
		got = 1;
	}
	gh_stmt_reset(st);
	if (gh_db_commit(db) != GH_OK || (got && (*id == NULL ||
	    *to == NULL || *msg == NULL))) {
		gh_db_rollback(db);
		return -1;
	}
	return got;
}

static void
mark(struct gh_db *db, const char *id, int sent, int64_t now,
    int64_t attempts, const char *why)
{
	struct gh_stmt	*st;
	int64_t		 delay = RETRY_FIRST;

	while (attempts-- > 1 && delay < RETRY_MAX)
		delay *= 2;
	if (delay > RETRY_MAX)
		delay = RETRY_MAX;
	if (gh_db_begin(db, GH_DB_RELAXED) != GH_OK)
		return;
	st = sent ? gh_db_prepare(db, GH_STMT_OUTBOX_SENT, "ti", id, now) :
	    gh_db_prepare(db, GH_STMT_OUTBOX_RETRY, "tit", id, now + delay,
	    why);
	if (st == NULL || gh_stmt_exec(st) != GH_OK ||
	    gh_db_commit(db) != GH_OK)
		gh_db_rollback(db);
}

int
gh_email_deliver_due(struct gh_db *db, const struct gh_config *cfg, int max,
    int64_t budget_ms, int *failed)
{
	char		*id, *to, *msg, why[256];
	double		 until = gh_clock_ms() + (double)budget_ms;
	int64_t		 attempts = 0;
	int		 sent = 0, got;
	enum gh_err	 er;

	if (failed != NULL)
		*failed = 0;
	while (max-- > 0 && gh_clock_ms() < until) {
		if ((got = claim(db, gh_clock_now(), &id, &to, &msg,
		    &attempts)) <= 0)
			break;	/* nothing due, or the database said no */
		why[0] = '\0';
		er = cfg->smtp_url[0] == '\0' ?
		    send_file(cfg, id, msg, why, sizeof(why)) :
		    send_smtp(cfg, to, msg, why, sizeof(why));
		mark(db, id, er == GH_OK, gh_clock_now(), attempts, why);
		if (er == GH_OK)
			sent++;
		else {
			gh_log("mail %s to %s: attempt %lld failed: %s", id, to,
			    (long long)attempts, why);
			if (failed != NULL)
				(*failed)++;
		}
		sodium_memzero(msg, strlen(msg));
		free(id);
		free(to);
		free(msg);
	}
	return sent;
}
