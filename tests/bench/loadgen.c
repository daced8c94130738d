/*
 * loadgen: the benchmark's load generator (parley issue #6).
 *
 * One thread, one epoll loop, raw HTTP/1.1 and raw WebSocket framing (client
 * frames masked), Engine.IO v4 / Socket.IO v5 over WebSocket or HTTP
 * long-polling, pong replies, CONNECT with an optional auth payload. It is
 * written to cost the machine as little as possible per delivery and it
 * reports its own CPU time (getrusage) so a reader can tell whether it was
 * the bottleneck.
 *
 *   loadgen fanout --port P --sockets N --server-id S --channel-id C
 *       [--host 127.0.0.1] [--path /api/socket/io] [--transport ws|polling]
 *       [--auth '{"token":"..."}'] [--header 'Name: value']...
 *       [--burst M] [--inflight K] [--rate-posts M2] [--rate R]
 *       [--pids PID,...] [--db-name DB] [--connect-par 256]
 *       [--settle-ms 1500] [--drain-ms 8000] [--label NAME]
 *     Connects N sockets, measures the server's RSS before and after (idle),
 *     then a burst phase (M posts, K in flight) and a rate phase (M2 posts
 *     at R posts/s). Each post carries "bench:<run>:<seq>" as its content;
 *     every socket matches the sequence numbers it receives: deliveries,
 *     duplicates, losses, latency from the post's send time.
 *
 *   loadgen http --port P --target '/api/messages?...' [--method GET|POST]
 *       [--conns C] [--duration S | --count K] [--header ...] [--pids ...]
 *       [--db-name DB] [--label NAME]
 *     C keep-alive connections, one request in flight each: req/s,
 *     latency percentiles, non-2xx answers. POST bodies are
 *     {"content":"bench:<run>:<n>"}.
 *
 * Server CPU is read from /proc/<pid>/stat of every given pid and all its
 * descendants (all Kore workers and the parent; the Node process); the
 * database's from the PostgreSQL backends whose command line names
 * --db-name. One JSON object is printed on stdout; progress on stderr.
 */

#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ util */

