/*
 * session.c — the matching protocol over a connection, both roles; the
 * withdrawal; and the server loop (see entente/session.h and
 * docs/PROTOCOL.md).
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "entente/log.h"
#include "entente/session.h"
#include "net.h"

#define WITHDRAW_LABEL "entente-withdraw-v1\n"

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
progress(const ent_match_opts *o, const char *stage, uint64_t done,
    uint64_t total)
{
	if (o != NULL && o->progress != NULL)
		o->progress(stage, done, total, o->ctx);
}

/* What one side of a session needs. */
typedef struct side {
	conn *c;
	ent_node *node;
	ent_store *store;
	ent_peer peer;
	unsigned threads;
	uint8_t *buf;             /* a frame: frame_cap(FRAME_POINTS) bytes */
} side;

static ent_err
unexpected(side *sd, int type, const uint8_t *p, size_t len, ent_msg *msg)
{
	if (type == FRAME_REFUSE || type == FRAME_ABORT)
		return ent_fail(msg, type == FRAME_REFUSE ? ENT_EPERM :
		    ENT_EPROTO, "%s %s: %.*s", sd->peer.name,
		    type == FRAME_REFUSE ? "refused" : "aborted",
		    (int)(len > REASON_MAX ? REASON_MAX : len), (const char *)p);
	frame_say(sd->c, FRAME_ABORT, "unexpected frame");
	return ent_fail(msg, ENT_EPROTO, "%s sent an unexpected frame (type "
	    "%d)", sd->peer.name, type);
}

static const char *
mode_name(ent_psi_mode m)
{
	return m == ENT_PSI_COUNT ? "count" : "intersect";
}

/* Sends every chunk that next() produces (ent_psi_send or ent_psi_drain)
 * as frames of `type`, reporting progress over `total` records. */
static ent_err
stream(side *sd, ent_psi *psi, int type,
    ent_err (*next)(ent_psi *, uint8_t *, size_t, size_t *, ent_msg *),
    size_t rec, const ent_match_opts *o, uint64_t total, ent_msg *msg)
{
	uint64_t done = 0;
	size_t len;
	ent_err ret;

	for (;;) {
		if ((ret = next(psi, sd->buf, ENT_PSI_CHUNK_MAX, &len, msg)))
			return ret;
		if (len == 0)
			return ENT_OK;
		if ((ret = frame_write(sd->c, type, sd->buf, len, msg)))
			return ret;
		done += len / rec;
		progress(o, "sending", done, total);
	}
}

/* --- initiator -------------------------------------------------------- */

static ent_err
initiate(side *sd, ent_psi_mode mode, unsigned types, ent_tlp tlp,
    int mutual, const ent_match_opts *o, ent_match_result *r, ent_msg *msg)
{
	ent_psi_item *items = NULL;
	char *arena = NULL;
	ent_psi *psi = NULL;
	uint8_t hello[HELLO_LEN];
	size_t n, len;
	int type;
	const size_t *idx;
	ent_err ret;

	if ((ret = ent_match_set(sd->store, types, tlp, &items, &n, &arena,
	    msg)))
		return ret;
	if ((ret = ent_psi_initiator_new(&psi, mode, items, n, sd->threads,
	    msg)))
		goto out;
	r->mode = mode;
	r->sent = ent_psi_size(psi);
	{	/* on the record before anything is sent */
		char t[24], sz[24];
		const char *kv[] = { "time", t, "peer", sd->peer.vkey, "role",
		    "initiator", "mode", mode_name(mode), "ours", sz, NULL };
		snprintf(t, sizeof t, "%lld", (long long)time(NULL));
		snprintf(sz, sizeof sz, "%llu", (unsigned long long)r->sent);
		if ((ret = ent_log_event(sd->store, "session-opened", kv, msg)))
			goto out;
	}
	hello[0] = (uint8_t)mode;
	hello[1] = mutual ? 1 : 0;
	hello[2] = (uint8_t)(types >> 8);
	hello[3] = (uint8_t)types;
	hello[4] = (uint8_t)tlp;
	put64(hello + 5, r->sent);
	if ((ret = frame_write(sd->c, FRAME_HELLO, hello, sizeof hello, msg)) ||
	    (ret = frame_read(sd->c, &type, sd->buf, frame_cap(FRAME_POINTS),
	    &len, msg)))
		goto out;
	if (type != FRAME_ACCEPT || len != 8) {
		ret = unexpected(sd, type, sd->buf, len, msg);
		goto out;
	}
	r->peer_set = get64(sd->buf);
	if ((ret = ent_psi_initiator_peer(psi, r->peer_set, msg)))
		goto out;
	if ((ret = stream(sd, psi, FRAME_POINTS, ent_psi_send, ENT_PSI_POINT, o,
	    r->sent, msg)) ||
	    (ret = frame_write(sd->c, FRAME_END, NULL, 0, msg)))
		goto out;
	for (uint64_t got = 0;;) {
		if ((ret = frame_read(sd->c, &type, sd->buf,
		    frame_cap(FRAME_POINTS), &len, msg)))
			goto out;
		if (type == FRAME_END)
			break;
		if (type == FRAME_REPLIES)
			ret = ent_psi_take_replies(psi, sd->buf, len, msg);
		else if (type == FRAME_POINTS)
			ret = ent_psi_take_elements(psi, sd->buf, len, msg);
		else
			ret = unexpected(sd, type, sd->buf, len, msg);
		if (ret != ENT_OK) {
			frame_say(sd->c, FRAME_ABORT, msg->text);
			goto out;
		}
		got += len;
		progress(o, "receiving", got, 0);
	}
	if ((ret = ent_psi_result(psi, &idx, &r->count, msg))) {
		frame_say(sd->c, FRAME_ABORT, msg->text);
		goto out;
	}
	if (mode == ENT_PSI_INTERSECT && r->count > 0) {
		size_t bytes = 0, o2 = 0;
		int64_t now = (int64_t)time(NULL);

		for (uint64_t i = 0; i < r->count; i++)
			bytes += items[idx[i]].len + 1;
		r->matches = calloc(r->count, sizeof *r->matches);
		r->arena = malloc(bytes);
		if (r->matches == NULL || r->arena == NULL) {
			ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
			goto out;
		}
		if ((ret = ent_store_begin(sd->store, msg)))
			goto out;
		for (uint64_t i = 0; i < r->count; i++) {
			const ent_psi_item *it = &items[idx[i]];
			memcpy(r->arena + o2, it->value, it->len);
			r->arena[o2 + it->len] = '\0';
			r->matches[i] = (ent_psi_item){ it->type, r->arena + o2,
			    it->len };
			o2 += it->len + 1;
			if ((ret = ent_corroborate(sd->store, sd->peer.name,
			    it->type, r->matches[i].value, now, msg))) {
				ent_store_rollback(sd->store);
				goto out;
			}
		}
		if ((ret = ent_store_commit(sd->store, msg)))
			goto out;
	}
	ret = ENT_OK;
out:
	ent_psi_destroy(psi);
	free(items);
	free(arena);
	return ret;
}

