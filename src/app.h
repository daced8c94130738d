/*
 * src/app.h: project-wide limits and the Kore message ids of every module.
 * Small on purpose: a module's own constants live in its own header.
 */
#ifndef APP_H
#define APP_H

#include <kore/kore.h>

/*
 * Kore message ids (u_int8_t, KORE_MSG_APP_BASE is 200). One block here so
 * that no two modules ever register the same id (kore_msg_register would
 * silently replace the first handler).
 */
#define APP_MSG_EIO_BASE	(KORE_MSG_APP_BASE + 1)		/* eio: 201..210 */
#define APP_MSG_SIO_BASE	(KORE_MSG_APP_BASE + 11)	/* sio/bus: 211..220 */
#define APP_MSG_CHAT_BASE	(KORE_MSG_APP_BASE + 21)	/* chat: 221..230 */

#define APP_NAME		"parley"

#endif /* !APP_H */
