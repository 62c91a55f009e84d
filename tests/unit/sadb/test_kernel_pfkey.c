/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PF_KEY v2 codec, without a kernel: requests built, parsed back and
 * compared; canned kernel answers and events decoded; malformed messages
 * refused. The round trip against a kernel with af_key is
 * tests/tools/pfkey_roundtrip.c (run in the guest).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/ipsec.h>
#include <stdlib.h>
#include <string.h>

#include "sadb/kernel_alg.h"
#include "sadb/kernel_pfkey.h"

static uint8_t buf[KERNEL_PFKEY_MSG_MAX];

static struct ip_addr addr(const char *s) {
  struct ip_addr a;

  cr_assert_eq(ip_addr_parse(s, &a), 0);
  return a;
}

static struct ip_subnet subnet(const char *s) {
  struct ip_subnet n;

  cr_assert_eq(ip_subnet_parse(s, &n), 0);
  return n;
}

static uint8_t key[64];

static void sa_op(struct kernel_op *op, const char *src, const char *dst) {
  memset(op, 0, sizeof(*op));
  memset(key, 0xa5, sizeof(key));
  op->kind = KERNEL_OP_SA_ADD;
  op->sa.src = addr(src);
  op->sa.dst = addr(dst);
  op->sa.spi = 0x12345678;
  op->sa.proto = IPPROTO_ESP;
  op->sa.mode = KERNEL_MODE_TUNNEL;
  op->sa.reqid = 16388;
  op->sa.encr_id = KERNEL_ENCR_AES_CBC;
  op->sa.integ_id = KERNEL_INTEG_HMAC_SHA1_96;
  op->sa.encr_key_len = 16;
  op->sa.integ_key_len = 20;
  op->sa.replay_window = 32;
  op->sa.hard_seconds = 3600;
  op->sa.soft_bytes = 1000000;
  op->sa.hard_packets = 5000;
  op->sa.encap_sport = 4500;
  op->sa.encap_dport = 31337;
  op->key = key;
  op->key_len = 36;
}

Test(kernel_pfkey, sa_add_roundtrip_v4_v6) {
  const char *pairs[2][2] = {{"192.0.2.1", "198.51.100.7"},
                             {"2001:db8::1", "2001:db8::2"}};

  for (int k = 0; k < 2; k++) {
    struct kernel_op op;
    struct kernel_pfkey_msg m;
    struct kernel_sa_params got;
    int len;

    sa_op(&op, pairs[k][0], pairs[k][1]);
    len = kernel_pfkey_encode(&op, 77, 4242, buf, sizeof(buf));
    cr_assert_gt(len, 0, "encode: %d", len);
    cr_assert_eq(len % 8, 0);
    cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), 0);
    cr_assert_eq(m.hdr.sadb_msg_type, SADB_ADD);
    cr_assert_eq(m.hdr.sadb_msg_satype, SADB_SATYPE_ESP);
    cr_assert_eq(m.hdr.sadb_msg_seq, 77);
    cr_assert_eq(m.hdr.sadb_msg_pid, 4242);
    cr_assert_eq(m.hdr.sadb_msg_len * 8, len);
    cr_assert_not_null(m.ext[SADB_EXT_KEY_ENCRYPT]);
    cr_assert_not_null(m.ext[SADB_EXT_KEY_AUTH]);
    cr_assert_not_null(m.ext[SADB_X_EXT_NAT_T_TYPE]);
    cr_assert_eq(kernel_pfkey_decode_sa(&m, &got, NULL), 0);
    cr_assert(ip_addr_eq(&got.src, &op.sa.src));
    cr_assert(ip_addr_eq(&got.dst, &op.sa.dst));
    cr_assert_eq(got.spi, 0x12345678);
    cr_assert_eq(got.proto, IPPROTO_ESP);
    cr_assert_eq(got.mode, KERNEL_MODE_TUNNEL);
    /* above KERNEL_PFKEY_REQID_MAX the SA carries 0, as the template does */
    cr_assert_eq(got.reqid, kernel_pfkey_sa_reqid(16388));
    cr_assert_eq(got.reqid, 0);
    cr_assert_eq(got.encr_id, KERNEL_ENCR_AES_CBC);
    cr_assert_eq(got.integ_id, KERNEL_INTEG_HMAC_SHA1_96);
    cr_assert_eq(got.encr_key_len, 16);
    cr_assert_eq(got.integ_key_len, 20);
    cr_assert_eq(got.replay_window, 32);
    cr_assert_eq(got.hard_seconds, 3600);
    cr_assert_eq(got.soft_bytes, 1000000);
    cr_assert_eq(got.hard_packets, 5000);
    cr_assert_eq(got.encap_sport, 4500);
    cr_assert_eq(got.encap_dport, 31337);
    /* the key bytes are in the message, right after their headers */
    cr_assert_eq(
        memcmp(m.ext[SADB_EXT_KEY_ENCRYPT] + sizeof(struct sadb_key), key, 16),
        0);
  }
}

