// LD_PRELOAD shim for Debian's user-mode Linux 6.1 on hosts whose CPUs have large XSAVE areas (AMX, AVX-512).
//
// UML saves a process's FPU state with PTRACE_GETREGSET(NT_X86_XSTATE) into a buffer of its own fixed size and
// restores it with PTRACE_SETREGSET from the same buffer. The host kernel truncates the get, but refuses a set
// that is not the whole XSAVE area with EFAULT, so every guest process dies at its first context switch
// ("ptrace set fp regs failed, errno = 14"). Here a short set is completed: the thread's whole area is read,
// UML's part laid over its start (the legacy, header and AVX parts UML knows), and the whole area written back.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef long (*ptrace_fn)(enum __ptrace_request, pid_t, void *, void *);

long ptrace(enum __ptrace_request request, ...) {
  static ptrace_fn real_ptrace;
  static _Alignas(64) char whole_area[1 << 16];
  va_list ap;
  va_start(ap, request);
  pid_t pid = va_arg(ap, pid_t);
  void *addr = va_arg(ap, void *);
  void *data = va_arg(ap, void *);
  va_end(ap);
  if (!real_ptrace) real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
  if (request == PTRACE_SETREGSET && (long)addr == NT_X86_XSTATE && data != NULL) {
    struct iovec *given = data;
    struct iovec whole = {whole_area, sizeof(whole_area)};
    if (real_ptrace(PTRACE_GETREGSET, pid, addr, &whole) == 0 && whole.iov_len > given->iov_len) {
      memcpy(whole_area, given->iov_base, given->iov_len);
      return real_ptrace(request, pid, addr, &whole);
    }
  }
  return real_ptrace(request, pid, addr, data);
}
