/* sw_engine.c -- see sw_engine.h. */
#include "sw_engine.h"
#include "sw_layout.h" /* SW_STATE_LAYOUT, generated: see CMakeLists.txt */
#include "sw_time.h"

#include <math.h>
#if defined(__linux__)
#endif
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Registered detector types; each lives in its own module. */
extern const sw_detector_type sw_pct_move_type;
extern const sw_detector_type sw_zscore_type;
extern const sw_detector_type sw_vol_regime_type;
extern const sw_detector_type sw_stale_type;
extern const sw_detector_type sw_breadth_type;
extern const sw_detector_type sw_level_type;
extern const sw_detector_type sw_volume_type;
extern const sw_detector_type sw_relative_type;
extern const sw_detector_type sw_market_type;
extern const sw_detector_type sw_halt_type;

static const sw_detector_type *const registry[] = {
    &sw_pct_move_type,
    &sw_zscore_type,
    &sw_vol_regime_type,
    &sw_stale_type,
    &sw_breadth_type,
    &sw_level_type,
    &sw_volume_type,
    &sw_relative_type,
    &sw_market_type,
    &sw_halt_type,
};

const sw_detector_type *const *sw_detector_types(size_t *n)
{
    *n = sizeof registry / sizeof registry[0];
    return registry;
}

