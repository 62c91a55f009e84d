/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * notify_sink: a stand-in for systemd's NOTIFY_SOCKET, for
 * tests/e2e/sd_notify.sh.
 *
 *   notify_sink SOCKET CTLSOCKET SECONDS
 *
 * Binds a datagram socket at SOCKET and prints every notification it gets
 * for SECONDS, one assignment a line, each prefixed with the milliseconds
 * since it started ("120 READY=1"). When a notification carries READY=1
 * it at once tries to connect to pluto's control socket CTLSOCKET and
 * prints "<ms> ctl=answers" or "<ms> ctl=refused (<why>)": READY must come
 * only once whack can get through. Prints "<ms> bound" once it listens.
 * Exit status 0, or 2 for a usage or socket error.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static int unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

static void probe_ctl(const char *ctl, const struct timespec *t0)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || unix_addr(ctl, &sun) < 0) {
		printf("%lld ctl=refused (bad socket path)\n", ms_since(t0));
	} else if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		printf("%lld ctl=refused (%s)\n", ms_since(t0), strerror(errno));
	} else {
		printf("%lld ctl=answers\n", ms_since(t0));
	}
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct timespec t0;
	long long limit;
	int fd;

	if (argc != 4 || (limit = atoll(argv[3]) * 1000) <= 0) {
		fprintf(stderr, "usage: notify_sink SOCKET CTLSOCKET SECONDS\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || unix_addr(argv[1], &sun) < 0) {
		fprintf(stderr, "notify_sink: %s: cannot make a socket there\n", argv[1]);
		return 2;
	}
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "notify_sink: bind %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	printf("%lld bound\n", ms_since(&t0));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = limit - ms_since(&t0);
		char buf[4096];
		ssize_t n;
		bool ready;

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		ready = strstr(buf, "READY=1") != NULL;
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			printf("%lld %s\n", ms_since(&t0), line);
		if (ready)
			probe_ctl(argv[2], &t0);
	}
	unlink(argv[1]);
	return 0;
}
