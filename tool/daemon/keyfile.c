// SPDX-License-Identifier: GPL-2.0
/*
 * Identity key files and certificate files (see keyfile.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cert.h"
#include "keyfile.h"

#define KEY_B64		sodium_base64_VARIANT_ORIGINAL
#define KEY_FILE_MAX	256	/* a key file is 45 bytes; refuse junk */
#define CERT_FILE_MAX	4096	/* an armored certificate is < 1100 */

int identity_generate(struct identity *id)
{
	if (sodium_init() < 0)
		return -1;
	crypto_sign_keypair(id->pk, id->sk);
	return 0;
}

void identity_wipe(struct identity *id)
{
	sodium_memzero(id, sizeof(*id));
}

void key_b64(const uint8_t *key, char *out)
{
	sodium_bin2base64(out, KEY_B64_LEN + 1, key, 32, KEY_B64);
}

void identity_seed_b64(const struct identity *id, char *out)
{
	key_b64(id->sk, out);		/* the seed is the first half */
}

int key_from_b64(const char *s, uint8_t *key)
{
	uint8_t buf[33];
	size_t n;
	int err = 0;

	if (strlen(s) != KEY_B64_LEN ||
	    sodium_base642bin(buf, sizeof(buf), s, KEY_B64_LEN, NULL, &n,
			      NULL, KEY_B64) || n != 32)
		err = -1;
	else
		memcpy(key, buf, 32);
	sodium_memzero(buf, sizeof(buf));
	return err;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

int identity_parse(const char *text, size_t len, struct identity *id,
		   const char **why)
{
	char b64[KEY_B64_LEN + 1];
	uint8_t seed[KEY_SEED_LEN];
	int err = -1;

	while (len && is_blank(text[len - 1]))
		len--;
	if (len != KEY_B64_LEN || memchr(text, '\0', len)) {
		*why = "not a key (expected 32 bytes in standard base64)";
		return -1;
	}
	memcpy(b64, text, len);
	b64[len] = '\0';
	if (key_from_b64(b64, seed)) {
		*why = "not a key (expected 32 bytes in standard base64)";
	} else if (sodium_init() < 0) {
		*why = "cannot initialize libsodium";
	} else {
		crypto_sign_seed_keypair(id->pk, id->sk, seed);
		err = 0;
	}
	sodium_memzero(b64, sizeof(b64));
	sodium_memzero(seed, sizeof(seed));
	return err;
}

/* Read at most @max bytes of @fd into @buf (@max + 1 bytes); -1 if more. */
static ssize_t read_small(int fd, char *buf, size_t max)
{
	ssize_t n, len = 0;

	do {
		n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		len += n;
	} while (n && (size_t)len <= max);
	if ((size_t)len > max) {
		errno = EFBIG;
		return -1;
	}
	return len;
}

/* Check that @fd is a regular file only its owner may access. */
static int check_mode(int fd, const char *path, char *err)
{
	struct stat st;

	if (fstat(fd, &st)) {
		snprintf(err, KEY_ERR_LEN, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, KEY_ERR_LEN, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_mode & 0077) {
		snprintf(err, KEY_ERR_LEN,
			 "%s: key file readable or writable by group or others (mode %04o): chmod 600 it",
			 path, (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int identity_load(const char *path, struct identity *id, char *err)
{
	char buf[KEY_FILE_MAX + 1];
	const char *why;
	ssize_t len;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, KEY_ERR_LEN, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (check_mode(fd, path, err))
		goto out;
	len = read_small(fd, buf, KEY_FILE_MAX);
	if (len < 0)
		snprintf(err, KEY_ERR_LEN, "%s: %s", path,
			 errno == EFBIG ? "not a key (too long)" :
					  strerror(errno));
	else if (identity_parse(buf, len, id, &why))
		snprintf(err, KEY_ERR_LEN, "%s: %s", path, why);
	else
		ret = 0;
	sodium_memzero(buf, sizeof(buf));
out:
	close(fd);
	return ret;
}

int cert_load(const char *path, struct cert *c, char *err)
{
	char text[CERT_FILE_MAX + 1];
	uint8_t bin[CERT_MAX_LEN];
	const char *why = NULL;
	ssize_t len;
	size_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, KEY_ERR_LEN, "%s: %s", path, strerror(errno));
		return -1;
	}
	len = read_small(fd, text, CERT_FILE_MAX);
	close(fd);
	if (len < 0) {
		snprintf(err, KEY_ERR_LEN, "%s: %s", path, errno == EFBIG ?
			 "not a certificate (too long)" : strerror(errno));
		return -1;
	}
	if (cert_dearmor(text, len, bin, sizeof(bin), &n, &why) ||
	    cert_decode(bin, n, c, &why) != CERT_OK) {
		snprintf(err, KEY_ERR_LEN, "%s: malformed certificate: %s",
			 path, why);
		return -1;
	}
	return 0;
}
