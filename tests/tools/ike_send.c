/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ike_send: send crafted IKE headers to a pluto under test, from many
 * source ports. The SPIs are written byte by byte as docs/steering.md
 * lays them out (owner index in the first byte of our SPI), independently
 * of the code under test.
 *
 *   ike_send ADDR PORT natt|plain owner K COUNT SPORTS   rSPI owned by worker K
 *   ike_send ADDR PORT natt|plain init  0 COUNT SPORTS   IKE_SA_INIT requests
 *   ike_send ADDR PORT natt|plain v1    K COUNT SPORTS   IKEv1, responder cookie owned by K
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int natt, owner, count, sports;
	const char *kind;

	if (argc != 8) {
		fprintf(stderr, "usage: ike_send ADDR PORT natt|plain owner|init|v1 K COUNT SPORTS\n");
		return 2;
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, argv[1], &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)atoi(argv[2]));
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, argv[1], &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)atoi(argv[2]));
		sl = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "ike_send: %s: expected an IPv4 or IPv6 address\n", argv[1]);
		return 2;
	}
	natt = strcmp(argv[3], "natt") == 0;
	kind = argv[4];
	owner = atoi(argv[5]);
	count = atoi(argv[6]);
	sports = atoi(argv[7]);
	if (count <= 0 || count > 1000000 || sports <= 0 || sports > 256 || owner < 0 || owner > 255) {
		fprintf(stderr, "ike_send: COUNT 1..1000000, SPORTS 1..256, K 0..255\n");
		return 2;
	}

	int fds[256];
	for (int i = 0; i < sports; i++) {
		fds[i] = socket(ss.ss_family, SOCK_DGRAM, 0);
		if (fds[i] < 0) {
			perror("socket");
			return 1;
		}
	}
	for (int n = 0; n < count; n++) {
		uint8_t pkt[4 + 28];
		uint8_t *h = pkt + (natt ? 4 : 0);
		size_t len = (natt ? 4 : 0) + 28;

		memset(pkt, 0, sizeof(pkt));
		if (getrandom(h, 16, 0) != 16)
			return 1;
		if (h[0] == 0)
			h[0] = 1;	/* a non-zero initiator SPI */
		if (strcmp(kind, "owner") == 0) {
			h[8] = (uint8_t)owner;	/* our (responder) SPI names the owner */
			h[15] |= 1;		/* and is non-zero */
			h[17] = 0x20;		/* IKEv2 */
			h[18] = 35;		/* IKE_AUTH */
			h[19] = 0x08;		/* Initiator */
		} else if (strcmp(kind, "init") == 0) {
			memset(h + 8, 0, 8);	/* no responder SPI yet */
			h[17] = 0x20;
			h[18] = 34;		/* IKE_SA_INIT */
			h[19] = 0x08;
		} else if (strcmp(kind, "v1") == 0) {
			h[8] = (uint8_t)owner;
			h[15] |= 1;
			h[17] = 0x10;		/* IKEv1 */
			h[18] = 2;		/* Main Mode */
		} else {
			fprintf(stderr, "ike_send: kind %s: expected owner, init or v1\n", kind);
			return 2;
		}
		h[27] = 28;		/* length */
		if (sendto(fds[n % sports], pkt, len, 0, (struct sockaddr *)&ss, sl) != (ssize_t)len) {
			perror("sendto");
			return 1;
		}
		if (n % 64 == 63)
			usleep(1000);	/* stay well inside the socket buffers */
	}
	for (int i = 0; i < sports; i++)
		close(fds[i]);
	return 0;
}
