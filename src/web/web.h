/*
 * src/web/web.h: the web client, served from the binary.
 *
 * The files in assets/ are compiled into the module by kodev (symbols
 * asset_<name>_<ext> in the generated "assets.h"); kore.build's
 * assets_stage adds vendor-socketio.js (socket.io-client's ESM build, from
 * npm), rewrites every local reference to "<file>?v=<16 hex of the
 * file's sha256>" and adds a gzip twin (<file>.gz) of each text file. This
 * module answers GET and HEAD for them itself
 * (Kore's generated asset_serve_* answer HEAD with 400) with an ETag,
 * a long immutable cache lifetime for versioned URLs, and the security
 * headers every page needs (CSP without inline script, nosniff, ...).
 *
 * Routes (conf/parley.conf, before the /api/ catch-all):
 *	route	^/(login|signup)?$		web_page
 *	route	^/servers/[^/]+(/.*)?$		web_page
 *	route	^/invite/[^/]+$			web_page
 *	route	^/[A-Za-z0-9_-]+\.[a-z]+$	web_asset
 * Nothing needs to be called from init.c: the module has no state.
 */
#ifndef WEB_H
#define WEB_H

#include <kore/kore.h>
#include <kore/http.h>

/*
 * Route handler for the single page's client routes (/, /login,
 * /servers/..., /invite/...): answers GET and HEAD with index.html,
 * "cache-control: no-cache" and its ETag (304 on If-None-Match), 405
 * for other methods. Always answers; returns KORE_RESULT_OK.
 */
int	web_page(struct http_request *);

/*
 * Route handler for the static files: looks the path up in the table of
 * embedded assets (404 text/plain when unknown), answers GET and HEAD with
 * content-type, ETag, 304 on a matching If-None-Match, the gzip twin when
 * Accept-Encoding allows it (its own ETag, "vary: accept-encoding"), and
 * "public, max-age=31536000, immutable" when the query string carries the
 * file's own version (v=<16 hex of its sha256>), "no-cache" otherwise.
 * Always answers; returns KORE_RESULT_OK.
 */
int	web_asset(struct http_request *);

#endif /* !WEB_H */
