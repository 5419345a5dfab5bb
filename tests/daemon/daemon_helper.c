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
 *   daemon_helper limits CONTROL_ENDPOINT
 *       Prints the daemon's "limits" reply: a line "inbound=N max=M
 *       accepted=A evicted=E", then "NAME limited_ops limited_msgs" a link.
 *   daemon_helper idle HOST PORT N SECONDS
 *       Holds N raw TCP connections that send nothing for SECONDS, opening
 *       a new one whenever the daemon closes one. Prints the counts.
 *   daemon_helper junk HOST PORT SECONDS
 *       For SECONDS, in turn: random bytes, ZMTP 1.0 and 2.0 greetings, a
 *       ZMTP 3 CURVE greeting followed by a frame declared over the message
 *       limit, and one declared just under it whose bytes all come but the
 *       last (held until the daemon closes it). Prints the counts.
 *   daemon_helper handshakes ENDPOINT SERVER_PK N SECONDS
 *       N DEALERs with fresh CURVE keys that no roster lists, all dialing at
 *       once and redialing for SECONDS. Exit 0 if none was ever answered.
 *   daemon_helper flood ENDPOINT SERVER_PK KEYFILE SCOPE OPS_PER_S SECONDS BATCH
 *       An allowed key: HELLO, then fresh validly signed set ops at
 *       OPS_PER_S, BATCH ops a PUSH, for SECONDS; reads and drops whatever
 *       the daemon sends. Prints what it sent and how often the daemon's
 *       queue pushed back.
 * SERVER_PK is the daemon's Ed25519 public key in hex (linli pubkey). */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "crdt.h"
#include "net.h"

#define TRANSPORT_JUNK_OVER (NET_MSG_MAX + 128u * 1024u) /* over the daemon's frame limit */
#define TRANSPORT_JUNK_UNDER (NET_MSG_MAX)               /* under it */
#define TRANSPORT_JUNK_BIG (64u * 1024u)

static int h_tcp(const char *host, int port);

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
  uint8_t nonce[NET_NONCE_BYTES] = {7};
  net_hello_write(&b, NET_PROTO_VERSION, nonce, &sc, 1);
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

/* Connects, writes data and closes at once. 1 if the bytes went out. */
static int h_raw_once(const char *host, int port, const uint8_t *data, size_t len)
{
  int fd = h_tcp(host, port), ok = 0;
  if (fd >= 0) {
    ok = write(fd, data, len) == (ssize_t)len;
    close(fd);
  }
  return ok;
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

static int h_limits(const char *ep)
{
  uint8_t req[16], reply[65536];
  struct crdt_buf b;
  struct crdt_mp r;
  uint32_t n, k;
  uint64_t v[6];
  crdt_buf_init(&b, req, sizeof req);
  crdt_w_array(&b, 1);
  crdt_w_cstr(&b, "limits");
  void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_REQ);
  int zero = 0, tmo = 10000, got;
  zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
  zmq_setsockopt(s, ZMQ_RCVTIMEO, &tmo, sizeof tmo);
  zmq_connect(s, ep);
  if (zmq_send(s, b.p, b.len, 0) < 0 || (got = zmq_recv(s, reply, sizeof reply, 0)) < 0 ||
      got > (int)sizeof reply)
    return 1;
  crdt_mp_init(&r, reply, (size_t)got);
  if (crdt_mp_array(&r, &n) || n != 3 || crdt_mp_uint(&r, &v[0]) || v[0] || crdt_mp_array(&r, &k) ||
      k != 6)
    return 1;
  for (int i = 0; i < 6; i++)
    if (crdt_mp_uint(&r, &v[i]))
      return 1;
  printf("inbound=%llu max=%llu accepted=%llu evicted=%llu ops_per_s=%llu msgs_per_s=%llu\n",
         (unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2],
         (unsigned long long)v[3], (unsigned long long)v[4], (unsigned long long)v[5]);
  if (crdt_mp_array(&r, &n))
    return 1;
  for (uint32_t i = 0; i < n; i++) {
    const char *name;
    uint32_t nl;
    if (crdt_mp_array(&r, &k) || k != 3 || crdt_mp_str(&r, &name, &nl) || crdt_mp_uint(&r, &v[0]) ||
        crdt_mp_uint(&r, &v[1]))
      return 1;
    printf("%.*s %llu %llu\n", (int)nl, name, (unsigned long long)v[0], (unsigned long long)v[1]);
  }
  zmq_close(s);
  zmq_ctx_term(ctx);
  return 0;
}