Test(kernel_pfkey, refuses_what_af_key_cannot_express) {
  struct kernel_op op;

  sa_op(&op, "192.0.2.1", "192.0.2.2");
  op.sa.encr_id = KERNEL_ENCR_AES_GCM_16;
  op.sa.integ_id = 0;
  op.sa.encr_key_len = 20;
  op.sa.integ_key_len = 0;
  op.key_len = 20;
  cr_assert_eq(kernel_pfkey_encode(&op, 1, 1, buf, sizeof(buf)), -EOPNOTSUPP);
  op.sa.encr_id = KERNEL_ENCR_CHACHA20_POLY1305;
  op.sa.encr_key_len = 36;
  op.key_len = 36;
  cr_assert_eq(kernel_pfkey_encode(&op, 1, 1, buf, sizeof(buf)), -EOPNOTSUPP);

  sa_op(&op, "192.0.2.1", "192.0.2.2");
  op.sa.esn = true;
  cr_assert_eq(kernel_pfkey_encode(&op, 1, 1, buf, sizeof(buf)), -EOPNOTSUPP);
  sa_op(&op, "192.0.2.1", "192.0.2.2");
  op.sa.mark.mask = 0xff;
  cr_assert_eq(kernel_pfkey_encode(&op, 1, 1, buf, sizeof(buf)), -EOPNOTSUPP);
  sa_op(&op, "192.0.2.1", "192.0.2.2");
  op.sa.integ_id = KERNEL_INTEG_HMAC_SHA2_256_128;
  op.sa.integ_key_len = 32;
  op.key_len = 48;
  cr_assert_eq(kernel_pfkey_encode(&op, 1, 1, buf, sizeof(buf)), -EOPNOTSUPP);
  /* SHA2-512-256 keeps its RFC truncation in af_key */
  op.sa.integ_id = KERNEL_INTEG_HMAC_SHA2_512_256;
  op.sa.integ_key_len = 20;
  op.key_len = 36;
  cr_assert_gt(kernel_pfkey_encode(&op, 1, 1, buf, sizeof(buf)), 0);
  /* inconsistent key lengths, mixed families, no room */
  op.key_len = 3;
  cr_assert_eq(kernel_pfkey_encode(&op, 1, 1, buf, sizeof(buf)), -EINVAL);
  sa_op(&op, "192.0.2.1", "2001:db8::1");
  cr_assert_eq(kernel_pfkey_encode(&op, 1, 1, buf, sizeof(buf)), -EINVAL);
  sa_op(&op, "192.0.2.1", "192.0.2.2");
  cr_assert_eq(kernel_pfkey_encode(&op, 1, 1, buf, 40), -EMSGSIZE);
}

Test(kernel_pfkey, getspi_request_and_canned_reply) {
  struct kernel_op op;
  struct kernel_pfkey_msg m;
  struct sadb_spirange r;
  struct kernel_sa_params got;
  int len;

  memset(&op, 0, sizeof(op));
  op.kind = KERNEL_OP_SPI_ALLOC;
  op.spi_req.src = addr("192.0.2.2");
  op.spi_req.dst = addr("192.0.2.1");
  op.spi_req.proto = IPPROTO_ESP;
  op.spi_req.spi_min = 5; /* below 0x1000: raised */
  len = kernel_pfkey_encode(&op, 3, 9, buf, sizeof(buf));
  cr_assert_gt(len, 0);
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), 0);
  cr_assert_eq(m.hdr.sadb_msg_type, SADB_GETSPI);
  cr_assert_not_null(m.ext[SADB_EXT_SPIRANGE]);
  memcpy(&r, m.ext[SADB_EXT_SPIRANGE], sizeof(r));
  cr_assert_eq(r.sadb_spirange_min, 0x1000);
  cr_assert_eq(r.sadb_spirange_max, 0xffffffff);
  op.spi_req.spi_min = 0x10;
  op.spi_req.spi_max = 0x20;
  cr_assert_eq(kernel_pfkey_encode(&op, 3, 9, buf, sizeof(buf)), -EINVAL);

  /* the kernel's answer: base header, SA (spi), addresses; as af_key builds it
   */
  {
    uint8_t reply[128] = {0};
    struct sadb_msg h = {.sadb_msg_version = PF_KEY_V2,
                         .sadb_msg_type = SADB_GETSPI,
                         .sadb_msg_satype = SADB_SATYPE_ESP,
                         .sadb_msg_seq = 3,
                         .sadb_msg_pid = 9};
    struct sadb_sa s = {.sadb_sa_len = 2,
                        .sadb_sa_exttype = SADB_EXT_SA,
                        .sadb_sa_spi = htonl(0xabcd1234)};
    struct sadb_address a = {.sadb_address_len = 3,
                             .sadb_address_prefixlen = 32};
    struct sockaddr_in sin = {.sin_family = AF_INET};
    size_t off = sizeof(h);

    memcpy(reply + off, &s, sizeof(s));
    off += sizeof(s);
    for (int k = 0; k < 2; k++) {
      a.sadb_address_exttype = k ? SADB_EXT_ADDRESS_DST : SADB_EXT_ADDRESS_SRC;
      inet_pton(AF_INET, k ? "192.0.2.1" : "192.0.2.2", &sin.sin_addr);
      memcpy(reply + off, &a, sizeof(a));
      memcpy(reply + off + sizeof(a), &sin, sizeof(sin));
      off += 24;
    }
    h.sadb_msg_len = (uint16_t)(off / 8);
    memcpy(reply, &h, sizeof(h));
    cr_assert_eq(kernel_pfkey_parse(reply, off, &m), 0);
    cr_assert_eq(kernel_pfkey_decode_sa(&m, &got, NULL), 0);
    cr_assert_eq(got.spi, 0xabcd1234);
    cr_assert(ip_addr_eq(&got.dst, &op.spi_req.dst));

    /* an error answer is a bare header with sadb_msg_errno */
    h.sadb_msg_errno = EEXIST;
    h.sadb_msg_len = 2;
    cr_assert_eq(kernel_pfkey_parse((uint8_t *)&h, sizeof(h), &m), 0);
    cr_assert_eq(m.hdr.sadb_msg_errno, EEXIST);
    cr_assert_eq(kernel_pfkey_decode_sa(&m, &got, NULL), -EBADMSG);
  }
}

