/*
 * net.c — TLS 1.3 with pinned Ed25519 keys, and length-prefixed frames
 * (see net.h). OpenSSL does the TLS; this file bounds every wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "entente/log.h"
#include "entente/psi.h"
#include "net.h"

struct conn {
	int fd;
	SSL *ssl;
	int server;           /* the side that accepted */
	crypto_hash_sha256_state transcript;
	int64_t deadline;     /* ms, monotonic: the whole connection */
	int idle_ms;
	uint8_t peer[32];
};

size_t
frame_cap(int type)
{
	switch (type) {
	case FRAME_HELLO: return HELLO_LEN;
	case FRAME_ACCEPT: return 8;
	case FRAME_REFUSE: case FRAME_ABORT: return REASON_MAX;
	case FRAME_POINTS: case FRAME_REPLIES:
		return (size_t)ENT_PSI_CHUNK_MAX * ENT_PSI_POINT;
	case FRAME_END: case FRAME_TURN: case FRAME_BYE: return 0;
	case FRAME_WITHDRAW: return 8 + 2 + REASON_MAX + 64;
	case FRAME_CHECKPOINT: return 8 + 1 + ENT_PROOF_MAX * 32 + ENT_NOTE_MAX;
	case FRAME_COSIGN: return 512;
	case FRAME_HOLD: return 8;
	case FRAME_PROVE: return 16;
	case FRAME_PROOF: return 1 + ENT_PROOF_MAX * 32;
	default: return 0;
	}
}

static int64_t
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const char *
ssl_reason(void)
{
	static __thread char buf[160];
	unsigned long e = ERR_get_error();

	if (e == 0)
		return "connection closed or reset";
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return buf;
}

/* --- context: a self-signed certificate from the node key -------------- */

static int
accept_any(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;	/* the key is checked against the pin after the handshake */
}

/* A whole ClientHello arrived: say so to whoever watches (conn_accept's
 * hello flag), so that the server cuts off stalled handshakes first. */
static int
hello_seen(SSL *ssl, int *alert, void *arg)
{
	int *flag = SSL_get_app_data(ssl);

	(void)alert;
	(void)arg;
	if (flag != NULL)
		__atomic_store_n(flag, 1, __ATOMIC_RELAXED);
	return SSL_CLIENT_HELLO_SUCCESS;
}

void *
net_ctx_new(const ent_node *node, ent_msg *msg)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	X509_NAME *nm;
	SSL_CTX *ctx = NULL;

	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    ent_node_seed(node), 32);
	cert = X509_new();
	if (key == NULL || cert == NULL)
		goto fail;
	nm = X509_get_subject_name(cert);
	if (!X509_set_version(cert, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), -86400) ||
	    !X509_gmtime_adj(X509_getm_notAfter(cert), 86400L * 3650) ||
	    !X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
	    (const unsigned char *)ent_node_name(node), -1, -1, 0) ||
	    !X509_set_issuer_name(cert, nm) || !X509_set_pubkey(cert, key) ||
	    !X509_sign(cert, key, NULL))
		goto fail;
	ctx = SSL_CTX_new(TLS_method());
	if (ctx == NULL ||
	    !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) ||
	    SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1)
		goto fail;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_client_hello_cb(ctx, hello_seen, NULL);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ctx;
fail:
	ent_fail(msg, ENT_ECRYPTO, "cannot set up TLS: %s", ssl_reason());
	SSL_CTX_free(ctx);
	X509_free(cert);
	EVP_PKEY_free(key);
	return NULL;
}

void
net_ctx_free(void *ctx)
{
	SSL_CTX_free(ctx);
}

/* --- bounded waits ---------------------------------------------------- */

/* Waits for the socket per SSL's wish; ENT_EIO on timeout. */
static ent_err
wait_io(conn *c, int err, int limit_ms, ent_msg *msg)
{
	struct pollfd p = { c->fd, err == SSL_ERROR_WANT_WRITE ? POLLOUT :
	    POLLIN, 0 };
	int64_t left = c->deadline - now_ms();
	int ms = limit_ms;
	int rc;

	if (left <= 0)
		return ent_fail(msg, ENT_EIO, "timed out (the session's time "
		    "limit)");
	if (left < ms)
		ms = (int)left;
	do
		rc = poll(&p, 1, ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return ent_fail(msg, ENT_EIO, "timed out after %d ms of "
		    "silence", ms);
	if (rc < 0)
		return ent_fail(msg, ENT_EIO, "poll: %s", strerror(errno));
	return ENT_OK;
}

static ent_err
handshake(conn *c, int server, int limit_ms, ent_msg *msg)
{
	int64_t end = now_ms() + limit_ms;
	X509 *peer;
	EVP_PKEY *pk;
	size_t n = 32;

	for (;;) {
		int rc = server ? SSL_accept(c->ssl) : SSL_connect(c->ssl);
		int err;
		ent_err ret;

		if (rc == 1)
			break;
		err = SSL_get_error(c->ssl, rc);
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
			return ent_fail(msg, ENT_EPROTO, "TLS handshake failed: "
			    "%s", ssl_reason());
		if (now_ms() >= end)
			return ent_fail(msg, ENT_EIO, "TLS handshake not done "
			    "within %d ms", limit_ms);
		ret = wait_io(c, err, (int)(end - now_ms()), msg);
		if (ret != ENT_OK)
			return ent_fail(msg, ENT_EIO, "TLS handshake not done "
			    "within %d ms", limit_ms);
	}
	if (SSL_version(c->ssl) != TLS1_3_VERSION)
		return ent_fail(msg, ENT_EPROTO, "not TLS 1.3");
	peer = SSL_get0_peer_certificate(c->ssl);
	pk = peer ? X509_get0_pubkey(peer) : NULL;
	if (pk == NULL || EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pk, c->peer, &n) != 1 || n != 32)
		return ent_fail(msg, ENT_EPROTO, "the peer's certificate has no "
		    "Ed25519 key");
	return ENT_OK;
}

