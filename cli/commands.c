/* linli's command table (each command's options, usage line and help text),
 * the option table, and parsing a command line against them. The commands
 * of the domain table (records.c) are found here too. main() is in linli.c.
 * Operator guide: docs/operator.md. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "domain.h"
#include "verbs.h"

static int cli_cmd_help(const struct cli_cmd *cmd, struct cli_args *a);

static const struct cli_cmd cli_cmds[] = {
    {"init", cli_cmd_init,
     CLI_O_DATA | CLI_O_COMMUNITY | CLI_O_LISTEN | CLI_O_DISTRICT | CLI_O_HUB | CLI_O_HUBADDR |
         CLI_O_CITY | CLI_O_CITYKEY | CLI_O_JOIN, 0, 0,
     "--data DIR --community CODE [--listen tcp://HOST:PORT] [--district D --hub HEX|self "
     "[--hub-addr tcp://HOST:PORT] [--city CITY --city-key HEX]] [--join] | --data DIR --city CITY "
     "--hub self",
     N_("  Creates a node: DIR (mode 700, and any missing parent), its key DIR/node.key\n"
     "  (mode 600) and DIR/linlid.conf. Prints the node's public key; peers list it in\n"
     "  their config. With --district and --hub (the hub's public key, or 'self' on\n"
     "  the hub) trust is on, and a node writes DIR/enroll-request.txt to carry to the\n"
     "  hub (linli enroll); --hub-addr (the hub's listen address) makes it dial the hub.\n"
     "  --city CITY --hub self makes the city node, the root above the district hubs;\n"
     "  a hub or node of the city adds --city CITY --city-key KEY (the city's key), and\n"
     "  a hub then writes DIR/enroll-request.txt to carry to the city (linli enroll).\n"
     "  A community node also gets the community's data key, DIR/community.key (mode\n"
     "  600), which seals personal fields; --join makes a further node of a community\n"
     "  that already has one, and that node gets the key by linli key grant.")},
    {"key", cli_cmd_key, CLI_O_DATA | CLI_O_TO | CLI_O_JSON, 1, 2,
     "--data DIR status [--json] | grant NODEKEY | rotate [--to NODEKEY]... | backup | "
     "restore CODE",
     N_("  The community's data key, which seals personal fields (names, ID numbers,\n"
     "  phones, notes) so that only the community's own nodes read them. Every verb\n"
     "  first takes any key granted to this node. status: the key epochs held. grant:\n"
     "  seals each epoch to NODEKEY (linli pubkey on a node of the same community) in a\n"
     "  key op that syncs to it. rotate: a new epoch for new values (after a node is\n"
     "  revoked), granted to each --to node. backup: prints a recovery code sealed with\n"
     "  a passphrase (asked twice, or the first line of stdin); restore CODE puts the\n"
     "  key back. After linli retire, rotate on any node starts a new epoch.")},
    {"retire", cli_cmd_retire, CLI_O_DATA | CLI_O_COMMUNITY | CLI_O_REASON, 0, 0,
     "--data DIR --community C --reason TEXT",
     N_("  Ends the community's personal data when the epidemic is over: a signed op in\n"
     "  its scope retires every key epoch this node holds. This node deletes its copy\n"
     "  now, every other node of the community when the op reaches it (its log says\n"
     "  'key retired'), and none takes a grant of those epochs again; names, ID\n"
     "  numbers, phones and notes then show as (sealed) everywhere, while counts,\n"
     "  case states, certifications and rounds stay. A node that is offline deletes\n"
     "  its copy on its next sync; a copy taken before (a recovery code, a backup)\n"
     "  cannot be recalled. Run on a node that holds the key.")},
    {"pubkey", cli_cmd_pubkey, CLI_O_DATA, 0, 0, "--data DIR",
     N_("  Prints the node's public key (64 hex digits).")},
    {"enroll", cli_cmd_enroll, CLI_O_DATA | CLI_O_DAYS | CLI_O_OUT, 1, 1,
     "--data HUBDIR REQUEST [--days N] [--out DIR]",
     N_("  On the hub: checks an enrolment request (the enroll-request.txt that linli init\n"
     "  wrote on the node), signs a certificate valid for N days (default 365) and\n"
     "  writes it to DIR (default .) as cert-COMMUNITY-KEY8.op; stores it in the hub's\n"
     "  database too (through linlid if it runs), so the node gets it when it syncs.")},
    {"import-cert", cli_cmd_import_cert, CLI_O_DATA, 1, 1, "--data DIR FILE",
     N_("  Stores a certificate file (or any op file) in the node: through linlid if it\n"
     "  runs, else straight into the database. For a node enrolled offline.")},
    {"revoke", cli_cmd_revoke, CLI_O_DATA | CLI_O_REASON | CLI_O_OUT, 1, 1,
     "--data HUBDIR KEYHEX --reason TEXT [--out DIR]",
     N_("  On the hub: revokes a node's key from now on. Its later ops are rejected\n"
     "  everywhere, its connections are closed. Stores the revocation and writes it\n"
     "  to DIR (default .) as revoke-KEY8.op for nodes reached by USB stick.")},
    {"roster", cli_cmd_roster, CLI_O_DATA | CLI_O_JSON, 0, 0, "--data DIR [--json]",
     N_("  Lists every key the node knows a certificate or revocation of: community,\n"
     "  role, validity, when revoked (works with linlid stopped).")},
    {"status", cli_cmd_status, CLI_O_DATA | CLI_O_JSON, 0, 0, "--data DIR [--json]",
     N_("  Asks the running linlid for its state: per peer whether it is connected, the\n"
     "  last successful sync, ops behind, ops and bytes each way, rejected input.")},
    {"put", cli_cmd_put, CLI_O_DATA | CLI_O_SCOPE | CLI_O_RAW, 3, -1,
     "--data DIR [--scope S] [--raw] COLLECTION KEY field=value...",
     N_("  Sets fields of a record and prints the op ids, as the collection's set verb does:\n"
     "  each value is encoded by its field's type and checked as that verb checks it\n"
     "  (through linlid if it runs, else into the database); the values it replaces\n"
     "  are named as its parents (only concurrent writes conflict). An unknown\n"
     "  collection or field is refused; --raw writes it anyway, through the running\n"
     "  linlid, for a newer schema (whole numbers as integers, true/false as booleans,\n"
     "  the rest as text).")},
    {"get", cli_cmd_get, CLI_O_DATA | CLI_O_SCOPE | CLI_O_JSON, 2, 2,
     "--data DIR [--scope S] COLLECTION KEY [--json]",
     N_("  Shows one record from the database (works with linlid stopped). Fields with\n"
     "  concurrent values are marked as conflicts.")},
    {"list", cli_cmd_list, CLI_O_DATA | CLI_O_SCOPE | CLI_O_JSON, 1, 1,
     "--data DIR [--scope S] COLLECTION [--json]",
     N_("  Shows every record of a collection (works with linlid stopped).")},
    {"digest", cli_cmd_digest, CLI_O_DATA | CLI_O_SCOPE | CLI_O_COMPARE | CLI_O_JSON, 0, 0,
     "--data DIR [--scope S] | --data DIR --compare [--json]",
     N_("  Prints the state digest: two nodes holding the same ops print the same digest.\n"
        "  Without --scope, the digest of every row and then one line per scope the\n"
        "  node holds (compare one with a peer's linli digest --scope S). --compare\n"
        "  has the running linlid start a round now with every peer it dials and\n"
        "  waits (up to 15 s) for it: per scope and peer, the same ops, or how many\n"
        "  each side lacked (a peer that dials this node: its last round); exit 0\n"
        "  only when every pair found the same ops.")},
    {"report", cli_cmd_report, CLI_O_DATA | CLI_O_SCOPE | CLI_O_JSON | CLI_O_DAYS | CLI_O_SUPPLY, 1, 3,
     "--data DIR district|community [YYYY-MM-DD] [--days N] [--scope S] [--json] [--supply] | "
     "compound CODE [YYYY-MM-DD] [--json] | city [YYYY-MM-DD] [--json] (on the city node)",
     N_("  The district's figures on a date (default today in the district's zone), from\n"
     "  this node's database (works with linlid stopped; run it on the hub for the\n"
     "  district). Compounds certified epidemic-free (the headline) and the other states\n"
     "  beside them (withdrawn, pending, rejected, eligible, not eligible); communities\n"
     "  and villages epidemic-free (every compound certified, no suspected, fever or\n"
     "  close-contact case open); open cases on the date; households and residents\n"
     "  registered by its end; health checks, fevers, gate checks and hand-outs within\n"
     "  1 and N days (default 7) ending on it; completeness (communities heard from in\n"
     "  each window, who is silent since when). Then a row per community and per\n"
     "  compound, with names and each compound's state and reason.\n"
     "  compound CODE: one compound's state and its history of declarations, decisions\n"
     "  and withdrawals (the days its rule stopped or started holding again).\n"
     "  --supply: per item, what was handed out free and sold, households and\n"
     "  hardship households reached, in the --days N (default 1) ending on the date,\n"
     "  and the stock on hand.")},
    {"sample", cli_cmd_sample, CLI_O_DATA | CLI_O_SCOPE | CLI_O_DAYS, 1, 1,
     "--data DIR [--scope S] [--days N] FILE",
     N_("  Writes a bundle of N days (default 60) of invented records for the node's\n"
     "  community (shihua, chuanchang and changhongli follow the report; any other code\n"
     "  gets a synthetic community), signed by the node's key, stamped now and dated in\n"
     "  the past; its cases fall in the last 40 days. Load it with linli import.")},
    {"import", cli_cmd_import, CLI_O_DATA | CLI_O_PASSPHRASE, 1, 1, "--data DIR [--passphrase] FILE",
     N_("  Loads a bundle (from linli export or linli sample): every op is verified like\n"
     "  one from a peer; importing twice changes nothing; a truncated file imports\n"
     "  nothing. Through linlid if it runs, else straight into the database.\n"
     "  An encrypted bundle is opened with this node's key, or with its passphrase\n"
     "  (asked on the terminal, or the first line of standard input).")},
    {"export", cli_cmd_export, CLI_O_DATA | CLI_O_SCOPE | CLI_O_TO | CLI_O_PASSPHRASE | CLI_O_PLAIN,
     1, 1, "--data DIR [--scope S] [--to KEY]... [--passphrase | --plain] FILE",
     N_("  Writes every op of the node's scopes (or one) to a bundle FILE, for a USB\n"
     "  stick to a node with no link (works with linlid running or stopped).\n"
     "  The file is encrypted (mode 600): by default to this node and its hub; with\n"
     "  --to KEY (a node's public key, from linli pubkey; 'self', 'hub'; repeat for\n"
     "  more) to those nodes only; with --passphrase to a passphrase of at least 8\n"
     "  characters (asked twice on the terminal, or the first line of standard\n"
     "  input). --plain writes it unencrypted: names, ID numbers and phones in clear.")},
    {"import-csv", cli_cmd_import_csv, CLI_O_DATA | CLI_O_SCOPE | CLI_O_FORCE | CLI_O_ENCODING, 2, 2,
     "--data DIR [--scope S] [--force] [--encoding E] COLLECTION FILE",
     N_("  Imports the records of any collection (households, residents, case_status,\n"
     "  health_check, ...: linli help export-csv) from a CSV file with a header row\n"
     "  naming its columns in English or Chinese (docs/domain.md has both). Every row is\n"
     "  checked first as the collection's verbs check a record; if any is bad, nothing\n"
     "  is imported and each bad line is listed by number and column (never by\n"
     "  content). A file that is not UTF-8 is read as GB18030 (GBK, what Excel writes\n"
     "  in a Chinese locale), and says so; --encoding E names another. ID and phone\n"
     "  numbers written =\"...\" by a spreadsheet are read as the text inside. Through\n"
     "  linlid if it runs, else into the database.")},
    {"export-csv", cli_cmd_export_csv, CLI_O_DATA | CLI_O_SCOPE | CLI_O_ENCODING | CLI_O_PLAIN, 2, 2,
     "--data DIR [--scope S] [--encoding E] [--plain] COLLECTION FILE",
     N_("  Writes the records of a collection as CSV in the columns import-csv reads (FILE\n"
     "  '-' for stdout; a new file gets mode 600: it holds personal data): UTF-8 with a\n"
     "  byte order mark and ID and phone numbers as =\"...\", so that Excel opens it as\n"
     "  it is; --plain writes neither, --encoding gbk writes GBK for an old Excel.")},
    {"export-xlsx", cli_cmd_export_xlsx, CLI_O_DATA | CLI_O_SCOPE, 1, -1,
     "--data DIR [--scope S] FILE [COLLECTION...]",
     N_("  Writes the records as one Excel workbook (.xlsx), a sheet per collection (every\n"
     "  collection, or those named), headed by the Chinese column names import-csv\n"
     "  reads; ID and phone numbers are text cells, years, quantities and temperatures\n"
     "  numbers. A new file gets mode 600: it holds personal data.")},
    {"conflicts", cli_cmd_conflicts, CLI_O_DATA | CLI_O_SCOPE | CLI_O_JSON, 1, -1,
     "--data DIR list|show COLLECTION KEY|resolve COLLECTION KEY field=value... [--scope S] [--json]",
     N_("  list: every lww field with concurrent values (written on two nodes that had not\n"
     "  seen each other's write), in all the node's scopes. show: each such field of one\n"
     "  record with its values, author (first 8 hex of the key), time and op id.\n"
     "  resolve: sets the fields with every concurrent value as parent, so the conflict\n"
     "  disappears on every node as the write spreads (through linlid if it runs).")},
    {"check", cli_cmd_check,
     CLI_O_DATA | CLI_O_TEMP | CLI_O_COUGH | CLI_O_DATE | CLI_O_PERSON | CLI_O_VISITOR |
         CLI_O_DIRECTION | CLI_O_PURPOSE | CLI_O_LIST | CLI_O_FEVER | CLI_O_FORCE,
     1, 2,
     "--data DIR health RESIDENT --temp 36.8 [--cough] [--date D] | gate GATE "
     "--person R|--visitor NAME --direction in|out --temp T --purpose TEXT [--date D] | "
     "list [health|gate] [--date D | --since D --until D] [--fever] [--compound C] [--grid G] "
     "[--where F=V] [--sort F [--desc]] [--limit N] [--wide] [--json]",
     N_("  Records a daily health check of a resident, or a gate check (ask, measure,\n"
     "  check, register). A temperature outside 34.0-43.0 °C, a date in the future or a\n"
     "  resident this community has not registered is refused (exit 1). Temperatures\n"
     "  are stored in tenths (temp_dc 368 = 36.8 °C). Through linlid if it runs.\n"
     "  list: the health checks (or gate checks) recorded, of a day or a range of days,\n"
     "  with a fever (37.3 °C or more), in a compound or grid (works with linlid stopped).")},
    {"case", cli_cmd_case,
     CLI_O_DATA | CLI_O_RESIDENT | CLI_O_COMPOUND | CLI_O_CATEGORY | CLI_O_START | CLI_O_DATE |
         CLI_O_LIST | CLI_O_OPEN | CLI_O_CLOSED | CLI_O_DUEBY | CLI_O_FORCE,
     1, 2,
     "--data DIR open CASEKEY --resident R --compound C --category "
     "confirmed|suspected|fever|close_contact --start D | release CASEKEY --date D | "
     "list [--open|--closed] [--date D] [--category C] [--compound C] [--due-by D] [--json] | "
     "show CASEKEY [--json]",
     N_("  Opens a case (a registered resident of a registered compound, from a start date\n"
     "  not in the future) or releases one (on a date not before its start). Open cases\n"
     "  and recent releases of confirmed cases decide the epidemic-free status.\n"
     "  list: the cases, open (or closed) on the date (default today), of a category,\n"
     "  in a compound, or whose 14 days end by --due-by (close contacts due for\n"
     "  release); show: one case with every field.")},
    {"declare", cli_cmd_declare, CLI_O_DATA | CLI_O_DATE | CLI_O_FORCE | CLI_O_REASON, 1, 1,
     "--data DIR COMPOUND [--date D] [--force --reason TEXT]",
     N_("  On a community node: declares the compound epidemic-free on the date (default\n"
     "  today) if its rule holds (no confirmed case open or released in the last 14\n"
     "  days, no suspected, fever or close-contact case open, all six measures in place);\n"
     "  else prints the reasons and exits 1. A measure marked in place that its records\n"
     "  do not show (linli measures show COMPOUND) is refused too, unless --force with\n"
     "  --reason TEXT: the reason goes with the declaration, and the hub sees it when\n"
     "  it approves (linli approve).")},
    {"approve", cli_cmd_approve, CLI_O_DATA | CLI_O_DATE | CLI_O_REASON, 2, 2,
     "--data HUBDIR COMMUNITY COMPOUND [--date D] [--reason TEXT]",
     N_("  On the hub: approves a compound a community declared, if the rule holds in the\n"
     "  hub's own view; writes the approval in the district scope, where every node\n"
     "  gets it. Else prints the reasons and exits 1.")},
    {"reject", cli_cmd_approve, CLI_O_DATA | CLI_O_DATE | CLI_O_REASON, 2, 2,
     "--data HUBDIR COMMUNITY COMPOUND [--date D] [--reason TEXT]",
     N_("  On the hub: rejects a declaration (reason: --reason, else the rule's).")},
    {"certifications", cli_cmd_certifications, CLI_O_DATA | CLI_O_DATE | CLI_O_SCOPE | CLI_O_JSON,
     0, 0, "--data DIR [--date D] [--json]",
     N_("  Lists the compounds the hub decided on, each re-checked on the date (default\n"
     "  today): certified (已认定) while the rule holds, withdrawn (已撤销) with the reason\n"
     "  when it no longer does (a case that arrived late), rejected (已驳回) with the\n"
     "  hub's reason, pending (待审批) when declared again since the decision.")},
    {"approvals", cli_cmd_approvals, CLI_O_DATA | CLI_O_DATE | CLI_O_SCOPE | CLI_O_JSON | CLI_O_PENDING,
     0, 0, "--data HUBDIR [--pending] [--date D] [--json]",
     N_("  The hub's daily queue: every compound declared or decided, with its state on the\n"
     "  date and the rule's verdict in this node's own view; --pending: only the\n"
     "  declarations waiting for a decision (approve them with linli approve).")},
    {"publish", cli_cmd_publish, CLI_O_DATA | CLI_O_DATE, 0, 0, "--data HUBDIR [--date D]",
     N_("  On the hub: publishes the next numbered round of the list of epidemic-free\n"
     "  compounds, communities and villages (无疫情小区、社区、村名单) on the date (default\n"
     "  today): the compounds certified and the communities epidemic-free, with their\n"
     "  names, the counts and shares, and each compound or community of the round\n"
     "  before that is no longer listed, marked withdrawn with the reason. Written in\n"
     "  the district scope, so every node gets it (linli rounds). On the city node:\n"
     "  the city's round, from the districts' daily summaries (linli summarize), in\n"
     "  the city scope, which every hub and community of the city holds.")},
    {"summarize", cli_cmd_summarize, CLI_O_DATA | CLI_O_DATE, 0, 0, "--data HUBDIR [--date D]",
     N_("  On a district hub of a city: writes each community's daily summary on the date\n"
     "  (default today) for the city: the compound states, households and residents,\n"
     "  open cases, 1- and 7-day fevers and hand-outs and the op count they come from,\n"
     "  no personal data; a hub record summary COMMUNITY/DATE in the district scope,\n"
     "  which the city holds. Writes only what changed: run it after each sync.")},
    {"rounds", cli_cmd_rounds, CLI_O_DATA | CLI_O_DATE | CLI_O_JSON | CLI_O_HTML | CLI_O_SCOPE, 0, 2,
     "--data DIR [--scope S] [--json] | show N [--scope S] [--date D] [--html FILE] [--json]",
     N_("  Lists the published rounds: number, date, compounds and communities listed out\n"
     "  of all, with shares, villages, withdrawn. show N: round N's list (公示), each\n"
     "  entry with the date it was first listed; entries withdrawn in that round are\n"
     "  marked, and so is a listed compound whose certification has been withdrawn\n"
     "  since (re-checked on --date, default today). --html FILE writes it as one\n"
     "  printable A4 page. In a city the city's rounds are listed after the\n"
     "  district's; --scope CITY shows one of them.")},
    {"events", cli_cmd_events, CLI_O_DATA | CLI_O_SINCE | CLI_O_JSON, 0, 0,
     "--data DIR [--since D] [--json]",
     N_("  The events linlid raised that need a person: a certification withdrawn, a\n"
     "  declaration rejected, a declaration waiting for the hub, a community silent\n"
     "  for more than event_silent_s (linlid.conf); with on_event PROGRAM each also ran\n"
     "  PROGRAM with its JSON on stdin. From DIR/events.log, since the date D.")},
    {"find", cli_cmd_find, CLI_O_DATA | CLI_O_SCOPE | CLI_O_JSON, 1, 1, "--data DIR TEXT [--json]",
     N_("  Finds residents and households: by name (any part of it), phone number (its\n"
     "  digits: 138 0000 1111 finds 13800001111), ID number, household code or key; says\n"
     "  where each lives (compound, household, grid). Works with linlid stopped.")},
    {"today", cli_cmd_today, CLI_O_DATA | CLI_O_SCOPE | CLI_O_GRID | CLI_O_DATE | CLI_O_HTML, 0, 0,
     "--data DIR [--grid G] [--date D] [--html FILE]",
     N_("  The morning sheet of a grid (or of the community): fevers recorded today,\n"
     "  residents not checked today, open cases and cases due for release (14 days),\n"
     "  open proxy requests and group orders, hardship households with no relief in 7\n"
     "  days, compounds with no disinfection round today, and each compound's\n"
     "  epidemic-free verdict with its reasons. --html writes it as one printable page\n"
     "  (A4, no network resources; mode 600: it holds names).")},
    {"user", cli_cmd_user, CLI_O_DATA | CLI_O_ROLE | CLI_O_PII | CLI_O_JSON, 1, 2,
     "--data DIR add NAME --role viewer|clerk|approver|admin [--pii] | list [--json] | passwd NAME "
     "| remove NAME",
     N_("  The staff accounts of the node's web console (http in linlid.conf), in\n"
     "  DIR/web-users (mode 600). add and passwd read the password from the terminal\n"
     "  (twice, not echoed) or, when stdin is not a terminal, its first line; 8 to 256\n"
     "  bytes, stored as an Argon2id hash. Roles: viewer reads; clerk also writes the\n"
     "  community's daily records; approver also approves and rejects on a hub; admin\n"
     "  also sees the accounts. Without --pii an account reads ID numbers and phones\n"
     "  masked (4201**********7457, 138****1111). A running linlid picks the change up\n"
     "  at once; remove and passwd end that account's sessions. Staff who use the CLI\n"
     "  as their own Unix users are staff lines of linlid.conf (docs/operator.md).")},
    {"help", cli_cmd_help, 0, 0, 3, "[COMMAND [VERB]]",
     N_("  Shows the commands, or one command's (or verb's) help.")},
};
#define CLI_N_CMDS (sizeof cli_cmds / sizeof cli_cmds[0])

const struct cli_cmd *cli_find(const char *name, struct cli_found *f)
{
  for (size_t i = 0; i < CLI_N_CMDS; i++)
    if (strcmp(cli_cmds[i].name, name) == 0)
      return &cli_cmds[i];
  return cli_records_cmd(name, &f->tmp, f->buf, sizeof f->buf) ? NULL : &f->tmp;
}

/* "linli: no command 'stauts'; did you mean status?" and that command's
 * usage line, or where the list is: not the whole list (40 lines). */
