// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The client side of the daemon's control socket, shared by the commands
 * that talk to a running daemon (xnft daemon --status/--reload, xnft bans).
 */
#ifndef XNFT_CLI_CONTROL_CLIENT_H
#define XNFT_CLI_CONTROL_CLIENT_H

#include <jansson.h>

/*
 * Send req to the daemon (socket: --socket, else config's [daemon] socket,
 * else the default) and return its parsed reply. A failure, or a reply that
 * is not ok, is printed (cli_error) and gives NULL with *rc the exit code.
 */
json_t *cli_daemon_ask(const char *socket, const char *config, const char *req, int *rc);

#endif
