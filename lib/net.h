/*
 * net.h — TLS 1.3 connections between nodes and the frames they carry
 * (internal; the format is in docs/PROTOCOL.md).
 *
 * Both sides authenticate with a self-signed certificate made from their
 * Ed25519 node key; the peer's key is read from its certificate after the
 * handshake and checked against the pin by the caller. Sockets are
 * non-blocking and every wait is bounded by the connection's deadlines.
 */
#ifndef ENTENTE_NET_H
#define ENTENTE_NET_H

#include <stddef.h>
#include <stdint.h>

#include "entente/err.h"
#include "entente/node.h"

enum {
	FRAME_HELLO = 1,     /* mode, flags, types, tlp-max, set size */
	FRAME_ACCEPT = 2,    /* the responder's set size */
	FRAME_REFUSE = 3,    /* reason text */
	FRAME_POINTS = 4,    /* blinded elements */
	FRAME_REPLIES = 5,   /* compare forms */
	FRAME_END = 6,       /* end of a stream of points or replies */
	FRAME_TURN = 7,      /* initiator done; mutual: the roles swap */
	FRAME_BYE = 8,       /* done */
	FRAME_WITHDRAW = 9,  /* signed withdrawal */
	FRAME_ABORT = 10,    /* reason text */
	FRAME_CHECKPOINT = 11, /* u64 m, u8 k, k proof hashes, signed note */
	FRAME_COSIGN = 12,   /* a cosignature/v1 line */
	FRAME_HOLD = 13,     /* u64: the size of your log that I hold */
	FRAME_PROVE = 14,    /* u64 from, u64 to: send me that consistency proof */
	FRAME_PROOF = 15,    /* u8 k, k hashes */
	FRAME_MAX_TYPE = 15
};

#define FRAME_VERSION 1
#define FRAME_HEADER 6       /* u32 length, u8 version, u8 type */
#define HELLO_LEN 13
#define REASON_MAX 512

typedef struct conn conn;

typedef struct net_limits {
	int handshake_ms;    /* the whole handshake */
	int idle_ms;         /* any one wait */
	int total_ms;        /* the whole connection */
} net_limits;

/* Longest payload of each frame type; 0 for unknown types. */
size_t frame_cap(int type);

/* A TLS context for this node (both roles). NULL with msg set on failure.
 * Free with net_ctx_free. */
void *net_ctx_new(const ent_node *node, ent_msg *msg);
void net_ctx_free(void *ctx);

/* Connects to host:port and runs the handshake. */
ent_err conn_connect(conn **out, void *ctx, const char *addr,
    const net_limits *lim, ent_msg *msg);

/* Runs the server side of the handshake on an accepted socket (taken over:
 * closed by conn_close, or here on failure). */
ent_err conn_accept(conn **out, void *ctx, int fd, const net_limits *lim,
    int *hello, ent_msg *msg);

/* Runs the client side of the handshake on a connected socket (taken over
 * like conn_accept's); for tests and fuzzing over a socketpair. */
ent_err conn_client(conn **out, void *ctx, int fd, const net_limits *lim,
    ent_msg *msg);

/* The peer's Ed25519 key from its certificate. */
const uint8_t *conn_peer_key(const conn *c);

/* Reads one frame: checks version, type and the type's cap before reading
 * the payload into buf (cap bytes). ENT_EPROTO on a bad frame, ENT_EIO on
 * a timeout or a closed connection. */
ent_err frame_read(conn *c, int *type, uint8_t *buf, size_t cap, size_t *len,
    ent_msg *msg);

ent_err frame_write(conn *c, int type, const uint8_t *p, size_t len,
    ent_msg *msg);

/* SHA-256 of every frame so far, in order, with its direction. */
void conn_transcript(const conn *c, uint8_t out[static 32]);

/* Sends a REFUSE or ABORT frame with the text, ignoring failures. */
void frame_say(conn *c, int type, const char *text);

/* Shuts TLS down politely (bounded) and frees. Accepts NULL. */
void conn_close(conn *c);

/* Binds and listens on host:port; returns the socket or -1 with msg. */
int net_listen(const char *addr, ent_msg *msg);

/* Splits "host:port" / "[v6]:port". 0, or -1 if malformed. */
int net_split(const char *addr, char *host, size_t hcap, char *port,
    size_t pcap);

#endif
