/*
 * node.c — home directory, node key and identity (see entente/node.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <time.h>

#include "entente/node.h"
#include "entente/log.h"
#include "entente/store.h"

#define KEY_FILE   "node.key"
#define STORE_FILE "store.db"
#define KEY_PREFIX "PRIVATE+KEY+"

struct ent_node {
	char home[ENT_PATH_MAX];
	char name[ENT_NAME_MAX + 1];
	char vkey[ENT_VKEY_MAX];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t *sk;	/* sodium_malloc'd, crypto_sign_SECRETKEYBYTES */
};

ent_err
ent_init(ent_msg *msg)
{
	if (sodium_init() < 0)
		return ent_fail(msg, ENT_ECRYPTO, "libsodium could not start");
	return ENT_OK;
}

ent_err
ent_home_resolve(const char *opt, char *out, size_t cap, ent_msg *msg)
{
	const char *env = getenv("ENTENTE_HOME"), *home = getenv("HOME");
	int n;

	if (opt != NULL && opt[0] != '\0')
		n = snprintf(out, cap, "%s", opt);
	else if (env != NULL && env[0] != '\0')
		n = snprintf(out, cap, "%s", env);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(out, cap, "%s/.entente", home);
	else
		return ent_fail(msg, ENT_ENOENT, "no home directory: give "
		    "--home DIR or set ENTENTE_HOME");
	if (n < 0 || (size_t)n >= cap)
		return ent_fail(msg, ENT_ELIMIT, "the home path is too long");
	return ENT_OK;
}

ent_err
ent_node_name_check(const char *name, ent_msg *msg)
{
	size_t n = strlen(name);

	if (n == 0 || n > ENT_NAME_MAX)
		return ent_fail(msg, ENT_EINVAL, "a node name has 1 to %d "
		    "characters", ENT_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= 0x20 || c == 0x7f || c == '+')
			return ent_fail(msg, ENT_EINVAL, "node name '%s' has a "
			    "space, a control character or '+' (not allowed "
			    "in a C2SP key name)", name);
	}
	return ENT_OK;
}

uint32_t
ent_key_id(const char *name, uint8_t alg, const uint8_t pk[static 32])
{
	crypto_hash_sha256_state st;
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, (const uint8_t *)"\n", 1);
	crypto_hash_sha256_update(&st, &alg, 1);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
}

ent_err
ent_vkey_format(const char *name, const uint8_t pk[static 32], char *out,
    size_t cap, ent_msg *msg)
{
	uint8_t raw[33];
	char b64[sodium_base64_ENCODED_LEN(33, sodium_base64_VARIANT_ORIGINAL)];
	int n;

	raw[0] = 0x01;
	memcpy(raw + 1, pk, 32);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw,
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, cap, "%s+%08x+%s", name, ent_key_id(name, 0x01, pk), b64);
	if (n < 0 || (size_t)n >= cap)
		return ent_fail(msg, ENT_ELIMIT, "verifier key too long");
	return ENT_OK;
}

static ent_err
path_join(char *out, size_t cap, const char *dir, const char *file,
    ent_msg *msg)
{
	int n = snprintf(out, cap, "%s/%s", dir, file);

	if (n < 0 || (size_t)n >= cap)
		return ent_fail(msg, ENT_ELIMIT, "path %s/%s is too long", dir,
		    file);
	return ENT_OK;
}

ent_err
ent_node_store_path(const ent_node *node, char *out, size_t cap, ent_msg *msg)
{
	return path_join(out, cap, node->home, STORE_FILE, msg);
}

/* Is dir an existing, empty directory? */
static int
dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

