/*
 * store.c — the SQLite indicator store (see include/entente/store.h).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entente/store.h"
#include "entente/warninglist.h"
#include "store_int.h"

/* Schema migrations: migrations[i] takes user_version i to i + 1. Never
 * edit one that has shipped; append a new one. */
static const char *const migrations[] = {
	/* 0 -> 1. type is the ent_type code (indicator.h: never renumbered).
	 * One row per indicator, keyed by (type, value) in one
	 * B-tree: sources (source ids) and tags are lists written ",a,b,", so
	 * that a bulk import touches one B-tree entry per indicator. */
	"CREATE TABLE source ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE indicator ("
	"  type INTEGER NOT NULL,"
	"  value TEXT NOT NULL,"
	"  sources TEXT NOT NULL,"
	"  tags TEXT NOT NULL DEFAULT ',',"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  confidence INTEGER,"
	"  tlp INTEGER NOT NULL,"
	"  valid_until INTEGER,"
	"  revoked INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (type, value)) WITHOUT ROWID;",
	/* 1 -> 2: partners. Budgets and withdrawals are kept by name and key
	 * apart from the peer row, so removing and re-adding a peer resets
	 * neither. */
	"CREATE TABLE peer ("
	"  name TEXT PRIMARY KEY,"
	"  vkey TEXT NOT NULL UNIQUE,"
	"  pk BLOB NOT NULL UNIQUE,"
	"  addr TEXT NOT NULL,"
	"  max_set INTEGER NOT NULL,"
	"  daily_budget INTEGER NOT NULL,"
	"  min_interval INTEGER NOT NULL,"
	"  modes INTEGER NOT NULL,"
	"  types INTEGER NOT NULL,"
	"  tlp_max INTEGER NOT NULL,"
	"  added_at INTEGER NOT NULL,"
	"  last_session INTEGER);"
	"CREATE TABLE withdrawal ("
	"  pk BLOB PRIMARY KEY,"
	"  peer TEXT NOT NULL,"
	"  by_us INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  signature BLOB) WITHOUT ROWID;"
	"CREATE TABLE budget ("
	"  pk BLOB NOT NULL,"
	"  day INTEGER NOT NULL,"
	"  used INTEGER NOT NULL,"
	"  PRIMARY KEY (pk, day)) WITHOUT ROWID;"
	"CREATE TABLE corroboration ("
	"  type INTEGER NOT NULL,"
	"  value TEXT NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  PRIMARY KEY (type, value, peer)) WITHOUT ROWID;",
	/* 2 -> 3: the joint record (lib/log.c, docs/RECORD.md). An entry
	 * keeps its leaf hash; log_hash holds every larger complete
	 * subtree's hash, by the index of ent_tlog_stored_index. */
	"CREATE TABLE log_entry ("
	"  idx INTEGER PRIMARY KEY,"
	"  data BLOB NOT NULL,"
	"  hash BLOB NOT NULL);"
	"CREATE TABLE log_hash ("
	"  id INTEGER PRIMARY KEY,"
	"  hash BLOB NOT NULL);"
	"CREATE TABLE log_checkpoint ("
	"  size INTEGER PRIMARY KEY,"
	"  root BLOB NOT NULL,"
	"  note TEXT NOT NULL);"
	"CREATE TABLE log_cosignature ("
	"  size INTEGER NOT NULL,"
	"  peer TEXT NOT NULL,"
	"  line TEXT NOT NULL,"
	"  PRIMARY KEY (size, peer)) WITHOUT ROWID;"
	"CREATE TABLE peer_checkpoint ("
	"  pk BLOB PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  root BLOB NOT NULL,"
	"  note TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE peer_evidence ("
	"  id INTEGER PRIMARY KEY,"
	"  pk BLOB NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  held TEXT NOT NULL,"
	"  presented TEXT NOT NULL);",
	/* 3 -> 4: what the guard saw, and a generation counter that every
	 * committed change of indicators or corroborations moves, so that the
	 * compiled matcher knows when it is stale. */
	"CREATE TABLE sighting ("
	"  type INTEGER NOT NULL,"
	"  value TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  PRIMARY KEY (type, value)) WITHOUT ROWID;"
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL);"
	"INSERT INTO meta (key, value) VALUES ('generation', 0);",
	/* 4 -> 5: warninglists (lib/warninglist.c). An indicator that hits
	 * one names it; held: flagged and not allowed, so not active. */
	"ALTER TABLE indicator ADD COLUMN warninglist TEXT;"
	"ALTER TABLE indicator ADD COLUMN held INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE warninglist ("
	"  name TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  description TEXT NOT NULL,"
	"  entries TEXT NOT NULL,"
	"  builtin INTEGER NOT NULL);",
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

