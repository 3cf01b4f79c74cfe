/*
 * pwhash-rate: how many argon2id hashes (libsodium crypto_pwhash_str) this
 * machine computes per second with W processes in parallel. bench/run uses
 * it as the floor for sign-in, which spends almost all its time in one
 * argon2id verification (the same cost as one hash).
 *
 * usage: pwhash-rate [--ops N] [--mem-kib N] [--seconds S] [--workers W]
 * prints: pwhash_rate <hashes per second, all workers together>
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

static void
usage(void)
{
	fprintf(stderr, "usage: pwhash-rate [--ops N] [--mem-kib N] "
	    "[--seconds S] [--workers W]\n");
	exit(2);
}

static unsigned long long
parse_num(const char *opt, const char *s, unsigned long long min,
    unsigned long long max)
{
	char			*end;
	unsigned long long	 v;

	if (s == NULL || *s == '\0' || *s == '-')
		usage();
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "pwhash-rate: bad value for %s: %s\n", opt, s);
		exit(2);
	}
	return v;
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One worker: hash until the deadline, then write "<count> <elapsed>" to fd. */
static int
worker(int fd, unsigned long long ops, size_t mem, double seconds)
{
	char			 out[crypto_pwhash_STRBYTES];
	static const char	 pw[] = "correct horse battery";
	unsigned long long	 n = 0;
	double			 start, elapsed;
	char			 line[64];
	int			 len;

	start = now();
	do {
		if (crypto_pwhash_str(out, pw, sizeof(pw) - 1, ops, mem) != 0) {
			fprintf(stderr, "pwhash-rate: crypto_pwhash_str "
			    "failed (out of memory?)\n");
			return 1;
		}
		n++;
		elapsed = now() - start;
	} while (elapsed < seconds);
	len = snprintf(line, sizeof(line), "%llu %.6f\n", n, elapsed);
	if (len <= 0 || write(fd, line, (size_t)len) != (ssize_t)len)
		return 1;
	return 0;
}

int
main(int argc, char *argv[])
{
	unsigned long long	 ops = 2, memkib = 19456, seconds = 5, workers;
	long			 ncpu;
	int			 fds[2], i, status, failed = 0;
	double			 rate = 0.0;
	FILE			*in;
	pid_t			 pid;

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	workers = ncpu > 0 ? (unsigned long long)ncpu : 1;

	for (i = 1; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--ops") == 0)
			ops = parse_num(opt, val, crypto_pwhash_OPSLIMIT_MIN,
			    crypto_pwhash_OPSLIMIT_MAX);
		else if (strcmp(opt, "--mem-kib") == 0)
			memkib = parse_num(opt, val,
			    (crypto_pwhash_MEMLIMIT_MIN + 1023) / 1024,
			    SIZE_MAX / 1024);
		else if (strcmp(opt, "--seconds") == 0)
			seconds = parse_num(opt, val, 1, 86400);
		else if (strcmp(opt, "--workers") == 0)
			workers = parse_num(opt, val, 1, 1024);
		else
			usage();
	}

	if (sodium_init() < 0) {
		fprintf(stderr, "pwhash-rate: sodium_init failed\n");
		return 1;
	}
	if (pipe(fds) == -1) {
		perror("pwhash-rate: pipe");
		return 1;
	}
	fflush(NULL);
	for (i = 0; (unsigned long long)i < workers; i++) {
		pid = fork();
		if (pid == -1) {
			perror("pwhash-rate: fork");
			return 1;
		}
		if (pid == 0) {
			close(fds[0]);
			_exit(worker(fds[1], ops, (size_t)memkib * 1024,
			    (double)seconds));
		}
	}
	close(fds[1]);

	/* Lines are shorter than PIPE_BUF, so each arrives whole. */
	if ((in = fdopen(fds[0], "r")) == NULL) {
		perror("pwhash-rate: fdopen");
		return 1;
	}
	for (;;) {
		unsigned long long	 n;
		double			 elapsed;

		if (fscanf(in, "%llu %lf", &n, &elapsed) != 2)
			break;
		if (elapsed > 0.0)
			rate += (double)n / elapsed;
	}
	fclose(in);
	while ((pid = wait(&status)) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	if (failed) {
		fprintf(stderr, "pwhash-rate: a worker failed\n");
		return 1;
	}
	printf("pwhash_rate %.1f\n", rate);
	return 0;
}
