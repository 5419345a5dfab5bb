/* Staff on the control socket: staff.h. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "staff.h"
#include "web_users.h"

long staff_peer_uid(const char *p)
{
  /* "HOST:UID:GID:PID" (HOST empty or "localhost"): the third field from the end */
  const char *c[3] = {NULL, NULL, NULL};
  char *end;
  if (!p)
    return -1;
  for (const char *q = p; *q; q++)
    if (*q == ':') {
      c[0] = c[1];
      c[1] = c[2];
      c[2] = q;
    }
  if (!c[0] || c[0][1] < '0' || c[0][1] > '9')
    return -1;
  long uid = strtol(c[0] + 1, &end, 10);
  return end == c[1] && uid >= 0 ? uid : -1;
}

long staff_owner(const char *data)
{
  char path[CONFIG_PATH_MAX + 16];
  struct stat st;
  snprintf(path, sizeof path, "%s/node.key", data);
  return stat(path, &st) == 0 ? (long)st.st_uid : -1;
}

void staff_resolve(const struct config *c, long uid, long owner_uid, struct staff_who *w)
{
  struct passwd pw, *got = NULL;
  char buf[4096];
  memset(w, 0, sizeof *w);
  w->uid = uid;
  w->role = -1;
  if (uid < 0)
    return;
  if (getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &got) == 0 && got &&
      strlen(got->pw_name) <= CONFIG_NAME_MAX)
    snprintf(w->user, sizeof w->user, "%s", got->pw_name);
  w->owner = uid == owner_uid || uid == 0;
  for (int i = 0; w->user[0] && i < c->n_staff; i++)
    if (!strcmp(c->staff[i].user, w->user)) {
      snprintf(w->name, sizeof w->name, "%s", c->staff[i].name);
      w->role = c->staff[i].role;
      w->pii = c->staff[i].pii;
    }
  if (w->owner) { /* every right, whatever a line says */
    w->role = WEB_ADMIN;
    w->pii = 1;
    if (!w->name[0])
      snprintf(w->name, sizeof w->name, "%s", dom_by_check(w->user) ? "owner" : w->user);
  }
}

static int staff__refuse(const struct staff_who *w, const char *need, const char *what, char *why,
                         size_t cap)
{
  if (w->role < 0)
    snprintf(why, cap, "Unix user %s is not staff of this node: an admin adds 'staff %s NAME "
             "ROLE' to linlid.conf and reloads linlid", w->user[0] ? w->user : "(unknown)",
             w->user[0] ? w->user : "USER");
  else
    snprintf(why, cap, "%s is a %s: %s needs the role %s", w->name, web_role_name(w->role), what,
             need);
  return LINLI_EROLE;
}

int staff_may_write(const struct staff_who *w, const char *coll, char *why, size_t cap)
{
  const struct dom_collection *c = domain_find(coll, strlen(coll));
  int need = !c ? WEB_ADMIN : c->scope == DOM_SCOPE_DISTRICT ? WEB_APPROVER : WEB_CLERK;
  if (w->role >= need)
    return 0;
  return staff__refuse(w, web_role_name(need), c ? "writing its records" : "writing there", why,
                       cap);
}

int staff_may(const struct staff_who *w, int need_admin, const char *what, char *why, size_t cap)
{
  int need = need_admin ? WEB_ADMIN : WEB_CLERK;
  if (w->role >= need)
    return 0;
  return staff__refuse(w, web_role_name(need), what, why, cap);
}

int staff_stamp(struct node_change *c, size_t n, const char *name, int keep, uint8_t **arena,
                size_t *bad)
{
  size_t need = 0, used = 0, extra = strlen(DOM_BY) + strlen(name) + 8;
  *arena = NULL;
  for (size_t i = 0; i < n; i++)
    if (dom_by_carried(c[i].collection, strlen(c[i].collection), c[i].kind))
      need += c[i].body_len + extra;
  if (!need)
    return 0;
  if (!(*arena = malloc(need)))
    return LINLI_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    if (!dom_by_carried(c[i].collection, strlen(c[i].collection), c[i].kind))
      continue;
    struct crdt_buf b;
    crdt_buf_init(&b, *arena + used, need - used);
    int rc = dom_body_by(c[i].body, c[i].body_len, name, keep, &b);
    if (rc) {
      *bad = i;
      return rc == LINLI_EINVAL ? LINLI_EKIND : rc;
    }
    c[i].body = *arena + used;
    c[i].body_len = b.len;
    used += b.len;
  }
  return 0;
}
