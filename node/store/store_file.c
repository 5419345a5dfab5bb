/* The data file's page cache, kept in 4 KiB pages ahead of LMDB's writes.
 *
 * LMDB commits by writing each dirty page with pwrite, and a run of
 * neighbouring pages with one writev. Linux caches a file in large folios
 * (up to hundreds of KiB each) when it is written or read ahead in large
 * pieces: XFS since 5.18, ext4 since 6.16. A later commit that rewrites one
 * 4 KiB page of such a folio dirties the whole folio, and fdatasync writes
 * all of it. LMDB reuses freed pages all over the file, so a commit's few
 * hundred dirty pages become megabytes on disk. Measured (kernel 6.18, ext4,
 * the 1,000,000 ops of linli-bench store applied in 1,000 commits): 9.9 GB
 * written to disk for 0.95 GB of page writes. The writes also slowed the verify
 * threads beside it: linli-bench store's ingest_vs_verify averaged 0.81
 * without this and 0.86 with it, in eight runs of each taken in turns.
 *
 * So a writing store keeps the file some way ahead of LMDB's last page:
 * it extends the file (a hole, no disk used) and faults the new range into
 * the page cache through a read-only mapping with MADV_RANDOM, which makes
 * one base page per fault and no readahead. LMDB's writes then land in
 * 4 KiB pages and fdatasync writes what changed: about as many bytes
 * reach the disk as LMDB wrote. (Pages already in the file when the store
 * opens are cached as the kernel reads them; a growing store soon writes
 * mostly pages prepared here.)
 *
 * None of this is needed for correctness: when anything here fails, the
 * store works as before. Nothing is prepared on a memory file system (the
 * faults would allocate memory there, and there is no disk to spare), for
 * stores without fsync (simulations) or read-only ones. A file that LMDB
 * has not grown into yet holds only holes: it costs no disk, and a full
 * disk still shows as a failed commit (ENOSPC), never as a signal. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "store_int.h"

#define MIB ((size_t)1 << 20)
#define PREP_MIN (4 * MIB)   /* prepared at least this far past LMDB's last page */
#define PREP_STEP_MAX (64 * MIB)

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif
#define TMPFS_MAGIC_ 0x01021994
#define RAMFS_MAGIC_ 0x858458f6

void store__file_init(struct store *s, int prepare)
{
  s->prep_end = 0;
  s->prep_off = 1;
#ifdef __linux__
  int fd;
  struct statfs fs;
  if (!prepare || mdb_env_get_fd(s->env, &fd) != 0 || fstatfs(fd, &fs) != 0 ||
      fs.f_type == TMPFS_MAGIC_ || fs.f_type == RAMFS_MAGIC_)
    return;
  s->prep_off = 0;
  store__file_prepare(s);
#else
  (void)prepare;
#endif
}

void store__file_prepare(struct store *s)
{
#ifdef __linux__
  if (s->prep_off)
    return;
  MDB_envinfo info;
  MDB_stat st;
  int fd;
  if (mdb_env_info(s->env, &info) != 0 || mdb_env_stat(s->env, &st) != 0 ||
      mdb_env_get_fd(s->env, &fd) != 0)
    return;
  long os_page = sysconf(_SC_PAGESIZE);
  size_t page = os_page > 0 ? (size_t)os_page : 4096;
  size_t used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
  if (used + PREP_MIN <= s->prep_end)
    return;
  /* Grow by an eighth of the file, between PREP_MIN and PREP_STEP_MAX,
   * and never past the map: LMDB cannot use what lies beyond it. */
  size_t step = used / 8 < PREP_MIN ? PREP_MIN : used / 8 > PREP_STEP_MAX ? PREP_STEP_MAX : used / 8;
  size_t end = (used + PREP_MIN + step + MIB - 1) & ~(MIB - 1);
  if (end > s->map_size)
    end = s->map_size & ~(MIB - 1);
  struct stat fst;
  if (end <= used || fstat(fd, &fst) != 0)
    return;
  size_t from = s->prep_end > used ? s->prep_end : used;
  from &= ~(page - 1);
  if (end <= from)
    return;
  if ((size_t)fst.st_size < end && ftruncate(fd, (off_t)end) != 0) {
    s->prep_off = 1;
    return;
  }
  void *m = mmap(NULL, end - from, PROT_READ, MAP_SHARED, fd, (off_t)from);
  if (m == MAP_FAILED) {
    s->prep_off = 1;
    return;
  }
  int rc = madvise(m, end - from, MADV_RANDOM);
  if (rc == 0)
    rc = madvise(m, end - from, MADV_POPULATE_READ);
  munmap(m, end - from);
  if (rc != 0) {
    s->prep_off = 1; /* an older kernel: leave the file to LMDB */
    return;
  }
  s->prep_end = end;
#else
  (void)s;
#endif
}