/* --- responder -------------------------------------------------------- */

/* Answers one HELLO (already read into hello). *served is the
 * initiator's set size, *matches unknown (0) to the responder. */
static ent_err
respond(side *sd, const uint8_t *hello, ent_psi_mode *mode_out,
    uint64_t *theirs, uint64_t *ours, int *mutual, ent_msg *msg)
{
	ent_psi_item *items = NULL;
	char *arena = NULL;
	ent_psi *psi = NULL;
	uint8_t *replies = NULL;
	size_t n, len, tlen, nrep = 0;
	unsigned types;
	ent_tlp tlp;
	ent_psi_mode mode;
	uint64_t nx;
	int type;
	ent_err ret;

	mode = (ent_psi_mode)hello[0];
	*mutual = hello[1] & 1;
	types = (unsigned)hello[2] << 8 | hello[3];
	tlp = (ent_tlp)hello[4];
	nx = get64(hello + 5);
	*theirs = nx;
	*mode_out = mode;
	if ((mode != ENT_PSI_INTERSECT && mode != ENT_PSI_COUNT) ||
	    (hello[1] & ~1u) || tlp >= ENT_TLP_COUNT || (types & 1u)) {
		frame_say(sd->c, FRAME_REFUSE, "malformed HELLO");
		return ent_fail(msg, ENT_EPROTO, "malformed HELLO");
	}
	{	/* on the record before anything is decided */
		char t[24], sz[24];
		const char *kv[] = { "time", t, "peer", sd->peer.vkey, "role",
		    "responder", "mode", mode_name(mode), "theirs", sz, NULL };
		snprintf(t, sizeof t, "%lld", (long long)time(NULL));
		snprintf(sz, sizeof sz, "%llu", (unsigned long long)nx);
		if ((ret = ent_log_event(sd->store, "session-opened", kv, msg)))
			return ret;
	}
	/* the policy decides from what was asked, before any group work */
	if ((ret = ent_peer_admit(sd->store, &sd->peer, mode, nx,
	    (int64_t)time(NULL), msg))) {
		frame_say(sd->c, FRAME_REFUSE, msg->text);
		return ret;
	}
	types &= sd->peer.policy.types;
	if (tlp > sd->peer.policy.tlp_max)
		tlp = sd->peer.policy.tlp_max;
	if ((ret = ent_match_set(sd->store, types, tlp, &items, &n, &arena,
	    msg)) ||
	    (ret = ent_psi_responder_new(&psi, mode, items, n, nx, sd->threads,
	    msg))) {
		frame_say(sd->c, FRAME_ABORT, "the responder failed");
		goto out;
	}
	*ours = ent_psi_size(psi);
	tlen = ent_psi_reply_len(psi);
	{
		uint8_t acc[8];
		put64(acc, *ours);
		if ((ret = frame_write(sd->c, FRAME_ACCEPT, acc, 8, msg)))
			goto out;
	}
	if (mode == ENT_PSI_INTERSECT) {
		replies = malloc(nx ? nx * tlen : 1);
		if (replies == NULL) {
			ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (;;) {	/* the initiator's elements, counted as they come */
		size_t rlen = 0;
		if ((ret = frame_read(sd->c, &type, sd->buf,
		    frame_cap(FRAME_POINTS), &len, msg)))
			goto out;
		if (type == FRAME_END)
			break;
		if (type != FRAME_POINTS) {
			ret = unexpected(sd, type, sd->buf, len, msg);
			goto out;
		}
		if ((ret = ent_psi_feed(psi, sd->buf, len,
		    replies ? replies + nrep * tlen : NULL, &rlen, msg))) {
			frame_say(sd->c, FRAME_ABORT, msg->text);
			goto out;
		}
		nrep += rlen / (tlen ? tlen : 1);
	}
	if ((ret = ent_psi_finish(psi, msg))) {
		frame_say(sd->c, FRAME_ABORT, msg->text);
		goto out;
	}
	/* the replies: in order (intersect) or shuffled (count) */
	for (size_t i = 0; i < nrep; i += ENT_PSI_CHUNK_MAX) {
		size_t k = nrep - i < ENT_PSI_CHUNK_MAX ? nrep - i :
		    ENT_PSI_CHUNK_MAX;
		if ((ret = frame_write(sd->c, FRAME_REPLIES, replies + i * tlen,
		    k * tlen, msg)))
			goto out;
	}
	/* count mode: the shuffled replies; then our own elements */
	if ((ret = stream(sd, psi, FRAME_REPLIES, ent_psi_drain, tlen, NULL, 0,
	    msg)) ||
	    (ret = stream(sd, psi, FRAME_POINTS, ent_psi_send, ENT_PSI_POINT,
	    NULL, 0, msg)))
		goto out;
	ret = frame_write(sd->c, FRAME_END, NULL, 0, msg);
out:
	ent_psi_destroy(psi);
	free(replies);
	free(items);
	free(arena);
	return ret;
}

/* --- the record: checkpoints cosigned at the end of a session ------------ */

/* Sends our newest checkpoint with a consistency proof from m, the size of
 * our log the peer says it holds; keeps the cosignature it answers with. */
static ent_err
send_checkpoint(side *sd, uint64_t m, ent_msg *msg)
{
	ent_hash proof[ENT_PROOF_MAX];
	size_t plen = 0, nlen, len;
	uint64_t n = 0;
	char *note = NULL, line[512];
	uint8_t *p = sd->buf;
	int type;
	ent_err ret;

	if ((ret = ent_log_checkpoint(sd->store, sd->node, &note, &n, msg)))
		goto out;
	if (m > n)
		m = 0;	/* our log is shorter than what they hold: they judge */
	if ((ret = ent_log_prove_consistency(sd->store, m, n, proof, &plen,
	    msg)))
		goto out;
	nlen = strlen(note);
	put64(p, m);
	p[8] = (uint8_t)plen;
	memcpy(p + 9, proof, plen * 32);
	memcpy(p + 9 + plen * 32, note, nlen);
	if ((ret = frame_write(sd->c, FRAME_CHECKPOINT, sd->buf,
	    9 + plen * 32 + nlen, msg)))
		goto out;
	for (;;) {	/* the witness may ask for other proofs first */
		if ((ret = frame_read(sd->c, &type, sd->buf,
		    frame_cap(FRAME_POINTS), &len, msg)))
			goto out;
		if (type == FRAME_PROVE && len == 16) {
			uint64_t a = get64(sd->buf), b = get64(sd->buf + 8);
			if (ent_log_prove_consistency(sd->store, a, b, proof,
			    &plen, NULL) != ENT_OK) {
				frame_say(sd->c, FRAME_ABORT, "cannot prove that");
				continue;	/* the witness will say what next */
			}
			sd->buf[0] = (uint8_t)plen;
			memcpy(sd->buf + 1, proof, plen * 32);
			if ((ret = frame_write(sd->c, FRAME_PROOF, sd->buf,
			    1 + plen * 32, msg)))
				goto out;
			continue;
		}
		if (type != FRAME_COSIGN || len >= sizeof line) {
			ret = unexpected(sd, type, sd->buf, len, msg);
			goto out;
		}
		memcpy(line, sd->buf, len);
		break;
	}
	line[len] = '\0';
	ret = ent_log_keep_cosignature(sd->store, sd->peer.vkey, sd->peer.pk,
	    note, n, line, msg);
out:
	free(note);
	return ret;
}

/* The witness's ask(): a consistency proof from the peer. */
static ent_err
ask_proof(void *ctx, uint64_t from, uint64_t to, ent_hash *proof,
    size_t *plen, ent_msg *msg)
{
	side *sd = ctx;
	uint8_t b[16];
	size_t len;
	int type;
	ent_err ret;

	put64(b, from);
	put64(b + 8, to);
	if ((ret = frame_write(sd->c, FRAME_PROVE, b, 16, msg)) ||
	    (ret = frame_read(sd->c, &type, sd->buf, frame_cap(FRAME_PROOF),
	    &len, msg)))
		return ret;
	if (type != FRAME_PROOF || len < 1 || sd->buf[0] > ENT_PROOF_MAX ||
	    len != 1 + (size_t)sd->buf[0] * 32)
		return ent_fail(msg, ENT_EPROTO, "no proof from %llu to %llu "
		    "came", (unsigned long long)from, (unsigned long long)to);
	*plen = sd->buf[0];
	memcpy(proof, sd->buf + 1, *plen * 32);
	return ENT_OK;
}

/* Receives the peer's checkpoint, witnesses it, answers our cosignature. */
static ent_err
witness_checkpoint(side *sd, ent_msg *msg)
{
	size_t len, plen;
	char line[512];
	uint64_t m;
	int type;
	ent_err ret;

	if ((ret = frame_read(sd->c, &type, sd->buf,
	    frame_cap(FRAME_CHECKPOINT), &len, msg)))
		return ret;
	if (type != FRAME_CHECKPOINT)
		return unexpected(sd, type, sd->buf, len, msg);
	if (len < 9 || (plen = sd->buf[8]) > ENT_PROOF_MAX ||
	    len < 9 + plen * 32) {
		frame_say(sd->c, FRAME_ABORT, "malformed CHECKPOINT");
		return ent_fail(msg, ENT_EPROTO, "malformed CHECKPOINT");
	}
	m = get64(sd->buf);
	{
		ent_hash proof[ENT_PROOF_MAX];
		char note[ENT_NOTE_MAX + 1];
		size_t nlen = len - 9 - plen * 32;

		memcpy(proof, sd->buf + 9, plen * 32);
		memcpy(note, sd->buf + 9 + plen * 32, nlen);
		note[nlen] = '\0';
		ret = ent_log_witness(sd->store, sd->node, sd->peer.vkey,
		    sd->peer.pk, note, nlen, m, proof, plen, ask_proof, sd, line,
		    sizeof line, msg);
	}
	if (ret != ENT_OK) {
		frame_say(sd->c, FRAME_ABORT, msg->text);
		return ret;
	}
	return frame_write(sd->c, FRAME_COSIGN, (const uint8_t *)line,
	    strlen(line), msg);
}

/* Tells the peer the size of its log we hold; learns the size of ours it
 * holds (where our consistency proof must start). */
static ent_err
exchange_hold(side *sd, int first, uint64_t *theirs_of_ours, ent_msg *msg)
{
	uint64_t cos, held, ev;
	uint8_t b[8];
	size_t len;
	int type;
	ent_err ret;

	if ((ret = ent_log_peer_state(sd->store, sd->peer.vkey, sd->peer.pk,
	    &cos, &held, &ev, msg)))
		return ret;
	put64(b, held);
	if (first && (ret = frame_write(sd->c, FRAME_HOLD, b, 8, msg)))
		return ret;
	if ((ret = frame_read(sd->c, &type, sd->buf, frame_cap(FRAME_POINTS),
	    &len, msg)))
		return ret;
	if (type != FRAME_HOLD || len != 8)
		return unexpected(sd, type, sd->buf, len, msg);
	*theirs_of_ours = get64(sd->buf);
	if (!first && (ret = frame_write(sd->c, FRAME_HOLD, b, 8, msg)))
		return ret;
	return ENT_OK;
}

/* The end of every session: each side's checkpoint, proved consistent
 * with what the other holds, witnessed and cosigned; the connecting
 * side's first. */
static ent_err
cosign(side *sd, int first, ent_msg *msg)
{
	uint64_t m;
	ent_err ret;

	if ((ret = exchange_hold(sd, first, &m, msg)))
		return ret;
	if (first) {
		if ((ret = send_checkpoint(sd, m, msg)))
			return ret;
		return witness_checkpoint(sd, msg);
	}
	if ((ret = witness_checkpoint(sd, msg)))
		return ret;
	return send_checkpoint(sd, m, msg);
}

/* --- the initiator's entry points ------------------------------------- */

void
ent_match_result_free(ent_match_result *r)
{
	free(r->matches);
	free(r->arena);
	r->matches = NULL;
	r->arena = NULL;
}

static ent_err
open_side(side *sd, ent_node *node, ent_store *store, const char *peer,
    void **ctx, int timeout_s, ent_msg *msg)
{
	net_limits lim = { 10000, (timeout_s ? timeout_s : 30) * 1000,
	    24 * 3600 * 1000 };
	ent_err ret;

	memset(sd, 0, sizeof *sd);
	sd->node = node;
	sd->store = store;
	if ((ret = ent_peer_get(store, peer, NULL, &sd->peer, msg)))
		return ret;
	if (sd->peer.withdrawn)
		return ent_fail(msg, ENT_EPERM, "cooperation with %s was "
		    "withdrawn (%s); re-add the peer with 'peer add --force' to "
		    "cooperate again", peer, sd->peer.withdrawn == 1 ? "by us" :
		    "by them");
	sd->buf = malloc(frame_cap(FRAME_POINTS));
	*ctx = net_ctx_new(node, msg);
	if (sd->buf == NULL || *ctx == NULL) {
		free(sd->buf);
		return *ctx ? ent_fail(msg, ENT_ENOMEM, "out of memory") :
		    ENT_ECRYPTO;
	}
	/* a server under a flood cuts off handshakes: try twice more, after
	 * half a second and a second and a half (nothing has been sent) */
	for (int tries = 0;; tries++) {
		ent_msg why = { "" };
		ret = conn_connect(&sd->c, *ctx, sd->peer.addr, &lim, &why);
		if (ret != ENT_EPROTO || tries == 2 || strncmp(why.text,
		    "TLS handshake failed", 20) != 0) {
			if (ret != ENT_OK && msg != NULL)
				*msg = why;
			break;
		}
		usleep(tries ? 1500000 : 500000);
	}
	if (ret != ENT_OK)
		goto fail;
	if (sodium_memcmp(conn_peer_key(sd->c), sd->peer.pk, 32) != 0) {
		ret = ent_fail(msg, ENT_ECRYPTO, "%s at %s presented a key that "
		    "is not the one pinned for it: refusing (a different node, "
		    "or someone in the middle)", peer, sd->peer.addr);
		goto fail;
	}
	return ENT_OK;
fail:
	conn_close(sd->c);
	net_ctx_free(*ctx);
	free(sd->buf);
	*ctx = NULL;
	return ret;
}

static void
close_side(side *sd, void *ctx)
{
	conn_close(sd->c);
	net_ctx_free(ctx);
	free(sd->buf);
}

ent_err
ent_match(ent_node *node, ent_store *store, const char *peer,
    const ent_match_opts *o, ent_match_result *r, ent_msg *msg)
{
	unsigned types = o->types ? o->types : ~0u;
	uint64_t rtheirs = 0, rours = 0;
	ent_psi_mode rmode = o->mode;
	ent_err rr = ENT_OK;
	int answered = 0;
	ent_msg rmsg, local;
	uint8_t tr[32];
	void *ctx = NULL;
	side sd;
	ent_tlp tlp;
	int type;
	size_t len;
	ent_err ret;

	if (msg == NULL)
		msg = &local;
	memset(r, 0, sizeof *r);
	if ((ret = open_side(&sd, node, store, peer, &ctx, o->timeout_s, msg)))
		return ret;
	sd.threads = o->threads;
	types &= sd.peer.policy.types & 0xffffu & ~1u;
	tlp = o->tlp_max < sd.peer.policy.tlp_max ? o->tlp_max :
	    sd.peer.policy.tlp_max;
	progress(o, "connected", 0, 0);
	ret = initiate(&sd, o->mode, types, tlp, o->mutual, o, r, msg);
	if (ret == ENT_OK && o->mutual) {
		uint8_t hello[HELLO_LEN];
		int mu;

		/* our turn to answer, under our policy for them */
		if ((ret = frame_write(sd.c, FRAME_TURN, NULL, 0, msg)) ||
		    (ret = frame_read(sd.c, &type, hello, sizeof hello, &len,
		    msg)))
			goto out;
		if (type == FRAME_HELLO && len == HELLO_LEN) {
			progress(o, "answering", 0, 0);
			rr = respond(&sd, hello, &rmode, &rtheirs, &rours, &mu,
			    &rmsg);
			answered = 1;
			if (rr != ENT_OK && rr != ENT_EPERM) {
				ret = rr;
				*msg = rmsg;
				goto out;
			}
			r->mutual = rr == ENT_OK;
			r->mutual_set = rtheirs;
			/* the peer ends its turn with BYE */
			if ((ret = frame_read(sd.c, &type, hello, sizeof hello,
			    &len, msg)))
				goto out;
		}
		if (type != FRAME_BYE) {
			ret = unexpected(&sd, type, hello, len, msg);
			goto out;
		}
	} else if (ret == ENT_OK) {
		ret = frame_write(sd.c, FRAME_BYE, NULL, 0, msg);
	}
out:
	/* every event of the session carries the same transcript hash */
	conn_transcript(sd.c, tr);
	(void)ent_session_record(store, &sd.peer, "initiator", o->mode,
	    ret == ENT_OK ? "completed" : ret == ENT_EPERM ? "refused" :
	    "aborted", r->sent, r->peer_set, r->count, tr,
	    ret ? msg->text : "", NULL);
	if (answered)
		(void)ent_session_record(store, &sd.peer, "responder", rmode,
		    rr == ENT_OK ? "completed" : rr == ENT_EPERM ? "refused" :
		    "aborted", rours, rtheirs, 0, tr, rr ? rmsg.text : "", NULL);
	if (ret == ENT_OK) {
		progress(o, "cosigning", 0, 0);
		ret = cosign(&sd, 1, msg);
	}
	close_side(&sd, ctx);
	return ret;
}

/* The signed statement of a withdrawal. */
static size_t
withdraw_text(uint8_t *out, size_t cap, const char *from, const char *to,
    uint64_t at, const char *reason)
{
	int n = snprintf((char *)out, cap, WITHDRAW_LABEL "%s\n%s\n%llu\n%s",
	    from, to, (unsigned long long)at, reason);

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

ent_err
ent_withdraw(ent_node *node, ent_store *store, const char *peer,
    const char *reason, int *delivered, ent_msg *msg)
{
	uint8_t text[2 * ENT_VKEY_MAX + REASON_MAX + 64], sig[64];
	uint8_t frame[8 + 2 + REASON_MAX + 64];
	uint64_t at = (uint64_t)time(NULL);
	size_t rn = strlen(reason), tn, len;
	ent_peer p;
	void *ctx = NULL;
	side sd;
	ent_msg ign;
	int type;
	ent_err ret;

	*delivered = 0;
	if (rn > REASON_MAX)
		return ent_fail(msg, ENT_ELIMIT, "the reason has at most %d "
		    "bytes", REASON_MAX);
	if ((ret = ent_peer_get(store, peer, NULL, &p, msg)))
		return ret;
	tn = withdraw_text(text, sizeof text, ent_node_vkey(node), p.vkey, at,
	    reason);
	ent_node_sign(node, text, tn, sig);
	if (p.withdrawn == 0 &&
	    (ret = ent_peer_withdraw(store, &p, 1, (int64_t)at, reason, sig,
	    64, msg)))
		return ret;
	/* deliver it; the record above stands either way */
	memset(&sd, 0, sizeof sd);
	sd.node = node;
	sd.store = store;
	sd.peer = p;
	sd.peer.withdrawn = 0;
	{
		net_limits lim = { 10000, 30000, 60000 };
		ctx = net_ctx_new(node, &ign);
		if (ctx == NULL || conn_connect(&sd.c, ctx, p.addr, &lim, &ign) ||
		    sodium_memcmp(conn_peer_key(sd.c), p.pk, 32) != 0)
			goto out;
	}
	put64(frame, at);
	frame[8] = (uint8_t)(rn >> 8);
	frame[9] = (uint8_t)rn;
	memcpy(frame + 10, reason, rn);
	memcpy(frame + 10 + rn, sig, 64);
	if (frame_write(sd.c, FRAME_WITHDRAW, frame, 10 + rn + 64, &ign) ==
	    ENT_OK && frame_read(sd.c, &type, frame, sizeof frame, &len,
	    &ign) == ENT_OK && type == FRAME_BYE)
		*delivered = 1;
out:
	conn_close(sd.c);
	net_ctx_free(ctx);
	return ENT_OK;
}

/* --- the server ------------------------------------------------------- */

struct ent_server {
	ent_node *node;
	ent_server_opts o;
	void *ctx;
	int fd, port;
	char store_path[ENT_PATH_MAX];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned active;                /* connections being served */
	/* those still in their TLS handshake, oldest first: when all the
	 * handshake slots are taken, the oldest without a whole ClientHello
	 * (else the oldest) is cut off, so that silent, trickling or stalled
	 * connections cannot keep partners out */
	struct task *shake_head, *shake_tail;
	unsigned nshaking, max_shaking;
};

typedef struct task {
	ent_server *srv;
	int fd;
	char from[64];
	int evict_fd;                   /* a dup of fd, to cut it off by */
	int hello;                      /* its ClientHello arrived (atomic) */
	int listed;
	struct task *prev, *next;
} task;

/* With s->mu held: the handshake list. */
static void
shake_add(ent_server *s, task *t)
{
	t->prev = s->shake_tail;
	t->next = NULL;
	if (s->shake_tail != NULL)
		s->shake_tail->next = t;
	else
		s->shake_head = t;
	s->shake_tail = t;
	t->listed = 1;
	s->nshaking++;
}

static void
shake_remove(ent_server *s, task *t)
{
	if (!t->listed)
		return;
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		s->shake_head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	else
		s->shake_tail = t->prev;
	close(t->evict_fd);
	t->listed = 0;
	s->nshaking--;
}

static void
logf_(ent_server *s, const char *fmt, ...) __attribute__((format(printf, 2,
    3)));

static void
logf_(ent_server *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (s->o.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->mu);
	s->o.log(line, s->o.ctx);
	pthread_mutex_unlock(&s->mu);
}

/* A received withdrawal: verify the statement, record it, answer BYE. */
static ent_err
take_withdrawal(side *sd, const uint8_t *p, size_t len, ent_msg *msg)
{
	uint8_t text[2 * ENT_VKEY_MAX + REASON_MAX + 64];
	char reason[REASON_MAX + 1];
	size_t rn, tn;
	uint64_t at;

	if (len < 10 + 64 || (rn = (size_t)p[8] << 8 | p[9]) > REASON_MAX ||
	    len != 10 + rn + 64)
		return ent_fail(msg, ENT_EPROTO, "malformed WITHDRAW");
	at = get64(p);
	memcpy(reason, p + 10, rn);
	reason[rn] = '\0';
	tn = withdraw_text(text, sizeof text, sd->peer.vkey,
	    ent_node_vkey(sd->node), at, reason);
	if (tn == 0 || crypto_sign_verify_detached(p + 10 + rn, text, tn,
	    sd->peer.pk) != 0)
		return ent_fail(msg, ENT_ECRYPTO, "the withdrawal's signature "
		    "does not verify");
	if (sd->peer.withdrawn == 0) {
		ent_err ret = ent_peer_withdraw(sd->store, &sd->peer, 0,
		    (int64_t)at, reason, p + 10 + rn, 64, msg);
		if (ret != ENT_OK)
			return ret;
	}
	(void)frame_write(sd->c, FRAME_BYE, NULL, 0, NULL);
	snprintf(msg->text, sizeof msg->text, "%.400s", reason);
	return ENT_OK;
}

static void
serve_one(task *t)
{
	ent_server *s = t->srv;
	net_limits lim = { s->o.handshake_s * 1000, s->o.idle_s * 1000,
	    s->o.total_s * 1000 };
	side sd;
	uint8_t hello[HELLO_LEN > 8 + 2 + REASON_MAX + 64 ? HELLO_LEN :
	    8 + 2 + REASON_MAX + 64];
	uint64_t theirs = 0, ours = 0;
	ent_psi_mode mode = ENT_PSI_INTERSECT;
	struct timespec t0, t1;
	uint8_t tr[32];
	ent_msg msg, rmsg;
	size_t len;
	int type, mutual = 0;
	ent_err ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&sd, 0, sizeof sd);
	sd.node = s->node;
	sd.threads = s->o.threads;
	msg.text[0] = '\0';
	ret = conn_accept(&sd.c, s->ctx, t->fd, &lim, &t->hello, &msg);
	pthread_mutex_lock(&s->mu);
	shake_remove(s, t);
	pthread_mutex_unlock(&s->mu);
	if (ret != ENT_OK) {
		logf_(s, "from=%s outcome=rejected reason=\"%s\"", t->from,
		    msg.text);
		return;
	}
	if ((ret = ent_store_open(&sd.store, s->store_path, 0, &msg))) {
		logf_(s, "from=%s outcome=error reason=\"%s\"", t->from,
		    msg.text);
		goto out;
	}
	if (ent_peer_get(sd.store, NULL, conn_peer_key(sd.c), &sd.peer,
	    &msg) != ENT_OK) {
		frame_say(sd.c, FRAME_REFUSE, "your key is not pinned here");
		logf_(s, "from=%s outcome=rejected reason=\"unknown key\"",
		    t->from);
		goto out;
	}
	sd.buf = malloc(frame_cap(FRAME_POINTS));
	if (sd.buf == NULL)
		goto out;
	if ((ret = frame_read(sd.c, &type, hello, sizeof hello, &len, &msg))) {
		frame_say(sd.c, FRAME_ABORT, msg.text);
		logf_(s, "from=%s peer=%s outcome=aborted reason=\"%s\"",
		    t->from, sd.peer.name, msg.text);
		goto out;
	}
	if (type == FRAME_WITHDRAW) {
		ret = take_withdrawal(&sd, hello, len, &msg);
		logf_(s, "from=%s peer=%s outcome=%s reason=\"%s\"", t->from,
		    sd.peer.name, ret ? "aborted" : "withdrawn", msg.text);
		goto out;
	}
	if (type != FRAME_HELLO || len != HELLO_LEN) {
		frame_say(sd.c, FRAME_ABORT, "expected HELLO");
		logf_(s, "from=%s peer=%s outcome=aborted reason=\"frame type "
		    "%d where HELLO was expected\"", t->from, sd.peer.name, type);
		goto out;
	}
	ret = respond(&sd, hello, &mode, &theirs, &ours, &mutual, &msg);
	if (ret == ENT_OK) {
		/* TURN: the initiator lets us query back; BYE: done */
		ret = frame_read(sd.c, &type, sd.buf, 0, &len, &msg);
		if (ret == ENT_OK && type == FRAME_TURN) {
			ent_match_result r;
			ent_err r2 = ENT_EPERM;

			memset(&r, 0, sizeof r);
			if (mutual && !sd.peer.withdrawn)
				r2 = initiate(&sd, mode, sd.peer.policy.types,
				    sd.peer.policy.tlp_max, 0, NULL, &r, &rmsg);
			/* our turn ends with BYE, refused or not */
			ret = r2 == ENT_OK || r2 == ENT_EPERM ?
			    frame_write(sd.c, FRAME_BYE, NULL, 0, &msg) : r2;
			if (mutual && !sd.peer.withdrawn) {
				conn_transcript(sd.c, tr);
				(void)ent_session_record(sd.store, &sd.peer,
				    "initiator", mode, r2 == ENT_OK ?
				    "completed" : r2 == ENT_EPERM ? "refused" :
				    "aborted", r.sent, r.peer_set, r.count, tr,
				    r2 ? rmsg.text : "", NULL);
				logf_(s, "from=%s peer=%s role=initiator "
				    "outcome=%s mode=%s ours=%llu theirs=%llu "
				    "matches=%llu", t->from, sd.peer.name,
				    r2 == ENT_OK ? "completed" : r2 == ENT_EPERM ?
				    "refused" : "aborted", mode_name(mode),
				    (unsigned long long)r.sent,
				    (unsigned long long)r.peer_set,
				    (unsigned long long)r.count);
			}
			ent_match_result_free(&r);
		} else if (ret == ENT_OK && type != FRAME_BYE) {
			ret = unexpected(&sd, type, sd.buf, len, &msg);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	conn_transcript(sd.c, tr);
	(void)ent_session_record(sd.store, &sd.peer, "responder", mode,
	    ret == ENT_OK ? "completed" : ret == ENT_EPERM ? "refused" :
	    "aborted", ours, theirs, 0, tr, ret ? msg.text : "", NULL);
	if (ret == ENT_OK && (ret = cosign(&sd, 0, &msg)) != ENT_OK) {
		logf_(s, "from=%s peer=%s outcome=aborted reason=\"cosigning: "
		    "%s\"", t->from, sd.peer.name, msg.text);
		goto out;
	}
	if (ret == ENT_OK)
		logf_(s, "from=%s peer=%s role=responder outcome=completed "
		    "mode=%s theirs=%llu ours=%llu secs=%.2f", t->from,
		    sd.peer.name, mode_name(mode), (unsigned long long)theirs,
		    (unsigned long long)ours, (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	else
		logf_(s, "from=%s peer=%s role=responder outcome=%s mode=%s "
		    "theirs=%llu reason=\"%s\"", t->from, sd.peer.name,
		    ret == ENT_EPERM ? "refused" : "aborted", mode_name(mode),
		    (unsigned long long)theirs, msg.text);
out:
	conn_close(sd.c);
	ent_store_close(sd.store);
	free(sd.buf);
}

static void *
session_thread(void *arg)
{
	task *t = arg;
	ent_server *s = t->srv;

	serve_one(t);
	pthread_mutex_lock(&s->mu);
	shake_remove(s, t);
	free(t);
	s->active--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

ent_err
ent_server_open(ent_server **out, ent_node *node, const ent_server_opts *o,
    ent_msg *msg)
{
	ent_server *s = calloc(1, sizeof *s);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	ent_err ret;

	*out = NULL;
	if (s == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	s->node = node;
	s->o = *o;
	if (s->o.max_sessions == 0)
		s->o.max_sessions = 16;
	if (s->o.handshake_s <= 0)
		s->o.handshake_s = 10;
	if (s->o.idle_s <= 0)
		s->o.idle_s = 30;
	if (s->o.total_s <= 0)
		s->o.total_s = 3600;
	s->max_shaking = s->o.max_sessions * 4 < 32 ? 32 :
	    s->o.max_sessions * 4;
	s->fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if ((ret = ent_node_store_path(node, s->store_path,
	    sizeof s->store_path, msg)))
		goto fail;
	s->ctx = net_ctx_new(node, msg);
	if (s->ctx == NULL) {
		ret = ENT_ECRYPTO;
		goto fail;
	}
	s->fd = net_listen(o->listen, msg);
	if (s->fd < 0) {
		ret = ENT_EIO;
		goto fail;
	}
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) == 0)
		s->port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	*out = s;
	return ENT_OK;
fail:
	ent_server_close(s);
	return ret;
}

void
ent_server_serve_fd(ent_server *s, int fd, const char *from)
{
	task *t = calloc(1, sizeof *t);

	if (t == NULL) {
		close(fd);
		return;
	}
	t->srv = s;
	t->fd = fd;
	t->evict_fd = -1;
	snprintf(t->from, sizeof t->from, "%s", from);
	serve_one(t);
	free(t);
}

int
ent_server_port(const ent_server *s)
{
	return s->port;
}

ent_err
ent_server_run(ent_server *s, volatile sig_atomic_t *stop, ent_msg *msg)
{
	while (!*stop) {
		struct pollfd p = { s->fd, POLLIN, 0 };
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		pthread_attr_t at;
		pthread_t tid;
		task *t;
		int fd;

		if (poll(&p, 1, 200) <= 0)
			continue;
		fd = accept4(s->fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				logf_(s, "accept: %s", strerror(errno));
				usleep(100000);
				continue;
			}
			return ent_fail(msg, ENT_EIO, "accept: %s",
			    strerror(errno));
		}
		t = calloc(1, sizeof *t);
		if (t == NULL) {
			close(fd);
			continue;
		}
		t->srv = s;
		t->fd = fd;
		if (ss.ss_family == AF_INET6) {
			char a[INET6_ADDRSTRLEN];
			struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &v6->sin6_addr, a, sizeof a);
			snprintf(t->from, sizeof t->from, "[%s]:%u", a,
			    ntohs(v6->sin6_port));
		} else {
			char a[INET_ADDRSTRLEN];
			struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &v4->sin_addr, a, sizeof a);
			snprintf(t->from, sizeof t->from, "%s:%u", a,
			    ntohs(v4->sin_port));
		}
		pthread_mutex_lock(&s->mu);
		if (s->active - s->nshaking >= s->o.max_sessions ||
		    (t->evict_fd = dup(fd)) < 0) {
			pthread_mutex_unlock(&s->mu);
			logf_(s, "from=%s outcome=rejected reason=\"busy: %u "
			    "sessions under way\"", t->from, s->o.max_sessions);
			close(fd);
			free(t);
			continue;
		}
		if (s->nshaking >= s->max_shaking) {
			/* the oldest that has not even sent a whole ClientHello,
			 * else the oldest; its thread logs the failure */
			task *old = s->shake_head;
			for (task *o = s->shake_head; o != NULL; o = o->next)
				if (!__atomic_load_n(&o->hello, __ATOMIC_RELAXED)) {
					old = o;
					break;
				}
			shutdown(old->evict_fd, SHUT_RDWR);
			shake_remove(s, old);
		}
		shake_add(s, t);
		s->active++;
		pthread_mutex_unlock(&s->mu);
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&tid, &at, session_thread, t) != 0) {
			close(fd);
			pthread_mutex_lock(&s->mu);
			shake_remove(s, t);
			free(t);
			s->active--;
			pthread_mutex_unlock(&s->mu);
		}
		pthread_attr_destroy(&at);
	}
	close(s->fd);
	s->fd = -1;
	pthread_mutex_lock(&s->mu);
	while (s->active > 0)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	return ENT_OK;
}

void
ent_server_close(ent_server *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	net_ctx_free(s->ctx);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
