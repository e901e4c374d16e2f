// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The lockout gate's session finders: the sock_diag answer parser, a
 * socket as an SSH session, which end of a conntrack entry is the server,
 * the "found where" text, and the live reader on this process's own
 * loopback socket. The paths with a real sshd, conntrack and sock_diag in
 * a namespace are in tests/integration/test_apply_lockout.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>

#include "apply/lockout.h"
#include "core/sockdiag.h"

/* One inet_diag answer as the kernel sends it. */
struct diag_msg {
	struct nlmsghdr h;
	struct inet_diag_msg m;
};

static void diag_msg_fill(struct diag_msg *d, int family, uint8_t state, const char *src,
			  uint16_t sport, const char *dst, uint16_t dport, uint32_t inode)
{
	memset(d, 0, sizeof(*d));
	d->h.nlmsg_len = sizeof(*d);
	d->h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	d->m.idiag_family = (uint8_t)family;
	d->m.idiag_state = state;
	d->m.id.idiag_sport = htons(sport);
	d->m.id.idiag_dport = htons(dport);
	assert_int_equal(inet_pton(family, src, d->m.id.idiag_src), 1);
	assert_int_equal(inet_pton(family, dst, d->m.id.idiag_dst), 1);
	d->m.idiag_inode = inode;
}

static void test_parse(void **state)
{
	struct sockdiag_sock s;
	struct diag_msg d;
	unsigned char want[16];

	(void)state;
	diag_msg_fill(&d, AF_INET, TCP_ESTABLISHED, "10.77.0.1", 22, "10.77.0.2", 40222, 4711);
	assert_int_equal(sockdiag_parse(&d.h, &s), 0);
	assert_int_equal(s.family, AF_INET);
	assert_int_equal(s.state, TCP_ESTABLISHED);
	assert_int_equal(s.sport, 22);
	assert_int_equal(s.dport, 40222);
	assert_int_equal(s.inode, 4711);
	inet_pton(AF_INET, "10.77.0.2", want);
	assert_memory_equal(s.dst, want, 4);

	diag_msg_fill(&d, AF_INET6, TCP_LISTEN, "fd77::1", 2222, "::", 0, 9);
	assert_int_equal(sockdiag_parse(&d.h, &s), 0);
	assert_int_equal(s.family, AF_INET6);
	assert_int_equal(s.state, TCP_LISTEN);
	inet_pton(AF_INET6, "fd77::1", want);
	assert_memory_equal(s.src, want, 16);

	/* not an inet_diag answer, too short, another family: refused */
	d.h.nlmsg_type = NLMSG_DONE;
	assert_int_equal(sockdiag_parse(&d.h, &s), -1);
	diag_msg_fill(&d, AF_INET, TCP_ESTABLISHED, "10.0.0.1", 1, "10.0.0.2", 2, 1);
	d.h.nlmsg_len = sizeof(struct nlmsghdr) + 8;
	assert_int_equal(sockdiag_parse(&d.h, &s), -1);
	diag_msg_fill(&d, AF_INET, TCP_ESTABLISHED, "10.0.0.1", 1, "10.0.0.2", 2, 1);
	d.m.idiag_family = AF_UNIX;
	assert_int_equal(sockdiag_parse(&d.h, &s), -1);
}

