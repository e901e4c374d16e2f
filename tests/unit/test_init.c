// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xnft init: value checks, rendering of each marker kind, writing the tree
 * (src/policy/render.c) and the command itself (src/cli/init.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "policy/embedded.h"
#include "policy/render.h"
#include "policy/values.h"

/* ---------------------------------------------------------------- helpers */

static struct policy_values *new_values(void)
{
	struct policy_values *v = malloc(sizeof(*v));

	assert_non_null(v);
	policy_values_defaults(v);
	return v;
}

/* The call failed with code 1 and a message containing want. */
static void assert_invalid(int ret, const struct xerr *e, const char *want)
{
	assert_int_equal(ret, -1);
	assert_int_equal(e->code, XNFT_EXIT_FINDINGS);
	if (!strstr(e->msg, want))
		fail_msg("message '%s' lacks '%s'", e->msg, want);
}

static void assert_contains(const char *text, const char *want)
{
	if (!text || !want)
		fail_msg("assert_contains on a NULL string");
	else if (!strstr(text, want))
		fail_msg("text lacks '%s':\n%s", want, text);
}

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/xnft-test-init.XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static char *read_file(const char *dir, const char *rel)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static mode_t mode_of(const char *dir, const char *rel)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (stat(path, &st) < 0)
		return 0;
	return st.st_mode & 07777;
}

/* Names starting with '.' in dir (temp files left behind), "." and ".." aside. */
static int hidden_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	}
	closedir(d);
	return n;
}

/* ------------------------------------------------------- a test policy */

static const char TABLES[] =
	"# header comment mentioning xnft-init and # xnft-init markers in prose\n"
	"define WAN_IF = \"eth0\"          # xnft-init: wan\n"
	"define MESH_IF = \"wg0\"          # xnft-init: mesh-if\n"
	"define WG_PORT = 51820          # xnft-init: wg-port\n"
	"define SSH_PORT = 22            # xnft-init: ssh-port\n"
	"table inet xnft {\n"
	"\tset MESH_PEERS {\n"
	"\t\telements = { 10.10.0.0/24 }   # xnft-init: mesh4\n"
	"\t}\n"
	"\tset MESH_PEERS6 {\n"
	"\t\t# elements = { }  (empty: add with xnft init --mesh CIDR)   # xnft-init: mesh6\n"
	"\t}\n"
	"\tset ADMIN_ALLOWLIST {\n"
	"\t\t# elements = { }  (empty: add with xnft init --admin CIDR)   # xnft-init: admin4\n"
	"\t}\n"
	"\tset ADMIN_ALLOWLIST6 {\n"
	"\t\t# elements = { }  (empty: add with xnft init --admin CIDR)   # xnft-init: admin6\n"
	"\t}\n"
	"\tset BOGON_V4 {\n"
	"\t\telements = { 0.0.0.0/8, 10.0.0.0/8,100.64.0.0/10 , 255.255.255.255 }\t# xnft-init: bogon4\n"
	"\t}\n"
	"\tset BOGON_V6 {\n"
	"\t\telements = { fc00::/7, 2001:db8::/32 }   # xnft-init: bogon6\n"
	"\t}\n"
	"}";   /* no final newline: must stay that way */

static const char SERVICES[] =
	"table inet xnft {\n"
	"\tchain services {\n"
	"\t\ttcp dport $SSH_PORT accept\n"
	"\n"
	"\t\t# xnft-init: services\n"
	"\t\t# tcp dport 443 ct state new counter accept comment \"template\"\n"
	"\t}\n"
	"}\n";

/* The switchable region ends at the chain's '}': the next chain's rule stays on. */
static const char VPN[] =
	"table inet xnft {\n"
	"\tchain input {\n"
	"\t\t# xnft-init: wg-rules\n"
	"\t\tudp dport $WG_PORT counter accept comment \"vpn\"\n"
	"\t\t# a note inside the region\n"
	"\t\tudp dport $WG_PORT limit rate 1/second log prefix \"X: \" comment \"vpn: log\"\n"
	"\t}\n"
	"\tchain output {\n"
	"\t\tudp sport $WG_PORT accept\n"
	"\t}\n"
	"}\n";

/* ... and this one at the blank line. */
static const char INTENTS[] =
	"expect accept iif lo\n"
	"# xnft-init: wg-intents\n"
	"expect accept udp dport $WG_PORT\n"
	"\n"
	"expect drop tcp dport 80\n";

static const char CONF[] =
	"table inet xnft\n"
	"delete table inet xnft\n"
	"include \"rules/00-tables.nft\"\n"
	"include \"rules/40-services.nft\"\n"
	"include \"rules/50-vpn-endpoint.nft\"\n";

static const struct embedded_file test_files[] = {
	{ "intents", INTENTS, sizeof(INTENTS) - 1 },
	{ "nftables.conf", CONF, sizeof(CONF) - 1 },
	{ "rules/00-tables.nft", TABLES, sizeof(TABLES) - 1 },
	{ "rules/40-services.nft", SERVICES, sizeof(SERVICES) - 1 },
	{ "rules/50-vpn-endpoint.nft", VPN, sizeof(VPN) - 1 },
	{ NULL, NULL, 0 },
};

static char *render(const struct policy_values *v, const char *path, const char *text,
		    struct xerr *e)
{
	char *out = NULL;

	if (policy_render_text(v, path, text, strlen(text), &out, e) < 0) {
		assert_null(out);
		return NULL;
	}
	assert_non_null(out);
	return out;
}

static char *render_ok(const struct policy_values *v, const char *path, const char *text)
{
	struct xerr e;
	char *out;

	xerr_clear(&e);
	out = render(v, path, text, &e);
	if (!out)
		fail_msg("render %s: %s", path, e.msg);
	return out;
}

