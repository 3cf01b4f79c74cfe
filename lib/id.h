/* UUIDv7 identifiers (RFC 9562 §5.7): time ordered, 74 random bits. */
#ifndef GH_ID_H
#define GH_ID_H

#include <stdint.h>

#define GH_ID_LEN	36	/* 8-4-4-4-12 hex, without the NUL */

/* Writes a new UUIDv7 string into out (GH_ID_LEN + 1 bytes). Within one
 * process ids are strictly increasing even inside one millisecond. */
void	gh_id_new(char out[GH_ID_LEN + 1]);
/* Same, at a given time in milliseconds (for tests). */
void	gh_id_new_at(char out[GH_ID_LEN + 1], uint64_t unix_ms);
/* 1 if s is a well-formed lower-case UUID string of any version. */
int	gh_id_is_valid(const char *s);

#endif
