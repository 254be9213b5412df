/*
 * test_layout.c -- the include rules of docs/architecture.md, checked on the
 * source tree itself.
 *
 * Data flows one way (source -> engine -> detectors -> policy -> sinks) and so
 * do the includes: strategies/ includes nothing of ours outside itself;
 * alerts/ may include strategies/; alerts/notify/ (shock-notify's parts) may
 * include alerts/; config/ fills the parameter structs of strategies/,
 * alerts/ and alerts/notify/; daemon/ includes all, and its subfolders only
 * what lies below them in the flow (providers/ < sources/ < ops/ < the
 * programs; charts/ draws from strategies/ and alerts/ only).  The CMake
 * libraries already see only the include folders below them, so a wrong
 * bare include fails to compile; this test also catches a
 * relative include ("../config/sw_config.h"), a header of ours that no rule
 * names, and the other half of "pure C": strategies/ uses only standard C
 * headers and never reads the wall clock.
 */
#include "sw_test_util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The folders that hold our modules, lowest first.  A file belongs to the
 * longest folder that prefixes its path. */
static const char *const k_folders[] = {
    "strategies", "alerts", "alerts/notify", "config",
    "daemon/providers", "daemon/sources", "daemon/charts", "daemon/ops", "daemon",
};
#define N_FOLDERS (sizeof k_folders / sizeof k_folders[0])

/* k_may[i] lists, space-separated, the folders a file in k_folders[i] may
 * include a header of (its own folder always). */
static const char *const k_may[N_FOLDERS] = {
    /* strategies       */ "",
    /* alerts           */ "strategies",
    /* alerts/notify    */ "strategies alerts",
    /* config           */ "strategies alerts alerts/notify",
    /* daemon/providers */ "strategies alerts",
    /* daemon/sources   */ "strategies alerts daemon/providers",
    /* daemon/charts    */ "strategies alerts",
    /* daemon/ops       */ "strategies alerts alerts/notify config daemon/providers daemon/sources daemon/charts",
    /* daemon           */ "strategies alerts alerts/notify config daemon/providers daemon/sources daemon/charts "
                           "daemon/ops",
};

/* Standard C and nothing else: strategies/ does no I/O and links no library. */
static const char *const k_strategies_system[] = {
    "assert.h", "ctype.h", "errno.h", "float.h", "inttypes.h", "limits.h", "math.h",
    "stdarg.h", "stdbool.h", "stddef.h", "stdint.h", "stdio.h", "stdlib.h", "string.h",
};

typedef struct src_file {
    char path[512]; /* relative to the source tree */
    int folder;     /* index into k_folders */
} src_file;

typedef struct tree {
    src_file *files;
    size_t n, cap;
} tree;

static int folder_of(const char *rel)
{
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < N_FOLDERS; i++) {
        size_t len = strlen(k_folders[i]);
        if (strncmp(rel, k_folders[i], len) == 0 && rel[len] == '/' && len > best_len) {
            best = (int)i;
            best_len = len;
        }
    }
    return best;
}

static int is_source(const char *name)
{
    size_t n = strlen(name);
    return n > 2 && name[n - 2] == '.' && (name[n - 1] == 'c' || name[n - 1] == 'h');
}

static void scan(tree *t, const char *root, const char *rel)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", root, rel);
    DIR *d = opendir(dir);
    cr_assert(d != NULL, "cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[512], full[1536];
        snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            scan(t, root, sub);
        } else if (S_ISREG(st.st_mode) && is_source(e->d_name)) {
            if (t->n == t->cap) {
                t->cap = t->cap ? t->cap * 2 : 64;
                t->files = realloc(t->files, t->cap * sizeof *t->files);
                cr_assert(t->files != NULL);
            }
            src_file *f = &t->files[t->n++];
            snprintf(f->path, sizeof f->path, "%s", sub);
            f->folder = folder_of(sub);
        }
    }
    closedir(d);
}

static void load_tree(tree *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < N_FOLDERS; i++)
        if (strchr(k_folders[i], '/') == NULL)
            scan(t, SW_SOURCE_DIR, k_folders[i]);
    cr_assert(t->n > 50, "found only %zu source files under %s", t->n, SW_SOURCE_DIR);
}

/* The folder of the header an include names: by its file name, since every
 * include of ours is a bare name resolved through the CMake include folders.
 * -1 if no file of ours has that name (a system or library header). */