const sw_detector_type *sw_detector_find(const char *name)
{
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Detector slices are 8-byte aligned: their state holds integers, doubles
 * and floats, nothing that needs more, and 16-byte rounding cost up to 8
 * bytes per detector per symbol. */
static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* A record is a whole number of cache lines and the block starts on one, so
 * a record's lines are its own (sw_engine_prefetch loads them by offset)
 * and no tick shares a line with a neighbouring symbol. */
#define SW_LINE 64
static size_t align_line(size_t n)
{
    return (n + SW_LINE - 1) & ~(size_t)(SW_LINE - 1);
}

_Static_assert(offsetof(sw_symbol, state) % 8 == 0, "detector state must start 8-byte aligned");

#define HUGE_PAGE ((size_t)2 << 20)

static sw_engine_block_hint_fn block_hint;

void sw_engine_set_block_hint(sw_engine_block_hint_fn fn)
{
    block_hint = fn;
}

/* The records' block.  A large one (thousands of symbols) starts on a 2 MiB
 * boundary and is shown to the block hint before its first touch: the
 * daemon asks Linux for transparent huge pages there (strategies/ makes no
 * system call).  A tick touches one record at random, and with 4 KiB pages
 * nearly every one would also miss the TLB (10 000 records are 3 600 pages,
 * more than its entries), which stalls even the prefetch that is meant to
 * hide the miss. */
static unsigned char *alloc_records(size_t bytes)
{
    if (bytes < 2 * HUGE_PAGE)
        return aligned_alloc(SW_LINE, bytes); /* bytes: a multiple of the line (the stride) */
    unsigned char *p = aligned_alloc(HUGE_PAGE, (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE);
    if (p && block_hint)
        block_hint(p, bytes / HUGE_PAGE * HUGE_PAGE); /* whole 2 MiB ranges only */
    return p;
}

/* Add `name` to the symbol table if new; returns its index or SW_SYMTAB_EMPTY. */
static uint32_t intern(sw_engine *e, const char *name)
{
    uint32_t idx = sw_symtab_find(&e->tab, name);
    if (idx != SW_SYMTAB_EMPTY)
        return idx;
    idx = (uint32_t)e->n_syms;
    sw_symbol *s = sw_engine_sym(e, idx);
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->index = idx;
    s->day = SW_NO_DAY;
    s->last_ts = INT64_MIN;
    s->prev_close = s->open = s->day_close = s->last_price = NAN;
    s->day_lo = s->day_hi = INT64_MIN; /* empty: the first tick computes them */
    if (sw_symtab_insert(&e->tab, idx) != 0)
        return SW_SYMTAB_EMPTY;
    e->n_syms++;
    return idx;
}

int sw_engine_init(sw_engine *e, const sw_group_spec *groups, size_t n_groups,
                   const sw_detector_spec *dets, size_t n_dets,
                   sw_emit_fn emit, void *emit_ctx, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->emit = emit;
    e->emit_ctx = emit_ctx;
    e->now_ns = INT64_MIN;
    e->clock_step_ns = SW_NS_PER_SEC;
    e->next_clock_ns = INT64_MIN;
    e->ahead[0] = e->ahead[1] = SW_SYMTAB_EMPTY;

    size_t total = 0;
    for (size_t g = 0; g < n_groups; g++) {
        if (groups[g].n_members == 0)
            return fail(err, errlen, "group \"%s\" has no members", groups[g].name);
        total += groups[g].n_members;
    }
    e->groups = calloc(n_groups ? n_groups : 1, sizeof *e->groups);
    e->dets = calloc(n_dets ? n_dets : 1, sizeof *e->dets);
    if (!e->groups || !e->dets)
        goto nomem;

    /* The detectors' parameters first: their state sizes make the stride of
     * a symbol's record. */
    for (size_t i = 0; i < n_dets; i++) {
        sw_detector *d = &e->dets[i];
        d->type = dets[i].type;
        d->instance = (int)i;
        d->params = calloc(1, d->type->params_size ? d->type->params_size : 1);
        if (!d->params)
            goto nomem;
        memcpy(d->params, dets[i].params, d->type->params_size);
        e->n_dets++;
    }
    /* Slices a tick reads whole first, right after the header, then those
     * with a cold tail (a ring touched once a bucket or bar): the hot parts
     * then share lines instead of each starting a line of its own, and a
     * tick has fewer lines to load (sw_engine_prefetch). */
    size_t off = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < e->n_dets; i++) {
            sw_detector *d = &e->dets[i];
            size_t n = d->type->state_size ? d->type->state_size(d->params) : 0;
            int cold_tail = d->type->hot_size && d->type->hot_size(d->params) < n;
            if (cold_tail != pass)
                continue;
            d->state_off = off;
            off += align8(n);
        }
    }
    e->state_size = off;
    e->sym_stride = align_line(offsetof(sw_symbol, state) + off);
    /* One block for all records: the engine's memory is fixed from here on. */
    size_t bytes = e->sym_stride * (total ? total : 1);
    e->sym_block = alloc_records(bytes);
    if (!e->sym_block)
        goto nomem;
    memset(e->sym_block, 0, bytes);
    if (sw_symtab_init(&e->tab, total, (const char *)e->sym_block + offsetof(sw_symbol, name), e->sym_stride) != 0)
        goto nomem;

    for (size_t g = 0; g < n_groups; g++) {
        sw_group *grp = &e->groups[g];
        snprintf(grp->name, sizeof grp->name, "%s", groups[g].name);
        grp->members = calloc(groups[g].n_members, sizeof *grp->members);
        if (!grp->members)
            goto nomem;
        e->n_groups++;
        for (size_t m = 0; m < groups[g].n_members; m++) {
            const char *name = groups[g].members[m];
            if (strlen(name) == 0 || strlen(name) >= SW_SYMBOL_MAX) {
                sw_engine_free(e);
                return fail(err, errlen, "group \"%s\": symbol \"%s\" must have 1 to %d characters",
                            groups[g].name, name, SW_SYMBOL_MAX - 1);
            }
            uint32_t idx = intern(e, name);
            if (idx == SW_SYMTAB_EMPTY)
                goto nomem;
            sw_symbol *s = sw_engine_sym(e, idx);
            int dup = 0;
            for (uint16_t k = 0; k < s->n_groups; k++)
                dup |= s->groups[k] == g;
            if (dup)
                continue; /* listed twice in one group: the config loader reports it */
            if (s->n_groups >= SW_MAX_GROUPS_PER_SYMBOL) {
                sw_engine_free(e);
                return fail(err, errlen, "symbol \"%s\" is in more than %d groups",
                            name, SW_MAX_GROUPS_PER_SYMBOL);
            }
            s->groups[s->n_groups++] = (uint16_t)g;
            grp->members[grp->n_members++] = idx;
        }
    }

    /* Every symbol is known: detectors with engine-wide state (stale,
     * breadth) size it now; then each symbol's slices start fresh. */
    for (size_t i = 0; i < e->n_dets; i++) {
        sw_detector *d = &e->dets[i];
        if (d->type->init && d->type->init(d, e) != 0) {
            const char *tname = d->type->name; /* static; d itself goes with the engine */
            sw_engine_free(e);
            return fail(err, errlen, "detector %zu (%s) could not be initialised", i, tname);
        }
    }
    /* The lines of a record a tick reads, for sw_engine_prefetch: the
     * header's and each detector's hot part.  Loading only those keeps the
     * loads in flight few enough not to stall on each other. */
    size_t hdr = offsetof(sw_symbol, state);
    for (size_t line = 0; line < e->sym_stride && e->n_hot < SW_ENGINE_HOT_LINES; line += SW_LINE) {
        int in = line < hdr;
        for (size_t k = 0; k < e->n_dets && !in; k++) {
            const sw_detector *d = &e->dets[k];
            size_t a = hdr + d->state_off;
            size_t n = !d->type->state_size ? 0
                     : d->type->hot_size ? d->type->hot_size(d->params) : d->type->state_size(d->params);
            in = n && line + SW_LINE > a && line < a + n;
        }
        if (in)
            e->hot[e->n_hot++] = (uint16_t)line;
    }
    for (size_t i = 0; i < e->n_syms; i++) {
        sw_symbol *s = sw_engine_sym(e, i);
        for (size_t k = 0; k < e->n_dets; k++)
            if (e->dets[k].type->sym_init)
                e->dets[k].type->sym_init(&e->dets[k], s->state + e->dets[k].state_off);
    }
    return 0;

nomem:
    sw_engine_free(e);
    return fail(err, errlen, "out of memory building the engine");
}

