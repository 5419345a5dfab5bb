/* The CLI's side of the control socket (transport.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "net.h"
#include "transport_int.h"

/* ---- the CLI's side of the control socket ---- */

int transport_request(const char *endpoint, const uint8_t *req, size_t len, uint8_t *reply,
                      size_t cap, int timeout_ms)
{
  int rc;
  void *ctx = zmq_ctx_new(), *s = ctx ? zmq_socket(ctx, ZMQ_REQ) : NULL;
  if (!s) {
    rc = LINLI_EIO;
    goto out;
  }
  transport__setint(s, ZMQ_LINGER, 0);
  transport__setint(s, ZMQ_SNDTIMEO, timeout_ms);
  transport__setint(s, ZMQ_RCVTIMEO, timeout_ms);
  if (zmq_connect(s, endpoint) < 0 || zmq_send(s, req, len, 0) < 0) {
    rc = -zmq_errno();
    goto out;
  }
  rc = zmq_recv(s, reply, cap, 0);
  if (rc < 0)
    rc = zmq_errno() == EAGAIN ? -ETIMEDOUT : -zmq_errno();
  else if ((size_t)rc > cap)
    rc = LINLI_ETOOBIG;
out:
  if (s)
    zmq_close(s);
  if (ctx)
    zmq_ctx_term(ctx);
  return rc;
}

struct transport_client {
  void *ctx, *s;
  zmq_msg_t reply;
};

int transport_client_new(struct transport_client **out, const char *endpoint)
{
  struct transport_client *c = calloc(1, sizeof *c);
  *out = NULL;
  if (!c)
    return LINLI_ENOMEM;
  zmq_msg_init(&c->reply);
  int rc = LINLI_EIO;
  if (!(c->ctx = zmq_ctx_new()) || !(c->s = zmq_socket(c->ctx, ZMQ_REQ)))
    goto fail;
  transport__setint(c->s, ZMQ_LINGER, 0);
  transport__setint(c->s, ZMQ_REQ_RELAXED, 1);
  transport__setint(c->s, ZMQ_REQ_CORRELATE, 1);
  transport__setint(c->s, ZMQ_SNDTIMEO, 5000);
  if (zmq_connect(c->s, endpoint) < 0) {
    rc = -zmq_errno();
    goto fail;
  }
  *out = c;
  return 0;
fail:
  transport_client_free(c);
  return rc;
}

int transport_client_send(struct transport_client *c, const uint8_t *req, size_t len)
{
  if (zmq_send(c->s, req, len, 0) < 0)
    return zmq_errno() == EAGAIN ? -ETIMEDOUT : -zmq_errno();
  return 0;
}

int transport_client_recv(struct transport_client *c, const uint8_t **reply, int timeout_ms)
{
  zmq_pollitem_t it = {c->s, 0, ZMQ_POLLIN, 0};
  int rc = zmq_poll(&it, 1, timeout_ms);
  if (rc < 0)
    return -zmq_errno();
  if (rc == 0)
    return -ETIMEDOUT;
  zmq_msg_close(&c->reply);
  zmq_msg_init(&c->reply);
  if (zmq_msg_recv(&c->reply, c->s, ZMQ_DONTWAIT) < 0)
    return zmq_errno() == EAGAIN ? -ETIMEDOUT : -zmq_errno();
  *reply = zmq_msg_data(&c->reply);
  return (int)zmq_msg_size(&c->reply);
}

void transport_client_free(struct transport_client *c)
{
  if (!c)
    return;
  zmq_msg_close(&c->reply);
  if (c->s)
    zmq_close(c->s);
  if (c->ctx)
    zmq_ctx_term(c->ctx);
  free(c);
}