int cli_no_command(const char *name)
{
  struct cli_found found;
  struct dom_near near;
  dom_near_init(&near, name);
  for (size_t i = 0; i < CLI_N_CMDS; i++)
    dom_near_try(&near, cli_cmds[i].name);
  for (size_t i = 0; cli_records_name(i); i++)
    dom_near_try(&near, cli_records_name(i));
  const char *best = dom_near_best(&near);
  const struct cli_cmd *c = best ? cli_find(best, &found) : NULL;
  if (!c) {
    fprintf(stderr, _("linli: no command '%s'; linli help lists them\n"), name);
    return CLI_USAGE;
  }
  fprintf(stderr, _("linli: no command '%s'; did you mean '%s'?\n"), name, c->name);
  return cli_usage(c, CLI_USAGE);
}

int cli_main_usage(FILE *f, int code)
{
  struct cli_found found;
  fprintf(f, "%s", _("usage: linli COMMAND [options]   (linli COMMAND --help for details)\n\n"));
  for (size_t i = 0; i < CLI_N_CMDS; i++)
    fprintf(f, "  %-11s %s\n", cli_cmds[i].name, cli_cmds[i].usage);
  for (size_t i = 0; cli_records_name(i); i++)
    if (cli_records_cmd(cli_records_name(i), &found.tmp, found.buf, sizeof found.buf) == 0)
      fprintf(f, "  %-11s %s\n", found.tmp.name, found.tmp.usage);
  fprintf(f, "%s", _("\nexit status: 0 ok, 1 failed, 2 usage error\n"));
  return code;
}

