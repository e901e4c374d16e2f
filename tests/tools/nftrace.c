// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nftrace: the kernel's nftables trace events, read without nft's userspace
 * decoder, for the kernel differential (tests/integration/trace_lib.sh, with
 * TRACE_MONITOR set to this binary).
 *
 * Why: nft 1.0.6's `monitor trace` aborts (payload.c: Assertion
 * `base->length > 0') when it decodes the transport header of an IPComp
 * packet, so no comp packet could be compared with the kernel. The kernel's
 * NFT_MSG_TRACE events carry everything the comparison needs (table, chain,
 * rule handle, verdict, the packet's network header); this tool prints them
 * in the line format of `nft -a monitor trace` that tests/tools/gen_ruleset.py
 * reads:
 *
 *   trace id ID FAMILY TABLE CHAIN packet: [iif "X"] [oif "Y"] [ether ...] ip ... th 0x...
 *   trace id ID FAMILY TABLE CHAIN rule - # handle N (verdict V)
 *   trace id ID FAMILY TABLE CHAIN end of rules (verdict continue)
 *   trace id ID FAMILY TABLE CHAIN policy accept|drop
 *   trace id ID FAMILY TABLE CHAIN return|continue|...   (a chain's end)
 *
 * The rule's text is not printed (the kernel sends its handle only; nft
 * looks the text up in its cache): '-' stands for it. The IPv4/IPv6 header
 * is decoded here (addresses, id or flow label, protocol by its
 * /etc/protocols name, as nft prints it); the transport header is printed raw.
 *
 * It runs in the network namespace it is started in (`ip netns exec NS
 * nftrace`), prints a line as each event arrives (line-buffered, so a test
 * can wait for a packet's line), and exits after --timeout seconds (default
 * 600) or on SIGTERM/SIGINT. When the kernel drops events because the socket
 * buffer overran, it prints nft's own remark for that:
 * "# ERROR: We lost some netlink events!".
 *
 * Exit status: 0 done, 1 a system call failed, 2 usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/trace.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "core/setelems.h"

#define EXIT_SYS	1
#define EXIT_USAGE	2
#define MAX_TIMEOUT_S	3600
/* room for bursts of a batch's events: the kernel drops what does not fit */
#define RCVBUF_BYTES	(16 * 1024 * 1024)
#define MSG_BYTES	(64 * 1024)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *family_name(uint32_t f)
{
	const char *name = setelem_family_name(f);

	return name ? name : "unknown";
}

/* A protocol as nft prints it: its /etc/protocols name, else its number. */
static void print_proto(const char *word, unsigned int proto)
{
	struct protoent pe, *res = NULL;
	char buf[1024];

	if (getprotobynumber_r((int)proto, &pe, buf, sizeof(buf), &res) == 0 && res)
		printf("%s %s ", word, res->p_name);
	else
		printf("%s %u ", word, proto);
}

static void print_ipv4(const uint8_t *h, uint32_t len)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

	if (len < 20)
		return;
	inet_ntop(AF_INET, h + 12, s, sizeof(s));
	inet_ntop(AF_INET, h + 16, d, sizeof(d));
	printf("ip saddr %s ip daddr %s ip ttl %u ip id %u ", s, d, h[8],
	       (unsigned int)(h[4] << 8 | h[5]));
	print_proto("ip protocol", h[9]);
	printf("ip length %u ", (unsigned int)(h[2] << 8 | h[3]));
}

static void print_ipv6(const uint8_t *h, uint32_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	unsigned int flowlabel;

	if (len < 40)
		return;
	inet_ntop(AF_INET6, h + 8, s, sizeof(s));
	inet_ntop(AF_INET6, h + 24, d, sizeof(d));
	flowlabel = (unsigned int)((h[1] & 0x0f) << 16 | h[2] << 8 | h[3]);
	printf("ip6 saddr %s ip6 daddr %s ip6 flowlabel %u ", s, d, flowlabel);
	print_proto("ip6 nexthdr", h[6]);
	printf("ip6 hoplimit %u ", h[7]);
}

static void print_hex(const char *word, const uint8_t *p, uint32_t len)
{
	printf("%s 0x", word);
	for (uint32_t i = 0; i < len; i++)
		printf("%02x", p[i]);
	printf(" ");
}

static void print_ifname(const char *word, uint32_t index)
{
	char name[IF_NAMESIZE];

	if (if_indextoname(index, name))
		printf("%s \"%s\" ", word, name);
	else
		printf("%s %u ", word, index);
}

static void print_ether(const uint8_t *h, uint32_t len)
{
	if (len < 14) {
		print_hex("@ll", h, len);
		return;
	}
	printf("ether saddr %02x:%02x:%02x:%02x:%02x:%02x "
	       "ether daddr %02x:%02x:%02x:%02x:%02x:%02x ether type 0x%04x ",
	       h[6], h[7], h[8], h[9], h[10], h[11], h[0], h[1], h[2], h[3], h[4], h[5],
	       (unsigned int)(h[12] << 8 | h[13]));
}

/* The packet the event carries (the kernel sends it with the first event of
 * each base chain it traces). */
static void print_packet(const struct nftnl_trace *t)
{
	const uint8_t *h;
	uint32_t len = 0;

	printf("packet: ");
	if (nftnl_trace_is_set(t, NFTNL_TRACE_IIF))
		print_ifname("iif", nftnl_trace_get_u32(t, NFTNL_TRACE_IIF));
	if (nftnl_trace_is_set(t, NFTNL_TRACE_OIF))
		print_ifname("oif", nftnl_trace_get_u32(t, NFTNL_TRACE_OIF));
	if (nftnl_trace_is_set(t, NFTNL_TRACE_LL_HEADER)) {
		h = nftnl_trace_get_data(t, NFTNL_TRACE_LL_HEADER, &len);
		print_ether(h, len);
	}
	if (nftnl_trace_is_set(t, NFTNL_TRACE_NETWORK_HEADER)) {
		h = nftnl_trace_get_data(t, NFTNL_TRACE_NETWORK_HEADER, &len);
		if (len > 0 && h[0] >> 4 == 4)
			print_ipv4(h, len);
		else if (len > 0 && h[0] >> 4 == 6)
			print_ipv6(h, len);
		else
			print_hex("@nh", h, len);
	}
	if (nftnl_trace_is_set(t, NFTNL_TRACE_TRANSPORT_HEADER)) {
		h = nftnl_trace_get_data(t, NFTNL_TRACE_TRANSPORT_HEADER, &len);
		print_hex("th", h, len);
	}
	printf("\n");
}

/* A verdict as nft prints it. */
static void print_verdict(const struct nftnl_trace *t)
{
	int32_t v = (int32_t)nftnl_trace_get_u32(t, NFTNL_TRACE_VERDICT);
	const char *target = nftnl_trace_is_set(t, NFTNL_TRACE_JUMP_TARGET) ?
			     nftnl_trace_get_str(t, NFTNL_TRACE_JUMP_TARGET) : "?";

	switch (v) {
	case NFT_CONTINUE: printf("continue"); return;
	case NFT_BREAK:    printf("break"); return;
	case NFT_JUMP:     printf("jump %s", target); return;
	case NFT_GOTO:     printf("goto %s", target); return;
	case NFT_RETURN:   printf("return"); return;
	default:           break;
	}
	switch ((uint32_t)v & NF_VERDICT_MASK) {
	case NF_DROP:   printf("drop"); break;
	case NF_ACCEPT: printf("accept"); break;
	case NF_STOLEN: printf("stolen"); break;
	case NF_QUEUE:  printf("queue"); break;
	case NF_REPEAT: printf("repeat"); break;
	default:        printf("verdict-%" PRId32, v); break;
	}
}

static void print_event(const struct nftnl_trace *t)
{
	uint32_t type = nftnl_trace_get_u32(t, NFTNL_TRACE_TYPE);
	uint64_t handle;
	char head[512];

	snprintf(head, sizeof(head), "trace id %08" PRIx32 " %s %s %s ",
		 nftnl_trace_get_u32(t, NFTNL_TRACE_ID),
		 family_name(nftnl_trace_get_u32(t, NFTNL_TRACE_FAMILY)),
		 nftnl_trace_is_set(t, NFTNL_TRACE_TABLE) ?
			 nftnl_trace_get_str(t, NFTNL_TRACE_TABLE) : "?",
		 nftnl_trace_is_set(t, NFTNL_TRACE_CHAIN) ?
			 nftnl_trace_get_str(t, NFTNL_TRACE_CHAIN) : "?");
	if (nftnl_trace_is_set(t, NFTNL_TRACE_NETWORK_HEADER) ||
	    nftnl_trace_is_set(t, NFTNL_TRACE_LL_HEADER)) {
		fputs(head, stdout);
		print_packet(t);
	}
	fputs(head, stdout);
	switch (type) {
	case NFT_TRACETYPE_RULE:
		/* The kernel also reports the end of a chain's rules as a rule
		 * event with handle 0; nft prints nothing for it (no rule has
		 * that handle). It is no rule that matched: not a rule line. */
		handle = nftnl_trace_get_u64(t, NFTNL_TRACE_RULE_HANDLE);
		if (handle == 0)
			printf("end of rules (verdict ");
		else
			printf("rule - # handle %" PRIu64 " (verdict ", handle);
		print_verdict(t);
		printf(")\n");
		break;
	case NFT_TRACETYPE_POLICY:
		printf("policy %s\n",
		       nftnl_trace_get_u32(t, NFTNL_TRACE_POLICY) == NF_ACCEPT ? "accept" : "drop");
		break;
	default:   /* the end of a chain: back to its caller */
		print_verdict(t);
		printf("\n");
		break;
	}
}

static int on_message(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_trace *t;

	(void)data;
	if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE)
		return MNL_CB_OK;
	t = nftnl_trace_alloc();
	if (!t)
		return MNL_CB_ERROR;
	if (nftnl_trace_nlmsg_parse(nlh, t) < 0)
		printf("# nftrace: a trace event that does not parse\n");
	else
		print_event(t);
	nftnl_trace_free(t);
	return MNL_CB_OK;
}

static struct mnl_socket *trace_socket(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int group = NFNLGRP_NFTRACE, size = RCVBUF_BYTES;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	/* FORCE needs CAP_NET_ADMIN (the tests run as root); the plain one is capped */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return nl;
}

/* Read events until the deadline or a signal. */
static int listen_events(struct mnl_socket *nl, time_t deadline)
{
	static char buf[MSG_BYTES];
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
	ssize_t n;

	while (!stop && time(NULL) < deadline) {
		if (poll(&pfd, 1, 200) < 0) {
			if (errno == EINTR)
				continue;
			perror("nftrace: poll");
			return EXIT_SYS;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0 && errno == ENOBUFS) {
			printf("# ERROR: We lost some netlink events!\n");
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("nftrace: recv");
			return EXIT_SYS;
		}
		if (mnl_cb_run(buf, (size_t)n, 0, 0, on_message, NULL) < 0) {
			perror("nftrace: netlink message");
			return EXIT_SYS;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	long timeout = 600;
	struct mnl_socket *nl;
	char *end;
	int rc;

	if (argc == 3 && strcmp(argv[1], "--timeout") == 0) {
		errno = 0;
		timeout = strtol(argv[2], &end, 10);
		if (errno || *end || timeout < 1 || timeout > MAX_TIMEOUT_S) {
			fprintf(stderr, "nftrace: --timeout wants seconds, 1 to %d\n", MAX_TIMEOUT_S);
			return EXIT_USAGE;
		}
	} else if (argc != 1) {
		fprintf(stderr, "usage: nftrace [--timeout SECONDS]\n"
				"prints the nftables trace events of this network namespace\n");
		return EXIT_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	nl = trace_socket();
	if (!nl) {
		perror("nftrace: netlink trace socket");
		return EXIT_SYS;
	}
	rc = listen_events(nl, time(NULL) + timeout);
	mnl_socket_close(nl);
	return rc;
}
