/*
 * hello.fcgi: the smallest useful FastCGI responder, written with the same
 * FCGX_* API the Gatehouse programs use (fcgiapp.h, not fcgi_stdio.h).
 * bench/run measures it as the floor: no FastCGI program behind this
 * lighttpd can answer faster than this one.
 */
#include <fcgiapp.h>

#include <stdlib.h>

static const char reply[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    "{\"hello\":\"world\"}";

int
main(void)
{
	FCGX_Request	 r;

	if (FCGX_Init() != 0)
		return EXIT_FAILURE;
	if (FCGX_InitRequest(&r, 0, 0) != 0)
		return EXIT_FAILURE;
	while (FCGX_Accept_r(&r) >= 0) {
		(void)FCGX_PutStr(reply, (int)(sizeof(reply) - 1), r.out);
		FCGX_Finish_r(&r);
	}
	return EXIT_SUCCESS;
}