void sw_engine_free(sw_engine *e)
{
    for (size_t i = 0; i < e->n_dets; i++) {
        if (e->dets[i].type->fini)
            e->dets[i].type->fini(&e->dets[i]);
        free(e->dets[i].params);
    }
    for (size_t g = 0; g < e->n_groups; g++)
        free(e->groups[g].members);
    free(e->dets);
    free(e->groups);
    free(e->sym_block);
    sw_symtab_free(&e->tab);
    memset(e, 0, sizeof *e);
}

sw_symbol *sw_engine_symbol(sw_engine *e, const char *name)
{
    uint32_t idx = sw_symtab_find(&e->tab, name);
    return idx == SW_SYMTAB_EMPTY ? NULL : sw_engine_sym(e, idx);
}

void *sw_detector_priv_alloc(sw_detector *d, const sw_engine *e, size_t head)
{
    d->priv = calloc(1, head + (e->n_syms ? e->n_syms : 1));
    return d->priv;
}

size_t sw_engine_mark_names(const sw_engine *e, const sw_name_list *names, uint8_t *marks, uint8_t bit)
{
    size_t n = 0;
    for (int i = 0; i < names->n && i < SW_NAME_LIST_MAX; i++) {
        uint32_t idx = sw_symtab_find(&e->tab, names->name[i]);
        if (idx != SW_SYMTAB_EMPTY && !(marks[idx] & bit)) {
            marks[idx] |= bit;
            n++;
        }
    }
    return n;
}

void sw_engine_emit(sw_engine *e, const sw_candidate *c)
{
    e->stats.candidates++;
    if (!e->emit)
        return;
    if (c->session) {
        e->emit(e->emit_ctx, c);
        return;
    }
    /* Every alert says which session it came from; candidates are rare, so
     * the calendar lookup costs nothing on the tick path. */
    sw_candidate cc = *c;
    cc.session = sw_calendar_session_at(e->calendar, c->ts_ns);
    e->emit(e->emit_ctx, &cc);
}

void sw_engine_note(sw_engine *e, const char *fmt, ...)
{
    if (!e->note)
        return;
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    e->note(e->note_ctx, text);
}

void sw_engine_advance(sw_engine *e, int64_t now_ns)
{
    if (now_ns <= e->now_ns)
        return;
    e->now_ns = now_ns;
    if (now_ns < e->next_clock_ns)
        return;
    /* Clock detectors run at most once per step of event time, so their cost
     * does not grow with the tick rate. */
    e->next_clock_ns = now_ns - now_ns % e->clock_step_ns + e->clock_step_ns;
    for (size_t i = 0; i < e->n_dets; i++)
        if (e->dets[i].type->on_clock)
            e->dets[i].type->on_clock(&e->dets[i], e, now_ns);
}

static void apply_due_splits(sw_engine *e, sw_symbol *s, int64_t day);