static ent_err
conn_start(conn **out, void *ctx, int fd, int server, const net_limits *lim,
    int *hello, ent_msg *msg)
{
	conn *c = calloc(1, sizeof *c);
	int one = 1;
	ent_err ret;

	*out = NULL;
	if (c == NULL) {
		close(fd);
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	}
	c->fd = fd;
	c->server = server;
	crypto_hash_sha256_init(&c->transcript);
	c->idle_ms = lim->idle_ms;
	c->deadline = now_ms() + lim->total_ms;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->ssl = SSL_new(ctx);
	if (c->ssl != NULL)
		SSL_set_app_data(c->ssl, hello);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
		conn_close(c);
		return ent_fail(msg, ENT_ECRYPTO, "TLS: %s", ssl_reason());
	}
	ret = handshake(c, server, lim->handshake_ms, msg);
	if (ret != ENT_OK) {
		SSL_free(c->ssl);
		c->ssl = NULL;
		conn_close(c);
		return ret;
	}
	*out = c;
	return ENT_OK;
}

int
net_split(const char *addr, char *host, size_t hcap, char *port, size_t pcap)
{
	const char *colon = strrchr(addr, ':');
	size_t hn;

	if (colon == NULL)
		return -1;
	hn = (size_t)(colon - addr);
	if (addr[0] == '[') {
		if (hn < 2 || addr[hn - 1] != ']')
			return -1;
		addr++;
		hn -= 2;
	}
	if (hn == 0 || hn >= hcap || strlen(colon + 1) >= pcap ||
	    colon[1] == '\0')
		return -1;
	memcpy(host, addr, hn);
	host[hn] = '\0';
	snprintf(port, pcap, "%s", colon + 1);
	return 0;
}

