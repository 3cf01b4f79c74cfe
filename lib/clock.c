#include <time.h>

#include "clock.h"

int64_t
gh_clock_now(void)
{
	return (int64_t)time(NULL);
}

int64_t
gh_clock_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
gh_clock_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void
gh_clock_rfc3339(int64_t t, char out[GH_RFC3339_LEN + 1])
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	gmtime_r(&tt, &tm);
	strftime(out, GH_RFC3339_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
