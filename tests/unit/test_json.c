/* JSON bodies and field checks: lib/json.h, lib/problem.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"
#include "json.h"
#include "problem.h"

/* ---- helpers ------------------------------------------------------- */

static enum gh_json_parse_err
parse_n(const char *s, size_t len, int depth)
{
	json_object		*o = (json_object *)&o;	/* not NULL */
	enum gh_json_parse_err	 rc = gh_json_parse(s, len, depth, &o);

	if (rc == GH_JSON_OK) {
		assert_non_null(o);
		assert_true(json_object_is_type(o, json_type_object));
		json_object_put(o);
	} else
		assert_null(o);
	return rc;
}

static enum gh_json_parse_err
parse(const char *s)
{
	return parse_n(s, strlen(s), 16);
}

static json_object *
object(const char *s)
{
	json_object	*o = NULL;

	assert_int_equal(gh_json_parse(s, strlen(s), 16, &o), GH_JSON_OK);
	assert_non_null(o);
	return o;
}

/* Nested objects: depth levels, {"a":{"a":{}}} is 3. */
static char *
nested(char *buf, size_t bufsz, int depth)
{
	size_t	 o = 0;
	int	 i;

	for (i = 1; i < depth; i++)
		o += (size_t)snprintf(buf + o, bufsz - o, "{\"a\":");
	o += (size_t)snprintf(buf + o, bufsz - o, "{}");
	for (i = 1; i < depth; i++)
		buf[o++] = '}';
	buf[o] = '\0';
	assert_true(o < bufsz);
	return buf;
}

static size_t
nparams(const struct gh_problem *p)
{
	return p->invalid_params == NULL ? 0 :
	    json_object_array_length(p->invalid_params);
}

/* A member of invalid_params[i], or NULL when absent. */
static const char *
param_get(const struct gh_problem *p, size_t i, const char *key)
{
	json_object	*e, *v;

	assert_non_null(p->invalid_params);
	e = json_object_array_get_idx(p->invalid_params, i);
	assert_non_null(e);
	if (!json_object_object_get_ex(e, key, &v))
		return NULL;
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static int
check_is_ok(const char *s, size_t len)
{
	return strncmp(s, "ok", len) == 0 && len == 2;
}

enum { F_NAME, F_SECRET, F_NICK, F_AGE, F_ADMIN, NF };

static const struct gh_json_field fields[NF] = {
	[F_NAME] = { "name", GH_JSON_STRING, GH_F_REQUIRED, 1, 5,
	    check_is_ok, "the word ok" },
	[F_SECRET] = { "secret", GH_JSON_STRING, GH_F_SECRET, 0, 100,
	    check_is_ok, "the word ok" },
	[F_NICK] = { "nick", GH_JSON_STRING, GH_F_NULLABLE, 1, 5, NULL,
	    NULL },
	[F_AGE] = { "age", GH_JSON_INT, 0, 0, 150, NULL, NULL },
	[F_ADMIN] = { "admin", GH_JSON_BOOL, GH_F_NULLABLE, 0, 0, NULL, NULL },
};

struct run {
	json_object		*obj;
	struct gh_json_value	 v[NF];
	struct gh_problem	 p;
	enum gh_err		 er;
};

static void
run_fields(struct run *r, const char *body)
{
	memset(r, 0, sizeof(*r));
	r->obj = object(body);
	r->er = gh_json_fields(r->obj, fields, NF, r->v, &r->p);
}

static void
run_free(struct run *r)
{
	gh_problem_free(&r->p);
	json_object_put(r->obj);
}

/* The single problem is of this type for this field. */
static void
assert_one_param(struct run *r, const char *path, const char *type)
{
	assert_int_equal(r->er, GH_EINVAL);
	assert_int_equal(nparams(&r->p), 1);
	assert_string_equal(param_get(&r->p, 0, "in"), "body");
	assert_string_equal(param_get(&r->p, 0, "path"), path);
	assert_string_equal(param_get(&r->p, 0, "type"), type);
}

/* ---- gh_json_parse ------------------------------------------------- */

static void
test_parse_valid_object(void **state)
{
	json_object	*o = object("{\"a\":1,\"b\":[true,null,\"x\"],"
			    "\"c\":{\"d\":\"\\u00e9\"}}");
	json_object	*v;

	(void)state;
	assert_true(json_object_object_get_ex(o, "a", &v));
	assert_int_equal(json_object_get_int64(v), 1);
	json_object_put(o);
}

static void
test_parse_empty_object(void **state)
{
	(void)state;
	assert_int_equal(parse("{}"), GH_JSON_OK);
}

static void
test_parse_trailing_whitespace_ok(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":1} \t\r\n  "), GH_JSON_OK);
	assert_int_equal(parse("  \n{\"a\":1}"), GH_JSON_OK);
}

static void
test_parse_trailing_garbage(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":1}x"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":1} ,"), GH_JSON_SYNTAX);
}

