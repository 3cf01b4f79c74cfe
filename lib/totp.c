#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <qrencode.h>
#include <sodium.h>

#include "totp.h"
#include "url.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void
gh_totp_base32(const unsigned char *bin, size_t len, char *out, size_t outsz)
{
	size_t		 i, o = 0;
	unsigned	 buf = 0, bits = 0;

	for (i = 0; i < len && o + 1 < outsz; i++) {
		buf = (buf << 8) | bin[i];
		bits += 8;
		while (bits >= 5 && o + 1 < outsz) {
			out[o++] = b32[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0 && o + 1 < outsz)
		out[o++] = b32[(buf << (5 - bits)) & 31];
	if (outsz > 0)
		out[o] = '\0';
}

int
gh_totp_unbase32(const char *s, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	const char	*p;
	unsigned	 buf = 0, bits = 0;
	size_t		 o = 0;
	char		 c;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		c = *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
		if ((p = strchr(b32, c)) == NULL || c == '\0')
			return -1;
		buf = (buf << 5) | (unsigned)(p - b32);
		bits += 5;
		if (bits >= 8) {
			if (o == outsz)
				return -1;
			out[o++] = (unsigned char)(buf >> (bits - 8));
			bits -= 8;
		}
		buf &= 0xff;
	}
	*outlen = o;
	return 0;
}

void
gh_totp_code(const unsigned char *key, size_t keylen, int64_t step,
    char out[GH_TOTP_DIGITS + 1])
{
	unsigned char	 msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0, off;
	uint32_t	 bin;
	int		 i;

	for (i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(step & 0xff);
		step >>= 8;
	}
	if (HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof(msg), mac,
	    &maclen) == NULL || maclen < 20) {
		/* Never a code anyone can type: no digit string matches. */
		memset(out, 'x', GH_TOTP_DIGITS);
		out[GH_TOTP_DIGITS] = '\0';
		return;
	}
	/* RFC 4226 §5.3: dynamic truncation. */
	off = mac[maclen - 1] & 0xf;
	bin = ((uint32_t)(mac[off] & 0x7f) << 24) |
	    ((uint32_t)mac[off + 1] << 16) | ((uint32_t)mac[off + 2] << 8) |
	    (uint32_t)mac[off + 3];
	snprintf(out, GH_TOTP_DIGITS + 1, "%06u", (unsigned)(bin % 1000000));
	sodium_memzero(mac, sizeof(mac));
}

int64_t
gh_totp_match(const unsigned char *key, size_t keylen, const char *code,
    int64_t now, int64_t after)
{
	char		 want[GH_TOTP_DIGITS + 1];
	int64_t		 step = now / GH_TOTP_STEP, s, found = 0;

	if (strlen(code) != GH_TOTP_DIGITS ||
	    strspn(code, "0123456789") != GH_TOTP_DIGITS)
		return 0;
	/* All three compared, so the time does not tell which one matched. */
	for (s = step - 1; s <= step + 1; s++) {
		gh_totp_code(key, keylen, s, want);
		if (sodium_memcmp(want, code, GH_TOTP_DIGITS) == 0 &&
		    s > after && found == 0)
			found = s;
	}
	sodium_memzero(want, sizeof(want));
	return found;
}

char *
gh_totp_uri(const char *issuer, const char *account, const char *secret)
{
	char	*iss = gh_url_encode(issuer), *acct = gh_url_encode(account);
	char	*out = NULL;

	/* Key URI Format: the label is "issuer:account", both encoded. */
	if (iss != NULL && acct != NULL && asprintf(&out,
	    "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&"
	    "digits=%d&period=%d", iss, acct, secret, iss, GH_TOTP_DIGITS,
	    GH_TOTP_STEP) < 0)
		out = NULL;
	free(iss);
	free(acct);
	return out;
}

char *
gh_totp_qr_svg(const char *text)
{
	QRcode		*qr;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*f;
	int		 x, y, w, quiet = 4;

	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL)
		return NULL;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		QRcode_free(qr);
		return NULL;
	}
	w = qr->width + 2 * quiet;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path d=\"", w, w,
	    w, w);
	/* One unit square per dark module (bit 0 of each byte). */
	for (y = 0; y < qr->width; y++)
		for (x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				fprintf(f, "M%d %dh1v1h-1z", x + quiet,
				    y + quiet);
	fputs("\" fill=\"#000\"/></svg>", f);
	QRcode_free(qr);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