static void
die(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fprintf(stderr, "loadgen: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL && n != 0)
		die("out of memory");
	return (p);
}

struct buf {
	char	*data;
	size_t	len;
	size_t	cap;
};

static void
buf_reserve(struct buf *b, size_t extra)
{
	size_t	cap;

	if (b->len + extra <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

static void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* A growable array of latencies in microseconds. */
struct lat {
	uint32_t	*v;
	size_t		n;
	size_t		cap;
};

static void
lat_add(struct lat *l, uint64_t ns)
{
	uint64_t	us = ns / 1000;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return ((x > y) - (x < y));
}

static void
lat_sort(struct lat *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_u32);
}

/* Percentile in milliseconds of a sorted array. */
static double
lat_pct(const struct lat *l, double p)
{
	size_t	i;

	if (l->n == 0)
		return (0);
	i = (size_t)(p / 100.0 * (double)(l->n - 1) + 0.5);
	if (i >= l->n)
		i = l->n - 1;
	return (l->v[i] / 1000.0);
}

/* ------------------------------------------------------------------ /proc */

static long	clk_tck;
static long	page_size;

struct pstat {
	int		pid;
	uint64_t	start;		/* starttime, tells reused pids apart */
	uint64_t	ticks;		/* utime + stime */
};

struct psnap {
	struct pstat	*v;
	size_t		n;
	uint64_t	rss;		/* bytes, server snapshots only */
};

static int	root_pids[16];
static int	nroot_pids;
static const char *db_name;

/* Reads /proc/<pid>/stat: ppid, utime+stime, starttime. */
static int
proc_stat(int pid, int *ppid, uint64_t *ticks, uint64_t *start)
{
	char		path[64], line[1024], *p;
	FILE		*f;
	int		field;
	unsigned long long v;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return (-1);
	}
	fclose(f);
	if ((p = strrchr(line, ')')) == NULL)
		return (-1);
	p += 2;			/* state */
	*ticks = 0;
	for (field = 3; *p != '\0'; field++) {
		v = strtoull(p, NULL, 10);
		if (field == 4)
			*ppid = (int)v;
		else if (field == 14 || field == 15)
			*ticks += v;
		else if (field == 22) {
			*start = v;
			break;
		}
		if ((p = strchr(p, ' ')) == NULL)
			break;
		p++;
	}
	return (0);
}

static uint64_t
proc_rss(int pid)
{
	char			path[64];
	FILE			*f;
	unsigned long long	size, res;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fscanf(f, "%llu %llu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (res * (uint64_t)page_size);
}

static int
cmdline_has(int pid, const char *needle)
{
	char	path[64], line[512];
	FILE	*f;
	size_t	n, i;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	for (i = 0; i < n; i++)
		if (line[i] == '\0')
			line[i] = ' ';
	line[n] = '\0';
	return (strncmp(line, "postgres: ", 10) == 0 && strstr(line, needle) != NULL);
}

/*
 * Snapshot of the server's process tree (db == 0: the roots and all their
 * descendants, with RSS) or of the database backends serving db_name.
 */
static void
psnap_take(struct psnap *s, int db)
{
	DIR		*d;
	struct dirent	*e;
	struct {
		int pid, ppid;
		uint64_t ticks, start;
	}		*all = NULL;
	size_t		nall = 0, cap = 0, i, j;
	int		pid, ppid = 0, changed, *in = NULL;
	uint64_t	ticks, start = 0;
	char		needle[160];

	s->n = 0;
	s->rss = 0;
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = atoi(e->d_name);
		if (proc_stat(pid, &ppid, &ticks, &start) == -1)
			continue;
		if (nall == cap) {
			cap = cap ? cap * 2 : 512;
			all = xrealloc(all, cap * sizeof(*all));
		}
		all[nall].pid = pid;
		all[nall].ppid = ppid;
		all[nall].ticks = ticks;
		all[nall].start = start;
		nall++;
	}
	closedir(d);
	in = calloc(nall ? nall : 1, sizeof(int));
	if (db) {
		if (db_name == NULL)
			goto out;
		snprintf(needle, sizeof(needle), " %s ", db_name);
		for (i = 0; i < nall; i++)
			in[i] = cmdline_has(all[i].pid, needle);
	} else {
		for (i = 0; i < nall; i++)
			for (j = 0; j < (size_t)nroot_pids; j++)
				if (all[i].pid == root_pids[j])
					in[i] = 1;
		do {
			changed = 0;
			for (i = 0; i < nall; i++) {
				if (in[i])
					continue;
				for (j = 0; j < nall; j++) {
					if (in[j] && all[j].pid == all[i].ppid) {
						in[i] = changed = 1;
						break;
					}
				}
			}
		} while (changed);
	}
	s->v = xrealloc(s->v, (nall ? nall : 1) * sizeof(*s->v));
	for (i = 0; i < nall; i++) {
		if (!in[i])
			continue;
		s->v[s->n].pid = all[i].pid;
		s->v[s->n].start = all[i].start;
		s->v[s->n].ticks = all[i].ticks;
		s->n++;
		if (!db)
			s->rss += proc_rss(all[i].pid);
	}
out:
	free(in);
	free(all);
}

/* CPU microseconds spent between two snapshots (new processes count whole). */
static double
psnap_cpu_us(const struct psnap *a, const struct psnap *b)
{
	size_t		i, j;
	uint64_t	t = 0, base;

	for (i = 0; i < b->n; i++) {
		base = 0;
		for (j = 0; j < a->n; j++) {
			if (a->v[j].pid == b->v[i].pid && a->v[j].start == b->v[i].start) {
				base = a->v[j].ticks;
				break;
			}
		}
		if (b->v[i].ticks > base)
			t += b->v[i].ticks - base;
	}
	return ((double)t * 1e6 / (double)clk_tck);
}

static double
self_cpu_us(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
	    (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec);
}

/* ------------------------------------------------------------------ options */

static const char	*opt_host = "127.0.0.1";
static int		 opt_port;
static const char	*opt_path = "/api/socket/io";
static int		 opt_sockets = 10;
static int		 opt_polling;
static const char	*opt_auth;
static const char	*opt_server_id;
static const char	*opt_channel_id;
static char		 opt_headers[4096];
static int		 opt_burst;
static int		 opt_inflight = 16;
static int		 opt_rate_posts;
static double		 opt_rate = 5;
static int		 opt_connect_par = 256;
static int		 opt_settle_ms = 1500;
static int		 opt_drain_ms = 8000;
static const char	*opt_label = "";
static const char	*opt_target;
static const char	*opt_method = "GET";
static int		 opt_conns = 8;
static double		 opt_duration = 5;
static long		 opt_count;
static int		 opt_verbose;
static int		 opt_coalesce_us = 500;
static int		 coalesce_us;

static struct sockaddr_in	server_addr;
static uint32_t			run_id;

/* ------------------------------------------------------------------ connections */

enum { K_WS, K_HTTP };
enum { ST_CLOSED, ST_CONNECTING, ST_UPGRADING, ST_OPEN };

struct conn {
	int		fd;
	uint8_t		kind;
	uint8_t		state;
	uint8_t		want_out;
	uint8_t		busy;		/* http: a request is in flight */
	uint8_t		resent;		/* http: the request was sent again */
	uint8_t		got;		/* http: response bytes arrived */
	struct buf	in;
	struct buf	out;
	struct buf	req;		/* http: request in flight */
	uint64_t	t_req;
	/* Callbacks: a WebSocket text/binary message, an HTTP response, a close. */
	void		(*on_ws)(struct conn *, const char *, size_t);
	void		(*on_http)(struct conn *, int, const char *, size_t);
	void		(*on_close)(struct conn *);
	void		*ud;
	int		aux;
};

static int		ep;
static char		scratch[1 << 16];
static uint64_t		mask_state = 0x9e3779b97f4a7c15ULL;

static void	conn_close(struct conn *, int);

static void
ep_mod(struct conn *c, int out)
{
	struct epoll_event	ev;

	if (c->want_out == out)
		return;
	ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		die("epoll_ctl mod: %s", strerror(errno));
	c->want_out = (uint8_t)out;
}

static int
conn_open(struct conn *c)
{
	struct epoll_event	ev;
	int			one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		fprintf(stderr, "loadgen: socket: %s\n", strerror(errno));
		return (-1);
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&server_addr, sizeof(server_addr)) == -1 &&
	    errno != EINPROGRESS) {
		fprintf(stderr, "loadgen: connect: %s\n", strerror(errno));
		close(c->fd);
		c->fd = -1;
		return (-1);
	}
	c->state = ST_CONNECTING;
	c->in.len = c->out.len = 0;
	c->want_out = 1;
	c->got = 0;
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		die("epoll_ctl add: %s", strerror(errno));
	return (0);
}

static void
conn_flush(struct conn *c)
{
	ssize_t	n;

	while (c->out.len > 0) {
		n = write(c->fd, c->out.data, c->out.len);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(c, 1);
			return;
		}
		buf_consume(&c->out, (size_t)n);
	}
	ep_mod(c, c->out.len > 0);
}

static void
conn_send(struct conn *c, const void *p, size_t n)
{
	buf_add(&c->out, p, n);
	if (c->state != ST_CONNECTING && c->state != ST_CLOSED)
		conn_flush(c);
}

