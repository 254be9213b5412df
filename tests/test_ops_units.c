/* The systemd files of systemd/: the units pass `systemd-analyze verify`
 * (ExecStart= pointed at the built binaries, man pages from the build) and
 * rate 2.0 or better in `systemd-analyze security --offline=true` -- the
 * template shockd@.service as its instance shockd@1.service; the sysusers
 * and tmpfiles files apply to a scratch root.  Where systemd-analyze cannot
 * run, the tests say why and skip. */
#include "sw_test_ops.h"

TestSuite(ops_units, .init = ops_setup, .fini = ops_teardown, .timeout = 120);

static int have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* A copy of systemd/<unit> whose ExecStart= names the built binary. */
static const char *unit_copy(const char *unit, const char *binary)
{
    char src[512];
    snprintf(src, sizeof src, SW_SOURCE_DIR "/systemd/%s", unit);
    char *text = sw_test_slurp(src);
    cr_assert(text[0], "%s is missing", src);
    char from[128], to[512];
    snprintf(from, sizeof from, "ExecStart=/usr/bin/%s ", binary);
    snprintf(to, sizeof to, "ExecStart=" SW_BINARY_DIR "/%s ", binary);
    char *at = strstr(text, from);
    cr_assert_not_null(at, "%s: no \"%s\"", unit, from);
    size_t n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    const char *path = ops_path(unit);
    ops_write(path, out);
    free(out);
    free(text);
    return path;
}

/* instance: for a template (NAME@.service), the instance verified
 * (NAME@INSTANCE.service, a link to the copy), else NULL. */
static void check_unit(const char *unit, const char *binary, const char *instance)
{
    if (!have("systemd-analyze"))
        cr_skip_test("systemd-analyze is not installed: cannot verify %s", unit);
    char bin[512];
    snprintf(bin, sizeof bin, SW_BINARY_DIR "/%s", binary);
    if (access(bin, X_OK) != 0)
        cr_skip_test("%s is not built: ExecStart= of %s cannot be verified", bin, unit);
    const char *copy = unit_copy(unit, binary);
    if (instance) {
        /* systemd-analyze resolves %i for an instance name linked to the template. */
        char name[128];
        snprintf(name, sizeof name, "%.*s@%s.service", (int)(strchr(unit, '@') - unit), unit, instance);
        const char *link = ops_path(name);
        cr_assert_eq(symlink(copy, link), 0, "%s", link);
        copy = link;
    }
    char cmd[1024], *out;
    /* Documentation= man pages come from the build; without man(1), only
     * the unit itself is checked. */
    snprintf(cmd, sizeof cmd, "cd %s && MANPATH=" SW_BINARY_DIR "/man systemd-analyze verify %s %s", ops_dir,
             have("man") ? "" : "--man=no", copy);
    int rc = ops_sh(cmd, &out);
    cr_expect_eq(rc, 0, "systemd-analyze verify %s:\n%s", unit, out);
    cr_expect_eq(out[0], '\0', "verify says something about %s:\n%s", unit, out);
    free(out);
    snprintf(cmd, sizeof cmd, "cd %s && systemd-analyze security --offline=true %s", ops_dir, copy);
    rc = ops_sh(cmd, &out);
    const char *overall = strstr(out, "Overall exposure level for ");
    if (rc != 0 && !overall)
        cr_skip_test("systemd-analyze security --offline=true cannot run here: %s", out);
    cr_assert_not_null(overall, "%s", out);
    const char *colon = strchr(overall, ':');
    cr_assert_not_null(colon);
    double exposure = atof(colon + 1);
    cr_expect_leq(exposure, 2.0, "%s: exposure %.1f:\n%s", unit, exposure, out);
    cr_log_info("%s: exposure %.1f", unit, exposure);
    free(out);
}

Test(ops_units, shockd_service_verifies_and_is_hardened)
{
    check_unit("shockd.service", "shockd", NULL);
}

Test(ops_units, shock_notify_service_verifies_and_is_hardened)
{
    check_unit("shock-notify.service", "shock-notify", NULL);
}

Test(ops_units, the_shard_template_verifies_and_is_hardened)
{
    check_unit("shockd@.service", "shockd", "1");
}

Test(ops_units, units_declare_what_operations_relies_on)
{
    const char *units[] = { "shockd.service", "shock-notify.service", "shockd@.service" };
    const char *must[] = { "Type=notify\n", "WatchdogSec=", "Restart=on-failure\n", "User=shockwatch\n",
                           "ConfigurationDirectory=shockwatch\n", "LoadCredential=redis-password\n",
                           "UMask=0077\n", "LimitCORE=0\n", "CapabilityBoundingSet=\n", "NoNewPrivileges=yes\n",
                           "ProtectSystem=strict\n", "MemoryDenyWriteExecute=yes\n",
                           "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n",
                           "SystemCallFilter=@system-service\n", "RestartPreventExitStatus=1 2\n" };
    for (size_t u = 0; u < 3; u++) {
        char path[512];
        snprintf(path, sizeof path, SW_SOURCE_DIR "/systemd/%s", units[u]);
        char *t = sw_test_slurp(path);
        for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
            cr_expect(strstr(t, must[i]) != NULL, "%s lacks %s", units[u], must[i]);
        free(t);
    }
    char *d = sw_test_slurp(SW_SOURCE_DIR "/systemd/shockd.service");
    cr_expect(strstr(d, "StateDirectory=shockwatch\n") && strstr(d, "ExecReload=/bin/kill -HUP $MAINPID\n") &&
                  strstr(d, "LoadCredential=finnhub-token\n"),
              "%s", d);
    free(d);
    /* The template: shard %i of the file's shard.count, its own state
     * directory (spool, state.json) and its own feed key. */
    char *t = sw_test_slurp(SW_SOURCE_DIR "/systemd/shockd@.service");
    cr_expect(strstr(t, "ExecStart=/usr/bin/shockd --config ${CONFIGURATION_DIRECTORY}/shockwatch.json --shard %i\n") &&
                  strstr(t, "StateDirectory=shockwatch/%i\n") &&
                  strstr(t, "LoadCredential=finnhub-token:finnhub-token.%i\n") &&
                  strstr(t, "ExecReload=/bin/kill -HUP $MAINPID\n") && strstr(t, "Description=") &&
                  strstr(t, "shard %i\n"),
              "%s", t);
    free(t);
}

Test(ops_units, sysusers_and_tmpfiles_apply_to_a_scratch_root)
{
    if (!have("systemd-sysusers") || !have("systemd-tmpfiles"))
        cr_skip_test("systemd-sysusers or systemd-tmpfiles is not installed");
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/root/etc && systemd-sysusers --root=%s/root " SW_SOURCE_DIR "/systemd/shockwatch.sysusers"
             " && systemd-tmpfiles --root=%s/root --create " SW_SOURCE_DIR "/systemd/shockwatch.tmpfiles",
             ops_dir, ops_dir, ops_dir);
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    free(out);
    char path[256];
    snprintf(path, sizeof path, "%s/root/etc/passwd", ops_dir);
    char *pw = sw_test_slurp(path);
    cr_expect(strstr(pw, "shockwatch:x:") && strstr(pw, ":/var/lib/shockwatch:/usr/sbin/nologin\n"), "%s", pw);
    free(pw);
    struct stat st;
    snprintf(path, sizeof path, "%s/root/etc/credstore", ops_dir);
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0700, "credentials: root only");
    snprintf(path, sizeof path, "%s/root/var/lib/shockwatch", ops_dir);
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0700);
}