/* Roll the symbol's trading day forward when an event of a later New York
 * date arrives: the day's close becomes the previous close, detectors hear
 * of the new session. */
static void roll_day(sw_engine *e, sw_symbol *s, int64_t ts)
{
    if (ts >= s->day_lo && ts < s->day_hi)
        return;
    int64_t day = sw_ny_day(ts, NULL);
    s->day_lo = sw_ny_to_utc(day, 0, 0, 0);
    s->day_hi = sw_ny_to_utc(day + 1, 0, 0, 0);
    if (!sw_calendar_session(e->calendar, day, &s->reg_lo, &s->reg_hi)) {
        s->reg_lo = INT64_MAX;
        s->reg_hi = INT64_MIN;
    }
    if (day != s->day) {
        if (e->n_splits)
            apply_due_splits(e, s, day);
        /* A day without a regular-hours trade (a holiday's stray print)
         * does not replace the previous close. */
        if (!isnan(s->day_close))
            s->prev_close = s->day_close;
        s->day = day;
        s->open = NAN;
        s->day_close = NAN;
        s->official = 0;
        for (size_t i = 0; i < e->n_dets; i++)
            if (e->dets[i].type->on_session)
                e->dets[i].type->on_session(&e->dets[i], e, s, s->state + e->dets[i].state_off);
    }
}

/* Keep the open and the running close of the regular session.  The
 * calendar decides what "regular" means, so a holiday's stray prints are not
 * a session and an early close's 13:00:00 print is the day's close. */
static void track_session(sw_engine *e, sw_symbol *s, const sw_tick *t)
{
    roll_day(e, s, t->ts_ns);
    /* The closing print stamped exactly at the close belongs to the session. */
    if (t->ts_ns >= s->reg_lo && t->ts_ns <= s->reg_hi) {
        if (isnan(s->open))
            s->open = t->price;
        if (!(s->official & SW_OFFICIAL_CLOSE))
            s->day_close = t->price;
    }
}

void sw_engine_prefetch(sw_engine *e, const char *symbol)
{
    uint32_t idx = sw_symtab_guess(&e->tab, symbol);
    e->ahead[0] = e->ahead[1];
    e->ahead[1] = idx;
    if (idx == SW_SYMTAB_EMPTY)
        return;
#if defined(__GNUC__)
    const char *rec = (const char *)sw_engine_sym(e, idx);
    for (size_t k = 0; k < e->n_hot; k++)
        __builtin_prefetch(rec + e->hot[k], 1);
#endif
}

static int same_name(const char *a, const char *b)
{
    while (*a == *b && *a) {
        a++;
        b++;
    }
    return *a == *b;
}

/* The tick's symbol: one of the two last announced by sw_engine_prefetch,
 * the older first -- that is this tick's (the newer is the next tick's,
 * whose record may still be on its way: comparing its name first would
 * wait for it) -- else the symbol table's answer. */
static uint32_t find_symbol(const sw_engine *e, const char *name)
{
    for (int k = 0; k < 2; k++) {
        uint32_t a = e->ahead[k];
        if (a != SW_SYMTAB_EMPTY && same_name(sw_engine_sym(e, a)->name, name))
            return a;
    }
    return sw_symtab_find(&e->tab, name);
}

static sw_tick_result status_tick(sw_engine *e, const sw_tick *t);
static sw_tick_result special_trade(sw_engine *e, sw_symbol *s, const sw_tick *t);

/* The tick's record, or NULL (counted) for a symbol not watched. */
static inline sw_symbol *lookup(sw_engine *e, const sw_tick *t)
{
    uint32_t idx = find_symbol(e, t->symbol);
    if (idx == SW_SYMTAB_EMPTY) {
        e->stats.unknown_symbol++;
        return NULL;
    }
    return sw_engine_sym(e, idx);
}

