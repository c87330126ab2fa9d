/* vfork and posix_spawn share the parent's memory until the child execs or exits (Linux,
 * vfork(2)): writes the child makes are there when the parent goes on, glibc's posix_spawn
 * reports a failed exec through them, and the parent goes on once the exec has happened (a
 * popen reader is not stuck behind a child that fills the pipe). qemu-user cannot serve as the
 * reference here: it runs vfork as fork, so the parent sees none of these writes. */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static int failures, checks;
#define CHECK(expr) do { checks++; if (!(expr)) { failures++; \
    printf("FAIL line %d: %s\n", __LINE__, #expr); } } while (0)

static char big[100000];

int main(void) {
    volatile int shared = 1;
    pid_t pid = vfork();
    if (pid == 0) {
        shared = 42;
        memset(big, 'v', sizeof big);
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(shared == 42);
    CHECK(big[0] == 'v' && big[sizeof big - 1] == 'v');

    pid = vfork();
    if (pid == 0) {
        shared = 7;
        char *argv[] = { "true", NULL };
        execve("/bin/true", argv, environ);
        _exit(127);
    }
    CHECK(shared == 7); /* written before the exec */
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    char *argv[] = { "prog", NULL };
    CHECK(posix_spawn(&pid, "/nonexistent/program", NULL, NULL, argv, environ) == ENOENT);

    FILE *f = popen("seq 1 200000", "r");
    long lines = 0;
    char line[64];
    while (f && fgets(line, sizeof line, f)) lines++;
    CHECK(f && pclose(f) == 0);
    CHECK(lines == 200000);

    printf("%d of %d checks passed\n", checks - failures, checks);
    return failures;
}
