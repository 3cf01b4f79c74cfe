#include "err.h"

static const struct {
	int		 status;
	const char	*name;
} errs[GH_ERR__MAX] = {
	[GH_OK] = { 200, "ok" },
	[GH_EINVAL] = { 400, "einval" },
	[GH_EAUTH] = { 401, "eauth" },
	[GH_EFORBIDDEN] = { 403, "eforbidden" },
	[GH_ENOTFOUND] = { 404, "enotfound" },
	[GH_ECONFLICT] = { 409, "econflict" },
	[GH_EGONE] = { 410, "egone" },
	[GH_ETOOBIG] = { 413, "etoobig" },
	[GH_ELIMIT] = { 429, "elimit" },
	[GH_ENOMEM] = { 500, "enomem" },
	[GH_EDB] = { 500, "edb" },
	[GH_EIO] = { 500, "eio" },
	[GH_ECRYPTO] = { 500, "ecrypto" },
};

int
gh_err_status(enum gh_err e)
{
	if ((unsigned)e >= GH_ERR__MAX)
		return 500;
	return errs[e].status;
}

const char *
gh_err_name(enum gh_err e)
{
	if ((unsigned)e >= GH_ERR__MAX)
		return "unknown";
	return errs[e].name;
}