/* One client WebSocket frame, FIN set, masked. */
static void
ws_send(struct conn *c, int op, const char *p, size_t n)
{
	uint8_t		hdr[14];
	size_t		h = 0, i;
	uint8_t		key[4];
	uint64_t	x;
	char		*dst;

	hdr[h++] = (uint8_t)(0x80 | op);
	if (n < 126) {
		hdr[h++] = (uint8_t)(0x80 | n);
	} else if (n < 65536) {
		hdr[h++] = 0x80 | 126;
		hdr[h++] = (uint8_t)(n >> 8);
		hdr[h++] = (uint8_t)n;
	} else {
		hdr[h++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			hdr[h++] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	}
	x = mask_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	mask_state = x;
	memcpy(key, &x, 4);
	memcpy(hdr + h, key, 4);
	h += 4;
	buf_reserve(&c->out, h + n);
	memcpy(c->out.data + c->out.len, hdr, h);
	dst = c->out.data + c->out.len + h;
	for (i = 0; i < n; i++)
		dst[i] = (char)(p[i] ^ key[i & 3]);
	c->out.len += h + n;
	if (c->state == ST_OPEN)
		conn_flush(c);
}

static void
http_send(struct conn *c, const char *req, size_t n)
{
	c->req.len = 0;
	buf_add(&c->req, req, n);
	c->busy = 1;
	c->resent = 0;
	c->got = 0;
	c->t_req = now_ns();
	if (c->state == ST_CLOSED && conn_open(c) == -1) {
		c->busy = 0;
		if (c->on_http != NULL)
			c->on_http(c, -1, NULL, 0);
		return;
	}
	conn_send(c, req, n);
}

static void
conn_close(struct conn *c, int error)
{
	struct linger	lg = { 1, 0 };

	if (c->state == ST_CLOSED)
		return;
	/* An abortive close: no TIME_WAIT pile-up across thousands of sockets. */
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->state = ST_CLOSED;
	c->in.len = c->out.len = 0;
	c->want_out = 0;
	if (c->kind == K_HTTP && c->busy && !c->got && !c->resent) {
		/* The server closed an idle keep-alive connection as we reused it. */
		c->resent = 1;
		if (conn_open(c) == 0) {
			conn_send(c, c->req.data, c->req.len);
			return;
		}
	}
	if (c->kind == K_HTTP && c->busy) {
		c->busy = 0;
		if (c->on_http != NULL)
			c->on_http(c, -1, NULL, 0);
		return;
	}
	if (c->on_close != NULL && (error || c->kind == K_WS))
		c->on_close(c);
}

static int
hdr_value(const char *h, size_t hlen, const char *name, const char **v, size_t *vlen)
{
	size_t		nl = strlen(name), i = 0, e;

	while (i < hlen) {
		e = i;
		while (e < hlen && h[e] != '\r')
			e++;
		if (e - i > nl && strncasecmp(h + i, name, nl) == 0 && h[i + nl] == ':') {
			i += nl + 1;
			while (i < e && h[i] == ' ')
				i++;
			*v = h + i;
			*vlen = e - i;
			return (1);
		}
		i = e + 2;
	}
	return (0);
}

/* Parses HTTP responses in c->in; returns the bytes consumed or 0. */
static size_t
http_parse(struct conn *c, const char *p, size_t n)
{
	const char	*end, *v;
	size_t		hlen, vlen, clen = 0;
	int		status, closeit = 0;

	if ((end = memmem(p, n, "\r\n\r\n", 4)) == NULL)
		return (0);
	hlen = (size_t)(end - p) + 4;
	if (n < 12 || strncmp(p, "HTTP/1.", 7) != 0) {
		fprintf(stderr, "loadgen: bad response\n");
		conn_close(c, 1);
		return (0);
	}
	status = atoi(p + 9);
	if (hdr_value(p, hlen, "content-length", &v, &vlen))
		clen = strtoul(v, NULL, 10);
	else if (hdr_value(p, hlen, "transfer-encoding", &v, &vlen)) {
		fprintf(stderr, "loadgen: chunked responses are not supported\n");
		conn_close(c, 1);
		return (0);
	}
	if (hdr_value(p, hlen, "connection", &v, &vlen) && vlen >= 5 &&
	    strncasecmp(v, "close", 5) == 0)
		closeit = 1;
	if (n < hlen + clen)
		return (0);
	if (c->kind == K_WS) {
		/* The upgrade answer. */
		if (status != 101) {
			fprintf(stderr, "loadgen: upgrade refused: %d\n", status);
			conn_close(c, 1);
			return (0);
		}
		c->state = ST_OPEN;
		if (c->out.len > 0)
			conn_flush(c);
		return (hlen);
	}
	if (!c->busy) {
		/*
		 * An answer to nothing: Kore sends 408 on a keep-alive connection
		 * idle for http_header_timeout, then closes it (RFC 9110 allows
		 * it). Drop the connection; the next request opens a new one.
		 */
		if (opt_verbose)
			fprintf(stderr, "loadgen: unsolicited %d on an idle connection\n", status);
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
		c->state = ST_CLOSED;
		c->want_out = 0;
		c->in.len = c->out.len = 0;
		return ((size_t)-1);
	}
	c->busy = 0;
	if (closeit) {
		/* Deliver first, then close without the resend logic. */
		c->on_http(c, status, p + hlen, clen);
		if (!c->busy) {
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			c->fd = -1;
			c->state = ST_CLOSED;
			c->want_out = 0;
			c->in.len = c->out.len = 0;
		} else {
			/* A new request was queued on a closing connection. */
			struct buf	keep = { NULL, 0, 0 };

			buf_add(&keep, c->req.data, c->req.len);
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			c->fd = -1;
			c->state = ST_CLOSED;
			c->want_out = 0;
			c->in.len = c->out.len = 0;
			if (conn_open(c) == 0)
				conn_send(c, keep.data, keep.len);
			buf_free(&keep);
		}
		return ((size_t)-1);
	}
	c->on_http(c, status, p + hlen, clen);
	return (hlen + clen);
}

/* Parses WebSocket frames; returns the bytes consumed. */
static size_t
ws_parse(struct conn *c, const char *p, size_t n)
{
	size_t		off = 0, h, len, i;
	int		op, masked;
	uint8_t		key[4];
	char		*q;

	while (n - off >= 2) {
		const uint8_t *b = (const uint8_t *)p + off;

		op = b[0] & 0x0f;
		masked = b[1] & 0x80;
		len = b[1] & 0x7f;
		h = 2;
		if (len == 126) {
			if (n - off < 4)
				break;
			len = ((size_t)b[2] << 8) | b[3];
			h = 4;
		} else if (len == 127) {
			if (n - off < 10)
				break;
			len = 0;
			for (i = 0; i < 8; i++)
				len = (len << 8) | b[2 + i];
			h = 10;
		}
		if (masked)
			h += 4;
		if (n - off < h + len)
			break;
		if (!(b[0] & 0x80) || op == 0) {
			fprintf(stderr, "loadgen: fragmented frames are not supported\n");
			conn_close(c, 1);
			return ((size_t)-1);
		}
		q = (char *)p + off + h;
		if (masked) {
			memcpy(key, b + h - 4, 4);
			for (i = 0; i < len; i++)
				q[i] ^= (char)key[i & 3];
		}
		off += h + len;
		switch (op) {
		case 1:
		case 2:
			c->on_ws(c, q, len);
			if (c->state == ST_CLOSED)
				return ((size_t)-1);
			break;
		case 8:
			conn_close(c, 0);
			return ((size_t)-1);
		case 9:
			ws_send(c, 10, q, len);
			break;
		default:
			break;
		}
	}
	return (off);
}

static size_t
conn_parse(struct conn *c, const char *p, size_t n)
{
	size_t	used = 0, r;

	for (;;) {
		if (c->state == ST_CLOSED)
			return ((size_t)-1);
		if (c->kind == K_WS && c->state == ST_OPEN) {
			r = ws_parse(c, p + used, n - used);
			if (r == (size_t)-1)
				return (r);
			return (used + r);
		}
		r = http_parse(c, p + used, n - used);
		if (r == (size_t)-1)
			return (r);
		if (r == 0)
			return (used);
		used += r;
		if (used == n)
			return (used);
	}
}

static void
conn_readable(struct conn *c)
{
	ssize_t	n;
	size_t	used;

	for (;;) {
		n = read(c->fd, scratch, sizeof(scratch));
		if (n == 0) {
			conn_close(c, c->kind == K_WS || c->busy);
			return;
		}
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_close(c, 1);
			return;
		}
		if (c->kind == K_HTTP)
			c->got = 1;
		if (c->in.len == 0) {
			used = conn_parse(c, scratch, (size_t)n);
			if (used == (size_t)-1)
				return;
			if (used < (size_t)n)
				buf_add(&c->in, scratch + used, (size_t)n - used);
		} else {
			buf_add(&c->in, scratch, (size_t)n);
			used = conn_parse(c, c->in.data, c->in.len);
			if (used == (size_t)-1)
				return;
			buf_consume(&c->in, used);
		}
		if ((size_t)n < sizeof(scratch))
			return;
	}
}

