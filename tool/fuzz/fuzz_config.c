// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the config file parser (daemon/config.c): the
 * file is written by people, and a reload must never crash the daemon.
 * Beyond memory safety and leaks (ASan, LeakSanitizer, UBSan) it checks
 * that a refusal always says FILE:LINE: or FILE:, that whatever is
 * accepted passes config_validate(), that a config differs from itself
 * in nothing, that a peer can be found by its node id and a tunnel by
 * its name ([tunnel NAME] sections go through tunnel/conf.c).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CONFIG_ERR_LEN] = "";
	struct config_diff d;
	struct config c;
	unsigned int i;

	if (config_parse("f", (const char *)data, size, &c, err,
			 sizeof(err))) {
		if (strncmp(err, "f:", 2))
			abort();
		return 0;
	}
	if (config_validate(&c, err, sizeof(err)))
		abort();
	if (config_diff(&c, &c, &d))
		abort();
	if (d.device || d.n_added || d.n_removed || d.n_changed)
		abort();
	config_diff_free(&d);
	for (i = 0; i < c.n_peers; i++)
		if (config_peer_find(&c, c.peers[i].node_id) != &c.peers[i])
			abort();
	for (i = 0; i < c.n_tunnels; i++)
		if (config_tunnel_find(&c, c.tunnels[i].conf.name) !=
		    &c.tunnels[i] ||
		    !config_tunnel_equal(&c.tunnels[i], &c.tunnels[i]))
			abort();
	config_free(&c);
	return 0;
}
