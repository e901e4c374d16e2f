// SPDX-License-Identifier: GPL-2.0-or-later
#include "apply/last.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply_int.h"
#include "apply/state.h"

/* The guard's last "revert" line for this apply: it says why. */
static void revert_reason(struct apply_last *l)
{
	struct journal_entry *v;
	struct xerr ignored;
	size_t n;

	if (journal_read(&v, &n, &ignored))
		return;
	for (size_t i = n; i-- > 0;) {
		if (!strcmp(v[i].id, l->id) && !strcmp(v[i].step, "revert")) {
			snprintf(l->why, sizeof(l->why), "%s", v[i].msg);
			break;
		}
	}
	free(v);
}

int apply_last(struct apply_last *l, struct xerr *e)
{
	char *text = NULL;

	memset(l, 0, sizeof(*l));
	if (!state_exists(ST_APPLIED))
		return 1;
	if (state_read(ST_APPLIED, &text, NULL, e))
		return -1;
	kv_get(text, "id", l->id, sizeof(l->id));
	kv_get(text, "policy", l->policy, sizeof(l->policy));
	kv_get(text, "state", l->state, sizeof(l->state));
	l->at = (time_t)kv_get_ll(text, "time", 0);
	free(text);
	if (apply_last_reverted(l))
		revert_reason(l);
	return 0;
}

bool apply_last_reverted(const struct apply_last *l)
{
	return !strncmp(l->state, "reverted", 8);
}
