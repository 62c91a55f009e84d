/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness for the ipsec.conf reader: an admin writes the file,
 * still it is a decoder of bytes. Read the input as a configuration (no
 * includes), apply its config setup to scratch options, build every conn
 * into its whack form and, for those that are loadable, the connection
 * description pluto would build and the encoding of its public key forms
 * (leftrsasigkey=). Nothing may crash, leak or read out of
 * bounds, whatever the file says.
 */
#include <stddef.h>
#include <stdint.h>

#include "ctl/config_conn.h"
#include "ctl/config_file.h"
#include "ctl/config_setup.h"
#include "ctl/proto/whack_opts.h"
#include "ctl/proto/whack_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed default route, so that %defaultroute is exercised without the host's tables. */
static int route(void *ctx, sa_family_t af, struct ip_addr *src, struct ip_addr *gw, char *why,
		 size_t whylen)
{
	(void)ctx;
	(void)why;
	(void)whylen;
	ip_addr_parse(af == AF_INET6 ? "2001:db8::7" : "192.0.2.7", src);
	ip_addr_parse(af == AF_INET6 ? "2001:db8::1" : "192.0.2.1", gw);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct conf_env env = {.defaultroute = route, .ctx = NULL};
	struct conf_file f = {.no_include = true};
	struct conf_set set = {0};
	struct pluto_options o;
	struct conf_diag d;

	conf_diag_init(&d);
	pluto_options_init(&o);
	if (conf_file_read_mem(&f, "fuzz.conf", (const char *)data, size, &d) == 0) {
		conf_setup_apply(&f, &o, &d);
		if (conf_conns_build(&f, &env, &set, &d) == 0) {
			for (size_t i = 0; i < set.n; i++) {
				struct conn_spec spec;
				char err[256];

				if (!set.v[i].ok)
					continue;
				whack_cmd_conn_spec(set.v[i].cmd, &spec, err, sizeof(err));
				conn_spec_fini(&spec);
				for (int end = 0; end < 2; end++) {
					static uint8_t buf[WHACK_MSG_MAX];

					if (set.v[i].keys[end])
						whack_request_encode(set.v[i].keys[end], buf,
								     sizeof(buf));
				}
				conf_set_find(&set, set.v[i].name);
			}
		}
	}
	conf_set_fini(&set);
	conf_file_fini(&f);
	conf_diag_fini(&d);
	pluto_options_fini(&o);
	return 0;
}
