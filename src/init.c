/*
 * src/init.c: every entry point Kore calls that is not a route, and the
 * start-up order. The only file that includes every module header.
 *
 *	parent	kore_parent_configure	(single binary: parse -fnr first)
 *		db_migrate		schema current before workers fork
 *	worker	kore_worker_configure	TLS key fix, database, modules
 *
 * It also holds the two Kore 4.1.0 workarounds that must be installed in
 * every worker before the event loop starts: the TLS private key
 * (field guide §1.6) and the seccomp additions libpq needs (§8).
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/seccomp.h>

#include "api/api.h"
#include "app.h"
#include "auth/auth.h"
#include "bus/bus.h"
#include "chat/chat.h"
#include "db/db.h"

void	kore_parent_configure(int, char **);
void	kore_worker_configure(void);

static EVP_PKEY	*tls_load_key(const char *);
static void	 tls_certificate_msg(struct kore_msg *, const void *);

/*
 * libpq on Debian 12 stats files (newfstatat: ~/.pgpass, krb5), reads
 * directories (getdents64) and asks for the host name (uname): Kore's
 * worker filter kills the worker for each (field guide §8).
 * Kore's task threads (password hashing) are started by glibc 2.36 with
 * clone3 and register rseq, neither of which Kore 4.1.0's task filter
 * knows (it allows clone): clone3 is refused with ENOSYS, which makes glibc
 * fall back to clone; rseq (per-thread registration, which glibc treats
 * as fatal to refuse once the main thread has it) is allowed. Exactly
 * these calls; nothing broader.
 */
KORE_SECCOMP_FILTER("parley",
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(getsockopt),
	KORE_SYSCALL_ALLOW(getsockname),
	KORE_SYSCALL_ALLOW(getdents64),
	KORE_SYSCALL_DENY(clone3, ENOSYS),
	KORE_SYSCALL_ALLOW(rseq)
)

/*
 * Parent: in a single binary this runs before the configuration is
 * parsed and must hand Kore its command line (-f, -n, -r ...) itself.
 * Then the schema is brought up to date, once, before any worker exists.
 */
void
kore_parent_configure(int argc, char **argv)
{
#if defined(KORE_SINGLE_BINARY)
	kore_default_getopt(argc, argv);
#endif
	if (!db_migrate(db_url()))
		fatal("the database schema could not be brought up to date");
}

/* Worker: runs after the sandbox is in place, before the event loop. */
void
kore_worker_configure(void)
{
	const char	*env;

	/* Kore registered its own handler before calling us; messages are
	   only dispatched once the loop runs, so nothing is missed. */
	kore_msg_unregister(KORE_MSG_CERTIFICATE);
	if (!kore_msg_register(KORE_MSG_CERTIFICATE, tls_certificate_msg))
		fatalx("cannot register the TLS certificate handler");

	db_init();
	auth_password_init();
	chat_rate_init();
	chat_socket_init();

	/* Several instances on one database: fan-out through LISTEN/NOTIFY
	   instead of kore_msg (one more pooled connection per worker). */
	if ((env = getenv("PARLEY_CLUSTER")) != NULL && strcmp(env, "1") == 0)
		bus_node_init(DB_NAME);
}

/*
 * Kore 4.1.0 with OpenSSL 3: workers install the keymgr's RSA_METHOD on a
 * cached copy of the key that OpenSSL 3 ignores, and every handshake
 * fails (field guide §1.6). We let Kore build the SSL_CTX from the
 * certificate the keymgr sends, then put the real private key in it. The
 * key is read with open/read only (no fstat: seccomp-safe).
 */
static void
tls_certificate_msg(struct kore_msg *msg, const void *data)
{
	const struct kore_x509_msg	*req;
	struct kore_domain		*dom;
	EVP_PKEY			*pkey;

	if (!kore_worker_keymgr_response_verify(msg, data, &dom))
		return;
	req = data;
	kore_domain_tlsinit(dom, KORE_PEM_CERT_CHAIN, req->data, req->data_len);
	if (dom->ssl_ctx == NULL)
		return;
	if ((pkey = tls_load_key(dom->certkey)) == NULL) {
		kore_log(LOG_ERR, "tls: cannot read the key %s", dom->certkey);
		return;
	}
	if (!SSL_CTX_use_PrivateKey(dom->ssl_ctx, pkey) ||
	    !SSL_CTX_check_private_key(dom->ssl_ctx))
		kore_log(LOG_ERR, "tls: the key does not match the certificate "
		    "of %s", dom->domain);
	EVP_PKEY_free(pkey);
}

static EVP_PKEY *
tls_load_key(const char *path)
{
	EVP_PKEY	*pkey;
	BIO		*bio;
	ssize_t		 r;
	size_t		 off;
	int		 fd;
	char		 buf[16384];

	if ((fd = open(path, O_RDONLY)) == -1)
		return (NULL);
	off = 0;
	while (off < sizeof(buf)) {
		r = read(fd, buf + off, sizeof(buf) - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	(void)close(fd);

	pkey = NULL;
	if ((bio = BIO_new_mem_buf(buf, (int)off)) != NULL) {
		pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	OPENSSL_cleanse(buf, sizeof(buf));

	return (pkey);
}
