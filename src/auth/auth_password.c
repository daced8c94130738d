/*
 * src/auth/auth_password.c: password hashes with OpenSSL's scrypt.
 *
 * Stored form: "scrypt$<log2 N>$<r>$<p>$<salt hex>$<key hex>", so that the
 * cost can be raised later without breaking old hashes. The default cost
 * is N = 2^17, r = 8, p = 1 (OWASP's scrypt minimum: 128 MiB, ~0.3 s); the
 * test suite lowers it with PARLEY_SCRYPT_LOG2N to keep hundreds of
 * sign-ups fast. The hashing runs in Kore task threads only.
 */

#include <sys/types.h>
#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth/auth.h"

#define SCRYPT_R		8
#define SCRYPT_P		1
#define SCRYPT_SALT_LEN		16
#define SCRYPT_KEY_LEN		32
#define SCRYPT_LOG2N_DEFAULT	17

static int	scrypt_log2n = SCRYPT_LOG2N_DEFAULT;

static int	derive(const char *, const u_int8_t *, size_t, int, int, int,
		    u_int8_t *);
static int	unhex(const char *, u_int8_t *, size_t);

/* Read the cost override from the environment (once per process). */
void
auth_password_init(void)
{
	const char	*v;
	int		 err;
	long long	 n;

	if ((v = getenv("PARLEY_SCRYPT_LOG2N")) == NULL)
		return;
	n = kore_strtonum(v, 10, 10, 20, &err);
	if (err == KORE_RESULT_OK)
		scrypt_log2n = (int)n;
}

/*
 * Hash password into out ("scrypt$..." NUL-terminated, outlen bytes).
 * Returns KORE_RESULT_OK, or KORE_RESULT_ERROR if randomness or scrypt
 * failed. Slow on purpose: call from a task thread only.
 */
int
auth_password_hash(const char *password, char *out, size_t outlen)
{
	u_int8_t	salt[SCRYPT_SALT_LEN], key[SCRYPT_KEY_LEN];
	char		salthex[SCRYPT_SALT_LEN * 2 + 1];
	char		keyhex[SCRYPT_KEY_LEN * 2 + 1];
	int		n;

	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
		return (KORE_RESULT_ERROR);
	if (!derive(password, salt, sizeof(salt), scrypt_log2n, SCRYPT_R,
	    SCRYPT_P, key))
		return (KORE_RESULT_ERROR);

	util_hex(salt, sizeof(salt), salthex);
	util_hex(key, sizeof(key), keyhex);
	OPENSSL_cleanse(key, sizeof(key));
	n = snprintf(out, outlen, "scrypt$%d$%d$%d$%s$%s", scrypt_log2n,
	    SCRYPT_R, SCRYPT_P, salthex, keyhex);
	if (n < 0 || (size_t)n >= outlen)
		return (KORE_RESULT_ERROR);

	return (KORE_RESULT_OK);
}

/*
 * Write into out a well-formed hash at the current cost that no password
 * matches: verifying against it costs what a real verification costs, so
 * an unknown email is not told apart by timing.
 */
void
auth_password_dummy(char *out, size_t outlen)
{
	(void)snprintf(out, outlen, "scrypt$%d$%d$%d$%032d$%064d",
	    scrypt_log2n, SCRYPT_R, SCRYPT_P, 0, 0);
}

/*
 * Return 1 if password matches the stored hash, 0 otherwise (also for a
 * malformed stored value). Constant-time comparison of the keys.
 */
int
auth_password_verify(const char *password, const char *stored)
{
	u_int8_t	salt[SCRYPT_SALT_LEN], want[SCRYPT_KEY_LEN];
	u_int8_t	key[SCRYPT_KEY_LEN];
	char		salthex[SCRYPT_SALT_LEN * 2 + 1];
	char		keyhex[SCRYPT_KEY_LEN * 2 + 1];
	int		log2n, r, p, ok;

	if (sscanf(stored, "scrypt$%d$%d$%d$%32[0-9a-f]$%64[0-9a-f]",
	    &log2n, &r, &p, salthex, keyhex) != 5)
		return (0);
	if (log2n < 10 || log2n > 20 || r < 1 || r > 32 || p < 1 || p > 16)
		return (0);
	if (!unhex(salthex, salt, sizeof(salt)) ||
	    !unhex(keyhex, want, sizeof(want)))
		return (0);
	if (!derive(password, salt, sizeof(salt), log2n, r, p, key))
		return (0);

	ok = CRYPTO_memcmp(key, want, sizeof(key)) == 0;
	OPENSSL_cleanse(key, sizeof(key));
	return (ok);
}

static int
derive(const char *password, const u_int8_t *salt, size_t saltlen, int log2n,
    int r, int p, u_int8_t *key)
{
	u_int64_t	N;

	N = (u_int64_t)1 << log2n;
	/* maxmem: 128 * r * N * p plus slack, or OpenSSL refuses. */
	return (EVP_PBE_scrypt(password, strlen(password), salt, saltlen, N,
	    (u_int64_t)r, (u_int64_t)p, 129ULL * (u_int64_t)r * N * (u_int64_t)p +
	    (1 << 20), key, SCRYPT_KEY_LEN) == 1);
}

static int
unhex(const char *hex, u_int8_t *out, size_t outlen)
{
	size_t		i;
	unsigned int	v;

	if (strlen(hex) != outlen * 2)
		return (0);
	for (i = 0; i < outlen; i++) {
		if (sscanf(hex + i * 2, "%2x", &v) != 1)
			return (0);
		out[i] = (u_int8_t)v;
	}
	return (1);
}
