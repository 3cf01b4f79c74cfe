#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "str.h"

static char program[32] = "gatehouse";

void
gh_log_set_program(const char *name)
{
	gh_strlcpy(program, name, sizeof(program));
}

void
gh_log(const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "gatehouse[%s]: %s\n", program, line);
}

/* Paths are logged without the query string: one-time tokens travel there. */
void
gh_log_request(const char *request_id, const char *method, const char *path,
    int status, double ms)
{
	char	 safe[256];
	size_t	 i;

	for (i = 0; path != NULL && path[i] != '\0' && path[i] != '?' &&
	    i < sizeof(safe) - 1; i++)
		safe[i] = (path[i] < 0x21 || path[i] > 0x7e) ? '_' : path[i];
	safe[i] = '\0';
	fprintf(stderr, "gatehouse[%s]: rid=%s %s %s %d %.1fms\n", program,
	    request_id, method != NULL ? method : "-", safe, status, ms);
}
