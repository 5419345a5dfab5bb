/* Node identity: Ed25519 key pair from a seed; key files with mode 0600. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crdt.h"

#define KEYFILE_MAGIC "linli-ed25519-seed-v1 "
#define KEYFILE_LEN (sizeof(KEYFILE_MAGIC) - 1 + 2 * CRDT_SEED_BYTES + 1)

int crdt_init(void)
{
  return sodium_init() < 0 ? LINLI_ECRYPTO : 0;
}

int crdt_identity_from_seed(struct crdt_identity *id, const uint8_t seed[CRDT_SEED_BYTES])
{
  if (crypto_sign_seed_keypair(id->pk, id->sk, seed) != 0) {
    crdt_identity_wipe(id);
    return LINLI_ECRYPTO;
  }
  return 0;
}

void crdt_identity_wipe(struct crdt_identity *id)
{
  sodium_memzero(id, sizeof(*id));
}

static int write_all(int fd, const void *data, size_t n)
{
  const char *p = data;
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Makes a rename in path's directory durable. */
static int fsync_dir(const char *path)
{
  char dir[4096];
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) : 1;
  if (n == 0)
    n = 1; /* "/key" lives in "/" */
  if (n >= sizeof dir)
    return LINLI_ETOOBIG;
  memcpy(dir, slash ? path : ".", n);
  dir[n] = 0;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  int rc = fsync(fd) < 0 ? -errno : 0;
  close(fd);
  return rc;
}

int crdt_file_replace(const char *path, const void *data, size_t n, unsigned mode)
{
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    return LINLI_ETOOBIG;
  unlink(tmp); /* an old PATH.tmp (or a link planted there) is never written through */
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, (mode_t)mode);
  if (fd < 0)
    return -errno;
  int rc = fchmod(fd, (mode_t)mode) != 0 ? -errno : 0; /* the umask narrowed it */
  if (!rc)
    rc = write_all(fd, data, n);
  if (!rc && fsync(fd) != 0)
    rc = -errno;
  if (close(fd) != 0 && !rc)
    rc = -errno;
  if (!rc && rename(tmp, path) != 0)
    rc = -errno;
  if (rc)
    unlink(tmp);
  else
    rc = fsync_dir(path);
  return rc;
}

int crdt_identity_save(const struct crdt_identity *id, const char *path)
{
  char text[KEYFILE_LEN + 1];
  uint8_t seed[CRDT_SEED_BYTES];
  crypto_sign_ed25519_sk_to_seed(seed, id->sk);
  memcpy(text, KEYFILE_MAGIC, sizeof(KEYFILE_MAGIC) - 1);
  sodium_bin2hex(text + sizeof(KEYFILE_MAGIC) - 1, 2 * CRDT_SEED_BYTES + 1, seed, sizeof seed);
  text[KEYFILE_LEN - 1] = '\n';
  text[KEYFILE_LEN] = 0;
  int rc = crdt_file_replace(path, text, KEYFILE_LEN, 0600);
  sodium_memzero(seed, sizeof seed);
  sodium_memzero(text, sizeof text);
  return rc;
}

int crdt_box_seal(const uint8_t pk[CRDT_PK_BYTES], const uint8_t *m, size_t n, uint8_t *out)
{
  uint8_t xpk[crypto_box_PUBLICKEYBYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(xpk, pk) != 0 || crypto_box_seal(out, m, n, xpk) != 0)
    return LINLI_EINVAL; /* not a valid Ed25519 public key */
  return 0;
}

int crdt_box_open(const struct crdt_identity *id, const uint8_t *box, size_t len, uint8_t *out)
{
  uint8_t xpk[crypto_box_PUBLICKEYBYTES], xsk[crypto_box_SECRETKEYBYTES];
  int rc = 0;
  if (len < crypto_box_SEALBYTES)
    return LINLI_EDAMAGED;
  if (crypto_sign_ed25519_pk_to_curve25519(xpk, id->pk) != 0 ||
      crypto_sign_ed25519_sk_to_curve25519(xsk, id->sk) != 0)
    rc = LINLI_ECRYPTO;
  else if (crypto_box_seal_open(out, box, len, xpk, xsk) != 0)
    rc = LINLI_EDAMAGED;
  sodium_memzero(xsk, sizeof xsk);
  return rc;
}

int crdt_identity_load(struct crdt_identity *id, const char *path)
{
  char text[KEYFILE_LEN + 1];
  uint8_t seed[CRDT_SEED_BYTES];
  struct stat st;
  int rc = 0;
  size_t bin_len = 0;
  ssize_t n;

  memset(id, 0, sizeof *id);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  if (fstat(fd, &st) < 0) {
    rc = -errno;
    goto out;
  }
  if (st.st_mode & 077) {
    rc = LINLI_EKEYPERM;
    goto out;
  }
  n = read(fd, text, sizeof text);
  if (n < 0) {
    rc = -errno;
    goto out;
  }
  if ((size_t)n != KEYFILE_LEN || memcmp(text, KEYFILE_MAGIC, sizeof(KEYFILE_MAGIC) - 1) != 0 ||
      text[KEYFILE_LEN - 1] != '\n') {
    rc = LINLI_EKEYFILE;
    goto out;
  }
  if (sodium_hex2bin(seed, sizeof seed, text + sizeof(KEYFILE_MAGIC) - 1, 2 * CRDT_SEED_BYTES,
                     NULL, &bin_len, NULL) != 0 ||
      bin_len != sizeof seed) {
    rc = LINLI_EKEYFILE;
    goto out;
  }
  rc = crdt_identity_from_seed(id, seed);
out:
  close(fd);
  sodium_memzero(seed, sizeof seed);
  sodium_memzero(text, sizeof text);
  return rc;
}
