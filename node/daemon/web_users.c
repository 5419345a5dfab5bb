/* The staff accounts file. Contract: web_users.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crdt.h"
#include "web_users.h"

_Static_assert(WEB_HASH_MAX == crypto_pwhash_STRBYTES, "a hash string fits");

static const char *const web__roles[] = {"viewer", "clerk", "approver", "admin"};

int web_name_check(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > WEB_NAME_MAX)
    return LINLI_ENAME;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '_' || ch == '.' || ch == '-'))
      return LINLI_ENAME;
  }
  return 0;
}

int web_role_parse(const char *s)
{
  for (int i = 0; i < 4; i++)
    if (!strcmp(s, web__roles[i]))
      return i;
  return -1;
}

const char *web_role_name(int role)
{
  return role >= 0 && role < 4 ? web__roles[role] : "none";
}

int web_users_find(const struct web_users *t, const char *name)
{
  for (int i = 0; i < t->n; i++)
    if (!strcmp(t->u[i].name, name))
      return i;
  return -1;
}

/* A hash string as crypto_pwhash_str writes it: printable, no spaces. */
static int web__hash_ok(const char *h, size_t n)
{
  if (n < 16 || n >= WEB_HASH_MAX || strncmp(h, "$argon2id$", 10))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (h[i] <= ' ' || h[i] > '~')
      return 0;
  return 1;
}

/* One line: NAME ROLE HASH [pii]. */
static int web__line(struct web_users *t, char *s)
{
  char *save = NULL, *f[5];
  int n = 0;
  for (char *tok = strtok_r(s, " \t\r", &save); tok && n < 5; tok = strtok_r(NULL, " \t\r", &save))
    f[n++] = tok;
  if (n == 0)
    return 0;
  if (n < 3 || n > 4 || (n == 4 && strcmp(f[3], "pii")) || web_name_check(f[0]) || web_role_parse(f[1]) < 0 ||
      !web__hash_ok(f[2], strlen(f[2])) || web_users_find(t, f[0]) >= 0 || t->n == WEB_USERS_MAX)
    return LINLI_EINVAL;
  struct web_user *u = &t->u[t->n++];
  memcpy(u->name, f[0], strlen(f[0]) + 1);
  u->role = web_role_parse(f[1]);
  u->pii = n == 4;
  memcpy(u->hash, f[2], strlen(f[2]) + 1);
  return 0;
}

int web_users_parse(struct web_users *t, const char *text, size_t len, int *line)
{
  char buf[WEB_NAME_MAX + WEB_HASH_MAX + 64];
  size_t pos = 0;
  t->n = 0;
  *line = 0;
  if (len > WEB_USERS_FILE_MAX)
    return LINLI_ETOOBIG;
  while (pos < len) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
    ++*line;
    if (n >= sizeof buf || memchr(text + pos, 0, n))
      return LINLI_EINVAL;
    memcpy(buf, text + pos, n);
    buf[n] = 0;
    pos += n + 1;
    if (buf[0] == '#')
      continue;
    if (web__line(t, buf))
      return LINLI_EINVAL;
  }
  *line = 0;
  return 0;
}

int web_users_load(struct web_users *t, const char *dir)
{
  char path[4096];
  struct stat st;
  int line, rc = 0;
  t->n = 0;
  snprintf(path, sizeof path, "%s/" WEB_USERS_FILE, dir);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : -errno;
  char *text = malloc(WEB_USERS_FILE_MAX + 1);
  ssize_t got = -1;
  if (!text)
    rc = LINLI_ENOMEM;
  else if (fstat(fd, &st) < 0)
    rc = -errno;
  else if (st.st_mode & 077)
    rc = LINLI_EKEYPERM;
  else if ((got = read(fd, text, WEB_USERS_FILE_MAX + 1)) < 0)
    rc = -errno;
  else
    rc = web_users_parse(t, text, (size_t)got, &line);
  close(fd);
  if (text) {
    sodium_memzero(text, WEB_USERS_FILE_MAX + 1);
    free(text);
  }
  return rc;
}

int web_users_save(const struct web_users *t, const char *dir)
{
  char path[4096], tmp[4096];
  snprintf(path, sizeof path, "%s/" WEB_USERS_FILE, dir);
  snprintf(tmp, sizeof tmp, "%s/" WEB_USERS_FILE ".tmp", dir);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc = 0;
  if (fd < 0)
    return -errno;
  FILE *f = fdopen(fd, "w");
  if (!f) {
    rc = -errno;
    close(fd);
    unlink(tmp);
    return rc;
  }
  fprintf(f, "# linli web console accounts: NAME ROLE HASH [pii] (linli user; web_users.h)\n");
  for (int i = 0; i < t->n; i++)
    fprintf(f, "%s %s %s%s\n", t->u[i].name, web_role_name(t->u[i].role), t->u[i].hash,
            t->u[i].pii ? " pii" : "");
  if (fflush(f) || fsync(fileno(f)))
    rc = -errno;
  if (fclose(f) && !rc)
    rc = -errno;
  if (!rc && rename(tmp, path) < 0)
    rc = -errno;
  if (rc) {
    unlink(tmp);
    return rc;
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return 0;
}

int web_users_lock(const char *dir)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/" WEB_USERS_FILE ".lock", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  while (flock(fd, LOCK_EX) < 0)
    if (errno != EINTR) {
      int rc = -errno;
      close(fd);
      return rc;
    }
  return fd;
}

int web_password_hash(char out[WEB_HASH_MAX], const char *pw, size_t len)
{
  if (len < WEB_PW_MIN || len > WEB_PW_MAX)
    return LINLI_EINVAL;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)pw[i] < ' ' || pw[i] == 0x7f)
      return LINLI_EINVAL;
  if (crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE))
    return LINLI_ENOMEM;
  return 0;
}

int web_password_verify(const char *hash, const char *pw, size_t len)
{
  if (len > WEB_PW_MAX)
    return -1;
  return crypto_pwhash_str_verify(hash, pw, len) == 0 ? 0 : -1;
}
