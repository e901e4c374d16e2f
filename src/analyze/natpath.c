// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NAT path's definitions, shared by the tracer and the symbolic engine
 * (natpath.h).
 */
#include "analyze/natpath.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

const char natpath_martian_why[] = "a packet to a loopback address (127.0.0.0/8, ::1) that "
				   "arrived on an interface other than lo is a martian: the "
				   "kernel drops it";

unsigned natpath_ct_status(unsigned done)
{
	return (done & NATPATH_SRC ? NATPATH_CT_SNAT : 0) | (done & NATPATH_DST ? NATPATH_CT_DNAT : 0);
}

unsigned natpath_binding(enum rs_hook h)
{
	return h == RS_HOOK_POSTROUTING || h == RS_HOOK_INPUT ? NATPATH_SRC : NATPATH_DST;
}

/* One address of the packet's family (the listing may keep it as text). */
static bool const_addr(const struct rs_term *t, bool v6, uint8_t *out)
{
	memset(out, 0, 16);
	if (t->kind != RS_TERM_VALUE)
		return false;
	if (t->v.str)
		return inet_pton(v6 ? AF_INET6 : AF_INET, t->v.str, out) == 1;
	if (t->v.dtype != (v6 ? RS_DT_IPV6 : RS_DT_IPV4))
		return false;
	memcpy(out, t->v.b, v6 ? 16 : 4);
	return true;
}

bool natpath_target(const struct rs_nat *n, bool v6, struct natpath_target *t)
{
	memset(t, 0, sizeof(*t));
	t->v6 = v6;
	t->redirect = n->kind == RS_NAT_REDIRECT;
	if (n->kind != RS_NAT_DNAT && n->kind != RS_NAT_REDIRECT)
		return false;
	if (n->family != RS_FAM_UNKNOWN && (n->family == RS_FAM_IP6) != v6)
		return false;
	if (n->flags & (RS_NAT_F_NETMAP | RS_NAT_F_PREFIX))
		return false;
	if (n->addr.kind != RS_TERM_NONE) {
		if (t->redirect || !const_addr(&n->addr, v6, t->addr))
			return false;
		t->has_addr = true;
	}
	if (n->port.kind != RS_TERM_NONE) {
		if (n->port.kind != RS_TERM_VALUE || n->port.v.str || n->port.v.num > 65535)
			return false;
		t->has_port = true;
		t->port = (uint16_t)n->port.v.num;
	}
	return true;
}

void natpath_target_format(const struct natpath_target *t, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "";

	if (t->has_addr)
		inet_ntop(t->v6 ? AF_INET6 : AF_INET, t->addr, a, sizeof(a));
	else if (t->redirect)
		snprintf(a, sizeof(a), "this host");
	if (!t->has_port)
		snprintf(buf, size, "%s", t->has_addr || t->redirect ? a : "the same address");
	else if (t->v6 && t->has_addr)
		snprintf(buf, size, "[%s]:%u", a, t->port);
	else
		snprintf(buf, size, "%s:%u", t->redirect && !t->has_addr ? "this host" : a,
			 t->port);
}

bool natpath_loopback(bool v6, const uint8_t *addr)
{
	static const uint8_t lo6[16] = { [15] = 1 };

	return v6 ? !memcmp(addr, lo6, 16) : addr[0] == 127;
}

bool natpath_martian(bool v6, const uint8_t *daddr, const char *iif)
{
	return natpath_loopback(v6, daddr) && strcmp(iif, "lo") != 0;
}

enum natpath_where natpath_addr_where(const struct ruleset *rs, bool v6, const uint8_t *addr)
{
	struct prefix p = { .family = v6 ? AF_INET6 : AF_INET, .len = v6 ? 128 : 32 };

	if (natpath_loopback(v6, addr))
		return NATPATH_LOCAL;
	memcpy(p.addr, addr, 16);
	for (size_t i = 0; i < rs->nlocal; i++)
		if (prefix_contains(&rs->local[i], &p))
			return NATPATH_LOCAL;
	return rs->local_known ? NATPATH_REMOTE : NATPATH_EITHER;
}

enum natpath_change natpath_changes(const struct natpath_target *t, const uint8_t *daddr,
				    bool ports, uint16_t dport, bool orig_local)
{
	if (t->has_port && ports && t->port != dport)
		return NATPATH_CHANGED;
	if (t->has_addr)
		return memcmp(t->addr, daddr, t->v6 ? 16 : 4) ? NATPATH_CHANGED : NATPATH_SAME;
	if (t->redirect)
		return orig_local ? NATPATH_MAYBE : NATPATH_CHANGED;
	return NATPATH_SAME;
}

enum natpath_where natpath_route(const struct ruleset *rs, const struct natpath_target *t,
				 bool orig_local)
{
	if (t->redirect)
		return NATPATH_LOCAL;
	if (!t->has_addr)
		return orig_local ? NATPATH_LOCAL : NATPATH_REMOTE;
	return natpath_addr_where(rs, t->v6, t->addr);
}