static void
conn_event(struct conn *c, uint32_t events)
{
	int		err = 0;
	socklen_t	len = sizeof(err);

	if (c->state == ST_CLOSED || c->fd == -1)
		return;
	if (c->state == ST_CONNECTING && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0) {
			conn_close(c, 1);
			return;
		}
		c->state = c->kind == K_WS ? ST_UPGRADING : ST_OPEN;
	}
	if (events & EPOLLOUT)
		conn_flush(c);
	if (c->state == ST_CLOSED)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_readable(c);
}

static int
loop_once(int timeout_ms)
{
	struct epoll_event	evs[512];
	int			n, i;

	n = epoll_wait(ep, evs, 512, timeout_ms);
	if (n == -1) {
		if (errno == EINTR)
			return (0);
		die("epoll_wait: %s", strerror(errno));
	}
	for (i = 0; i < n; i++)
		conn_event(evs[i].data.ptr, evs[i].events);
	/*
	 * Under load, let frames pile up for a moment: one wake-up and one
	 * read then serve many deliveries (the burst phase only: it measures
	 * throughput and CPU; the rate phase measures latency).
	 */
	if (coalesce_us > 0 && n > 0 && n < 512)
		usleep((useconds_t)coalesce_us);
	return (n);
}

/* ------------------------------------------------------------------ fan-out */

struct sock {
	struct conn	c;		/* the WebSocket, or the polling GETs */
	struct conn	p;		/* polling: POSTs */
	int		idx;
	uint8_t		connected;	/* Socket.IO CONNECT answered */
	uint8_t		failed;
	uint8_t		done;		/* counted as connected or failed */
	char		sid[48];
	struct buf	pending;	/* polling: packets waiting for a POST */
	uint32_t	polls;
};

struct phase {
	const char	*name;
	int		posts;
	int		first_seq;
	int		sent, acked, ok, errors;
	uint64_t	expected;
	uint64_t	delivered, dup;
	uint64_t	t_start, t_end, t_last;
	uint64_t	t_progress;
	struct lat	lat, post_lat;
	struct psnap	s0, s1, d0, d1;
	double		self0, self1;
	int		finished;
};

static struct sock	*socks;
static int		 nsocks_opened, nhandshaking, nconnected, nfailed, ndisconnects;
static uint8_t		*seen;		/* sockets x total posts */
static int		 total_posts;
static uint64_t		*post_t;	/* send time per seq */
static uint64_t		 foreign, unparsed;
static struct phase	 phases[2];
static struct phase	*cur;
static struct conn	*posters;
static int		 nposters;
static int		 next_seq;

static void	sock_packet(struct sock *, const char *, size_t);

static void
sock_fail(struct sock *s)
{
	if (s->done) {
		if (s->connected) {
			s->connected = 0;
			nconnected--;
			ndisconnects++;
		}
		return;
	}
	s->done = 1;
	s->failed = 1;
	nfailed++;
	nhandshaking--;
}

static void
ws_on_close(struct conn *c)
{
	sock_fail(c->ud);
}

static void
ws_on_message(struct conn *c, const char *p, size_t n)
{
	sock_packet(c->ud, p, n);
}

static void
ws_start(struct sock *s)
{
	struct buf	b = { NULL, 0, 0 };

	s->c.kind = K_WS;
	s->c.ud = s;
	s->c.on_ws = ws_on_message;
	s->c.on_close = ws_on_close;
	if (conn_open(&s->c) == -1) {
		sock_fail(s);
		return;
	}
	buf_printf(&b, "GET %s?EIO=4&transport=websocket HTTP/1.1\r\n"
	    "Host: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n", opt_path, opt_host, opt_port);
	conn_send(&s->c, b.data, b.len);
	buf_free(&b);
}

/* Sends an Engine.IO packet on the session's transport. */
static void
sock_send(struct sock *s, const char *p, size_t n)
{
	struct buf	b = { NULL, 0, 0 };

	if (!opt_polling) {
		ws_send(&s->c, 1, p, n);
		return;
	}
	if (s->pending.len > 0)
		buf_add(&s->pending, "\x1e", 1);
	buf_add(&s->pending, p, n);
	if (s->p.busy || s->sid[0] == '\0')
		return;
	buf_printf(&b, "POST %s?EIO=4&transport=polling&sid=%s HTTP/1.1\r\n"
	    "Host: %s:%d\r\nContent-Type: text/plain;charset=UTF-8\r\n"
	    "Content-Length: %zu\r\n\r\n", opt_path, s->sid, opt_host, opt_port,
	    s->pending.len);
	buf_add(&b, s->pending.data, s->pending.len);
	s->pending.len = 0;
	http_send(&s->p, b.data, b.len);
	buf_free(&b);
}