Test(kernel_pfkey, policy_roundtrip) {
  struct kernel_op op;
  struct kernel_pfkey_msg m;
  struct kernel_policy_params got;
  int len;

  memset(&op, 0, sizeof(op));
  op.kind = KERNEL_OP_POLICY_ADD;
  op.policy.src_sel = subnet("10.1.0.0/16");
  op.policy.dst_sel = subnet("10.2.0.0/24");
  op.policy.sel_proto = IPPROTO_TCP;
  op.policy.sel_dport = 443;
  op.policy.dir = KERNEL_DIR_OUT;
  op.policy.mode = KERNEL_MODE_TUNNEL;
  op.policy.proto = IPPROTO_ESP;
  op.policy.tun_src = addr("192.0.2.1");
  op.policy.tun_dst = addr("192.0.2.2");
  op.policy.reqid = 100;
  op.policy.priority = 1234;
  op.policy.ipcomp = true;
  len = kernel_pfkey_encode(&op, 5, 6, buf, sizeof(buf));
  cr_assert_gt(len, 0);
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), 0);
  cr_assert_eq(m.hdr.sadb_msg_type, SADB_X_SPDUPDATE);
  cr_assert_eq(kernel_pfkey_decode_policy(&m, &got), 0);
  cr_assert_eq(got.src_sel.prefix, 16);
  cr_assert_eq(got.dst_sel.prefix, 24);
  cr_assert_eq(got.sel_proto, IPPROTO_TCP);
  cr_assert_eq(got.sel_dport, 443);
  cr_assert_eq(got.dir, KERNEL_DIR_OUT);
  cr_assert_eq(got.priority, 1234);
  cr_assert_eq(got.action, KERNEL_POLICY_IPSEC);
  cr_assert(got.ipcomp);
  cr_assert_eq(got.proto, IPPROTO_ESP);
  cr_assert_eq(got.mode, KERNEL_MODE_TUNNEL);
  cr_assert_eq(got.reqid, 100);
  cr_assert(ip_addr_eq(&got.tun_src, &op.policy.tun_src));
  cr_assert(ip_addr_eq(&got.tun_dst, &op.policy.tun_dst));

  /* a reqid beyond af_key's manual range is not sent (it would be replaced) */
  op.policy.reqid = 16384;
  op.policy.ipcomp = false;
  len = kernel_pfkey_encode(&op, 5, 6, buf, sizeof(buf));
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), 0);
  cr_assert_eq(kernel_pfkey_decode_policy(&m, &got), 0);
  cr_assert_eq(got.reqid, 0);

  /* shunts: %pass and %drop have no request */
  op.policy.action = KERNEL_POLICY_PASS;
  len = kernel_pfkey_encode(&op, 5, 6, buf, sizeof(buf));
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), 0);
  cr_assert_eq(kernel_pfkey_decode_policy(&m, &got), 0);
  cr_assert_eq(got.action, KERNEL_POLICY_PASS);
  cr_assert_eq(m.ext_len[SADB_X_EXT_POLICY], sizeof(struct sadb_x_policy));
  op.policy.action = KERNEL_POLICY_BLOCK;
  len = kernel_pfkey_encode(&op, 5, 6, buf, sizeof(buf));
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), 0);
  cr_assert_eq(kernel_pfkey_decode_policy(&m, &got), 0);
  cr_assert_eq(got.action, KERNEL_POLICY_BLOCK);

  op.kind = KERNEL_OP_POLICY_DELETE;
  len = kernel_pfkey_encode(&op, 5, 6, buf, sizeof(buf));
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), 0);
  cr_assert_eq(m.hdr.sadb_msg_type, SADB_X_SPDDELETE);
  op.policy.mark.mask = 1;
  cr_assert_eq(kernel_pfkey_encode(&op, 5, 6, buf, sizeof(buf)), -EOPNOTSUPP);
}

