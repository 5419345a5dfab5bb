/* linli events: the events linlid raised (node/daemon/events.h), from
 * DATA/events.log: withdrawals, rejections, declarations waiting, silent
 * communities. Works with linlid stopped. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "events.h"
#include "verbs.h"

static const char *kind_zh(const char *k)
{
  return !strcmp(k, "withdrawal")    ? "撤销"
         : !strcmp(k, "rejection")   ? "驳回"
         : !strcmp(k, "declaration") ? "待审批"
         : !strcmp(k, "silent")      ? "无新数据"
                                     : k;
}

static void pad(const char *s, int w)
{
  fputs(s, stdout);
  for (int k = cli_dwidth(s, strlen(s)); k < w; k++)
    fputc(' ', stdout);
  fputc(' ', stdout);
}

int cli_cmd_events(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  struct config *c = malloc(sizeof *c);
  char since[DOM_DATE_LEN + 1] = "", path[CONFIG_PATH_MAX + 32], line[EVENTS_LINE_MAX + 2];
  int rc = CLI_FAIL, n = 0;
  if (!c)
    return cli_fail("%s", cli_err(LINLI_ENOMEM));
  if ((rc = cli_load_config(a->data, c)) || (a->since && (rc = cli_date(c, a->since, since, 0))))
    goto out;
  snprintf(path, sizeof path, "%s/events.log", c->data);
  FILE *f = fopen(path, "r");
  if (a->json)
    printf("[");
  while (f && fgets(line, sizeof line, f)) {
    char date[DOM_DATE_LEN + 2], kind[16], local[24], comm[CRDT_SCOPE_MAX + 1],
        comp[CRDT_KEY_MAX + 1], name[DOM_TEXT_MAX + 1], reason[400], sn[24];
    size_t l = strlen(line);
    if (!l || line[l - 1] != '\n' || events_field(line, "date", date, sizeof date) ||
        events_field(line, "kind", kind, sizeof kind))
      continue; /* a line cut short */
    if (since[0] && strcmp(date, since) < 0)
      continue;
    if (a->json) {
      line[l - 1] = 0;
      printf("%s\n%s", n ? "," : "", line);
    } else {
      if (events_field(line, "local", local, sizeof local))
        local[0] = 0;
      if (events_field(line, "community", comm, sizeof comm))
        comm[0] = 0;
      if (events_field(line, "compound", comp, sizeof comp))
        snprintf(comp, sizeof comp, "—");
      if (events_field(line, "name", name, sizeof name) || !name[0])
        snprintf(name, sizeof name, "—");
      if (events_field(line, "reason", reason, sizeof reason))
        reason[0] = 0;
      if (!n) {
        pad("时间", 16), pad("事件", 8), pad("社区", 12), pad("小区", 12), pad("名称", 14);
        printf("说明\n");
      }
      pad(local, 16), pad(kind_zh(kind), 8), pad(comm, 12), pad(comp, 12), pad(name, 14);
      if (!strcmp(kind, "silent") && events_field(line, "since", sn, sizeof sn) == 0)
        printf("最新记录 %s；", sn);
      printf("%s\n", reason);
    }
    n++;
  }
  if (f)
    fclose(f);
  if (a->json)
    printf("]\n");
  else if (!n)
    printf("%s\n", since[0] ? "该日期以来没有事件" : "没有事件（linlid 运行时记录在 DIR/events.log）");
  rc = CLI_OK;
out:
  free(c);
  return rc;
}
