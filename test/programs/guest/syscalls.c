/* Self-checking guest program for the first system calls: each CHECK states what Linux does.
 * Built with aarch64-linux-gnu-gcc -static by test/programs/guest.test.ts and run under
 * tsemu-user; prints each failed check and exits with the number of failures. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <termios.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures, checks;
static volatile long argc_sink = 8; /* a bad pointer the compiler cannot see through */
#define CHECK(expr) do { checks++; if (!(expr)) { failures++; \
    printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #expr, errno, strerror(errno)); } } while (0)
/* A call that must fail with errno E. */
#define FAILS(call, E) do { errno = 0; long r_ = (long)(call); checks++; if (r_ != -1 || errno != (E)) { failures++; \
    printf("FAIL line %d: %s = %ld errno %d, expected -1 errno %d\n", __LINE__, #call, r_, errno, (E)); } } while (0)

static void files(void) {
    char buf[256];
    int fd = open("f", O_CREAT | O_RDWR | O_TRUNC, 0640);
    CHECK(fd >= 3);
    CHECK(write(fd, "hello world\n", 12) == 12);
    CHECK(lseek(fd, 0, SEEK_CUR) == 12);
    CHECK(lseek(fd, -6, SEEK_END) == 6);
    memset(buf, 0, sizeof buf);
    CHECK(read(fd, buf, sizeof buf) == 6 && strcmp(buf, "world\n") == 0);
    CHECK(read(fd, buf, sizeof buf) == 0);
    CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "hello", 5) == 0);
    CHECK(pwrite(fd, "HELLO", 5, 0) == 5 && lseek(fd, 0, SEEK_CUR) == 12);
    FAILS(lseek(fd, -100, SEEK_CUR), EINVAL);
    FAILS(pread(fd, buf, 1, -1), EINVAL);
    struct iovec iov[2] = {{buf, 3}, {buf + 10, 20}};
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(readv(fd, iov, 2) == 12 && memcmp(buf, "HEL", 3) == 0 && memcmp(buf + 10, "LO world\n", 9) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 12 && st.st_nlink == 1);
    CHECK((st.st_mode & 0777) == (0640 & ~022));
    CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    CHECK(fcntl(fd, F_GETFD) == 0);
    FAILS(stat("f/", &st), ENOTDIR);
    FAILS(stat("missing", &st), ENOENT);
    FAILS(open("missing", O_RDONLY), ENOENT);
    FAILS(open("f", O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST);
    FAILS(read(-1, buf, 1), EBADF);
    FAILS(write(fd, (void *)(long)argc_sink, 4), EFAULT);
    FAILS(read(fd, (void *)0xfffffffff000UL, 4), EFAULT);
    int d = dup(fd);
    CHECK(d > fd && lseek(d, 0, SEEK_CUR) == lseek(fd, 0, SEEK_CUR));
    CHECK(dup2(fd, 20) == 20 && fcntl(20, F_GETFD) == 0);
    CHECK(dup3(fd, 21, O_CLOEXEC) == 21 && fcntl(21, F_GETFD) == FD_CLOEXEC);
    FAILS(dup3(fd, fd, 0), EINVAL);
    CHECK(close(d) == 0);
    FAILS(close(d), EBADF);
    CHECK(ftruncate(fd, 3) == 0 && fstat(fd, &st) == 0 && st.st_size == 3);
    CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
    CHECK(fchmod(fd, 0600) == 0 && stat("f", &st) == 0 && (st.st_mode & 07777) == 0600);
    CHECK(access("f", R_OK | W_OK) == 0);
    FAILS(access("missing", F_OK), ENOENT);
    CHECK(close(fd) == 0);

    CHECK(mkdir("d", 0755) == 0);
    FAILS(mkdir("d", 0755), EEXIST);
    CHECK(symlink("../f", "d/l") == 0);
    CHECK(readlink("d/l", buf, sizeof buf) == 4 && memcmp(buf, "../f", 4) == 0);
    FAILS(readlink("f", buf, sizeof buf), EINVAL);
    CHECK(link("f", "d/h") == 0 && stat("f", &st) == 0 && st.st_nlink == 2);
    CHECK(rename("d/h", "d/h2") == 0);
    FAILS(unlink("d/h"), ENOENT);
    DIR *dir = opendir("d");
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir))) n++;
    closedir(dir);
    CHECK(n == 4); /* . .. l h2 */
    FAILS(rmdir("d"), ENOTEMPTY);
    CHECK(unlink("d/l") == 0 && unlink("d/h2") == 0 && rmdir("d") == 0);
    CHECK(umask(077) == 022 && umask(022) == 077);
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) == cwd && cwd[0] == '/');
    errno = 0;
    CHECK(getcwd(cwd, 2) == NULL && errno == ERANGE);
    CHECK(truncate("f", 0) == 0 && stat("f", &st) == 0 && st.st_size == 0);
    CHECK(utimensat(AT_FDCWD, "f", NULL, 0) == 0);
    CHECK(unlink("f") == 0);
    CHECK(readlink("/proc/self/exe", buf, sizeof buf) > 0 && buf[0] == '/');

    int p[2];
    CHECK(pipe2(p, O_CLOEXEC) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC);
    CHECK(write(p[1], "xy", 2) == 2 && read(p[0], buf, 10) == 2);
    FAILS(lseek(p[0], 0, SEEK_CUR), ESPIPE);
    CHECK(close(p[1]) == 0 && read(p[0], buf, 10) == 0);
    close(p[0]);
    FAILS(ioctl(1, TCGETS, buf), ENOTTY); /* stdout is a pipe or a file in the test */
}

