/* Bundle files. Contract: bundle.h. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"

int bundle_open(struct bundle_writer *w, const char *path)
{
  memset(w, 0, sizeof *w);
  if (snprintf(w->path, sizeof w->path, "%s", path) >= (int)sizeof w->path ||
      snprintf(w->tmp, sizeof w->tmp, "%s.tmp", path) >= (int)sizeof w->tmp)
    return LINLI_ETOOBIG;
  /* mode 600: a bundle holds personal data (encrypted or not) */
  int fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  if (fchmod(fd, 0600) != 0 || !(w->f = fdopen(fd, "wb"))) {
    int e = -errno;
    close(fd);
    unlink(w->tmp);
    return e;
  }
  if (fwrite(BUNDLE_MAGIC, 1, 8, w->f) != 8)
    w->err = LINLI_EIO;
  return w->err;
}

int bundle_add(struct bundle_writer *w, const uint8_t *op, size_t len)
{
  uint8_t l[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
  if (!w->err && (fwrite(l, 1, 4, w->f) != 4 || fwrite(op, 1, len, w->f) != len))
    w->err = errno ? -errno : LINLI_EIO;
  if (!w->err)
    w->ops++;
  return w->err;
}

int bundle_open_mem(struct bundle_writer *w, char **buf, size_t *len)
{
  memset(w, 0, sizeof *w);
  *buf = NULL, *len = 0;
  w->f = open_memstream(buf, len);
  if (!w->f)
    return -errno;
  if (fwrite(BUNDLE_MAGIC, 1, 8, w->f) != 8)
    w->err = LINLI_EIO;
  return w->err;
}

int bundle_close(struct bundle_writer *w)
{
  if (!w->err && fwrite(BUNDLE_END, 1, 8, w->f) != 8)
    w->err = LINLI_EIO;
  if (!w->path[0]) { /* in memory */
    if (fclose(w->f) != 0 && !w->err)
      w->err = LINLI_ENOMEM;
    return w->err;
  }
  if (!w->err && (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0))
    w->err = -errno;
  if (fclose(w->f) != 0 && !w->err)
    w->err = -errno;
  if (!w->err && rename(w->tmp, w->path) != 0)
    w->err = -errno;
  if (w->err)
    unlink(w->tmp);
  return w->err;
}

struct export_arg {
  struct bundle_writer *w;
};

static int export_op(void *arg, uint64_t hlc, const uint8_t *id, const uint8_t *raw, size_t len)
{
  (void)hlc, (void)id;
  int rc = bundle_add(((struct export_arg *)arg)->w, raw, len);
  return rc < 0 ? rc : 0;
}

static int bundle__export(struct store *s, const char *const *scopes, int n_scopes,
                          uint64_t since_hlc, const char *path, char **buf, size_t *len)
{
  struct bundle_writer w;
  struct export_arg a = {&w};
  int rc = path ? bundle_open(&w, path) : bundle_open_mem(&w, buf, len);
  if (rc && !w.f)
    return rc;
  struct store_bound lo = {since_hlc, {0}}, hi = store_bound_max();
  for (int i = 0; i < n_scopes && !rc; i++)
    rc = store_range_each(s, scopes[i], &lo, &hi, 0, export_op, &a);
  if (rc && !w.err)
    w.err = rc;
  rc = bundle_close(&w);
  return rc ? rc : (int)w.ops;
}

int bundle_export(struct store *s, const char *const *scopes, int n_scopes, uint64_t since_hlc,
                  const char *path)
{
  return bundle__export(s, scopes, n_scopes, since_hlc, path, NULL, NULL);
}

int bundle_export_mem(struct store *s, const char *const *scopes, int n_scopes,
                      uint64_t since_hlc, uint8_t **buf, size_t *len)
{
  char *b = NULL;
  int rc = bundle__export(s, scopes, n_scopes, since_hlc, NULL, &b, len);
  if (rc < 0) {
    if (b)
      sodium_memzero(b, *len);
    free(b);
    *len = 0;
    b = NULL;
  }
  *buf = (uint8_t *)b;
  return rc;
}

static size_t bundle__be32(const uint8_t *p)
{
  return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

/* Walks the framing after the magic: the number of ops, or an error. Every
 * length is checked against the bytes that remain; off never passes size. */
static int bundle__count(const uint8_t *b, size_t size, size_t *count)
{
  size_t off = 8, n = 0;
  while (size - off >= 8 && memcmp(b + off, BUNDLE_END, 8) != 0) {
    size_t len = bundle__be32(b + off);
    if (len == 0 || len > CRDT_OP_MAX_BYTES)
      return LINLI_ETOOBIG;
    if (size - off - 4 < len)
      return LINLI_ETRUNC;
    off += 4 + len;
    n++;
  }
  if (size - off < 8)
    return LINLI_ETRUNC;
  if (size - off > 8)
    return LINLI_ETRAIL;
  *count = n;
  return 0;
}

int bundle_parse(const uint8_t *buf, size_t size, const uint8_t ***ops, size_t **lens, size_t *n)
{
  size_t count = 0;
  *ops = NULL, *lens = NULL, *n = 0;
  if (size && memcmp(buf, BUNDLE_MAGIC, size < 8 ? size : 8) != 0)
    return LINLI_EKEYFILE;
  if (size < 16)
    return LINLI_ETRUNC;
  int rc = bundle__count(buf, size, &count);
  if (rc)
    return rc;
  const uint8_t **o = malloc((count ? count : 1) * sizeof *o);
  size_t *l = malloc((count ? count : 1) * sizeof *l);
  if (!o || !l) {
    free(o), free(l);
    return LINLI_ENOMEM;
  }
  size_t off = 8;
  for (size_t i = 0; i < count; i++) {
    l[i] = bundle__be32(buf + off);
    o[i] = buf + off + 4;
    off += 4 + l[i];
  }
  *ops = o, *lens = l, *n = count;
  return 0;
}

/* The whole file at path into a new buffer (*out, *size bytes). */
int bundle_read_raw(const char *path, uint8_t **out, size_t *size)
{
  struct stat st;
  uint8_t *b = NULL;
  int rc = 0;
  FILE *f = fopen(path, "rbe");
  if (!f)
    return -errno;
  if (fstat(fileno(f), &st) != 0) {
    rc = -errno;
    goto out;
  }
  if (st.st_size > ((off_t)1 << 32)) {
    rc = LINLI_ETOOBIG;
    goto out;
  }
  *size = (size_t)st.st_size;
  if (!(b = malloc(*size ? *size : 1))) {
    rc = LINLI_ENOMEM;
    goto out;
  }
  if (fread(b, 1, *size, f) != *size) {
    free(b);
    rc = LINLI_EIO;
    goto out;
  }
  *out = b;
out:
  fclose(f);
  return rc;
}

int bundle_read(const char *path, uint8_t **buf, const uint8_t ***ops, size_t **lens, size_t *n)
{
  uint8_t *b = NULL;
  size_t size = 0;
  *buf = NULL, *ops = NULL, *lens = NULL, *n = 0;
  int rc = bundle_read_raw(path, &b, &size);
  if (rc)
    return rc;
  if ((rc = bundle_parse(b, size, ops, lens, n))) {
    free(b);
    return rc;
  }
  *buf = b;
  return 0;
}