enum {
	Q_INSERT, Q_UPDATE, Q_UPSERT, Q_TOTAL, Q_SOURCE_ADD, Q_SOURCE_ID, Q_SOURCES, Q_REVOKE,
	Q_EACH, Q_COUNT, Q_GET, Q_LOOKUP, NQ
};

/* How a sighting merges into the row that is there: sources and tags
 * gain, last seen moves on, TLP becomes the stricter, confidence the
 * higher. ?3 is ",source-id,". */
#define MERGE \
	"sources = CASE WHEN instr(sources, ?3) THEN sources " \
	"  ELSE sources || substr(?3, 2) END, " \
	"last_seen = max(last_seen, ?4), " \
	"first_seen = min(first_seen, ?4), " \
	"confidence = CASE WHEN ?5 IS NULL THEN confidence " \
	"  ELSE max(coalesce(confidence, -1), ?5) END, " \
	"tlp = max(tlp, ?6), " \
	"valid_until = CASE WHEN ?7 IS NULL OR valid_until IS NULL " \
	"  THEN NULL ELSE max(valid_until, ?7) END, " \
	"warninglist = coalesce(?8, warninglist), " \
	"held = CASE WHEN ?8 IS NULL THEN held ELSE ?9 END, " \
	"revoked = max(revoked, ?10), " \
	"tags = ent_tags_merge(tags, ?11) "

static const char *const sql[NQ] = {
	[Q_INSERT] = "INSERT OR IGNORE INTO indicator (type, value, sources, "
	    "first_seen, last_seen, confidence, tlp, valid_until, "
	    "warninglist, held, revoked, tags) "
	    "VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[Q_UPDATE] = "UPDATE indicator SET " MERGE
	    "WHERE type = ?1 AND value = ?2",
	[Q_UPSERT] = "INSERT INTO indicator (type, value, sources, "
	    "first_seen, last_seen, confidence, tlp, valid_until, "
	    "warninglist, held, revoked, tags) "
	    "VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
	    "ON CONFLICT (type, value) DO UPDATE SET " MERGE,
	[Q_TOTAL] = "SELECT count(*) FROM indicator",
	[Q_SOURCE_ADD] = "INSERT OR IGNORE INTO source (name) VALUES (?1)",
	[Q_SOURCE_ID] = "SELECT id FROM source WHERE name = ?1",
	[Q_SOURCES] = "SELECT id, name FROM source",
	[Q_REVOKE] = "UPDATE indicator SET revoked = 1 "
	    "WHERE type = ?1 AND value = ?2",
#define RECORD_COLUMNS \
	"SELECT i.type, i.value, i.tlp, i.confidence, i.first_seen, " \
	"i.last_seen, i.valid_until, i.revoked, i.sources, i.tags, " \
	"i.warninglist, i.held " \
	"FROM indicator i "
#define ACTIVE STORE_ACTIVE("?3")
	[Q_EACH] = RECORD_COLUMNS
	    "WHERE (?1 IS NULL OR i.type = ?1) AND (?2 OR " ACTIVE ") "
	    "ORDER BY i.type, i.value",
	[Q_COUNT] = "SELECT i.type, count(*) FROM indicator i "
	    "WHERE (?2 OR " ACTIVE ") AND ?1 IS NULL GROUP BY i.type",
	[Q_GET] = RECORD_COLUMNS
	    "WHERE i.type = ?1 AND i.value = ?2 AND " ACTIVE,
	[Q_LOOKUP] = RECORD_COLUMNS "WHERE i.type = ?1 AND i.value = ?2",
};

