/*
 * fuzz_session.c — the responder's state machine and every frame parser
 * behind it, driven by arbitrary frame sequences from a pinned peer over a
 * real TLS 1.3 session on a socketpair (the hostile partner of
 * docs/THREAT-MODEL.md, with the transport already past).
 *
 * Input: frames, each as u8 type (any value, unknown ones included), u16
 * length (big-endian, cut to what is left), payload. The responder runs in
 * a thread; the harness sends the frames, ends its side, and drains the
 * answers. A withdrawal that lands is taken back, so the peer stays usable.
 */
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "entente/node.h"
#include "entente/peer.h"
#include "entente/session.h"
#include "net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ent_server *srv;
static ent_node *in, *rn;          /* kept for the whole run */
static void *ictx;
static ent_store *rstore;
static char ivkey[256];
static char dir[] = "/tmp/entente-fuzz-session-XXXXXX";

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
cleanup(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The responder's log lines: shown with FUZZ_VERBOSE set. */
static void
quiet(const char *line, void *ctx)
{
	(void)ctx;
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s\n", line);
}

static void
setup(void)
{
	char ih[300], rh[300], path[400];
	ent_server_opts so = { "127.0.0.1:0", 4, 2, 1, 5, 1, quiet, NULL };
	ent_policy p;
	ent_indicator ind;
	ent_meta meta = { .source = "fuzz", .tlp = ENT_TLP_GREEN,
	    .confidence = -1 };

	signal(SIGPIPE, SIG_IGN);
	if (ent_init(NULL) != ENT_OK || mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	snprintf(ih, sizeof ih, "%s/i", dir);
	snprintf(rh, sizeof rh, "%s/r", dir);
	if (ent_node_create(ih, "initiator.example", NULL) != ENT_OK ||
	    ent_node_create(rh, "responder.example", NULL) != ENT_OK ||
	    ent_node_open(&in, ih, NULL) != ENT_OK ||
	    ent_node_open(&rn, rh, NULL) != ENT_OK)
		abort();
	snprintf(ivkey, sizeof ivkey, "%s", ent_node_vkey(in));
	if (ent_node_store_path(rn, path, sizeof path, NULL) != ENT_OK ||
	    ent_store_open(&rstore, path, 0, NULL) != ENT_OK ||
	    ent_peer_add(rstore, "initiator.example", ivkey, "127.0.0.1:1", 0,
	    NULL) != ENT_OK)
		abort();
	ent_policy_default(&p);
	p.min_interval = 0;
	p.daily_budget = UINT64_MAX / 2;
	if (ent_peer_set_policy(rstore, "initiator.example", &p, NULL) !=
	    ENT_OK)
		abort();
	for (int i = 0; i < 64; i++) {
		char v[32];
		snprintf(v, sizeof v, "185.86.%d.%d", i, i + 1);
		if (ent_indicator_parse(&ind, v, strlen(v), ENT_TYPE_AUTO,
		    NULL) != ENT_OK || ent_store_put(rstore, &ind, &meta, NULL,
		    NULL) != ENT_OK)
			abort();
	}
	if ((ictx = net_ctx_new(in, NULL)) == NULL ||
	    ent_server_open(&srv, rn, &so, NULL) != ENT_OK)
		abort();
}

static void *
responder(void *arg)
{
	ent_server_serve_fd(srv, *(int *)arg, "fuzz");
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	net_limits lim = { 2000, 300, 5000 };
	static uint8_t *buf;
	pthread_t t;
	int sv[2], type;
	conn *c;
	ent_peer peer;
	size_t len;

	if (srv == NULL) {
		setup();
		buf = malloc(frame_cap(FRAME_POINTS));
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	if (pthread_create(&t, NULL, responder, &sv[0]) != 0) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	if (conn_client(&c, ictx, sv[1], &lim, NULL) == ENT_OK) {
		size_t i = 0;
		while (i + 3 <= size) {
			size_t n = (size_t)data[i + 1] << 8 | data[i + 2];
			type = data[i];
			i += 3;
			if (n > size - i)
				n = size - i;
			if (frame_write(c, type, data + i, n, NULL) != ENT_OK)
				break;
			i += n;
		}
		/* our side ends; read what the responder says until it ends */
		shutdown(sv[1], SHUT_WR);
		while (frame_read(c, &type, buf, frame_cap(FRAME_POINTS), &len,
		    NULL) == ENT_OK)
			;
		conn_close(c);
	}
	pthread_join(t, NULL);
	/* a withdrawal that landed: take it back */
	if (ent_peer_get(rstore, "initiator.example", NULL, &peer, NULL) ==
	    ENT_OK && peer.withdrawn) {
		if (ent_peer_remove(rstore, "initiator.example", NULL) != ENT_OK ||
		    ent_peer_add(rstore, "initiator.example", ivkey,
		    "127.0.0.1:1", 1, NULL) != ENT_OK)
			abort();
	}
	return 0;
}