static void
test_parse_two_objects(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":1}{\"b\":2}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{} {}"), GH_JSON_SYNTAX);
}

static void
test_parse_truncated(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":\"b"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{"), GH_JSON_SYNTAX);
}

static void
test_parse_not_strict_json(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":'b'}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":1,}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":[1,]}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":01}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":+1}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":.5}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{a:1}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":1 /* c */}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":TRUE}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":\"\\x41\"}"), GH_JSON_SYNTAX);
}

static void
test_parse_single_quoted_key(void **state)
{
	/* RFC 8259 §7: strings (member names too) use quotation marks. */
	(void)state;
	assert_int_equal(parse("{'a':1}"), GH_JSON_SYNTAX);
}

static void
test_parse_raw_control_char_in_string(void **state)
{
	/* RFC 8259 §7: U+0000..U+001F must be escaped inside strings. */
	(void)state;
	assert_int_equal(parse("{\"a\":\"x\ty\"}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":\"x\ny\"}"), GH_JSON_SYNTAX);
}

static void
test_parse_nan_infinity(void **state)
{
	/* RFC 8259 §6: NaN and Infinity are not numbers in JSON. */
	(void)state;
	assert_int_equal(parse("{\"a\":NaN}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":Infinity}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":-Infinity}"), GH_JSON_SYNTAX);
}

static void
test_parse_number_trailing_dot(void **state)
{
	/* RFC 8259 §6: frac = decimal-point 1*DIGIT. */
	(void)state;
	assert_int_equal(parse("{\"a\":1.}"), GH_JSON_SYNTAX);
}

static void
test_parse_array_top_level(void **state)
{
	(void)state;
	assert_int_equal(parse("[1,2]"), GH_JSON_NOT_OBJECT);
	assert_int_equal(parse("[]"), GH_JSON_NOT_OBJECT);
}

static void
test_parse_string_top_level(void **state)
{
	(void)state;
	assert_int_equal(parse("\"abc\""), GH_JSON_NOT_OBJECT);
}

static void
test_parse_number_top_level_spaced(void **state)
{
	(void)state;
	assert_int_equal(parse("123 "), GH_JSON_NOT_OBJECT);
}

static void
test_parse_number_top_level(void **state)
{
	/* RFC 8259 §2: a bare number is a JSON text, just not an object. */
	(void)state;
	assert_int_equal(parse("123"), GH_JSON_NOT_OBJECT);
}

static void
test_parse_literal_top_level(void **state)
{
	(void)state;
	assert_int_equal(parse("true"), GH_JSON_NOT_OBJECT);
	assert_int_equal(parse("null"), GH_JSON_NOT_OBJECT);
}

static enum gh_json_parse_err
parse_nested(int levels, int max_depth)
{
	char	 buf[512];

	nested(buf, sizeof(buf), levels);
	return parse_n(buf, strlen(buf), max_depth);
}

static void
test_parse_depth_at_limit_ok(void **state)
{
	(void)state;
	assert_int_equal(parse_nested(3, 3), GH_JSON_OK);
	assert_int_equal(parse_nested(16, 16), GH_JSON_OK);
}

static void
test_parse_depth_over_limit(void **state)
{
	(void)state;
	assert_int_equal(parse_nested(4, 3), GH_JSON_DEPTH);
	assert_int_equal(parse_nested(17, 16), GH_JSON_DEPTH);
}

static void
test_parse_depth_arrays(void **state)
{
	char	 buf[4096];
	size_t	 i;

	(void)state;
	strcpy(buf, "{\"a\":");
	for (i = 0; i < 1000; i++)
		strcat(buf, "[");
	assert_int_equal(parse(buf), GH_JSON_DEPTH);
}

static void
test_parse_invalid_utf8_byte(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":\"\xff\"}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"\xfe\":1}"), GH_JSON_SYNTAX);
}

static void
test_parse_invalid_utf8_lone_continuation(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":\"x\x80y\"}"), GH_JSON_SYNTAX);
}

static void
test_parse_invalid_utf8_truncated(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":\"\xe2\x82\"}"), GH_JSON_SYNTAX);
}

static void
test_parse_invalid_utf8_overlong(void **state)
{
	/* RFC 3629 §3: C0 80 (an overlong NUL) is not UTF-8. */
	(void)state;
	assert_int_equal(parse("{\"a\":\"\xc0\x80\"}"), GH_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":\"\xe0\x80\xaf\"}"), GH_JSON_SYNTAX);
}

static void
test_parse_invalid_utf8_surrogate(void **state)
{
	/* ED A0 80 would be U+D800, which UTF-8 may not encode. */
	(void)state;
	assert_int_equal(parse("{\"a\":\"\xed\xa0\x80\"}"), GH_JSON_SYNTAX);
}

static void
test_parse_invalid_utf8_above_max(void **state)
{
	/* F4 90 80 80 would be U+110000. */
	(void)state;
	assert_int_equal(parse("{\"a\":\"\xf4\x90\x80\x80\"}"), GH_JSON_SYNTAX);
}

