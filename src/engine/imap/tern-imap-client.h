/* tern-imap-client.h
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/tern-account-config.h"
#include "tern-imap-command.h"
#include "tern-imap-response.h"
#include "tern-imap-sasl.h"

G_BEGIN_DECLS

/* TernImapClient: one IMAP connection. Connects (implicit TLS, STARTTLS or,
 * only when the account says so, plain text), validates the certificate,
 * logs in, and runs commands: pipelined when independent, one at a time
 * around those that change the connection's state, with untagged responses
 * routed to the command that asked for them and the rest emitted as
 * ::unsolicited. Reads one buffer per main-loop iteration, writes through a
 * queue, and times out a server that stops answering.
 *
 * Signals: ::unsolicited (TernImapResponse *) for untagged responses no
 * command claimed (EXISTS, EXPUNGE, VANISHED, FETCH from other devices,
 * untagged OK/NO/BAD, …); ::alert (const char *) for an [ALERT] the user must
 * see, only on a secure connection; ::closed (GError *, nullable) once a
 * connected client's connection has ended (NULL after close() or LOGOUT).
 * Properties: "state" (TernImapClientState), "secure" (TLS established),
 * "capabilities" (GStrv, only ever from a trustworthy source).
 *
 * Threading: main context only (the thread-default context at construction);
 * nothing blocks. */

typedef enum
{
  TERN_IMAP_CLIENT_DISCONNECTED,
  TERN_IMAP_CLIENT_CONNECTING,
  TERN_IMAP_CLIENT_NOT_AUTHENTICATED,
  TERN_IMAP_CLIENT_AUTHENTICATED,
  TERN_IMAP_CLIENT_SELECTED,
  TERN_IMAP_CLIENT_LOGOUT,
} TernImapClientState;

/* Called for each untagged response routed to a command (see
 * tern_imap_client_run_async). Runs on the client's main context. */
typedef void (*TernImapUntaggedFunc) (TernImapResponse *response, gpointer user_data);

#define TERN_TYPE_IMAP_CLIENT_STATE (tern_imap_client_state_get_type ())
GType tern_imap_client_state_get_type (void) G_GNUC_CONST;

#define TERN_IMAP_CLIENT_DEFAULT_CONNECT_TIMEOUT 30
#define TERN_IMAP_CLIENT_DEFAULT_COMMAND_TIMEOUT 60
#define TERN_IMAP_CLIENT_DEFAULT_KEEPALIVE 300

#define TERN_TYPE_IMAP_CLIENT (tern_imap_client_get_type ())

G_DECLARE_FINAL_TYPE (TernImapClient, tern_imap_client, TERN, IMAP_CLIENT, GObject)

TernImapClient *tern_imap_client_new (const char *host, guint16 port, TernSecurity security);

const char *tern_imap_client_get_host (TernImapClient *self);
guint16 tern_imap_client_get_port (TernImapClient *self);
TernSecurity tern_imap_client_get_security (TernImapClient *self);

/* Configuration, before connecting. Timeouts in seconds, 0 = none:
 * @connect_seconds bounds connect_async (TCP, TLS, greeting, STARTTLS,
 * capabilities) and authenticate_async as a whole; @command_seconds is how
 * long the server may stay silent while a command waits for its answer
 * (never applied to an accepted IDLE). Keepalive: a NOOP after that many
 * idle seconds when authenticated and not idling (0 = off). */
void tern_imap_client_set_ca_file (TernImapClient *self, const char *ca_file);
void tern_imap_client_set_pinned_certificate (TernImapClient *self, GTlsCertificate *certificate);
void
tern_imap_client_set_timeouts (TernImapClient *self, guint connect_seconds, guint command_seconds);
void tern_imap_client_set_keepalive (TernImapClient *self, guint idle_seconds);
void tern_imap_client_set_max_literal_size (TernImapClient *self, gsize max_bytes);

/* State. */
TernImapClientState tern_imap_client_get_state (TernImapClient *self);
gboolean tern_imap_client_is_secure (TernImapClient *self);
gboolean tern_imap_client_has_capability (TernImapClient *self, const char *capability);
char **tern_imap_client_dup_capabilities (TernImapClient *self);
gboolean tern_imap_client_is_enabled (TernImapClient *self, const char *extension);
gboolean tern_imap_client_is_compressed (TernImapClient *self);
gboolean tern_imap_client_is_idling (TernImapClient *self);
/* The UTF-8 name of the selected mailbox ("INBOX" for any case of it), or
 * NULL; and whether it was opened with EXAMINE or the server made it
 * [READ-ONLY]. */
const char *tern_imap_client_get_selected_mailbox (TernImapClient *self);
gboolean tern_imap_client_is_selected_read_only (TernImapClient *self);

/* After a TERN_IMAP_ERROR_CERTIFICATE error: the certificate the server
 * presented and why it failed, so that the UI can show it and pin it. */
GTlsCertificate *tern_imap_client_get_peer_certificate (TernImapClient *self);
GTlsCertificateFlags tern_imap_client_get_peer_certificate_errors (TernImapClient *self);

