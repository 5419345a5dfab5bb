/* fuzz_replay TARGET DIR: runs every file in DIR through the entry function
 * of fuzz target TARGET (the same code libFuzzer runs), so every ctest run
 * exercises the seed corpus and each regression input. A broken invariant
 * aborts (the test fails); the file being replayed is printed first. */
#include <dirent.h>
#include <string.h>

#include "fuzz.h"

int fuzz_apply_entry(const uint8_t *data, size_t size);
int fuzz_bundle_entry(const uint8_t *data, size_t size);
int fuzz_config_entry(const uint8_t *data, size_t size);
int fuzz_control_entry(const uint8_t *data, size_t size);
int fuzz_csv_entry(const uint8_t *data, size_t size);
int fuzz_mp_entry(const uint8_t *data, size_t size);
int fuzz_msg_entry(const uint8_t *data, size_t size);
int fuzz_op_entry(const uint8_t *data, size_t size);
int fuzz_recon_entry(const uint8_t *data, size_t size);
int fuzz_seal_entry(const uint8_t *data, size_t size);
int fuzz_sealed_entry(const uint8_t *data, size_t size);
int fuzz_tz_entry(const uint8_t *data, size_t size);
int fuzz_items_entry(const uint8_t *data, size_t size);
int fuzz_web_entry(const uint8_t *data, size_t size);
int fuzz_events_entry(const uint8_t *data, size_t size);
int fuzz_summary_entry(const uint8_t *data, size_t size);

static const struct {
  const char *name;
  int (*fn)(const uint8_t *data, size_t size);
} TARGETS[] = {
    {"fuzz_apply", fuzz_apply_entry}, {"fuzz_bundle", fuzz_bundle_entry},
    {"fuzz_config", fuzz_config_entry}, {"fuzz_control", fuzz_control_entry}, {"fuzz_csv", fuzz_csv_entry},
    {"fuzz_mp", fuzz_mp_entry},       {"fuzz_msg", fuzz_msg_entry},
    {"fuzz_op", fuzz_op_entry},       {"fuzz_recon", fuzz_recon_entry}, {"fuzz_tz", fuzz_tz_entry},
    {"fuzz_web", fuzz_web_entry},     {"fuzz_seal", fuzz_seal_entry},
    {"fuzz_sealed", fuzz_sealed_entry},
    {"fuzz_events", fuzz_events_entry}, {"fuzz_items", fuzz_items_entry},
    {"fuzz_summary", fuzz_summary_entry},
};

static int replay_file(int (*fn)(const uint8_t *, size_t), const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  uint8_t *buf = malloc(1 << 20);
  size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
  fclose(f);
  if (!buf)
    return -1;
  printf("replay %s (%zu bytes)\n", path, n);
  fflush(stdout);
  fn(buf, n);
  free(buf);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: fuzz_replay TARGET DIR\n");
    return 2;
  }
  int (*fn)(const uint8_t *, size_t) = NULL;
  for (size_t i = 0; i < sizeof TARGETS / sizeof TARGETS[0]; i++)
    if (strcmp(argv[1], TARGETS[i].name) == 0)
      fn = TARGETS[i].fn;
  DIR *d = fn ? opendir(argv[2]) : NULL;
  if (!d) {
    fprintf(stderr, "fuzz_replay: unknown target %s or no directory %s\n", argv[1], argv[2]);
    return 2;
  }
  int files = 0;
  char path[4096];
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "%s/%s", argv[2], e->d_name);
    if (replay_file(fn, path) != 0) {
      fprintf(stderr, "fuzz_replay: cannot read %s\n", path);
      closedir(d);
      return 1;
    }
    files++;
  }
  closedir(d);
  printf("%s: %d inputs replayed, no invariant broken\n", argv[1], files);
  return files > 0 ? 0 : 1;
}
