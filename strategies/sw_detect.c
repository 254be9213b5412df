/* sw_detect.c -- see sw_detect.h. */
#include "sw_detect.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int sw_levels_check(const char *unit, double warning, double critical, char *err, size_t errlen)
{
    if (critical > warning)
        return 0;
    snprintf(err, errlen, "critical_%s (%g) must be greater than warning_%s (%g)", unit, critical, unit, warning);
    return -1;
}

/* A run as its numbers: sw_run and sw_move_state's flat fields share it.
 * `confirmed` may be NULL for a run whose end is never counted. */
static inline void run_step(int32_t *count, int64_t *first_ts, int32_t *confirmed, int beyond, int64_t ts,
                            uint64_t *filtered)
{
    if (beyond) {
        if ((*count)++ == 0) {
            *first_ts = ts;
            if (confirmed)
                *confirmed = 0;
        }
    } else {
        /* Only an excursion that never confirmed was a filtered print; one
         * that raised its level and came back was a move. */
        if (*count > 0 && filtered && !(confirmed && *confirmed))
            (*filtered)++;
        *count = 0;
    }
}

static inline int run_confirmed(int32_t count, int64_t first_ts, int confirm_ticks, int64_t confirm_ns, int64_t now)
{
    if (count <= 0)
        return 0;
    return count >= confirm_ticks || (count >= 2 && now - first_ts >= confirm_ns);
}

void sw_run_step(sw_run *r, int beyond, int64_t ts, uint64_t *filtered)
{
    run_step(&r->count, &r->first_ts, &r->confirmed, beyond, ts, filtered);
}

int sw_run_confirmed(sw_run *r, int confirm_ticks, int64_t confirm_ns, int64_t now)
{
    if (!run_confirmed(r->count, r->first_ts, confirm_ticks, confirm_ns, now))
        return 0;
    r->confirmed = 1;
    return 1;
}

void sw_move_reset(sw_move_state *m)
{
    memset(m, 0, sizeof *m);
    m->fired_sev = -1;
}

int sw_move_step(sw_move_state *m, const sw_move_levels *L, double chg, int64_t ts, uint64_t *filtered)
{
    double mag = fabs(chg);
    int dir = chg < 0 ? -1 : 1;
    int32_t crit_confirmed = m->crit_confirmed;
    if (dir != m->run_dir) {
        /* A run beyond a level is in one direction; a flip ends it (and an
         * unconfirmed critical excursion ended by it was filtered all the
         * same, as in zscore). */
        run_step(&m->warn_count, &m->warn_first, NULL, 0, ts, NULL);
        run_step(&m->crit_count, &m->crit_first, &crit_confirmed, 0, ts, filtered);
        m->run_dir = (int8_t)dir;
    }
    /* Only the critical run counts filtered prints: a warning-level blip is
     * noise, a critical-level one is the bad print this logic exists for. */
    run_step(&m->warn_count, &m->warn_first, NULL, mag >= L->warning, ts, NULL);
    run_step(&m->crit_count, &m->crit_first, &crit_confirmed, mag >= L->critical, ts, filtered);

    int sev = -1;
    if (run_confirmed(m->crit_count, m->crit_first, L->confirm_ticks, L->confirm_ns, ts)) {
        sev = SW_SEV_CRITICAL;
        crit_confirmed = 1;
    } else if (run_confirmed(m->warn_count, m->warn_first, L->confirm_ticks, L->confirm_ns, ts)) {
        sev = SW_SEV_WARNING;
    }
    m->crit_confirmed = (int8_t)crit_confirmed;

    if (m->fired_sev >= 0 && mag < L->warning * (1.0 - L->hysteresis)) {
        m->fired_sev = -1;
        return SW_MOVE_CLEAR;
    }
    if (sev >= 0 && (sev > m->fired_sev || dir != m->fired_dir ||
                     (L->step > 0 && mag >= m->fired_mag + L->step &&
                      /* past the next level, the escalation (awaiting
                       * confirmation) is the news, not an extension */
                      (sev == SW_SEV_CRITICAL || mag < L->critical)))) {
        m->fired_sev = (int8_t)sev;
        m->fired_dir = (int8_t)dir;
        m->fired_mag = mag;
        return SW_MOVE_FIRE;
    }
    return SW_MOVE_NONE;
}

void sw_cand_init(sw_candidate *c, const sw_detector *d, const sw_symbol *s, int64_t ts, double price)
{
    memset(c, 0, sizeof *c);
    c->kind = SW_CAND_FIRE;
    c->symbol = s->name;
    c->detector = d->type->name;
    c->instance = d->instance;
    c->ts_ns = ts;
    c->price = price;
    c->reference = NAN;
    c->change_pct = NAN;
    c->zscore = NAN;
    c->text = d->text;
}

void sw_move_session_clear(sw_detector *d, sw_engine *e, const sw_symbol *s, sw_move_state *m, const char *what)
{
    if (m->fired_sev >= 0) {
        sw_candidate c;
        sw_cand_init(&c, d, s, s->last_ts, s->last_price);
        c.kind = SW_CAND_CLEAR;
        c.severity = SW_SEV_INFO;
        c.direction = m->fired_dir;
        c.window = "session";
        snprintf(d->text, sizeof d->text, "%s: yesterday's %s move%s ends with the session", s->name,
                 m->fired_dir < 0 ? "down" : "up", what);
        sw_engine_emit(e, &c);
    }
    sw_move_reset(m);
}
