/* Private to http.c and serve.c: where a request's bytes come from. */
#ifndef GH_HTTP_IO_H
#define GH_HTTP_IO_H

#include <fcgiapp.h>

struct gh_io {
	FCGX_Request	*fcgi;	/* NULL: plain CGI over the environment and stdio */
};

#endif
