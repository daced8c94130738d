/*
 * src/chat/chat_page.c: history pages (GET /api/messages and
 * GET /api/direct-messages) rendered in C from raw rows.
 *
 * chat_message_rows()/chat_dm_rows() (conf/sql/004_page_rows.sql) do the
 * authentication, the authorization and the keyset paging, and return a
 * head row (status, error body, page size) followed by plain columns for
 * each message, its member and the member's profile. Rendering the JSON
 * here instead of with json_build_object in PostgreSQL cuts the database
 * CPU of a history read to about a third (tests/bench, history scenario).
 *
 * The output is byte for byte what the SQL renderers of 002_chat.sql
 * produce (chat_message_json(), chat_dm_json() inside json_agg and
 * json_build_object): the same keys in the same order, PostgreSQL's
 * " : " and ", " separators, its string escaping (page_str) and its
 * to_char() timestamps (milliseconds, truncated, UTC). POST answers and
 * socket events still come from SQL; tests/integration/32-chat-render
 * checks that both renderings stay equal.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "chat/chat.h"
#include "util/util.h"

/* The columns of chat_message_rows() and chat_dm_rows(), in order. */
enum page_col {
	COL_ST,			/* head row: HTTP status */
	COL_JS,			/* head row: error body (st >= 400) */
	COL_LIM,		/* head row: page size */
	COL_ID,
	COL_CONTENT,
	COL_FILE_URL,		/* NULL -> null */
	COL_MEMBER_ID,
	COL_PARENT_ID,		/* channel or conversation */
	COL_DELETED,		/* t | f */
	COL_CREATED_US,		/* timestamps: microseconds since 1970 */
	COL_UPDATED_US,
	COL_M_ROLE,
	COL_M_PROFILE_ID,
	COL_M_SERVER_ID,
	COL_M_CREATED_US,
	COL_M_UPDATED_US,
	COL_P_USER_ID,
	COL_P_NAME,
	COL_P_IMAGE_URL,	/* NULL -> null */
	COL_P_EMAIL,
	COL_P_CREATED_US,
	COL_P_UPDATED_US,
	COL_MAX
};

#define PAGE_LIM_MAX	1000	/* sanity bound on the head row's size */
#define PAGE_MSG_EXTRA	512	/* keys, quotes, timestamps of one message */

/* Append a string literal. */
#define PAGE_LIT(b, s)	kore_buf_append((b), (s), sizeof(s) - 1)

static void	page_render(struct db_request *, const char *);
static void	page_reserve(struct kore_buf *, struct db_request *, int);
static void	page_message(struct kore_buf *, struct db_request *, int,
		    const char *);
static void	page_field(struct kore_buf *, struct db_request *, int, int,
		    const char *);
static void	page_time(struct kore_buf *, struct db_request *, int, int,
		    const char *);
static void	page_str(struct kore_buf *, const char *, size_t);

/*
 * Result callback of chat_op_message_rows: answer the head row's status
 * with its error body, or 200 with {"items":[...],"nextCursor":...}.
 */
void
chat_page_messages(struct db_request *dbr)
{
	page_render(dbr, "channelId");
}

/* Result callback of chat_op_dm_rows: the same for a conversation. */
void
chat_page_dms(struct db_request *dbr)
{
	page_render(dbr, "conversationId");
}

