#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "problem.h"

/*
 * json-c's strict mode still takes single quotes, NaN and Infinity, "1.",
 * raw control characters inside strings, and cuts member names at an
 * escaped NUL. One pass over the text refuses those before json-c parses it
 * (RFC 8259 §2, §6, §7).
 */
static int
strict_scan(const char *buf, size_t len)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t			 i, j, w, n;
	int			 in_string = 0, has_nul = 0;
	unsigned char		 c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)buf[i];
		if (in_string) {
			if (c < 0x20)
				return 0;
			if (c == '\\') {
				if (i + 1 >= len)
					return 0;
				if (buf[i + 1] == 'u' && len - i > 5 &&
				    strncmp(buf + i + 2, "0000", 4) == 0)
					has_nul = 1;
				i++;
			} else if (c == '"') {
				in_string = 0;
				/* A NUL is the value's problem (the field
				 * check names it), but a member name would be
				 * cut at it. */
				for (j = i + 1; j < len && strchr(" \t\r\n",
				    buf[j]) != NULL; j++)
					;
				if (has_nul && j < len && buf[j] == ':')
					return 0;
			}
			continue;
		}
		if (c == '"') {
			in_string = 1;
			has_nul = 0;
		} else if (c == '\'' || (c == '.' && (i + 1 >= len ||
		    buf[i + 1] < '0' || buf[i + 1] > '9')))
			return 0;
		else if ((c == 'e' || c == 'E') && i > 0 &&
		    ((buf[i - 1] >= '0' && buf[i - 1] <= '9')))
			continue;
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			for (w = 0; w < 3; w++) {
				n = strlen(words[w]);
				if (len - i >= n && strncmp(buf + i, words[w],
				    n) == 0)
					break;
			}
			if (w == 3)
				return 0;
			i += strlen(words[w]) - 1;
		}
	}
	return 1;
}

static enum gh_json_parse_err
parse(const char *buf, size_t len, int max_depth, int any, json_object **out)
{
	json_tokener		*tok = NULL;
	json_object		*obj = NULL;
	enum gh_json_parse_err	 rc = GH_JSON_SYNTAX;
	size_t			 end;

	*out = NULL;
	/* json-c takes an int length; a raw NUL is never valid JSON. */
	if (len == 0 || len > (size_t)1 << 30 || memchr(buf, '\0', len) != NULL ||
	    gh_json_utf8_count(buf, len) < 0 || !strict_scan(buf, len))
		goto out;
	if ((tok = json_tokener_new_ex(max_depth)) == NULL)
		goto out;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	end = obj != NULL ? json_tokener_get_parse_end(tok) : len;
	/* A bare number or literal waits for more input: end it. */
	if (obj == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		obj = json_tokener_parse_ex(tok, " ", 1);
	if (obj == NULL) {
		if (json_tokener_get_error(tok) == json_tokener_error_depth)
			rc = GH_JSON_DEPTH;
		else if (json_tokener_get_error(tok) == json_tokener_success)
			rc = GH_JSON_NOT_OBJECT;	/* a bare null */
		goto out;
	}
	for (; end < len; end++)
		if (strchr(" \t\r\n", buf[end]) == NULL)
			goto out;
	if (!any && !json_object_is_type(obj, json_type_object)) {
		rc = GH_JSON_NOT_OBJECT;
		goto out;
	}
	*out = obj;
	obj = NULL;
	rc = GH_JSON_OK;
out:
	if (obj != NULL)
		json_object_put(obj);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

enum gh_json_parse_err
gh_json_parse(const char *buf, size_t len, int max_depth, json_object **out)
{
	return parse(buf, len, max_depth, 0, out);
}

enum gh_json_parse_err
gh_json_parse_any(const char *buf, size_t len, int max_depth,
    json_object **out)
{
	return parse(buf, len, max_depth, 1, out);
}

int64_t
gh_json_utf8_count(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, need, k;
	int64_t			 n = 0;
	uint32_t		 cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			n++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			need = 1;
			cp = p[i] & 0x1fu;
		} else if ((p[i] & 0xf0) == 0xe0) {
			need = 2;
			cp = p[i] & 0x0fu;
		} else if ((p[i] & 0xf8) == 0xf0) {
			need = 3;
			cp = p[i] & 0x07u;
		} else
			return -1;
		if (len - i - 1 < need)
			return -1;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i + k] & 0x3fu);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		i += need + 1;
		n++;
	}
	return n;
}

static const char *
type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
		return "number";
	case json_type_int:
		return "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "unknown";
}