static int cli_cmd_help(const struct cli_cmd *cmd, struct cli_args *a)
{
  (void)cmd;
  if (a->n_pos == 0)
    return cli_main_usage(stdout, CLI_OK);
  struct cli_found found;
  const struct cli_cmd *c = cli_find(a->pos[0], &found);
  if (!c) {
    cli_no_command(a->pos[0]);
    return CLI_USAGE;
  }
  if (c->opts & CLI_O_VERBS) { /* linli help resident add: the verb's help */
    memmove(a->pos, a->pos + 1, (size_t)--a->n_pos * sizeof a->pos[0]);
    a->help = 1;
    return c->run(c, a);
  }
  return cli_usage(c, CLI_OK);
}

/* Every option: its name, its bit, and where it goes in struct cli_args:
 * a value (a const char * member), a flag (an int member set to 1), or a
 * repeatable value (--where). */
enum { OPT_VALUE, OPT_FLAG, OPT_REPEAT };
#define V(name, bit, member) {name, bit, OPT_VALUE, offsetof(struct cli_args, member)}
#define F(name, bit, member) {name, bit, OPT_FLAG, offsetof(struct cli_args, member)}
static const struct {
  const char *name;
  uint64_t bit;
  int kind;
  size_t at;
} cli_opts[] = {
    V("--data", CLI_O_DATA, data),          V("--scope", CLI_O_SCOPE, scope),
    V("--community", CLI_O_COMMUNITY, community), V("--listen", CLI_O_LISTEN, listen),
    V("--district", CLI_O_DISTRICT, district), V("--hub", CLI_O_HUB, hub),
    V("--days", CLI_O_DAYS, days),          V("--reason", CLI_O_REASON, reason),
    V("--out", CLI_O_OUT, out),             V("--temp", CLI_O_TEMP, temp),
    V("--date", CLI_O_DATE, date),          V("--person", CLI_O_PERSON, person),
    V("--visitor", CLI_O_VISITOR, visitor), V("--direction", CLI_O_DIRECTION, direction),
    V("--purpose", CLI_O_PURPOSE, purpose), V("--resident", CLI_O_RESIDENT, resident),
    V("--compound", CLI_O_COMPOUND, compound), V("--category", CLI_O_CATEGORY, category),
    V("--start", CLI_O_START, start),       V("--since", CLI_O_SINCE, since),
    V("--until", CLI_O_UNTIL, until),       V("--grid", CLI_O_GRID, grid),
    V("--sort", CLI_O_SORT, sort),          V("--limit", CLI_O_LIMIT, limit),
    V("--household", CLI_O_HOUSEHOLD, household), V("--kind", CLI_O_KIND, kind),
    V("--due-by", CLI_O_DUEBY, due_by),     V("--html", CLI_O_HTML, html),
    V("--encoding", CLI_O_ENCODING, encoding), F("--plain", CLI_O_PLAIN, plain),
    {"--where", CLI_O_WHERE, OPT_REPEAT, offsetof(struct cli_args, where)},
    {"--clear", CLI_O_CLEAR, OPT_REPEAT, offsetof(struct cli_args, clear)},
    {"--to", CLI_O_TO, OPT_REPEAT, offsetof(struct cli_args, to)},
    F("--json", CLI_O_JSON, json),          F("--cough", CLI_O_COUGH, cough),
    F("--raw", CLI_O_RAW, raw),             F("--wide", CLI_O_WIDE, wide),
    F("--voided", CLI_O_VOIDED, voided),    F("--fever", CLI_O_FEVER, fever),
    F("--open", CLI_O_OPEN, open),          F("--closed", CLI_O_CLOSED, closed),
    F("--desc", CLI_O_DESC, desc),          F("--force", CLI_O_FORCE, force),
    V("--role", CLI_O_ROLE, role),          F("--passphrase", CLI_O_PASSPHRASE, passphrase),
    V("--hub-addr", CLI_O_HUBADDR, hub_addr), F("--pending", CLI_O_PENDING, pending),
    V("--building", CLI_O_BUILDING, building), F("--supply", CLI_O_SUPPLY, supply),
    F("--join", CLI_O_JOIN, join),          F("--pii", CLI_O_PII, pii),
    F("--compare", CLI_O_COMPARE, compare), V("--city", CLI_O_CITY, city),
    V("--city-key", CLI_O_CITYKEY, city_key),
};
#undef V
#undef F
#define CLI_N_OPTS (sizeof cli_opts / sizeof cli_opts[0])

