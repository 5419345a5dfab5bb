/* A hostile or busy client of linlid, for tests/daemon/daemon_test.sh.
 *
 *   daemon_helper intruder ENDPOINT SERVER_PK SCOPE
 *       CURVE with a fresh key (not on the roster): HELLO and a valid op.
 *       Exit 0 if the daemon never answered (refused), 1 if it did.
 *   daemon_helper evil ENDPOINT SERVER_PK KEYFILE SCOPE
 *       An allowed key: HELLO, then garbage, a hostile count, an oversized
 *       message, a multipart message and an op with a bad signature, then a
 *       message over the transport limit. Exit 0 if the HELLO was answered.
 *   daemon_helper garbage HOST PORT
 *       Raw TCP: random bytes, then ZMTP greetings with junk after them.
 *       Exit 0 if the daemon closed every connection.
 *   daemon_helper bulk CONTROL_ENDPOINT N COLLECTION PREFIX PAD
 *       N set ops through the control socket, each with a PAD-byte text
 *       field (0..2048); prints each op id.
 *   daemon_helper sign KEYFILE SCOPE COLLECTION KEY OUTFILE
 *       Signs one set op {note: "x"} with the key, stamped now, and writes
 *       its bytes to OUTFILE (a forged or late op for the trust tests).
 *   daemon_helper push ENDPOINT SERVER_PK KEYFILE SCOPE OPFILE
 *       Connects with the key, sends HELLO and, once answered, a PUSH of the
 *       op in OPFILE. Prints "sent", or "refused" (exit 1) if the daemon
 *       never answered.
 * SERVER_PK is the daemon's Ed25519 public key in hex (linli pubkey). */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "crdt.h"
#include "net.h"

static uint64_t h_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void h_sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void *h_dealer(void *ctx, const char *ep, const char *server_hex,
                      const struct crdt_identity *id)
{
  uint8_t spk[32], ed[32], cpk[32], csk[32];
  char z[41];
  int zero = 0;
  void *s = zmq_socket(ctx, ZMQ_DEALER);
  if (sodium_hex2bin(ed, 32, server_hex, strlen(server_hex), NULL, NULL, NULL) ||
      crypto_sign_ed25519_pk_to_curve25519(spk, ed) ||
      crypto_sign_ed25519_pk_to_curve25519(cpk, id->pk) ||
      crypto_sign_ed25519_sk_to_curve25519(csk, id->sk)) {
    fprintf(stderr, "helper: bad key\n");
    exit(2);
  }
  zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
  zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, zmq_z85_encode(z, spk, 32), 40);
  zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, zmq_z85_encode(z, cpk, 32), 40);
  zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, zmq_z85_encode(z, csk, 32), 40);
  zmq_connect(s, ep);
  return s;
}

static size_t h_hello(uint8_t *buf, size_t cap, const char *scope)
{
  struct crdt_buf b;
  struct crdt_str sc = {scope, (uint32_t)strlen(scope)};
  crdt_buf_init(&b, buf, cap);
  net_hello_write(&b, NET_PROTO_VERSION, &sc, 1);
  return b.len;
}

/* A PUSH of one op signed by id; corrupt = 1 flips a signature bit. */
static size_t h_push(uint8_t *buf, size_t cap, const char *scope, const struct crdt_identity *id,
                     const char *key, int corrupt)
{
  uint8_t body[64], op[CRDT_OP_MAX_BYTES];
  size_t len = 0;
  struct crdt_buf b;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "note");
  crdt_w_cstr(&b, "x");
  struct crdt_draft d = {scope, "household", key, CRDT_HLC_MAKE(h_now_ms(), 0), CRDT_SET,
                         body, b.len, NULL, 0};
  if (crdt_op_sign(&d, id, op, sizeof op, &len, NULL))
    exit(2);
  if (corrupt)
    op[len - 1] ^= 1;
  const uint8_t *ops[1] = {op};
  crdt_buf_init(&b, buf, cap);
  net_ops_write(&b, NET_PUSH, scope, strlen(scope), ops, &len, 1);
  return b.len;
}

static int h_wait(void *s, int ms)
{
  zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
  if (zmq_poll(&it, 1, ms) <= 0)
    return 0;
  char tmp[64];
  zmq_recv(s, tmp, sizeof tmp, ZMQ_DONTWAIT);
  return 1;
}

