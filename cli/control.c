/* linli's link to a running linlid: one ZeroMQ context and socket for the
 * whole run (transport_client), requests and replies in the codec both
 * ends share (control.h). A batch carries a request id; when its reply does
 * not come because linlid stopped or restarted, the outcome is read where
 * it is recorded, in the store (linlid stopped) or from the new linlid, so
 * what linli reports is what happened. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "store.h"
#include "transport.h"

static struct {
  struct transport_client *c;
  char endpoint[CONFIG_PATH_MAX + 16];
} link_;

static void link_close(void)
{
  transport_client_free(link_.c);
  link_.c = NULL;
}

static int link_get(const struct config *c, struct transport_client **out)
{
  if (link_.c && strcmp(link_.endpoint, c->control) == 0) {
    *out = link_.c;
    return 0;
  }
  if (link_.c)
    link_close();
  else
    atexit(link_close);
  int rc = transport_client_new(&link_.c, c->control);
  if (rc)
    return rc;
  snprintf(link_.endpoint, sizeof link_.endpoint, "%s", c->control);
  *out = link_.c;
  return 0;
}

pid_t cli_daemon_pid(const char *data)
{
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/linlid.lock", data);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  pid_t pid = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK ? fl.l_pid : 0;
  close(fd);
  return pid;
}

/* The outcome of request id, read from the store (linlid is stopped). */
static int outcome_from_store(const struct config *c, const uint8_t *id, struct cli_outcome *o)
{
  struct store *s;
  struct store_config sc = {c->data, 0, 0, 0, 1};
  int rc = store_open(&s, &sc);
  if (rc)
    return rc;
  rc = store_request_get(s, id, NULL, &o->ops, &o->added, o->first);
  store_close(s);
  if (rc < 0)
    return rc;
  o->committed = rc;
  return 0;
}

/* The outcome of request id, asked of the linlid now running. */
static int outcome_from_daemon(struct transport_client *t, const uint8_t *id, struct cli_outcome *o)
{
  uint8_t req[64];
  struct crdt_buf b;
  struct crdt_mp r;
  const uint8_t *reply;
  uint32_t n;
  int code;
  size_t at;
  crdt_buf_init(&b, req, sizeof req);
  control_enc_request(&b, id);
  int rc = transport_client_send(t, b.p, b.len);
  if (rc)
    return rc;
  for (int tries = 0; tries < 30; tries++) { /* a new linlid may still be opening */
    int got = transport_client_recv(t, &reply, 1000);
    if (got == -ETIMEDOUT)
      continue;
    if (got < 0)
      return got;
    if ((rc = control_reply_open(&r, reply, (size_t)got, &n, &code, NULL, 0, &at)))
      return rc;
    if (code)
      return code;
    return control_reply_request(&r, n, &o->committed, &o->ops, &o->added, o->first);
  }
  return -ETIMEDOUT;
}

int cli_ctl(const struct config *c, const uint8_t *req, size_t len, const uint8_t *request,
            const uint8_t **reply, struct cli_outcome *o)
{
  struct transport_client *t;
  pid_t pid = cli_daemon_pid(c->data);
  memset(o, 0, sizeof *o);
  if (!pid)
    return -ECONNREFUSED;
  int rc = link_get(c, &t);
  if (rc || (rc = transport_client_send(t, req, len)))
    return rc;
  int waited = 0, said = 0;
  for (;;) {
    int got = transport_client_recv(t, reply, 500);
    if (got >= 0)
      return got ? got : LINLI_EPROTO;
    if (got != -ETIMEDOUT)
      return got;
    waited += 500;
    pid_t now = cli_daemon_pid(c->data);
    if (now == pid) {
      if (!request && waited >= CLI_CONTROL_TIMEOUT_MS)
        return -ETIMEDOUT;
      if (request && waited >= 5000 && waited / 10000 != said) {
        said = waited / 10000;
        fprintf(stderr, _("linli: waiting for linlid to answer (%d s)\n"), waited / 1000);
      }
      continue;
    }
    /* linlid stopped, or another one runs now: the reply will not come */
    if (!request)
      return now ? -ECONNRESET : -ECONNREFUSED;
    o->lost = 1;
    rc = now ? outcome_from_daemon(t, request, o) : outcome_from_store(c, request, o);
    return rc ? rc : 0;
  }
}

int cli_ctl_settle(const struct config *c, int timeout_ms)
{
  uint8_t req[16];
  struct crdt_buf b;
  crdt_buf_init(&b, req, sizeof req);
  control_enc_verb(&b, "status");
  link_close(); /* the old connection went with the old control socket */
  for (int waited = 0; waited < timeout_ms; waited += 120) {
    struct transport_client *t = NULL;
    const uint8_t *reply;
    struct timespec pause = {0, 20 * 1000000L};
    nanosleep(&pause, NULL);
    if (!cli_daemon_pid(c->data))
      return -ECONNREFUSED;
    int got = transport_client_new(&t, c->control);
    if (!got)
      got = transport_client_send(t, b.p, b.len);
    if (!got)
      got = transport_client_recv(t, &reply, 100);
    transport_client_free(t);
    if (got > 0)
      return 0;
  }
  return -ETIMEDOUT;
}

void cli_request_id(uint8_t id[NODE_REQUEST_BYTES])
{
  randombytes_buf(id, NODE_REQUEST_BYTES);
}