static const char *
kind_name(const struct gh_json_field *f)
{
	int	 nullable = (f->flags & GH_F_NULLABLE) != 0;

	switch (f->kind) {
	case GH_JSON_STRING:
		return nullable ? "string or null" : "string";
	case GH_JSON_INT:
		return nullable ? "integer or null" : "integer";
	case GH_JSON_BOOL:
		return nullable ? "boolean or null" : "boolean";
	}
	return "value";
}

/* A received value shown back to the client: at most 64 bytes, cut on a
 * character boundary. */
static void
excerpt(const char *s, size_t len, char *buf, size_t bufsz)
{
	size_t	 n = len < bufsz - 1 ? len : bufsz - 1;

	while (n > 0 && n < len && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

static void
check_string(const struct gh_json_field *f, json_object *v,
    struct gh_json_value *out, struct gh_problem *p, int *bad)
{
	const char	*s = json_object_get_string(v);
	size_t		 len = (size_t)json_object_get_string_len(v);
	int64_t		 chars;
	char		 exp[64], rec[72];

	if (memchr(s, '\0', len) != NULL) {
		gh_problem_param(p, "body", f->name, "format",
		    f->format != NULL ? f->format : "text without NUL", NULL);
		*bad = 1;
		return;
	}
	chars = gh_json_utf8_count(s, len);
	if (chars < f->min || chars > f->max) {
		snprintf(exp, sizeof(exp), "%lld..%lld characters",
		    (long long)f->min, (long long)f->max);
		snprintf(rec, sizeof(rec), "%lld characters", (long long)chars);
		gh_problem_param(p, "body", f->name, "length", exp, rec);
		*bad = 1;
		return;
	}
	if (f->check != NULL && !f->check(s, len)) {
		excerpt(s, len, rec, 65);
		gh_problem_param(p, "body", f->name, "format", f->format,
		    (f->flags & GH_F_SECRET) ? NULL : rec);
		*bad = 1;
		return;
	}
	out->s = s;
	out->len = len;
}

static void
check_value(const struct gh_json_field *f, json_object *v,
    struct gh_json_value *out, struct gh_problem *p, int *bad)
{
	char	 exp[64], rec[32];

	out->present = 1;
	if (json_object_is_type(v, json_type_null) &&
	    (f->flags & GH_F_NULLABLE)) {
		out->is_null = 1;
		return;
	}
	switch (f->kind) {
	case GH_JSON_STRING:
		if (!json_object_is_type(v, json_type_string))
			break;
		check_string(f, v, out, p, bad);
		return;
	case GH_JSON_INT:
		if (!json_object_is_type(v, json_type_int))
			break;
		out->i = json_object_get_int64(v);
		if (out->i < f->min || out->i > f->max) {
			snprintf(exp, sizeof(exp), "%lld..%lld",
			    (long long)f->min, (long long)f->max);
			snprintf(rec, sizeof(rec), "%lld", (long long)out->i);
			gh_problem_param(p, "body", f->name, "range", exp, rec);
			*bad = 1;
		}
		return;
	case GH_JSON_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			break;
		out->b = json_object_get_boolean(v);
		return;
	}
	gh_problem_param(p, "body", f->name, "type", kind_name(f),
	    type_name(v));
	*bad = 1;
}

enum gh_err
gh_json_fields(json_object *obj, const struct gh_json_field *fields,
    size_t n, struct gh_json_value *values, struct gh_problem *p)
{
	size_t		 i;
	int		 bad = 0, known;
	json_object	*v;

	if (n > 0)
		memset(values, 0, n * sizeof(*values));
	json_object_object_foreach(obj, key, val) {
		(void)val;
		known = 0;
		for (i = 0; i < n && !known; i++)
			known = strcmp(fields[i].name, key) == 0;
		if (!known) {
			gh_problem_param(p, "body", key, "unknown", NULL, NULL);
			bad = 1;
		}
	}
	for (i = 0; i < n; i++) {
		if (!json_object_object_get_ex(obj, fields[i].name, &v)) {
			if (fields[i].flags & GH_F_REQUIRED) {
				gh_problem_param(p, "body", fields[i].name,
				    "required", kind_name(&fields[i]), NULL);
				bad = 1;
			}
			continue;
		}
		check_value(&fields[i], v, &values[i], p, &bad);
	}
	return bad ? GH_EINVAL : GH_OK;
}

int
gh_json_take(struct gh_req *req, struct gh_res *res,
    const struct gh_json_field *fields, size_t n, struct gh_json_value *values)
{
	struct gh_problem	 p = { NULL };

	if (gh_json_fields(req->json, fields, n, values, &p) == GH_OK)
		return 1;
	gh_problem_send_invalid(&p, res);
	gh_problem_free(&p);
	return 0;
}

const char *
gh_json_string(json_object *obj, size_t *len)
{
	return json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Pragmatic RFC 5321 shape: dot-atom local part, a domain of at least two
 * labels; UTF-8 allowed in both (RFC 6531). */
int
gh_check_email(const char *s, size_t len)
{
	const char	*at = memchr(s, '@', len);
	size_t		 i, local, label = 0;
	unsigned char	 c, prev = '.';

	if (at == NULL || len > 254 || memchr(at + 1, '@',
	    len - (size_t)(at - s) - 1) != NULL)
		return 0;
	local = (size_t)(at - s);
	if (local == 0 || local > 64 || len - local - 1 < 3)
		return 0;
	for (i = 0; i < local; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (prev == '.')
				return 0;
		} else if (!(is_alnum(c) || c >= 0x80 ||
		    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL))
			return 0;
		prev = c;
	}
	if (prev == '.')
		return 0;
	prev = '.';
	for (i = local + 1; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0 || prev == '-')
				return 0;
			label = 0;
		} else if (is_alnum(c) || c >= 0x80 || c == '-') {
			if (c == '-' && label == 0)
				return 0;
			if (++label > 63)
				return 0;
		} else
			return 0;
		prev = c;
	}
	if (label == 0 || prev == '-')
		return 0;
	return memchr(at + 1, '.', len - local - 1) != NULL;
}

