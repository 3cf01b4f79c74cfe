/*
 * libFuzzer harness for lib/ip.c, the client address behind rate limits
 * and the action log:
 *
 * - gh_ip_parse_cidrs: the input up to its first NUL, as trusted_proxies;
 * - gh_ip_trusted, gh_ip_client_key and gh_ip_client: the input split at
 *   its first NUL or newline gives REMOTE_ADDR and X-Forwarded-For (no
 *   separator: no X-Forwarded-For), read against four fixed trusted lists
 *   (none; the example of lib/ip.h; odd prefix lengths over IPv4, IPv6
 *   and IPv4-mapped IPv6; everything) and against the parsed input when
 *   it is a valid list.
 *
 * Besides the sanitizers, it aborts when a result breaks lib/ip.h: a
 * result other than GH_OK or GH_EINVAL, more than GH_IP_MAX_CIDRS
 * entries, a prefix over 128 bits, a valid list refused or entries that
 * are not its addresses and prefixes; an address said to be (or not to
 * be) inside a list when a bit-by-bit comparison says otherwise; a client
 * text not NUL-terminated within GH_IP_KEY_LEN, nor "unknown", an address
 * or (keys only) an IPv6 /64; a key that is not the client's address (or
 * its /64); an unreadable REMOTE_ADDR not "unknown"; X-Forwarded-For
 * changing the answer when REMOTE_ADDR is not a trusted proxy; and, when
 * every X-Forwarded-For hop is a plain address, a client other than the
 * rightmost hop that is not a trusted proxy.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "fuzz.h"

static const char *const trusted_texts[] = {
	"",
	"127.0.0.1 10.0.0.0/8 ::1",
	"192.168.0.0/17,fd00::/7 ::ffff:172.16.0.0/108\t2001:db8:8000::/33",
	"0.0.0.0/0 ::/0",
};
#define NTRUSTED	(sizeof(trusted_texts) / sizeof(trusted_texts[0]))

static struct gh_cidrs	trusted_lists[NTRUSTED];
static struct gh_cidrs	input_list;	/* big: not on the stack */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t	i;

	(void)argc;
	(void)argv;
	for (i = 0; i < NTRUSTED; i++)
		if (gh_ip_parse_cidrs(trusted_texts[i], &trusted_lists[i]) !=
		    GH_OK)
			abort();
	return 0;
}

/* The textual address s as 16 bytes (IPv4 as ::ffff:a.b.c.d, as lib/ip.h
 * stores it); *v6 when it is written as IPv6. 0 when s is no address. */
static int
text_addr(const char *s, unsigned char a[16], int *v6)
{
	unsigned char	a4[4];

	if (inet_pton(AF_INET, s, a4) == 1) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, a4, 4);
		*v6 = 0;
		return 1;
	}
	*v6 = 1;
	return inet_pton(AF_INET6, s, a) == 1;
}

static int
in_cidr(const struct gh_cidr *c, const unsigned char a[16])
{
	unsigned	bit;

	for (bit = 0; bit < c->bits; bit++)
		if (((c->addr[bit / 8] ^ a[bit / 8]) >> (7 - bit % 8)) & 1)
			return 0;
	return 1;
}

static int
in_list(const struct gh_cidrs *t, const unsigned char a[16])
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		if (in_cidr(&t->v[i], a))
			return 1;
	return 0;
}

