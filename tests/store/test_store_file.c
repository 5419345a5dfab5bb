/* The data file kept ahead of LMDB (node/store_file.c). A writing store on
 * a disk extends data.mdb past its last page as a hole, keeps it ahead as
 * it grows, and its commits reach the disk as about the bytes LMDB wrote
 * (large folios made that about ten times more). On a memory file system,
 * read-only and without fsync, the file is left alone. What was written
 * reads back after reopening. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "store.h"
#include "test_store_util.h"

#define BATCHES 300
#define BATCH 100
#define MIB (1024.0 * 1024.0)

struct io {
  unsigned long long wchar, write_bytes;
};

static struct io io_now(void)
{
  struct io v = {0, 0};
  FILE *f = fopen("/proc/self/io", "r");
  REQUIRE(f != NULL);
  char line[128];
  while (fgets(line, sizeof line, f)) {
    sscanf(line, "wchar: %llu", &v.wchar);
    sscanf(line, "write_bytes: %llu", &v.write_bytes);
  }
  fclose(f);
  return v;
}

static struct stat file_stat(const char *dir)
{
  char path[128];
  struct stat st;
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  REQUIRE(stat(path, &st) == 0);
  return st;
}

/* LMDB's pages in use, from the store's own count (branch, leaf, overflow). */
static double used_bytes(struct store *s)
{
  uint64_t b = 0;
  REQUIRE(store_bytes_used(s, &b) == 0);
  return (double)b;
}

int main(void)
{
  struct test_rng r = {0xf11e5u};
  struct crdt_identity who;
  t_identity(&who, 0x3c);
  static struct t_op ops[BATCHES * BATCH];
  for (int i = 0; i < BATCHES * BATCH; i++)
    t_random_op(&ops[i], &r, &who, "shihua", 1580000000000, 86400000);

  char dir[64];
  t_tmpdir(dir, sizeof dir, "file");
  struct statfs fs;
  REQUIRE(statfs(dir, &fs) == 0);
  unsigned long type = (unsigned long)fs.f_type;
  int memory_fs = type == 0x01021994ul || type == 0x858458f6ul;

  /* Without fsync (simulations): the file is only what LMDB wrote. */
  struct store_config cfg = {dir, 64 << 20, 256 << 20, 1, 0};
  struct store *s;
  REQUIRE(store_open(&s, &cfg) == 0);
  struct crdt_op batch[BATCH];
  for (int j = 0; j < BATCH; j++)
    batch[j] = ops[j].op;
  CHECK_EQ(store_apply(s, batch, BATCH, NULL), BATCH);
  CHECK((double)file_stat(dir).st_size < 1 * MIB);
  store_close(s);

  /* Durable: prepared ahead, as a hole. */
  cfg.nosync = 0;
  REQUIRE(store_open(&s, &cfg) == 0);
  struct stat st = file_stat(dir);
  if (memory_fs)
    CHECK((double)st.st_size < 1 * MIB);
  else
    CHECK((double)st.st_size >= 4 * MIB && (double)st.st_blocks * 512 < 1 * MIB);

  struct io a = io_now();
  for (int i = 1; i < BATCHES; i++) {
    for (int j = 0; j < BATCH; j++)
      batch[j] = ops[i * BATCH + j].op;
    REQUIRE(store_apply(s, batch, BATCH, NULL) == BATCH);
  }
  struct io b = io_now();
  double wrote = (double)(b.wchar - a.wchar), disk = (double)(b.write_bytes - a.write_bytes);
  double used = used_bytes(s);
  st = file_stat(dir);
  fprintf(stderr, "test_store_file: %.1f MiB in use, file %.1f MiB (%.1f MiB on disk); commits wrote %.1f MiB, %.1f MiB reached the disk\n",
          used / MIB, (double)st.st_size / MIB, (double)st.st_blocks * 512 / MIB, wrote / MIB,
          disk / MIB);
  CHECK(wrote > used / 2);
  if (memory_fs) {
    CHECK((double)st.st_size < used + 1 * MIB);
  } else {
    /* ahead by at least 4 MiB, and what lies beyond the data takes no disk */
    CHECK((double)st.st_size >= used + 4 * MIB);
    CHECK((double)st.st_blocks * 512 < (double)st.st_size - 3 * MIB);
    CHECK(disk < 2 * wrote + 1 * MIB);
  }
  uint8_t d1[32], d2[32];
  CHECK_EQ(store_digest(s, NULL, 0, d1), 0);
  uint64_t n1 = 0;
  CHECK_EQ(store_stats(s, &n1, NULL), 0);
  CHECK_EQ(n1, (uint64_t)BATCHES * BATCH);
  store_close(s);

  /* Read-only: the same ops and rows; the file is not touched. */
  off_t size = st.st_size;
  cfg.read_only = 1;
  REQUIRE(store_open(&s, &cfg) == 0);
  uint64_t n2 = 0;
  CHECK_EQ(store_stats(s, &n2, NULL), 0);
  CHECK_EQ(n2, n1);
  CHECK_EQ(store_digest(s, NULL, 0, d2), 0);
  CHECK_MEM(d1, d2, 32);
  uint8_t buf[CRDT_OP_MAX_BYTES];
  int k = BATCHES * BATCH - 7;
  CHECK_EQ(store_get_op_at(s, "shihua", ops[k].op.hlc, ops[k].op.id, buf, sizeof buf),
           (int)ops[k].len);
  CHECK_MEM(buf, ops[k].bytes, ops[k].len);
  store_close(s);
  CHECK_EQ(file_stat(dir).st_size, size);

  /* Reopened for writing over a file longer than its data: writes go on. */
  cfg.read_only = 0;
  REQUIRE(store_open(&s, &cfg) == 0);
  struct t_op more;
  t_random_op(&more, &r, &who, "shihua", 1580100000000, 1000);
  CHECK_EQ(store_apply(s, &more.op, 1, NULL), 1);
  CHECK_EQ(store_stats(s, &n2, NULL), 0);
  CHECK_EQ(n2, n1 + 1);
  store_close(s);
  t_rmdir(dir);
  return test_done("test_store_file");
}