static void
test_parse_valid_utf8(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"caf\xc3\xa9\":\"\xe2\x82\xac \xf0\x9f\x98"
	    "\x80 \xf4\x8f\xbf\xbf\"}"), GH_JSON_OK);
}

static void
test_parse_raw_nul(void **state)
{
	static const char body[] = "{\"a\":\"x\0y\"}";

	(void)state;
	assert_int_equal(parse_n(body, sizeof(body) - 1, 16), GH_JSON_SYNTAX);
}

static void
test_parse_raw_nul_after_object(void **state)
{
	static const char body[] = "{\"a\":1}\0";

	(void)state;
	assert_int_equal(parse_n(body, sizeof(body) - 1, 16), GH_JSON_SYNTAX);
}

static void
test_parse_length_bounds_input(void **state)
{
	/* Only len bytes are read: the object is cut before its end. */
	(void)state;
	assert_int_equal(parse_n("{\"a\":1}", 6, 16), GH_JSON_SYNTAX);
	assert_int_equal(parse_n("{\"a\":1}GARBAGE", 7, 16), GH_JSON_OK);
}

static void
test_parse_empty(void **state)
{
	(void)state;
	assert_int_equal(parse_n("", 0, 16), GH_JSON_SYNTAX);
	assert_int_equal(parse("   "), GH_JSON_SYNTAX);
}

/* ---- gh_json_fields ------------------------------------------------ */

static void
test_fields_all_good(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"secret\":\"ok\",\"nick\":\"bob\","
	    "\"age\":42,\"admin\":true}");
	assert_int_equal(r.er, GH_OK);
	assert_int_equal(nparams(&r.p), 0);
	assert_false(gh_problem_has_params(&r.p));
	assert_true(r.v[F_NAME].present);
	assert_false(r.v[F_NAME].is_null);
	assert_int_equal(r.v[F_NAME].len, 2);
	assert_memory_equal(r.v[F_NAME].s, "ok", 2);
	assert_string_equal(r.v[F_NICK].s, "bob");
	assert_int_equal(r.v[F_AGE].i, 42);
	assert_true(r.v[F_ADMIN].b);
	run_free(&r);
}

static void
test_fields_optional_absent(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\"}");
	assert_int_equal(r.er, GH_OK);
	assert_false(r.v[F_NICK].present);
	assert_null(r.v[F_NICK].s);
	assert_false(r.v[F_AGE].present);
	run_free(&r);
}

static void
test_fields_values_cleared_first(void **state)
{
	struct gh_json_value	 v[NF];
	struct gh_problem	 p = { NULL };
	json_object		*o = object("{\"name\":\"ok\"}");

	(void)state;
	memset(v, 0x5a, sizeof(v));
	assert_int_equal(gh_json_fields(o, fields, NF, v, &p), GH_OK);
	assert_false(v[F_AGE].present);
	assert_int_equal(v[F_AGE].i, 0);
	assert_null(v[F_NICK].s);
	gh_problem_free(&p);
	json_object_put(o);
}

static void
test_fields_required_missing(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"age\":3}");
	assert_one_param(&r, "name", "required");
	assert_null(param_get(&r.p, 0, "received"));
	run_free(&r);
}

static void
test_fields_unknown(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"is_admin\":true}");
	assert_one_param(&r, "is_admin", "unknown");
	run_free(&r);
}

static void
test_fields_unknown_and_missing_both_reported(void **state)
{
	struct run	 r;
	size_t		 i;
	int		 seen_unknown = 0, seen_required = 0;

	(void)state;
	run_fields(&r, "{\"nmae\":\"ok\"}");
	assert_int_equal(r.er, GH_EINVAL);
	assert_int_equal(nparams(&r.p), 2);
	for (i = 0; i < 2; i++) {
		if (strcmp(param_get(&r.p, i, "type"), "unknown") == 0) {
			assert_string_equal(param_get(&r.p, i, "path"), "nmae");
			seen_unknown = 1;
		} else {
			assert_string_equal(param_get(&r.p, i, "type"),
			    "required");
			assert_string_equal(param_get(&r.p, i, "path"), "name");
			seen_required = 1;
		}
	}
	assert_true(seen_unknown && seen_required);
	run_free(&r);
}

static void
test_fields_wrong_type_string(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":5}");
	assert_one_param(&r, "name", "type");
	assert_string_equal(param_get(&r.p, 0, "expected"), "string");
	assert_string_equal(param_get(&r.p, 0, "received"), "integer");
	run_free(&r);
}

static void
test_fields_wrong_type_int(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"age\":\"42\"}");
	assert_one_param(&r, "age", "type");
	assert_string_equal(param_get(&r.p, 0, "expected"), "integer");
	assert_string_equal(param_get(&r.p, 0, "received"), "string");
	run_free(&r);
}