static void
poll_get(struct sock *s)
{
	struct buf	b = { NULL, 0, 0 };

	if (s->sid[0] == '\0')
		buf_printf(&b, "GET %s?EIO=4&transport=polling&t=h%d HTTP/1.1\r\n"
		    "Host: %s:%d\r\nAccept: */*\r\n\r\n", opt_path, s->idx, opt_host, opt_port);
	else
		buf_printf(&b, "GET %s?EIO=4&transport=polling&t=p%u&sid=%s HTTP/1.1\r\n"
		    "Host: %s:%d\r\nAccept: */*\r\n\r\n", opt_path, s->polls++, s->sid,
		    opt_host, opt_port);
	http_send(&s->c, b.data, b.len);
	buf_free(&b);
}

static void
poll_on_get(struct conn *c, int status, const char *body, size_t n)
{
	struct sock	*s = c->ud;
	size_t		i, st;

	if (status != 200) {
		if (s->connected || !s->done)
			fprintf(stderr, "loadgen: poll GET answered %d\n", status);
		sock_fail(s);
		if (c->state != ST_CLOSED)
			conn_close(c, 0);
		return;
	}
	if (s->sid[0] == '\0') {
		const char	*v = memmem(body, n, "\"sid\":\"", 7);
		size_t		k = 0;

		if (n == 0 || body[0] != '0' || v == NULL) {
			sock_fail(s);
			return;
		}
		v += 7;
		while (v < body + n && *v != '"' && k < sizeof(s->sid) - 1)
			s->sid[k++] = *v++;
		s->sid[k] = '\0';
		sock_packet(s, body, n);	/* the open packet: sends CONNECT */
		poll_get(s);
		return;
	}
	for (i = st = 0; i <= n; i++) {
		if (i == n || body[i] == '\x1e') {
			if (i > st)
				sock_packet(s, body + st, i - st);
			st = i + 1;
		}
	}
	if (!s->failed && (s->connected || !s->done))
		poll_get(s);
}

static void
poll_on_post(struct conn *c, int status, const char *body, size_t n)
{
	struct sock	*s = c->ud;

	if (status != 200) {
		fprintf(stderr, "loadgen: poll POST answered %d\n", status);
		sock_fail(s);
		return;
	}
	if (s->pending.len > 0) {
		struct buf	keep = { NULL, 0, 0 };

		buf_add(&keep, s->pending.data, s->pending.len);
		s->pending.len = 0;
		sock_send(s, keep.data, keep.len);
		buf_free(&keep);
	}
}

static void
poll_on_close(struct conn *c)
{
	/* Idle keep-alive closes are fine; the next request reconnects. */
}

static void
poll_start(struct sock *s)
{
	s->c.kind = s->p.kind = K_HTTP;
	s->c.ud = s->p.ud = s;
	s->c.on_http = poll_on_get;
	s->p.on_http = poll_on_post;
	s->c.on_close = s->p.on_close = poll_on_close;
	s->c.fd = s->p.fd = -1;
	poll_get(s);
}

static void
delivery(struct sock *s, const char *p, size_t n)
{
	const char	*v, *w, *e = p + n;
	uint32_t	run;
	unsigned long	seq;
	char		*end;
	uint64_t	t;
	size_t		bit;
	struct phase	*ph;

	/* "content":"bench:<run>:<seq>", with or without blanks (PostgreSQL's
	 * json_build_object writes "key" : value). */
	for (v = p;; v += 9) {
		if ((v = memmem(v, (size_t)(e - v), "\"content\"", 9)) == NULL) {
			unparsed++;
			return;
		}
		w = v + 9;
		while (w < e && (*w == ' ' || *w == ':'))
			w++;
		if (e - w > 7 && memcmp(w, "\"bench:", 7) == 0)
			break;
	}
	v = w + 7;
	run = (uint32_t)strtoul(v, &end, 16);
	if (run != run_id || end >= e || *end != ':') {
		foreign++;
		return;
	}
	seq = strtoul(end + 1, &end, 10);
	if (seq >= (unsigned long)total_posts || post_t[seq] == 0) {
		foreign++;
		return;
	}
	t = now_ns();
	ph = seq < (unsigned long)phases[0].posts ? &phases[0] : &phases[1];
	bit = (size_t)s->idx * (size_t)total_posts + seq;
	if (seen[bit >> 3] & (1 << (bit & 7))) {
		ph->dup++;
		return;
	}
	seen[bit >> 3] |= (uint8_t)(1 << (bit & 7));
	ph->delivered++;
	ph->t_last = ph->t_progress = t;
	lat_add(&ph->lat, t - post_t[seq]);
}

static void
sock_packet(struct sock *s, const char *p, size_t n)
{
	struct buf	b = { NULL, 0, 0 };

	if (n == 0)
		return;
	switch (p[0]) {
	case '0':		/* open: CONNECT to the main namespace */
		buf_add(&b, "40", 2);
		if (opt_auth != NULL)
			buf_add(&b, opt_auth, strlen(opt_auth));
		sock_send(s, b.data, b.len);
		buf_free(&b);
		break;
	case '2':		/* ping */
		sock_send(s, "3", 1);
		break;
	case '1':		/* close */
		sock_fail(s);
		break;
	case '4':
		if (n >= 2 && p[1] == '2') {
			if (s->connected)
				delivery(s, p, n);
		} else if (n >= 2 && p[1] == '0') {
			if (!s->done) {
				s->done = 1;
				s->connected = 1;
				nconnected++;
				nhandshaking--;
			}
		} else if (n >= 2 && p[1] == '4') {
			if (!s->done)
				fprintf(stderr, "loadgen: CONNECT refused: %.*s\n", (int)n, p);
			sock_fail(s);
		}
		break;
	default:
		break;
	}
}

