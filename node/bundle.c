/* Bundle files. Contract: bundle.h. */
#include <errno.h>
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
  w->f = fopen(w->tmp, "wbe");
  if (!w->f)
    return -errno;
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

int bundle_close(struct bundle_writer *w)
{
  if (!w->err && fwrite(BUNDLE_END, 1, 8, w->f) != 8)
    w->err = LINLI_EIO;
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

int bundle_export(struct store *s, const char *const *scopes, int n_scopes, uint64_t since_hlc,
                  const char *path)
{
  struct bundle_writer w;
  struct export_arg a = {&w};
  int rc = bundle_open(&w, path);
  struct store_bound lo = {since_hlc, {0}}, hi = store_bound_max();
  for (int i = 0; i < n_scopes && !rc; i++)
    rc = store_range_each(s, scopes[i], &lo, &hi, 0, export_op, &a);
  if (rc && !w.err)
    w.err = rc;
  rc = bundle_close(&w);
  return rc ? rc : (int)w.ops;
}

int bundle_read(const char *path, uint8_t **buf, const uint8_t ***ops, size_t **lens, size_t *n)
{
  FILE *f = fopen(path, "rbe");
  struct stat st;
  int rc = 0;
  *buf = NULL, *ops = NULL, *lens = NULL, *n = 0;
  if (!f)
    return -errno;
  if (fstat(fileno(f), &st) != 0 || st.st_size < 16 || st.st_size > ((off_t)1 << 32)) {
    fclose(f);
    return st.st_size < 16 ? LINLI_ETRUNC : LINLI_ETOOBIG;
  }
  size_t size = (size_t)st.st_size;
  uint8_t *b = malloc(size);
  if (!b || fread(b, 1, size, f) != size) {
    fclose(f);
    free(b);
    return b ? LINLI_EIO : LINLI_ENOMEM;
  }
  fclose(f);
  if (memcmp(b, BUNDLE_MAGIC, 8) != 0) {
    free(b);
    return LINLI_EKEYFILE;
  }
  /* Count first: every length is checked against the bytes that remain. */
  size_t count = 0, off = 8;
  while (off + 8 <= size && memcmp(b + off, BUNDLE_END, 8) != 0) {
    if (size - off < 4) {
      rc = LINLI_ETRUNC;
      break;
    }
    size_t len = (size_t)b[off] << 24 | (size_t)b[off + 1] << 16 | (size_t)b[off + 2] << 8 | b[off + 3];
    if (len == 0 || len > CRDT_OP_MAX_BYTES) {
      rc = LINLI_ETOOBIG;
      break;
    }
    if (size - off - 4 < len) {
      rc = LINLI_ETRUNC;
      break;
    }
    off += 4 + len;
    count++;
  }
  if (!rc && (off + 8 != size || memcmp(b + off, BUNDLE_END, 8) != 0))
    rc = off + 8 > size ? LINLI_ETRUNC : LINLI_ETRAIL;
  if (rc) {
    free(b);
    return rc;
  }
  const uint8_t **o = malloc((count ? count : 1) * sizeof *o);
  size_t *l = malloc((count ? count : 1) * sizeof *l);
  if (!o || !l) {
    free(b), free(o), free(l);
    return LINLI_ENOMEM;
  }
  off = 8;
  for (size_t i = 0; i < count; i++) {
    l[i] = (size_t)b[off] << 24 | (size_t)b[off + 1] << 16 | (size_t)b[off + 2] << 8 | b[off + 3];
    o[i] = b + off + 4;
    off += 4 + l[i];
  }
  *buf = b, *ops = o, *lens = l, *n = count;
  return 0;
}
