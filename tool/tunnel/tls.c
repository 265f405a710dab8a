// SPDX-License-Identifier: GPL-2.0
/*
 * TCP tunnels: TLS on the listener, with OpenSSL.  TLS 1.2 or newer; with
 * a client CA the client must present a certificate that CA verifies
 * (mTLS), else the handshake fails and the client is dropped before any
 * backend is dialed.  Non-blocking throughout: the calls here map
 * OpenSSL's WANT_READ/WANT_WRITE to EAGAIN for pump.c.
 */

#include <errno.h>
#include <stdio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "internal.h"

static void ssl_err(char *err, size_t errlen, const char *what,
		    const char *file)
{
	unsigned long e = ERR_get_error();
	char buf[160] = "";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s %s: %s", what, file, buf);
	ERR_clear_error();
}

SSL_CTX *tls_ctx_new(const char *cert, const char *key, const char *ca,
		     char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		ssl_err(err, errlen, "TLS", "context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF |
			    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			 SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_err(err, errlen, "tls-cert", cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_err(err, errlen, "tls-key", key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_err(err, errlen, "tls-key", key);
		goto fail;
	}
	if (ca && *ca) {
		STACK_OF(X509_NAME) *names;

		if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
			ssl_err(err, errlen, "tls-client-ca", ca);
			goto fail;
		}
		names = SSL_load_client_CA_file(ca);
		if (names)
			SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
				   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void tls_ctx_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

SSL *tls_new(SSL_CTX *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);

	if (!ssl)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_accept_state(ssl);
	return ssl;
}

void tls_free(SSL *ssl)
{
	SSL_free(ssl);
	ERR_clear_error();
}

int tls_handshake(SSL *ssl)
{
	int r = SSL_do_handshake(ssl);

	if (r == 1)
		return 1;
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return 0;
	default:
		ERR_clear_error();
		return -1;
	}
}

static ssize_t result(SSL *ssl, int r)
{
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		ERR_clear_error();
		errno = ECONNRESET;
		return -1;
	}
}

ssize_t tls_read(SSL *ssl, void *buf, size_t len)
{
	size_t n = 0;
	int r = SSL_read_ex(ssl, buf, len, &n);

	return r == 1 ? (ssize_t)n : result(ssl, r);
}

ssize_t tls_write(SSL *ssl, const void *buf, size_t len)
{
	size_t n = 0;
	int r = SSL_write_ex(ssl, buf, len, &n);

	return r == 1 ? (ssize_t)n : result(ssl, r);
}

void tls_shutdown(SSL *ssl)
{
	/* Our close_notify; the client may go on sending (half-close). */
	SSL_shutdown(ssl);
	ERR_clear_error();
}
