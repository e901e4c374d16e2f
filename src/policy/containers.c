// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft init --containers: the bridge rules of the forward chain, enabled in a written policy. */
#include "policy/containers.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fdio.h"

struct container_manager {
	const char *name;
	const char *bridge;   /* the bridge it creates by default */
	const char *what;     /* in the rule's comment */
};

static const struct container_manager managers[] = {
	{ "docker", "docker0", "Docker containers" },
	{ "podman", "podman0", "Podman containers" },
	{ "libvirt", "virbr0", "libvirt VMs" },
	{ "lxd", "lxdbr0", "LXD containers" },
	{ "incus", "incusbr0", "Incus containers" },
};

#define NMANAGERS (sizeof(managers) / sizeof(managers[0]))

int policy_containers_add(unsigned *mask, const char *name, struct xerr *e)
{
	for (size_t i = 0; i < NMANAGERS; i++)
		if (!strcmp(name, managers[i].name)) {
			*mask |= 1u << i;
			return 0;
		}
	xerr_set(e, 1, "--containers %s: not a container manager xnft knows", name);
	return xerr_hint(e, "give one of docker, podman, libvirt, lxd, incus (repeat the option "
			 "for more than one)");
}

/* The commented example line for bridge br ("# iifname \"docker0\" ..."), or NULL. */
static char *commented_rule(char *text, const char *br)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "# iifname \"%s\" oifname $WAN_IF", br);
	return strstr(text, needle);
}

static int read_forward(const char *path, char **text, struct xerr *e)
{
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return xerr_set(e, 2, "%s: %s", path, strerror(errno)),
		       xerr_hint(e, "write the policy first (xnft init DIR)");
	rc = fd_read_all(fd, 1 << 20, text, &len);
	close(fd);
	if (rc)
		return xerr_set(e, 2, "%s: cannot read it", path);
	return 0;
}

/* text with each selected manager's rule enabled (malloc'd); NULL when out of memory. */
static char *enable_rules(char *text, unsigned mask, const char *path, struct xerr *e)
{
	size_t cap = strlen(text) + NMANAGERS * 200 + 1;
	char *out = malloc(cap), *drop = strstr(text, "XNFT-FWD-DROP"), *line;

	if (!out)
		return xerr_set(e, 2, "out of memory"), NULL;
	for (size_t i = 0; i < NMANAGERS; i++) {
		char *c = (mask & (1u << i)) ? commented_rule(text, managers[i].bridge) : NULL;

		if (c)   /* the rule as shipped, without its "# " */
			memmove(c, c + 2, strlen(c + 2) + 1);
	}
	if (!drop) {
		free(out);
		return xerr_set(e, 1, "%s: no forward drop rule (XNFT-FWD-DROP) to add the "
				"bridge rules above", path), NULL;
	}
	line = drop;
	while (line > text && line[-1] != '\n')
		line--;
	snprintf(out, cap, "%.*s", (int)(line - text), text);
	for (size_t i = 0; i < NMANAGERS; i++) {
		char find[64];

		snprintf(find, sizeof(find), "iifname \"%s\" oifname $WAN_IF ct state new",
			 managers[i].bridge);
		if (!(mask & (1u << i)) || strstr(text, find))
			continue;
		snprintf(out + strlen(out), cap - strlen(out), "\t\t%s counter accept comment "
			 "\"forward: %s to the internet (xnft init --containers %s)\"\n", find,
			 managers[i].what, managers[i].name);
	}
	snprintf(out + strlen(out), cap - strlen(out), "%s", line);
	return out;
}

int policy_containers_write(const char *dir, unsigned mask, struct xerr *e)
{
	char path[PATH_MAX];
	char *text = NULL, *out;
	int rc = 0;

	if (!mask)
		return 0;
	snprintf(path, sizeof(path), "%s/" POLICY_FORWARD_FILE, dir);
	if (read_forward(path, &text, e))
		return -1;
	out = enable_rules(text, mask, path, e);
	free(text);
	if (!out)
		return -1;
	if (fd_replace_file(path, out, strlen(out), 0644))
		rc = xerr_set(e, 2, "%s: cannot write: %s", path, strerror(errno));
	free(out);
	return rc;
}
