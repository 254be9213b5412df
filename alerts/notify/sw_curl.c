/* sw_curl.c -- see sw_curl.h.
 *
 * libcurl 7.88 rules this file follows: the socket and timer callbacks must
 * not call curl_multi_socket_action themselves (curl is in the middle of
 * something), so the timer callback only (re)arms the uv timer, and a zero
 * timeout fires on the next loop iteration; a socket's CURL_POLL_REMOVE comes
 * before curl closes it, so stopping the poll there keeps libuv from watching
 * a descriptor number that curl may reuse for its next connection. */
#include "sw_curl.h"
#include "sw_log.h"

#include <stdlib.h>
#include <string.h>

struct sw_curl_sock {
    uv_poll_t poll;
    curl_socket_t fd;
    sw_curl *c;
    sw_curl_sock *next;
};

/* One running transfer; listed so close can cancel them all (curl 7.88 has
 * no curl_multi_get_handles). */
typedef struct xfer {
    sw_curl_done_fn fn;
    void *ctx;
    CURL *easy;
    struct xfer *prev, *next;
} xfer;

static void xfer_unlink(sw_curl *c, xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        c->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
}

static void handle_closed(uv_handle_t *h)
{
    sw_curl *c = h->data;
    if (h->type == UV_POLL)
        free(h); /* the poll is the first member of its sw_curl_sock */
    if (--c->handles_open == 0 && c->closed)
        c->closed(c);
}

static void finish(sw_curl *c, CURL *easy, CURLcode rc)
{
    xfer *x = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
    curl_multi_remove_handle(c->multi, easy);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
    if (c->running)
        c->running--;
    if (x) {
        xfer_unlink(c, x);
        sw_curl_done_fn fn = x->fn;
        void *ctx = x->ctx;
        free(x);
        fn(ctx, easy, rc);
    }
}

static void check_done(sw_curl *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left)))
        if (m->msg == CURLMSG_DONE)
            finish(c, m->easy_handle, m->data.result);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    sw_curl_sock *s = (sw_curl_sock *)h;
    sw_curl *c = s->c;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(c->multi, s->fd, flags, &running);
    check_done(c);
}

static void on_timeout(uv_timer_t *t)
{
    sw_curl *c = t->data;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(c);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    sw_curl *c = userp;
    if (c->closing)
        return 0;
    if (timeout_ms < 0)
        uv_timer_stop(&c->timer);
    else
        uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

static void sock_forget(sw_curl *c, sw_curl_sock *s)
{
    for (sw_curl_sock **p = &c->socks; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, handle_closed);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    sw_curl *c = userp;
    sw_curl_sock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            curl_multi_assign(c->multi, fd, NULL);
            sock_forget(c, s);
        }
        return 0;
    }
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return -1;
        if (uv_poll_init_socket(c->loop, &s->poll, fd) != 0) {
            free(s);
            return -1;
        }
        s->fd = fd;
        s->c = c;
        s->poll.data = c;
        s->next = c->socks;
        c->socks = s;
        c->handles_open++;
        curl_multi_assign(c->multi, fd, s);
    }
    int ev = (what & CURL_POLL_IN ? UV_READABLE : 0) | (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
    uv_poll_start(&s->poll, ev, on_poll);
    return 0;
}

int sw_curl_init(sw_curl *c, uv_loop_t *loop)
{
    memset(c, 0, sizeof *c);
    c->loop = loop;
    c->multi = curl_multi_init();
    if (!c->multi)
        return -1;
    int rc = uv_timer_init(loop, &c->timer);
    if (rc != 0) {
        curl_multi_cleanup(c->multi);
        c->multi = NULL;
        return rc;
    }
    c->timer.data = c;
    c->handles_open = 1;
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    /* A few idle connections per host are kept for the next message. */
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 16L);
    return 0;
}

int sw_curl_add(sw_curl *c, CURL *easy, sw_curl_done_fn fn, void *ctx)
{
    if (c->closing)
        return -1;
    xfer *x = malloc(sizeof *x);
    if (!x)
        return -1;
    x->fn = fn;
    x->ctx = ctx;
    x->easy = easy;
    x->prev = NULL;
    curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)x);
    /* Signals are the loop's (uv_signal_t); curl must not install handlers. */
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    if (curl_multi_add_handle(c->multi, easy) != CURLM_OK) {
        curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
        free(x);
        return -1;
    }
    c->running++;
    x->next = c->xfers;
    if (c->xfers)
        c->xfers->prev = x;
    c->xfers = x;
    return 0;
}

void sw_curl_cancel(sw_curl *c, CURL *easy)
{
    xfer *x = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
    if (!x)
        return;
    curl_multi_remove_handle(c->multi, easy);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
    xfer_unlink(c, x);
    free(x);
    if (c->running)
        c->running--;
}

size_t sw_curl_running(const sw_curl *c)
{
    return c->running;
}

void sw_curl_close(sw_curl *c, sw_curl_closed_fn closed)
{
    if (c->closing)
        return;
    c->closing = 1;
    c->closed = closed;
    /* Cancel what runs: each owner hears of it once. */
    while (c->xfers)
        finish(c, c->xfers->easy, CURLE_ABORTED_BY_CALLBACK);
    uv_timer_stop(&c->timer);
    /* Closing cached connections may call socket_cb(REMOVE); the rest we close. */
    curl_multi_cleanup(c->multi);
    c->multi = NULL;
    while (c->socks)
        sock_forget(c, c->socks);
    uv_close((uv_handle_t *)&c->timer, handle_closed);
}
