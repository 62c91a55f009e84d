/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a concentrator holds for each client once it is up (issue 14: a
 * million clients with their Child SAs in 2 GiB): its IKE SA, its keys at
 * their size, the part of it only exchanges after IKE_SA_INIT use (struct
 * ike_sa_ext), the peer's ID kept at its size, the Child SA, the client's
 * connection instance (with its selector, ID and name at their sizes) and
 * the IKE_AUTH response kept for a retransmitted request. Each is measured by the
 * allocator the test runs on: jemalloc's size classes in the default
 * build (the daemon's allocator), the requested bytes under a sanitizer.
 *
 * East (127.0.0.2) answers on a %any template; west (127.0.0.1) is the
 * client, @c1 with 10.1.1.0/24. Needs root (a private network namespace).
 */
#include <criterion/criterion.h>
#include <malloc.h>
#include <string.h>

#include "exchange/xch.h"

TestSuite(held, .init = xch_setup, .fini = xch_teardown, .timeout = 60);

#define RW                                                                                        \
	"--name rw --host 127.0.0.2 --id @east --client 10.2.0.0/16 --to --host %any "            \
	"--client 10.1.0.0/16 --psk --encrypt"
#define CLIENT                                                                                    \
	"--name c1 --host 127.0.0.1 --id @c1 --client 10.1.1.0/24 --to --host 127.0.0.2 "         \
	"--id @east --client 10.2.0.0/16 --psk --encrypt"

/*
 * The bound, with jemalloc and this test's suite (AES-GCM-256, SHA2-512,
 * the harness's default): the IKE SA 384 (its class: its fields in
 * alignment order, its lifetime's end, whack progress, window and
 * fragment reassembly in the ext, its ID computed, its flags bits), its
 * keys 192, the rest of it 384, the ID 8, the Child SA 384, the instance
 * 256, the response 256: 1,864 bytes (1,928 with the IKE SA in the 448
 * class, 1,992 in the 512). Before issue 14's last cuts it was 3,008:
 * the keys had the largest suite's room inside the IKE SA (768), the ID
 * was kept whole in the SA's ext (640) and in the instance (640), and the
 * Child SA carried its rekey's look-again timer (512). What grows it fails
 * here first.
 */
enum { HELD_MAX_BYTES = 1872 };

Test(held, one_clients_records_by_the_allocator)
{
	xch_conn_add(XCH_EAST, RW);
	xch_conn_add(XCH_WEST, CLIENT);
	xch_initiate(XCH_WEST, "c1");
	xch_run_until_quiet();

	struct ike_sa *sa = xch_sa(XCH_EAST);
	cr_assert_not_null(sa);
	cr_assert_eq(sa->state, IKE_ESTABLISHED);
	cr_assert_not_null(sa->conn->inst.tmpl, "the client has an instance");
	cr_assert_null(sa->setup, "the negotiation state is freed once up");
	struct child_sa *c = sa->children;
	cr_assert_not_null(c);
	cr_assert_null(c->next);
	cr_assert_eq(sa->ext->id_remote->len, 2, "@c1, kept at its size");
	cr_assert_eq(sa->conn->id[1]->len, 2, "the instance's ID is the client's");
	cr_assert_not_null(sa->resp, "the IKE_AUTH response is kept");

	const struct {
		const char *what;
		const void *p;
	} parts[] = {
		{ "IKE SA", sa },
		{ "its keys", sa->keys },
		{ "its ext", sa->ext },
		{ "the peer's ID", sa->ext->id_remote },
		{ "the Child SA", c },
		{ "the instance", sa->conn },
		{ "the IKE_AUTH response", sa->resp },
	};
	size_t total = 0;
	char line[400];
	int n = 0;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t b = malloc_usable_size((void *)parts[i].p);

		cr_assert_gt(b, 0, "%s", parts[i].what);
		total += b;
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s %zu, ", parts[i].what, b);
	}
	cr_log_info("one held client: %s%zu bytes", line, total);
	cr_assert_leq(total, HELD_MAX_BYTES, "one held client holds %s%zu bytes (at most %d)", line,
		      total, HELD_MAX_BYTES);
}
