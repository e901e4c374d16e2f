// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What src/mesh/wgread.c reads for sync-peers: wireguard-go's userspace API
 * reply, and the kernel module's generic-netlink dump (WG_CMD_GET_DEVICE),
 * the latter as netlink buffers built here by hand after the tree the
 * wireguard UAPI header documents (this kernel has no wireguard module).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/nldump.h"
#include "mesh/wgread.h"

static void test_reply(void **state)
{
	static const char reply[] =
		"private_key=e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a\n"
		"listen_port=51820\n"
		"public_key=b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33\n"
		"endpoint=[abcd:23::33%2]:51820\n"
		"allowed_ip=10.10.0.2/32\n"
		"allowed_ip=fd10::2/128\n"
		"last_handshake_time_sec=1\n"
		"public_key=58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376\n"
		"allowed_ip=192.168.4.7/24\n"   /* host bits: masked to the network */
		"protocol_version=1\n"
		"errno=0\n\n";
	struct wg_allowed a = { 0 };
	struct xerr e;
	char buf[PREFIX_STRLEN];

	(void)state;
	assert_int_equal(wg_parse_uapi(reply, &a, &e), 0);
	assert_int_equal(a.npeers, 2);
	assert_int_equal(a.n, 3);
	prefix_format(&a.v[0], buf, sizeof(buf));
	assert_string_equal(buf, "10.10.0.2/32");
	prefix_format(&a.v[1], buf, sizeof(buf));
	assert_string_equal(buf, "fd10::2/128");
	prefix_format(&a.v[2], buf, sizeof(buf));
	assert_string_equal(buf, "192.168.4.0/24");
	wg_allowed_free(&a);
}

static void test_errors(void **state)
{
	struct wg_allowed a = { 0 };
	struct xerr e;

	(void)state;
	assert_int_equal(wg_parse_uapi("errno=19\n\n", &a, &e), -1);
	assert_non_null(strstr(e.msg, "errno=19"));
	wg_allowed_free(&a);
	assert_int_equal(wg_parse_uapi("public_key=00\nallowed_ip=10.0.0.300/32\n\n", &a, &e), -1);
	assert_non_null(strstr(e.msg, "not a prefix"));
	wg_allowed_free(&a);
	assert_int_equal(wg_parse_uapi("errno=0\n\n", &a, &e), 0);
	assert_int_equal(a.n, 0);
	wg_allowed_free(&a);
}

/* ---- the kernel's generic-netlink dump ----------------------------------------------- */

#define SEQ 7
#define PORTID 4242

/* A WG_CMD_GET_DEVICE answer message (NLM_F_MULTI) at buf + *off. */
static struct nlmsghdr *dump_msg(char *buf, size_t *off)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);
	struct genlmsghdr *g;

	nlh->nlmsg_type = 0x20;   /* the family id the kernel gave "wireguard" */
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORTID;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = WG_GENL_VERSION;
	return nlh;
}

static void msg_end(struct nlmsghdr *nlh, size_t *off)
{
	*off += nlh->nlmsg_len;
}

static void key_of(unsigned char key[WG_KEY_LEN], unsigned char fill)
{
	memset(key, fill, WG_KEY_LEN);
}

static void put_allowed(struct nlmsghdr *nlh, int family, const char *addr, uint8_t cidr)
{
	unsigned char raw[16];
	struct nlattr *n = mnl_attr_nest_start(nlh, 0);

	assert_int_equal(inet_pton(family, addr, raw), 1);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, (uint16_t)family);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, family == AF_INET ? 4 : 16, raw);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, cidr);
	mnl_attr_nest_end(nlh, n);
}

/* The first message: every device attribute, peer A whole, the start of peer B. */
static void first_message(char *buf, size_t *off)
{
	struct nlmsghdr *nlh = dump_msg(buf, off);
	struct nlattr *peers, *peer, *ips;
	unsigned char key[WG_KEY_LEN];
	struct sockaddr_in ep = { .sin_family = AF_INET, .sin_port = htons(51820) };
	struct __kernel_timespec hs = { .tv_sec = 1700000000 };

	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 5);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	key_of(key, 0x11);
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, key);
	key_of(key, 0x12);
	mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, WG_KEY_LEN, key);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);

	peer = mnl_attr_nest_start(nlh, 0);
	key_of(key, 0xaa);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
	key_of(key, 0x33);
	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, key);
	inet_pton(AF_INET, "11.31.0.2", &ep.sin_addr);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(ep), &ep);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
	mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(hs), &hs);
	mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 1000);
	mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, 2000);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_allowed(nlh, AF_INET, "10.10.0.2", 32);
	put_allowed(nlh, AF_INET6, "fd10::2", 128);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
	mnl_attr_nest_end(nlh, peer);

	peer = mnl_attr_nest_start(nlh, 0);
	key_of(key, 0xbb);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_allowed(nlh, AF_INET, "10.20.0.0", 24);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);
	msg_end(nlh, off);
}

/*
 * The next message, as the header says a continuation looks: only the
 * interface name and the peers; peer B again with its key and the rest of
 * its allowed IPs (one with host bits, one malformed), then peer C.
 */
