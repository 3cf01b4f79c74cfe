/* Logging to stderr (the web server's error log): one line per request,
 * never a password, token, cookie or Authorization header. */
#ifndef GH_LOG_H
#define GH_LOG_H

void	gh_log_set_program(const char *name);
/* A line for start-up, operational or internal-error messages. */
void	gh_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The per-request line: request id, method, path, status, duration. */
void	gh_log_request(const char *request_id, const char *method,
	    const char *path, int status, double ms);

#endif
