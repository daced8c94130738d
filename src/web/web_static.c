/*
 * src/web/web_static.c: serving the embedded web client (see web.h).
 *
 * Layer: top (next to api/); uses only Kore's HTTP API and the asset
 * arrays kodev generates from assets/. The table below lists every file
 * the client consists of; a file added to assets/ is served once it has
 * a line here (unknown names get 404, so nothing else in the binary can be
 * reached through a crafted path).
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <string.h>
#include <strings.h>

#include "assets.h"
#include "web/web.h"

/* Hex digits of the sha256 that assets_stage puts into "?v=". */
#define WEB_VERSION_LEN		16

#define WEB_CACHE_IMMUTABLE	"public, max-age=31536000, immutable"
#define WEB_CACHE_REVALIDATE	"no-cache"

/*
 * No inline script or style anywhere: the client is ES modules and one
 * stylesheet. Images may come from anywhere over http(s) because messages
 * show image URLs that users post (rendered as <img src>, never as HTML).
 */
#define WEB_CSP								\
	"default-src 'self'; script-src 'self'; style-src 'self'; "	\
	"img-src 'self' https: http: data:; connect-src 'self' wss: ws:; " \
	"font-src 'self'; object-src 'none'; base-uri 'none'; "		\
	"form-action 'self'; frame-ancestors 'none'"

struct web_file {
	const char		*path;		/* URL path, "/name.ext" */
	const u_int8_t		*data;		/* asset bytes (NUL after end) */
	const u_int32_t		*len;		/* asset length, NUL excluded */
	const char		**etag;		/* "\"<sha256 hex>\"" */
	const u_int8_t		*gz;		/* gzip twin (NAME.gz), or NULL */
	const u_int32_t		*gz_len;
	const char		**gz_etag;	/* the twin's own digest */
	const char		*type;		/* content-type */
};

