/*
 * src/api/api_auth.c: sign up, log in, log out, and who am I.
 *
 *	signup	task: hash the password		query: insert profile+session
 *	login	query: fetch the stored hash	task: verify it
 *		query: insert the session
 *	logout	query: delete the session
 *	profile	query: the session's profile
 *
 * Wrong password and unknown email get the same answer after the same
 * work (a verify against a dummy hash), so the answer tells nothing about
 * which accounts exist.
 */

#include <sys/types.h>

#include <stddef.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/api.h"
#include "auth/auth.h"
#include "db/db.h"

/* State of one signup or login, shared with its task thread. */
struct auth_req {
	struct auth_work	work;
	char			*email;
	char			*name;
	char			*image_url;
	char			token[UTIL_TOKEN_LEN + 1];
	char			token_hash[UTIL_SHA256_HEXLEN + 1];
	char			profile_id[UTIL_UUID_LEN + 1];
};

static int	signup_task(struct kore_task *);
static void	signup_hashed(struct db_request *);
static void	signup_result(struct db_request *);
static void	login_found(struct db_request *);
static int	login_task(struct kore_task *);
static void	login_verified(struct db_request *);
static void	session_result(struct db_request *);
static void	session_done(struct db_request *);
static void	logout_done(struct db_request *);
static void	auth_req_free(void *);
static struct auth_req	*auth_req_new(struct db_request *);

static const struct db_op	op_signup = {
	.name = "signup",
	.sql =
	    "WITH p AS (INSERT INTO profiles (user_id, name, image_url, "
	    "email, password_hash) VALUES (gen_random_uuid()::text, $1, $2, "
	    "$3, $4) ON CONFLICT DO NOTHING RETURNING *), "
	    "s AS (INSERT INTO sessions (token_hash, profile_id, expires_at) "
	    "SELECT $5, p.id, now() + make_interval(days => $6::int) FROM p "
	    "RETURNING 1) "
	    "SELECT parley_profile_json(p) FROM p",
	.result = signup_result,
};

static const struct db_op	op_login_lookup = {
	.name = "login_lookup",
	.sql = "SELECT id, password_hash FROM profiles "
	    "WHERE lower(email) = lower($1)",
	.result = login_found,
};

static const struct db_op	op_session_create = {
	.name = "session_create",
	.sql =
	    "WITH s AS (INSERT INTO sessions (token_hash, profile_id, "
	    "expires_at) VALUES ($1, $2, now() + make_interval(days => "
	    "$3::int)) RETURNING profile_id) "
	    "SELECT parley_profile_json(p) FROM s JOIN profiles p "
	    "ON p.id = s.profile_id",
	.result = session_result,
};

static const struct db_op	op_logout = {
	.name = "logout",
	.sql =
	    "WITH d AS (DELETE FROM sessions WHERE token_hash = $1 "
	    "AND expires_at > now() RETURNING 1) "
	    "SELECT CASE WHEN EXISTS (SELECT 1 FROM d) THEN 204 ELSE 401 END, "
	    "CASE WHEN EXISTS (SELECT 1 FROM d) THEN NULL ELSE "
	    "parley_error('unauthorized', 'no valid session') END",
};

static const struct db_op	op_profile = {
	.name = "profile",
	.sql =
	    "SELECT CASE WHEN p.id IS NULL THEN 401 ELSE 200 END, "
	    "CASE WHEN p.id IS NULL THEN "
	    "parley_error('unauthorized', 'no valid session') "
	    "ELSE parley_profile_json(p) END "
	    "FROM (SELECT parley_session_profile($1) AS id) s "
	    "LEFT JOIN profiles p ON p.id = s.id",
};

