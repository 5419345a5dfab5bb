#include "err.h"

#include <errno.h>
#include <string.h>

const char *linli_strerror(int err)
{
  switch (err) {
  case 0:
    return "success";
#define LINLI__ERR_MSG(name, code, msg) \
  case -(code):                         \
    return msg;
    LINLI_ERRNO_MAP(LINLI__ERR_MSG)
#undef LINLI__ERR_MSG
  default:
    break;
  }
  if (err < 0 && -err < 1000)
    return strerror(-err);
  return "unknown error";
}

const char *linli_errname(int err)
{
  switch (err) {
  case 0:
    return "OK";
#define LINLI__ERR_NAME(name, code, msg) \
  case -(code):                          \
    return "LINLI_" #name;
    LINLI_ERRNO_MAP(LINLI__ERR_NAME)
#undef LINLI__ERR_NAME
  case -ENOENT:
    return "ENOENT";
  case -EACCES:
    return "EACCES";
  case -EEXIST:
    return "EEXIST";
  case -ENOSPC:
    return "ENOSPC";
  case -EIO:
    return "EIO";
  case -ENOMEM:
    return "ENOMEM";
  case -EINVAL:
    return "EINVAL";
  default:
    return err < 0 && -err < 1000 ? "OS_ERROR" : "UNKNOWN";
  }
}

int linli_err_index(int err)
{
  int i = -err - 1000; /* LINLI_E* codes are -(1000 + k) */
  return i >= 0 && i < LINLI_ERR_SLOTS - 1 ? i + 1 : 0;
}

int linli_err_of_index(int i)
{
  return i > 0 && i < LINLI_ERR_SLOTS ? -(1000 + i - 1) : 0;
}
