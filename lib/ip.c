#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "str.h"

/* addr as 16 bytes (IPv4 mapped into IPv6); 0 if it is not an address. */
static int
parse_addr(const char *s, size_t len, unsigned char out[16], int *v4)
{
	char		 buf[INET6_ADDRSTRLEN + 1];
	unsigned char	 a4[4];

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, a4, 4);
		*v4 = 1;
		return 1;
	}
	*v4 = 0;
	return inet_pton(AF_INET6, buf, out) == 1;
}

static int
in_prefix(const struct gh_cidr *c, const unsigned char a[16])
{
	unsigned	 full = c->bits / 8, rest = c->bits % 8;

	if (memcmp(c->addr, a, full) != 0)
		return 0;
	return rest == 0 ||
	    ((c->addr[full] ^ a[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

enum gh_err
gh_ip_parse_cidrs(const char *s, struct gh_cidrs *out)
{
	const char	*p = s, *end, *slash;
	char		*num_end;
	unsigned long	 bits;
	int		 v4;
	struct gh_cidr	*c;

	memset(out, 0, sizeof(*out));
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return GH_OK;
		end = p + strcspn(p, " \t,");
		if (out->n == GH_IP_MAX_CIDRS)
			return GH_EINVAL;
		c = &out->v[out->n];
		slash = memchr(p, '/', (size_t)(end - p));
		if (!parse_addr(p, (size_t)((slash != NULL ? slash : end) - p),
		    c->addr, &v4))
			return GH_EINVAL;
		if (slash == NULL)
			c->bits = 128;
		else {
			if (slash + 1 == end || slash[1] < '0' || slash[1] > '9')
				return GH_EINVAL;
			bits = strtoul(slash + 1, &num_end, 10);
			if (num_end != end || bits > (v4 ? 32UL : 128UL))
				return GH_EINVAL;
			c->bits = (unsigned)bits + (v4 ? 96U : 0U);
		}
		out->n++;
		p = end;
	}
}

static int
trusted(const struct gh_cidrs *t, const unsigned char a[16])
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (in_prefix(&t->v[i], a))
			return 1;
	return 0;
}

int
gh_ip_trusted(const struct gh_cidrs *t, const char *addr)
{
	unsigned char	 a[16];
	int		 v4;

	return addr != NULL && parse_addr(addr, strlen(addr), a, &v4) &&
	    trusted(t, a);
}

/* ::ffff:a.b.c.d, the form dual-stack sockets and some proxies give an
 * IPv4 client: it is that IPv4 address, not a member of ::/64. */
static int
v4_mapped(const unsigned char a[16])
{
	static const unsigned char prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

static void
key_of(const unsigned char a[16], int v4, char out[GH_IP_KEY_LEN])
{
	unsigned char	 net[16];
	char		 buf[INET6_ADDRSTRLEN];

	if (v4 || v4_mapped(a)) {
		(void)inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
		gh_strlcpy(out, buf, GH_IP_KEY_LEN);
		return;
	}
	memcpy(net, a, 8);
	memset(net + 8, 0, 8);
	(void)inet_ntop(AF_INET6, net, buf, sizeof(buf));
	snprintf(out, GH_IP_KEY_LEN, "%s/64", buf);
}

/* One X-Forwarded-For entry, trimmed; IPv6 may come in brackets and IPv4
 * with a port (RFC 7239 style senders), which are taken off. */
static int
hop_addr(const char *s, size_t len, unsigned char a[16], int *v4)
{
	const char	*colon;

	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len > 2 && s[0] == '[' && (colon = memchr(s, ']', len)) != NULL)
		return parse_addr(s + 1, (size_t)(colon - s - 1), a, v4);
	if ((colon = memchr(s, ':', len)) != NULL &&
	    memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)) == NULL)
		len = (size_t)(colon - s);	/* a.b.c.d:port */
	return parse_addr(s, len, a, v4);
}

/* The client's address per the rules of gh_ip_client_key(); 0 when
 * REMOTE_ADDR is not an address. */
static int
client_addr(const char *remote_addr, const char *xff,
    const struct gh_cidrs *t, unsigned char a[16], int *v4)
{
	unsigned char	 hop[16];
	const char	*end, *start;
	int		 hop_v4;

	if (remote_addr == NULL ||
	    !parse_addr(remote_addr, strlen(remote_addr), a, v4))
		return 0;
	if (xff == NULL || !trusted(t, a))
		return 1;
	end = xff + strlen(xff);
	for (;;) {
		for (start = end; start > xff && start[-1] != ','; start--)
			;
		/* A hop that is not an address ends the walk: the last one
		 * read (one of our proxies) is the client. */
		if (!hop_addr(start, (size_t)(end - start), hop, &hop_v4))
			return 1;
		memcpy(a, hop, 16);
		*v4 = hop_v4;
		if (!trusted(t, a) || start == xff)
			return 1;
		end = start - 1;	/* before the comma */
	}
}

/* The client as a key (whole: 0) or as its address (whole: 1). */
static void
client_text(const char *remote_addr, const char *xff,
    const struct gh_cidrs *t, int whole, char out[GH_IP_KEY_LEN])
{
	unsigned char	 a[16];
	int		 v4;

	if (!client_addr(remote_addr, xff, t, a, &v4))
		gh_strlcpy(out, "unknown", GH_IP_KEY_LEN);
	else if (!whole)
		key_of(a, v4, out);
	else if (v4 || v4_mapped(a))
		(void)inet_ntop(AF_INET, a + 12, out, GH_IP_KEY_LEN);
	else
		(void)inet_ntop(AF_INET6, a, out, GH_IP_KEY_LEN);
}

void
gh_ip_client_key(const char *remote_addr, const char *xff,
    const struct gh_cidrs *t, char out[GH_IP_KEY_LEN])
{
	client_text(remote_addr, xff, t, 0, out);
}

void
gh_ip_client(const char *remote_addr, const char *xff,
    const struct gh_cidrs *t, char out[GH_IP_KEY_LEN])
{
	client_text(remote_addr, xff, t, 1, out);
}
