// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the registry's wire formats (registry/wire.c):
 * the JSON bodies the server turns into structs (enroll, register, beacon
 * announce, session) and those the client turns into structs (enrollment,
 * sync, beacon list, errors, session), all from the network.  The first byte picks the
 * parser, the rest is the body.  Beyond memory safety (ASan, UBSan) it
 * checks what the server relies on: a parser that refuses says why, and
 * what it accepts is within its bounds (NUL-terminated, canonical
 * endpoints that parse again, valid beacon addresses).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../registry/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(bool cond)
{
	if (!cond)
		abort();
}

static void requests(uint8_t which, const char *body, size_t len)
{
	struct reg_register_req rr;
	struct reg_enroll_req er;
	struct reg_beacon_req br;
	struct sockaddr_storage ss;
	const char *why = NULL;
	unsigned int i;

	switch (which % 4) {
	case 0:
		if (reg_parse_enroll(body, len, &er, &why))
			break;
		must(memchr(er.token, '\0', sizeof(er.token)) && er.token[0]);
		return;
	case 1:
		if (reg_parse_register(body, len, &rr, &why))
			break;
		must(rr.n_endpoints <= REG_MAX_ENDPOINTS);
		for (i = 0; i < rr.n_endpoints; i++)
			must(!parse_endpoint(rr.endpoints[i], &ss));
		return;
	case 2:
		if (reg_parse_beacon(body, len, &br, &why))
			break;
		must(reg_beacon_addr_valid(br.address) && br.token[0]);
		return;
	case 3:
		if (reg_parse_session_req(body, len, &why))
			break;
		return;
	}
	must(why != NULL);
}

static void answers(uint8_t which, const char *body, size_t len)
{
	struct reg_enrollment e;
	struct reg_beacons b;
	struct reg_session ss;
	struct reg_sync s;
	char code[64], msg[256];
	const char *why = NULL;
	size_t i;

	switch ((which & 0x7f) % 5) {
	case 0:
		if (reg_parse_enroll_resp(body, len, &e, &why))
			break;
		must(e.cert.node_id == e.node_id);
		return;
	case 1:
		if (reg_parse_sync_resp(body, len, &s, &why))
			break;
		for (i = 0; i < s.n_nodes; i++)
			must(s.nodes[i].n_endpoints <= REG_MAX_ENDPOINTS &&
			     s.nodes[i].cert.node_id == s.nodes[i].node_id);
		reg_sync_free(&s);
		return;
	case 2:
		if (reg_parse_beacons_resp(body, len, &b, &why))
			break;
		for (i = 0; i < b.n; i++)
			must(reg_beacon_addr_valid(b.addrs[i]));
		reg_beacons_free(&b);
		return;
	case 3:
		if (!reg_parse_error(body, len, code, sizeof(code), msg,
				     sizeof(msg)))
			must(memchr(code, '\0', sizeof(code)) != NULL);
		return;
	case 4:
		if (reg_parse_session_resp(body, len, &ss, &why))
			break;
		must(reg_session_id_valid(ss.id) && ss.ttl > 0);
		return;
	}
	must(why != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body;

	if (!size)
		return 0;
	/* A copy of exactly the body: ASan sees any read past its end. */
	body = malloc(size - 1 ? size - 1 : 1);
	if (!body)
		return 0;
	memcpy(body, data + 1, size - 1);
	if (data[0] < 0x80)
		requests(data[0], body, size - 1);
	else
		answers(data[0], body, size - 1);
	free(body);
	return 0;
}