static void
test_fields_fraction_is_not_int(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"age\":4.5}");
	assert_one_param(&r, "age", "type");
	assert_string_equal(param_get(&r.p, 0, "received"), "number");
	run_free(&r);
}

static void
test_fields_wrong_type_bool(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"admin\":1}");
	assert_one_param(&r, "admin", "type");
	assert_string_equal(param_get(&r.p, 0, "expected"), "boolean or null");
	assert_string_equal(param_get(&r.p, 0, "received"), "integer");
	run_free(&r);
}

static void
test_fields_object_for_string(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":{\"x\":1}}");
	assert_one_param(&r, "name", "type");
	assert_string_equal(param_get(&r.p, 0, "received"), "object");
	run_free(&r);
}

static void
test_fields_nullable_null(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"nick\":null}");
	assert_int_equal(r.er, GH_OK);
	assert_true(r.v[F_NICK].present);
	assert_true(r.v[F_NICK].is_null);
	assert_null(r.v[F_NICK].s);
	run_free(&r);
}

static void
test_fields_null_not_allowed(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":null}");
	assert_one_param(&r, "name", "type");
	assert_string_equal(param_get(&r.p, 0, "expected"), "string");
	assert_string_equal(param_get(&r.p, 0, "received"), "null");
	run_free(&r);
}

static void
test_fields_nullable_wrong_type(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"nick\":[]}");
	assert_one_param(&r, "nick", "type");
	assert_string_equal(param_get(&r.p, 0, "expected"), "string or null");
	assert_string_equal(param_get(&r.p, 0, "received"), "array");
	run_free(&r);
}

static void
test_fields_length_counts_characters(void **state)
{
	struct run	 r;

	/* Five two-byte characters: 10 bytes, 5 characters, max 5. */
	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"nick\":\"\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\"}");
	assert_int_equal(r.er, GH_OK);
	assert_int_equal(r.v[F_NICK].len, 10);
	run_free(&r);
}

static void
test_fields_length_counts_astral_characters(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"nick\":\"\xf0\x9f\x98\x80\xf0\x9f"
	    "\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"}");
	assert_int_equal(r.er, GH_OK);
	assert_int_equal(r.v[F_NICK].len, 20);
	run_free(&r);
}

static void
test_fields_length_over_max(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"nick\":\"\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\"}");
	assert_one_param(&r, "nick", "length");
	assert_string_equal(param_get(&r.p, 0, "expected"), "1..5 characters");
	assert_string_equal(param_get(&r.p, 0, "received"), "6 characters");
	assert_null(r.v[F_NICK].s);
	run_free(&r);
}

static void
test_fields_length_under_min(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"\"}");
	assert_one_param(&r, "name", "length");
	assert_string_equal(param_get(&r.p, 0, "received"), "0 characters");
	run_free(&r);
}

static void
test_fields_check_fails_format(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"nope\"}");
	assert_one_param(&r, "name", "format");
	assert_string_equal(param_get(&r.p, 0, "expected"), "the word ok");
	assert_string_equal(param_get(&r.p, 0, "received"), "nope");
	assert_null(r.v[F_NAME].s);
	run_free(&r);
}

static void
test_fields_secret_not_echoed(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"secret\":\"hunter2\"}");
	assert_one_param(&r, "secret", "format");
	assert_null(param_get(&r.p, 0, "received"));
	assert_null(strstr(json_object_to_json_string(r.p.invalid_params),
	    "hunter2"));
	run_free(&r);
}

static void
test_fields_nul_in_string(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"o\\u0000k\"}");
	assert_int_equal(r.er, GH_EINVAL);
	assert_int_equal(nparams(&r.p), 1);
	assert_string_equal(param_get(&r.p, 0, "path"), "name");
	assert_null(r.v[F_NAME].s);
	run_free(&r);
}

static void
test_fields_nul_in_secret_not_echoed(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"secret\":\"hunter2\\u0000\"}");
	assert_int_equal(r.er, GH_EINVAL);
	assert_int_equal(nparams(&r.p), 1);
	assert_string_equal(param_get(&r.p, 0, "path"), "secret");
	assert_null(param_get(&r.p, 0, "received"));
	run_free(&r);
}

static void
test_fields_nul_in_member_name(void **state)
{
	/* "name\u0000junk" is not the field "name": it must not pass as
	 * one (either the parse or the field check refuses it). */
	static const char body[] = "{\"name\\u0000junk\":\"ok\"}";
	struct gh_json_value	 v[NF];
	struct gh_problem	 p = { NULL };
	json_object		*o = NULL;
	enum gh_json_parse_err	 rc;
	enum gh_err		 er;

	(void)state;
	rc = gh_json_parse(body, sizeof(body) - 1, 16, &o);
	if (rc != GH_JSON_OK) {
		assert_int_equal(rc, GH_JSON_SYNTAX);
		return;
	}
	er = gh_json_fields(o, fields, NF, v, &p);
	gh_problem_free(&p);
	json_object_put(o);
	assert_int_equal(er, GH_EINVAL);
}