static void memory(void) {
    long page = sysconf(_SC_PAGESIZE);
    CHECK(page == 4096);
    char *m = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED && ((unsigned long)m & 4095) == 0 && m[0] == 0 && m[3 * page - 1] == 0);
    m[0] = 1;
    m[2 * page] = 2;
    char *r = mremap(m, 3 * page, 6 * page, MREMAP_MAYMOVE);
    CHECK(r != MAP_FAILED && r[0] == 1 && r[2 * page] == 2 && r[6 * page - 1] == 0);
    CHECK(madvise(r + 2 * page, page, MADV_DONTNEED) == 0 && r[2 * page] == 0 && r[0] == 1);
    CHECK(mprotect(r, page, PROT_READ) == 0);
    CHECK(mmap(r + page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == r + page);
    errno = 0;
    CHECK(mmap(r, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED && errno == EEXIST);
    /* The range now spans mappings with different protections: Linux refuses to move it. */
    FAILS((long)mremap(r, 3 * page, 8 * page, MREMAP_MAYMOVE), EFAULT);
    CHECK(munmap(r, 6 * page) == 0);
    FAILS(munmap(r + 1, page), EINVAL);
    FAILS((long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    FAILS(mprotect(r, page, PROT_READ), ENOMEM);

    int fd = open("m", O_CREAT | O_RDWR | O_TRUNC, 0644);
    char block[4096];
    for (int i = 0; i < 3; i++) { memset(block, 'a' + i, sizeof block); CHECK(write(fd, block, sizeof block) == 4096); }
    char *fm = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page);
    CHECK(fm != MAP_FAILED && fm[0] == 'b' && fm[page - 1] == 'b');
    char *sm = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * page);
    CHECK(sm != MAP_FAILED);
    sm[7] = 'Z';
    CHECK(msync(sm, page, MS_SYNC) == 0);
    CHECK(pread(fd, block, 8, 2 * page) == 8 && block[7] == 'Z' && block[6] == 'c');
    FAILS((long)mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL);
    FAILS((long)mmap(NULL, page, PROT_READ, MAP_PRIVATE, 99, 0), EBADF);
    close(fd);
    unlink("m");

    void *b0 = sbrk(0);
    CHECK(sbrk(100000) == b0 && sbrk(0) == (char *)b0 + 100000);
    ((char *)b0)[99999] = 1;
    CHECK(sbrk(-100000) == (char *)b0 + 100000 && sbrk(0) == b0);
    void *big = malloc(1 << 20);
    CHECK(big != NULL);
    free(big);
}

static void process(void) {
    char buf[64];
    CHECK(getpid() > 0 && syscall(SYS_gettid) == getpid() && getppid() > 0);
    CHECK(getuid() == geteuid() && getgid() == getegid());
    struct utsname u;
    CHECK(uname(&u) == 0 && strcmp(u.sysname, "Linux") == 0 && strcmp(u.machine, "aarch64") == 0);
    CHECK(getrandom(buf, sizeof buf, 0) == sizeof buf);
    FAILS(getrandom(buf, 8, 0x100), EINVAL);
    struct timespec a, b;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    struct timespec d = {0, 2000000};
    CHECK(nanosleep(&d, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
    CHECK((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) >= 2000000);
    FAILS(clock_gettime(1234, &a), EINVAL);
    d.tv_nsec = 1000000000;
    FAILS(nanosleep(&d, NULL), EINVAL);
    struct timeval tv;
    CHECK(gettimeofday(&tv, NULL) == 0 && tv.tv_sec > 1600000000 && tv.tv_usec < 1000000);
    CHECK(clock_getres(CLOCK_MONOTONIC, &a) == 0 && a.tv_sec == 0 && a.tv_nsec > 0);
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur >= 1 << 20);
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= 64);
    struct rusage ru;
    CHECK(getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > 0);
    FAILS(waitpid(-1, NULL, 0), ECHILD);
    cpu_set_t cs;
    CHECK(sched_getaffinity(0, sizeof cs, &cs) == 0 && CPU_COUNT(&cs) >= 1);
    CHECK(sched_yield() == 0);
    CHECK(prctl(PR_SET_NAME, "checker") == 0 && prctl(PR_GET_NAME, buf) == 0 && strcmp(buf, "checker") == 0);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0 && sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == SIG_IGN);
    FAILS(sigaction(SIGKILL, &sa, NULL), EINVAL);
    CHECK(raise(SIGUSR1) == 0); /* ignored */
    sigset_t s, o;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0 && sigprocmask(SIG_BLOCK, NULL, &o) == 0 && sigismember(&o, SIGUSR2));
    FAILS(syscall(4321), ENOSYS);
}

int main(void) {
    char dir[] = "/tmp/tsemu-guest-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) { perror("setup"); return 100; }
    umask(022);
    files();
    memory();
    process();
    chdir("/");
    rmdir(dir);
    printf("%d of %d checks passed\n", checks - failures, checks);
    return failures;
}
