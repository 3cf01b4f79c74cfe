/*
 * Client addresses: who a request comes from, for rate limits and logs.
 * X-Forwarded-For is believed only from configured trusted proxies, and
 * then only up to the first hop that is not one (docs/abuse.md).
 */
#ifndef GH_IP_H
#define GH_IP_H

#include <stddef.h>

#include "err.h"

#define GH_IP_MAX_CIDRS	32
#define GH_IP_KEY_LEN	64	/* "2001:db8:1:2::/64" and the like, with NUL */

struct gh_cidr {
	unsigned char	 addr[16];	/* IPv4 as ::ffff:a.b.c.d */
	unsigned	 bits;		/* prefix length over all 128 bits */
};

struct gh_cidrs {
	struct gh_cidr	 v[GH_IP_MAX_CIDRS];
	size_t		 n;
};

/* "127.0.0.1 10.0.0.0/8, ::1 fd00::/8": addresses and prefixes separated
 * by spaces or commas. GH_EINVAL on anything else or more than
 * GH_IP_MAX_CIDRS entries. */
enum gh_err	 gh_ip_parse_cidrs(const char *, struct gh_cidrs *) GH_WUR;
/* Whether the textual address addr is inside one of the prefixes. */
int		 gh_ip_trusted(const struct gh_cidrs *, const char *addr);
/*
 * The client of a request, as a rate-limit key: REMOTE_ADDR, unless it is
 * a trusted proxy; then X-Forwarded-For is read right to left, skipping
 * trusted proxies, and the first other address is the client. IPv6
 * clients are keyed by their /64 (one host has many). "unknown" when the
 * address cannot be read.
 */
void		 gh_ip_client_key(const char *remote_addr, const char *xff,
		    const struct gh_cidrs *trusted, char out[GH_IP_KEY_LEN]);
/* The same client's whole address, for the action log. */
void		 gh_ip_client(const char *remote_addr, const char *xff,
		    const struct gh_cidrs *trusted, char out[GH_IP_KEY_LEN]);

#endif