static void
test_fields_int_over_range(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"age\":151}");
	assert_one_param(&r, "age", "range");
	assert_string_equal(param_get(&r.p, 0, "expected"), "0..150");
	assert_string_equal(param_get(&r.p, 0, "received"), "151");
	run_free(&r);
}

static void
test_fields_int_under_range(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"age\":-1}");
	assert_one_param(&r, "age", "range");
	assert_string_equal(param_get(&r.p, 0, "received"), "-1");
	run_free(&r);
}

static void
test_fields_int_huge_refused(void **state)
{
	struct run	 r;

	(void)state;
	run_fields(&r, "{\"name\":\"ok\",\"age\":99999999999999999999999}");
	assert_int_equal(r.er, GH_EINVAL);
	assert_int_equal(nparams(&r.p), 1);
	assert_string_equal(param_get(&r.p, 0, "path"), "age");
	run_free(&r);
}

static int
never(const char *s, size_t len)
{
	(void)s;
	(void)len;
	return 0;
}

static void
test_fields_received_excerpt_cut_on_character(void **state)
{
	static const struct gh_json_field f[] = {
		{ "t", GH_JSON_STRING, 0, 0, 1000, never, "never" },
	};
	struct gh_json_value	 v[1];
	struct gh_problem	 p = { NULL };
	char			 body[512];
	const char		*rec;
	size_t			 o, i;
	json_object		*obj;

	/* 'a' then 100 two-byte characters: byte 64 is inside one. */
	(void)state;
	o = (size_t)snprintf(body, sizeof(body), "{\"t\":\"a");
	for (i = 0; i < 100; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o, "\xc3\xa9");
	snprintf(body + o, sizeof(body) - o, "\"}");
	obj = object(body);
	assert_int_equal(gh_json_fields(obj, f, 1, v, &p), GH_EINVAL);
	rec = param_get(&p, 0, "received");
	assert_non_null(rec);
	assert_true(strlen(rec) <= 64);
	assert_true(strlen(rec) >= 60);
	assert_int_equal(gh_json_utf8_count(rec, strlen(rec)),
	    (int64_t)(strlen(rec) - 1) / 2 + 1);
	gh_problem_free(&p);
	json_object_put(obj);
}