/* ------------------------------------------------------------ values */

static void test_defaults(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;

	(void)s;
	assert_string_equal(v->wan_if, "eth0");
	assert_string_equal(v->mesh_if, "wg0");
	assert_int_equal(v->wg_port, 51820);
	assert_int_equal(v->ssh_port, 22);
	assert_int_equal(v->n_mesh4, 1);
	assert_string_equal(v->mesh4[0], "10.10.0.0/24");
	assert_int_equal(v->n_mesh6 + v->n_admin4 + v->n_admin6 + v->n_services, 0);
	assert_int_equal(policy_values_validate(v, &e), 0);
	free(v);
}

static void test_iface(void **s)
{
	char dst[16] = "eth0";
	struct xerr e;

	(void)s;
	assert_int_equal(policy_values_set_iface(dst, "--wan", "ens3", &e), 0);
	assert_string_equal(dst, "ens3");
	assert_invalid(policy_values_set_iface(dst, "--wan", "eth0/1", &e), &e,
		       "--wan: interface name 'eth0/1' contains '/'");
	assert_invalid(policy_values_set_iface(dst, "--mesh-if", "0123456789abcdef", &e), &e,
		       "--mesh-if: interface name '0123456789abcdef' is longer than 15");
	assert_invalid(policy_values_set_iface(dst, "--wan", "", &e), &e, "--wan: empty");
	assert_string_equal(dst, "ens3");
	assert_int_equal(policy_values_set_iface(dst, "--mesh-if", "wg*", &e), 0);
}

static void test_port(void **s)
{
	unsigned port = 22;
	struct xerr e;

	(void)s;
	assert_int_equal(policy_values_set_port(&port, "--ssh-port", "2222", &e), 0);
	assert_int_equal(port, 2222);
	assert_invalid(policy_values_set_port(&port, "--wg-port", "0", &e), &e,
		       "--wg-port: port 0 cannot be used");
	assert_invalid(policy_values_set_port(&port, "--wg-port", "65536", &e), &e,
		       "--wg-port: port '65536' is out of range");
	assert_invalid(policy_values_set_port(&port, "--ssh-port", "-1", &e), &e,
		       "--ssh-port: '-1' is not a port number");
	assert_invalid(policy_values_set_port(&port, "--ssh-port", "22x", &e), &e,
		       "'22x' is not a port number");
	assert_int_equal(port, 2222);
}

static void test_mesh(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;

	(void)s;
	policy_values_clear_mesh(v);
	assert_int_equal(v->n_mesh4, 0);
	assert_int_equal(policy_values_add_mesh(v, "10.20.0.0/24", &e), 0);
	assert_int_equal(policy_values_add_mesh(v, "FD20:0::/64", &e), 0);
	assert_int_equal(policy_values_add_mesh(v, "192.168.7.0/24", &e), 0);
	assert_int_equal(v->n_mesh4, 2);
	assert_int_equal(v->n_mesh6, 1);
	assert_string_equal(v->mesh4[1], "192.168.7.0/24");
	assert_string_equal(v->mesh6[0], "fd20::/64");
	assert_invalid(policy_values_add_mesh(v, "0.0.0.0/0", &e), &e,
		       "--mesh 0.0.0.0/0: the whole internet is not a mesh");
	assert_invalid(policy_values_add_mesh(v, "::/0", &e), &e, "the whole internet is not a mesh");
	assert_invalid(policy_values_add_mesh(v, "8.0.0.0/7", &e), &e, "too wide");
	assert_invalid(policy_values_add_mesh(v, "fd00::/15", &e), &e, "shorter than /16");
	assert_int_equal(policy_values_add_mesh(v, "11.0.0.0/8", &e), 0);
	assert_invalid(policy_values_add_mesh(v, "10.20.0.0/24", &e), &e,
		       "--mesh 10.20.0.0/24 is given twice");
	assert_invalid(policy_values_add_mesh(v, "10.20.0.128/25", &e), &e,
		       "--mesh 10.20.0.128/25 overlaps 10.20.0.0/24");
	assert_invalid(policy_values_add_mesh(v, "10.0.0.0/8", &e), &e, "overlaps 10.20.0.0/24");
	assert_invalid(policy_values_add_mesh(v, "fd20::/48", &e), &e, "overlaps fd20::/64");
	assert_invalid(policy_values_add_mesh(v, "10.30.0.1/24", &e), &e, "host bits");
	assert_contains(e.hint, "did you mean 10.30.0.0/24?");
	assert_contains(e.msg, "--mesh");
	assert_invalid(policy_values_add_mesh(v, "bogus", &e), &e, "--mesh: 'bogus' is not");
	assert_int_equal(v->n_mesh4, 3);
	assert_int_equal(v->n_mesh6, 1);
	free(v);
}

static void test_mesh_limit(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;
	char cidr[32];

	(void)s;
	policy_values_clear_mesh(v);
	for (int i = 0; i < POLICY_MAX_LIST; i++) {
		snprintf(cidr, sizeof(cidr), "10.%d.0.0/16", i);
		assert_int_equal(policy_values_add_mesh(v, cidr, &e), 0);
	}
	assert_invalid(policy_values_add_mesh(v, "11.0.0.0/16", &e), &e, "too many");
	free(v);
}

