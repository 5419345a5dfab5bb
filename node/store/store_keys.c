/* The community key file's bytes, for readers (store.h "the community key
 * file"). The store never parses them: node/domain/sealed.c does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "store_int.h"

static void wipe(void *p, size_t n)
{
  volatile uint8_t *v = p;
  while (n--)
    *v++ = 0;
}

/* Reads the file if it is not the one read last; keys stays as it was on
 * any error (a file being replaced is read on the next call). */
static void keys__refresh(struct store *s)
{
  char path[4096];
  struct stat st;
  if (snprintf(path, sizeof path, "%s/%s", s->dir, STORE_KEYS_FILE) >= (int)sizeof path)
    return;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT && s->keys && s->keys->len) {
      struct store__keys *k = calloc(1, sizeof *k); /* removed: no keys from now on */
      if (k)
        k->next = s->keys, s->keys = k;
    }
    return;
  }
  if (fstat(fd, &st) != 0) {
    close(fd);
    return;
  }
  long long mt = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
  if (!S_ISREG(st.st_mode) || st.st_size > STORE_KEYS_MAX ||
      (s->keys && s->keys->mtime_ns == mt && s->keys->size == (long long)st.st_size &&
       s->keys->ino == (long long)st.st_ino)) {
    close(fd);
    return;
  }
  struct store__keys *k = malloc(sizeof *k + (size_t)st.st_size + 1);
  if (!k) {
    close(fd);
    return;
  }
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, k->b + got, (size_t)st.st_size - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  close(fd);
  if (got != (size_t)st.st_size) {
    wipe(k->b, got);
    free(k);
    return;
  }
  k->len = got;
  k->mtime_ns = mt, k->size = (long long)st.st_size, k->ino = (long long)st.st_ino;
  k->next = s->keys;
  s->keys = k;
}

const uint8_t *store_keys(struct store *s, size_t *len)
{
  pthread_mutex_lock(&s->keys_mu);
  keys__refresh(s);
  const struct store__keys *k = s->keys;
  pthread_mutex_unlock(&s->keys_mu);
  *len = k ? k->len : 0;
  return k && k->len ? k->b : NULL;
}

void store__keys_free(struct store *s)
{
  while (s->keys) {
    struct store__keys *n = s->keys->next;
    wipe(s->keys->b, s->keys->len);
    free(s->keys);
    s->keys = n;
  }
  pthread_mutex_destroy(&s->keys_mu);
}
