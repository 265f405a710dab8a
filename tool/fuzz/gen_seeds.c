// SPDX-License-Identifier: GPL-2.0
/*
 * gen_seeds DIR: write fuzz_noise's seed corpus, a genuine message 1 and
 * message 2 for its fixed keys and a few tamper inputs, one file each.
 * It #includes the harness to share its keys.
 */

#include <stdio.h>

#include "fuzz_noise.c"

static int put(const char *dir, const char *name, uint8_t mode,
	       const uint8_t *d, size_t n)
{
	char path[4096];
	FILE *fp;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (!fp) {
		perror(path);
		return -1;
	}
	ret = fputc(mode, fp) == EOF || fwrite(d, 1, n, fp) != n;
	if (fclose(fp) || ret) {
		perror(path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t reply[] = "fuzz reply";
	static const uint8_t tamper1[] = { 0x00, 0x00 };
	static const uint8_t tamper2[] = { 0x01, 0x07, 'r', 'e', 'p' };
	const struct fixture *f = fixture();
	uint8_t msg2[NOISE_IK_MSG2_OVERHEAD + sizeof(reply)], pl[64];
	struct noise_handshake hs;
	size_t len2, got;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds DIR\n");
		return 2;
	}
	responder(f, &hs);
	check(!noise_ik_read(&hs, f->msg1, f->len1, pl, sizeof(pl), &got));
	check(!noise_ik_write(&hs, reply, sizeof(reply), msg2, sizeof(msg2),
			      &len2));
	noise_handshake_wipe(&hs);
	return put(argv[1], "msg1", MODE_READ1, f->msg1, f->len1) ||
	       put(argv[1], "msg2", MODE_READ2, msg2, len2) ||
	       put(argv[1], "tamper1", MODE_TAMPER, tamper1, sizeof(tamper1)) ||
	       put(argv[1], "tamper2", MODE_TAMPER, tamper2, sizeof(tamper2));
}