static void tags_merge(sqlite3_context *cx, int argc, sqlite3_value **argv);

struct ent_store {
	sqlite3 *db;
	sqlite3_stmt *q[NQ];
	int64_t source_id;          /* cache of the last source looked up */
	char source_name[ENT_NAME_MAX + 1];
	char source_list[32];       /* ",id," of that source */
	/* source id -> name, loaded when records are read */
	char **names;
	size_t nnames;
	int names_stale;
	char *render[2];            /* sources and tags of the current record */
	size_t render_cap[2];
	sqlite3_stmt *slots[STORE_SLOTS];   /* other modules' statements */
	int dirty;                  /* indicators changed in this transaction */
	char *tag_list;             /* the tags of the current put */
	size_t tag_cap;
};

void
store_touch(ent_store *s)
{
	s->dirty = 1;
}

sqlite3_stmt *
store_stmt(ent_store *s, int slot, const char *sql_text)
{
	if (slot < 0 || slot >= STORE_SLOTS)
		return NULL;
	if (s->slots[slot] == NULL &&
	    sqlite3_prepare_v3(s->db, sql_text, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->slots[slot], NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(s->slots[slot]);
	sqlite3_clear_bindings(s->slots[slot]);
	return s->slots[slot];
}

sqlite3 *
store_db(ent_store *s)
{
	return s->db;
}

ent_err
store_fail(ent_store *s, ent_msg *msg, const char *what)
{
	return ent_fail(msg, ENT_ESTORE, "store: %s: %s", what,
	    s->db ? sqlite3_errmsg(s->db) : "no database");
}

static ent_err
db_fail(ent_store *s, ent_msg *msg, const char *what)
{
	return ent_fail(msg, ENT_ESTORE, "store: %s: %s", what,
	    s->db ? sqlite3_errmsg(s->db) : "no database");
}

static ent_err
exec(ent_store *s, const char *q, ent_msg *msg)
{
	char *err = NULL;

	if (sqlite3_exec(s->db, q, NULL, NULL, &err) != SQLITE_OK) {
		ent_fail(msg, ENT_ESTORE, "store: %s", err ? err : "failed");
		sqlite3_free(err);
		return ENT_ESTORE;
	}
	return ENT_OK;
}

static ent_err
migrate(ent_store *s, ent_msg *msg)
{
	sqlite3_stmt *st = NULL;
	int version;
	ent_err ret;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(s, msg, "reading the schema version");
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > NMIGRATIONS)
		return ent_fail(msg, ENT_ESTORE, "store: schema version %d is "
		    "newer than this entente knows (%d); upgrade entente",
		    version, NMIGRATIONS);
	if (version == NMIGRATIONS)
		return ENT_OK;
	if ((ret = exec(s, "BEGIN IMMEDIATE", msg)) != ENT_OK)
		return ret;
	for (; version < NMIGRATIONS; version++) {
		char pragma[64];
		if ((ret = exec(s, migrations[version], msg)) != ENT_OK)
			goto fail;
		if (version == 4 && (ret = ent_warninglist_install_builtin(s,
		    msg)) != ENT_OK)
			goto fail;
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
		    version + 1);
		if ((ret = exec(s, pragma, msg)) != ENT_OK)
			goto fail;
	}
	return exec(s, "COMMIT", msg);
fail:
	exec(s, "ROLLBACK", NULL);
	return ret;
}

