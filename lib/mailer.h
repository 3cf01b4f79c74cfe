/*
 * Delivery after the answer (docs/email.md), for the programs that send
 * email: gh_serve_after(gh_mailer_after_answer) in their main(). Kept out
 * of lib/serve.c so that programs that never mail link no SMTP client.
 */
#ifndef GH_MAILER_H
#define GH_MAILER_H

struct gh_server;

/*
 * FastCGI: messages this process queued (at once) and those left by
 * failures (at most every 10 s) are delivered by a child with a database
 * connection of its own, one child at a time, so the process takes its
 * next request at once. Plain CGI (cgi set): delivered here, the answer
 * having been sent already.
 */
void	gh_mailer_after_answer(struct gh_server *, int cgi);

#endif
