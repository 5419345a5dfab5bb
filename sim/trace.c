/* The event trace: one line per event, hashed with BLAKE2b-256 as it is
 * written, so every verdict names the exact run it came from. */
#include <stdarg.h>
#include <string.h>

#include "sim_int.h"

void sim__trace(struct sim *s, const char *fmt, ...)
{
  char line[768];
  int n = snprintf(line, sizeof line, "%llu ", (unsigned long long)s->now);
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  va_end(ap);
  size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
  if (len > sizeof line - 2)
    len = sizeof line - 2;
  line[len++] = '\n';
  crypto_generichash_update(&s->th, (const uint8_t *)line, len);
  if (s->tf)
    fwrite(line, 1, len, s->tf);
}

uint64_t sim__fnv(const uint8_t *p, size_t len)
{
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (size_t i = 0; i < len; i++)
    h = (h ^ p[i]) * UINT64_C(0x100000001b3);
  return h;
}

void sim__fail(struct sim *s, const char *fmt, ...)
{
  char why[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  sim__trace(s, "FAIL %s", why);
  if (s->v->ok) {
    s->v->ok = 0;
    int n = snprintf(s->v->why, sizeof s->v->why, "t=%llums ", (unsigned long long)s->now);
    snprintf(s->v->why + n, sizeof s->v->why - (size_t)n, "%.*s", (int)(sizeof s->v->why - (size_t)n - 1), why);
  }
}

static void human_bytes(uint64_t b, char *out, size_t cap)
{
  if (b >= 1000000)
    snprintf(out, cap, "%llu.%lluMB", (unsigned long long)(b / 1000000),
             (unsigned long long)(b / 100000 % 10));
  else if (b >= 1000)
    snprintf(out, cap, "%llu.%llukB", (unsigned long long)(b / 1000),
             (unsigned long long)(b / 100 % 10));
  else
    snprintf(out, cap, "%lluB", (unsigned long long)b);
}

void sim_verdict_format(const struct sim_verdict *v, char *out, size_t cap)
{
  char bytes[32], faults[256] = "", hex[17];
  size_t fl = 0;
  human_bytes(v->bytes, bytes, sizeof bytes);
  for (int f = 0; f < SIM_F_COUNT && fl < sizeof faults; f++)
    if (v->faults[f])
      fl += (size_t)snprintf(faults + fl, sizeof faults - fl, "%s%s:%llu", fl ? "," : "",
                             sim_fault_name((enum sim_fault)f), (unsigned long long)v->faults[f]);
  for (int i = 0; i < 8; i++)
    snprintf(hex + 2 * i, 3, "%02x", v->trace_hash[i]);
  char heal[32], missing[32];
  human_bytes(v->conv_bytes, heal, sizeof heal);
  human_bytes(v->conv_missing_bytes, missing, sizeof missing);
  snprintf(out, cap,
           "SEED=%llu %s rounds=%u ops=%llu bytes=%s faults=%s forged=%llu/%llu rejected=%llu "
           "clock_refused=%llu unreplicated=%llu conflicts=%llu bytes/op=%llu heal=%s/%s "
           "events=%llu trace=%s%s%s",
           (unsigned long long)v->seed, v->ok ? "ok" : "FAIL", v->rounds,
           (unsigned long long)v->ops, bytes, fl ? faults : "none",
           (unsigned long long)v->forged_sent, (unsigned long long)v->forged_stored,
           (unsigned long long)v->rejected, (unsigned long long)v->clock_refused,
           (unsigned long long)v->unreplicated, (unsigned long long)v->conflicts,
           (unsigned long long)(v->ops_moved ? v->bytes / v->ops_moved : 0), heal, missing,
           (unsigned long long)v->events, hex, v->ok ? "" : " why=", v->ok ? "" : v->why);
}
