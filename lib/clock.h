/* Time: Unix seconds in storage, RFC 3339 UTC in JSON. */
#ifndef GH_CLOCK_H
#define GH_CLOCK_H

#include <stdint.h>

#define GH_RFC3339_LEN	20	/* "2026-11-21T23:59:59Z" */

int64_t	gh_clock_now(void);
int64_t	gh_clock_now_ms(void);	/* Unix time in milliseconds */
double	gh_clock_ms(void);	/* monotonic milliseconds, for durations */
void	gh_clock_rfc3339(int64_t t, char out[GH_RFC3339_LEN + 1]);

#endif