int
gh_check_username(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || !is_alpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/* NIST SP 800-63B: no composition rules; only NUL is refused (earlier). */
int
gh_check_password(const char *s, size_t len)
{
	return memchr(s, '\0', len) == NULL;
}

/* Any text without control characters, with at least one visible one. */
int
gh_check_display_text(const char *s, size_t len)
{
	size_t	 i;
	int	 visible = 0;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		if (s[i] != ' ')
			visible = 1;
	}
	return visible;
}

int
gh_check_url(const char *s, size_t len)
{
	size_t	 i, skip;

	if (len > 8 && strncmp(s, "https://", 8) == 0)
		skip = 8;
	else if (len > 7 && strncmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return 0;
	if (s[skip] == '/' || s[skip] == '?' || s[skip] == '#')
		return 0;
	for (i = skip; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f ||
		    strchr("\"<>\\^`{|}", s[i]) != NULL)
			return 0;
	return 1;
}

/* BCP 47 shape: a 2-3 letter language, then subtags of 1-8 alphanumerics
 * (a singleton like the "x" of "en-x-twain" is one). */
int
gh_check_locale(const char *s, size_t len)
{
	size_t	 i, run = 0, first = 1;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '-') {
			if (first ? (run < 2 || run > 3) : (run < 1 || run > 8))
				return 0;
			first = 0;
			run = 0;
		} else if (first ? !is_alpha((unsigned char)s[i]) :
		    !is_alnum((unsigned char)s[i]))
			return 0;
		else
			run++;
	}
	return 1;
}

/* IANA zone names: "UTC", "Europe/Paris", "Etc/GMT+5". */
int
gh_check_timezone(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || !is_alpha((unsigned char)s[0]) || s[len - 1] == '/')
		return 0;
	for (i = 0; i < len; i++) {
		if (!is_alnum((unsigned char)s[i]) &&
		    strchr("_+-/", s[i]) == NULL)
			return 0;
		if (s[i] == '/' && s[i + 1] == '/')
			return 0;
	}
	return 1;
}

int
gh_check_token_chars(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

void
gh_json_copy_string(json_object *o, const char *key, char *dst, size_t size)
{
	json_object	*m;
	const char	*v;
	size_t		 n;

	if (!json_object_object_get_ex(o, key, &m) ||
	    !json_object_is_type(m, json_type_string) || size == 0)
		return;
	v = json_object_get_string(m);
	n = strlen(v) < size - 1 ? strlen(v) : size - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

json_object *
gh_json_col_text(struct gh_stmt *st, int col)
{
	const char	*s = gh_stmt_col_text(st, col);

	return s != NULL ? json_object_new_string(s) : NULL;
}

enum gh_err
gh_json_rows(struct gh_stmt *st, gh_json_row row, const void *arg,
    json_object **out)
{
	json_object	*a = json_object_new_array();
	enum gh_step	 rc;

	*out = NULL;
	while ((rc = gh_stmt_step(st)) == GH_STEP_ROW)
		json_object_array_add(a, row(st, arg));
	gh_stmt_reset(st);
	if (rc != GH_STEP_DONE) {
		json_object_put(a);
		return GH_EDB;
	}
	*out = a;
	return GH_OK;
}

json_object *
gh_json_col_time(struct gh_stmt *st, int col)
{
	char	 buf[GH_RFC3339_LEN + 1];

	if (gh_stmt_col_is_null(st, col))
		return NULL;
	gh_clock_rfc3339(gh_stmt_col_int(st, col), buf);
	return json_object_new_string(buf);
}
