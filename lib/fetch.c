#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "fetch.h"
#include "log.h"

struct sink {
	struct gh_fetched *out;
	size_t		 max;
	int		 too_big;
};

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;
	size_t		 add = size * n;
	char		*grown;

	if (add > s->max - s->out->len) {
		s->too_big = 1;
		return 0;	/* makes curl stop with an error */
	}
	if ((grown = realloc(s->out->body, s->out->len + add + 1)) == NULL)
		return 0;
	s->out->body = grown;
	memcpy(grown + s->out->len, data, add);
	s->out->len += add;
	grown[s->out->len] = '\0';
	return add;
}

enum gh_err
gh_fetch(const struct gh_fetch *f, struct gh_fetched *out)
{
	static int		 curl_ready;
	CURL			*c = NULL;
	struct curl_slist	*hdrs = NULL, *more;
	struct sink		 sink = { out, f->max, 0 };
	char			*auth = NULL;
	size_t			 i;
	CURLcode		 rc;
	enum gh_err		 er = GH_EIO;

	memset(out, 0, sizeof(*out));
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return GH_EIO;
		curl_ready = 1;
	}
	if ((c = curl_easy_init()) == NULL)
		goto out;
	for (i = 0; i < sizeof(f->headers) / sizeof(f->headers[0]); i++) {
		if (f->headers[i] == NULL)
			continue;
		if ((more = curl_slist_append(hdrs, f->headers[i])) == NULL)
			goto out;
		hdrs = more;
	}
	if (f->bearer != NULL) {
		size_t	 n = strlen(f->bearer) + 24;

		if ((auth = malloc(n)) == NULL)
			goto out;
		snprintf(auth, n, "Authorization: Bearer %s", f->bearer);
		if ((more = curl_slist_append(hdrs, auth)) == NULL)
			goto out;
		hdrs = more;
	}
	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, f->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, f->timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "gatehouse");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	if (f->form != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, f->form);
	if (f->basic_user != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, f->basic_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, f->basic_password);
	}
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		gh_log("%s: %s%s", f->what, curl_easy_strerror(rc),
		    sink.too_big ? " (answer too large)" : "");
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	if (out->body == NULL && (out->body = calloc(1, 1)) == NULL)
		goto out;
	er = GH_OK;
out:
	if (auth != NULL) {
		sodium_memzero(auth, strlen(auth));
		free(auth);
	}
	curl_slist_free_all(hdrs);
	if (c != NULL)
		curl_easy_cleanup(c);
	if (er != GH_OK)
		gh_fetched_free(out);
	return er;
}

void
gh_fetched_free(struct gh_fetched *f)
{
	if (f->body != NULL) {
		sodium_memzero(f->body, f->len);
		free(f->body);
	}
	memset(f, 0, sizeof(*f));
}