static int header_folder(const tree *t, const char *name, const char **where)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    for (size_t i = 0; i < t->n; i++) {
        const char *fb = strrchr(t->files[i].path, '/');
        if (strcmp(fb + 1, base) == 0) {
            *where = t->files[i].path;
            return t->files[i].folder;
        }
    }
    return -1;
}

/* A header the build writes (strategies/' sw_layout.h): it belongs to the
 * folder whose CMakeLists.txt names it as ${CMAKE_CURRENT_BINARY_DIR}/NAME.
 * -1 if none does. */
static int generated_folder(const char *name, const char **where)
{
    static char path[N_FOLDERS][64];
    for (size_t i = 0; i < N_FOLDERS; i++) {
        snprintf(path[i], sizeof path[i], "%s/CMakeLists.txt", k_folders[i]);
        char full[sizeof SW_SOURCE_DIR + 80], needle[600];
        snprintf(full, sizeof full, "%s/%s", SW_SOURCE_DIR, path[i]);
        snprintf(needle, sizeof needle, "${CMAKE_CURRENT_BINARY_DIR}/%s", name);
        char *text = sw_test_slurp(full);
        int found = text && strstr(text, needle) != NULL;
        free(text);
        if (found) {
            *where = path[i];
            return (int)i;
        }
    }
    return -1;
}

static int may_include(int from, int to)
{
    if (from == to)
        return 1;
    const char *list = k_may[from], *want = k_folders[to];
    size_t wl = strlen(want);
    for (const char *p = list; *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len == wl && strncmp(p, want, wl) == 0)
            return 1;
        p += len;
    }
    return 0;
}

/* Calls each #include line of a file: quoted (1) or angle-bracketed (0). */
typedef void (*include_fn)(const src_file *f, int line, const char *name, int quoted, void *ctx);