static void
page_render(struct db_request *dbr, const char *parent_key)
{
	struct kore_buf	*b = &dbr->out;
	const char	*v;
	int		 n, i, lim, rows, err;

	kore_buf_reset(b);
	n = db_request_ntuples(dbr);
	if (n < 1 || db_request_isnull(dbr, 0, COL_ST)) {
		db_request_error(dbr, 404, "not_found", "not found");
		return;
	}
	dbr->status = (int)kore_strtonum(db_request_value(dbr, 0, COL_ST),
	    10, 100, 599, &err);
	if (err != KORE_RESULT_OK) {
		db_request_error(dbr, 500, "internal", "bad page status");
		return;
	}
	if (dbr->status != 200) {
		if (!db_request_isnull(dbr, 0, COL_JS)) {
			v = db_request_value(dbr, 0, COL_JS);
			kore_buf_append(b, v, strlen(v));
		}
		return;
	}
	lim = (int)kore_strtonum(db_request_value(dbr, 0, COL_LIM), 10, 1,
	    PAGE_LIM_MAX, &err);
	if (err != KORE_RESULT_OK) {
		db_request_error(dbr, 500, "internal", "bad page size");
		return;
	}

	/* Rows 1..n-1 are messages; one beyond lim means a next page. */
	rows = n - 1;
	page_reserve(b, dbr, rows < lim ? rows : lim);
	PAGE_LIT(b, "{\"items\" : [");
	for (i = 1; i <= rows && i <= lim; i++) {
		if (i > 1)
			PAGE_LIT(b, ", ");
		page_message(b, dbr, i, parent_key);
	}
	PAGE_LIT(b, "], \"nextCursor\" : ");
	if (rows > lim) {
		v = db_request_value(dbr, lim, COL_ID);
		page_str(b, v, strlen(v));
	} else {
		PAGE_LIT(b, "null");
	}
	PAGE_LIT(b, "}");
}

/*
 * Make room in b for the rows first messages at once: kore_buf_append()
 * grows a buffer by exactly what it appends, so a page written piece by
 * piece into a small buffer was reallocated (and copied) at every append.
 * Escapes may still grow it a little beyond the estimate.
 */
static void
page_reserve(struct kore_buf *b, struct db_request *dbr, int rows)
{
	size_t		need;
	int		row, col;

	need = b->offset + 64;
	for (row = 1; row <= rows; row++) {
		need += PAGE_MSG_EXTRA;
		for (col = COL_ID; col < COL_MAX; col++)
			need += strlen(db_request_value(dbr, row, col));
	}
	if (need > b->length) {
		b->data = kore_realloc(b->data, need);
		b->length = need;
	}
}

/* One message of row as chat_message_json()/chat_dm_json() render it. */
static void
page_message(struct kore_buf *b, struct db_request *dbr, int row,
    const char *parent_key)
{
	const char	*v;

	page_field(b, dbr, row, COL_ID, "{\"id\" : ");
	page_field(b, dbr, row, COL_CONTENT, ", \"content\" : ");
	page_field(b, dbr, row, COL_FILE_URL, ", \"fileUrl\" : ");
	page_field(b, dbr, row, COL_MEMBER_ID, ", \"memberId\" : ");
	PAGE_LIT(b, ", \"");
	kore_buf_append(b, parent_key, strlen(parent_key));
	page_field(b, dbr, row, COL_PARENT_ID, "\" : ");
	v = db_request_value(dbr, row, COL_DELETED);
	if (v[0] == 't')
		PAGE_LIT(b, ", \"deleted\" : true");
	else
		PAGE_LIT(b, ", \"deleted\" : false");
	page_time(b, dbr, row, COL_CREATED_US, ", \"createdAt\" : ");
	page_time(b, dbr, row, COL_UPDATED_US, ", \"updatedAt\" : ");

	/* parley_member_json() */
	page_field(b, dbr, row, COL_MEMBER_ID, ", \"member\" : {\"id\" : ");
	page_field(b, dbr, row, COL_M_ROLE, ", \"role\" : ");
	page_field(b, dbr, row, COL_M_PROFILE_ID, ", \"profileId\" : ");
	page_field(b, dbr, row, COL_M_SERVER_ID, ", \"serverId\" : ");
	page_time(b, dbr, row, COL_M_CREATED_US, ", \"createdAt\" : ");
	page_time(b, dbr, row, COL_M_UPDATED_US, ", \"updatedAt\" : ");

	/* parley_profile_json() */
	page_field(b, dbr, row, COL_M_PROFILE_ID,
	    ", \"profile\" : {\"id\" : ");
	page_field(b, dbr, row, COL_P_USER_ID, ", \"userId\" : ");
	page_field(b, dbr, row, COL_P_NAME, ", \"name\" : ");
	page_field(b, dbr, row, COL_P_IMAGE_URL, ", \"imageUrl\" : ");
	page_field(b, dbr, row, COL_P_EMAIL, ", \"email\" : ");
	page_time(b, dbr, row, COL_P_CREATED_US, ", \"createdAt\" : ");
	page_time(b, dbr, row, COL_P_UPDATED_US, ", \"updatedAt\" : ");
	PAGE_LIT(b, "}}}");
}