/* POST /api/auth/signup {email, name, password, imageUrl?} */
int
api_auth_signup(struct http_request *req)
{
	struct db_request	*dbr;
	struct auth_req		*ar;
	json_t			*body;
	char			*password;
	const char		*errstr;
	int			 status;

	if (http_state_exists(req))
		return (db_request_run(req));

	if (req->method != HTTP_METHOD_POST)
		return (api_error(req, 405, "method_not_allowed", "use POST"));
	if ((body = api_body(req, &errstr, &status)) == NULL)
		return (api_body_error(req, errstr, status));

	dbr = db_request_create(req, &op_signup);
	ar = auth_req_new(dbr);
	password = NULL;
	if (!api_str_field(body, "email", 1, 3, 254, 1, &ar->email, &errstr) ||
	    !api_str_field(body, "name", 1, 1, 100, 1, &ar->name, &errstr) ||
	    !api_str_field(body, "password", 1, AUTH_PASSWORD_MIN,
	    AUTH_PASSWORD_MAX, 0, &password, &errstr) ||
	    !api_str_field(body, "imageUrl", 0, 0, 2048, 1, &ar->image_url,
	    &errstr))
		goto bad;
	if (strchr(ar->email, '@') == NULL || strchr(ar->email, ' ') != NULL) {
		errstr = "email is not an email address";
		goto bad;
	}
	if (strlen(password) > AUTH_PASSWORD_MAX) {
		errstr = "password is too long";
		goto bad;
	}
	if (ar->image_url != NULL && *ar->image_url != '\0' &&
	    !api_url_ok(ar->image_url)) {
		errstr = "imageUrl must be an http(s) URL";
		goto bad;
	}

	(void)kore_strlcpy(ar->work.password, password,
	    sizeof(ar->work.password));
	OPENSSL_cleanse(password, strlen(password));
	kore_free(password);
	json_decref(body);

	db_request_task(dbr, signup_task, signup_hashed);
	return (db_request_run(req));

bad:
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		kore_free(password);
	}
	json_decref(body);
	db_request_error(dbr, 400, "bad_request", errstr);
	return (db_request_answer(req));
}

/* POST /api/auth/login {email, password} */
int
api_auth_login(struct http_request *req)
{
	struct db_request	*dbr;
	struct auth_req		*ar;
	json_t			*body;
	char			*password;
	const char		*errstr;
	int			 status;

	if (http_state_exists(req))
		return (db_request_run(req));

	if (req->method != HTTP_METHOD_POST)
		return (api_error(req, 405, "method_not_allowed", "use POST"));
	if ((body = api_body(req, &errstr, &status)) == NULL)
		return (api_body_error(req, errstr, status));

	dbr = db_request_create(req, &op_login_lookup);
	ar = auth_req_new(dbr);
	password = NULL;
	if (!api_str_field(body, "email", 1, 1, 254, 1, &ar->email, &errstr) ||
	    !api_str_field(body, "password", 1, 1, AUTH_PASSWORD_MAX, 0,
	    &password, &errstr)) {
		json_decref(body);
		db_request_error(dbr, 400, "bad_request", errstr);
		return (db_request_answer(req));
	}
	(void)kore_strlcpy(ar->work.password, password,
	    sizeof(ar->work.password));
	OPENSSL_cleanse(password, strlen(password));
	kore_free(password);
	json_decref(body);

	db_request_param_str(dbr, ar->email);
	return (db_request_run(req));
}

/* POST /api/auth/logout: end the caller's session. */
int
api_auth_logout(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 caller;

	if (http_state_exists(req))
		return (db_request_run(req));

	if (req->method != HTTP_METHOD_POST)
		return (api_error(req, 405, "method_not_allowed", "use POST"));
	if (!api_caller(req, &caller))
		return (KORE_RESULT_OK);
	if (caller.from == AUTH_FROM_NONE)
		return (api_error(req, 401, "unauthorized", "no valid session"));

	dbr = db_request_create(req, &op_logout);
	dbr->done = logout_done;
	db_request_param_str(dbr, caller.token_hash);
	return (db_request_run(req));
}

/* GET /api/profile: the caller's profile. */
int
api_profile(struct http_request *req)
{
	struct db_request	*dbr;
	struct api_caller	 caller;

	if (http_state_exists(req))
		return (db_request_run(req));

	if (req->method != HTTP_METHOD_GET)
		return (api_error(req, 405, "method_not_allowed", "use GET"));
	if (!api_caller(req, &caller))
		return (KORE_RESULT_OK);
	if (caller.from == AUTH_FROM_NONE)
		return (api_error(req, 401, "unauthorized", "no valid session"));

	dbr = db_request_create(req, &op_profile);
	db_request_param_str(dbr, caller.token_hash);
	return (db_request_run(req));
}

static struct auth_req *
auth_req_new(struct db_request *dbr)
{
	struct auth_req		*ar;

	ar = kore_calloc(1, sizeof(*ar));
	dbr->udata = ar;
	dbr->udata_free = auth_req_free;
	return (ar);
}

static void
auth_req_free(void *arg)
{
	struct auth_req		*ar = arg;

	OPENSSL_cleanse(&ar->work, sizeof(ar->work));
	OPENSSL_cleanse(ar->token, sizeof(ar->token));
	kore_free(ar->email);
	kore_free(ar->name);
	kore_free(ar->image_url);
	kore_free(ar);
}

