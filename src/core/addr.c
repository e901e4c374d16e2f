// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/addr.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

/* Longer than any address or prefix anyone means to type. */
#define TEXT_MAX 128

void addr_shown(char *buf, size_t size, const char *text)
{
	size_t i, n = 0;

	if (!size)
		return;
	if (!text)
		text = "";
	for (i = 0; text[i] && n + 1 < size; i++) {
		unsigned char c = (unsigned char)text[i];

		buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
	if (text[i] && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

unsigned prefix_max_len(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

void addr_prefix_bounds(const unsigned char *a, size_t len, unsigned plen, unsigned char *lo,
			unsigned char *hi)
{
	for (size_t i = 0; i < len; i++) {
		unsigned bits = plen > i * 8 ? plen - (unsigned)i * 8 : 0;
		unsigned char keep = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		unsigned char b = a[i];

		if (lo)
			lo[i] = b & keep;
		if (hi)
			hi[i] = b | (unsigned char)~keep;
	}
}

void prefix_mask(struct prefix *p)
{
	unsigned bytes = prefix_max_len(p->family) / 8;

	addr_prefix_bounds(p->addr, bytes, p->len, p->addr, NULL);
	memset(p->addr + bytes, 0, sizeof(p->addr) - bytes);
}

void prefix_format_addr(const struct prefix *p, char *buf, size_t size)
{
	char tmp[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family == AF_INET6 ? AF_INET6 : AF_INET, p->addr, tmp, sizeof(tmp)))
		tmp[0] = '\0';
	snprintf(buf, size, "%s", tmp);
}

void prefix_format(const struct prefix *p, char *buf, size_t size)
{
	char tmp[INET6_ADDRSTRLEN];

	prefix_format_addr(p, tmp, sizeof(tmp));
	snprintf(buf, size, "%s/%u", tmp, p->len);
}

/* "24" -> 24; decimal, no sign, no leading zero; -1 when not such a number. */
static int parse_len(const char *s)
{
	int v = 0;

	if (!*s || strlen(s) > 3 || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int parse_address(struct prefix *p, const char *addr, const char *text, struct xerr *e)
{
	char shown[80];

	addr_shown(shown, sizeof(shown), text);
	p->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p->family, addr, p->addr) == 1)
		return 0;
	if (p->family == AF_INET6) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "'%s' is not an IPv6 address or prefix", shown);
		return xerr_hint(e, "write it like fd10::/64 or 2001:db8::1");
	}
	xerr_set(e, XNFT_EXIT_FINDINGS, "'%s' is not an IPv4 or IPv6 address or prefix", shown);
	return xerr_hint(e, "write four decimal numbers 0..255 without leading zeros, "
			 "like 10.10.0.0/24 or 10.10.0.5");
}

static int parse_length(struct prefix *p, const char *len_text, const char *text,
			struct xerr *e)
{
	unsigned max = prefix_max_len(p->family);
	char shown[80], shown_len[16];
	int len = parse_len(len_text);

	addr_shown(shown, sizeof(shown), text);
	addr_shown(shown_len, sizeof(shown_len), len_text);
	if (len < 0) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "'%s': prefix length '%s' is not a number 0..%u",
			 shown, shown_len, max);
		return xerr_hint(e, "write the length in decimal after one '/', like 10.10.0.0/24");
	}
	if ((unsigned)len > max) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "'%s': prefix length %d is too long for %s (at most %u)",
			 shown, len, p->family == AF_INET6 ? "IPv6" : "IPv4", max);
		return xerr_hint(e, "use a length 0..%u", max);
	}
	p->len = (unsigned)len;
	return 0;
}

static int check_host_bits(const struct prefix *p, const char *text, struct xerr *e)
{
	struct prefix net = *p;
	char shown[80], canon[PREFIX_STRLEN];

	prefix_mask(&net);
	if (!memcmp(net.addr, p->addr, sizeof(p->addr)))
		return 0;
	addr_shown(shown, sizeof(shown), text);
	prefix_format(&net, canon, sizeof(canon));
	xerr_set(e, XNFT_EXIT_FINDINGS, "'%s' has host bits set beyond /%u", shown, p->len);
	return xerr_hint(e, "did you mean %s?", canon);
}

