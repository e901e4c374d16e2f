// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Service names and their IANA ports (the ones a mesh host typically
 * serves). One protocol per name: a service on both, like DNS, is allowed
 * once per protocol with PROTO/PORT.
 */
#include "policy/catalog.h"

#include <string.h>

#include "core/didyoumean.h"

static const struct catalog_entry entries[] = {
	{ "ssh",           "tcp", 22,    "SSH (already open to mesh peers on SSH_PORT)" },
	{ "http",          "tcp", 80,    "HTTP" },
	{ "https",         "tcp", 443,   "HTTPS" },
	{ "dns",           "udp", 53,    "DNS resolver" },
	{ "ntp",           "udp", 123,   "NTP" },
	{ "smtp",          "tcp", 25,    "SMTP" },
	{ "submission",    "tcp", 587,   "mail submission" },
	{ "imaps",         "tcp", 993,   "IMAP over TLS" },
	{ "mysql",         "tcp", 3306,  "MySQL / MariaDB" },
	{ "postgres",      "tcp", 5432,  "PostgreSQL" },
	{ "redis",         "tcp", 6379,  "Redis" },
	{ "mqtt",          "tcp", 1883,  "MQTT" },
	{ "grafana",       "tcp", 3000,  "Grafana" },
	{ "loki",          "tcp", 3100,  "Loki" },
	{ "prometheus",    "tcp", 9090,  "Prometheus" },
	{ "node-exporter", "tcp", 9100,  "Prometheus node exporter" },
	{ "syncthing",     "tcp", 22000, "Syncthing" },
	{ NULL, NULL, 0, NULL },
};

const struct catalog_entry *catalog_find(const char *name)
{
	for (const struct catalog_entry *c = entries; c->name; c++) {
		if (!strcmp(c->name, name))
			return c;
	}
	return NULL;
}

const char *catalog_suggest(const char *name)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (const struct catalog_entry *c = entries; c->name; c++) {
		unsigned d = edit_distance(name, c->name, 3);

		if (d < best_d) {
			best_d = d;
			best = c->name;
		}
	}
	return best;
}

const struct catalog_entry *catalog_all(void)
{
	return entries;
}