Test(kernel_pfkey, events_decode) {
  struct kernel_op op;
  struct kernel_pfkey_msg m;
  struct kernel_event ev;
  int len;

  /* an EXPIRE looks like an SA message plus a hard or soft lifetime */
  sa_op(&op, "192.0.2.1", "192.0.2.2");
  op.sa.soft_bytes = 0;
  op.sa.soft_seconds = 0;
  len = kernel_pfkey_encode(&op, 0, 0, buf, sizeof(buf));
  buf[offsetof(struct sadb_msg, sadb_msg_type)] = SADB_EXPIRE;
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), 0);
  cr_assert_eq(kernel_pfkey_decode_event(&m, &ev), 0);
  cr_assert_eq(ev.kind, KERNEL_EVENT_EXPIRE);
  cr_assert(ev.hard);
  cr_assert_eq(ev.spi, 0x12345678);
  cr_assert_eq(ev.proto, IPPROTO_ESP);
  /* the SA went out with reqid 0 (16388 is above KERNEL_PFKEY_REQID_MAX);
   * the backend, not the decoder, gives the caller's reqid back */
  cr_assert_eq(ev.reqid, 0);

  /* ACQUIRE: endpoints and the policy (with its request) */
  memset(&op, 0, sizeof(op));
  op.kind = KERNEL_OP_POLICY_ADD;
  op.policy.src_sel = subnet("192.0.2.1/32");
  op.policy.dst_sel = subnet("192.0.2.2/32");
  op.policy.dir = KERNEL_DIR_OUT;
  op.policy.mode = KERNEL_MODE_TRANSPORT;
  op.policy.proto = IPPROTO_ESP;
  op.policy.reqid = 55;
  len = kernel_pfkey_encode(&op, 0, 0, buf, sizeof(buf));
  buf[offsetof(struct sadb_msg, sadb_msg_type)] = SADB_ACQUIRE;
  buf[offsetof(struct sadb_msg, sadb_msg_satype)] = SADB_SATYPE_ESP;
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), 0);
  cr_assert_eq(kernel_pfkey_decode_event(&m, &ev), 0);
  cr_assert_eq(ev.kind, KERNEL_EVENT_ACQUIRE);
  cr_assert_eq(ev.reqid, 55);
  cr_assert_eq(ev.proto, IPPROTO_ESP);
  cr_assert_eq(ev.dir, KERNEL_DIR_OUT);
  cr_assert(ip_addr_eq(&ev.dst, &op.policy.dst_sel.addr));

  buf[offsetof(struct sadb_msg, sadb_msg_type)] = SADB_ADD;
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), 0);
  cr_assert_eq(kernel_pfkey_decode_event(&m, &ev), -ENOENT);
}

Test(kernel_pfkey, parse_refuses_malformed) {
  struct kernel_op op;
  struct kernel_pfkey_msg m;
  uint16_t v;
  int len;

  sa_op(&op, "192.0.2.1", "192.0.2.2");
  len = kernel_pfkey_encode(&op, 1, 1, buf, sizeof(buf));
  cr_assert_gt(len, 0);
  cr_assert_eq(kernel_pfkey_parse(buf, 8, &m), -EBADMSG); /* short header */
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len - 8, &m),
               -EBADMSG); /* truncated */
  buf[0] = 1;             /* version */
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), -EBADMSG);
  buf[0] = PF_KEY_V2;
  v = 0; /* ext len 0 */
  memcpy(buf + sizeof(struct sadb_msg), &v, 2);
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), -EBADMSG);
  v = 200; /* ext overruns */
  memcpy(buf + sizeof(struct sadb_msg), &v, 2);
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), -EBADMSG);
  /* the SA extension twice */
  len = kernel_pfkey_encode(&op, 1, 1, buf, sizeof(buf));
  memcpy(buf + sizeof(struct sadb_msg) + 16 + 2, (uint16_t[]){SADB_EXT_SA}, 2);
  cr_assert_eq(kernel_pfkey_parse(buf, (size_t)len, &m), -EBADMSG);
}
