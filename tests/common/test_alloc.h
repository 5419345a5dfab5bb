/* Counting allocations in a test program: decoders must never allocate.
 * Under AddressSanitizer through its malloc hook; otherwise by interposing
 * glibc's allocator (each test program includes this once). Call
 * alloc_count_init() first, then compare alloc_n before and after. */
#ifndef LINLI_TEST_ALLOC_H
#define LINLI_TEST_ALLOC_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_VIA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_VIA_ASAN 1
#endif
#endif

static volatile size_t alloc_n;

#ifdef ALLOC_VIA_ASAN
/* From <sanitizer/allocator_interface.h>, which gcc does not install. */
int __sanitizer_install_malloc_and_free_hooks(void (*m)(const volatile void *, size_t),
                                              void (*f)(const volatile void *));
static void alloc_hook(const volatile void *p, size_t n)
{
  (void)p;
  (void)n;
  alloc_n++;
}
static void free_hook(const volatile void *p)
{
  (void)p;
}
static void alloc_count_init(void)
{
  __sanitizer_install_malloc_and_free_hooks(alloc_hook, free_hook);
}
#else
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
void *malloc(size_t n)
{
  alloc_n++;
  return __libc_malloc(n);
}
void *calloc(size_t n, size_t size)
{
  alloc_n++;
  return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n)
{
  alloc_n++;
  return __libc_realloc(p, n);
}
static void alloc_count_init(void)
{
}
#endif

#endif
