/*
 * src/api/api_json.c: request and response plumbing shared by every REST
 * handler: the error shape, body parsing with limits, the caller's
 * credentials, field validation and id parsing.
 */

#include <sys/types.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "auth/auth.h"

/*
 * Send {"error":{"code","message"}} with status. Returns KORE_RESULT_OK so
 * a handler can end with "return (api_error(...));".
 */
int
api_error(struct http_request *req, int status, const char *code,
    const char *message)
{
	struct kore_buf		buf;

	kore_buf_init(&buf, 128);
	kore_buf_appendf(&buf, "{\"error\":{\"code\":");
	util_json_cstr(&buf, code);
	kore_buf_appendf(&buf, ",\"message\":");
	util_json_cstr(&buf, message);
	kore_buf_appendf(&buf, "}}");
	if (status == 429)
		http_response_header(req, "retry-after", "1");
	api_json_response(req, status, buf.data, buf.offset);
	kore_buf_cleanup(&buf);

	return (KORE_RESULT_OK);
}

/* Send a JSON body (not copied beyond Kore's own queueing). */
int
api_json_response(struct http_request *req, int status, const void *body,
    size_t len)
{
	http_response_header(req, "content-type", "application/json");
	http_response_header(req, "cache-control", "no-store");
	http_response(req, status, body, len);
	return (KORE_RESULT_OK);
}

/*
 * Parse the request body as a JSON object. Returns a new reference, or
 * NULL with *errstr and *status (400 or 413) set for api_body_error().
 */
json_t *
api_body(struct http_request *req, const char **errstr, int *status)
{
	json_t		*v;
	u_int8_t	*data;
	size_t		 len;

	*status = 400;
	if (req->http_body == NULL || req->http_body_length == 0) {
		*errstr = "the request needs a JSON body";
		return (NULL);
	}
	if (req->http_body_length > API_BODY_MAX) {
		*status = 413;
		*errstr = "the request body is too large";
		return (NULL);
	}

	data = req->http_body->data;
	len = req->http_body_length;
	if ((v = util_json_parse(data, len, API_BODY_MAX, UTIL_JSON_DEPTH_MAX,
	    errstr)) == NULL)
		return (NULL);
	if (!json_is_object(v)) {
		json_decref(v);
		*errstr = "the JSON body must be an object";
		return (NULL);
	}

	return (v);
}

/* Answer a body that api_body() refused. */
int
api_body_error(struct http_request *req, const char *errstr, int status)
{
	return (api_error(req, status,
	    status == 413 ? "payload_too_large" : "bad_request", errstr));
}

/*
 * Resolve the caller's credentials into c. Returns KORE_RESULT_OK when the
 * request may go on (the token, if any, is checked by the query itself),
 * KORE_RESULT_ERROR after answering 403 for a cookie-authenticated write
 * from a foreign Origin.
 */
int
api_caller(struct http_request *req, struct api_caller *c)
{
	memset(c, 0, sizeof(*c));
	c->from = auth_token_from_request(req, c->token, sizeof(c->token));
	if (c->from != AUTH_FROM_NONE)
		auth_token_hash(c->token, c->token_hash);

	if (c->from == AUTH_FROM_COOKIE && req->method != HTTP_METHOD_GET &&
	    req->method != HTTP_METHOD_HEAD && !auth_origin_allowed(req)) {
		api_error(req, 403, "bad_origin",
		    "requests from this origin are not allowed");
		return (KORE_RESULT_ERROR);
	}

	return (KORE_RESULT_OK);
}

/*
 * Read the string field name of obj into *out (a kore_strdup'ed copy the
 * caller frees, trimmed of surrounding white space when trim is set).
 * minlen/maxlen count characters (code points) after trimming. A missing
 * or null field is allowed when !required (*out = NULL). Returns
 * KORE_RESULT_ERROR with *errstr set when the field is unusable.
 */
int
api_str_field(json_t *obj, const char *name, int required, size_t minlen,
    size_t maxlen, int trim, char **out, const char **errstr)
{
	json_t		*v;
	const char	*s;
	size_t		 len, chars;

	*out = NULL;
	v = json_object_get(obj, name);
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return (KORE_RESULT_OK);
		*errstr = "a required field is missing";
		return (KORE_RESULT_ERROR);
	}
	if (!json_is_string(v)) {
		*errstr = "a field has the wrong type (expected a string)";
		return (KORE_RESULT_ERROR);
	}

	s = json_string_value(v);
	len = json_string_length(v);
	if (memchr(s, '\0', len) != NULL) {
		*errstr = "a field contains a NUL character";
		return (KORE_RESULT_ERROR);
	}
	if (trim) {
		while (len > 0 && isspace((unsigned char)*s)) {
			s++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
	}
	chars = util_utf8_chars((const u_int8_t *)s, len);
	if (chars < minlen) {
		*errstr = len == 0 ? "a field is empty" : "a field is too short";
		return (KORE_RESULT_ERROR);
	}
	if (chars > maxlen) {
		*errstr = "a field is too long";
		return (KORE_RESULT_ERROR);
	}

	*out = kore_malloc(len + 1);
	memcpy(*out, s, len);
	(*out)[len] = '\0';
	return (KORE_RESULT_OK);
}

/* Return 1 if s is an absolute http(s) URL without spaces or controls. */
int
api_url_ok(const char *s)
{
	const char	*p;

	if (strncasecmp(s, "https://", 8) == 0)
		p = s + 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		p = s + 7;
	else
		return (0);
	if (*p == '\0' || *p == '/')
		return (0);
	for (; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return (0);
	}
	return (1);
}

/*
 * Read query parameter name as a UUID into out (UTIL_UUID_LEN + 1 bytes).
 * Returns UTIL_QS_FOUND, UTIL_QS_MISSING, or UTIL_QS_INVALID (not a UUID);
 * a required parameter that is missing is reported as invalid with
 * *errstr set.
 */
int
api_qs_uuid(struct http_request *req, const char *name, int required,
    char *out, const char **errstr)
{
	char	buf[64];
	int	r;

	r = util_qs_get(req->query_string, name, buf, sizeof(buf));
	if (r == UTIL_QS_MISSING) {
		if (!required)
			return (UTIL_QS_MISSING);
		*errstr = "a required query parameter is missing";
		return (UTIL_QS_INVALID);
	}
	if (r == UTIL_QS_INVALID || !util_uuid_valid(buf)) {
		*errstr = "a query parameter is not a valid id";
		return (UTIL_QS_INVALID);
	}
	(void)kore_strlcpy(out, buf, UTIL_UUID_LEN + 1);
	return (UTIL_QS_FOUND);
}

/*
 * The UUID in req->path right after prefix (e.g. "/api/servers/") and
 * before suffix (e.g. "/leave", or "" for none) into out. Returns
 * KORE_RESULT_OK or KORE_RESULT_ERROR when the path does not have that
 * form (Kore's regex routes have no captures).
 */
int
api_path_uuid(struct http_request *req, const char *prefix,
    const char *suffix, char *out)
{
	const char	*p;
	size_t		 plen;

	plen = strlen(prefix);
	if (strncmp(req->path, prefix, plen) != 0)
		return (KORE_RESULT_ERROR);
	p = req->path + plen;
	if (strlen(p) != UTIL_UUID_LEN + strlen(suffix) ||
	    strcmp(p + UTIL_UUID_LEN, suffix) != 0)
		return (KORE_RESULT_ERROR);
	memcpy(out, p, UTIL_UUID_LEN);
	out[UTIL_UUID_LEN] = '\0';
	return (util_uuid_valid(out));
}
