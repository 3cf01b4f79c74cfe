/* One error enum for the whole library and its single mapping to HTTP. */
#ifndef GH_ERR_H
#define GH_ERR_H

enum gh_err {
	GH_OK = 0,
	GH_EINVAL,	/* bad input: 400 */
	GH_EAUTH,	/* not authenticated: 401 */
	GH_EFORBIDDEN,	/* authenticated but not allowed: 403 */
	GH_ENOTFOUND,	/* 404 */
	GH_ECONFLICT,	/* unique constraint or state conflict: 409 */
	GH_EGONE,	/* existed, can no longer be used: 410 */
	GH_ETOOBIG,	/* 413 */
	GH_ELIMIT,	/* rate limited: 429 */
	GH_ENOMEM,	/* 500 */
	GH_EDB,		/* 500 */
	GH_EIO,		/* 500 */
	GH_ECRYPTO,	/* 500 */
	GH_ERR__MAX
};

#define GH_WUR	__attribute__((warn_unused_result))

/* The HTTP status that stands for an error (500 for anything unknown). */
int		 gh_err_status(enum gh_err);
/* A short stable name for logs ("einval"); never NULL. */
const char	*gh_err_name(enum gh_err);

#endif
