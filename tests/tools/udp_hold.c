/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udp_hold: hold a UDP port, as another IKE daemon would, for the port
 * check of "ipsec verify" (tests/netns/ipsec_cmd.sh).
 *
 *   udp_hold ADDR PORT SECONDS
 *
 * Prints "bound" once it holds the port, then sleeps. Exit 0, or 2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "usage: udp_hold IPV4ADDR PORT SECONDS\n");
		return 2;
	}
	sin.sin_port = htons((uint16_t)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "udp_hold: %s:%s: %s\n", argv[1], argv[2], strerror(errno));
		return 2;
	}
	printf("bound\n");
	fflush(stdout);
	sleep((unsigned)atoi(argv[3]));
	close(fd);
	return 0;
}
