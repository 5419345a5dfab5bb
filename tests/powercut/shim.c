/* The power-cut shim: an LD_PRELOAD library over the writes and syncs of one
 * LMDB data file ($POWERCUT_DIR/data.mdb), as LMDB (without MDB_WRITEMAP or
 * MDB_NOSYNC, the way node/store/store.c opens it) issues them: pwrite and
 * writev of dirty pages on its read-write descriptor, fdatasync, then the meta
 * page with pwrite on a second descriptor opened O_DSYNC.
 *
 * It records, in $POWERCUT_LOG (appended, never synced: the harness reads it
 * after this process is dead, from the page cache), what a power cut would
 * undo:
 *   'U' off len old-bytes  before every write on a plain descriptor: the bytes
 *                          it overwrites (zeros past the end of the file);
 *   'D' off len new-bytes  after every write on an O_DSYNC/O_SYNC descriptor
 *                          (durable when it returns);
   'S' size 0             the file's size at the first open and after each sync
 *                          (the durable size: an unsynced extension is lost);
 * and truncates the log when an fsync or fdatasync of the file returns
 * (everything written before it is on the disk). There is no msync to
 * model: node/store/store.c does not use MDB_WRITEMAP, so LMDB never writes
 * the file through a mapping (its map, and store_file.c's, are read-only). The harness then undoes
 * every 'U' in reverse order and redoes every 'D' in order: the file as the
 * disk would hold it after the cut (and may tear the last page, see
 * powercut_test.c).
 *
 * The cut: every write and sync of the file is one event, counted from 1;
 * at event $POWERCUT_AT (0: never) the process SIGKILLs itself before doing
 * it. $POWERCUT_COUNT, if set, names a file that gets the number of events
 * at a normal exit (to calibrate the cut points). Not thread-safe: the
 * driver writes from one thread. Built without sanitizers. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define FDS 1024

static char target[4096];
static int have_target, logfd = -1, readfd = -1;
static unsigned char tracked[FDS]; /* 1 plain, 2 O_DSYNC/O_SYNC */
static uint64_t events, cut_at;

static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_fdatasync)(int);
static int (*real_fsync)(int);
static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);

static void resolve(void)
{
  real_pwrite = dlsym(RTLD_NEXT, "pwrite");
  real_write = dlsym(RTLD_NEXT, "write");
  real_writev = dlsym(RTLD_NEXT, "writev");
  real_pwritev = dlsym(RTLD_NEXT, "pwritev");
  real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
  real_fsync = dlsym(RTLD_NEXT, "fsync");
  real_open = dlsym(RTLD_NEXT, "open");
  real_openat = dlsym(RTLD_NEXT, "openat");
  real_close = dlsym(RTLD_NEXT, "close");
}

/* The sanitizer runtime may call into these before the constructor runs. */
#define REAL(f) (real_##f ? real_##f : (resolve(), real_##f))

