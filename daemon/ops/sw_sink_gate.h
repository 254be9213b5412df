/*
 * sw_sink_gate.h -- a sink that holds alerts for another sink until that one
 * may start: the hand-over step of a configuration reload.
 *
 * When a reload changes the `redis` section, the new redis sink must not
 * open the spool file while the old one still has it open (two writers would
 * interleave lines).  The old sink is closed first -- what it has not had
 * confirmed stays in the spool -- and only then is the new one started; it
 * reads the spool and sends what the old one left.  Alerts produced in
 * between (a few loop iterations) are kept by the gate, in order, and handed
 * to the new sink the moment it has started: none is dropped, none is
 * reordered.  The gate holds at most SW_GATE_MAX alerts; beyond that an
 * alert is refused (the caller counts it as a sink failure, loudly).
 *
 * The gate stands in the daemon's sink list under the inner sink's name and
 * answers drain/pending/close for it until it is opened, at which point the
 * owner replaces the gate by the inner sink (sw_sink_gate_release).
 */
#ifndef SW_SINK_GATE_H
#define SW_SINK_GATE_H

#include "sw_sink.h"

#include <stddef.h>
#include <uv.h>

#define SW_GATE_MAX 4096

/* Wrap `inner` (not started).  Returns the gate, or NULL (inner untouched). */
sw_sink *sw_sink_gate_new(sw_sink *inner);

/* True if s is a gate. */
int sw_sink_is_gate(const sw_sink *s);

/* The sink a gate holds alerts for, or s itself when s is not a gate. */
sw_sink *sw_sink_unwrap(sw_sink *s);

/*
 * Start the inner sink on loop and hand it every held alert, in order; a
 * drain requested meanwhile is passed on with the time left.  Returns 0 once
 * done -- an inner sink that could not start, or refused held alerts, is
 * logged and has them counted in its `failed` -- or -1 when the gate was
 * closed before (a shutdown during the hand-over: its alerts were discarded
 * and logged as lost) and nothing was started.
 */
int sw_sink_gate_open(sw_sink *gate, uv_loop_t *loop);

/* After sw_sink_gate_open: free the gate and return the inner sink, which
 * takes its place. */
sw_sink *sw_sink_gate_release(sw_sink *gate);

#endif
