/*
 * sw_curl.h -- libcurl's multi interface on a libuv loop: HTTP(S) and SMTP
 * requests that never block the loop.
 *
 * curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION: one
 * uv_poll_t per socket, created and closed as curl asks) and when to wake it
 * (CURLMOPT_TIMERFUNCTION: one uv_timer_t); we tell curl what happened with
 * curl_multi_socket_action and collect finished transfers with
 * curl_multi_info_read.  Name resolution runs in curl's resolver thread (the
 * Debian build's threaded resolver), so a slow DNS server does not stall the
 * loop either.
 *
 * The caller builds each easy handle (URL, body, timeouts -- every request
 * must carry CURLOPT_TIMEOUT_MS), hands it over with sw_curl_add and gets
 * exactly one callback when it finished, failed or was cancelled; the easy
 * handle stays the caller's to clean up.  curl_global_init is the caller's
 * (main's) business: it is not thread-safe.
 */
#ifndef SW_CURL_H
#define SW_CURL_H

#include <curl/curl.h>
#include <stddef.h>
#include <uv.h>

typedef struct sw_curl sw_curl;

/* rc: curl's result (CURLE_ABORTED_BY_CALLBACK when cancelled by
 * sw_curl_close); the handle is already removed from the multi. */
typedef void (*sw_curl_done_fn)(void *ctx, CURL *easy, CURLcode rc);
typedef void (*sw_curl_closed_fn)(sw_curl *c);

typedef struct sw_curl_sock sw_curl_sock;

struct sw_curl {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct xfer *xfers;           /* transfers added and not yet finished */
    sw_curl_sock *socks;          /* poll handles curl asked for (closing ones are gone from here) */
    size_t running;               /* transfers added and not yet finished */
    int handles_open;             /* timer + poll handles not yet closed */
    int closing;
    sw_curl_closed_fn closed;
};

/* Returns 0 or a negative libuv error (-1 when curl_multi_init failed). */
int sw_curl_init(sw_curl *c, uv_loop_t *loop);

/* Start a transfer.  Returns 0, or -1 (closing, out of memory, or curl
 * refused the handle: then no callback comes). */
int sw_curl_add(sw_curl *c, CURL *easy, sw_curl_done_fn fn, void *ctx);

/* Stop one transfer without its callback (its owner is going away). */
void sw_curl_cancel(sw_curl *c, CURL *easy);

/* Transfers still running. */
size_t sw_curl_running(const sw_curl *c);

/* Cancel what is running (callbacks with CURLE_ABORTED_BY_CALLBACK), clean
 * up the multi and close the loop handles; `closed` once all are closed. */
void sw_curl_close(sw_curl *c, sw_curl_closed_fn closed);

#endif
