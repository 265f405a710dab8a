// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the daemon's directory cache decoder
 * (daemon/directory.c, directory.json), which a start reads whatever a
 * crash or a disk left in it.  Beyond memory safety (ASan, UBSan) it
 * checks that a refusal says why and leaves an empty directory; that what
 * is accepted keeps the promises of struct directory (ids nonzero, sorted
 * and unique, 1..CERT_MAX_ADDRS host prefixes, no endpoint when
 * relay-only); that it re-encodes to a text that decodes to the same
 * nodes; and that a merge over it gives a list config_validate() takes.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/directory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct directory d = { 0 }, back = { 0 };
	char why[DIR_ERR_LEN] = "", err[CONFIG_ERR_LEN], *json;
	struct config_peer *peers = NULL;
	struct config c = { 0 };
	unsigned int n = 0;
	int64_t saved = 0;
	size_t i;

	if (dir_cache_decode((const char *)data, size, &d, &saved, why)) {
		if (!why[0] || d.n)
			abort();
		return 0;
	}
	for (i = 0; i < d.n; i++) {
		const struct dir_node *x = &d.nodes[i];

		if (!x->node_id || (i && x->node_id <= d.nodes[i - 1].node_id) ||
		    !x->n_allowed || x->n_allowed > CERT_MAX_ADDRS ||
		    (x->relay_only && x->endpoint.ss_family))
			abort();
	}
	json = dir_cache_encode(&d, saved);
	if (!json)
		abort();
	if (dir_cache_decode(json, strlen(json), &back, &saved, why) ||
	    back.n != d.n || back.version != d.version)
		abort();
	for (i = 0; i < d.n; i++)
		if (back.nodes[i].node_id != d.nodes[i].node_id ||
		    back.nodes[i].n_allowed != d.nodes[i].n_allowed ||
		    memcmp(back.nodes[i].public_key, d.nodes[i].public_key,
			   CERT_KEY_LEN))
			abort();
	if (!dir_merge(NULL, 0, &d, &peers, &n)) {
		c.listen_port = 1;
		c.identity = (char *)"/k";
		c.certificate = (char *)"/c";
		c.rekey_after = CONFIG_REKEY_DEFAULT;
		c.peers = peers;
		c.n_peers = n;
		if (n <= 1024 && config_validate(&c, err, sizeof(err)))
			abort();
		dir_peers_free(peers, n);
	}
	free(json);
	dir_free(&d);
	dir_free(&back);
	return 0;
}
