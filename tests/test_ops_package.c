/* The Debian package, end to end: a build configured for installation
 * (prefix /usr, SHOCK_INSTALL_LAYOUT), `cpack -G DEB`, its control data
 * (Depends on the real Debian 12 library packages, the conffile), and its
 * contents unpacked into a scratch root with dpkg -x: binaries that run,
 * the configuration under /etc, units, sysusers/tmpfiles, calendar, man
 * pages, and shockd compiled to read the installed calendar. */
#include "sw_test_ops.h"

TestSuite(ops_package, .init = ops_setup, .fini = ops_teardown, .timeout = 900);

static int exists(const char *root, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s%s", root, rel);
    return access(p, F_OK) == 0;
}

static int file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n);
    size_t got = fread(b, 1, (size_t)n, f);
    fclose(f);
    size_t n_len = strlen(needle);
    int found = 0;
    for (size_t i = 0; !found && i + n_len <= got; i++)
        found = memcmp(b + i, needle, n_len) == 0;
    free(b);
    return found;
}

static int have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

Test(ops_package, deb_has_the_right_depends_and_files)
{
    /* Tools a fresh Debian 12 lacks (scripts/test installs them): without
     * them this test cannot check what it is for, so it says so and skips
     * rather than passing half-done. */
    if (!have("file") || !have("dpkg-shlibdeps"))
        cr_skip_test("`file` or dpkg-shlibdeps is not installed (Debian packages file, dpkg-dev): cpack cannot "
                     "compute the Depends");
    if (!have("systemd-analyze"))
        cr_skip_test("systemd-analyze is not installed (Debian package systemd): the packaged units cannot be "
                     "verified");
    char cmd[2048], *out;
    const char *build = ops_path("build");
    /* Unset: a sanitizer build's flags must not leak into the package. */
    snprintf(cmd, sizeof cmd,
             "unset CFLAGS LDFLAGS; cmake -S " SW_SOURCE_DIR " -B %s -DCMAKE_BUILD_TYPE=RelWithDebInfo "
             "-DCMAKE_INSTALL_PREFIX=/usr -DSHOCK_INSTALL_LAYOUT=ON -DSHOCK_TESTS=OFF && "
             "cmake --build %s -j 2 && cd %s && cpack -G DEB",
             build, build, build);
    int rc = ops_sh(cmd, &out);
    cr_assert_eq(rc, 0, "configure, build or cpack failed:\n%s", out);
    free(out);
    char deb[512];
    snprintf(cmd, sizeof cmd, "printf %%s %s/shockwatch_" SHOCK_VERSION "_$(dpkg --print-architecture).deb", build);
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    snprintf(deb, sizeof deb, "%s", out);
    free(out);
    cr_assert_eq(access(deb, R_OK), 0, "no %s", deb);

    snprintf(cmd, sizeof cmd, "dpkg-deb -f %s Depends", deb);
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    const char *pkgs[] = { "libuv1", "libwebsockets17", "libwebsockets-evlib-uv", "libcjson1", "libhiredis0.14",
                           "libcurl4", "libsystemd0", "libssl3", "systemd" };
    for (size_t i = 0; i < sizeof pkgs / sizeof pkgs[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "%s (", pkgs[i]);
        int found = strstr(out, want) != NULL;
        if (!found) { /* listed without a version */
            snprintf(want, sizeof want, "%s,", pkgs[i]);
            found = strstr(out, want) != NULL;
        }
        cr_expect(found, "Depends lacks %s: %s", pkgs[i], out);
    }
    free(out);
    snprintf(cmd, sizeof cmd, "dpkg-deb --ctrl-tarfile %s | tar -xO ./conffiles", deb);
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    cr_expect_str_eq(out, "/etc/shockwatch/shockwatch.json\n", "an edited config survives upgrades");
    free(out);

    const char *root = ops_path("root");
    snprintf(cmd, sizeof cmd, "dpkg -x %s %s", deb, root);
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    free(out);
    const char *files[] = {
        "/usr/bin/shockd",
        "/usr/bin/shock-notify",
        "/etc/shockwatch/shockwatch.json",
        "/lib/systemd/system/shockd.service",
        "/lib/systemd/system/shock-notify.service",
        "/usr/lib/sysusers.d/shockwatch.conf",
        "/usr/lib/tmpfiles.d/shockwatch.conf",
        "/usr/share/shockwatch/calendar/nyse.csv",
        "/usr/share/man/man8/shockd.8.gz",
        "/usr/share/man/man8/shock-notify.8.gz",
        "/usr/share/man/man5/shockwatch.json.5.gz",
        "/usr/share/doc/shockwatch/README.md",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        cr_expect(exists(root, files[i]), "%s is not in the package", files[i]);
    if (access(SW_BINARY_DIR "/shock-feed", X_OK) == 0) {
        cr_expect(exists(root, "/usr/bin/shock-feed"));
        cr_expect(exists(root, "/usr/share/man/man1/shock-feed.1.gz"));
    }

    /* shockd reads the installed calendar by default, not the source tree. */
    char bin[512];
    snprintf(bin, sizeof bin, "%s/usr/bin/shockd", root);
    cr_expect(file_has(bin, "/usr/share/shockwatch/calendar/nyse.csv"), "compiled-in calendar path");
    cr_expect_not(file_has(bin, SW_SOURCE_DIR "/data/calendar"), "no source-tree path in an installed build");

    /* The unpacked binary runs and accepts the shipped config (with the
     * calendar of the scratch root: /usr/share is not installed here). */
    snprintf(cmd, sizeof cmd, "%s/usr/bin/shockd --version", root);
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    cr_expect_str_eq(out, "shockd " SHOCK_VERSION "\n");
    free(out);
    char cfg_in[512], *cfg;
    snprintf(cfg_in, sizeof cfg_in, "%s/etc/shockwatch/shockwatch.json", root);
    cfg = sw_test_slurp(cfg_in);
    char *brace = strrchr(cfg, '}');
    cr_assert_not_null(brace);
    char text[8192];
    snprintf(text, sizeof text, "%.*s, \"calendar\": \"%s/usr/share/shockwatch/calendar/nyse.csv\"}\n",
             (int)(brace - cfg), cfg, root);
    ops_write(ops_path("check.json"), text);
    free(cfg);
    snprintf(cmd, sizeof cmd, "%s/usr/bin/shockd --check -c %s", root, ops_path("check.json"));
    cr_expect_eq(ops_sh(cmd, &out), 0, "%s", out);
    cr_expect(strstr(out, "OK: 17 symbols in 2 groups, 6 detectors") != NULL, "%s", out);
    free(out);

    /* The packaged man pages render, and shockwatch.json(5) lists the keys
     * the loader knows (it is generated from them). */
    snprintf(cmd, sizeof cmd, "zcat %s/usr/share/man/man5/shockwatch.json.5.gz", root);
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    const char *keys[] = { ".B metrics.listen", ".B redis.url", ".B feed.provider", ".B shutdown_timeout",
                           ".B notify.group", ".B warning_pct", ".B groups" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_expect(strstr(out, keys[i]) != NULL, "shockwatch.json(5) lacks %s", keys[i]);
    cr_expect(strstr(out, "@CONFIG") == NULL && strstr(out, "@SHOCK") == NULL, "unfilled template");
    free(out);

    /* The packaged units, with ExecStart= pointed into the scratch root. */
    const char *units[] = { "shockd", "shock-notify" };
    for (size_t i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd,
                 "sed 's|^ExecStart=/usr/bin/|ExecStart=%s/usr/bin/|' %s/lib/systemd/system/%s.service "
                 "> %s/%s.service && cd %s && MANPATH=%s/usr/share/man systemd-analyze verify %s/%s.service",
                 root, root, units[i], ops_dir, units[i], ops_dir, root, ops_dir, units[i]);
        cr_expect_eq(ops_sh(cmd, &out), 0, "%s:\n%s", units[i], out);
        free(out);
    }
}