static void for_each_include(const src_file *f, include_fn fn, void *ctx)
{
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", SW_SOURCE_DIR, f->path);
    char *text = sw_test_slurp(full);
    cr_assert(text != NULL, "cannot read %s", full);
    int line = 1;
    for (char *p = text; *p; line++) {
        char *eol = strchr(p, '\n');
        if (eol)
            *eol = '\0';
        const char *s = p;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#') {
            s++;
            while (*s == ' ' || *s == '\t')
                s++;
            if (strncmp(s, "include", 7) == 0) {
                s += 7;
                while (*s == ' ' || *s == '\t')
                    s++;
                char close = *s == '"' ? '"' : *s == '<' ? '>' : 0;
                const char *end = close ? strchr(s + 1, close) : NULL;
                if (end) {
                    char name[256];
                    snprintf(name, sizeof name, "%.*s", (int)(end - s - 1), s + 1);
                    fn(f, line, name, close == '"', ctx);
                }
            }
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    free(text);
}

typedef struct verdict {
    const tree *t;
    int bad;
    char report[8192];
    size_t len;
} verdict;

static void complain(verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void complain(verdict *v, const char *fmt, ...)
{
    v->bad++;
    if (v->len >= sizeof v->report - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(v->report + v->len, sizeof v->report - v->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        v->len += (size_t)n;
    if (v->len > sizeof v->report - 1)
        v->len = sizeof v->report - 1;
}

static void check_one(const src_file *f, int line, const char *name, int quoted, void *ctx)
{
    verdict *v = ctx;
    if (!quoted)
        return;
    if (strstr(name, "..") || strchr(name, '/'))
        complain(v, "%s:%d: includes \"%s\" by a path: name the header, the build says where it is\n",
                 f->path, line, name);
    const char *where = NULL;
    int to = header_folder(v->t, name, &where);
    if (to < 0)
        to = generated_folder(name, &where);
    if (to < 0) {
        complain(v, "%s:%d: includes \"%s\", which no folder of ours holds\n", f->path, line, name);
        return;
    }
    if (!may_include(f->folder, to))
        complain(v, "%s:%d: includes \"%s\" (%s): against the include rules of docs/architecture.md\n",
                 f->path, line, name, where);
}

Test(layout, every_file_is_in_a_known_folder)
{
    tree t;
    load_tree(&t);
    for (size_t i = 0; i < t.n; i++) {
        cr_expect(t.files[i].folder >= 0, "%s is in no folder of the layout", t.files[i].path);
        /* Includes are bare names, so a name must say which file it is. */
        const char *bi = strrchr(t.files[i].path, '/') + 1;
        for (size_t j = i + 1; j < t.n; j++)
            cr_expect(strcmp(bi, strrchr(t.files[j].path, '/') + 1) != 0, "%s and %s have the same name",
                      t.files[i].path, t.files[j].path);
    }
    free(t.files);
}

Test(layout, includes_point_one_way)
{
    tree t;
    load_tree(&t);
    verdict v = {.t = &t};
    for (size_t i = 0; i < t.n; i++)
        for_each_include(&t.files[i], check_one, &v);
    cr_assert(v.bad == 0, "%d include(s) against the rules:\n%s", v.bad, v.report);
    free(t.files);
}

static void check_pure(const src_file *f, int line, const char *name, int quoted, void *ctx)
{
    verdict *v = ctx;
    if (quoted)
        return;
    for (size_t i = 0; i < sizeof k_strategies_system / sizeof k_strategies_system[0]; i++)
        if (strcmp(name, k_strategies_system[i]) == 0)
            return;
    complain(v, "%s:%d: includes <%s>: strategies/ uses standard C only (no I/O, no library)\n", f->path,
             line, name);
}

Test(layout, strategies_is_pure_c)
{
    tree t;
    load_tree(&t);
    verdict v = {.t = &t};
    /* Calls that would read the wall clock or do I/O, as they are spelled. */
    static const char *const banned[] = {"time(", "clock_gettime", "gettimeofday", "clock(",
                                         "fopen", "open(", "getenv"};
    for (size_t i = 0; i < t.n; i++) {
        if (t.files[i].folder != 0)
            continue;
        for_each_include(&t.files[i], check_pure, &v);
        char full[1024];
        snprintf(full, sizeof full, "%s/%s", SW_SOURCE_DIR, t.files[i].path);
        char *text = sw_test_slurp(full);
        cr_assert(text != NULL);
        for (size_t b = 0; b < sizeof banned / sizeof banned[0]; b++) {
            /* A call, not a longer name that ends the same way (e.g. fdopen(,
             * sw_time(): the character before must not be part of a name. */
            for (const char *p = strstr(text, banned[b]); p; p = strstr(p + 1, banned[b])) {
                char before = p == text ? ' ' : p[-1];
                if (before == '_' || before == '.' || (before >= 'a' && before <= 'z') ||
                    (before >= 'A' && before <= 'Z') || (before >= '0' && before <= '9'))
                    continue;
                int line = 1;
                for (const char *q = text; q < p; q++)
                    line += *q == '\n';
                complain(&v, "%s:%d: calls %s: strategies/ has no wall clock and no I/O\n", t.files[i].path, line,
                         banned[b]);
            }
        }
        free(text);
    }
    cr_assert(v.bad == 0, "%d problem(s):\n%s", v.bad, v.report);
    free(t.files);
}

/* The checker must be able to fail: a made-up file in alerts/ that includes
 * config/'s header, and one in strategies/ that includes a libuv header. */
Test(layout, the_check_catches_a_wrong_include)
{
    tree t;
    load_tree(&t);
    verdict v = {.t = &t};
    src_file fake = {.folder = 1};
    snprintf(fake.path, sizeof fake.path, "alerts/sw_fake.c");
    check_one(&fake, 3, "sw_config.h", 1, &v);
    check_one(&fake, 4, "sw_sdnotify.h", 1, &v);
    check_one(&fake, 5, "../config/sw_listen.h", 1, &v);
    cr_expect(v.bad == 4, "expected 4 complaints (config, daemon, path + config), got %d:\n%s", v.bad, v.report);
    cr_expect(strstr(v.report, "alerts/sw_fake.c:3: includes \"sw_config.h\" (config/sw_config.h)") != NULL, "%s",
              v.report);
    verdict w = {.t = &t};
    src_file pure = {.folder = 0};
    snprintf(pure.path, sizeof pure.path, "strategies/sw_fake.c");
    check_pure(&pure, 7, "uv.h", 0, &w);
    check_pure(&pure, 8, "math.h", 0, &w);
    cr_expect(w.bad == 1 && strstr(w.report, "<uv.h>") != NULL, "%s", w.report);
    free(t.files);
}