/* Append prefix and column col of row as a JSON string, or null. */
static void
page_field(struct kore_buf *b, struct db_request *dbr, int row, int col,
    const char *prefix)
{
	const char	*v;

	kore_buf_append(b, prefix, strlen(prefix));
	if (db_request_isnull(dbr, row, col)) {
		PAGE_LIT(b, "null");
		return;
	}
	v = db_request_value(dbr, row, col);
	page_str(b, v, strlen(v));
}

/*
 * Append prefix and column col of row (microseconds since the Unix
 * epoch) as parley_ts() renders it: to_char(..., 'YYYY-MM-DD"T"HH24:MI:
 * SS.MS"Z"') in UTC, the milliseconds truncated.
 */
static void
page_time(struct kore_buf *b, struct db_request *dbr, int row, int col,
    const char *prefix)
{
	const char	*v;
	u_int64_t	 us;
	char		 ts[UTIL_ISO8601_LEN + 1];

	kore_buf_append(b, prefix, strlen(prefix));
	if (db_request_isnull(dbr, row, col)) {
		PAGE_LIT(b, "null");
		return;
	}
	/* An int8 of our own query: digits only (66 per page, no strtoll). */
	us = 0;
	for (v = db_request_value(dbr, row, col); *v >= '0' && *v <= '9'; v++)
		us = us * 10 + (u_int64_t)(*v - '0');
	util_time_iso8601(us / 1000, ts, sizeof(ts));
	page_str(b, ts, strlen(ts));
}

/*
 * Append s[0..len) as a JSON string exactly as PostgreSQL's escape_json()
 * writes it: quote, backslash and the control characters escaped, every
 * other byte (U+2028 and U+2029 included) as is. Text from the database
 * is valid UTF-8; should it not be, util_json_str() replaces what is
 * invalid, so the answer is valid JSON whatever the column holds.
 */
static void
page_str(struct kore_buf *b, const char *s, size_t len)
{
	const u_int8_t	*p, *end;
	size_t		 run;
	char		 esc[7];

	p = (const u_int8_t *)s;
	end = p + len;
	if (!util_utf8_valid(p, len)) {
		util_json_str(b, s, len);
		return;
	}

	PAGE_LIT(b, "\"");
	while (p < end) {
		for (run = 0; p + run < end; run++) {
			if (p[run] < 0x20 || p[run] == '"' || p[run] == '\\')
				break;
		}
		if (run > 0) {
			kore_buf_append(b, p, run);
			p += run;
			continue;
		}
		switch (*p) {
		case '"':
			PAGE_LIT(b, "\\\"");
			break;
		case '\\':
			PAGE_LIT(b, "\\\\");
			break;
		case '\n':
			PAGE_LIT(b, "\\n");
			break;
		case '\r':
			PAGE_LIT(b, "\\r");
			break;
		case '\t':
			PAGE_LIT(b, "\\t");
			break;
		case '\b':
			PAGE_LIT(b, "\\b");
			break;
		case '\f':
			PAGE_LIT(b, "\\f");
			break;
		default:
			(void)snprintf(esc, sizeof(esc), "\\u%04x", *p);
			kore_buf_append(b, esc, 6);
			break;
		}
		p++;
	}
	PAGE_LIT(b, "\"");
}