static int h_intruder(const char *ep, const char *server, const char *scope)
{
  uint8_t seed[32], buf[16384];
  struct crdt_identity id;
  void *ctx = zmq_ctx_new();
  randombytes_buf(seed, sizeof seed);
  crdt_identity_from_seed(&id, seed);
  void *s = h_dealer(ctx, ep, server, &id);
  zmq_send(s, buf, h_hello(buf, sizeof buf, scope), ZMQ_DONTWAIT);
  zmq_send(s, buf, h_push(buf, sizeof buf, scope, &id, "intruder-1", 0), ZMQ_DONTWAIT);
  int answered = h_wait(s, 2000);
  printf("%s\n", answered ? "answered" : "refused");
  zmq_close(s);
  zmq_ctx_term(ctx);
  return answered;
}

static int h_evil(const char *ep, const char *server, const char *keyfile, const char *scope)
{
  struct crdt_identity id;
  void *ctx = zmq_ctx_new();
  size_t big = NET_MSG_MAX + 1000, huge = 3u * NET_MSG_MAX;
  uint8_t *buf = calloc(1, huge);
  if (crdt_identity_load(&id, keyfile) || !buf)
    return 2;
  void *s = h_dealer(ctx, ep, server, &id);
  zmq_send(s, buf, h_hello(buf, NET_MSG_MAX, scope), 0);
  if (!h_wait(s, 5000)) {
    printf("no hello\n");
    return 1;
  }
  uint8_t junk[100], hostile[] = {0xdd, 0xff, 0xff, 0xff, 0xff};
  randombytes_buf(junk, sizeof junk);
  zmq_send(s, junk, sizeof junk, 0);
  zmq_send(s, hostile, sizeof hostile, 0);
  memset(buf, 0x91, big);
  zmq_send(s, buf, big, 0);
  zmq_send(s, buf, h_push(buf, NET_MSG_MAX, scope, &id, "evil-badsig", 1), 0);
  zmq_send(s, "a", 1, ZMQ_SNDMORE); /* a multipart message */
  zmq_send(s, "b", 1, 0);
  h_sleep_ms(500);
  memset(buf, 0x90, huge);
  zmq_send(s, buf, huge, 0); /* over ZMQ_MAXMSGSIZE: the daemon drops the link */
  h_sleep_ms(500);
  printf("sent\n");
  zmq_close(s);
  zmq_ctx_term(ctx);
  free(buf);
  return 0;
}

/* Connects, sends data, and waits up to 5 s for the daemon to close. */
static int h_raw(const char *host, int port, const uint8_t *data, size_t len)
{
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  int fd = socket(AF_INET, SOCK_STREAM, 0), closed = 0;
  inet_pton(AF_INET, host, &a.sin_addr);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
    return -1;
  if (write(fd, data, len) < 0)
    closed = 1;
  uint64_t end = h_now_ms() + 5000;
  while (!closed && h_now_ms() < end) {
    struct pollfd p = {fd, POLLIN, 0};
    char tmp[512];
    if (poll(&p, 1, 200) > 0) {
      ssize_t r = read(fd, tmp, sizeof tmp);
      closed = r <= 0;
      if (!closed && write(fd, data, len) < 0)
        closed = 1;
    }
  }
  close(fd);
  return closed ? 0 : 1;
}

static int h_garbage(const char *host, int port)
{
  uint8_t junk[300], greet[64 + 300];
  int bad = 0;
  randombytes_buf(junk, sizeof junk);
  bad |= h_raw(host, port, junk, sizeof junk);
  const char *mechs[] = {"NULL", "CURVE", "PLAIN"};
  for (int m = 0; m < 3; m++) {
    memset(greet, 0, 64);
    greet[0] = 0xff;
    greet[9] = 0x7f;
    greet[10] = 3;
    memcpy(greet + 12, mechs[m], strlen(mechs[m]));
    memcpy(greet + 64, junk, sizeof junk);
    bad |= h_raw(host, port, greet, sizeof greet);
  }
  printf("%s\n", bad ? "not dropped" : "dropped");
  return bad ? 1 : 0;
}

static int h_sign(const char *keyfile, const char *scope, const char *coll, const char *key,
                  const char *outfile)
{
  struct crdt_identity id;
  uint8_t body[64], op[CRDT_OP_MAX_BYTES];
  size_t len = 0;
  struct crdt_buf b;
  if (crdt_identity_load(&id, keyfile))
    return 2;
  crdt_buf_init(&b, body, sizeof body);
  crdt_w_map(&b, 1);
  crdt_w_cstr(&b, "note");
  crdt_w_cstr(&b, "x");
  struct crdt_draft d = {scope, coll, key, CRDT_HLC_MAKE(h_now_ms(), 0), CRDT_SET, body, b.len,
                         NULL, 0};
  if (crdt_op_sign(&d, &id, op, sizeof op, &len, NULL))
    return 2;
  FILE *f = fopen(outfile, "wb");
  if (!f || fwrite(op, 1, len, f) != len || fclose(f) != 0)
    return 2;
  return 0;
}

