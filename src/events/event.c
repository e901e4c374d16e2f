// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event struct's helpers: prefix to category and hook, names, address
 * and flag text, durations.
 */
#include "events/event.h"
#include "core/duration.h"
#include "core/strbuf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>


/*
 * The default policy's prefixes (docs/log-prefixes.md) and the hook each is
 * logged from. test_events checks that every `log prefix "XNFT-..."` of the
 * embedded policy is here and that the document lists the same set.
 */
static const struct {
	const char *category;
	enum event_hook hook;
} catalogue[] = {
	{ "LOOPBACK-SPOOF",       EVENT_HOOK_INPUT },
	{ "TCPFL-NULL",           EVENT_HOOK_INPUT },
	{ "TCPFL-XMAS",           EVENT_HOOK_INPUT },
	{ "TCPFL-SYNFIN",         EVENT_HOOK_INPUT },
	{ "TCPFL-SYNRST",         EVENT_HOOK_INPUT },
	{ "TCPFL-FIN",            EVENT_HOOK_INPUT },
	{ "SYNFLOOD",             EVENT_HOOK_INPUT },
	{ "ICMP4-REDIRECT",       EVENT_HOOK_INPUT },
	{ "ICMP6-REDIRECT",       EVENT_HOOK_INPUT },
	{ "FRAGMENT",             EVENT_HOOK_PREROUTING },
	{ "BREAKGLASS-RATELIMIT", EVENT_HOOK_INPUT },
	{ "MESH-SPOOF",           EVENT_HOOK_INPUT },
	{ "MESH-INVALID",         EVENT_HOOK_INPUT },
	{ "BOGON",                EVENT_HOOK_INPUT },
	{ "INVALID",              EVENT_HOOK_INPUT },
	{ "ICMP4-EXCESS",         EVENT_HOOK_INPUT },
	{ "ICMP6-EXCESS",         EVENT_HOOK_INPUT },
	{ "SSH-RATELIMIT",        EVENT_HOOK_INPUT },
	{ "WG-RATELIMIT",         EVENT_HOOK_INPUT },
	{ "NDP-EXCESS",           EVENT_HOOK_INPUT },
	{ "ICMP4-DROP",           EVENT_HOOK_INPUT },
	{ "ICMP6-DROP",           EVENT_HOOK_INPUT },
	{ "DROP",                 EVENT_HOOK_INPUT },
	{ "FWD-INVALID",          EVENT_HOOK_FORWARD },
	{ "FWD-DROP",             EVENT_HOOK_FORWARD },
};

#define N_CATALOGUE (sizeof(catalogue) / sizeof(catalogue[0]))

const char *const event_catalogue[] = {
	"LOOPBACK-SPOOF", "TCPFL-NULL", "TCPFL-XMAS", "TCPFL-SYNFIN", "TCPFL-SYNRST",
	"TCPFL-FIN", "SYNFLOOD", "ICMP4-REDIRECT", "ICMP6-REDIRECT", "FRAGMENT",
	"BREAKGLASS-RATELIMIT", "MESH-SPOOF", "MESH-INVALID", "BOGON", "INVALID",
	"ICMP4-EXCESS", "ICMP6-EXCESS", "SSH-RATELIMIT", "WG-RATELIMIT", "NDP-EXCESS",
	"ICMP4-DROP", "ICMP6-DROP", "DROP", "FWD-INVALID", "FWD-DROP", NULL,
};

static const char XNFT_TAG[] = "XNFT-";

void event_init(struct xevent *ev)
{
	/* The strings need only their first byte cleared: this runs once per log line. */
	memset(ev, 0, offsetof(struct xevent, in));
	ev->in[0] = ev->out[0] = ev->prefix[0] = ev->category[0] = '\0';
	ev->raw = NULL;
	ev->raw_len = 0;
}

enum event_hook event_catalogue_hook(const char *category)
{
	for (size_t i = 0; i < N_CATALOGUE; i++) {
		if (!strcmp(catalogue[i].category, category))
			return catalogue[i].hook;
	}
	return EVENT_HOOK_UNKNOWN;
}

static bool is_trim(char c)
{
	return c == ' ' || c == '\t' || c == ':';
}