ent_err
ent_store_open(ent_store **out, const char *path, int create, ent_msg *msg)
{
	ent_store *s;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    (create ? SQLITE_OPEN_CREATE : 0);
	ent_err ret;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		ret = ent_fail(msg, ENT_ESTORE, "cannot open the store %s: %s",
		    path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (sqlite3_create_function(s->db, "ent_tags_merge", 2, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, tags_merge, NULL, NULL) != SQLITE_OK) {
		ret = db_fail(s, msg, "registering a function");
		goto fail;
	}
	if ((ret = exec(s, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA cache_size = -262144;"
	    "PRAGMA temp_store = MEMORY;", msg)) != ENT_OK)
		goto fail;
	if ((ret = migrate(s, msg)) != ENT_OK)
		goto fail;
	for (int i = 0; i < NQ; i++) {
		if (sqlite3_prepare_v3(s->db, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL) != SQLITE_OK) {
			ret = db_fail(s, msg, "preparing a statement");
			goto fail;
		}
	}
	s->source_id = -1;
	s->names_stale = 1;
	*out = s;
	return ENT_OK;
fail:
	ent_store_close(s);
	return ret;
}

void
ent_store_close(ent_store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < NQ; i++)
		sqlite3_finalize(s->q[i]);
	for (int i = 0; i < STORE_SLOTS; i++)
		sqlite3_finalize(s->slots[i]);
	sqlite3_close(s->db);
	for (size_t i = 0; i < s->nnames; i++)
		free(s->names[i]);
	free(s->names);
	free(s->render[0]);
	free(s->render[1]);
	free(s->tag_list);
	free(s);
}

ent_err
ent_store_begin(ent_store *s, ent_msg *msg)
{
	return exec(s, "BEGIN IMMEDIATE", msg);
}

ent_err
ent_store_commit(ent_store *s, ent_msg *msg)
{
	ent_err ret = ENT_OK;

	if (s->dirty)	/* the compiled matcher must see the change */
		ret = exec(s, "UPDATE meta SET value = value + 1 WHERE key = "
		    "'generation'", msg);
	s->dirty = 0;
	if (ret == ENT_OK)
		ret = exec(s, "COMMIT", msg);

	if (ret != ENT_OK)
		ent_store_rollback(s);
	return ret;
}

void
ent_store_rollback(ent_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		exec(s, "ROLLBACK", NULL);
	s->dirty = 0;
	s->source_id = -1;	/* a rolled-back source row is gone */
}

