/* The Debian package, end to end: a build configured for installation
 * (prefix /usr, SHOCK_INSTALL_LAYOUT), `cpack -G DEB`, its control data
 * (Depends on the real Debian 12 library packages, the conffile), and its
 * contents unpacked into a scratch root with dpkg -x: binaries that run,
 * the configuration under /etc, units, sysusers/tmpfiles, calendar, man
 * pages, and shockd compiled to read the installed calendar.  Then what
 * Debian asks of a package: lintian reports no error and no warning on the
 * .deb and its -dbgsym, and the copyright, changelog and stripped binaries
 * are the ones we mean (docs/packaging.md).
 *
 * Both tests use one build folder under the build tree (tests run one after
 * the other, --jobs 1): the second build is incremental, a few seconds. */
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

#define PKG_BUILD SW_BINARY_DIR "/tests/package-build"

/* Configure, build and cpack PKG_BUILD; the .deb's path into deb (and the
 * -dbgsym's into ddeb when not NULL). */
static void build_package(char *deb, size_t deb_cap, char *ddeb, size_t ddeb_cap)
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
    /* Unset: a sanitizer build's flags must not leak into the package. */
    snprintf(cmd, sizeof cmd,
             "unset CFLAGS LDFLAGS; cmake -S " SW_SOURCE_DIR " -B %s -DCMAKE_BUILD_TYPE=RelWithDebInfo "
             "-DCMAKE_INSTALL_PREFIX=/usr -DSHOCK_INSTALL_LAYOUT=ON -DSHOCK_TESTS=OFF && "
             "cmake --build %s -j 2 && cd %s && rm -f *.deb *.ddeb && cpack -G DEB",
             PKG_BUILD, PKG_BUILD, PKG_BUILD);
    int rc = ops_sh(cmd, &out);
    cr_assert_eq(rc, 0, "configure, build or cpack failed:\n%s", out);
    free(out);
    cr_assert_eq(ops_sh("dpkg --print-architecture", &out), 0, "%s", out);
    out[strcspn(out, "\n")] = '\0';
    snprintf(deb, deb_cap, "%s/shockwatch_" SHOCK_VERSION "_%s.deb", PKG_BUILD, out);
    if (ddeb)
        snprintf(ddeb, ddeb_cap, "%s/shockwatch-dbgsym_" SHOCK_VERSION "_%s.ddeb", PKG_BUILD, out);
    free(out);
    cr_assert_eq(access(deb, R_OK), 0, "no %s", deb);
    cr_assert(!ddeb || access(ddeb, R_OK) == 0, "no %s", ddeb);
}

