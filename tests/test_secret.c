/* test_secret.c -- alerts/sw_secret, the secrets of both programs (their
 * loading, the file rule and the env-name rule are tested with the feed's
 * keys in test_cred.c): the ACL systemd's LoadCredential= puts on its
 * files, redaction of a secret a text quotes whole or cut off, and a
 * process that cannot dump core. */
#include "sw_secret.h"
#include "sw_test_util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
    cr_assert_eq(sw_test_tmpdir(dir, sizeof dir, "secret"), 0);
}

static void teardown(void)
{
    sw_test_rmdir(dir);
}

TestSuite(secret, .init = setup, .fini = teardown);

/* An ACL in the kernel's xattr format: version 2, then (tag, perm, id). */
static int set_acl(const char *path, const uint16_t (*e)[2], const uint32_t *ids, size_t n)
{
    unsigned char a[4 + 8 * 8] = { 2, 0, 0, 0 };
    for (size_t i = 0; i < n; i++) {
        unsigned char *p = a + 4 + 8 * i;
        p[0] = (unsigned char)e[i][0], p[1] = (unsigned char)(e[i][0] >> 8);
        p[2] = (unsigned char)e[i][1], p[3] = 0;
        for (int b = 0; b < 4; b++)
            p[4 + b] = (unsigned char)(ids[i] >> (8 * b));
    }
    return setxattr(path, "system.posix_acl_access", a, 4 + 8 * n, 0);
}

Test(secret, systemd_credential_acl)
{
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/redis-password", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("hunter2\n", f);
    fclose(f);
    cr_assert_eq(chmod(path, 0400), 0);
    /* What systemd writes: 0400, owner root, and read for the service's user
     * (here: us) through the ACL; stat shows the mask as group bits (0440). */
    const uint16_t ok[][2] = { { 0x01, 4 }, { 0x02, 4 }, { 0x04, 0 }, { 0x10, 4 }, { 0x20, 0 } };
    const uint32_t ids[] = { UINT32_MAX, (uint32_t)geteuid(), UINT32_MAX, UINT32_MAX, UINT32_MAX };
    if (set_acl(path, ok, ids, 5) != 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
        cr_skip_test("no POSIX ACLs on %s", dir);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0440u, "the mask shows as group bits");
    char *s = NULL;
    cr_assert_eq(sw_secret_load(&s, "redis.password", NULL, path, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq(s, "hunter2");
    sw_secret_free(&s);
    /* The group may read: refused. */
    const uint16_t grp[][2] = { { 0x01, 4 }, { 0x02, 4 }, { 0x04, 4 }, { 0x10, 4 }, { 0x20, 0 } };
    cr_assert_eq(set_acl(path, grp, ids, 5), 0);
    cr_assert_eq(sw_secret_load(&s, "redis.password", NULL, path, err, sizeof err), -1);
    cr_assert(strstr(err, "are too open"), "%s", err);
    /* Another user may read: refused. */
    const uint32_t other[] = { UINT32_MAX, (uint32_t)geteuid() + 1, UINT32_MAX, UINT32_MAX, UINT32_MAX };
    cr_assert_eq(set_acl(path, ok, other, 5), 0);
    cr_assert_eq(sw_secret_load(&s, "redis.password", NULL, path, err, sizeof err), -1);
    cr_assert(strstr(err, "are too open"), "%s", err);
}

Test(secret, redaction_whole_and_cut_off)
{
    char out[256];
    cr_assert_str_eq(sw_secret_redact("POST /bot123456:test-token/sendMessage", "123456:test-token", out, sizeof out),
                     "POST /bot***/sendMessage");
    cr_assert_str_eq(sw_secret_redact("an excerpt cut in /services/T0/B0/hush", "/services/T0/B0/hush-hush-1234", out,
                                      sizeof out),
                     "an excerpt cut in ***", "the start of a secret at the end of a cut text");
    cr_assert_str_eq(sw_secret_redact("ends in /ser", "/services/T0/B0/hush", out, sizeof out), "ends in /ser",
                     "fewer than 8 bytes are not taken for the secret");
}

Test(secret, no_core_dump)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(prctl(PR_GET_DUMPABLE) == 1 && sw_secret_protect_process() == 0 && prctl(PR_GET_DUMPABLE) == 0 ? 0 : 1);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the process stays dumpable");
}