static void test_admin(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;

	(void)s;
	assert_int_equal(policy_values_add_admin(v, "8.8.8.8/32", &e), 0);
	assert_int_equal(policy_values_add_admin(v, "2a01:4f8::1", &e), 0);
	assert_int_equal(policy_values_add_admin(v, "81.2.0.0/16", &e), 0);
	/* A real block that merely contains a documentation range is fine. */
	assert_int_equal(policy_values_add_admin(v, "192.0.0.0/16", &e), 0);
	assert_int_equal(v->n_admin4, 3);
	assert_int_equal(v->n_admin6, 1);
	assert_string_equal(v->admin4[0], "8.8.8.8/32");
	assert_string_equal(v->admin6[0], "2a01:4f8::1/128");
	assert_invalid(policy_values_add_admin(v, "192.0.2.10", &e), &e,
		       "--admin 192.0.2.10 is inside the documentation range 192.0.2.0/24");
	assert_contains(e.hint, "must be real");
	assert_invalid(policy_values_add_admin(v, "198.51.100.0/24", &e), &e, "198.51.100.0/24");
	assert_invalid(policy_values_add_admin(v, "203.0.113.128/25", &e), &e,
		       "documentation range 203.0.113.0/24");
	assert_invalid(policy_values_add_admin(v, "2001:db8:1::/48", &e), &e,
		       "documentation range 2001:db8::/32");
	assert_invalid(policy_values_add_admin(v, "0.0.0.0/0", &e), &e, "the whole internet");
	assert_invalid(policy_values_add_admin(v, "::/0", &e), &e, "the whole internet");
	assert_invalid(policy_values_add_admin(v, "8.8.8.8", &e), &e, "given twice");
	assert_invalid(policy_values_add_admin(v, "8.8.0.0/16", &e), &e, "overlaps 8.8.8.8/32");
	assert_invalid(policy_values_add_admin(v, "1.2.3.4/24", &e), &e, "host bits");
	assert_int_equal(v->n_admin4, 3);
	free(v);
}

static void test_service(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;
	char spec[80];

	(void)s;
	assert_int_equal(policy_values_add_service(v, "tcp/443:https", &e), 0);
	assert_int_equal(policy_values_add_service(v, "udp/53", &e), 0);
	assert_int_equal(policy_values_add_service(v, "tcp/53:dns-tcp", &e), 0);
	assert_int_equal(v->n_services, 3);
	assert_string_equal(v->services[0].proto, "tcp");
	assert_int_equal(v->services[0].port, 443);
	assert_string_equal(v->services[0].name, "https");
	assert_string_equal(v->services[1].name, "udp/53");
	assert_invalid(policy_values_add_service(v, "tcp/443:web", &e), &e,
		       "--service 'tcp/443:web' repeats tcp/443, given before as 'https'");
	assert_invalid(policy_values_add_service(v, "sctp/9", &e), &e, "protocol 'sctp' is not");
	assert_invalid(policy_values_add_service(v, "TCP/443", &e), &e, "protocol 'TCP'");
	assert_invalid(policy_values_add_service(v, "tcp", &e), &e, "expected PROTO/PORT[:NAME]");
	assert_invalid(policy_values_add_service(v, "", &e), &e, "expected PROTO/PORT");
	assert_invalid(policy_values_add_service(v, "tcp/", &e), &e, "--service 'tcp/': empty port");
	assert_invalid(policy_values_add_service(v, "tcp/0", &e), &e, "port 0");
	assert_invalid(policy_values_add_service(v, "udp/65536:x", &e), &e, "out of range");
	assert_invalid(policy_values_add_service(v, "tcp/https", &e), &e, "not a port number");
	assert_invalid(policy_values_add_service(v, "tcp/80:", &e), &e, "the name must be 1..48");
	assert_invalid(policy_values_add_service(v, "tcp/80:a b", &e), &e, "the name must be");
	assert_invalid(policy_values_add_service(v, "tcp/80:a\"b", &e), &e, "the name must be");
	assert_invalid(policy_values_add_service(v, "tcp/80:x:y", &e), &e, "the name must be");
	snprintf(spec, sizeof(spec), "tcp/80:%049d", 0);
	assert_invalid(policy_values_add_service(v, spec, &e), &e, "the name must be");
	snprintf(spec, sizeof(spec), "tcp/80:%048d", 0);
	assert_int_equal(policy_values_add_service(v, spec, &e), 0);
	assert_int_equal(policy_values_add_service(v, "tcp/8080:A.z_0-9", &e), 0);
	assert_int_equal(v->n_services, 5);
	free(v);
}

static void test_cross_checks(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;

	(void)s;
	v->ssh_port = 51820;
	assert_invalid(policy_values_validate(v, &e), &e, "--wg-port and --ssh-port are both 51820");
	v->ssh_port = 2222;
	assert_int_equal(policy_values_validate(v, &e), 0);
	assert_int_equal(policy_values_add_service(v, "tcp/2222:ssh2", &e), 0);
	assert_invalid(policy_values_validate(v, &e), &e, "--service tcp/2222: port 2222 is the SSH port");
	assert_contains(e.hint, "--ssh-port");
	v->n_services = 0;
	assert_int_equal(policy_values_add_service(v, "udp/51820", &e), 0);
	assert_invalid(policy_values_validate(v, &e), &e, "port 51820 is the WireGuard port");
	assert_contains(e.hint, "--wg-port");
	v->n_services = 0;
	snprintf(v->mesh_if, sizeof(v->mesh_if), "eth0");
	assert_invalid(policy_values_validate(v, &e), &e, "--wan and --mesh-if are both 'eth0'");
	snprintf(v->mesh_if, sizeof(v->mesh_if), "wg0");
	v->wg_port = 0;
	assert_invalid(policy_values_validate(v, &e), &e, "--wg-port 0 is out of range");
	v->wg_port = 51820;
	policy_values_clear_mesh(v);
	assert_invalid(policy_values_validate(v, &e), &e, "no mesh prefix");
	assert_int_equal(policy_values_add_mesh(v, "fd20::/64", &e), 0);
	assert_int_equal(policy_values_validate(v, &e), 0);
	free(v);
}