static sqlite3_stmt *
stmt(ent_store *s, int which)
{
	sqlite3_stmt *st = s->q[which];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static int64_t
now(void)
{
	return (int64_t)time(NULL);
}

static ent_err
source_id(ent_store *s, const char *name, int64_t *id, ent_msg *msg)
{
	sqlite3_stmt *st;

	if (s->source_id >= 0 && strcmp(s->source_name, name) == 0) {
		*id = s->source_id;
		return ENT_OK;
	}
	if (strlen(name) == 0 || strlen(name) > ENT_NAME_MAX ||
	    strchr(name, ',') != NULL)
		return ent_fail(msg, ENT_EINVAL, "source '%s': a source name has "
		    "1 to %d bytes and no ','", name, ENT_NAME_MAX);
	st = stmt(s, Q_SOURCE_ADD);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(s, msg, "adding a source");
	st = stmt(s, Q_SOURCE_ID);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_fail(s, msg, "finding a source");
	*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	s->source_id = *id;
	snprintf(s->source_name, sizeof s->source_name, "%s", name);
	snprintf(s->source_list, sizeof s->source_list, ",%lld,",
	    (long long)*id);
	s->names_stale = 1;
	return ENT_OK;
}

/* The tags of meta as a list ",a,b," into s->tag_list; each has 1 to
 * ENT_NAME_MAX bytes and no ','. */
static ent_err
tag_list(ent_store *s, const ent_meta *meta, ent_msg *msg)
{
	size_t need = 2, o = 1;

	for (size_t i = 0; i < meta->ntags; i++) {
		const char *tag = meta->tags[i];
		size_t n = strlen(tag);
		if (n == 0 || n > ENT_NAME_MAX || strchr(tag, ',') != NULL)
			return ent_fail(msg, ENT_EINVAL, "tag '%s': a tag has 1 "
			    "to %d bytes and no ','", tag, ENT_NAME_MAX);
		need += n + 1;
	}
	if (need > s->tag_cap) {
		char *b = realloc(s->tag_list, need);
		if (b == NULL)
			return ent_fail(msg, ENT_ENOMEM, "out of memory");
		s->tag_list = b;
		s->tag_cap = need;
	}
	s->tag_list[0] = ',';
	for (size_t i = 0; i < meta->ntags; i++) {
		size_t n = strlen(meta->tags[i]);
		memcpy(s->tag_list + o, meta->tags[i], n);
		o += n;
		s->tag_list[o++] = ',';
	}
	s->tag_list[o] = '\0';
	return ENT_OK;
}

/* ent_tags_merge(old, new): the tag list old (",a,b,") with the tags of
 * new that it lacks appended, in one statement with the upsert. */
static void
tags_merge(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const char *old = (const char *)sqlite3_value_text(argv[0]);
	const char *add = (const char *)sqlite3_value_text(argv[1]);
	char *out, *o;
	size_t ol;

	(void)argc;
	if (old == NULL || *old == '\0')
		old = ",";
	if (add == NULL || strcmp(add, ",") == 0 || strcmp(old, add) == 0) {
		sqlite3_result_text(cx, old, -1, SQLITE_TRANSIENT);
		return;
	}
	ol = strlen(old);
	if ((out = sqlite3_malloc64(ol + strlen(add) + 1)) == NULL) {
		sqlite3_result_error_nomem(cx);
		return;
	}
	memcpy(out, old, ol + 1);
	o = out + ol;
	for (const char *t = add + 1; *t;) {
		const char *e = strchr(t, ',');
		size_t n = e ? (size_t)(e - t) : strlen(t);
		char *at = out;
		int have = 0;
		while ((at = strstr(at, ",")) != NULL && at[1]) {
			if (strncmp(at + 1, t, n) == 0 && at[1 + n] == ',') {
				have = 1;
				break;
			}
			at++;
		}
		if (!have && n > 0) {
			memcpy(o, t, n);
			o += n;
			*o++ = ',';
			*o = '\0';
		}
		t = e ? e + 1 : t + n;
	}
	sqlite3_result_text(cx, out, -1, sqlite3_free);
}

ent_err
ent_store_put(ent_store *s, const ent_indicator *ind, const ent_meta *meta,
    int *added, ent_msg *msg)
{
	sqlite3_stmt *st;
	int64_t sid = -1, seen = meta->seen ? meta->seen : now();
	int isnew = 0;
	const char *src = meta->source ? meta->source : "local";
	ent_err ret;

	if (ind->type <= ENT_TYPE_AUTO || ind->type >= ENT_TYPE_COUNT)
		return ent_fail(msg, ENT_EINVAL, "indicator has no type");
	if ((unsigned)meta->tlp >= ENT_TLP_COUNT || meta->confidence > 100 ||
	    meta->confidence < -1)
		return ent_fail(msg, ENT_EINVAL, "TLP or confidence out of "
		    "range");
	if ((ret = source_id(s, src, &sid, msg)) != ENT_OK)
		return ret;
	if ((ret = tag_list(s, meta, msg)) != ENT_OK)
		return ret;
	s->dirty = 1;
	/* Insert when new, else merge into the row that is there: in one
	 * statement when the caller need not know which. */
	for (int q = added ? Q_INSERT : Q_UPSERT; q <= Q_UPSERT; q++) {
		/* every parameter is bound: no need to clear bindings */
		st = s->q[q];
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, (int)ind->type);
		sqlite3_bind_text(st, 2, ind->value, (int)ind->len,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 3, s->source_list, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, seen);
		if (meta->confidence >= 0)
			sqlite3_bind_int(st, 5, meta->confidence);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_int(st, 6, (int)meta->tlp);
		if (meta->valid_until)
			sqlite3_bind_int64(st, 7, meta->valid_until);
		else
			sqlite3_bind_null(st, 7);
		if (meta->warninglist != NULL)
			sqlite3_bind_text(st, 8, meta->warninglist, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 8);
		sqlite3_bind_int(st, 9, meta->warninglist != NULL &&
		    !meta->allow_warninglisted);
		sqlite3_bind_int(st, 10, meta->revoked != 0);
		sqlite3_bind_text(st, 11, s->tag_list, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return db_fail(s, msg, "storing an indicator");
		isnew = q == Q_INSERT && sqlite3_changes(s->db) > 0;
		if (isnew || q != Q_INSERT)
			break;
	}
	if (added != NULL)
		*added = isnew;
	return ENT_OK;
}

ent_err
ent_store_revoke(ent_store *s, const ent_indicator *ind, int *found,
    ent_msg *msg)
{
	sqlite3_stmt *st = stmt(s, Q_REVOKE);

	s->dirty = 1;
	sqlite3_bind_int(st, 1, (int)ind->type);
	sqlite3_bind_text(st, 2, ind->value, (int)ind->len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(s, msg, "revoking an indicator");
	if (found != NULL)
		*found = sqlite3_changes(s->db) > 0;
	return ENT_OK;
}

/* Loads the source id -> name table. */
static ent_err
load_names(ent_store *s, ent_msg *msg)
{
	sqlite3_stmt *st = stmt(s, Q_SOURCES);
	int rc;

	for (size_t i = 0; i < s->nnames; i++)
		free(s->names[i]);
	s->nnames = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		if (id < 0 || id > 1000000 || name == NULL)
			continue;
		if ((size_t)id >= s->nnames) {
			char **n = realloc(s->names, ((size_t)id + 1) *
			    sizeof *n);
			if (n == NULL)
				return ent_fail(msg, ENT_ENOMEM, "out of memory");
			for (size_t i = s->nnames; i <= (size_t)id; i++)
				n[i] = NULL;
			s->names = n;
			s->nnames = (size_t)id + 1;
		}
		free(s->names[id]);
		s->names[id] = strdup(name);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, msg, "reading sources");
	s->names_stale = 0;
	return ENT_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Renders a stored ",a,b," list (of source ids when ids) as "a,b" sorted by
 * name, into s->render[which]. NULL when out of memory. */
static const char *
render_list(ent_store *s, int which, const char *list, int ids)
{
	const char *items[256];
	size_t n = 0, need = 1, o = 0;
	char *copy = strdup(list ? list : ""), *p, *save = NULL;

	if (copy == NULL)
		return NULL;
	for (p = strtok_r(copy, ",", &save); p != NULL && n < 256;
	    p = strtok_r(NULL, ",", &save)) {
		if (ids) {
			char *end;
			unsigned long id = strtoul(p, &end, 10);
			if (*end != '\0' || id >= s->nnames ||
			    s->names[id] == NULL)
				continue;
			items[n++] = s->names[id];
		} else {
			items[n++] = p;
		}
	}
	qsort(items, n, sizeof items[0], cmp_str);
	for (size_t i = 0; i < n; i++)
		need += strlen(items[i]) + 1;
	if (need > s->render_cap[which]) {
		char *b = realloc(s->render[which], need);
		if (b == NULL) {
			free(copy);
			return NULL;
		}
		s->render[which] = b;
		s->render_cap[which] = need;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(items[i]);
		if (i > 0)
			s->render[which][o++] = ',';
		memcpy(s->render[which] + o, items[i], len);
		o += len;
	}
	s->render[which][o] = '\0';
	free(copy);
	return s->render[which];
}

/* Steps st, handing each row to fn as an ent_record; counts rows. */
static ent_err
each_row(ent_store *s, sqlite3_stmt *st, ent_record_fn fn, void *ctx,
    int *rows, ent_msg *msg)
{
	ent_err ret;
	int rc;

	if (s->names_stale && (ret = load_names(s, msg)) != ENT_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ent_record r;
		int t = sqlite3_column_int(st, 0);

		if (t <= ENT_TYPE_AUTO || t >= ENT_TYPE_COUNT)
			continue;	/* a type this version does not know */
		r.type = (ent_type)t;
		r.value = (const char *)sqlite3_column_text(st, 1);
		r.tlp = (ent_tlp)sqlite3_column_int(st, 2);
		r.confidence = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 3);
		r.first_seen = sqlite3_column_int64(st, 4);
		r.last_seen = sqlite3_column_int64(st, 5);
		r.valid_until = sqlite3_column_int64(st, 6);
		r.revoked = sqlite3_column_int(st, 7);
		r.warninglist = (const char *)sqlite3_column_text(st, 10);
		r.held = sqlite3_column_int(st, 11);
		r.sources = render_list(s, 0,
		    (const char *)sqlite3_column_text(st, 8), 1);
		r.tags = render_list(s, 1,
		    (const char *)sqlite3_column_text(st, 9), 0);
		if (r.sources == NULL || r.tags == NULL) {
			sqlite3_reset(st);
			return ent_fail(msg, ENT_ENOMEM, "out of memory");
		}
		if (rows != NULL)
			(*rows)++;
		if (fn != NULL && fn(&r, ctx) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, msg, "reading indicators");
	sqlite3_reset(st);
	return ENT_OK;
}

ent_err
ent_store_each(ent_store *s, ent_type type, int include_inactive,
    ent_record_fn fn, void *ctx, ent_msg *msg)
{
	sqlite3_stmt *st = stmt(s, Q_EACH);

	if (type != ENT_TYPE_AUTO)
		sqlite3_bind_int(st, 1, (int)type);
	sqlite3_bind_int(st, 2, include_inactive != 0);
	sqlite3_bind_int64(st, 3, now());
	return each_row(s, st, fn, ctx, NULL, msg);
}

ent_err
ent_store_sighting(ent_store *s, ent_type type, const char *value,
    uint64_t count, int64_t first, int64_t last, ent_msg *msg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO sighting (type, value, "
	    "count, first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5) ON "
	    "CONFLICT (type, value) DO UPDATE SET count = count + ?3, "
	    "first_seen = min(first_seen, ?4), last_seen = max(last_seen, ?5)",
	    -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, msg, "preparing");
	sqlite3_bind_int(st, 1, (int)type);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)count);
	sqlite3_bind_int64(st, 4, first);
	sqlite3_bind_int64(st, 5, last);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ENT_OK : db_fail(s, msg, "a sighting");
}