/* --- posting */

static void
poster_on_http(struct conn *c, int status, const char *body, size_t n)
{
	int		seq = c->aux;
	struct phase	*ph = seq < phases[0].posts ? &phases[0] : &phases[1];
	uint64_t	t = now_ns();

	ph->acked++;
	ph->t_progress = t;
	if (status == 200 || status == 201) {
		ph->ok++;
		ph->expected += (uint64_t)nconnected;
		lat_add(&ph->post_lat, t - post_t[seq]);
	} else {
		ph->errors++;
		if (ph->errors <= 3)
			fprintf(stderr, "loadgen: post answered %d: %.*s\n", status,
			    (int)(n > 200 ? 200 : n), body ? body : "");
	}
}

static void
poster_post(struct conn *c, int seq)
{
	struct buf	b = { NULL, 0, 0 };
	char		content[96];
	int		clen;

	clen = snprintf(content, sizeof(content), "{\"content\":\"bench:%08x:%d\"}", run_id, seq);
	buf_printf(&b, "POST /api/socket/messages?serverId=%s&channelId=%s HTTP/1.1\r\n"
	    "Host: %s:%d\r\nContent-Type: application/json\r\n%s"
	    "Content-Length: %d\r\n\r\n%s", opt_server_id, opt_channel_id,
	    opt_host, opt_port, opt_headers, clen, content);
	c->aux = seq;
	post_t[seq] = now_ns();
	http_send(c, b.data, b.len);
	buf_free(&b);
}

static struct conn *
poster_free(void)
{
	int	i;

	for (i = 0; i < nposters; i++)
		if (!posters[i].busy)
			return (&posters[i]);
	return (NULL);
}

static void
phase_start(struct phase *ph)
{
	cur = ph;
	psnap_take(&ph->s0, 0);
	psnap_take(&ph->d0, 1);
	ph->self0 = self_cpu_us();
	ph->t_start = ph->t_progress = now_ns();
	coalesce_us = ph == &phases[0] ? opt_coalesce_us : 0;
	fprintf(stderr, "loadgen: %s phase: %d posts\n", ph->name, ph->posts);
}

static void
phase_end(struct phase *ph)
{
	coalesce_us = 0;
	ph->t_end = ph->t_last > ph->t_start ? ph->t_last : now_ns();
	ph->self1 = self_cpu_us();
	psnap_take(&ph->s1, 0);
	psnap_take(&ph->d1, 1);
	ph->finished = 1;
	lat_sort(&ph->lat);
	lat_sort(&ph->post_lat);
}

/* Drives a phase; returns 1 when it is over. */
static int
phase_step(struct phase *ph, int rate, uint64_t *next_due)
{
	struct conn	*c;
	uint64_t	t = now_ns(), interval;
	int		due;

	while (ph->sent < ph->posts) {
		if (rate) {
			interval = (uint64_t)(1e9 / opt_rate);
			due = (int)((t - ph->t_start) / interval) + 1;
			if (ph->sent >= due) {
				*next_due = ph->t_start + (uint64_t)ph->sent * interval;
				break;
			}
		}
		if ((c = poster_free()) == NULL)
			break;
		poster_post(c, next_seq++);
		ph->sent++;
	}
	if (ph->acked < ph->posts)
		return (0);
	if (ph->delivered >= ph->expected && ph->dup == 0)
		return (1);
	if (t - ph->t_progress > (uint64_t)opt_drain_ms * 1000000ULL)
		return (1);
	return (0);
}

static void
phase_json(struct buf *o, struct phase *ph)
{
	double	dur = (double)(ph->t_end - ph->t_start) / 1e9;
	double	scpu = psnap_cpu_us(&ph->s0, &ph->s1);
	double	dcpu = psnap_cpu_us(&ph->d0, &ph->d1);
	double	lcpu = ph->self1 - ph->self0;
	double	d = ph->delivered ? (double)ph->delivered : 1;
	long long lost = (long long)ph->expected - (long long)ph->delivered;

	buf_printf(o, "\"%s\":{\"posts\":%d,\"posts_ok\":%d,\"post_errors\":%d,"
	    "\"expected\":%" PRIu64 ",\"delivered\":%" PRIu64 ",\"lost\":%lld,"
	    "\"dup\":%" PRIu64 ",\"duration_s\":%.3f,\"deliveries_per_s\":%.1f,"
	    "\"lat_p50_ms\":%.3f,\"lat_p99_ms\":%.3f,\"lat_max_ms\":%.3f,"
	    "\"post_p50_ms\":%.3f,\"post_p99_ms\":%.3f,"
	    "\"server_cpu_us\":%.0f,\"server_cpu_us_per_delivery\":%.3f,"
	    "\"db_cpu_us_per_post\":%.1f,"
	    "\"loadgen_cpu_us\":%.0f,\"loadgen_cpu_us_per_delivery\":%.3f}",
	    ph->name, ph->posts, ph->ok, ph->errors, ph->expected, ph->delivered,
	    lost < 0 ? 0 : lost, ph->dup, dur, dur > 0 ? (double)ph->delivered / dur : 0,
	    lat_pct(&ph->lat, 50), lat_pct(&ph->lat, 99), lat_pct(&ph->lat, 100),
	    lat_pct(&ph->post_lat, 50), lat_pct(&ph->post_lat, 99),
	    scpu, scpu / d, ph->ok ? dcpu / ph->ok : 0, lcpu, lcpu / d);
}