/* A text file with its gzip twin, and a file served as is. */
#define WEB_FILE(p, n, t)						\
	{ p, asset_##n, &asset_len_##n, &asset_sha256_##n,		\
	    asset_##n##_gz, &asset_len_##n##_gz, &asset_sha256_##n##_gz, t }
#define WEB_FILE_RAW(p, n, t)						\
	{ p, asset_##n, &asset_len_##n, &asset_sha256_##n,		\
	    NULL, NULL, NULL, t }

#define WEB_JS		"text/javascript; charset=utf-8"

static const struct web_file	web_files[] = {
	WEB_FILE("/index.html", index_html, "text/html; charset=utf-8"),
	WEB_FILE("/app.css", app_css, "text/css; charset=utf-8"),
	WEB_FILE("/app.js", app_js, WEB_JS),
	WEB_FILE("/web-api.js", web_api_js, WEB_JS),
	WEB_FILE("/web-live.js", web_live_js, WEB_JS),
	WEB_FILE("/web-chat.js", web_chat_js, WEB_JS),
	WEB_FILE("/web-dom.js", web_dom_js, WEB_JS),
	WEB_FILE("/web-views.js", web_views_js, WEB_JS),
	WEB_FILE("/favicon.svg", favicon_svg, "image/svg+xml"),
	WEB_FILE("/vendor-socketio.js", vendor_socketio_js, WEB_JS),
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static const struct web_file	*web_lookup(const char *);
static int	web_versioned(struct http_request *, const struct web_file *);
static int	web_not_modified(struct http_request *, const char *);
static int	web_accepts_gzip(struct http_request *);
static void	web_common_headers(struct http_request *);
static int	web_serve(struct http_request *, const struct web_file *,
		    int);

int
web_page(struct http_request *req)
{
	return (web_serve(req, &web_files[0], 0));
}

int
web_asset(struct http_request *req)
{
	const struct web_file	*f;

	if ((f = web_lookup(req->path)) == NULL) {
		web_common_headers(req);
		http_response_header(req, "content-type",
		    "text/plain; charset=utf-8");
		http_response_header(req, "cache-control", WEB_CACHE_REVALIDATE);
		http_response(req, HTTP_STATUS_NOT_FOUND, "not found\n", 10);
		return (KORE_RESULT_OK);
	}

	/* index.html itself is never cached for long: it names the rest. */
	return (web_serve(req, f, f != &web_files[0] &&
	    web_versioned(req, f)));
}

static const struct web_file *
web_lookup(const char *path)
{
	const struct web_file	*f;

	for (f = web_files; f->path != NULL; f++) {
		if (!strcmp(f->path, path))
			return (f);
	}

	return (NULL);
}

/*
 * True when the query string has v=<first WEB_VERSION_LEN hex of this
 * file's sha256>, the name assets_stage wrote: only then is the content
 * bound to the URL, so only then may the browser keep it for a year. A
 * stale or made-up version still gets the file, revalidated each time.
 */
static int
web_versioned(struct http_request *req, const struct web_file *f)
{
	const char	*qs, *v, *etag;
	size_t		len;

	if ((qs = req->query_string) == NULL)
		return (0);

	for (v = qs; v != NULL; v = strchr(v, '&')) {
		if (*v == '&')
			v++;
		if (strncmp(v, "v=", 2))
			continue;
		v += 2;
		len = strcspn(v, "&");
		etag = *f->etag;
		/* The ETag is the quoted hex digest: skip the quote. */
		if (len == WEB_VERSION_LEN && etag[0] == '"' &&
		    strlen(etag) > WEB_VERSION_LEN + 1 &&
		    !strncmp(v, etag + 1, WEB_VERSION_LEN))
			return (1);
		return (0);
	}

	return (0);
}

/*
 * Accept-Encoding lists gzip (or "*") with a weight other than zero. A
 * client that says nothing gets the identity bytes.
 */
static int
web_accepts_gzip(struct http_request *req)
{
	const char	*ae, *p, *end, *q;
	size_t		 len;

	if (!http_request_header(req, "accept-encoding", &ae))
		return (0);

	for (p = ae; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
		p += strspn(p, " \t");
		end = p + strcspn(p, ",");
		len = strcspn(p, " \t;,");
		if (!(len == 4 && !strncasecmp(p, "gzip", 4)) &&
		    !(len == 1 && *p == '*'))
			continue;
		/* "gzip;q=0", "gzip; q=0.000": explicitly not wanted. */
		if ((q = strstr(p, "q=")) != NULL && q < end &&
		    q[2] == '0' && strspn(q + 3, ".0") == (size_t)(end - q - 3))
			return (0);
		return (1);
	}

	return (0);
}

/* If-None-Match: "*", the ETag itself, or a list holding it (RFC 9110). */
static int
web_not_modified(struct http_request *req, const char *etag)
{
	const char	*inm;

	if (!http_request_header(req, "if-none-match", &inm))
		return (0);

	if (!strcmp(inm, "*"))
		return (1);

	return (strstr(inm, etag) != NULL);
}

static void
web_common_headers(struct http_request *req)
{
	http_response_header(req, "content-security-policy", WEB_CSP);
	http_response_header(req, "x-content-type-options", "nosniff");
	http_response_header(req, "referrer-policy", "same-origin");
	http_response_header(req, "x-frame-options", "DENY");
}

static int
web_serve(struct http_request *req, const struct web_file *f, int immutable)
{
	const u_int8_t		*data;
	u_int32_t		 len;
	const char		*etag;

	web_common_headers(req);

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD) {
		http_response_header(req, "allow", "GET, HEAD");
		http_response_header(req, "content-type",
		    "text/plain; charset=utf-8");
		http_response(req, HTTP_STATUS_METHOD_NOT_ALLOWED,
		    "method not allowed\n", 19);
		return (KORE_RESULT_OK);
	}

	http_response_header(req, "cache-control",
	    immutable ? WEB_CACHE_IMMUTABLE : WEB_CACHE_REVALIDATE);

	data = f->data;
	len = *f->len;
	etag = *f->etag;
	if (f->gz != NULL) {
		http_response_header(req, "vary", "accept-encoding");
		/* Each encoding has its own strong ETag (RFC 9110 8.8.3). */
		if (*f->gz_len < len && web_accepts_gzip(req)) {
			http_response_header(req, "content-encoding", "gzip");
			data = f->gz;
			len = *f->gz_len;
			etag = *f->gz_etag;
		}
	}
	http_response_header(req, "etag", etag);

	if (web_not_modified(req, etag)) {
		http_response(req, HTTP_STATUS_NOT_MODIFIED, NULL, 0);
		return (KORE_RESULT_OK);
	}

	http_response_header(req, "content-type", f->type);
	/* Kore sends the headers and content-length but no body for HEAD. */
	http_response(req, HTTP_STATUS_OK, data, len);

	return (KORE_RESULT_OK);
}
