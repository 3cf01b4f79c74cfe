#include <string.h>

#include <maxminddb.h>

#include "geo.h"
#include "http.h"
#include "ip.h"
#include "log.h"
#include "serve.h"

/* One database per process: opened at the first lookup, kept (mmap). */
static MMDB_s	 mmdb;
static int	 mmdb_state;	/* 0 not tried, 1 open, -1 failed */

/* A code as stored: min..max letters and digits, upper case; anything
 * else (and Cloudflare's "XX", unknown) is "". */
static void
code(char *dst, size_t min, size_t max, const char *src, size_t len)
{
	size_t	 i;
	char	 c;

	dst[0] = '\0';
	if (src == NULL || len < min || len > max)
		return;
	for (i = 0; i < len; i++) {
		c = src[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9')))
			return;
	}
	for (i = 0; i < len; i++)
		dst[i] = src[i] >= 'a' && src[i] <= 'z' ?
		    (char)(src[i] - 'a' + 'A') : src[i];
	dst[len] = '\0';
	if (strcmp(dst, "XX") == 0)
		dst[0] = '\0';
}

static void
from_headers(const struct gh_req *req, struct gh_geo *out)
{
	const struct gh_server	*srv = req->srv;

	/* Only a front we trust may say it: with trusted_proxies set, a
	 * request that did not come through one is not believed. */
	if (srv->trusted.n > 0 &&
	    !gh_ip_trusted(&srv->trusted, req->remote_addr))
		return;
	if (req->geo_country != NULL)
		code(out->country, 2, 2, req->geo_country,
		    strlen(req->geo_country));
	if (out->country[0] != '\0' && req->geo_region != NULL)
		code(out->region, 1, GH_GEO_REGION_MAX, req->geo_region,
		    strlen(req->geo_region));
}

/* The string at path (NULL-terminated) of entry into dst. */
static void
mmdb_code(MMDB_entry_s *entry, char *dst, size_t min, size_t max,
    const char *const *path)
{
	MMDB_entry_data_s	 d;

	if (MMDB_aget_value(entry, &d, path) == MMDB_SUCCESS && d.has_data &&
	    d.type == MMDB_DATA_TYPE_UTF8_STRING)
		code(dst, min, max, d.utf8_string, d.data_size);
}

static void
from_database(const char *path, const char *ip, struct gh_geo *out)
{
	static const char *const country[] = { "country", "iso_code", NULL };
	static const char *const region[] = { "subdivisions", "0", "iso_code",
	    NULL };
	MMDB_lookup_result_s	 r;
	int			 gai = 0, er = 0;

	if (mmdb_state == 0) {
		mmdb_state = MMDB_open(path, MMDB_MODE_MMAP, &mmdb) ==
		    MMDB_SUCCESS ? 1 : -1;
		if (mmdb_state < 0)
			gh_log("geoip_database %s cannot be read; sessions get "
			    "no country", path);
	}
	if (mmdb_state < 0)
		return;
	r = MMDB_lookup_string(&mmdb, ip, &gai, &er);
	if (gai != 0 || er != MMDB_SUCCESS || !r.found_entry)
		return;
	mmdb_code(&r.entry, out->country, 2, 2, country);
	if (out->country[0] != '\0')
		mmdb_code(&r.entry, out->region, 1, GH_GEO_REGION_MAX,
		    region);
}

void
gh_geo_lookup(const struct gh_req *req, const char *client_ip,
    struct gh_geo *out)
{
	const struct gh_config	*cfg = &req->srv->cfg;

	memset(out, 0, sizeof(*out));
	if (cfg->geo_country_header[0] != '\0')
		from_headers(req, out);
	if (out->country[0] == '\0' && cfg->geoip_database[0] != '\0' &&
	    client_ip != NULL && strcmp(client_ip, "unknown") != 0)
		from_database(cfg->geoip_database, client_ip, out);
}

void
gh_geo_close(void)
{
	if (mmdb_state == 1)
		MMDB_close(&mmdb);
	mmdb_state = 0;
}