__attribute__((constructor)) static void shim_init(void)
{
  resolve();
  const char *dir = getenv("POWERCUT_DIR"), *log = getenv("POWERCUT_LOG"),
             *at = getenv("POWERCUT_AT");
  if (!dir || !log)
    return;
  snprintf(target, sizeof target, "%s/data.mdb", dir);
  cut_at = at ? strtoull(at, NULL, 10) : 0;
  logfd = REAL(open)(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  have_target = logfd >= 0;
}

__attribute__((destructor)) static void shim_fini(void)
{
  const char *c = getenv("POWERCUT_COUNT");
  if (!have_target || !c)
    return;
  FILE *f = fopen(c, "w");
  if (f) {
    fprintf(f, "%llu\n", (unsigned long long)events);
    fclose(f);
  }
}

static void event(void)
{
  if (++events == cut_at)
    kill(getpid(), SIGKILL); /* the power goes: nothing after this runs */
}

static void log_all(const void *p, size_t n)
{
  const char *c = p;
  while (n) {
    ssize_t w = REAL(write)(logfd, c, n);
    if (w <= 0) {
      if (w < 0 && errno == EINTR)
        continue;
      abort(); /* a log we cannot trust would make the test lie */
    }
    c += w, n -= (size_t)w;
  }
}

static void log_head(char type, uint64_t off, uint32_t len)
{
  unsigned char h[13];
  h[0] = (unsigned char)type;
  memcpy(h + 1, &off, 8);
  memcpy(h + 9, &len, 4);
  log_all(h, sizeof h);
}

/* 'U': the bytes [off, off+len) hold now (zeros past the end). */
static void log_undo(uint64_t off, size_t len)
{
  unsigned char buf[65536];
  log_head('U', off, (uint32_t)len);
  for (size_t done = 0; done < len;) {
    size_t n = len - done < sizeof buf ? len - done : sizeof buf;
    ssize_t r = pread(readfd, buf, n, (off_t)(off + done));
    if (r < 0)
      abort();
    memset(buf + r, 0, n - (size_t)r);
    log_all(buf, n);
    done += n;
  }
}

static size_t iov_len(const struct iovec *v, int n)
{
  size_t t = 0;
  for (int i = 0; i < n; i++)
    t += v[i].iov_len;
  return t;
}

static int is_tracked(int fd)
{
  return have_target && fd >= 0 && fd < FDS && tracked[fd];
}

/* 'S' size: the file's size now, durable (at the first open, after a sync). */
static void log_size(void)
{
  struct stat st;
  if (fstat(readfd, &st) != 0)
    abort();
  log_head('S', (uint64_t)st.st_size, 0);
}

static void track(int fd, const char *path, int flags)
{
  if (!have_target || fd < 0 || fd >= FDS || strcmp(path, target) != 0)
    return;
  tracked[fd] = (flags & (O_DSYNC | O_SYNC)) ? 2 : 1;
  if (readfd < 0) {
    readfd = REAL(open)(target, O_RDONLY | O_CLOEXEC);
    if (readfd < 0)
      abort();
    log_size(); /* what the disk held when this process found the file */
  }
}

/* Before a write of n bytes at off on fd; after it, for O_DSYNC, the new bytes. */
static void before(int fd, uint64_t off, size_t n)
{
  event();
  if (tracked[fd] == 1)
    log_undo(off, n);
}

static void after_iov(int fd, uint64_t off, const struct iovec *v, int cnt, ssize_t done)
{
  if (tracked[fd] != 2 || done <= 0)
    return;
  log_head('D', off, (uint32_t)done);
  size_t left = (size_t)done;
  for (int i = 0; i < cnt && left; i++) {
    size_t k = v[i].iov_len < left ? v[i].iov_len : left;
    log_all(v[i].iov_base, k);
    left -= k;
  }
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
  if (!is_tracked(fd))
    return REAL(pwrite)(fd, buf, n, off);
  before(fd, (uint64_t)off, n);
  ssize_t r = REAL(pwrite)(fd, buf, n, off);
  struct iovec v = {(void *)buf, n};
  after_iov(fd, (uint64_t)off, &v, 1, r);
  return r;
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) __attribute__((alias("pwrite")));

ssize_t write(int fd, const void *buf, size_t n)
{
  if (!is_tracked(fd))
    return REAL(write)(fd, buf, n);
  off_t off = lseek(fd, 0, SEEK_CUR);
  before(fd, (uint64_t)off, n);
  ssize_t r = REAL(write)(fd, buf, n);
  struct iovec v = {(void *)buf, n};
  after_iov(fd, (uint64_t)off, &v, 1, r);
  return r;
}

ssize_t writev(int fd, const struct iovec *v, int cnt)
{
  if (!is_tracked(fd))
    return REAL(writev)(fd, v, cnt);
  off_t off = lseek(fd, 0, SEEK_CUR);
  before(fd, (uint64_t)off, iov_len(v, cnt));
  ssize_t r = REAL(writev)(fd, v, cnt);
  after_iov(fd, (uint64_t)off, v, cnt, r);
  return r;
}

ssize_t pwritev(int fd, const struct iovec *v, int cnt, off_t off)
{
  if (!is_tracked(fd))
    return REAL(pwritev)(fd, v, cnt, off);
  before(fd, (uint64_t)off, iov_len(v, cnt));
  ssize_t r = REAL(pwritev)(fd, v, cnt, off);
  after_iov(fd, (uint64_t)off, v, cnt, r);
  return r;
}
ssize_t pwritev64(int fd, const struct iovec *v, int cnt, off_t off) __attribute__((alias("pwritev")));

/* A sync that returned: everything logged so far is on the disk. */
static int synced(int r)
{
  if (r == 0) {
    if (ftruncate(logfd, 0) != 0)
      abort();
    log_size();
  }
  return r;
}

int fdatasync(int fd)
{
  if (!is_tracked(fd))
    return REAL(fdatasync)(fd);
  event();
  return synced(REAL(fdatasync)(fd));
}

int fsync(int fd)
{
  if (!is_tracked(fd))
    return REAL(fsync)(fd);
  event();
  return synced(REAL(fsync)(fd));
}

/* The mode argument of open/openat, present only with O_CREAT or O_TMPFILE. */
#define OPEN_MODE(flags, mode)                                                     \
  do {                                                                             \
    if ((flags) & (O_CREAT | O_TMPFILE)) {                                         \
      va_list ap;                                                                  \
      va_start(ap, flags);                                                         \
      mode = (mode_t)va_arg(ap, int);                                              \
      va_end(ap);                                                                  \
    }                                                                              \
  } while (0)

int open(const char *path, int flags, ...)
{
  mode_t mode = 0;
  OPEN_MODE(flags, mode);
  int fd = REAL(open)(path, flags, mode);
  track(fd, path, flags);
  return fd;
}
int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
  mode_t mode = 0;
  OPEN_MODE(flags, mode);
  int fd = REAL(openat)(dirfd, path, flags, mode);
  track(fd, path, flags);
  return fd;
}
int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

int close(int fd)
{
  if (fd >= 0 && fd < FDS)
    tracked[fd] = 0;
  return REAL(close)(fd);
}