static void test_bogon_exempt_values(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;

	(void)s;
	assert_int_equal(policy_values_exempt_bogon(v, "100.64.0.0/10", &e), 0);
	assert_int_equal(policy_values_exempt_bogon(v, "FC00::/7", &e), 0);
	assert_string_equal(v->bogon_exempt[1], "fc00::/7");
	assert_invalid(policy_values_exempt_bogon(v, "100.64.0.0/10", &e), &e, "given twice");
	assert_invalid(policy_values_exempt_bogon(v, "100.64.0.1/10", &e), &e,
		       "--bogon-exempt: '100.64.0.1/10' has host bits");
	free(v);
}

/* ----------------------------------------------------------- rendering */

static void test_render_defaults_is_identity(void **s)
{
	struct policy_values *v = new_values();
	char *out;

	(void)s;
	/* The shipped values render the shipped text byte for byte (no final newline kept). */
	out = render_ok(v, "rules/00-tables.nft", TABLES);
	assert_string_equal(out, TABLES);
	free(out);
	out = render_ok(v, "rules/40-services.nft", SERVICES);
	assert_string_equal(out, SERVICES);
	free(out);
	out = render_ok(v, "rules/50-vpn-endpoint.nft", VPN);
	assert_string_equal(out, VPN);
	free(out);
	out = render_ok(v, "intents", INTENTS);
	assert_string_equal(out, INTENTS);
	free(out);
	out = render_ok(v, "x", "");
	assert_string_equal(out, "");
	free(out);
	free(v);
}

static void test_render_defines(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;
	char *out;

	(void)s;
	assert_int_equal(policy_values_set_iface(v->wan_if, "--wan", "ens3", &e), 0);
	assert_int_equal(policy_values_set_iface(v->mesh_if, "--mesh-if", "wgmesh", &e), 0);
	v->wg_port = 443;
	v->ssh_port = 2222;
	out = render_ok(v, "rules/00-tables.nft", TABLES);
	assert_contains(out, "\ndefine WAN_IF = \"ens3\"          # xnft-init: wan\n");
	assert_contains(out, "\ndefine MESH_IF = \"wgmesh\"          # xnft-init: mesh-if\n");
	assert_contains(out, "\ndefine WG_PORT = 443          # xnft-init: wg-port\n");
	assert_contains(out, "\ndefine SSH_PORT = 2222            # xnft-init: ssh-port\n");
	assert_contains(out, "# header comment mentioning xnft-init and # xnft-init markers in prose\n");
	free(out);
	free(v);
}

static void test_render_lists(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;
	char *out;

	(void)s;
	policy_values_clear_mesh(v);
	assert_int_equal(policy_values_add_mesh(v, "fd20::/64", &e), 0);
	assert_int_equal(policy_values_add_mesh(v, "fd21::/64", &e), 0);
	assert_int_equal(policy_values_add_admin(v, "8.8.8.8", &e), 0);
	assert_int_equal(policy_values_add_admin(v, "9.9.0.0/16", &e), 0);
	out = render_ok(v, "rules/00-tables.nft", TABLES);
	/* Empty v4 mesh: a comment, so the set is valid and empty. */
	assert_contains(out, "\n\t\t# elements = { }  (empty: add with xnft init --mesh CIDR)"
			"   # xnft-init: mesh4\n");
	assert_contains(out, "\n\t\telements = { fd20::/64, fd21::/64 }   # xnft-init: mesh6\n");
	assert_contains(out, "\n\t\telements = { 8.8.8.8/32, 9.9.0.0/16 }   # xnft-init: admin4\n");
	assert_contains(out, "\n\t\t# elements = { }  (empty: add with xnft init --admin CIDR)"
			"   # xnft-init: admin6\n");
	free(out);
	free(v);
}

static void test_render_bogons(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;
	char *out;

	(void)s;
	assert_int_equal(policy_values_exempt_bogon(v, "100.64.0.0/10", &e), 0);
	assert_int_equal(policy_values_exempt_bogon(v, "255.255.255.255/32", &e), 0);
	assert_int_equal(policy_values_exempt_bogon(v, "2001:db8::/32", &e), 0);
	out = render_ok(v, "rules/00-tables.nft", TABLES);
	assert_contains(out, "\n\t\telements = { 0.0.0.0/8, 10.0.0.0/8 }\t# xnft-init: bogon4\n");
	assert_contains(out, "\n\t\telements = { fc00::/7 }   # xnft-init: bogon6\n");
	free(out);

	/* Every range exempted: an empty, valid set. */
	assert_int_equal(policy_values_exempt_bogon(v, "fc00::/7", &e), 0);
	out = render_ok(v, "rules/00-tables.nft", TABLES);
	assert_contains(out, "\n\t\t# elements = { }  (empty: every range exempted with "
			"--bogon-exempt)   # xnft-init: bogon6\n");
	free(out);

	/* Not an element exactly (only inside one): refused, naming the set and its contents. */
	assert_int_equal(policy_values_exempt_bogon(v, "10.1.0.0/16", &e), 0);
	assert_null(render(v, "rules/00-tables.nft", TABLES, &e));
	assert_int_equal(e.code, XNFT_EXIT_FINDINGS);
	assert_contains(e.msg, "--bogon-exempt 10.1.0.0/16 is not an element of BOGON_V4 "
			"(rules/00-tables.nft)");
	assert_contains(e.hint, "BOGON_V4 holds: 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, "
			"255.255.255.255");
	free(v);
}

