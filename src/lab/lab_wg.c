// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * WireGuard for the lab: keys made with libsodium (the same Curve25519 keys
 * `wg genkey` makes), and wireguard-go, since the kernel here has no
 * WireGuard module. wireguard-go's control sockets all live in
 * /var/run/wireguard, whatever the namespace, hence the distinct names.
 */
#include "lab/lab.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/spawn.h"

#define WG_RUN_DIR "/var/run/wireguard"

int lab_wg_genkey(struct lab_wg_keys *k, struct xerr *e)
{
	unsigned char sk[crypto_scalarmult_curve25519_SCALARBYTES];
	unsigned char pk[crypto_scalarmult_curve25519_BYTES];

	if (sodium_init() < 0)
		return xerr_set(e, 2, "libsodium failed to initialise");
	randombytes_buf(sk, sizeof(sk));
	/* Clamp as Curve25519 and wg(8) do. */
	sk[0] &= 248;
	sk[31] &= 127;
	sk[31] |= 64;
	if (crypto_scalarmult_curve25519_base(pk, sk)) {
		sodium_memzero(sk, sizeof(sk));
		return xerr_set(e, 2, "Curve25519 public key derivation failed");
	}
	sodium_bin2base64(k->priv, sizeof(k->priv), sk, sizeof(sk),
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(k->pub, sizeof(k->pub), pk, sizeof(pk),
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(sk, sizeof(sk));
	return 0;
}

int lab_wg_write_key(const char *path, const struct lab_wg_keys *k, struct xerr *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return xerr_set(e, 2, "cannot create key file %s: %s", path, strerror(errno));
	/* O_CREAT's mode does not apply to a file that was already there. */
	if (fchmod(fd, 0600)) {
		int err = errno;
		close(fd);
		return xerr_set(e, 2, "cannot chmod 0600 %s: %s", path, strerror(err));
	}
	size_t len = strlen(k->priv);
	if (write(fd, k->priv, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		int err = errno;
		close(fd);
		return xerr_set(e, 2, "cannot write key file %s: %s", path, strerror(err));
	}
	if (close(fd))
		return xerr_set(e, 2, "cannot write key file %s: %s", path, strerror(errno));
	return 0;
}

int lab_wg_start(const char *ns, const char *iface, const char *log_path, pid_t *pid,
		 struct xerr *e)
{
	/* `ip netns exec` execs wireguard-go in place: the PID is wireguard-go's. */
	char *argv[] = { "ip", "netns", "exec", (char *)ns, "wireguard-go", "-f",
			 (char *)iface, NULL };

	if (spawn_start(argv, log_path, pid, e))
		return xerr_wrap(e, "starting wireguard-go for %s in %s", iface, ns);
	return 0;
}

static void uapi_path(const char *iface, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), WG_RUN_DIR "/%s.sock", iface);
}

int lab_wg_in_use(const char *iface)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ok;

	if (fd < 0)
		return 0;
	uapi_path(iface, &a);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

int lab_wg_clear_stale(const char *iface, struct xerr *e)
{
	struct sockaddr_un a;
	struct stat sb;

	uapi_path(iface, &a);
	if (lstat(a.sun_path, &sb))
		return 0;
	if (lab_wg_in_use(iface)) {
		xerr_set(e, 2, "a WireGuard interface named %s is already running (%s answers)",
			 iface, a.sun_path);
		return xerr_hint(e, "stop it, or run 'xnft lab down' if it is a lab left over");
	}
	if (!S_ISSOCK(sb.st_mode))
		return xerr_set(e, 2, "%s exists and is not a socket; not touching it", a.sun_path);
	if (unlink(a.sun_path) && errno != ENOENT)
		return xerr_set(e, 2, "cannot remove stale %s: %s", a.sun_path, strerror(errno));
	return 0;
}

/* Last line of a log file, for "wireguard-go exited: <why>". */
void lab_log_tail(const char *path, char *buf, size_t len)
{
	char tmp[2048];
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;

	buf[0] = '\0';
	if (fd < 0)
		return;
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof(tmp) - 1 ? size - (off_t)sizeof(tmp) + 1 : 0;
	ssize_t n = pread(fd, tmp, sizeof(tmp) - 1, from);
	close(fd);
	if (n <= 0)
		return;
	tmp[n] = '\0';
	while (n > 0 && (tmp[n - 1] == '\n' || tmp[n - 1] == ' '))
		tmp[--n] = '\0';
	char *last = strrchr(tmp, '\n');
	snprintf(buf, len, "%s", last ? last + 1 : tmp);
}

int lab_wg_wait_ready(const char *iface, pid_t pid, int timeout_ms, lab_stop_flag *stop,
		      const char *log_path, struct xerr *e)
{
	struct timespec step = { 0, 20 * 1000 * 1000 };

	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		int status;
		if (lab_wg_in_use(iface))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			char tail[256];
			lab_log_tail(log_path, tail, sizeof(tail));
			xerr_set(e, 2, "wireguard-go for %s exited before it was ready%s%s", iface,
				 *tail ? ": " : "", tail);
			return xerr_hint(e, "wireguard-go comes in the Debian package wireguard-go "
					 "and needs /dev/net/tun");
		}
		if (stop && *stop)
			return xerr_set(e, 2, "interrupted");
		nanosleep(&step, NULL);
	}
	char tail[256];
	lab_log_tail(log_path, tail, sizeof(tail));
	return xerr_set(e, 2, "wireguard-go for %s did not open its control socket within %d ms%s%s",
			iface, timeout_ms, *tail ? "; its log ends: " : "", tail);
}

int lab_wg_latest_handshake(const char *ns, const char *iface, long long *when,
			    struct xerr *e)
{
	char *argv[] = { "ip", "netns", "exec", (char *)ns, "wg", "show", (char *)iface,
			 "latest-handshakes", NULL };
	char *out = NULL;

	*when = 0;
	if (spawn_capture(argv, &out, e))
		return -1;
	/* One "<public key>\t<unix seconds>" line per peer. */
	for (char *line = out; line && *line;) {
		char *nl = strchr(line, '\n');
		char *tab = strchr(line, '\t');
		if (tab && (!nl || tab < nl)) {
			long long t = strtoll(tab + 1, NULL, 10);
			if (t > *when)
				*when = t;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(out);
	return 0;
}
