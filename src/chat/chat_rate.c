/*
 * src/chat/chat_rate.c: a flood limit on posting, per caller (session
 * token hash) and per worker: a token bucket of CHAT_RATE_BURST posts,
 * refilled at CHAT_RATE_PER_SEC. Environment overrides:
 * PARLEY_POST_BURST, PARLEY_POST_RATE (0 turns the limit off).
 *
 * The table is fixed-size and direct-mapped on the key's hash: two
 * callers that collide share a bucket, which only errs on the strict
 * side. Nothing is allocated per caller.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "chat/chat.h"

#define RATE_SLOTS		4096
#define RATE_BURST_DEFAULT	30
#define RATE_PER_SEC_DEFAULT	15

struct rate_slot {
	u_int64_t	key;		/* hash of the caller, 0 = unused */
	u_int64_t	stamp;		/* ms of the last refill */
	double		tokens;
};

static struct rate_slot	rate_table[RATE_SLOTS];
static double		rate_burst = RATE_BURST_DEFAULT;
static double		rate_per_sec = RATE_PER_SEC_DEFAULT;

static u_int64_t	rate_hash(const char *);

/* Read the limits from the environment (worker start). */
void
chat_rate_init(void)
{
	const char	*v;

	if ((v = getenv("PARLEY_POST_BURST")) != NULL)
		rate_burst = strtod(v, NULL);
	if ((v = getenv("PARLEY_POST_RATE")) != NULL)
		rate_per_sec = strtod(v, NULL);
	if (rate_burst < 1)
		rate_burst = 1;
}

/*
 * Take one post from key's bucket. Returns 0 when allowed, else the
 * number of seconds (>= 1) to wait, for Retry-After.
 */
int
chat_rate_take(const char *key)
{
	struct rate_slot	*s;
	u_int64_t		 h, now;
	double			 wait;

	if (rate_per_sec <= 0)
		return (0);
	h = rate_hash(key);
	now = kore_time_ms();
	s = &rate_table[h % RATE_SLOTS];
	if (s->key != h) {
		s->key = h;
		s->stamp = now;
		s->tokens = rate_burst;
	} else {
		s->tokens += (double)(now - s->stamp) * rate_per_sec / 1000.0;
		if (s->tokens > rate_burst)
			s->tokens = rate_burst;
		s->stamp = now;
	}
	if (s->tokens >= 1.0) {
		s->tokens -= 1.0;
		return (0);
	}
	wait = (1.0 - s->tokens) / rate_per_sec;
	return (wait < 1.0 ? 1 : (int)wait + 1);
}

/* FNV-1a, 64 bits; never 0. */
static u_int64_t
rate_hash(const char *s)
{
	u_int64_t	h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (h == 0 ? 1 : h);
}