static void second_message(char *buf, size_t *off)
{
	struct nlmsghdr *nlh = dump_msg(buf, off);
	struct nlattr *peers, *peer, *ips, *bad;
	unsigned char key[WG_KEY_LEN], six[16] = { 0 };

	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(nlh, 0);
	key_of(key, 0xbb);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_allowed(nlh, AF_INET, "10.30.7.9", 16);
	bad = mnl_attr_nest_start(nlh, 0);   /* IPv4 with a 16-byte address: left out */
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, sizeof(six), six);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 8);
	mnl_attr_nest_end(nlh, bad);
	put_allowed(nlh, AF_INET, "10.40.0.0", 33);   /* a mask past 32: left out */
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, peer);
	peer = mnl_attr_nest_start(nlh, 0);
	key_of(key, 0xcc);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_allowed(nlh, AF_INET6, "fd10::3", 128);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);
	msg_end(nlh, off);
}

/* NLMSG_DONE, whose int is the dump's result (0 or -errno). */
static void done_message(char *buf, size_t *off, int result)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);
	int *r;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORTID;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	*r = result;
	msg_end(nlh, off);
}

static void assert_prefix(const struct wg_allowed *a, size_t i, const char *want)
{
	char buf[PREFIX_STRLEN];

	assert_true(i < a->n);
	prefix_format(&a->v[i], buf, sizeof(buf));
	assert_string_equal(buf, want);
}

/* Two receive buffers: the first message alone, then the continuation and NLMSG_DONE. */
static void test_genl_dump(void **state)
{
	static char one[8192], two[8192];
	size_t n1 = 0, n2 = 0;
	struct wg_genl_state st = { 0 };
	struct wg_allowed a = { 0 };
	struct xerr e;

	(void)state;
	first_message(one, &n1);
	second_message(two, &n2);
	done_message(two, &n2, 0);
	assert_int_equal(wg_genl_feed(&st, one, n1, SEQ, PORTID, &a, &e), 1);   /* more to come */
	assert_int_equal(a.npeers, 2);
	assert_int_equal(wg_genl_feed(&st, two, n2, SEQ, PORTID, &a, &e), 0);   /* done */
	assert_int_equal(a.npeers, 3);   /* B, split across the two messages, counts once */
	assert_int_equal(a.n, 5);
	assert_prefix(&a, 0, "10.10.0.2/32");
	assert_prefix(&a, 1, "fd10::2/128");
	assert_prefix(&a, 2, "10.20.0.0/24");
	assert_prefix(&a, 3, "10.30.0.0/16");   /* host bits masked */
	assert_prefix(&a, 4, "fd10::3/128");
	wg_allowed_free(&a);
}

/* A dump that broke off, an error instead of a dump, another request's answer, a cut buffer. */
static void test_genl_errors(void **state)
{
	static char buf[8192];
	size_t n = 0;
	struct wg_genl_state st = { 0 };
	struct wg_allowed a = { 0 };
	struct nlmsghdr *nlh;
	struct nlmsgerr *err;
	struct xerr e;

	(void)state;
	first_message(buf, &n);
	done_message(buf, &n, -EMSGSIZE);
	assert_int_equal(wg_genl_feed(&st, buf, n, SEQ, PORTID, &a, &e), -1);
	assert_non_null(strstr(e.msg, strerror(EMSGSIZE)));
	wg_allowed_free(&a);

	n = 0;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORTID;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = -ENODEV;
	msg_end(nlh, &n);
	memset(&st, 0, sizeof(st));
	assert_int_equal(wg_genl_feed(&st, buf, n, SEQ, PORTID, &a, &e), -1);
	assert_non_null(strstr(e.msg, strerror(ENODEV)));
	assert_int_equal(a.n, 0);

	n = 0;
	first_message(buf, &n);
	memset(&st, 0, sizeof(st));
	assert_int_equal(wg_genl_feed(&st, buf, n, SEQ + 1, PORTID, &a, &e), -1);   /* not ours */
	memset(&st, 0, sizeof(st));
	assert_int_equal(wg_genl_feed(&st, buf, n - 4, SEQ, PORTID, &a, &e), -1);   /* cut short */
	/* a length of 2 GiB or more: libmnl would take it as negative and step out of the buffer */
	((struct nlmsghdr *)buf)->nlmsg_len = 0xffffffedu;
	memset(&st, 0, sizeof(st));
	assert_int_equal(wg_genl_feed(&st, buf, n, SEQ, PORTID, &a, &e), -1);
	assert_non_null(strstr(e.msg, "does not fit"));
	assert_int_equal(a.n, 0);
	wg_allowed_free(&a);

	/* a DONE whose result no errno can be (fuzz_wggenl): an error, nothing negated */
	n = 0;
	first_message(buf, &n);
	done_message(buf, &n, INT_MIN);
	memset(&st, 0, sizeof(st));
	assert_int_equal(wg_genl_feed(&st, buf, n, SEQ, PORTID, &a, &e), -1);
	assert_non_null(strstr(e.msg, strerror(EBADMSG)));
	wg_allowed_free(&a);
}

/* The errno of a netlink error field: an ACK is no error; out-of-range values are EBADMSG. */
static void test_nl_errno(void **state)
{
	(void)state;
	assert_int_equal(nl_errno(0), 0);
	assert_int_equal(nl_errno(-ENOENT), ENOENT);
	assert_int_equal(nl_errno(-4095), 4095);
	assert_int_equal(nl_errno(ENOBUFS), ENOBUFS);
	assert_int_equal(nl_errno(-4096), EBADMSG);
	assert_int_equal(nl_errno(INT_MIN), EBADMSG);
	assert_int_equal(nl_errno(INT_MAX), EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_genl_dump),
		cmocka_unit_test(test_genl_errors),
		cmocka_unit_test(test_nl_errno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
