/*
 * Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA-1,
 * 6 digits, 30-second steps, as every authenticator app reads them from an
 * otpauth:// URI; the secret in base32 (RFC 4648 §6); the URI as an SVG QR
 * code (libqrencode). Pure functions: what is stored and when a code counts
 * is lib/mfa.c's business.
 */
#ifndef GH_TOTP_H
#define GH_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define GH_TOTP_SECRET_BYTES	20	/* 160 bits, RFC 4226 §4 R6 */
#define GH_TOTP_SECRET_B32	32	/* its base32, no padding */
#define GH_TOTP_STEP		30
#define GH_TOTP_DIGITS		6

/* Base32 (upper case, no padding) of bin; out holds len * 8 / 5 + 2. */
void		 gh_totp_base32(const unsigned char *bin, size_t len, char *out,
		    size_t outsz);
/* Decodes base32 (any case, spaces ignored, no padding); -1 when it is not
 * base32 or does not fit. */
int		 gh_totp_unbase32(const char *s, unsigned char *out, size_t outsz,
		    size_t *outlen);
/* The 6-digit code of time step step (Unix time / 30). */
void		 gh_totp_code(const unsigned char *key, size_t keylen,
		    int64_t step, char out[GH_TOTP_DIGITS + 1]);
/* The step in now-1 .. now+1 whose code is code (6 digits), compared in
 * constant time; 0 when none. Steps at or below after are not tried: a
 * code once accepted is never accepted again. */
int64_t		 gh_totp_match(const unsigned char *key, size_t keylen,
		    const char *code, int64_t now, int64_t after);
/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...; owned (free()). */
char		*gh_totp_uri(const char *issuer, const char *account,
		    const char *secret_b32);
/* The text as an SVG QR code (error correction M, 4 modules of quiet
 * zone); owned (free()), NULL on failure. */
char		*gh_totp_qr_svg(const char *text);

#endif