static int
run_fanout(void)
{
	struct psnap	base = { 0 }, idle = { 0 };
	uint64_t	t0, t_conn_end = 0, t_settle = 0, next_due, deadline;
	int		i, stage = 0;
	struct buf	o = { NULL, 0, 0 };
	size_t		bits;

	if (opt_server_id == NULL || opt_channel_id == NULL)
		if (opt_burst + opt_rate_posts > 0)
			die("fanout: --server-id and --channel-id are needed to post");
	socks = calloc((size_t)opt_sockets, sizeof(*socks));
	if (socks == NULL)
		die("out of memory");
	total_posts = opt_burst + opt_rate_posts;
	bits = (size_t)opt_sockets * (size_t)(total_posts ? total_posts : 1);
	seen = calloc(bits / 8 + 1, 1);
	post_t = calloc((size_t)(total_posts ? total_posts : 1), sizeof(*post_t));
	nposters = opt_inflight > 4 ? opt_inflight : 4;
	posters = calloc((size_t)nposters, sizeof(*posters));
	if (seen == NULL || post_t == NULL || posters == NULL)
		die("out of memory");
	for (i = 0; i < nposters; i++) {
		posters[i].kind = K_HTTP;
		posters[i].fd = -1;
		posters[i].on_http = poster_on_http;
	}
	phases[0].name = "burst";
	phases[0].posts = opt_burst;
	phases[1].name = "rate";
	phases[1].posts = opt_rate_posts;
	phases[1].first_seq = opt_burst;

	psnap_take(&base, 0);
	t0 = now_ns();
	deadline = t0 + (uint64_t)(30 + opt_sockets / 100) * 1000000000ULL;
	next_due = 0;
	for (;;) {
		int	timeout = 10;

		if (stage == 0) {
			while (nsocks_opened < opt_sockets && nhandshaking < opt_connect_par) {
				struct sock *s = &socks[nsocks_opened];

				s->idx = nsocks_opened++;
				nhandshaking++;
				if (opt_polling)
					poll_start(s);
				else
					ws_start(s);
			}
			if (nconnected + nfailed >= opt_sockets || now_ns() > deadline) {
				t_conn_end = now_ns();
				fprintf(stderr, "loadgen: %d/%d sockets connected in %.2f s (%d failed)\n",
				    nconnected, opt_sockets, (double)(t_conn_end - t0) / 1e9, nfailed);
				t_settle = t_conn_end + (uint64_t)opt_settle_ms * 1000000ULL;
				stage = 1;
			}
		} else if (stage == 1) {
			if (now_ns() >= t_settle) {
				psnap_take(&idle, 0);
				stage = 2;
				if (opt_burst > 0)
					phase_start(&phases[0]);
			}
		} else if (stage == 2) {
			if (opt_burst == 0 || phase_step(&phases[0], 0, &next_due)) {
				if (opt_burst > 0)
					phase_end(&phases[0]);
				stage = 3;
				/* A pause: the server drains what the burst left behind. */
				t_settle = now_ns() + (opt_burst > 0 ? 1000000000ULL : 0);
			}
		} else if (stage == 3) {
			if (now_ns() >= t_settle) {
				stage = 4;
				if (opt_rate_posts > 0)
					phase_start(&phases[1]);
			}
		} else if (stage == 4) {
			next_due = 0;
			if (opt_rate_posts == 0 || phase_step(&phases[1], 1, &next_due)) {
				if (opt_rate_posts > 0)
					phase_end(&phases[1]);
				break;
			}
			if (next_due) {
				uint64_t t = now_ns();

				timeout = next_due > t ? (int)((next_due - t) / 1000000) : 0;
				if (timeout > 10)
					timeout = 10;
			}
		}
		loop_once(timeout);
	}

	buf_printf(&o, "{\"mode\":\"fanout\",\"label\":\"%s\",\"transport\":\"%s\","
	    "\"sockets\":%d,\"connected\":%d,\"connect_failed\":%d,\"disconnects\":%d,"
	    "\"connect_s\":%.3f,\"server_procs\":%zu,\"rss_before\":%" PRIu64 ","
	    "\"rss_idle\":%" PRIu64 ",\"rss_per_socket\":%.1f,\"foreign\":%" PRIu64 ","
	    "\"unparsed\":%" PRIu64 "",
	    opt_label, opt_polling ? "polling" : "websocket", opt_sockets, nconnected,
	    nfailed, ndisconnects, (double)(t_conn_end - t0) / 1e9, idle.n, base.rss, idle.rss,
	    nconnected ? ((double)idle.rss - (double)base.rss) / nconnected : 0, foreign,
	    unparsed);
	for (i = 0; i < 2; i++) {
		if (phases[i].posts == 0)
			continue;
		buf_add(&o, ",", 1);
		phase_json(&o, &phases[i]);
	}
	buf_add(&o, "}\n", 2);
	fwrite(o.data, 1, o.len, stdout);
	fflush(stdout);
	for (i = 0; i < nsocks_opened; i++) {
		conn_close(&socks[i].c, 0);
		conn_close(&socks[i].p, 0);
	}
	for (i = 0; i < nposters; i++)
		conn_close(&posters[i], 0);
	return (0);
}

/* ------------------------------------------------------------------ http */

static uint64_t	http_deadline;
static long	http_sent, http_done, http_ok, http_err, http_fail;
static struct lat http_lat;
static long	body_seq;

static void	http_next(struct conn *);

static void
http_on_response(struct conn *c, int status, const char *body, size_t n)
{
	http_done++;
	if (status < 0) {
		http_fail++;
	} else if (status >= 200 && status < 300) {
		http_ok++;
		lat_add(&http_lat, now_ns() - c->t_req);
	} else {
		http_err++;
		if (http_err <= 3)
			fprintf(stderr, "loadgen: answered %d: %.*s\n", status,
			    (int)(n > 200 ? 200 : n), body ? body : "");
	}
	http_next(c);
}

static void
http_next(struct conn *c)
{
	struct buf	b = { NULL, 0, 0 };
	char		content[96];
	int		clen;

	if (opt_count > 0 ? http_sent >= opt_count : now_ns() >= http_deadline)
		return;
	if (http_fail > 1000)
		return;
	http_sent++;
	if (strcmp(opt_method, "POST") == 0) {
		clen = snprintf(content, sizeof(content),
		    "{\"content\":\"bench:%08x:%ld\"}", run_id, body_seq++);
		buf_printf(&b, "POST %s HTTP/1.1\r\nHost: %s:%d\r\n"
		    "Content-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s",
		    opt_target, opt_host, opt_port, opt_headers, clen, content);
	} else {
		buf_printf(&b, "%s %s HTTP/1.1\r\nHost: %s:%d\r\n%s\r\n", opt_method,
		    opt_target, opt_host, opt_port, opt_headers);
	}
	http_send(c, b.data, b.len);
	buf_free(&b);
}