sw_tick_result sw_engine_tick(sw_engine *e, const sw_tick *t)
{
    if (t->flags & SW_TICK_EVENT)
        return status_tick(e, t);
    if (!(t->price > 0) || !isfinite(t->price)) {
        e->stats.bad_price++;
        return SW_TICK_BAD_PRICE;
    }
    sw_symbol *s = lookup(e, t);
    if (!s)
        return SW_TICK_UNKNOWN;
    if (t->ts_ns < s->last_ts) {
        e->stats.out_of_order++;
        return SW_TICK_OUT_OF_ORDER;
    }
    sw_engine_advance(e, t->ts_ns);
    if (t->flags & SW_TICK_SPECIAL)
        return special_trade(e, s, t);
    track_session(e, s, t);
    s->last_ts = t->ts_ns;
    s->last_price = t->price;
    s->ticks++;
    e->stats.ticks++;
    for (size_t i = 0; i < e->n_dets; i++) {
        sw_detector *d = &e->dets[i];
        d->type->on_tick(d, e, s, s->state + d->state_off, t);
    }
    return SW_TICK_OK;
}

static void apply_split(sw_engine *e, sw_symbol *s, double ratio)
{
    s->prev_close /= ratio;
    s->open /= ratio;
    s->day_close /= ratio;
    s->last_price /= ratio;
    for (size_t i = 0; i < e->n_dets; i++)
        if (e->dets[i].type->on_split)
            e->dets[i].type->on_split(&e->dets[i], s, s->state + e->dets[i].state_off, ratio);
}

int sw_engine_split(sw_engine *e, const char *symbol, int64_t ts_ns, double ratio)
{
    sw_symbol *s = sw_engine_symbol(e, symbol);
    if (!s || !(ratio > 0) || !isfinite(ratio))
        return -1;
    int64_t day = sw_ny_day(ts_ns, NULL);
    for (size_t i = 0; i < e->n_splits; i++) {
        sw_split_action *a = &e->splits[i];
        if (a->symbol == s->index && a->day == day) {
            if (a->applied)
                return 1;
            a->applied = 1;
        }
    }
    apply_split(e, s, ratio);
    return 0;
}

int sw_engine_add_split(sw_engine *e, const char *symbol, int64_t day, double ratio)
{
    sw_symbol *s = sw_engine_symbol(e, symbol);
    if (!s || !(ratio > 0) || !isfinite(ratio) || e->n_splits >= SW_MAX_SPLITS)
        return -1;
    sw_split_action *a = &e->splits[e->n_splits++];
    a->symbol = s->index;
    a->day = day;
    a->ratio = ratio;
    a->applied = 0;
    return 0;
}

/* Scheduled splits that took effect between the symbol's last day and `day`:
 * applied before the roll, so yesterday's close is divided like every other
 * reference. */
static void apply_due_splits(sw_engine *e, sw_symbol *s, int64_t day)
{
    for (size_t i = 0; i < e->n_splits; i++) {
        sw_split_action *a = &e->splits[i];
        if (a->symbol == s->index && !a->applied && a->day <= day &&
            (s->day == SW_NO_DAY || a->day > s->day)) {
            a->applied = 1;
            apply_split(e, s, a->ratio);
        }
    }
}

/* ---- checkpoints ------------------------------------------------------------------ */

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

uint64_t sw_engine_fingerprint(const sw_engine *e)
{
    uint64_t h = UINT64_C(14695981039346656037);
    h = fnv_bytes(h, SW_STATE_LAYOUT, sizeof SW_STATE_LAYOUT);
    h = fnv_bytes(h, &e->n_dets, sizeof e->n_dets);
    for (size_t i = 0; i < e->n_dets; i++) {
        const sw_detector *d = &e->dets[i];
        h = fnv_bytes(h, d->type->name, strlen(d->type->name) + 1);
        h = fnv_bytes(h, d->params, d->type->params_size);
        size_t sz = d->type->state_size ? d->type->state_size(d->params) : 0;
        h = fnv_bytes(h, &sz, sizeof sz);
        h = fnv_bytes(h, &d->state_off, sizeof d->state_off);
    }
    h = fnv_bytes(h, &e->n_groups, sizeof e->n_groups);
    for (size_t g = 0; g < e->n_groups; g++) {
        h = fnv_bytes(h, e->groups[g].name, strlen(e->groups[g].name) + 1);
        for (size_t m = 0; m < e->groups[g].n_members; m++) {
            const char *name = sw_engine_sym(e, e->groups[g].members[m])->name;
            h = fnv_bytes(h, name, strlen(name) + 1);
        }
    }
    return h;
}

