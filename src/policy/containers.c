// SPDX-License-Identifier: GPL-2.0-or-later
/* xnft init --containers: the bridge rules of the forward chain, enabled in a written policy. */
#include "policy/containers.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fdio.h"
#include "policy/values.h"

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
static char *enable_rules(char *text, unsigned mask, const char *path, const char *by,
			  struct xerr *e)
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
			 "\"forward: %s to the internet (%s %s)\"\n", find, managers[i].what, by,
			 managers[i].name);
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
	out = enable_rules(text, mask, path, "xnft init --containers", e);
	free(text);
	if (!out)
		return -1;
	if (fd_replace_file(path, out, strlen(out), 0644))
		rc = xerr_set(e, 2, "%s: cannot write: %s", path, strerror(errno));
	free(out);
	return rc;
}

size_t policy_containers_count(void)
{
	return NMANAGERS;
}

const char *policy_containers_name(size_t i)
{
	return i < NMANAGERS ? managers[i].name : NULL;
}

const char *policy_containers_bridge(size_t i)
{
	return i < NMANAGERS ? managers[i].bridge : NULL;
}

/* The first rule line (not a comment) in text that lets bridge br out, or NULL. */
static char *enabled_rule(char *text, const char *br)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "iifname \"%s\" oifname $WAN_IF ct state new", br);
	for (char *hit = strstr(text, needle); hit; hit = strstr(hit + 1, needle)) {
		char *p = hit;

		while (p > text && (p[-1] == ' ' || p[-1] == '\t'))
			p--;
		if (p == text || p[-1] == '\n')
			return hit;
	}
	return NULL;
}

unsigned policy_containers_enabled(const char *text)
{
	unsigned mask = 0;

	for (size_t i = 0; i < NMANAGERS; i++)
		if (enabled_rule((char *)text, managers[i].bridge))
			mask |= 1u << i;
	return mask;
}

/* The example line as the policy ships it, once enabled: put its "# " back. */
static bool is_shipped_example(const char *rule, size_t len)
{
	return memmem(rule, len, "comment \"forward: containers to the internet\"", 45) ||
	       memmem(rule, len, "comment \"forward: LXD containers to the internet\"", 49);
}

/* Disable every rule line of bridge br in text (in place; text only shrinks or gains "# "). */
static char *disable_rule(char *text, const char *br)
{
	char *hit;

	while ((hit = enabled_rule(text, br)) != NULL) {
		char *end = strchr(hit, '\n'), *start = hit, *out;
		size_t len = end ? (size_t)(end - hit) : strlen(hit), size = strlen(text) + 3;

		while (start > text && start[-1] != '\n')
			start--;
		out = malloc(size);
		if (!out)
			return free(text), NULL;
		if (is_shipped_example(hit, len))   /* the "# " goes back in front of it */
			snprintf(out, size, "%.*s# %s", (int)(hit - text), text, hit);
		else                                /* the whole line goes */
			snprintf(out, size, "%.*s%s", (int)(start - text), text, end ? end + 1 : "");
		free(text);
		text = out;
	}
	return text;
}

static struct policy_tree_file *forward_file(struct policy_tree *t, struct xerr *e)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->f[i].rel, POLICY_FORWARD_FILE) && t->f[i].new)
			return &t->f[i];
	xerr_set(e, XNFT_EXIT_USAGE, "%s/%s: the tree has no forward chain file", t->dir,
		 POLICY_FORWARD_FILE);
	return xerr_hint(e, "xnft init writes it; a tree without it takes hand-written forward "
			 "rules"), NULL;
}

int policy_containers_change(struct policy_tree *t, unsigned add, unsigned del, struct xerr *e)
{
	struct policy_tree_file *f = forward_file(t, e);
	char *text, *out;

	if (!f)
		return -1;
	text = strdup(f->new);
	for (size_t i = 0; text && i < NMANAGERS; i++)
		if (del & (1u << i))
			text = disable_rule(text, managers[i].bridge);
	if (!text)
		return xerr_set(e, XNFT_EXIT_USAGE, "out of memory");
	out = add ? enable_rules(text, add, f->rel, "xnft containers add", e) : text;
	if (out != text)
		free(text);
	if (!out)
		return -1;
	free(f->new);
	f->new = out;
	return 0;
}
