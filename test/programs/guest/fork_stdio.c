/* Self-checking guest program: a forked child that moves its standard descriptors around, as a
 * shell does for `x=$(a | b)`, then makes new pipes and children. Each CHECK states what Linux
 * does. Built and run by test/programs/guest.test.ts; prints each failed check and exits with
 * the number of failures. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures, checks;
#define CHECK(expr) do { checks++; if (!(expr)) { failures++; \
    printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #expr, errno, strerror(errno)); } } while (0)

/* Everything `fd` delivers until EOF, into buf (NUL-terminated). */
static size_t drain(int fd, char *buf, size_t size) {
    size_t n = 0;
    ssize_t r;
    while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0) n += r;
    buf[n] = 0;
    return n;
}

/* The child of a command substitution: its stdout becomes the pipe, then it runs
 * `printf sub | tr a-z A-Z` by hand, with a grandchild writing into a second pipe. */
static int substitution_child(int out_w) {
    if (dup2(out_w, 1) != 1) return 10;
    close(out_w); /* the pipe is now only fd 1; the old fd 1 is gone */
    int p[2];
    if (pipe(p) != 0) return 11; /* a new pipe after fd 1 was replaced */
    pid_t g = fork();
    if (g < 0) return 12;
    if (g == 0) {
        close(p[0]);
        if (dup2(p[1], 1) != 1) _exit(13);
        close(p[1]);
        if (write(1, "sub", 3) != 3) _exit(14);
        _exit(0);
    }
    close(p[1]);
    char buf[64];
    size_t n = drain(p[0], buf, sizeof buf);
    close(p[0]);
    for (size_t i = 0; i < n; i++) buf[i] = buf[i] - 'a' + 'A';
    if (write(1, buf, n) != (ssize_t)n) return 15;
    int st;
    if (waitpid(g, &st, 0) != g || !WIFEXITED(st)) return 16;
    return WEXITSTATUS(st);
}

int main(void) {
    int p[2];
    CHECK(pipe(p) == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(p[0]);
        _exit(substitution_child(p[1]));
    }
    close(p[1]);
    char buf[64];
    drain(p[0], buf, sizeof buf);
    close(p[0]);
    CHECK(strcmp(buf, "SUB") == 0);
    int st = -1;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* A child that closes its stdin and stdout outright, then opens files and pipes: they take
     * the lowest free descriptors, 0 and 1, as on Linux, and work. */
    CHECK(pipe(p) == 0);
    fflush(stdout);
    c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(p[0]);
        int w = p[1];
        close(0);
        close(1);
        int q[2];
        if (pipe(q) != 0) _exit(20);
        if (q[0] != 0 || q[1] != 1) _exit(21);
        if (write(q[1], "ok", 2) != 2) _exit(22);
        char b[4] = {0};
        if (read(q[0], b, 2) != 2 || memcmp(b, "ok", 2) != 0) _exit(23);
        if (write(w, b, 2) != 2) _exit(24);
        _exit(0);
    }
    close(p[1]);
    drain(p[0], buf, sizeof buf);
    close(p[0]);
    CHECK(strcmp(buf, "ok") == 0);
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* A grandchild whose stdout is a pipe closes it and lives on (a daemon started inside
     * `x=$(...)`): the reader sees EOF at the close, not when the grandchild exits. */
    CHECK(pipe(p) == 0);
    fflush(stdout);
    c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(p[0]);
        if (dup2(p[1], 1) != 1) _exit(30);
        close(p[1]);
        pid_t g = fork(); /* the grandchild gets the pipe as its inherited stdout */
        if (g < 0) _exit(31);
        if (g == 0) {
            if (write(1, "x", 1) != 1) _exit(32);
            close(1);
            struct timespec ts = {5, 0};
            nanosleep(&ts, NULL);
            _exit(0);
        }
        close(1);
        int gs;
        if (waitpid(g, &gs, 0) != g || !WIFEXITED(gs)) _exit(33);
        _exit(WEXITSTATUS(gs));
    }
    close(p[1]);
    char x = 0;
    CHECK(read(p[0], &x, 1) == 1 && x == 'x');
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(read(p[0], &x, 1) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(t1.tv_sec - t0.tv_sec < 3); /* EOF came with the close, well before the exit */
    close(p[0]);
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    printf("%d of %d checks passed\n", checks - failures, checks);
    return failures;
}