static ent_err
write_key(const char *path, const char *name, const uint8_t seed[static 32],
    const uint8_t pk[static 32], ent_msg *msg)
{
	uint8_t raw[33];
	char b64[sodium_base64_ENCODED_LEN(33, sodium_base64_VARIANT_ORIGINAL)];
	char *line = NULL;
	size_t cap = ENT_NAME_MAX + 128;
	int fd = -1, n;
	ent_err ret = ENT_EIO;

	line = sodium_malloc(cap);
	if (line == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	raw[0] = 0x01;
	memcpy(raw + 1, seed, 32);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw,
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(line, cap, KEY_PREFIX "%s+%08x+%s\n", name,
	    ent_key_id(name, 0x01, pk), b64);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ent_fail(msg, ENT_EIO, "cannot create %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (write(fd, line, (size_t)n) != n || fsync(fd) != 0) {
		ent_fail(msg, ENT_EIO, "cannot write %s: %s", path,
		    strerror(errno));
		goto out;
	}
	ret = ENT_OK;
out:
	if (fd >= 0)
		close(fd);
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(b64, sizeof b64);
	sodium_free(line);
	return ret;
}

ent_err
ent_node_create(const char *home, const char *name, ent_msg *msg)
{
	char kpath[ENT_PATH_MAX], spath[ENT_PATH_MAX];
	uint8_t pk[32], *seed = NULL, *sk = NULL;
	int made_dir = 0, made_key = 0;
	ent_store *store = NULL;
	struct stat st;
	ent_err ret;

	ret = ent_node_name_check(name, msg);
	if (ret != ENT_OK)
		return ret;
	if ((ret = path_join(kpath, sizeof kpath, home, KEY_FILE, msg)) ||
	    (ret = path_join(spath, sizeof spath, home, STORE_FILE, msg)))
		return ret;
	if (stat(home, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || !dir_is_empty(home))
			return ent_fail(msg, ENT_EEXIST, "%s already exists and "
			    "is not an empty directory; nothing was changed "
			    "(use another --home, or remove it first)", home);
		if (chmod(home, 0700) != 0)
			return ent_fail(msg, ENT_EIO, "cannot chmod %s: %s",
			    home, strerror(errno));
	} else {
		if (mkdir(home, 0700) != 0)
			return ent_fail(msg, ENT_EIO, "cannot create %s: %s",
			    home, strerror(errno));
		made_dir = 1;
	}
	seed = sodium_malloc(32);
	sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (seed == NULL || sk == NULL) {
		ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
		goto out;
	}
	randombytes_buf(seed, 32);
	crypto_sign_seed_keypair(pk, sk, seed);
	ret = write_key(kpath, name, seed, pk, msg);
	if (ret != ENT_OK)
		goto out;
	made_key = 1;
	ret = ent_store_open(&store, spath, 1, msg);
	if (ret != ENT_OK)
		goto out;
	if (chmod(spath, 0600) != 0) {
		ret = ent_fail(msg, ENT_EIO, "cannot chmod %s: %s", spath,
		    strerror(errno));
		goto out;
	}
	/* the record starts with the node's birth */
	{
		char vkey[ENT_VKEY_MAX], t[24];
		const char *kv[] = { "time", t, "node", vkey, NULL };
		snprintf(t, sizeof t, "%lld", (long long)time(NULL));
		if ((ret = ent_vkey_format(name, pk, vkey, sizeof vkey, msg)) ||
		    (ret = ent_log_event(store, "node-created", kv, msg)))
			goto out;
	}
out:
	ent_store_close(store);
	sodium_free(seed);
	sodium_free(sk);
	if (ret != ENT_OK) {
		if (made_key)
			unlink(kpath);
		{
			char p[ENT_PATH_MAX + 8];
			unlink(spath);
			snprintf(p, sizeof p, "%s-wal", spath);
			unlink(p);
			snprintf(p, sizeof p, "%s-shm", spath);
			unlink(p);
		}
		if (made_dir)
			rmdir(home);
	}
	return ret;
}

/* Parses "PRIVATE+KEY+name+hex8+base64(0x01||seed)" into node. */
static ent_err
parse_key(ent_node *node, char *line, const char *path, ent_msg *msg)
{
	char *name, *hex, *b64, *p;
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	unsigned long id;
	ent_err ret = ENT_EINVAL;

	p = strchr(line, '\n');
	if (p != NULL)
		*p = '\0';
	if (strncmp(line, KEY_PREFIX, strlen(KEY_PREFIX)) != 0)
		goto bad;
	name = line + strlen(KEY_PREFIX);
	hex = strchr(name, '+');
	if (hex == NULL)
		goto bad;
	*hex++ = '\0';
	b64 = strchr(hex, '+');
	if (b64 == NULL)
		goto bad;
	*b64++ = '\0';
	if (ent_node_name_check(name, NULL) != ENT_OK || strlen(hex) != 8)
		goto bad;
	id = strtoul(hex, &p, 16);
	if (*p != '\0')
		goto bad;
	raw = sodium_malloc(64);
	if (raw == NULL)
		return ent_fail(msg, ENT_ENOMEM, "out of memory");
	if (sodium_base642bin(raw, 64, b64, strlen(b64), NULL, &rawlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || rawlen != 33 ||
	    raw[0] != 0x01)
		goto bad;
	crypto_sign_seed_keypair(node->pk, node->sk, raw + 1);
	if (ent_key_id(name, 0x01, node->pk) != id)
		goto bad;
	snprintf(node->name, sizeof node->name, "%s", name);
	ret = ent_vkey_format(node->name, node->pk, node->vkey,
	    sizeof node->vkey, msg);
	goto out;
bad:
	ret = ent_fail(msg, ENT_EINVAL, "%s is not a valid node key file",
	    path);
out:
	sodium_free(raw);
	return ret;
}

ent_err
ent_node_open(ent_node **out, const char *home, ent_msg *msg)
{
	char kpath[ENT_PATH_MAX];
	char *line = NULL;
	ent_node *node = NULL;
	struct stat st;
	ssize_t n;
	int fd = -1;
	ent_err ret;

	*out = NULL;
	ret = path_join(kpath, sizeof kpath, home, KEY_FILE, msg);
	if (ret != ENT_OK)
		return ret;
	fd = open(kpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return ent_fail(msg, ENT_ENOENT, "no node in %s: run "
			    "'entente --home %s init --name NAME' first", home,
			    home);
		return ent_fail(msg, ENT_EIO, "cannot open %s: %s", kpath,
		    strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		ret = ent_fail(msg, ENT_EIO, "cannot stat %s: %s", kpath,
		    strerror(errno));
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		ret = ent_fail(msg, ENT_EPERM, "%s is readable by group or "
		    "others (mode %04o); the node key must be private: run "
		    "'chmod 600 %s'", kpath, (unsigned)(st.st_mode & 07777),
		    kpath);
		goto out;
	}
	node = calloc(1, sizeof *node);
	line = sodium_malloc(1024);
	if (node == NULL || line == NULL) {
		ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
		goto out;
	}
	node->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (node->sk == NULL) {
		ret = ent_fail(msg, ENT_ENOMEM, "out of memory");
		goto out;
	}
	n = read(fd, line, 1023);
	if (n <= 0) {
		ret = ent_fail(msg, ENT_EIO, "cannot read %s", kpath);
		goto out;
	}
	line[n] = '\0';
	ret = parse_key(node, line, kpath, msg);
	if (ret != ENT_OK)
		goto out;
	snprintf(node->home, sizeof node->home, "%s", home);
	*out = node;
	node = NULL;
out:
	if (fd >= 0)
		close(fd);
	sodium_free(line);
	ent_node_close(node);
	return ret;
}

void
ent_node_close(ent_node *node)
{
	if (node == NULL)
		return;
	sodium_free(node->sk);
	free(node);
}

void
ent_node_sign(const ent_node *node, const uint8_t *m, size_t mlen,
    uint8_t sig[static 64])
{
	crypto_sign_detached(sig, NULL, m, mlen, node->sk);
}

const uint8_t *
ent_node_seed(const ent_node *node)
{
	return node->sk;	/* libsodium's secret key is seed || pk */
}

const char *ent_node_name(const ent_node *node) { return node->name; }
const char *ent_node_vkey(const ent_node *node) { return node->vkey; }
const char *ent_node_home(const ent_node *node) { return node->home; }
const uint8_t *ent_node_public_key(const ent_node *node) { return node->pk; }