static int
is_separator(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

/*
 * One list entry s[0..len) as lib/ip.h reads it: an address, or an
 * address, '/' and a prefix length in decimal digits, at most 32 for
 * IPv4 and 128 for IPv6. 1 with the entry in *c when valid; *plain when
 * it is also written without leading zeros in the length, the form a
 * valid list must accept. The address part is left in buf.
 */
static int
ref_cidr(const char *s, size_t len, struct gh_cidr *c, int *plain,
    char buf[128])
{
	const char	*slash = memchr(s, '/', len);
	size_t		 alen = slash != NULL ? (size_t)(slash - s) : len, i;
	unsigned long	 bits = 0;
	int		 v6;

	*plain = 0;
	if (alen >= 128)
		return 0;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (!text_addr(buf, c->addr, &v6))
		return 0;
	if (slash == NULL) {
		c->bits = 128;
		*plain = 1;
		return 1;
	}
	if (slash + 1 == s + len)
		return 0;
	for (i = alen + 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (bits <= 128)
			bits = bits * 10 + (unsigned long)(s[i] - '0');
	}
	if (bits > (v6 ? 128UL : 32UL))
		return 0;
	c->bits = (unsigned)bits + (v6 ? 0U : 96U);
	*plain = s[alen + 1] != '0' || len == alen + 2;
	return 1;
}

/* Parses text as trusted proxies; 1 (with the list in *out) when valid. */
static int
check_parse(const char *text, struct gh_cidrs *out)
{
	struct gh_cidr	 want;
	char		 addr[128];
	enum gh_err	 r;
	const char	*p = text;
	size_t		 i, len, ntokens = 0;
	int		 all_plain = 1, plain, valid;

	r = gh_ip_parse_cidrs(text, out);
	if ((r != GH_OK && r != GH_EINVAL) || out->n > GH_IP_MAX_CIDRS)
		abort();
	for (i = 0; i < out->n; i++)
		if (out->v[i].bits > 128)
			abort();
	for (;;) {
		while (is_separator(*p))
			p++;
		if (*p == '\0')
			break;
		for (len = 0; p[len] != '\0' && !is_separator(p[len]); len++)
			;
		valid = ref_cidr(p, len, &want, &plain, addr);
		if (!valid || !plain)
			all_plain = 0;
		if (r == GH_OK) {
			if (!valid || ntokens >= out->n ||
			    memcmp(out->v[ntokens].addr, want.addr, 16) != 0 ||
			    out->v[ntokens].bits != want.bits ||
			    gh_ip_trusted(out, addr) != 1)
				abort();
		}
		ntokens++;
		p += len;
	}
	if (r == GH_OK && ntokens != out->n)
		abort();
	if (ntokens > GH_IP_MAX_CIDRS && r == GH_OK)
		abort();
	/* lib/ip.h names spaces and commas; a tab may go either way. */
	if (all_plain && ntokens <= GH_IP_MAX_CIDRS &&
	    strchr(text, '\t') == NULL && r != GH_OK)
		abort();
	return r == GH_OK;
}

static void
check_trusted(const struct gh_cidrs *t, const char *addr)
{
	unsigned char	a[16];
	int		v6, r;

	r = gh_ip_trusted(t, addr);
	if (r != (text_addr(addr, a, &v6) && in_list(t, a)))
		abort();
}

static void
check_terminated(const char out[GH_IP_KEY_LEN])
{
	if (memchr(out, '\0', GH_IP_KEY_LEN) == NULL)
		abort();
}

/* client is "unknown" or an address; key is "unknown" too, the same IPv4
 * address, or the /64 of the IPv6 address. */
static void
check_key_of_client(const char *key, const char *client)
{
	char		 net[GH_IP_KEY_LEN];
	unsigned char	 a[16], k[16];
	size_t		 n = strlen(key);
	int		 v6, key_v6;

	if (strcmp(client, "unknown") == 0) {
		if (strcmp(key, "unknown") != 0)
			abort();
		return;
	}
	if (!text_addr(client, a, &v6))
		abort();
	if (!v6) {
		if (strcmp(key, client) != 0)
			abort();
		return;
	}
	if (n < 3 || strcmp(key + n - 3, "/64") != 0)
		abort();
	memcpy(net, key, n - 3);
	net[n - 3] = '\0';
	if (!text_addr(net, k, &key_v6) || !key_v6 ||
	    memcmp(k, a, 8) != 0)
		abort();
	for (n = 8; n < 16; n++)
		if (k[n] != 0)
			abort();
}

/*
 * The client when REMOTE_ADDR is trusted and every hop of xff is an
 * address between optional spaces or tabs: the rightmost hop that is not
 * trusted. 0 when xff is not like that or every hop is trusted.
 */
static int
expected_hop(const struct gh_cidrs *t, const char *xff, unsigned char a[16])
{
	const char	*end = xff + strlen(xff), *start, *s, *e;
	char		 buf[128];
	unsigned char	 hop[16];
	int		 v6, found = 0;

	for (;;) {
		for (start = end; start > xff && start[-1] != ','; start--)
			;
		for (s = start; s < end && (*s == ' ' || *s == '\t'); s++)
			;
		for (e = end; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if ((size_t)(e - s) >= sizeof(buf))
			return 0;
		memcpy(buf, s, (size_t)(e - s));
		buf[e - s] = '\0';
		if (!text_addr(buf, hop, &v6))
			return 0;
		if (!found && !in_list(t, hop)) {
			memcpy(a, hop, 16);
			found = 1;
		}
		if (start == xff)
			return found;
		end = start - 1;
	}
}

static void
client(const struct gh_cidrs *t, const char *remote, const char *xff,
    char key[GH_IP_KEY_LEN], char addr[GH_IP_KEY_LEN])
{
	memset(key, 'x', GH_IP_KEY_LEN);
	memset(addr, 'x', GH_IP_KEY_LEN);
	gh_ip_client_key(remote, xff, t, key);
	gh_ip_client(remote, xff, t, addr);
	check_terminated(key);
	check_terminated(addr);
	check_key_of_client(key, addr);
}

static void
check_client(const struct gh_cidrs *t, const char *remote, const char *xff)
{
	char		 key[GH_IP_KEY_LEN], addr[GH_IP_KEY_LEN];
	char		 key_alone[GH_IP_KEY_LEN], addr_alone[GH_IP_KEY_LEN];
	unsigned char	 r[16], c[16], want[16];
	int		 v6;

	client(t, remote, xff, key, addr);
	if (remote == NULL || !text_addr(remote, r, &v6)) {
		if (strcmp(addr, "unknown") != 0)
			abort();
		return;
	}
	if (strcmp(addr, "unknown") == 0 || !text_addr(addr, c, &v6))
		abort();
	client(t, remote, NULL, key_alone, addr_alone);
	if (!text_addr(addr_alone, want, &v6) || memcmp(want, r, 16) != 0)
		abort();		/* no X-Forwarded-For: REMOTE_ADDR */
	if (!in_list(t, r)) {
		/* Not a trusted proxy: X-Forwarded-For is not read. */
		if (strcmp(key, key_alone) != 0 ||
		    strcmp(addr, addr_alone) != 0)
			abort();
		return;
	}
	if (xff != NULL && expected_hop(t, xff, want) &&
	    memcmp(c, want, 16) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct gh_cidrs	*t;
	char			*text, *remote, *xff = NULL;
	size_t			 i, sep;
	int			 input_ok;

	text = dup_n(data, size);	/* up to the first NUL */
	input_ok = check_parse(text, &input_list);

	for (sep = 0; sep < size && data[sep] != '\0' && data[sep] != '\n';
	    sep++)
		;
	remote = dup_n(data, sep);
	if (sep < size)
		xff = dup_n(data + sep + 1, size - sep - 1);

	for (i = 0; i <= NTRUSTED; i++) {
		if (i == NTRUSTED && !input_ok)
			break;
		t = i < NTRUSTED ? &trusted_lists[i] : &input_list;
		check_trusted(t, remote);
		if (xff != NULL)
			check_trusted(t, xff);
		check_client(t, remote, xff);
		check_client(t, NULL, xff);
	}

	free(xff);
	free(remote);
	free(text);
	return 0;
}