/* The task's db_request: the task is embedded in it. */
static struct auth_req *
task_auth_req(struct kore_task *t)
{
	struct db_request	*dbr;

	dbr = (struct db_request *)(void *)((u_int8_t *)t -
	    offsetof(struct db_request, task));
	return (dbr->udata);
}

/* Task thread: hash the new password. */
static int
signup_task(struct kore_task *t)
{
	struct auth_req		*ar = task_auth_req(t);

	ar->work.ok = auth_password_hash(ar->work.password, ar->work.hash,
	    sizeof(ar->work.hash));
	OPENSSL_cleanse(ar->work.password, sizeof(ar->work.password));
	return (KORE_RESULT_OK);
}

static void
signup_hashed(struct db_request *dbr)
{
	struct auth_req		*ar = dbr->udata;
	char			 days[16];

	if (!ar->work.ok || !util_token_new(ar->token, sizeof(ar->token))) {
		db_request_error(dbr, 500, "internal", "could not create account");
		return;
	}
	auth_token_hash(ar->token, ar->token_hash);
	(void)snprintf(days, sizeof(days), "%d", AUTH_SESSION_DAYS);

	db_request_param_str(dbr, ar->name);
	if (ar->image_url != NULL && *ar->image_url != '\0')
		db_request_param_str(dbr, ar->image_url);
	else
		db_request_param_null(dbr);
	db_request_param_str(dbr, ar->email);
	db_request_param_str(dbr, ar->work.hash);
	db_request_param_str(dbr, ar->token_hash);
	db_request_param_str(dbr, days);
	dbr->again = 1;
}

static void
signup_result(struct db_request *dbr)
{
	if (db_request_ntuples(dbr) == 0) {
		db_request_error(dbr, 409, "email_taken",
		    "an account with this email already exists");
		return;
	}
	session_result(dbr);
	dbr->status = 201;
}

static void
login_found(struct db_request *dbr)
{
	struct auth_req		*ar = dbr->udata;

	if (db_request_ntuples(dbr) == 1) {
		(void)kore_strlcpy(ar->profile_id, db_request_value(dbr, 0, 0),
		    sizeof(ar->profile_id));
		(void)kore_strlcpy(ar->work.stored,
		    db_request_value(dbr, 0, 1), sizeof(ar->work.stored));
	} else {
		/* Unknown email: the same work as a wrong password. */
		ar->profile_id[0] = '\0';
		auth_password_dummy(ar->work.stored, sizeof(ar->work.stored));
	}
	db_request_reset_params(dbr);
	db_request_task(dbr, login_task, login_verified);
	dbr->again = 1;
}

/* Task thread: verify the password against the stored hash. */
static int
login_task(struct kore_task *t)
{
	struct auth_req		*ar = task_auth_req(t);

	ar->work.ok = auth_password_verify(ar->work.password, ar->work.stored);
	OPENSSL_cleanse(ar->work.password, sizeof(ar->work.password));
	return (KORE_RESULT_OK);
}

static void
login_verified(struct db_request *dbr)
{
	struct auth_req		*ar = dbr->udata;
	char			 days[16];

	if (!ar->work.ok || ar->profile_id[0] == '\0') {
		db_request_error(dbr, 401, "invalid_credentials",
		    "wrong email or password");
		return;
	}
	if (!util_token_new(ar->token, sizeof(ar->token))) {
		db_request_error(dbr, 500, "internal", "could not log in");
		return;
	}
	auth_token_hash(ar->token, ar->token_hash);
	(void)snprintf(days, sizeof(days), "%d", AUTH_SESSION_DAYS);

	dbr->op = &op_session_create;
	db_request_param_str(dbr, ar->token_hash);
	db_request_param_str(dbr, ar->profile_id);
	db_request_param_str(dbr, days);
	dbr->again = 1;
}

/* {"profile": <row json>, "token": "..."} and the cookie. */
static void
session_result(struct db_request *dbr)
{
	struct auth_req		*ar = dbr->udata;

	kore_buf_reset(&dbr->out);
	if (db_request_ntuples(dbr) != 1) {
		db_request_error(dbr, 500, "internal", "session not created");
		return;
	}
	kore_buf_appendf(&dbr->out, "{\"profile\":%s,\"token\":",
	    db_request_value(dbr, 0, 0));
	util_json_cstr(&dbr->out, ar->token);
	kore_buf_appendf(&dbr->out, "}");
	dbr->status = 200;
	dbr->done = session_done;
}

static void
session_done(struct db_request *dbr)
{
	struct auth_req		*ar = dbr->udata;

	auth_cookie_set(dbr->req, ar->token);
}

static void
logout_done(struct db_request *dbr)
{
	auth_cookie_clear(dbr->req);
}
