// LD_PRELOAD shim that counts heap allocations (malloc, calloc, realloc, aligned variants) and
// prints "alloc-count: N allocations" to stderr at exit. Used by scripts/run-bench to show that a
// per-frame path allocates nothing: run it with N and 2N iterations and compare the counts.
// (valgrind 3.19 crashes on Swift's async main, which parks the main thread in sigsuspend.)
// Build: cc -shared -fPIC -O2 -o alloc-count.so alloc-count.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Atomic unsigned long long count;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);

// dlsym itself may call calloc before real_calloc is known: serve it from a static arena.
static char arena[4096];
static size_t arena_used;

static void *arena_alloc(size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (arena_used + n > sizeof arena) return NULL;
    void *p = arena + arena_used;
    arena_used += n;
    memset(p, 0, n);
    return p;
}

static void report(void) {
    char buf[96];
    int len = snprintf(buf, sizeof buf, "alloc-count: %llu allocations\n", (unsigned long long)count);
    if (len > 0) (void)!write(2, buf, (size_t)len);
}

static int resolving;

// Resolves the real functions on first use: other libraries' constructors (Foundation's) allocate
// before ours would run. While dlsym runs, allocations come from the arena.
static void resolve(void) {
    if (real_malloc || resolving) return;
    resolving = 1;
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    resolving = 0;
    atexit(report);
}

void *malloc(size_t n) {
    resolve();
    if (!real_malloc) return arena_alloc(n);
    count++;
    return real_malloc(n);
}

void *calloc(size_t a, size_t b) {
    resolve();
    if (!real_calloc || resolving) return arena_alloc(a * b);
    count++;
    return real_calloc(a, b);
}

void *realloc(void *p, size_t n) {
    resolve();
    count++;
    if ((char *)p >= arena && (char *)p < arena + sizeof arena) {
        void *q = real_malloc(n);
        if (q) memcpy(q, p, n < 256 ? n : 256);
        return q;
    }
    return real_realloc(p, n);
}

void free(void *p) {
    static void (*real_free)(void *);
    if ((char *)p >= arena && (char *)p < arena + sizeof arena) return;
    if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
    real_free(p);
}

int posix_memalign(void **out, size_t align, size_t n) {
    resolve();
    count++;
    return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n) {
    resolve();
    count++;
    return real_aligned_alloc(align, n);
}