Test(ops_package, deb_has_the_right_depends_and_files)
{
    char cmd[2048], *out;
    char deb[512];
    build_package(deb, sizeof deb, NULL, 0);

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
        "/usr/bin/shock-report",
        "/usr/share/man/man1/shock-report.1.gz",
        "/etc/shockwatch/shockwatch.json",
        "/lib/systemd/system/shockd.service",
        "/lib/systemd/system/shock-notify.service",
        "/lib/systemd/system/shockd@.service",
        "/usr/lib/sysusers.d/shockwatch.conf",
        "/usr/lib/tmpfiles.d/shockwatch.conf",
        "/usr/share/shockwatch/calendar/nyse.csv",
        "/usr/share/man/man8/shockd.8.gz",
        "/usr/share/man/man8/shock-notify.8.gz",
        "/usr/share/man/man5/shockwatch.json.5.gz",
        "/usr/share/doc/shockwatch/README.md",
        "/usr/share/shockwatch/alert-v1.schema.json",
        "/usr/share/doc/shockwatch/docs/alert-schema.md",
        "/usr/share/doc/shockwatch/docs/examples/consumer.py",
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
    cr_expect(strstr(out, "OK: 17 symbols in 2 groups, 9 detectors") != NULL, "%s", out);
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

/* 1 if a line of text starts with prefix. */
static int has_line_starting(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; *p;) {
        if (strncmp(p, prefix, n) == 0)
            return 1;
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}

Test(ops_package, deb_is_lintian_clean)
{
    char cmd[2048], *out;
    char deb[512], ddeb[512];
    if (!have("lintian"))
        cr_skip_test("lintian is not installed (Debian package lintian): the package cannot be checked");
    build_package(deb, sizeof deb, ddeb, sizeof ddeb);

    /* lintian as a new user runs it: every error and warning fails, and the
     * whole report is printed.  The -dbgsym package is checked too. */
    snprintf(cmd, sizeof cmd, "lintian --fail-on error,warning %s %s 2>%s", deb, ddeb, ops_path("lintian.err"));
    int rc = ops_sh(cmd, &out);
    char *err = sw_test_slurp(ops_path("lintian.err"));
    cr_expect_eq(rc, 0, "lintian failed (%d) or found problems:\n%s%s", rc, out, err);
    cr_expect(!has_line_starting(out, "E:") && !has_line_starting(out, "W:"), "lintian:\n%s", out);
    free(err);
    free(out);

    char root[256]; /* ops_path's buffers rotate */
    snprintf(root, sizeof root, "%s", ops_path("root"));
    snprintf(cmd, sizeof cmd, "dpkg -x %s %s && dpkg -x %s %s/dbg", deb, root, ddeb, root);
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    free(out);

    /* Stripped programs, each with its debug symbols in the -dbgsym package
     * under its build id (where gdb and systemd-coredump look). */
    const char *progs[] = { "shockd", "shock-notify", "shock-feed" };
    for (size_t i = 0; i < 3; i++) {
        char bin[512];
        snprintf(bin, sizeof bin, "%s/usr/bin/%s", root, progs[i]);
        if (access(bin, F_OK) != 0 && i == 2)
            continue; /* shock-feed is optional */
        snprintf(cmd, sizeof cmd,
                 "f=%s; readelf -S $f | grep -q ' .symtab' && echo 'not stripped'; "
                 "id=$(readelf -n $f | sed -n 's/.*Build ID: //p'); "
                 "d=%s/dbg/usr/lib/debug/.build-id/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-).debug; "
                 "test -n \"$id\" && readelf -S $d 2>/dev/null | grep -q ' .debug_info' && echo ok",
                 bin, root);
        cr_expect_eq(ops_sh(cmd, &out), 0, "%s: %s", progs[i], out);
        cr_expect_str_eq(out, "ok\n", "%s: stripped, debug symbols in -dbgsym", progs[i]);
        free(out);
    }

    /* The copyright is DEP-5, and its license is LICENSE, word for word. */
    char copyright[512];
    snprintf(copyright, sizeof copyright, "%s/usr/share/doc/shockwatch/copyright", root);
    char *cp = sw_test_slurp(copyright);
    cr_expect(strncmp(cp, "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n", 75) == 0,
              "%s", cp);
    cr_expect(strstr(cp, "\nCopyright: 2026-present the shockwatch authors\nLicense: Expat\n") != NULL, "%s", cp);
    free(cp);
    snprintf(cmd, sizeof cmd,
             "sed -n '/^License: Expat$/,$p' %s | tail -n +2 | sed 's/^ //; s/^\\.$//' > %s && "
             "tail -n +3 " SW_SOURCE_DIR "/LICENSE | diff - %s && "
             "head -1 " SW_SOURCE_DIR "/LICENSE",
             copyright, ops_path("license"), ops_path("license"));
    cr_expect_eq(ops_sh(cmd, &out), 0, "copyright and LICENSE differ:\n%s", out);
    cr_expect_str_eq(out, "Copyright (c) 2026-present the shockwatch authors.\n");
    free(out);

    /* The changelog: gzip -9n (no name, no time), its top entry this version,
     * signed by the package's maintainer, which is a real address. */
    snprintf(cmd, sizeof cmd,
             "c=%s/usr/share/doc/shockwatch/changelog.gz; "
             "od -An -tx1 -N8 $c | tr -d ' \\n'; echo; "
             "zcat $c > %s && dpkg-parsechangelog -l %s -S Version && dpkg-parsechangelog -l %s -S Maintainer && "
             "dpkg-deb -f %s Maintainer",
             root, ops_path("changelog"), ops_path("changelog"), ops_path("changelog"), deb);
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    /* 1f8b: gzip; 08: deflate; 00: no name; 00000000: no time. */
    cr_expect_str_eq(out, "1f8b080000000000\n" SHOCK_VERSION "\n"
                          "shockwatch maintainers <maintainers@shockwatch.dev>\n"
                          "shockwatch maintainers <maintainers@shockwatch.dev>\n");
    free(out);

    /* systemd the Debian way: deb-systemd-helper/-invoke in every script,
     * systemctl only for daemon-reload (comments aside). */
    snprintf(cmd, sizeof cmd,
             "dpkg-deb -e %s %s/ctl && cd %s/ctl && "
             "for s in postinst prerm postrm; do sh -n $s || exit 1; "
             "printf '%%s %%s %%s\\n' $s $(grep -c 'deb-systemd-' $s) "
             "$(grep -v '^[[:space:]]*#' $s | grep systemctl | grep -vc daemon-reload); done",
             deb, ops_dir, ops_dir);
    cr_assert_eq(ops_sh(cmd, &out), 0, "%s", out);
    char script[16];
    int helpers, other, n_scripts = 0;
    for (const char *p = out; sscanf(p, "%15s %d %d", script, &helpers, &other) == 3; n_scripts++) {
        cr_expect_gt(helpers, 0, "%s does not use deb-systemd-helper/-invoke", script);
        cr_expect_eq(other, 0, "%s calls systemctl for more than daemon-reload", script);
        p = strchr(p, '\n');
        if (!p)
            break;
        p++;
    }
    cr_expect_eq(n_scripts, 3, "%s", out);
    free(out);
}