void event_set_prefix(struct xevent *ev, const char *prefix, size_t len)
{
	const char *cat = prefix;
	size_t clen;
	bool ours = false;

	/* A prefix is a C string to the kernel: nothing after a NUL belongs to it. */
	len = strnlen(prefix, len < sizeof(ev->prefix) ? len : sizeof(ev->prefix) - 1);
	memcpy(ev->prefix, prefix, len);
	ev->prefix[len] = '\0';

	/* Category: the prefix without "XNFT-" and without the ": " nft users end it with. */
	clen = len;
	if (clen >= sizeof(XNFT_TAG) - 1 && !memcmp(cat, XNFT_TAG, sizeof(XNFT_TAG) - 1)) {
		cat += sizeof(XNFT_TAG) - 1;
		clen -= sizeof(XNFT_TAG) - 1;
		ours = true;
	}
	while (clen && is_trim(cat[clen - 1]))
		clen--;
	while (clen && (*cat == ' ' || *cat == '\t')) {
		cat++;
		clen--;
	}
	memcpy(ev->category, cat, clen);
	ev->category[clen] = '\0';

	ev->hook = ours ? event_catalogue_hook(ev->category) : EVENT_HOOK_UNKNOWN;
	if (ev->hook == EVENT_HOOK_UNKNOWN && ev->in[0] && ev->out[0])
		ev->hook = EVENT_HOOK_FORWARD;
}

const char *event_hook_name(enum event_hook h)
{
	switch (h) {
	case EVENT_HOOK_PREROUTING:  return "prerouting";
	case EVENT_HOOK_INPUT:       return "input";
	case EVENT_HOOK_FORWARD:     return "forward";
	case EVENT_HOOK_OUTPUT:      return "output";
	case EVENT_HOOK_POSTROUTING: return "postrouting";
	case EVENT_HOOK_UNKNOWN:     break;
	}
	return "unknown";
}

const char *event_proto_name(unsigned proto)
{
	switch (proto) {
	case 1:   return "icmp";
	case 2:   return "igmp";
	case 6:   return "tcp";
	case 17:  return "udp";
	case 41:  return "ipv6";
	case 47:  return "gre";
	case 50:  return "esp";
	case 51:  return "ah";
	case 58:  return "icmpv6";
	case 132: return "sctp";
	case 136: return "udplite";
	}
	return NULL;
}

const char *event_family_name(int family)
{
	if (family == AF_INET)
		return "ipv4";
	if (family == AF_INET6)
		return "ipv6";
	return "unknown";
}

const char *event_iface(const struct xevent *ev)
{
	return ev->in[0] ? ev->in : ev->out;
}

void event_addr_format(int family, const unsigned char *addr, char *buf, size_t size)
{
	if (!size)
		return;
	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, addr, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

void event_tcp_flags_format(unsigned flags, char *buf, size_t size)
{
	static const char *const names[8] = {
		"fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr",
	};
	struct fixbuf b = { buf, size, 0 };

	if (!size)
		return;
	buf[0] = '\0';
	if (!(flags & 0xff)) {
		snprintf(buf, size, "none");
		return;
	}
	for (unsigned i = 0; i < 8; i++)
		if (flags & (1u << i))
			fixbuf_addf(&b, "%s%s", b.len ? "," : "", names[i]);
}

int64_t event_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The one duration grammar (duration_parse): 500ms, 90s, 1h30m, 2d, 1w, bare seconds. */
int event_parse_duration(const char *text, int64_t *usec, struct xerr *e)
{
	uint64_t ms;

	*usec = 0;
	if (duration_parse(text, &ms, e) < 0) {
		e->code = XNFT_EXIT_USAGE;   /* a command-line value, not a file's */
		return -1;
	}
	/* more than ten years back is a typo */
	if (ms > 3650ull * 86400 * 1000)
		return xerr_set(e, XNFT_EXIT_USAGE, "duration '%.64s' is too large", text);
	*usec = (int64_t)ms * 1000;
	return 0;
}

int event_parse_since(const char *text, int64_t now_us, int64_t *since_us, struct xerr *e)
{
	int64_t d;

	*since_us = 0;
	if (!strcmp(text, "all"))
		return 0;
	if (event_parse_duration(text, &d, e) < 0) {
		xerr_wrap(e, "--since");
		return xerr_hint(e, "give how far back to start, e.g. --since 10m, 2h, 1d, or "
				 "--since all for everything the source holds");
	}
	*since_us = now_us - d > 0 ? now_us - d : 1;
	return 0;
}