static int h_push_file(const char *ep, const char *server, const char *keyfile, const char *scope,
                       const char *opfile)
{
  struct crdt_identity id;
  uint8_t op[CRDT_OP_MAX_BYTES], buf[CRDT_OP_MAX_BYTES + 256];
  struct crdt_buf b;
  FILE *f = fopen(opfile, "rb");
  if (!f || crdt_identity_load(&id, keyfile))
    return 2;
  size_t len = fread(op, 1, sizeof op, f);
  fclose(f);
  void *ctx = zmq_ctx_new();
  void *s = h_dealer(ctx, ep, server, &id);
  zmq_send(s, buf, h_hello(buf, sizeof buf, scope), ZMQ_DONTWAIT);
  int answered = h_wait(s, 3000);
  if (answered) {
    const uint8_t *ops[1] = {op};
    crdt_buf_init(&b, buf, sizeof buf);
    net_ops_write(&b, NET_PUSH, scope, strlen(scope), ops, &len, 1);
    zmq_send(s, b.p, b.len, 0);
    h_sleep_ms(500);
  }
  printf("%s\n", answered ? "sent" : "refused");
  zmq_close(s);
  zmq_ctx_term(ctx);
  return answered ? 0 : 1;
}

static int h_bulk(const char *ep, int n, const char *coll, const char *prefix, size_t pad_len)
{
  void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_REQ);
  int zero = 0, tmo = 10000;
  zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
  zmq_setsockopt(s, ZMQ_RCVTIMEO, &tmo, sizeof tmo);
  zmq_connect(s, ep);
  for (int i = 0; i < n; i++) {
    uint8_t body[2300], req[2600], reply[128];
    char key[96], val[32], pad[2049];
    struct crdt_buf b, r;
    snprintf(key, sizeof key, "%s-%d", prefix, i);
    snprintf(val, sizeof val, "v%d", i);
    crdt_buf_init(&b, body, sizeof body);
    memset(pad, 'a' + i % 26, sizeof pad - 1);
    pad[pad_len] = 0;
    crdt_w_map(&b, 3);
    crdt_w_cstr(&b, "n");
    crdt_w_int(&b, i);
    crdt_w_cstr(&b, "pad");
    crdt_w_cstr(&b, pad);
    crdt_w_cstr(&b, "v");
    crdt_w_cstr(&b, val);
    crdt_buf_init(&r, req, sizeof req);
    crdt_w_array(&r, 7);
    crdt_w_cstr(&r, "write");
    crdt_w_nil(&r);
    crdt_w_cstr(&r, coll);
    crdt_w_cstr(&r, key);
    crdt_w_uint(&r, CRDT_SET);
    crdt_w_bin(&r, b.p, b.len);
    crdt_w_bin(&r, "", 0);
    int got;
    if (zmq_send(s, r.p, r.len, 0) < 0 || (got = zmq_recv(s, reply, sizeof reply, 0)) < 0) {
      fprintf(stderr, "helper: no reply to write %d\n", i);
      return 1;
    }
    /* [0, bin8 32 bytes]: 92 00 c4 20 <id> */
    if (got != 36 || reply[0] != 0x92 || reply[1] != 0) {
      fprintf(stderr, "helper: write %d refused\n", i);
      return 1;
    }
    for (int k = 0; k < 32; k++)
      printf("%02x", reply[4 + k]);
    printf("\n");
  }
  fflush(stdout);
  zmq_close(s);
  zmq_ctx_term(ctx);
  return 0;
}

int main(int argc, char **argv)
{
  if (crdt_init())
    return 2;
  if (argc == 5 && strcmp(argv[1], "intruder") == 0)
    return h_intruder(argv[2], argv[3], argv[4]);
  if (argc == 6 && strcmp(argv[1], "evil") == 0)
    return h_evil(argv[2], argv[3], argv[4], argv[5]);
  if (argc == 4 && strcmp(argv[1], "garbage") == 0)
    return h_garbage(argv[2], atoi(argv[3]));
  if (argc == 7 && strcmp(argv[1], "bulk") == 0 && atoi(argv[6]) >= 0 && atoi(argv[6]) <= 2048)
    return h_bulk(argv[2], atoi(argv[3]), argv[4], argv[5], (size_t)atoi(argv[6]));
  if (argc == 7 && strcmp(argv[1], "sign") == 0)
    return h_sign(argv[2], argv[3], argv[4], argv[5], argv[6]);
  if (argc == 7 && strcmp(argv[1], "push") == 0)
    return h_push_file(argv[2], argv[3], argv[4], argv[5], argv[6]);
  fprintf(stderr, "usage: daemon_helper intruder|evil|garbage|bulk|sign|push ... (see the source)\n");
  return 2;
}