/* Raises the soft limit on open files to the hard limit. */
static void h_nofile(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static int h_tcp(const char *host, int port)
{
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  struct timeval tv = {1, 0}; /* connect and write give up after 1 s */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  inet_pton(AF_INET, host, &a.sin_addr);
  if (fd >= 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

static int h_idle(const char *host, int port, int n, int seconds)
{
  struct pollfd *p = calloc((size_t)n, sizeof *p);
  long opened = 0, closed = 0, failed = 0;
  h_nofile();
  if (!p)
    return 2;
  for (int i = 0; i < n; i++)
    p[i].fd = -1;
  uint64_t end = h_now_ms() + (uint64_t)seconds * 1000u;
  while (h_now_ms() < end) {
    for (int i = 0; i < n; i++)
      if (p[i].fd < 0) {
        p[i] = (struct pollfd){h_tcp(host, port), POLLIN, 0};
        if (p[i].fd < 0)
          failed++;
        else
          opened++;
      }
    if (poll(p, (nfds_t)n, 500) > 0)
      for (int i = 0; i < n; i++) {
        char tmp[256];
        if (p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
            read(p[i].fd, tmp, sizeof tmp) <= 0) {
          close(p[i].fd);
          p[i].fd = -1;
          closed++;
        }
      }
  }
  int open_now = 0;
  for (int i = 0; i < n; i++)
    if (p[i].fd >= 0) {
      open_now++;
      close(p[i].fd);
    }
  printf("idle: held %d connections for %d s: opened %ld, closed by the daemon %ld, connect "
         "failed %ld, open at the end %d\n",
         n, seconds, opened, closed, failed, open_now);
  free(p);
  return 0;
}

/* A ZMTP 3.0 greeting offering mechanism mech. */
static void h_greeting(uint8_t g[64], const char *mech)
{
  memset(g, 0, 64);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  memcpy(g + 12, mech, strlen(mech));
}

static int h_junk(const char *host, int port, int seconds)
{
  static uint8_t big[TRANSPORT_JUNK_BIG];
  long sent[5] = {0};
  int held[32], n_held = 0;
  uint64_t end = h_now_ms() + (uint64_t)seconds * 1000u;
  h_nofile();
  randombytes_buf(big, sizeof big);
  while (h_now_ms() < end) {
    uint8_t buf[600];
    /* random bytes */
    randombytes_buf(buf, 300);
    sent[0] += h_raw_once(host, port, buf, 300);
    /* ZMTP 1.0: a length-prefixed identity frame */
    uint8_t z1[] = {0x01, 0x00, 0x05, 0x00, 'h', 'e', 'l', 'l'};
    sent[1] += h_raw_once(host, port, z1, sizeof z1);
    /* ZMTP 2.0: signature, revision 1, socket type DEALER, identity */
    uint8_t z2[] = {0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, 0x05, 0x00, 0x00};
    sent[2] += h_raw_once(host, port, z2, sizeof z2);
    /* a long command frame over the message limit */
    h_greeting(buf, "CURVE");
    buf[64] = 0x06;
    for (int i = 0; i < 8; i++)
      buf[65 + i] = (uint8_t)((uint64_t)TRANSPORT_JUNK_OVER >> (56 - 8 * i));
    sent[3] += h_raw_once(host, port, buf, 73);
    /* one just under the limit, all bytes but the last, held open */
    if (n_held < 32) {
      int fd = h_tcp(host, port);
      if (fd >= 0) {
        for (int i = 0; i < 8; i++)
          buf[65 + i] = (uint8_t)((uint64_t)TRANSPORT_JUNK_UNDER >> (56 - 8 * i));
        if (write(fd, buf, 73) == 73) {
          size_t left = TRANSPORT_JUNK_UNDER - 1;
          while (left) {
            ssize_t w = write(fd, big, left < sizeof big ? left : sizeof big);
            if (w <= 0)
              break;
            left -= (size_t)w;
          }
          sent[4]++;
        }
        held[n_held++] = fd;
      }
    } else {
      for (int i = 0; i < n_held; i++)
        close(held[i]);
      n_held = 0;
    }
    h_sleep_ms(20);
  }
  for (int i = 0; i < n_held; i++)
    close(held[i]);
  printf("junk: %ld random, %ld ZMTP 1.0, %ld ZMTP 2.0, %ld frames over the limit, %ld frames "
         "just under it (held)\n",
         sent[0], sent[1], sent[2], sent[3], sent[4]);
  return 0;
}

static int h_handshakes(const char *ep, const char *server, int n, int seconds)
{
  void *ctx = zmq_ctx_new();
  void **s = calloc((size_t)n, sizeof *s);
  int answered = 0;
  h_nofile();
  zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, n + 16);
  zmq_ctx_set(ctx, ZMQ_IO_THREADS, 2);
  for (int i = 0; i < n; i++) {
    uint8_t seed[32], msg[64];
    struct crdt_identity id;
    randombytes_buf(seed, sizeof seed);
    crdt_identity_from_seed(&id, seed);
    s[i] = h_dealer(ctx, ep, server, &id);
    if (!s[i]) {
      fprintf(stderr, "helper: socket %d: %s\n", i, zmq_strerror(zmq_errno()));
      return 2;
    }
    zmq_send(s[i], msg, h_hello(msg, sizeof msg, "shihua"), ZMQ_DONTWAIT);
  }
  uint64_t end = h_now_ms() + (uint64_t)seconds * 1000u;
  while (h_now_ms() < end)
    for (int i = 0; i < n; i++)
      answered += h_wait(s[i], 0);
  for (int i = 0; i < n; i++)
    zmq_close(s[i]);
  zmq_ctx_term(ctx);
  free(s);
  printf("handshakes: %d sockets with unlisted keys for %d s, answered %d\n", n, seconds, answered);
  return answered ? 1 : 0;
}

static size_t h_flood_msg(uint8_t *buf, size_t cap, const char *scope,
                          const struct crdt_identity *id, uint64_t *seq, int batch)
{
  static uint8_t ops[NET_OPS_MAX][256];
  const uint8_t *p[NET_OPS_MAX];
  size_t lens[NET_OPS_MAX];
  uint64_t now = h_now_ms();
  for (int i = 0; i < batch; i++) {
    uint8_t body[64];
    char key[48];
    struct crdt_buf b;
    crdt_buf_init(&b, body, sizeof body);
    crdt_w_map(&b, 1);
    crdt_w_cstr(&b, "note");
    crdt_w_cstr(&b, "flood");
    snprintf(key, sizeof key, "flood-%llu", (unsigned long long)*seq);
    struct crdt_draft d = {scope, "household", key, CRDT_HLC_MAKE(now, *seq % 1000), CRDT_SET,
                           body, b.len, NULL, 0};
    (*seq)++;
    if (crdt_op_sign(&d, id, ops[i], sizeof ops[i], &lens[i], NULL))
      exit(2);
    p[i] = ops[i];
  }
  struct crdt_buf b;
  crdt_buf_init(&b, buf, cap);
  net_ops_write(&b, NET_PUSH, scope, strlen(scope), p, lens, (uint32_t)batch);
  return b.len;
}

static int h_flood(const char *ep, const char *server, const char *keyfile, const char *scope,
                   int rate, int seconds, int batch)
{
  struct crdt_identity id;
  static uint8_t buf[NET_MSG_MAX];
  uint64_t seq = 0, ops = 0, msgs = 0, pushed_back = 0, received = 0;
  if (crdt_identity_load(&id, keyfile) || batch < 1 || batch > (int)NET_OPS_MAX || rate < batch)
    return 2;
  void *ctx = zmq_ctx_new();
  void *s = h_dealer(ctx, ep, server, &id);
  zmq_send(s, buf, h_hello(buf, sizeof buf, scope), 0);
  if (!h_wait(s, 5000)) {
    printf("flood: no hello\n");
    return 1;
  }
  uint64_t start = h_now_ms(), end = start + (uint64_t)seconds * 1000u;
  size_t len = 0;
  for (uint64_t now = start; now < end; now = h_now_ms()) {
    while (h_wait(s, 0))
      received++;
    if (ops * 1000u >= (now - start) * (uint64_t)rate) {
      h_sleep_ms(2);
      continue;
    }
    if (!len)
      len = h_flood_msg(buf, sizeof buf, scope, &id, &seq, batch);
    if (zmq_send(s, buf, len, ZMQ_DONTWAIT) < 0) {
      pushed_back++;
      h_sleep_ms(5);
      continue;
    }
    len = 0;
    ops += (uint64_t)batch;
    msgs++;
  }
  double secs = (double)(h_now_ms() - start) / 1000.0;
  printf("flood: sent %llu signed ops in %llu PUSH messages over %.1f s (%.0f ops/s); queue "
         "full %llu times; %llu messages from the daemon\n",
         (unsigned long long)ops, (unsigned long long)msgs, secs, (double)ops / secs,
         (unsigned long long)pushed_back, (unsigned long long)received);
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
  if (argc == 3 && strcmp(argv[1], "limits") == 0)
    return h_limits(argv[2]);
  if (argc == 6 && strcmp(argv[1], "idle") == 0)
    return h_idle(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
  if (argc == 5 && strcmp(argv[1], "junk") == 0)
    return h_junk(argv[2], atoi(argv[3]), atoi(argv[4]));
  if (argc == 6 && strcmp(argv[1], "handshakes") == 0 && atoi(argv[4]) > 0)
    return h_handshakes(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
  if (argc == 9 && strcmp(argv[1], "flood") == 0)
    return h_flood(argv[2], argv[3], argv[4], argv[5], atoi(argv[6]), atoi(argv[7]), atoi(argv[8]));
  fprintf(stderr, "usage: daemon_helper intruder|evil|garbage|bulk|sign|push|limits|idle|junk|"
                  "handshakes|flood ... (see the source)\n");
  return 2;
}