static int
run_http(void)
{
	struct conn	*cs;
	struct psnap	s0 = { 0 }, s1 = { 0 }, d0 = { 0 }, d1 = { 0 };
	uint64_t	t0, t1;
	double		self0, self1, dur, scpu, dcpu;
	int		i, busy;

	if (opt_target == NULL)
		die("http: --target is needed");
	cs = calloc((size_t)opt_conns, sizeof(*cs));
	if (cs == NULL)
		die("out of memory");
	psnap_take(&s0, 0);
	psnap_take(&d0, 1);
	self0 = self_cpu_us();
	t0 = now_ns();
	http_deadline = t0 + (uint64_t)(opt_duration * 1e9);
	for (i = 0; i < opt_conns; i++) {
		cs[i].kind = K_HTTP;
		cs[i].fd = -1;
		cs[i].on_http = http_on_response;
		http_next(&cs[i]);
	}
	for (;;) {
		busy = 0;
		for (i = 0; i < opt_conns; i++)
			busy += cs[i].busy;
		if (busy == 0)
			break;
		if (now_ns() > http_deadline + 30000000000ULL)
			break;
		loop_once(50);
	}
	t1 = now_ns();
	self1 = self_cpu_us();
	psnap_take(&s1, 0);
	psnap_take(&d1, 1);
	lat_sort(&http_lat);
	dur = (double)(t1 - t0) / 1e9;
	scpu = psnap_cpu_us(&s0, &s1);
	dcpu = psnap_cpu_us(&d0, &d1);
	printf("{\"mode\":\"http\",\"label\":\"%s\",\"method\":\"%s\",\"conns\":%d,"
	    "\"requests\":%ld,\"ok\":%ld,\"non_2xx\":%ld,\"failed\":%ld,\"duration_s\":%.3f,"
	    "\"req_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
	    "\"server_cpu_us_per_req\":%.1f,\"db_cpu_us_per_req\":%.1f,"
	    "\"loadgen_cpu_us_per_req\":%.1f,\"server_procs\":%zu}\n",
	    opt_label, opt_method, opt_conns, http_done, http_ok, http_err, http_fail, dur,
	    (double)http_ok / dur, lat_pct(&http_lat, 50), lat_pct(&http_lat, 99),
	    lat_pct(&http_lat, 100), http_ok ? scpu / http_ok : 0, http_ok ? dcpu / http_ok : 0,
	    http_ok ? (self1 - self0) / http_ok : 0, s1.n);
	fflush(stdout);
	for (i = 0; i < opt_conns; i++)
		conn_close(&cs[i], 0);
	return (http_ok > 0 && http_fail == 0 ? 0 : 1);
}

/* ------------------------------------------------------------------ main */

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen fanout|http --port P [options] (see the source)\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char	*mode, *a, *v;
	int		i, rc;
	char		*pids, *tok;
	struct rlimit	rl;
	struct timespec	ts;
	size_t		hl;

	if (argc < 2)
		usage();
	mode = argv[1];
	for (i = 2; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "-v") == 0) {
			opt_verbose = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		v = argv[++i];
		if (!strcmp(a, "--host")) opt_host = v;
		else if (!strcmp(a, "--port")) opt_port = atoi(v);
		else if (!strcmp(a, "--path")) opt_path = v;
		else if (!strcmp(a, "--sockets")) opt_sockets = atoi(v);
		else if (!strcmp(a, "--transport")) opt_polling = !strcmp(v, "polling");
		else if (!strcmp(a, "--auth")) opt_auth = v;
		else if (!strcmp(a, "--server-id")) opt_server_id = v;
		else if (!strcmp(a, "--channel-id")) opt_channel_id = v;
		else if (!strcmp(a, "--burst")) opt_burst = atoi(v);
		else if (!strcmp(a, "--inflight")) opt_inflight = atoi(v);
		else if (!strcmp(a, "--rate-posts")) opt_rate_posts = atoi(v);
		else if (!strcmp(a, "--rate")) opt_rate = atof(v);
		else if (!strcmp(a, "--connect-par")) opt_connect_par = atoi(v);
		else if (!strcmp(a, "--settle-ms")) opt_settle_ms = atoi(v);
		else if (!strcmp(a, "--drain-ms")) opt_drain_ms = atoi(v);
		else if (!strcmp(a, "--label")) opt_label = v;
		else if (!strcmp(a, "--coalesce-us")) opt_coalesce_us = atoi(v);
		else if (!strcmp(a, "--target")) opt_target = v;
		else if (!strcmp(a, "--method")) opt_method = v;
		else if (!strcmp(a, "--conns")) opt_conns = atoi(v);
		else if (!strcmp(a, "--duration")) opt_duration = atof(v);
		else if (!strcmp(a, "--count")) opt_count = atol(v);
		else if (!strcmp(a, "--db-name")) db_name = v;
		else if (!strcmp(a, "--header")) {
			hl = strlen(opt_headers);
			if (hl + strlen(v) + 3 >= sizeof(opt_headers))
				die("too many headers");
			snprintf(opt_headers + hl, sizeof(opt_headers) - hl, "%s\r\n", v);
		} else if (!strcmp(a, "--pids")) {
			pids = strdup(v);
			for (tok = strtok(pids, ","); tok && nroot_pids < 16; tok = strtok(NULL, ","))
				root_pids[nroot_pids++] = atoi(tok);
			free(pids);
		} else
			usage();
	}
	if (opt_port <= 0 || opt_sockets <= 0 || opt_inflight <= 0 || opt_conns <= 0 ||
	    opt_rate <= 0)
		usage();
	clk_tck = sysconf(_SC_CLK_TCK);
	page_size = sysconf(_SC_PAGESIZE);
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	run_id = (uint32_t)(ts.tv_nsec ^ (ts.tv_sec << 12) ^ ((uint32_t)getpid() << 20));
	memset(&server_addr, 0, sizeof(server_addr));
	server_addr.sin_family = AF_INET;
	server_addr.sin_port = htons((uint16_t)opt_port);
	if (inet_pton(AF_INET, opt_host, &server_addr.sin_addr) != 1)
		die("--host must be an IPv4 address");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1: %s", strerror(errno));
	if (!strcmp(mode, "fanout"))
		rc = run_fanout();
	else if (!strcmp(mode, "http"))
		rc = run_http();
	else
		usage();
	return (rc);
}
