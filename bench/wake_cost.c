/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wake_cost: what one sleep and wake-up costs the thread that sleeps, on
 * this machine. A thread pinned to CPU 1 waits in epoll_wait() on an
 * eventfd, reads it and answers on another; the main thread, pinned to
 * CPU 0, wakes it after a pause (GAP_US; 0: at once, so that the sleeper's
 * CPU may not go idle in between). The sleeper's CPU time per round
 * (CLOCK_THREAD_CPUTIME_ID) less three system calls' (getppid() timed on
 * the same CPU) is the price of blocking and being woken: what an event
 * loop pays per round in which it finds nothing to do. Run by hand:
 * bench/wake_cost [GAP_US] [ROUNDS]; see bench/README.md.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int ping, pong;
static long rounds = 20000;
static double sleeper_us;

static double thread_cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (pthread_setaffinity_np(pthread_self(), sizeof(s), &s) != 0) {
		fprintf(stderr, "wake_cost: cannot pin to CPU %d\n", cpu);
		exit(1);
	}
}

static void must(ssize_t n)
{
	if (n != 8) {
		perror("wake_cost: eventfd");
		exit(1);
	}
}

static void *sleeper(void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0);
	uint64_t v = 1;
	double t0;

	(void)arg;
	pin(1);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, ping, &ev) < 0) {
		perror("wake_cost: epoll");
		exit(1);
	}
	t0 = thread_cpu_s();
	for (long i = 0; i < rounds; i++) {
		struct epoll_event e;

		if (epoll_wait(ep, &e, 1, -1) != 1) {
			perror("wake_cost: epoll_wait");
			exit(1);
		}
		must(read(ping, &v, sizeof(v)));
		must(write(pong, &v, sizeof(v)));
	}
	sleeper_us = (thread_cpu_s() - t0) / (double)rounds * 1e6;
	close(ep);
	return NULL;
}

int main(int argc, char **argv)
{
	long gap_us = argc > 1 ? strtol(argv[1], NULL, 10) : 200;
	uint64_t v = 1;
	pthread_t t;
	double t0, sys_us;

	if (argc > 2)
		rounds = strtol(argv[2], NULL, 10);
	if (gap_us < 0 || gap_us > 1000000 || rounds <= 0 || rounds > 10000000) {
		fprintf(stderr, "usage: wake_cost [GAP_US (0-1000000)] [ROUNDS (1-10000000)]\n");
		return 2;
	}
	ping = eventfd(0, 0);
	pong = eventfd(0, 0);
	if (ping < 0 || pong < 0 || pthread_create(&t, NULL, sleeper, NULL) != 0) {
		perror("wake_cost");
		return 1;
	}
	pin(0);
	for (long i = 0; i < rounds; i++) {
		struct timespec g = { .tv_sec = gap_us / 1000000,
				      .tv_nsec = gap_us % 1000000 * 1000 };

		if (gap_us)
			nanosleep(&g, NULL);
		must(write(ping, &v, sizeof(v)));
		must(read(pong, &v, sizeof(v)));
	}
	pthread_join(t, NULL);
	pin(1);
	t0 = thread_cpu_s();
	for (int i = 0; i < 100000; i++)
		getppid();
	sys_us = (thread_cpu_s() - t0) / 100000 * 1e6;
	printf("%ld rounds, woken %ld us after it slept: the sleeper's CPU %.2f us per round "
	       "(epoll_wait, read, write); a system call %.2f us; so a sleep and wake-up "
	       "%.2f us\n", rounds, gap_us, sleeper_us, sys_us, sleeper_us - 3 * sys_us);
	printf("WAKE_US gap=%ld round=%.2f syscall=%.2f wake=%.2f\n", gap_us, sleeper_us, sys_us,
	       sleeper_us - 3 * sys_us);
	return 0;
}
