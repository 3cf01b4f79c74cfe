/*
 * What a session's device is (docs/sessions.md): a small, bounded parser of
 * the User-Agent header for the browsers and HTTP clients people use now,
 * and the X-Client-* headers by which an app names itself, which win over
 * whatever the User-Agent says. Best effort: a field it cannot tell is "".
 * No allocation; every output is a fixed buffer of printable UTF-8.
 */
#ifndef GH_USERAGENT_H
#define GH_USERAGENT_H

#include <stddef.h>

#define GH_UA_MAX		512	/* bytes of a User-Agent looked at */
#define GH_UA_DEVICE_MAX	7	/* "desktop" */
#define GH_UA_NAME_MAX		64
#define GH_UA_VERSION_MAX	32
#define GH_UA_OS_MAX		32

struct gh_ua {
	char	 device_type[GH_UA_DEVICE_MAX + 1];	/* desktop mobile tablet bot unknown */
	char	 os[GH_UA_OS_MAX + 1];			/* "Windows", "iOS", ... */
	char	 os_version[GH_UA_VERSION_MAX + 1];
	char	 app_name[GH_UA_NAME_MAX + 1];		/* "Chrome", "okhttp", ... */
	char	 app_version[GH_UA_VERSION_MAX + 1];
};

/* The X-Client-* request headers; any may be NULL. */
struct gh_ua_client {
	const char	*name;		/* X-Client-Name */
	const char	*version;	/* X-Client-Version */
	const char	*os;		/* X-Client-OS */
	const char	*os_version;	/* X-Client-OS-Version */
	const char	*device;	/* X-Client-Device: one of the types */
};

/* Fills out from the first GH_UA_MAX bytes of ua (NULL: nothing known). */
void		 gh_useragent_parse(const char *ua, struct gh_ua *out);
/* Lays the client's own headers over out: each one present and not empty
 * after cleaning replaces its field; a device that is not one of the
 * five types is ignored. */
void		 gh_useragent_client(struct gh_ua *out,
		    const struct gh_ua_client *);
/* src made storable: control characters and bytes that are not UTF-8
 * dropped, white space at both ends trimmed, cut (at a character
 * boundary) to fit dst[0..size). Returns the length written. */
size_t		 gh_useragent_clean(char *dst, size_t size, const char *src);

#endif