static void test_render_services(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;
	char *out;

	(void)s;
	assert_int_equal(policy_values_add_service(v, "tcp/443:https", &e), 0);
	assert_int_equal(policy_values_add_service(v, "udp/53", &e), 0);
	out = render_ok(v, "rules/40-services.nft", SERVICES);
	assert_string_equal(out,
		"table inet xnft {\n"
		"\tchain services {\n"
		"\t\ttcp dport $SSH_PORT accept\n"
		"\n"
		"\t\t# xnft-init: services\n"
		"\t\ttcp dport 443 ct state new counter accept comment \"service: https (mesh-only)\"\n"
		"\t\tudp dport 53 ct state new counter accept comment \"service: udp/53 (mesh-only)\"\n"
		"\t\t# tcp dport 443 ct state new counter accept comment \"template\"\n"
		"\t}\n"
		"}\n");
	free(out);
	free(v);
}

static void render_broken(const char *text, const char *want, int line)
{
	struct policy_values *v = new_values();
	struct xerr e;

	xerr_clear(&e);
	assert_null(render(v, "rules/99-x.nft", text, &e));
	assert_int_equal(e.code, XNFT_EXIT_USAGE);
	assert_string_equal(e.file, "rules/99-x.nft");
	assert_int_equal(e.line, line);
	assert_contains(e.msg, "internal error");
	assert_contains(e.msg, want);
	free(v);
}

static void test_render_broken_markers(void **s)
{
	(void)s;
	render_broken("a\n# x # xnft-init: frobnicate\n", "unknown marker key 'frobnicate'", 2);
	render_broken("# xnft-init: wan extra\n", "malformed marker", 1);
	render_broken("# xnft-init:wan\n", "malformed marker", 1);
	render_broken("# xnft-init: \n", "malformed marker", 1);
	render_broken("\n\nWAN_IF = \"eth0\" # xnft-init: wan\n", "must end a `define", 3);
	render_broken("define WAN_IF = eth0 # xnft-init: wan\n", "quoted value", 1);
	render_broken("define WG_PORT = \"51820\" # xnft-init: wg-port\n", "must have a number", 1);
	render_broken("define WG_PORT = 51820 x # xnft-init: wg-port\n", "unexpected text", 1);
	render_broken("set S {\n  elements = 10.0.0.0/8 # xnft-init: mesh4\n", "`elements = { ... }`", 2);
	render_broken("  elements = { 10.0.0.0/8 # xnft-init: mesh4\n", "`elements = { ... }`", 1);
	render_broken("elements = { 10.0.0.0/33 } # xnft-init: bogon4\n", "not an IPv4 prefix", 1);
	render_broken("elements = { fc00::/7 } # xnft-init: bogon4\n", "not an IPv4 prefix", 1);
	render_broken("elements = { 10.0.0.0/8,, 11.0.0.0/8 } # xnft-init: bogon4\n",
		      "not a short list", 1);
	render_broken("\taccept # xnft-init: services\n", "alone on its line", 1);
	render_broken("\n\taccept # xnft-init: wg-rules\n", "alone on its line", 2);
}

/* wg_port_closed: the region's lines behind "# off: ", and back; nothing else moves. */
static void test_render_region(void **s)
{
	struct policy_values *v = new_values();
	char *off, *on, *again, *nflog;

	(void)s;
	v->wg_port_closed = true;
	off = render_ok(v, "rules/50-vpn-endpoint.nft", VPN);
	assert_string_equal(off,
		"table inet xnft {\n"
		"\tchain input {\n"
		"\t\t# xnft-init: wg-rules\n"
		"\t\t# off: udp dport $WG_PORT counter accept comment \"vpn\"\n"
		"\t\t# off: # a note inside the region\n"
		"\t\t# off: udp dport $WG_PORT limit rate 1/second log prefix \"X: \" comment \"vpn: log\"\n"
		"\t}\n"
		"\tchain output {\n"
		"\t\tudp sport $WG_PORT accept\n"
		"\t}\n"
		"}\n");
	again = render_ok(v, "rules/50-vpn-endpoint.nft", off);   /* off twice: the same bytes */
	assert_string_equal(again, off);
	free(again);
	again = render_ok(v, "intents", INTENTS);
	assert_string_equal(again, "expect accept iif lo\n# xnft-init: wg-intents\n"
			    "# off: expect accept udp dport $WG_PORT\n\nexpect drop tcp dport 80\n");
	free(again);
	/* NFLOG logging leaves the lines that are off alone (their log is in a comment). */
	assert_int_equal(policy_values_set_log(v, "nflog:5", &(struct xerr){ 0 }), 0);
	nflog = render_ok(v, "rules/50-vpn-endpoint.nft", VPN);
	assert_string_equal(nflog, off);
	free(nflog);
	v->wg_port_closed = false;
	on = render_ok(v, "rules/50-vpn-endpoint.nft", off);
	assert_contains(on, "\t\tudp dport $WG_PORT limit rate 1/second log group 5 prefix \"X: \"");
	free(on);
	v->log_nflog = false;
	on = render_ok(v, "rules/50-vpn-endpoint.nft", off);   /* switched on: the text as shipped */
	assert_string_equal(on, VPN);
	free(on);
	free(off);
	free(v);
}

static void test_check_markers(void **s)
{
	static const struct embedded_file missing[] = {
		{ "nftables.conf", CONF, sizeof(CONF) - 1 },
		{ "rules/00-tables.nft", TABLES, sizeof(TABLES) - 1 },
		{ NULL, NULL, 0 },
	};
	struct xerr e;

	(void)s;
	assert_int_equal(policy_check_markers(test_files, &e), 0);
	assert_int_equal(policy_check_markers(missing, &e), -1);
	assert_string_equal(e.file, "rules/40-services.nft");
	assert_contains(e.msg, "internal error");
	assert_contains(e.msg, "'# xnft-init: services'");
	/* The policy built into the binary has every marker. */
	xerr_clear(&e);
	if (policy_check_markers(embedded_policy, &e) < 0)
		fail_msg("embedded policy: %s: %s", e.file, e.msg);
}