ent_err
ent_store_generation(ent_store *s, uint64_t *g, ent_msg *msg)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = "
	    "'generation'", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(s, msg, "reading the generation");
	}
	*g = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return ENT_OK;
}

ent_err
ent_store_total(ent_store *s, uint64_t *total, ent_msg *msg)
{
	sqlite3_stmt *st = stmt(s, Q_TOTAL);

	if (sqlite3_step(st) != SQLITE_ROW)
		return db_fail(s, msg, "counting indicators");
	*total = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return ENT_OK;
}

ent_err
ent_store_count(ent_store *s, uint64_t counts[ENT_TYPE_COUNT], ent_msg *msg)
{
	sqlite3_stmt *st = stmt(s, Q_COUNT);
	int rc;

	memset(counts, 0, sizeof(uint64_t) * ENT_TYPE_COUNT);
	sqlite3_bind_int(st, 2, 0);
	sqlite3_bind_int64(st, 3, now());
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int t = sqlite3_column_int(st, 0);
		if (t <= ENT_TYPE_AUTO || t >= ENT_TYPE_COUNT)
			continue;
		counts[t] = (uint64_t)sqlite3_column_int64(st, 1);
		counts[ENT_TYPE_AUTO] += counts[t];
	}
	if (rc != SQLITE_DONE)
		return db_fail(s, msg, "counting indicators");
	sqlite3_reset(st);
	return ENT_OK;
}

