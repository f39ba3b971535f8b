/*
 * session.h — private matches with partners over authenticated TLS 1.3,
 * under the responder's policy; withdrawal; and the server that answers.
 *
 * A connection is accepted only when the other side's key equals the one
 * pinned for that peer. Everything after the handshake is frames (see
 * docs/PROTOCOL.md). Callers must ignore SIGPIPE. A refused session costs
 * the responder no group operation.
 */
#ifndef ENTENTE_SESSION_H
#define ENTENTE_SESSION_H

#include <signal.h>
#include <stdint.h>

#include "entente/err.h"
#include "entente/node.h"
#include "entente/peer.h"
#include "entente/psi.h"
#include "entente/store.h"

typedef struct ent_match_opts {
	ent_psi_mode mode;
	unsigned types;          /* bits 1 << ent_type; 0 for all */
	ent_tlp tlp_max;         /* also capped by our policy for the peer */
	int mutual;              /* let the peer query us back */
	unsigned threads;        /* 0: every core */
	int timeout_s;           /* each wait; 0: 30 */
	/* Called as the session goes; may be NULL. */
	void (*progress)(const char *stage, uint64_t done, uint64_t total,
	    void *ctx);
	void *ctx;
} ent_match_opts;

typedef struct ent_match_result {
	ent_psi_mode mode;
	uint64_t sent;            /* our set size */
	uint64_t peer_set;        /* theirs */
	uint64_t count;           /* size of the intersection */
	ent_psi_item *matches;    /* intersect mode: the count indicators */
	char *arena;              /* their values */
	int mutual;               /* the peer ran its query back */
	uint64_t mutual_set;      /* ... with a set of this size */
} ent_match_result;

/* Frees what a result holds; accepts a zeroed one. */
void ent_match_result_free(ent_match_result *r);

/*
 * Runs a session with `peer` as initiator: our active, non-revoked
 * indicators of the asked types, at or under the TLP ceilings, against
 * theirs. In intersect mode each match is recorded as a corroboration.
 * Returns ENT_OK; ENT_EPERM when the peer refused or either side withdrew
 * (the reason in msg); another code on any other failure.
 */
ent_err ent_match(ent_node *node, ent_store *store, const char *peer,
    const ent_match_opts *o, ent_match_result *r, ent_msg *msg)
	__attribute__((warn_unused_result));

/*
 * Withdraws from `peer`: records it, then sends the signed statement if
 * the peer is reachable (*delivered says whether it was). From then on both
 * sides refuse sessions with each other. ENT_OK even when not delivered.
 */
ent_err ent_withdraw(ent_node *node, ent_store *store, const char *peer,
    const char *reason, int *delivered, ent_msg *msg)
	__attribute__((warn_unused_result));

typedef struct ent_server_opts {
	const char *listen;       /* host:port; port 0 picks one */
	unsigned max_sessions;    /* at once; more are turned away. Up to
	                             max(4 x max_sessions, 32) more may be in
	                             their TLS handshake; when those slots are
	                             full the oldest handshake still without a
	                             whole ClientHello (else the oldest) is cut
	                             off */
	int handshake_s, idle_s, total_s;   /* 0: 10, 30, 3600 */
	unsigned threads;         /* per session; 0: every core */
	/* One line per session and per notable event; may be NULL. Called
	 * from session threads, one call at a time. */
	void (*log)(const char *line, void *ctx);
	void *ctx;
} ent_server_opts;

typedef struct ent_server ent_server;

ent_err ent_server_open(ent_server **out, ent_node *node,
    const ent_server_opts *o, ent_msg *msg) __attribute__((warn_unused_result));

/* The port it listens on. */
int ent_server_port(const ent_server *s);

/* Serves one session on a connected socket (taken over), in the calling
 * thread, as ent_server_run serves each connection it accepts; `from`
 * names the other end in log lines. */
void ent_server_serve_fd(ent_server *s, int fd, const char *from);

/* Serves until *stop becomes non-zero, then stops accepting and waits for
 * the sessions under way (each bounded by its time limit). */
ent_err ent_server_run(ent_server *s, volatile sig_atomic_t *stop,
    ent_msg *msg) __attribute__((warn_unused_result));

void ent_server_close(ent_server *s);

#endif