static void test_render_embedded(void **s)
{
	struct policy_values *v = new_values();
	struct xerr e;
	char *out = NULL;

	(void)s;
	assert_int_equal(policy_values_set_iface(v->wan_if, "--wan", "eth9", &e), 0);
	assert_int_equal(policy_values_add_admin(v, "8.8.8.8/32", &e), 0);
	assert_int_equal(policy_values_add_service(v, "tcp/443:https", &e), 0);
	assert_int_equal(policy_render_file(v, "rules/00-tables.nft", &out, &e), 0);
	assert_contains(out, "define WAN_IF = \"eth9\"");
	assert_contains(out, "elements = { 8.8.8.8/32 }");
	free(out);
	assert_int_equal(policy_render_file(v, "rules/40-services.nft", &out, &e), 0);
	assert_contains(out, "tcp dport 443 ct state new counter accept comment \"service: https (mesh-only)\"");
	free(out);
	assert_int_equal(policy_render_file(v, "rules/nope.nft", &out, &e), -1);
	assert_null(out);
	assert_contains(e.msg, "no file 'rules/nope.nft'");
	free(v);
}

/* --------------------------------------------------------- the tree */

static void test_write_tree(void **s)
{
	struct policy_values *v = new_values();
	char *dir = make_tmpdir(), sub[512], *got, *want;
	struct xerr e;

	(void)s;
	snprintf(sub, sizeof(sub), "%s/etc/xnft", dir);   /* parents are created too */
	assert_int_equal(policy_values_add_service(v, "tcp/443:https", &e), 0);
	if (policy_write_tree_from(v, test_files, sub, 0, &e) < 0)
		fail_msg("%s", e.msg);
	for (const struct embedded_file *f = test_files; f->path; f++) {
		got = read_file(sub, f->path);
		assert_non_null(got);
		want = render_ok(v, f->path, f->content);
		assert_string_equal(got, want);
		assert_int_equal(mode_of(sub, f->path), 0644);
		free(got);
		free(want);
	}
	assert_int_equal(mode_of(sub, "."), 0755);
	assert_int_equal(mode_of(sub, "rules"), 0755);
	/* Atomic writes leave no temp files behind. */
	assert_int_equal(hidden_entries(sub), 0);
	snprintf(sub + strlen(sub), sizeof(sub) - strlen(sub), "/rules");
	assert_int_equal(hidden_entries(sub), 0);
	rm_tree(dir);
	free(v);
}

static void test_refuse_and_force(void **s)
{
	struct policy_values *v = new_values();
	char *dir = make_tmpdir(), *got;
	struct xerr e;

	(void)s;
	assert_int_equal(policy_write_tree_from(v, test_files, dir, 0, &e), 0);
	assert_int_equal(policy_values_set_iface(v->wan_if, "--wan", "ens3", &e), 0);
	xerr_clear(&e);
	assert_int_equal(policy_write_tree_from(v, test_files, dir, 0, &e), -1);
	assert_int_equal(e.code, XNFT_EXIT_USAGE);
	assert_contains(e.msg, "/nftables.conf already exists");
	assert_contains(e.hint, "--force");
	got = read_file(dir, "rules/00-tables.nft");
	assert_contains(got, "\"eth0\"");   /* nothing was touched */
	free(got);
	assert_int_equal(policy_write_tree_from(v, test_files, dir, 1, &e), 0);
	got = read_file(dir, "rules/00-tables.nft");
	assert_contains(got, "define WAN_IF = \"ens3\"");
	free(got);
	assert_int_equal(hidden_entries(dir), 0);
	rm_tree(dir);
	free(v);
}

