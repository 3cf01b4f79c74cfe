/*
 * JSON bodies: parsed with a depth limit, strict grammar and UTF-8
 * validation; fields checked against one table per route. Handlers only see
 * values that passed. Unknown fields are refused.
 */
#ifndef GH_JSON_H
#define GH_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "err.h"

struct gh_problem;

enum gh_json_kind {
	GH_JSON_STRING,
	GH_JSON_INT,
	GH_JSON_BOOL,
};

enum gh_json_flags {
	GH_F_REQUIRED = 1 << 0,
	GH_F_NULLABLE = 1 << 1,	/* null accepted: "clear this value" */
	GH_F_SECRET = 1 << 2,	/* never echo the received value */
};

/* Returns 1 when the (NUL-free, length-checked) string is acceptable. */
typedef int (*gh_json_check)(const char *, size_t);

struct gh_json_field {
	const char	*name;
	enum gh_json_kind kind;
	unsigned	 flags;
	int64_t		 min;	/* characters for strings, value for ints */
	int64_t		 max;
	gh_json_check	 check;	/* may be NULL */
	const char	*format; /* what check expects, for invalid_params */
};

struct gh_json_value {
	int		 present;
	int		 is_null;
	const char	*s;	/* borrowed from the parsed body */
	size_t		 len;	/* bytes */
	int64_t		 i;
	int		 b;
};

enum gh_json_parse_err {
	GH_JSON_OK = 0,
	GH_JSON_SYNTAX,		/* not JSON (or not UTF-8) */
	GH_JSON_DEPTH,		/* nested deeper than the limit */
	GH_JSON_NOT_OBJECT,
};

/* Parses buf[0..len) as one JSON object with at most max_depth nesting;
 * trailing white space allowed, nothing else. Returns an owned object
 * (json_object_put) through out. */
enum gh_json_parse_err gh_json_parse(const char *buf, size_t len,
		    int max_depth, json_object **out);
/* The same for any JSON value (an array from another server's API); a
 * bare null is GH_JSON_NOT_OBJECT. */
enum gh_json_parse_err gh_json_parse_any(const char *buf, size_t len,
		    int max_depth, json_object **out);

/* Checks obj against fields[0..n), filling values[0..n) and adding an
 * invalid_params entry for each problem (unknown, required, type, length,
 * format). Returns GH_OK or GH_EINVAL. */
enum gh_err	 gh_json_fields(json_object *obj, const struct gh_json_field *,
		    size_t n, struct gh_json_value *values,
		    struct gh_problem *) GH_WUR;

/* The request body's fields checked as above. Returns 1 when they passed;
 * otherwise fills res with the 400 validation_failed problem and returns
 * 0. Values borrow from req->json. */
struct gh_req;
struct gh_res;
int		 gh_json_take(struct gh_req *, struct gh_res *,
		    const struct gh_json_field *, size_t n,
		    struct gh_json_value *values);

/* Number of UTF-8 code points in s[0..len), or -1 when not valid UTF-8. */
int64_t		 gh_json_utf8_count(const char *s, size_t len);

/* Adds a member under a literal name: json-c neither copies the name nor
 * looks for an existing member of that name, which building every response
 * would otherwise pay for per field. Takes ownership of val. */
#define gh_json_add(obj, literal_name, val) \
	json_object_object_add_ex((obj), "" literal_name "", (val), \
	    JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT)

/* Copies the string member key of o into dst[0..size) (cut to fit);
 * leaves dst alone when there is none. For JSON this server wrote itself
 * (a token's data). */
void		 gh_json_copy_string(json_object *o, const char *key, char *dst,
		    size_t size);

/* A column of a result row as JSON: its text, or its Unix time as RFC
 * 3339; JSON null for SQL NULL. */
struct gh_stmt;
json_object	*gh_json_col_text(struct gh_stmt *, int col);
json_object	*gh_json_col_time(struct gh_stmt *, int col);
/* Every row of st (prepared and bound) as an owned array of row(st, arg),
 * st reset after; GH_EDB when a step fails (*out NULL). */
typedef json_object *(*gh_json_row)(struct gh_stmt *, const void *arg);
enum gh_err	 gh_json_rows(struct gh_stmt *, gh_json_row row,
		    const void *arg, json_object **out) GH_WUR;

/* Serialises obj compactly; borrowed string valid while obj lives. */
const char	*gh_json_string(json_object *obj, size_t *len);

/* Field checks shared by routes. */
int	gh_check_email(const char *, size_t);
int	gh_check_username(const char *, size_t);
int	gh_check_password(const char *, size_t);
int	gh_check_display_text(const char *, size_t);
int	gh_check_url(const char *, size_t);
int	gh_check_locale(const char *, size_t);
int	gh_check_timezone(const char *, size_t);
int	gh_check_token_chars(const char *, size_t);

#endif