/* Looks up one exact (type, value) among the active indicators. */
static ent_err
get(ent_store *s, ent_type type, const char *value, ent_record_fn fn,
    void *ctx, int *held, ent_msg *msg)
{
	sqlite3_stmt *st = stmt(s, Q_GET);

	sqlite3_bind_int(st, 1, (int)type);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now());
	return each_row(s, st, fn, ctx, held, msg);
}

ent_err
ent_store_count_held(ent_store *s, uint64_t *n, ent_msg *msg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM indicator WHERE "
	    "held = 1 AND revoked = 0", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return db_fail(s, msg, "counting held indicators");
	}
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? ENT_OK : db_fail(s, msg,
	    "counting held indicators");
}

ent_err
ent_store_lookup(ent_store *s, const ent_indicator *ind, ent_record_fn fn,
    void *ctx, int *found, ent_msg *msg)
{
	sqlite3_stmt *st = stmt(s, Q_LOOKUP);

	*found = 0;
	sqlite3_bind_int(st, 1, (int)ind->type);
	sqlite3_bind_text(st, 2, ind->value, -1, SQLITE_STATIC);
	return each_row(s, st, fn, ctx, found, msg);
}

ent_err
ent_store_check(ent_store *s, const ent_indicator *ind, ent_record_fn fn,
    void *ctx, int *held, ent_msg *msg)
{
	ent_indicator addr, net;
	ent_err ret;
	unsigned plen, maxlen;

	*held = 0;
	switch (ind->type) {
	case ENT_TYPE_DOMAIN:
		/* the name, then each parent */
		for (const char *p = ind->value; p != NULL;) {
			if ((ret = get(s, ENT_TYPE_DOMAIN, p, fn, ctx, held,
			    msg)) != ENT_OK)
				return ret;
			p = strchr(p, '.');
			if (p != NULL)
				p++;
		}
		return ENT_OK;
	case ENT_TYPE_IPV4:
	case ENT_TYPE_IPV6:
	case ENT_TYPE_IPV4_NET:
	case ENT_TYPE_IPV6_NET:
		addr = *ind;
		if ((ret = get(s, ind->type, ind->value, fn, ctx, held, msg)) !=
		    ENT_OK)
			return ret;
		maxlen = (ind->type == ENT_TYPE_IPV4 ||
		    ind->type == ENT_TYPE_IPV4_NET) ? 32 : 128;
		plen = maxlen;
		if (ind->type == ENT_TYPE_IPV4_NET ||
		    ind->type == ENT_TYPE_IPV6_NET) {
			char *slash = strchr(addr.value, '/');
			plen = (unsigned)strtoul(slash + 1, NULL, 10);
			*slash = '\0';
			addr.len = (size_t)(slash - addr.value);
			addr.type = maxlen == 32 ? ENT_TYPE_IPV4 :
			    ENT_TYPE_IPV6;
		}
		/* every network strictly wider than the value, longest first */
		while (plen-- > 0) {
			if ((ret = ent_indicator_network_of(&addr, plen, &net,
			    msg)) != ENT_OK)
				return ret;
			if ((ret = get(s, net.type, net.value, fn, ctx, held,
			    msg)) != ENT_OK)
				return ret;
		}
		return ENT_OK;
	default:
		return get(s, ind->type, ind->value, fn, ctx, held, msg);
	}
}