static int cli_opt_find(const char *name, size_t len)
{
  for (size_t i = 0; i < CLI_N_OPTS; i++)
    if (strlen(cli_opts[i].name) == len && !memcmp(cli_opts[i].name, name, len))
      return (int)i;
  return -1;
}

const char *cli_opt_get(const struct cli_args *a, const char *opt)
{
  int i = cli_opt_find(opt, strlen(opt));
  if (i < 0 || cli_opts[i].kind == OPT_REPEAT)
    return NULL;
  const char *p = (const char *)a + cli_opts[i].at;
  if (cli_opts[i].kind == OPT_FLAG)
    return *(const int *)(const void *)p ? "yes" : NULL;
  return *(const char *const *)(const void *)p;
}

/* 0, CLI_USAGE, or -1 for --help. Options take their value as the next
 * argument or after '=' (--data=DIR). */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, struct cli_args *a)
{
  int dashdash = 0;
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    if (!dashdash && (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0))
      return -1;
    if (!dashdash && strcmp(s, "--") == 0) {
      dashdash = 1;
      continue;
    }
    if (dashdash || s[0] != '-' || s[1] != '-') {
      if (a->n_pos == CLI_POS_MAX) {
        fprintf(stderr, _("linli %s: too many arguments\n"), cmd->name);
        return CLI_USAGE;
      }
      a->pos[a->n_pos++] = s;
      continue;
    }
    const char *eq = strchr(s, '=');
    int o = cli_opt_find(s, eq ? (size_t)(eq - s) : strlen(s));
    if (o < 0 || !(cmd->opts & cli_opts[o].bit) || (cli_opts[o].kind == OPT_FLAG && eq) ||
        (cli_opts[o].kind != OPT_FLAG && !eq && i + 1 == argc)) {
      fprintf(stderr, _("linli %s: unknown or incomplete option %s (see linli %s --help)\n"),
              cmd->name, s, cmd->name);
      return CLI_USAGE;
    }
    char *p = (char *)a + cli_opts[o].at;
    if (cli_opts[o].kind == OPT_FLAG) {
      *(int *)(void *)p = 1;
      continue;
    }
    const char *v = eq ? eq + 1 : argv[++i];
    if (cli_opts[o].kind == OPT_REPEAT) { /* an array, then its count */
      int *n = cli_opts[o].bit == CLI_O_WHERE ? &a->n_where
               : cli_opts[o].bit == CLI_O_TO  ? &a->n_to
                                              : &a->n_clear;
      if (*n == CLI_WHERE_MAX) {
        fprintf(stderr, _("linli %s: at most %d %s\n"), cmd->name, CLI_WHERE_MAX, cli_opts[o].name);
        return CLI_USAGE;
      }
      ((const char **)(void *)p)[(*n)++] = v;
    } else {
      *(const char **)(void *)p = v;
    }
  }
  if ((cmd->opts & CLI_O_DATA) && !a->data)
    a->data = getenv("LINLI_DATA"); /* the default node directory */
  if ((cmd->opts & CLI_O_DATA) && (!a->data || !*a->data)) {
    fprintf(stderr, _("linli %s: --data DIR is required (or LINLI_DATA in the environment)\n"),
            cmd->name);
    return CLI_USAGE;
  }
  if (a->n_pos < cmd->pos_min || (cmd->pos_max >= 0 && a->n_pos > cmd->pos_max))
    return CLI_USAGE;
  return 0;
}