static void
test_problem_document(void **state)
{
	struct run	 r;
	struct gh_res	 res;
	json_object	*v, *arr;

	(void)state;
	memset(&res, 0, sizeof(res));
	run_fields(&r, "{\"age\":500}");
	assert_int_equal(r.er, GH_EINVAL);
	gh_problem_send_invalid(&r.p, &res);
	assert_null(r.p.invalid_params);	/* moved into res */
	assert_int_equal(res.status, 400);
	assert_string_equal(res.content_type, "application/problem+json");
	assert_true(json_object_object_get_ex(res.json, "type", &v));
	assert_string_equal(json_object_get_string(v),
	    "urn:gatehouse:problem:validation_failed");
	assert_true(json_object_object_get_ex(res.json, "code", &v));
	assert_string_equal(json_object_get_string(v), "validation_failed");
	assert_true(json_object_object_get_ex(res.json, "status", &v));
	assert_int_equal(json_object_get_int(v), 400);
	assert_true(json_object_object_get_ex(res.json, "detail", &v));
	assert_string_equal(json_object_get_string(v),
	    "2 fields failed validation");
	assert_true(json_object_object_get_ex(res.json, "invalid_params",
	    &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	gh_res_free(&res);
	run_free(&r);
}

static void
test_json_take_fills_problem(void **state)
{
	struct gh_req		 req;
	struct gh_res		 res;
	struct gh_json_value	 v[NF];

	(void)state;
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.json = object("{\"name\":7}");
	assert_int_equal(gh_json_take(&req, &res, fields, NF, v), 0);
	assert_int_equal(res.status, 400);
	gh_res_free(&res);
	json_object_put(req.json);
	req.json = object("{\"name\":\"ok\"}");
	assert_int_equal(gh_json_take(&req, &res, fields, NF, v), 1);
	assert_int_equal(res.status, 0);
	json_object_put(req.json);
}

/* ---- gh_json_utf8_count -------------------------------------------- */

static int64_t
count(const char *s)
{
	return gh_json_utf8_count(s, strlen(s));
}

static void
test_utf8_count_valid(void **state)
{
	(void)state;
	assert_int_equal(count(""), 0);
	assert_int_equal(count("abc"), 3);
	assert_int_equal(count("\xc3\xa9"), 1);			/* é */
	assert_int_equal(count("\xe2\x82\xac"), 1);		/* € */
	assert_int_equal(count("\xf0\x9f\x98\x80"), 1);		/* 😀 */
	assert_int_equal(count("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 4);
	assert_int_equal(count("\xed\x9f\xbf"), 1);		/* U+D7FF */
	assert_int_equal(count("\xee\x80\x80"), 1);		/* U+E000 */
	assert_int_equal(count("\xf4\x8f\xbf\xbf"), 1);		/* U+10FFFF */
	assert_int_equal(gh_json_utf8_count("a\0b", 3), 3);
}

static void
test_utf8_count_overlong(void **state)
{
	(void)state;
	assert_int_equal(count("\xc0\x80"), -1);
	assert_int_equal(count("\xc1\xbf"), -1);
	assert_int_equal(count("\xe0\x80\x80"), -1);
	assert_int_equal(count("\xe0\x9f\xbf"), -1);
	assert_int_equal(count("\xf0\x80\x80\x80"), -1);
	assert_int_equal(count("\xf0\x8f\xbf\xbf"), -1);
}

static void
test_utf8_count_surrogates(void **state)
{
	(void)state;
	assert_int_equal(count("\xed\xa0\x80"), -1);	/* U+D800 */
	assert_int_equal(count("\xed\xbf\xbf"), -1);	/* U+DFFF */
}

static void
test_utf8_count_truncated(void **state)
{
	(void)state;
	assert_int_equal(count("\xc3"), -1);
	assert_int_equal(count("\xe2\x82"), -1);
	assert_int_equal(count("\xf0\x9f\x98"), -1);
	assert_int_equal(count("ab\xf0"), -1);
	/* The length bounds the read even when more bytes follow. */
	assert_int_equal(gh_json_utf8_count("\xc3\xa9", 1), -1);
}

static void
test_utf8_count_bad_bytes(void **state)
{
	(void)state;
	assert_int_equal(count("\x80"), -1);
	assert_int_equal(count("a\xbf"), -1);
	assert_int_equal(count("\xc3\x28"), -1);
	assert_int_equal(count("\xf4\x90\x80\x80"), -1);	/* > U+10FFFF */
	assert_int_equal(count("\xf5\x80\x80\x80"), -1);
	assert_int_equal(count("\xf8\x88\x80\x80\x80"), -1);
	assert_int_equal(count("\xfe"), -1);
	assert_int_equal(count("\xff"), -1);
}

/* ---- field checks -------------------------------------------------- */

typedef int (*checkfn)(const char *, size_t);

static void
want_check(checkfn f, const char *name, const char *s, int want)
{
	int	 got = f(s, strlen(s));

	if ((got != 0) != (want != 0))
		fail_msg("%s(\"%s\") = %d, want %d", name, s, got, want);
}

#define GOOD(f, s)	want_check(f, #f, s, 1)
#define BAD(f, s)	want_check(f, #f, s, 0)

static void
test_email_good(void **state)
{
	(void)state;
	GOOD(gh_check_email, "a@b.co");
	GOOD(gh_check_email, "first.last+tag@sub.example.org");
	GOOD(gh_check_email, "j\xc3\xb6rg@example.com");	/* UTF-8 local */
	GOOD(gh_check_email, "user@b\xc3\xbc" "cher.example");	/* UTF-8 domain */
	GOOD(gh_check_email, "o'neil_x-y@my-host.example.net");
	GOOD(gh_check_email, "a@b-c.de");
}

static void
test_email_at_count(void **state)
{
	(void)state;
	BAD(gh_check_email, "");
	BAD(gh_check_email, "ab.co");
	BAD(gh_check_email, "a@b@c.co");
	BAD(gh_check_email, "@b.co");
	BAD(gh_check_email, "a@");
}

static void
test_email_dots(void **state)
{
	(void)state;
	BAD(gh_check_email, ".a@b.co");
	BAD(gh_check_email, "a.@b.co");
	BAD(gh_check_email, "a..b@b.co");
	BAD(gh_check_email, "a@.b.co");
	BAD(gh_check_email, "a@b.co.");
	BAD(gh_check_email, "a@b..co");
}

static void
test_email_labels(void **state)
{
	(void)state;
	BAD(gh_check_email, "a@-b.co");
	BAD(gh_check_email, "a@b-.co");
	BAD(gh_check_email, "a@b.-co");
	BAD(gh_check_email, "a@b.co-");
	BAD(gh_check_email, "a@localhost");
	BAD(gh_check_email, "a@b_c.co");
	BAD(gh_check_email, "a@[127.0.0.1]");
}

static void
test_email_spaces(void **state)
{
	(void)state;
	BAD(gh_check_email, "a b@c.co");
	BAD(gh_check_email, "ab@c .co");
	BAD(gh_check_email, " ab@c.co");
	BAD(gh_check_email, "ab@c.co ");
	BAD(gh_check_email, "a\tb@c.co");
	BAD(gh_check_email, "\"a b\"@c.co");
}

static void
test_email_lengths(void **state)
{
	char	 s[400];

	(void)state;
	memset(s, 'l', 64);
	strcpy(s + 64, "@example.com");
	GOOD(gh_check_email, s);
	memset(s, 'l', 65);
	strcpy(s + 65, "@example.com");
	BAD(gh_check_email, s);
	/* A domain label of 64 characters. */
	strcpy(s, "a@");
	memset(s + 2, 'd', 64);
	strcpy(s + 66, ".com");
	BAD(gh_check_email, s);
	/* Over 254 in all. */
	strcpy(s, "a@");
	memset(s + 2, 'd', 60);
	s[62] = '.';
	memset(s + 63, 'e', 60);
	s[123] = '.';
	memset(s + 124, 'f', 60);
	s[184] = '.';
	memset(s + 185, 'g', 60);
	strcpy(s + 245, ".example.com");
	assert_true(strlen(s) > 254);
	BAD(gh_check_email, s);
}

static void
test_username(void **state)
{
	(void)state;
	GOOD(gh_check_username, "alice");
	GOOD(gh_check_username, "Bob_42");
	GOOD(gh_check_username, "x");
	BAD(gh_check_username, "");
	BAD(gh_check_username, "1alice");
	BAD(gh_check_username, "_alice");
	BAD(gh_check_username, "al-ice");
	BAD(gh_check_username, "al ice");
	BAD(gh_check_username, "al.ice");
	BAD(gh_check_username, "\xc3\xa9lise");
	BAD(gh_check_username, "alice\xc3\xa9");
}

static void
test_url_good(void **state)
{
	(void)state;
	GOOD(gh_check_url, "https://example.com");
	GOOD(gh_check_url, "http://example.com/a/b?c=d#e");
	GOOD(gh_check_url, "https://cdn.example.com/avatar.png");
	GOOD(gh_check_url, "https://x");
}

static void
test_url_scheme(void **state)
{
	(void)state;
	BAD(gh_check_url, "javascript:alert(1)");
	BAD(gh_check_url, "data:text/html,<b>");
	BAD(gh_check_url, "ftp://example.com");
	BAD(gh_check_url, "//example.com");
	BAD(gh_check_url, "example.com");
	BAD(gh_check_url, "");
}

static void
test_url_empty_host(void **state)
{
	(void)state;
	BAD(gh_check_url, "https://");
	BAD(gh_check_url, "http://");
	BAD(gh_check_url, "https:///path");
	BAD(gh_check_url, "https://?q");
	BAD(gh_check_url, "https://#f");
}

static void
test_url_bad_chars(void **state)
{
	(void)state;
	BAD(gh_check_url, "https://exa mple.com");
	BAD(gh_check_url, "https://example.com/a b");
	BAD(gh_check_url, "https://example.com/\t");
	BAD(gh_check_url, "https://example.com/\n");
	BAD(gh_check_url, "https://example.com/\"onload=\"x");
	BAD(gh_check_url, "https://example.com/<script>");
	BAD(gh_check_url, "https://example.com/\x7f");
}

static void
test_locale(void **state)
{
	(void)state;
	GOOD(gh_check_locale, "en");
	GOOD(gh_check_locale, "pt-BR");
	GOOD(gh_check_locale, "zh-Hant-TW");
	GOOD(gh_check_locale, "ast");
	GOOD(gh_check_locale, "es-419");
	BAD(gh_check_locale, "");
	BAD(gh_check_locale, "e");
	BAD(gh_check_locale, "english");
	BAD(gh_check_locale, "en_US");
	BAD(gh_check_locale, "en-");
	BAD(gh_check_locale, "-en");
	BAD(gh_check_locale, "en--US");
	BAD(gh_check_locale, "en-abcdefghi");
	BAD(gh_check_locale, "12");
	BAD(gh_check_locale, "en US");
}

static void
test_timezone(void **state)
{
	(void)state;
	GOOD(gh_check_timezone, "UTC");
	GOOD(gh_check_timezone, "Europe/Paris");
	GOOD(gh_check_timezone, "America/Argentina/Buenos_Aires");
	GOOD(gh_check_timezone, "Etc/GMT+5");
	GOOD(gh_check_timezone, "Etc/GMT-14");
	BAD(gh_check_timezone, "");
	BAD(gh_check_timezone, "/x");
	BAD(gh_check_timezone, "Europe//Paris");
	BAD(gh_check_timezone, "Europe/");
	BAD(gh_check_timezone, "a b");
	BAD(gh_check_timezone, "Europe/../etc");
	BAD(gh_check_timezone, "+05:00");
	BAD(gh_check_timezone, "Europe\\Paris");
}

static void
test_display_text(void **state)
{
	(void)state;
	GOOD(gh_check_display_text, "Ada Lovelace");
	GOOD(gh_check_display_text, "\xc3\x89lise");
	GOOD(gh_check_display_text, " Ada  Lovelace ");
	BAD(gh_check_display_text, "");
	BAD(gh_check_display_text, "   ");
	BAD(gh_check_display_text, "Ada\nLovelace");
	BAD(gh_check_display_text, "Ada\x7f");
}

static void
test_token_chars(void **state)
{
	(void)state;
	GOOD(gh_check_token_chars, "abc-DEF_123.x");
	BAD(gh_check_token_chars, "abc def");
	BAD(gh_check_token_chars, "abc+/=");
}

static void
test_password_check(void **state)
{
	(void)state;
	assert_true(gh_check_password("any thing \xc3\xa9", 12));
	assert_false(gh_check_password("a\0b", 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid_object),
		cmocka_unit_test(test_parse_empty_object),
		cmocka_unit_test(test_parse_trailing_whitespace_ok),
		cmocka_unit_test(test_parse_trailing_garbage),
		cmocka_unit_test(test_parse_two_objects),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_not_strict_json),
		cmocka_unit_test(test_parse_single_quoted_key),
		cmocka_unit_test(test_parse_raw_control_char_in_string),
		cmocka_unit_test(test_parse_nan_infinity),
		cmocka_unit_test(test_parse_number_trailing_dot),
		cmocka_unit_test(test_parse_array_top_level),
		cmocka_unit_test(test_parse_string_top_level),
		cmocka_unit_test(test_parse_number_top_level_spaced),
		cmocka_unit_test(test_parse_number_top_level),
		cmocka_unit_test(test_parse_literal_top_level),
		cmocka_unit_test(test_parse_depth_at_limit_ok),
		cmocka_unit_test(test_parse_depth_over_limit),
		cmocka_unit_test(test_parse_depth_arrays),
		cmocka_unit_test(test_parse_invalid_utf8_byte),
		cmocka_unit_test(test_parse_invalid_utf8_lone_continuation),
		cmocka_unit_test(test_parse_invalid_utf8_truncated),
		cmocka_unit_test(test_parse_invalid_utf8_overlong),
		cmocka_unit_test(test_parse_invalid_utf8_surrogate),
		cmocka_unit_test(test_parse_invalid_utf8_above_max),
		cmocka_unit_test(test_parse_valid_utf8),
		cmocka_unit_test(test_parse_raw_nul),
		cmocka_unit_test(test_parse_raw_nul_after_object),
		cmocka_unit_test(test_parse_length_bounds_input),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_fields_all_good),
		cmocka_unit_test(test_fields_optional_absent),
		cmocka_unit_test(test_fields_values_cleared_first),
		cmocka_unit_test(test_fields_required_missing),
		cmocka_unit_test(test_fields_unknown),
		cmocka_unit_test(test_fields_unknown_and_missing_both_reported),
		cmocka_unit_test(test_fields_wrong_type_string),
		cmocka_unit_test(test_fields_wrong_type_int),
		cmocka_unit_test(test_fields_fraction_is_not_int),
		cmocka_unit_test(test_fields_wrong_type_bool),
		cmocka_unit_test(test_fields_object_for_string),
		cmocka_unit_test(test_fields_nullable_null),
		cmocka_unit_test(test_fields_null_not_allowed),
		cmocka_unit_test(test_fields_nullable_wrong_type),
		cmocka_unit_test(test_fields_length_counts_characters),
		cmocka_unit_test(test_fields_length_counts_astral_characters),
		cmocka_unit_test(test_fields_length_over_max),
		cmocka_unit_test(test_fields_length_under_min),
		cmocka_unit_test(test_fields_check_fails_format),
		cmocka_unit_test(test_fields_secret_not_echoed),
		cmocka_unit_test(test_fields_nul_in_string),
		cmocka_unit_test(test_fields_nul_in_secret_not_echoed),
		cmocka_unit_test(test_fields_nul_in_member_name),
		cmocka_unit_test(test_fields_int_over_range),
		cmocka_unit_test(test_fields_int_under_range),
		cmocka_unit_test(test_fields_int_huge_refused),
		cmocka_unit_test(test_fields_received_excerpt_cut_on_character),
		cmocka_unit_test(test_problem_document),
		cmocka_unit_test(test_json_take_fills_problem),
		cmocka_unit_test(test_utf8_count_valid),
		cmocka_unit_test(test_utf8_count_overlong),
		cmocka_unit_test(test_utf8_count_surrogates),
		cmocka_unit_test(test_utf8_count_truncated),
		cmocka_unit_test(test_utf8_count_bad_bytes),
		cmocka_unit_test(test_email_good),
		cmocka_unit_test(test_email_at_count),
		cmocka_unit_test(test_email_dots),
		cmocka_unit_test(test_email_labels),
		cmocka_unit_test(test_email_spaces),
		cmocka_unit_test(test_email_lengths),
		cmocka_unit_test(test_username),
		cmocka_unit_test(test_url_good),
		cmocka_unit_test(test_url_scheme),
		cmocka_unit_test(test_url_empty_host),
		cmocka_unit_test(test_url_bad_chars),
		cmocka_unit_test(test_locale),
		cmocka_unit_test(test_timezone),
		cmocka_unit_test(test_display_text),
		cmocka_unit_test(test_token_chars),
		cmocka_unit_test(test_password_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