int prefix_parse_flags(struct prefix *p, const char *text, unsigned flags, struct xerr *e)
{
	char addr[TEXT_MAX], shown[80];
	const char *slash;
	size_t n;

	memset(p, 0, sizeof(*p));
	if (!text || !*text)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "empty address: expected an IPv4 or IPv6 "
				"address or prefix like 10.10.0.0/24");
	addr_shown(shown, sizeof(shown), text);
	if (strnlen(text, TEXT_MAX) >= TEXT_MAX)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "'%s' is too long to be an address", shown);
	slash = strchr(text, '/');
	if (slash && (flags & PREFIX_ADDR_ONLY)) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "'%s' must be a single address, without '/length'",
			 shown);
		return xerr_hint(e, "drop the '/%s'", slash + 1);
	}
	n = slash ? (size_t)(slash - text) : strlen(text);
	memcpy(addr, text, n);
	addr[n] = '\0';
	if (parse_address(p, addr, text, e) < 0)
		goto fail;
	p->len = prefix_max_len(p->family);
	if (slash && parse_length(p, slash + 1, text, e) < 0)
		goto fail;
	if (!(flags & PREFIX_KEEP_HOST_BITS) && check_host_bits(p, text, e) < 0)
		goto fail;
	return 0;
fail:
	memset(p, 0, sizeof(*p));
	return -1;
}

int prefix_parse(struct prefix *p, const char *text, struct xerr *e)
{
	return prefix_parse_flags(p, text, 0, e);
}

bool prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

bool prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	struct prefix o = *outer, i = *inner;

	if (o.family != i.family || o.len > i.len)
		return false;
	i.len = o.len;
	prefix_mask(&o);
	prefix_mask(&i);
	return !memcmp(o.addr, i.addr, sizeof(o.addr));
}

bool prefix_overlaps(const struct prefix *a, const struct prefix *b)
{
	return prefix_contains(a, b) || prefix_contains(b, a);
}

int port_parse(unsigned *port, const char *text, struct xerr *e)
{
	char shown[40];
	unsigned long v = 0;
	const char *s;

	*port = 0;
	if (!text || !*text)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "empty port: expected a number 1..65535");
	addr_shown(shown, sizeof(shown), text);
	for (s = text; *s; s++) {
		if (*s < '0' || *s > '9') {
			xerr_set(e, XNFT_EXIT_FINDINGS, "'%s' is not a port number", shown);
			return xerr_hint(e, "write a decimal number 1..65535, digits only");
		}
		if (v <= 65535)
			v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v == 0)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "port 0 cannot be used: ports are 1..65535");
	if (v > 65535)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "port '%s' is out of range: ports are 1..65535",
				shown);
	if (text[0] == '0') {
		xerr_set(e, XNFT_EXIT_FINDINGS, "'%s': a port number has no leading zeros", shown);
		return xerr_hint(e, "did you mean %lu?", v);
	}
	*port = (unsigned)v;
	return 0;
}

/* Why c cannot appear in an interface name, or NULL when it can. */
static const char *ifname_bad_char(unsigned char c)
{
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
		return "whitespace";
	if (c < 0x20 || c >= 0x7f)
		return "an unprintable character";
	if (c == '/')
		return "'/'";
	if (c == ':')
		return "':' (Linux refuses it in interface names)";
	if (c == '"' || c == '\\')
		return "a quote or backslash (it cannot be written into an nft string)";
	return NULL;
}

int ifname_validate(const char *name, struct xerr *e)
{
	char shown[40];
	size_t len;

	if (!name || !*name)
		return xerr_set(e, XNFT_EXIT_FINDINGS, "empty interface name");
	addr_shown(shown, sizeof(shown), name);
	len = strnlen(name, IFNAME_MAXLEN + 1);
	if (len > IFNAME_MAXLEN) {
		xerr_set(e, XNFT_EXIT_FINDINGS, "interface name '%s' is longer than %d characters, "
			 "the Linux limit", shown, IFNAME_MAXLEN);
		return xerr_hint(e, "check the name with 'ip -br link'");
	}
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return xerr_set(e, XNFT_EXIT_FINDINGS, "'%s' is not a valid interface name", shown);
	for (size_t i = 0; i < len; i++) {
		const char *why = ifname_bad_char((unsigned char)name[i]);

		if (why)
			return xerr_set(e, XNFT_EXIT_FINDINGS, "interface name '%s' contains %s",
					shown, why);
		if (name[i] == '*' && (i + 1 < len || len == 1)) {
			xerr_set(e, XNFT_EXIT_FINDINGS, "interface name '%s': the wildcard '*' is "
				 "allowed only at the end, after a fixed part", shown);
			return xerr_hint(e, "write a name like wg0, or a pattern like wg*");
		}
	}
	return 0;
}
