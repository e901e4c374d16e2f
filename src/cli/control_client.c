// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's control socket, client side: see control_client.h.
 */
#include "cli/control_client.h"

#include <stdio.h>
#include <stdlib.h>

#include "daemon/control.h"
#include "cli/json.h"
#include "daemon/config.h"
#include "core/err.h"

static int socket_path(const char *socket, const char *config, char *buf, size_t size,
		       struct xerr *e)
{
	if (socket) {
		snprintf(buf, size, "%s", socket);
		return 0;
	}
	return config_socket_of(config, buf, size, e);
}

/* A reply that says no: its error and hint, exit 1. */
static json_t *refused(json_t *j, int *rc)
{
	const char *err = json_string_value(json_object_get(j, "error"));
	const char *hint = json_string_value(json_object_get(j, "hint"));
	struct xerr e;

	xerr_set(&e, XNFT_EXIT_FINDINGS, "%s", err ? err : "refused");
	xerr_hint(&e, "%s", hint ? hint : "");
	cli_error(&e);
	json_decref(j);
	*rc = XNFT_EXIT_FINDINGS;
	return NULL;
}

json_t *cli_daemon_ask(const char *socket, const char *config, const char *req, int *rc)
{
	char path[CONFIG_PATH_MAX], *text;
	struct xerr e;
	json_t *j;

	if (socket_path(socket, config, path, sizeof(path), &e) < 0) {
		cli_error(&e);
		*rc = e.code;
		return NULL;
	}
	if (control_request(path, req, &text, &e) < 0) {
		cli_error(&e);
		*rc = XNFT_EXIT_USAGE;
		return NULL;
	}
	j = json_loads(text, 0, NULL);
	free(text);
	if (!j) {
		xerr_set(&e, XNFT_EXIT_USAGE, "unreadable reply from the daemon at %s", path);
		cli_error(&e);
		*rc = XNFT_EXIT_USAGE;
		return NULL;
	}
	if (!json_is_true(json_object_get(j, "ok")))
		return refused(j, rc);
	*rc = XNFT_EXIT_OK;
	return j;
}