ent_err
conn_connect(conn **out, void *ctx, const char *addr, const net_limits *lim,
    ent_msg *msg)
{
	char host[256], port[16];
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, rc, err = 0;

	*out = NULL;
	if (net_split(addr, host, sizeof host, port, sizeof port) != 0)
		return ent_fail(msg, ENT_EINVAL, "'%s' is not HOST:PORT", addr);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		return ent_fail(msg, ENT_EIO, "cannot resolve %s: %s", host,
		    gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct pollfd p;
		socklen_t sl = sizeof err;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0)
			continue;
		rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (rc != 0 && errno == EINPROGRESS) {
			p.fd = fd;
			p.events = POLLOUT;
			rc = poll(&p, 1, lim->handshake_ms) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 &&
			    err == 0 ? 0 : -1;
			if (rc != 0 && err == 0)
				err = ETIMEDOUT;
		} else if (rc != 0) {
			err = errno;
		}
		if (rc == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return ent_fail(msg, ENT_EIO, "cannot connect to %s: %s", addr,
		    strerror(err ? err : ECONNREFUSED));
	return conn_start(out, ctx, fd, 0, lim, NULL, msg);
}

ent_err
conn_accept(conn **out, void *ctx, int fd, const net_limits *lim,
    int *hello, ent_msg *msg)
{
	return conn_start(out, ctx, fd, 1, lim, hello, msg);
}

ent_err
conn_client(conn **out, void *ctx, int fd, const net_limits *lim,
    ent_msg *msg)
{
	return conn_start(out, ctx, fd, 0, lim, NULL, msg);
}

const uint8_t *
conn_peer_key(const conn *c)
{
	return c->peer;
}

/* --- bytes and frames ------------------------------------------------- */

static ent_err
read_full(conn *c, uint8_t *buf, size_t n, ent_msg *msg)
{
	while (n > 0) {
		size_t got = 0;
		int rc = SSL_read_ex(c->ssl, buf, n, &got), err;
		ent_err ret;

		if (rc == 1) {
			buf += got;
			n -= got;
			continue;
		}
		err = SSL_get_error(c->ssl, rc);
		if (err == SSL_ERROR_ZERO_RETURN)
			return ent_fail(msg, ENT_EIO, "the peer closed the "
			    "connection");
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
			return ent_fail(msg, ENT_EIO, "reading: %s",
			    ssl_reason());
		if ((ret = wait_io(c, err, c->idle_ms, msg)) != ENT_OK)
			return ret;
	}
	return ENT_OK;
}

static ent_err
write_full(conn *c, const uint8_t *buf, size_t n, ent_msg *msg)
{
	while (n > 0) {
		size_t put = 0;
		int rc = SSL_write_ex(c->ssl, buf, n, &put), err;
		ent_err ret;

		if (rc == 1) {
			buf += put;
			n -= put;
			continue;
		}
		err = SSL_get_error(c->ssl, rc);
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
			return ent_fail(msg, ENT_EIO, "writing: %s",
			    ssl_reason());
		if ((ret = wait_io(c, err, c->idle_ms, msg)) != ENT_OK)
			return ret;
	}
	return ENT_OK;
}

/* The transcript: every frame, in order, as (0 from the connecting side or
 * 1 from the accepting side) || header || payload. Both ends see the frames
 * in the same order, so both compute the same hash. */
static void
transcribe(conn *c, int from_server, const uint8_t h[FRAME_HEADER],
    const uint8_t *p, size_t n)
{
	uint8_t dir = from_server ? 1 : 0;

	crypto_hash_sha256_update(&c->transcript, &dir, 1);
	crypto_hash_sha256_update(&c->transcript, h, FRAME_HEADER);
	if (n > 0)
		crypto_hash_sha256_update(&c->transcript, p, n);
}

ent_err
frame_read(conn *c, int *type, uint8_t *buf, size_t cap, size_t *len,
    ent_msg *msg)
{
	uint8_t h[FRAME_HEADER];
	uint32_t n;
	ent_err ret;

	if ((ret = read_full(c, h, sizeof h, msg)) != ENT_OK)
		return ret;
	n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
	if (h[4] != FRAME_VERSION)
		return ent_fail(msg, ENT_EPROTO, "frame version %u (this node "
		    "speaks %u)", h[4], FRAME_VERSION);
	if (h[5] == 0 || h[5] > FRAME_MAX_TYPE)
		return ent_fail(msg, ENT_EPROTO, "unknown frame type %u", h[5]);
	if (n > frame_cap(h[5]) || n > cap)
		return ent_fail(msg, ENT_EPROTO, "a frame of type %u with %u "
		    "bytes is over its cap of %zu", h[5], n, frame_cap(h[5]));
	if ((ret = read_full(c, buf, n, msg)) != ENT_OK)
		return ret;
	*type = h[5];
	*len = n;
	transcribe(c, !c->server, h, buf, n);
	return ENT_OK;
}

ent_err
frame_write(conn *c, int type, const uint8_t *p, size_t len, ent_msg *msg)
{
	uint8_t h[FRAME_HEADER];
	ent_err ret;

	if (len > frame_cap(type))
		return ent_fail(msg, ENT_ELIMIT, "frame over its cap");
	h[0] = (uint8_t)(len >> 24);
	h[1] = (uint8_t)(len >> 16);
	h[2] = (uint8_t)(len >> 8);
	h[3] = (uint8_t)len;
	h[4] = FRAME_VERSION;
	h[5] = (uint8_t)type;
	transcribe(c, c->server, h, p, len);
	if ((ret = write_full(c, h, sizeof h, msg)) != ENT_OK)
		return ret;
	return write_full(c, p, len, msg);
}

void
conn_transcript(const conn *c, uint8_t out[static 32])
{
	crypto_hash_sha256_state st = c->transcript;

	crypto_hash_sha256_final(&st, out);
}

void
frame_say(conn *c, int type, const char *text)
{
	size_t n = strlen(text);

	if (n > REASON_MAX)
		n = REASON_MAX;
	(void)frame_write(c, type, (const uint8_t *)text, n, NULL);
}

void
conn_close(conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);	/* one attempt; never waits */
		SSL_free(c->ssl);
	}
	if (c->fd >= 0) {
		/* Let the peer read our last frame: closing with its data
		 * unread would reset the connection and lose that frame. So
		 * half-close, and drain what it still sends for a moment. */
		char sink[4096];
		int64_t end = now_ms() + 500;
		struct pollfd p = { c->fd, POLLIN, 0 };

		shutdown(c->fd, SHUT_WR);
		while (now_ms() < end && poll(&p, 1, (int)(end - now_ms())) > 0 &&
		    read(c->fd, sink, sizeof sink) > 0)
			;
		close(c->fd);
	}
	free(c);
}

int
net_listen(const char *addr, ent_msg *msg)
{
	char host[256], port[16];
	struct addrinfo hints, *res = NULL;
	int fd, one = 1, rc;

	if (net_split(addr, host, sizeof host, port, sizeof port) != 0) {
		ent_fail(msg, ENT_EINVAL, "'%s' is not HOST:PORT", addr);
		return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		ent_fail(msg, ENT_EIO, "cannot resolve %s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof one) != 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    listen(fd, 64) != 0) {
		ent_fail(msg, ENT_EIO, "cannot listen on %s: %s", addr,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* For tests/hostile.c only: bytes that are not a well-formed frame. */
int raw_write(conn *c, const uint8_t *p, size_t n);

int
raw_write(conn *c, const uint8_t *p, size_t n)
{
	return write_full(c, p, n, NULL) == ENT_OK ? 0 : -1;
}