static void test_write_errors(void **s)
{
	struct policy_values *v = new_values();
	char *dir = make_tmpdir(), path[512];
	struct xerr e;
	int fd;

	(void)s;
	/* A bad value writes nothing at all. */
	assert_int_equal(policy_values_exempt_bogon(v, "10.1.0.0/16", &e), 0);
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(policy_write_tree_from(v, test_files, path, 0, &e), -1);
	assert_int_equal(e.code, XNFT_EXIT_FINDINGS);
	assert_int_equal(access(path, F_OK), -1);
	v->n_bogon_exempt = 0;

	/* A file where the directory should be. */
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/file/sub", dir);
	assert_int_equal(policy_write_tree_from(v, test_files, path, 0, &e), -1);
	assert_int_equal(e.code, XNFT_EXIT_USAGE);
	assert_contains(e.msg, "Not a directory");

	/* A directory named nftables.conf: even --force cannot replace it. */
	snprintf(path, sizeof(path), "%s/nftables.conf", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(policy_write_tree_from(v, test_files, dir, 1, &e), -1);
	assert_contains(e.msg, "Is a directory");
	assert_int_equal(policy_write_tree_from(v, test_files, "", 0, &e), -1);
	rm_tree(dir);
	free(v);
}

static void test_write_embedded(void **s)
{
	struct policy_values *v = new_values();
	char *dir = make_tmpdir(), *got;
	struct xerr e;

	(void)s;
	if (policy_write_tree(v, dir, 0, &e) < 0)
		fail_msg("%s", e.msg);
	for (const struct embedded_file *f = embedded_policy; f->path; f++) {
		got = read_file(dir, f->path);
		assert_non_null(got);
		free(got);
	}
	/* The shipped values render the shipped files unchanged. */
	got = read_file(dir, "rules/00-tables.nft");
	assert_string_equal(got, embedded_policy_find("rules/00-tables.nft")->content);
	free(got);
	rm_tree(dir);
	free(v);
}

/* ------------------------------------------------------- default route */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_detect_wan(void **s)
{
	char *dir = make_tmpdir(), path[512], wan[16] = "unchanged";
	static const char head[] =
		"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
	char text[1024];

	(void)s;
	snprintf(path, sizeof(path), "%s/route", dir);
	snprintf(text, sizeof(text), "%s"
		 "wg0\t000A0A0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
		 "ens4\t00000000\t0101A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0\n"
		 "ens3\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
		 "ens5\t00000000\t0100000A\t0002\t0\t0\t1\t00000000\t0\t0\t0\n", head);
	write_text(path, text);
	assert_int_equal(policy_detect_wan(wan, path), 1);
	assert_string_equal(wan, "ens3");   /* up, default, lowest metric */

	snprintf(text, sizeof(text), "%swg0\t000A0A0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
		 head);
	write_text(path, text);
	snprintf(wan, sizeof(wan), "eth0");
	assert_int_equal(policy_detect_wan(wan, path), 0);
	assert_string_equal(wan, "eth0");
	write_text(path, "garbage\n\x01\x02\n");
	assert_int_equal(policy_detect_wan(wan, path), 0);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(policy_detect_wan(wan, path), 0);
	assert_string_equal(wan, "eth0");
	rm_tree(dir);
}

/* ------------------------------------------------------------ command */

/* Run cmd_init with its output thrown away; returns its exit code. */
static int run_init(int argc, char **argv)
{
	int saved_out, saved_err, devnull, ret;

	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	devnull = open("/dev/null", O_WRONLY);
	assert_true(saved_out >= 0 && saved_err >= 0 && devnull >= 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	ret = cmd_init(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	close(devnull);
	return ret;
}

#define RUN(...) ({ char *a_[] = { "init", __VA_ARGS__, NULL }; \
	run_init((int)(sizeof(a_) / sizeof(a_[0])) - 1, a_); })

static void test_cmd_init(void **s)
{
	char *dir = make_tmpdir(), *got;

	(void)s;
	assert_int_equal(RUN("--help"), XNFT_EXIT_OK);
	assert_int_equal(RUN(dir, "--bogus"), XNFT_EXIT_USAGE);
	assert_int_equal(RUN(dir, "--wan"), XNFT_EXIT_USAGE);
	assert_int_equal(RUN(dir, "extra"), XNFT_EXIT_USAGE);
	assert_int_equal(RUN(dir, "--mesh", "0.0.0.0/0"), XNFT_EXIT_FINDINGS);
	assert_int_equal(RUN(dir, "--admin", "192.0.2.1"), XNFT_EXIT_FINDINGS);
	assert_int_equal(RUN(dir, "--wg-port", "0"), XNFT_EXIT_FINDINGS);
	assert_int_equal(RUN(dir, "--ssh-port", "51820"), XNFT_EXIT_FINDINGS);
	assert_int_equal(RUN(dir, "--service", "tcp/22"), XNFT_EXIT_FINDINGS);
	assert_int_equal(access(dir, F_OK), 0);
	assert_int_equal(hidden_entries(dir), 0);
	assert_int_equal(RUN(dir, "--wan", "eth9", "--mesh", "10.20.0.0/24", "--mesh", "fd20::/64",
			     "--admin", "8.8.8.8/32", "--service", "tcp/443:https"), XNFT_EXIT_OK);
	got = read_file(dir, "rules/00-tables.nft");
	assert_non_null(got);
	assert_contains(got, "define WAN_IF = \"eth9\"");
	assert_contains(got, "elements = { 10.20.0.0/24 }");   /* the default is replaced */
	assert_contains(got, "elements = { fd20::/64 }");
	assert_contains(got, "elements = { 8.8.8.8/32 }");
	free(got);
	assert_int_equal(RUN(dir), XNFT_EXIT_USAGE);   /* refuses to overwrite */
	assert_int_equal(RUN("--force", dir, "--wan", "ens3"), XNFT_EXIT_OK);
	got = read_file(dir, "rules/00-tables.nft");
	assert_contains(got, "define WAN_IF = \"ens3\"");
	assert_contains(got, "elements = { 10.20.0.0/24 }");   /* no --mesh: the tree's is kept */
	assert_contains(got, "elements = { 8.8.8.8/32 }");
	free(got);
	rm_tree(dir);
}

static void append(const char *dir, const char *rel, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "a");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Values read back from a written tree equal the ones it was written with; same values = no change. */
static void test_tree_round_trip(void **s)
{
	char *dir = make_tmpdir(), *before, *after;
	struct policy_values *v = calloc(1, sizeof(*v)), *w = calloc(1, sizeof(*w));
	struct policy_tree *t = calloc(1, sizeof(*t)), *t2;
	char stage[4096];
	struct xerr e;

	(void)s;
	policy_values_defaults(v);
	assert_int_equal(policy_values_add_admin(v, "8.8.8.8/32", &e), 0);
	assert_int_equal(policy_values_add_service(v, "tcp/443:https", &e), 0);
	assert_int_equal(policy_values_exempt_bogon(v, "100.64.0.0/10", &e), 0);
	v->services[1] = v->services[0];
	v->services[1].port = 8000;
	v->services[1].port_hi = 8010;
	snprintf(v->services[1].from, sizeof(v->services[1].from), "10.10.0.5/32");
	v->n_services = 2;
	assert_int_equal(policy_write_tree(v, dir, 0, &e), 0);
	append(dir, "rules/40-services.nft", "# hand edit\n");
	append(dir, "rules/00-tables.nft", "# another hand edit\n");
	assert_int_equal(policy_tree_open(t, dir, true, &e), 0);
	assert_int_equal(t->v.n_admin4, 1);
	assert_string_equal(t->v.admin4[0], "8.8.8.8/32");
	assert_int_equal(t->v.n_services, 2);
	assert_int_equal(t->v.services[1].port_hi, 8010);
	assert_string_equal(t->v.services[1].from, "10.10.0.5/32");
	assert_int_equal(t->v.n_bogon_exempt, 1);
	assert_int_equal(policy_tree_render(t, &t->v, &e), 0);
	assert_int_equal(policy_tree_changed(t), 0);
	/* A second open while the first holds the lock is refused. */
	t2 = calloc(1, sizeof(*t2));
	assert_int_equal(policy_tree_open(t2, dir, true, &e), -1);
	assert_contains(e.msg, "being changed by another xnft command");
	policy_tree_close(t2);
	free(t2);
	*w = t->v;
	w->n_services = 1;
	before = read_file(dir, "rules/40-services.nft");
	assert_int_equal(policy_tree_render(t, w, &e), 0);
	assert_int_equal(policy_tree_changed(t), 1);
	assert_int_equal(policy_tree_stage(t, stage, sizeof(stage), &e), 0);
	after = read_file(stage, "rules/40-services.nft");
	assert_non_null(after);
	assert_null(strstr(after, "8000-8010"));
	assert_contains(after, "# hand edit\n");
	assert_non_null(strstr(before, "8000-8010"));
	policy_tree_unstage(stage);
	assert_int_equal(access(stage, F_OK), -1);
	assert_int_equal(policy_tree_write(t, &e), 0);
	free(after);
	after = read_file(dir, "rules/40-services.nft");
	assert_null(strstr(after, "8000-8010"));
	assert_contains(after, "service: https (mesh-only)");
	free(before);
	free(after);
	policy_tree_close(t);
	free(t);
	free(v);
	free(w);
	rm_tree(dir);
}

/* Take the first copy of line out of dir/rel, as a tree written before that line was shipped. */
static void drop_line(const char *dir, const char *rel, const char *line)
{
	char path[4096], *text = read_file(dir, rel), *at;

	assert_non_null(text);
	at = strstr(text, line);
	assert_non_null(at);
	memmove(at, at + strlen(line), strlen(at + strlen(line)) + 1);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	write_text(path, text);
	free(text);
}

/*
 * A tree written with wg_port_closed reads back closed and renders to the
 * same bytes; one from before the region markers (no such lines) opens with
 * the port's rules on.
 */
static void test_tree_wg_port_closed(void **s)
{
	char *dir = make_tmpdir(), *text;
	struct policy_values *v = calloc(1, sizeof(*v));
	struct policy_tree *t = calloc(1, sizeof(*t));
	struct xerr e;

	(void)s;
	policy_values_defaults(v);
	v->wg_port_closed = true;
	assert_int_equal(policy_write_tree(v, dir, 0, &e), 0);
	text = read_file(dir, "rules/50-vpn-endpoint.nft");
	assert_contains(text, "\t\t# off: iifname $WAN_IF udp dport $WG_PORT");
	free(text);
	assert_int_equal(policy_tree_open(t, dir, true, &e), 0);
	assert_true(t->v.wg_port_closed);
	assert_int_equal(policy_tree_render(t, &t->v, &e), 0);
	assert_int_equal(policy_tree_changed(t), 0);
	policy_tree_close(t);

	rm_tree(dir);
	dir = make_tmpdir();
	v->wg_port_closed = false;
	assert_int_equal(policy_write_tree(v, dir, 0, &e), 0);
	drop_line(dir, "rules/50-vpn-endpoint.nft", "\t\t# xnft-init: wg-rules\n");
	drop_line(dir, "intents", "# xnft-init: wg-intents\n");
	assert_int_equal(policy_tree_open(t, dir, true, &e), 0);
	assert_false(t->v.wg_port_closed);
	policy_tree_close(t);
	free(v);
	free(t);
	rm_tree(dir);
}

/* A directory without xnft's markers is refused, and nothing is written. */
static void test_tree_not_xnft(void **s)
{
	char *dir = make_tmpdir();
	struct policy_tree *t = calloc(1, sizeof(*t));
	struct xerr e;

	(void)s;
	append(dir, "nftables.conf", "table inet filter {}\n");
	assert_int_equal(policy_tree_open(t, dir, true, &e), -1);
	assert_contains(e.msg, "not a policy tree written by xnft init");
	policy_tree_close(t);
	assert_int_equal(policy_tree_open(t, "/nonexistent/xnft", true, &e), -1);
	policy_tree_close(t);
	free(t);
	rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_iface),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_mesh),
		cmocka_unit_test(test_mesh_limit),
		cmocka_unit_test(test_admin),
		cmocka_unit_test(test_service),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_bogon_exempt_values),
		cmocka_unit_test(test_render_defaults_is_identity),
		cmocka_unit_test(test_render_defines),
		cmocka_unit_test(test_render_lists),
		cmocka_unit_test(test_render_bogons),
		cmocka_unit_test(test_render_services),
		cmocka_unit_test(test_render_broken_markers),
		cmocka_unit_test(test_render_region),
		cmocka_unit_test(test_check_markers),
		cmocka_unit_test(test_render_embedded),
		cmocka_unit_test(test_write_tree),
		cmocka_unit_test(test_tree_round_trip),
		cmocka_unit_test(test_tree_not_xnft),
		cmocka_unit_test(test_tree_wg_port_closed),
		cmocka_unit_test(test_refuse_and_force),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_write_embedded),
		cmocka_unit_test(test_detect_wan),
		cmocka_unit_test(test_cmd_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
