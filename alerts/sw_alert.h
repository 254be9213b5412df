/*
 * sw_alert.h -- the alert as delivered (schema v1) and its JSON encoding.
 *
 * An sw_alert is built from a detector's candidate once the policy lets it
 * through: it copies every field it needs (candidates point into engine
 * storage), adds a stable id and the event-time timestamp, and is encoded with
 * cJSON into one line of JSON.  The schema is docs/alert-v1.schema.json
 * (explained in docs/alert-schema.md); every sink and consumer sees exactly
 * these fields, and a new one goes into the schema first.
 */
#ifndef SW_ALERT_H
#define SW_ALERT_H

#include "sw_calendar.h"
#include "sw_engine.h"
#include "sw_tick.h"

#include <stddef.h>
#include <stdint.h>

#define SW_ALERT_SCHEMA 1
#define SW_ALERT_MAX_MEMBERS 64
#define SW_ALERT_JSON_MAX 8192

typedef struct sw_alert_member {
    char symbol[SW_SYMBOL_MAX];
    double change_pct;
} sw_alert_member;

typedef struct sw_alert {
    char id[24];               /* 16 hex digits */
    int64_t ts_ns;
    char symbol[32];
    char group[32];            /* empty: null in JSON */
    char detector[24];
    sw_severity severity;
    int direction;             /* +1 up, -1 down, 0 none */
    int resolved;              /* 1: the condition cleared (severity info) */
    int instance;
    double price;
    double reference;          /* NaN: null */
    double change_pct;         /* NaN: null */
    double zscore;             /* NaN: null */
    char window[16];
    int session;               /* sw_session_kind (sw_calendar.h); 0: not known, no field in JSON */
    char message[256];
    size_t n_members;
    sw_alert_member members[SW_ALERT_MAX_MEMBERS];
} sw_alert;

/* A detector an alert may name: a type of the registry (strategies/) or
 * "feed", shockd's pseudo-detector for gaps in the feed. */
int sw_alert_detector_known(const char *name);
/* "pct_move, zscore, vol_regime, stale, breadth, feed" into buf.  Returns buf. */
char *sw_alert_detector_names(char *buf, size_t len);

/* Fill an alert from a candidate (copying strings, truncating safely) and
 * compute its id.  `resolved` marks a CLEAR turned into an info alert.  The
 * message of an alert outside the regular session ends with " (pre-market)"
 * or " (after hours)". */
void sw_alert_from_candidate(sw_alert *a, const sw_candidate *c, sw_severity severity, int resolved);

/* ISO-8601 UTC with milliseconds: "2025-01-27T14:30:00.412Z". */
char *sw_format_iso_ms(int64_t ts_ns, char *buf, size_t len);

/* Encode as one line of JSON (no newline).  Returns the length, or -1 if it
 * does not fit in len bytes or allocation failed. */
int sw_alert_to_json(const sw_alert *a, char *buf, size_t len);

/* A readable one-line rendering for terminals:
 * "09:30:01.234 ET  CRITICAL  NVDA  pct_move  NVDA -12.47% vs previous close 142.62". */
int sw_alert_to_text(const sw_alert *a, char *buf, size_t len);

#endif