/* Connect, read the greeting, establish TLS (implicit or STARTTLS) and learn
 * the capabilities. Refuses PREAUTH and a missing STARTTLS on a STARTTLS
 * account before anything else is sent (TERN_IMAP_ERROR_INSECURE). Errors:
 * TERN_IMAP_ERROR_CERTIFICATE (see get_peer_certificate), _INSECURE,
 * _TIMEOUT, _CLOSED (BYE greeting), _PROTOCOL/_LIMIT, or GIO's own
 * (G_IO_ERROR_CONNECTION_REFUSED, G_RESOLVER_ERROR, G_TLS_ERROR, …) with a
 * prefix naming the server. */
void tern_imap_client_connect_async (TernImapClient *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean
tern_imap_client_connect_finish (TernImapClient *self, GAsyncResult *result, GError **error);

/* Log in with a password (AUTHENTICATE PLAIN, or LOGIN when that is all the
 * server offers) or an OAuth2 token (XOAUTH2 or OAUTHBEARER). Refreshes the
 * capabilities afterwards. Succeeds at once after a (trusted) PREAUTH.
 * Errors: TERN_IMAP_ERROR_AUTHENTICATION (refused; the connection stays
 * usable for another attempt), _UNSUPPORTED (no usable mechanism), _TIMEOUT
 * (the connect timeout, applied to the whole login), _CLOSED. */
void tern_imap_client_authenticate_async (TernImapClient *self,
                                          const char *user,
                                          const char *secret,
                                          TernImapCredentialKind kind,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
gboolean
tern_imap_client_authenticate_finish (TernImapClient *self, GAsyncResult *result, GError **error);

/* Run any command. Independent commands are pipelined; commands that change
 * the connection's state (SELECT, EXAMINE, ENABLE, COMPRESS, CLOSE, UNSELECT,
 * LOGOUT) wait for earlier ones and hold later ones back. Untagged responses
 * of the kinds this command produces go to @untagged_func (oldest command in
 * flight first); others, and all of them when @untagged_func is NULL, are
 * emitted as ::unsolicited (see the routing table at the function). EXPUNGE
 * and non-EARLIER VANISHED always are, also those MOVE and UID EXPUNGE
 * cause. Literals follow LITERAL+/LITERAL- when the server offers them, else
 * wait for the continuation. A command run while IDLE is accepted ends it
 * (DONE) first. STARTTLS, LOGIN, AUTHENTICATE and IDLE are refused here
 * (G_IO_ERROR_INVALID_ARGUMENT): they have functions of their own.
 * Cancelling a command that was sent already completes it at once with
 * G_IO_ERROR_CANCELLED; its later untagged data is dropped.
 *
 * finish: the tagged response (OK), or FALSE with TERN_IMAP_ERROR_NO/_BAD
 * (and @out_tagged still set when there was one), or the connection's error
 * (_CLOSED, _TIMEOUT, _PROTOCOL, _LIMIT) when it ended first. Server text is
 * in the message only on a TLS connection. */
void tern_imap_client_run_async (TernImapClient *self,
                                 TernImapCommand *command,
                                 TernImapUntaggedFunc untagged_func,
                                 gpointer untagged_data,
                                 GDestroyNotify untagged_destroy,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean tern_imap_client_run_finish (TernImapClient *self,
                                      GAsyncResult *result,
                                      TernImapResponse **out_tagged,
                                      GError **error);

/* IDLE: start completes when the server has accepted IDLE ("+"); untagged
 * data then arrives through ::unsolicited, and the command timeout does not
 * apply. done sends DONE and completes on the tagged OK (at once when no IDLE
 * is running). Re-issuing IDLE before servers drop it (~29 min) is up to the
 * caller. */
void tern_imap_client_idle_start_async (TernImapClient *self,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean
tern_imap_client_idle_start_finish (TernImapClient *self, GAsyncResult *result, GError **error);
void tern_imap_client_idle_done_async (TernImapClient *self,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean
tern_imap_client_idle_done_finish (TernImapClient *self, GAsyncResult *result, GError **error);

/* COMPRESS=DEFLATE (RFC 4978), when offered (else _UNSUPPORTED); after
 * login. Everything after the tagged OK is deflated both ways. */
void tern_imap_client_compress_async (TernImapClient *self,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean
tern_imap_client_compress_finish (TernImapClient *self, GAsyncResult *result, GError **error);

/* LOGOUT and close; completes (TRUE) when the connection is closed, also
 * when the server closed it first. ::closed is emitted with NULL. */
void tern_imap_client_logout_async (TernImapClient *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean
tern_imap_client_logout_finish (TernImapClient *self, GAsyncResult *result, GError **error);

/* Close at once; pending commands fail with TERN_IMAP_ERROR_CLOSED and
 * ::closed is emitted with NULL. The client may connect again. */
void tern_imap_client_close (TernImapClient *self);

G_END_DECLS
