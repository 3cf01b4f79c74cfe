/*
 * libFuzzer harness for lib/json.c: the body parser (gh_json_parse), the
 * per-route field checker (gh_json_fields) and the problem document it
 * feeds, the UTF-8 counter and every gh_check_* field check.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "http.h"
#include "json.h"
#include "problem.h"

#define MAX_DEPTH	16

/* A sign-up / profile style table covering every kind and flag. */
static const struct gh_json_field fields[] = {
	{ "email", GH_JSON_STRING, GH_F_REQUIRED, 3, 254, gh_check_email,
	    "email address" },
	{ "password", GH_JSON_STRING, GH_F_REQUIRED | GH_F_SECRET, 8, 128,
	    gh_check_password, "text without NUL" },
	{ "username", GH_JSON_STRING, GH_F_NULLABLE, 3, 32,
	    gh_check_username, "letter, then letters, digits or _" },
	{ "display_name", GH_JSON_STRING, GH_F_NULLABLE, 1, 64,
	    gh_check_display_text, "printable text" },
	{ "avatar_url", GH_JSON_STRING, GH_F_NULLABLE, 10, 2048,
	    gh_check_url, "http(s) URL" },
	{ "locale", GH_JSON_STRING, 0, 2, 35, gh_check_locale,
	    "BCP 47 tag" },
	{ "timezone", GH_JSON_STRING, 0, 1, 64, gh_check_timezone,
	    "IANA zone name" },
	{ "invite", GH_JSON_STRING, GH_F_SECRET, 1, 256,
	    gh_check_token_chars, "token" },
	{ "session_days", GH_JSON_INT, 0, 1, 400, NULL, NULL },
	{ "remember", GH_JSON_BOOL, 0, 0, 0, NULL, NULL },
	{ "marketing", GH_JSON_BOOL, GH_F_NULLABLE, 0, 0, NULL, NULL },
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

/* json.h promises GH_JSON_SYNTAX for input that is not UTF-8 (json-c's own
 * check lets overlong forms and surrogates through; gh_json_parse adds the
 * full check: tests/fuzz/crashes/README). */
static const gh_json_check checks[] = {
	gh_check_email, gh_check_username, gh_check_password,
	gh_check_display_text, gh_check_url, gh_check_locale,
	gh_check_timezone, gh_check_token_chars,
};

/* What gh_json_fields promised for a table that passed. */
static void
check_values(const struct gh_json_value *v)
{
	size_t	 i;
	int64_t	 chars;

	for (i = 0; i < NFIELDS; i++) {
		if ((fields[i].flags & GH_F_REQUIRED) && !v[i].present)
			abort();
		if (!v[i].present || v[i].is_null)
			continue;
		switch (fields[i].kind) {
		case GH_JSON_STRING:
			if (v[i].s == NULL ||
			    memchr(v[i].s, '\0', v[i].len) != NULL)
				abort();
			chars = gh_json_utf8_count(v[i].s, v[i].len);
			if (chars < fields[i].min || chars > fields[i].max)
				abort();
			if (fields[i].check != NULL &&
			    !fields[i].check(v[i].s, v[i].len))
				abort();
			break;
		case GH_JSON_INT:
			if (v[i].i < fields[i].min || v[i].i > fields[i].max)
				abort();
			break;
		case GH_JSON_BOOL:
			if (v[i].b != 0 && v[i].b != 1)
				abort();
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*buf = (const char *)data;
	json_object		*obj = NULL;
	struct gh_json_value	 values[NFIELDS];
	struct gh_problem	 p = { NULL };
	struct gh_res		 res;
	enum gh_json_parse_err	 pe;
	const char		*s;
	size_t			 i, slen;
	int64_t			 n;

	n = gh_json_utf8_count(buf, size);
	if (n < -1 || n > (int64_t)size)
		abort();

	if (memchr(data, '\0', size) == NULL)
		for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
			(void)checks[i](buf, size);

	pe = gh_json_parse(buf, size, MAX_DEPTH, &obj);
	if ((pe == GH_JSON_OK) != (obj != NULL))
		abort();
	if (pe != GH_JSON_OK)
		return 0;
	/* Valid JSON is valid UTF-8. */
	if (n < 0)
		abort();

	if (gh_json_fields(obj, fields, NFIELDS, values, &p) == GH_OK) {
		if (gh_problem_has_params(&p))
			abort();
		check_values(values);
	} else {
		if (!gh_problem_has_params(&p))
			abort();
		/* What gh_json_take does with it. */
		memset(&res, 0, sizeof(res));
		gh_problem_send_invalid(&p, &res);
		if (res.status != 400 || res.json == NULL)
			abort();
		s = gh_json_string(res.json, &slen);
		if (s == NULL || strlen(s) != slen)
			abort();
		gh_res_free(&res);
	}
	gh_problem_free(&p);

	s = gh_json_string(obj, &slen);
	if (s == NULL)
		abort();
	json_object_put(obj);
	return 0;
}
