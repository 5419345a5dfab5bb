/* Sessions, the account table and login limits. Contract: web.h
 * ("Security") and web_int.h. Every function here takes w->mu itself, for
 * table work only: password hashes are checked outside it. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "web_int.h"

void web_random_hex(char out[WEB_TOKEN_HEX + 1])
{
  uint8_t b[WEB_TOKEN_HEX / 2];
  randombytes_buf(b, sizeof b);
  sodium_bin2hex(out, WEB_TOKEN_HEX + 1, b, sizeof b);
  sodium_memzero(b, sizeof b);
}

static void web__hash(uint8_t *out, size_t outlen, const char *a, const char *b)
{
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, outlen);
  crypto_generichash_update(&st, (const uint8_t *)a, strlen(a));
  crypto_generichash_update(&st, (const uint8_t *)"\0", 1);
  crypto_generichash_update(&st, (const uint8_t *)b, strlen(b));
  crypto_generichash_final(&st, out, outlen);
}

/* What a session remembers of its account: role and hash together. */
static void web__stamp(const struct web_user *u, uint8_t out[16])
{
  char role[32]; /* a change of role or of pii ends the account's sessions */
  snprintf(role, sizeof role, "%s%s", web_role_name(u->role), u->pii ? "+pii" : "");
  web__hash(out, 16, role, u->hash);
}

static int web__zero(const uint8_t *p, size_t n)
{
  return sodium_is_zero(p, n);
}

void web_users_refresh(struct web *w)
{
  char path[CONFIG_PATH_MAX + 32];
  struct stat st;
  snprintf(path, sizeof path, "%s/" WEB_USERS_FILE, w->cfg->data);
  int have = stat(path, &st) == 0;
  if (have == w->users_have && (!have || (st.st_ino == w->users_st.st_ino &&
                                          st.st_size == w->users_st.st_size &&
                                          st.st_mtim.tv_sec == w->users_st.st_mtim.tv_sec &&
                                          st.st_mtim.tv_nsec == w->users_st.st_mtim.tv_nsec)))
    return;
  int rc = web_users_load(w->users, w->cfg->data);
  if (rc) {
    web_log(w, "http accounts file %s not read: %s; no one can log in until it is fixed", path,
            linli_strerror(rc));
    w->users->n = 0;
  } else {
    web_log(w, "http accounts: %d loaded", w->users->n);
  }
  w->users_have = have;
  if (have)
    w->users_st = st;
}

/* The session of a token (with the lock), or NULL. Ends it if it expired
 * or its account changed. */
static struct web_sess *web__find(struct web *w, const char *token, uint64_t now)
{
  uint8_t h[32];
  if (!token || strlen(token) != WEB_TOKEN_HEX)
    return NULL;
  web__hash(h, sizeof h, "session", token);
  for (int i = 0; i < WEB_SESSIONS_MAX; i++) {
    struct web_sess *s = &w->sess[i];
    if (web__zero(s->id_hash, 32) || sodium_memcmp(s->id_hash, h, 32))
      continue;
    int at = web_users_find(w->users, s->user);
    uint8_t stamp[16];
    if (at >= 0)
      web__stamp(&w->users->u[at], stamp);
    if (now - s->used_ms > w->cfg->http.idle_s * 1000u || now - s->born_ms > WEB_SESSION_MAX_S * 1000u ||
        at < 0 || sodium_memcmp(stamp, s->stamp, 16)) {
      sodium_memzero(s, sizeof *s);
      return NULL;
    }
    return s;
  }
  return NULL;
}

void web_sess_lookup(struct web *w, const char *token, struct web_who *who)
{
  uint64_t now = web_mono(w);
  memset(who, 0, sizeof *who);
  pthread_mutex_lock(&w->mu);
  web_users_refresh(w);
  struct web_sess *s = web__find(w, token, now);
  if (s) {
    s->used_ms = now;
    who->in = 1;
    memcpy(who->user, s->user, sizeof who->user);
    who->role = s->role;
    who->pii = s->pii;
    memcpy(who->csrf, s->csrf, sizeof who->csrf);
  }
  pthread_mutex_unlock(&w->mu);
}