static void test_conn_from_socket(void **state)
{
	struct lockout_conn c;
	struct sockdiag_sock s;
	struct diag_msg d;

	(void)state;
	diag_msg_fill(&d, AF_INET6, TCP_ESTABLISHED, "fd77::1", 2222, "fd77::2", 50000, 7);
	assert_int_equal(sockdiag_parse(&d.h, &s), 0);
	assert_int_equal(lockout_conn_from_socket(&s, &c), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_string_equal(c.server, "fd77::1");
	assert_string_equal(c.client, "fd77::2");
	assert_int_equal(c.server_port, 2222);
	assert_int_equal(c.client_port, 50000);
	assert_int_equal(c.from, LOCKOUT_FROM_SOCKET);

	/* an IPv4 client of a dual-stack sshd: the socket is IPv6, v4-mapped */
	diag_msg_fill(&d, AF_INET6, TCP_ESTABLISHED, "::ffff:10.77.0.1", 22, "::ffff:10.77.0.2",
		      41000, 8);
	assert_int_equal(sockdiag_parse(&d.h, &s), 0);
	assert_int_equal(lockout_conn_from_socket(&s, &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_string_equal(c.server, "10.77.0.1");
	assert_string_equal(c.client, "10.77.0.2");

	/* a listening socket is no session */
	diag_msg_fill(&d, AF_INET, TCP_LISTEN, "0.0.0.0", 22, "0.0.0.0", 0, 9);
	assert_int_equal(sockdiag_parse(&d.h, &s), 0);
	assert_int_equal(lockout_conn_from_socket(&s, &c), -1);
}

static void test_ct_server_end(void **state)
{
	struct lockout_ports p = { { 0 }, 0 };

	(void)state;
	lockout_ports_add(&p, 22);
	lockout_ports_add(&p, 2222);
	lockout_ports_add(&p, 22);
	assert_int_equal(p.n, 2);
	/* the client opened it: the SSH port is the original destination port */
	assert_int_equal(lockout_ct_server_end(50000, 22, false, true, &p), 'd');
	/* picked up mid-stream from the server's side: the original source port */
	assert_int_equal(lockout_ct_server_end(2222, 50000, true, false, &p), 's');
	/* forwarded through this host: neither end is local */
	assert_int_equal(lockout_ct_server_end(50000, 22, false, false, &p), 0);
	assert_int_equal(lockout_ct_server_end(22, 50000, false, false, &p), 0);
	/* this host as an SSH client of someone else's port 22 */
	assert_int_equal(lockout_ct_server_end(50000, 22, true, false, &p), 0);
	/* not an SSH port */
	assert_int_equal(lockout_ct_server_end(50000, 443, false, true, &p), 0);
}

static void test_from_text(void **state)
{
	char buf[64];

	(void)state;
	lockout_from_text(LOCKOUT_FROM_SOCKET | LOCKOUT_FROM_CONNTRACK, buf, sizeof(buf));
	assert_string_equal(buf, "socket, conntrack");
	lockout_from_text(LOCKOUT_FROM_ENV | LOCKOUT_FROM_SOCKET, buf, sizeof(buf));
	assert_string_equal(buf, "SSH_CONNECTION, socket");
	lockout_from_text(LOCKOUT_FROM_CONNTRACK, buf, sizeof(buf));
	assert_string_equal(buf, "conntrack");
	/* a short buffer holds the text cut at its size */
	for (size_t size = 1; size <= sizeof("SSH_CONNECTION, socket, conntrack"); size++) {
		unsigned all = LOCKOUT_FROM_ENV | LOCKOUT_FROM_SOCKET | LOCKOUT_FROM_CONNTRACK;

		lockout_from_text(all, buf, size);
		assert_int_equal(strlen(buf), size - 1);
		assert_memory_equal(buf, "SSH_CONNECTION, socket, conntrack", size - 1);
	}
}

/*
 * The live reader on this process's own listening socket (loopback, an
 * ephemeral port): sock_diag lists it with its port and inode, and the
 * /proc scan finds that inode under this process's name.
 */
static void test_live_own_socket(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	const char *names[] = { "xnft-lockout-t" };
	struct sockdiag_socks ss;
	struct stat st;
	struct xerr e;
	uint32_t *ino;
	size_t nino, nprocs;
	bool listed = false, owned = false;
	int fd;

	(void)state;
	assert_int_equal(prctl(PR_SET_NAME, names[0]), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(fstat(fd, &st), 0);

	assert_int_equal(sockdiag_tcp(SOCKDIAG_STATE(TCP_LISTEN), &ss, &e), 0);
	for (size_t i = 0; i < ss.n; i++)
		listed |= ss.v[i].sport == ntohs(a.sin_port) && ss.v[i].inode == st.st_ino &&
			  ss.v[i].state == TCP_LISTEN;
	sockdiag_socks_free(&ss);
	assert_true(listed);

	assert_int_equal(sockdiag_inodes_of(names, 1, &ino, &nino, &nprocs, &e), 0);
	assert_true(nprocs >= 1);
	for (size_t i = 0; i < nino; i++)
		owned |= ino[i] == st.st_ino;
	free(ino);
	assert_true(owned);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_conn_from_socket),
		cmocka_unit_test(test_ct_server_end),
		cmocka_unit_test(test_from_text),
		cmocka_unit_test(test_live_own_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