int sw_engine_restore_state(sw_engine *e, sw_symbol *s, const void *bytes, size_t len)
{
    if (len != e->state_size)
        return -1;
    memcpy(s->state, bytes, len);
    for (size_t i = 0; i < e->n_dets; i++)
        if (e->dets[i].type->relocate)
            e->dets[i].type->relocate(&e->dets[i], s->state + e->dets[i].state_off);
    return 0;
}

size_t sw_engine_save_priv(const sw_engine *e, size_t k, void *out, size_t max)
{
    if (k >= e->n_dets || !e->dets[k].type->save_priv)
        return 0;
    return e->dets[k].type->save_priv(&e->dets[k], e, out, max);
}

int sw_engine_restore_priv(sw_engine *e, size_t k, const void *in, size_t n)
{
    if (k >= e->n_dets || !e->dets[k].type->restore_priv)
        return -1;
    return e->dets[k].type->restore_priv(&e->dets[k], e, in, n);
}

/* An official opening or closing print (the sale conditions say so, see
 * SW_TICK_OFFICIAL_OPEN): the first opening print inside the session sets
 * the open, replacing the first trade's price; the last closing print from
 * the open on sets the close -- the closing cross is often stamped seconds
 * after 16:00:00, and the official close (UTP/CTA "M") minutes after. */
static void official_print(sw_symbol *s, const sw_tick *t)
{
    if ((t->flags & SW_TICK_OFFICIAL_OPEN) && !(s->official & SW_OFFICIAL_OPEN) && t->ts_ns >= s->reg_lo &&
        t->ts_ns <= s->reg_hi) {
        s->open = t->price;
        s->official |= SW_OFFICIAL_OPEN;
    }
    if ((t->flags & SW_TICK_OFFICIAL_CLOSE) && t->ts_ns >= s->reg_lo && t->ts_ns < s->day_hi) {
        s->day_close = t->price;
        s->official |= SW_OFFICIAL_CLOSE;
    }
}

/* A trading status or LULD bands: to the detectors' on_status only, whatever
 * its time (it moves the clock and the day forward, never back); not a
 * trade, so no price to check and nothing of the symbol's trading changes. */
static sw_tick_result status_tick(sw_engine *e, const sw_tick *t)
{
    sw_symbol *s = lookup(e, t);
    if (!s)
        return SW_TICK_UNKNOWN;
    if (t->ts_ns >= s->last_ts) {
        sw_engine_advance(e, t->ts_ns);
        roll_day(e, s, t->ts_ns);
    }
    e->stats.status_events++;
    for (size_t i = 0; i < e->n_dets; i++) {
        sw_detector *d = &e->dets[i];
        if (d->type->on_status)
            d->type->on_status(d, e, s, s->state + d->state_off, t);
    }
    return SW_TICK_OK;
}

/* A trade off the common path (SW_TICK_SPECIAL), ordered and checked like
 * any other:
 *  - one its sale conditions keep from the price (NO_LAST) sets an official
 *    open or close if it is one, never the last price, and goes only to
 *    detectors that take volume-only trades (to none when it carries no
 *    volume either); counted by reason;
 *  - an eligible one that is also an official print is a trade like any
 *    other, after setting the open or close. */
static sw_tick_result special_trade(sw_engine *e, sw_symbol *s, const sw_tick *t)
{
    int priced = !(t->flags & SW_TICK_NO_LAST);
    if (priced)
        track_session(e, s, t);
    else
        roll_day(e, s, t->ts_ns);
    if (t->flags & (SW_TICK_OFFICIAL_OPEN | SW_TICK_OFFICIAL_CLOSE))
        official_print(s, t);
    s->last_ts = t->ts_ns;
    s->ticks++;
    e->stats.ticks++;
    if (priced)
        s->last_price = t->price;
    else
        e->stats.excluded[t->excluded < SW_EXCL_N ? t->excluded : SW_EXCL_NONE]++;
    unsigned need = priced ? 0 : SW_TAKES_VOLUME_ONLY;
    if (!priced && (t->flags & SW_TICK_NO_VOLUME))
        return SW_TICK_OK;
    for (size_t i = 0; i < e->n_dets; i++) {
        sw_detector *d = &e->dets[i];
        if ((d->type->takes & need) == need)
            d->type->on_tick(d, e, s, s->state + d->state_off, t);
    }
    return SW_TICK_OK;
}
