/*
 * hostile.c — a misbehaving peer for tests/peer.sh: connects to a server
 * with a node's own (pinned) key, then breaks the protocol one way.
 * Usage: hostile HOME HOST:PORT SCENARIO
 * Scenarios: oversize, unknown-type, bad-version, truncated, identity,
 * too-many, early-end. Prints what the server answered; exit 0 when the
 * server refused or closed as it should.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entente/node.h"
#include "net.h"

/* The raw bytes of a frame header, for lies about lengths and types. */
static void
header(uint8_t h[FRAME_HEADER], uint32_t len, int version, int type)
{
	h[0] = (uint8_t)(len >> 24);
	h[1] = (uint8_t)(len >> 16);
	h[2] = (uint8_t)(len >> 8);
	h[3] = (uint8_t)len;
	h[4] = (uint8_t)version;
	h[5] = (uint8_t)type;
}

int raw_write(conn *c, const uint8_t *p, size_t n);

int
main(int argc, char **argv)
{
	net_limits lim = { 5000, 5000, 20000 };
	uint8_t buf[4096], hello[HELLO_LEN] = { 1, 0, 0xff, 0xfe, 4,
	    0, 0, 0, 0, 0, 0, 0, 1 };
	ent_node *node = NULL;
	conn *c = NULL;
	void *ctx;
	ent_msg msg;
	size_t len;
	int type = 0;
	const char *sc;

	if (argc != 4)
		return 2;
	sc = argv[3];
	signal(SIGPIPE, SIG_IGN);
	if (ent_init(&msg) || ent_node_open(&node, argv[1], &msg) ||
	    (ctx = net_ctx_new(node, &msg)) == NULL ||
	    conn_connect(&c, ctx, argv[2], &lim, &msg)) {
		fprintf(stderr, "hostile: %s\n", msg.text);
		return 2;
	}
	if (strcmp(sc, "oversize") == 0) {
		header(buf, 0xfffffff0u, FRAME_VERSION, FRAME_POINTS);
		raw_write(c, buf, FRAME_HEADER);
	} else if (strcmp(sc, "unknown-type") == 0) {
		header(buf, 0, FRAME_VERSION, 99);
		raw_write(c, buf, FRAME_HEADER);
	} else if (strcmp(sc, "bad-version") == 0) {
		header(buf, HELLO_LEN, 7, FRAME_HELLO);
		raw_write(c, buf, FRAME_HEADER);
	} else if (strcmp(sc, "truncated") == 0) {
		header(buf, HELLO_LEN, FRAME_VERSION, FRAME_HELLO);
		raw_write(c, buf, FRAME_HEADER);
		raw_write(c, hello, 5);
		printf("closed mid-frame\n");
		goto out;
	} else {
		/* a proper HELLO for one element, then misbehave */
		if (frame_write(c, FRAME_HELLO, hello, sizeof hello, &msg) ||
		    frame_read(c, &type, buf, sizeof buf, &len, &msg) ||
		    type != FRAME_ACCEPT) {
			printf("no ACCEPT: %s (type %d: %.*s)\n", msg.text, type,
			    type == FRAME_REFUSE ? (int)len : 0, buf);
			return 1;
		}
		memset(buf, 0, 64);
		if (strcmp(sc, "identity") == 0) {
			(void)frame_write(c, FRAME_POINTS, buf, 32, &msg);
		} else if (strcmp(sc, "too-many") == 0) {
			/* two valid-looking points where one was announced */
			buf[0] = 0xe2; /* the ristretto255 base point */
			memcpy(buf, "\xe2\xf2\xae\x0a\x6a\xbc\x4e\x71\xa8\x84"
			    "\xa9\x61\xc5\x00\x51\x5f\x58\xe3\x0b\x6a\xa5\x82"
			    "\xdd\x8d\xb6\xa6\x59\x45\xe0\x8d\x2d\x76", 32);
			memcpy(buf + 32, buf, 32);
			(void)frame_write(c, FRAME_POINTS, buf, 64, &msg);
		} else if (strcmp(sc, "early-end") == 0) {
			(void)frame_write(c, FRAME_END, NULL, 0, &msg);
		} else {
			fprintf(stderr, "hostile: unknown scenario %s\n", sc);
			return 2;
		}
	}
	/* the server must answer ABORT/REFUSE or close */
	if (frame_read(c, &type, buf, sizeof buf, &len, &msg) == ENT_OK) {
		if (type != FRAME_ABORT && type != FRAME_REFUSE) {
			printf("server answered frame type %d\n", type);
			return 1;
		}
		printf("server said: %.*s\n", (int)len, buf);
	} else {
		printf("server closed: %s\n", msg.text);
	}
out:
	conn_close(c);
	net_ctx_free(ctx);
	ent_node_close(node);
	return 0;
}