int web_sess_new(struct web *w, const struct web_user *u, char token[WEB_TOKEN_HEX + 1],
                 char csrf[WEB_TOKEN_HEX + 1])
{
  uint64_t now = web_mono(w);
  web_random_hex(token);
  web_random_hex(csrf);
  pthread_mutex_lock(&w->mu);
  int slot = -1;
  uint64_t oldest = UINT64_MAX;
  for (int i = 0; i < WEB_SESSIONS_MAX; i++) {
    struct web_sess *s = &w->sess[i];
    if (web__zero(s->id_hash, 32)) {
      slot = i;
      break;
    }
    if (s->used_ms < oldest)
      oldest = s->used_ms, slot = i; /* full: the least recently used goes */
  }
  struct web_sess *s = &w->sess[slot];
  sodium_memzero(s, sizeof *s);
  web__hash(s->id_hash, 32, "session", token);
  memcpy(s->user, u->name, sizeof s->user);
  s->role = u->role;
  s->pii = u->pii;
  web__stamp(u, s->stamp);
  memcpy(s->csrf, csrf, WEB_TOKEN_HEX + 1);
  s->born_ms = s->used_ms = now;
  pthread_mutex_unlock(&w->mu);
  return 0;
}

void web_sess_end(struct web *w, const char *token)
{
  pthread_mutex_lock(&w->mu);
  struct web_sess *s = web__find(w, token, web_mono(w));
  if (s)
    sodium_memzero(s, sizeof *s);
  pthread_mutex_unlock(&w->mu);
}

/* ---- login limits: failures per key in a fixed window ---- */

static struct web_fail *web__fail_slot(struct web *w, const char *kind, const char *what,
                                       uint64_t now, int make)
{
  uint8_t k[16];
  web__hash(k, sizeof k, kind, what);
  struct web_fail *free_slot = NULL, *oldest = NULL;
  for (int i = 0; i < WEB_FAIL_SLOTS; i++) {
    struct web_fail *f = &w->fails[i];
    if (web__zero(f->key, 16) || now - f->since_ms > WEB_FAILS_WINDOW_S * 1000u) {
      if (!web__zero(f->key, 16) && !memcmp(f->key, k, 16)) {
        memset(f, 0, sizeof *f); /* its window is over */
      }
      if (!free_slot && web__zero(f->key, 16))
        free_slot = f;
      continue;
    }
    if (!memcmp(f->key, k, 16))
      return f;
    if (!oldest || f->since_ms < oldest->since_ms)
      oldest = f;
  }
  if (!make)
    return NULL;
  struct web_fail *f = free_slot ? free_slot : oldest;
  memcpy(f->key, k, 16);
  f->n = 0;
  f->since_ms = now;
  return f;
}

static int web__limited(struct web *w, const char *ip, const char *user, uint64_t now)
{
  struct web_fail *a = web__fail_slot(w, "a", ip, now, 0);
  struct web_fail *u = web__fail_slot(w, "u", user, now, 0);
  return (a && a->n >= WEB_FAILS_ADDR) || (u && u->n >= WEB_FAILS_ACCOUNT);
}

int web_login(struct web *w, const char *ip, const char *user, const char *pw, struct web_who *who,
              char token[WEB_TOKEN_HEX + 1])
{
  struct web_user u;
  uint64_t now = web_mono(w);
  int found;
  memset(who, 0, sizeof *who);
  pthread_mutex_lock(&w->mu);
  web_users_refresh(w);
  if (web__limited(w, ip, user, now)) {
    pthread_mutex_unlock(&w->mu);
    atomic_fetch_add(&w->logins_limited, 1);
    return 2;
  }
  int at = web_users_find(w->users, user);
  found = at >= 0;
  if (found)
    u = w->users->u[at];
  else
    memcpy(u.hash, w->dummy_hash, sizeof u.hash); /* the same cost either way */
  pthread_mutex_unlock(&w->mu);
  int ok = web_password_verify(u.hash, pw, strlen(pw)) == 0 && found;
  pthread_mutex_lock(&w->mu);
  if (!ok) {
    struct web_fail *a = web__fail_slot(w, "a", ip, now, 1);
    a->n++;
    struct web_fail *f = web__fail_slot(w, "u", user, now, 1);
    f->n++;
  } else {
    struct web_fail *f = web__fail_slot(w, "u", user, now, 0);
    if (f)
      memset(f, 0, sizeof *f);
  }
  pthread_mutex_unlock(&w->mu);
  if (!ok) {
    atomic_fetch_add(&w->logins_failed, 1);
    sodium_memzero(&u, sizeof u);
    return 1;
  }
  web_sess_new(w, &u, token, who->csrf);
  who->in = 1;
  memcpy(who->user, u.name, sizeof who->user);
  who->role = u.role;
  who->pii = u.pii;
  sodium_memzero(&u, sizeof u);
  atomic_fetch_add(&w->logins_ok, 1);
  return 0;
}
