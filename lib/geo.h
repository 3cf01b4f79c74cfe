/*
 * Where a client is (docs/sessions.md): its country (ISO 3166-1 alpha-2)
 * and region (the subdivision part of ISO 3166-2: "AUK" of "NZ-AUK"), from
 * headers a trusted front sets (geo_country_header, geo_region_header) or,
 * failing those, from a MaxMind database (geoip_database, libmaxminddb),
 * opened once per process. Best effort: "" when unknown.
 */
#ifndef GH_GEO_H
#define GH_GEO_H

#define GH_GEO_REGION_MAX	8

struct gh_req;

struct gh_geo {
	char	 country[3];
	char	 region[GH_GEO_REGION_MAX + 1];
};

/* The client of req, at the address client_ip (trusted proxies already
 * applied, lib/ip.h). */
void		 gh_geo_lookup(const struct gh_req *, const char *client_ip,
		    struct gh_geo *out);
/* Closes the database (tests, and the end of a process). */
void		 gh_geo_close(void);

#endif
