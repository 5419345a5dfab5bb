/* linli user add|list|passwd|remove: the staff accounts of the node's web
 * console (node/daemon/web_users.h). Passwords are read from the
 * terminal without echo, or from stdin's first line when it is not a
 * terminal (scripts, tests); only their Argon2id hash is stored. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "web_users.h"

/* One line of the terminal without echo (prompt on stderr), or of stdin.
 * Returns its length (newline dropped), or -1 at the end of input. */
static int read_secret(const char *prompt, char *buf, size_t cap)
{
  struct termios old, quiet;
  int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) { /* echo off first, then the prompt: what is typed after it is kept */
    quiet = old;
    quiet.c_lflag &= (tcflag_t)~ECHO;
    quiet.c_lflag |= ECHONL;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    fprintf(stderr, "%s", prompt);
  }
  char *got = fgets(buf, (int)cap, stdin);
  if (tty)
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
  if (!got)
    return -1;
  size_t n = strcspn(buf, "\r\n");
  if (n == cap - 1 && buf[n] == 0) { /* longer than the buffer: refused as too long */
    int ch;
    while ((ch = getchar()) != EOF && ch != '\n')
      ;
  }
  buf[n] = 0;
  return (int)n;
}

/* The new password, hashed into hash: twice on a terminal. */
static int new_password(char hash[WEB_HASH_MAX])
{
  char a[WEB_PW_MAX + 2], b[WEB_PW_MAX + 2];
  int rc = CLI_FAIL;
  int na = read_secret("password: ", a, sizeof a);
  if (na < 0) {
    cli_fail("no password given (type it, or give it on stdin)");
    goto out;
  }
  if (isatty(STDIN_FILENO)) {
    int nb = read_secret("again: ", b, sizeof b);
    if (nb != na || sodium_memcmp(a, b, (size_t)na)) {
      cli_fail("the two passwords differ; nothing was changed");
      goto out;
    }
  }
  int h = web_password_hash(hash, a, (size_t)na);
  if (h == LINLI_EINVAL)
    cli_fail("a password is %d to %d bytes without control characters; nothing was changed",
             WEB_PW_MIN, WEB_PW_MAX);
  else if (h)
    cli_fail("cannot hash the password: %s", cli_err(h));
  else
    rc = CLI_OK;
out:
  sodium_memzero(a, sizeof a);
  sodium_memzero(b, sizeof b);
  return rc;
}

static int user_list(struct cli_args *a, const struct web_users *t)
{
  if (a->json) {
    printf("[");
    for (int i = 0; i < t->n; i++)
      printf("%s{\"name\":\"%s\",\"role\":\"%s\",\"pii\":%s}", i ? "," : "", t->u[i].name,
             web_role_name(t->u[i].role), t->u[i].pii ? "true" : "false");
    printf("]\n");
    return CLI_OK;
  }
  if (!t->n) {
    printf(_("no accounts yet: linli user add --data %s NAME --role clerk\n"), a->data);
    return CLI_OK;
  }
  static const int w[] = {-32, -10, 0};
  static const char *const h[] = {N_("NAME"), N_("ROLE"), N_("PII")};
  cli_head(3, w, h);
  for (int i = 0; i < t->n; i++)
    printf("%-32s %-10s %s\n", t->u[i].name, web_role_name(t->u[i].role),
           t->u[i].pii ? _("whole") : _("masked"));
  return CLI_OK;
}

/* add, passwd, remove: under the lock, on a fresh read of the file. */
static int user_change(const struct cli_cmd *cmd, struct cli_args *a, struct web_users *t,
                       const char *verb)
{
  if (a->n_pos != 2)
    return cli_usage(cmd, CLI_USAGE);
  const char *name = a->pos[1];
  int add = !strcmp(verb, "add"), passwd = !strcmp(verb, "passwd"), role = -1;
  if (web_name_check(name))
    return cli_fail("an account name is 1 to %d characters of A-Z a-z 0-9 _ . -", WEB_NAME_MAX);
  if (add && (!a->role || (role = web_role_parse(a->role)) < 0)) {
    fprintf(stderr, _("linli user add: --role viewer, clerk, approver or admin is required\n"));
    return CLI_USAGE;
  }
  if (!add && (a->role || a->pii))
    return cli_usage(cmd, CLI_USAGE);
  int fd = web_users_lock(a->data), rc;
  if (fd < 0)
    return cli_fail("cannot lock %s/%s.lock: %s", a->data, WEB_USERS_FILE, cli_err(fd));
  if ((rc = web_users_load(t, a->data))) {
    close(fd);
    return cli_fail("%s/%s: %s", a->data, WEB_USERS_FILE, cli_err(rc));
  }
  int at = web_users_find(t, name);
  rc = CLI_FAIL;
  if (add && at >= 0)
    cli_fail("account %s exists already (linli user passwd changes its password)", name);
  else if (!add && at < 0)
    cli_fail("no account %s (linli user list shows them)", name);
  else if (add && t->n == WEB_USERS_MAX)
    cli_fail("there are %d accounts already, the most a node keeps", WEB_USERS_MAX);
  else if (!strcmp(verb, "remove")) {
    memmove(&t->u[at], &t->u[at + 1], (size_t)(t->n - at - 1) * sizeof t->u[0]);
    t->n--;
    rc = CLI_OK;
  } else {
    struct web_user *u = add ? &t->u[t->n] : &t->u[at];
    if ((rc = new_password(u->hash)) == CLI_OK && add) {
      memcpy(u->name, name, strlen(name) + 1);
      u->role = role;
      u->pii = a->pii;
      t->n++;
    }
  }
  if (rc == CLI_OK && (rc = web_users_save(t, a->data)))
    rc = cli_fail("cannot write %s/%s: %s", a->data, WEB_USERS_FILE, cli_err(rc));
  close(fd);
  if (rc == CLI_OK)
    fprintf(stderr, _("linli: account %s %s%s%s\n"), name,
            add ? "added as " : passwd ? "has a new password" : "removed",
            add ? web_role_name(role) : "", add && a->pii ? " (pii)" : "");
  return rc;
}

int cli_cmd_user(const struct cli_cmd *cmd, struct cli_args *a)
{
  struct config *c = malloc(sizeof *c);
  struct web_users *t = malloc(sizeof *t);
  int rc = CLI_FAIL;
  if (!c || !t) {
    rc = cli_fail("%s", cli_err(LINLI_ENOMEM));
    goto out;
  }
  if (cli_load_config(a->data, c))
    goto out;
  const char *verb = a->pos[0];
  if (!strcmp(verb, "list")) {
    if (a->n_pos != 1 || a->role) {
      rc = cli_usage(cmd, CLI_USAGE);
    } else if ((rc = web_users_load(t, a->data))) {
      rc = cli_fail("%s/%s: %s", a->data, WEB_USERS_FILE, cli_err(rc));
    } else {
      rc = user_list(a, t);
    }
  } else if (!strcmp(verb, "add") || !strcmp(verb, "passwd") || !strcmp(verb, "remove")) {
    rc = user_change(cmd, a, t, verb);
  } else {
    rc = cli_usage(cmd, CLI_USAGE);
  }
out:
  if (t)
    sodium_memzero(t, sizeof *t);
  free(t);
  free(c);
  return rc;
}
