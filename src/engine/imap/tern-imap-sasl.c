/* tern-imap-sasl.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapSasl: the client side of logging in: which method to use for the
 * server's capabilities and the credential at hand, the LOGIN or
 * AUTHENTICATE command, and the answers to the server's continuation
 * requests during AUTHENTICATE.
 *
 * PLAIN (RFC 4616), XOAUTH2 (Google's, also Microsoft's) and OAUTHBEARER
 * (RFC 7628) are all client-first: the response goes with the command when
 * the server has SASL-IR (RFC 4959), else after the server's empty "+". A
 * further challenge from an OAuth2 mechanism is the server's error report in
 * JSON: it is kept for tern_imap_sasl_get_server_error() and acknowledged as
 * the mechanism demands, and the server then fails the command with NO.
 *
 * It holds the secret until it is freed, and wipes it and every buffer that
 * carried it (DESIGN decision 10). The caller never logs the response lines.
 *
 * Threading: one instance is used by one thread at a time.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "tern-imap-error.h"
#include "tern-imap-sasl.h"

/* A server error report bigger than this is not a report. */
#define CHALLENGE_MAX 16384
#define SERVER_ERROR_MAX 512

typedef enum
{
  STATE_NEW,
  STATE_WAITING_FOR_FIRST, /* AUTHENTICATE sent without initial response */
  STATE_RESPONDED,         /* our response is out; the next is the verdict */
  STATE_ERROR_ACKNOWLEDGED,
} State;

struct _TernImapSasl
{
  TernImapAuthMethod method;
  State state;

  /* owned */
  char *user;
  char *secret; /* wiped */
  char *host;
  guint16 port;
  char *server_error;
  char *server_status;
};

static void
wipe_str (char *str)
{
  if (str != NULL)
    explicit_bzero (str, strlen (str));
}

typedef struct
{
  gsize len;
  char data[];
} SecureBlock;

static void
secure_block_free (gpointer data)
{
  SecureBlock *block = data;

  explicit_bzero (block->data, block->len);
  g_free (block);
}

/* "<text>\r\n" in a GBytes that wipes itself. */
static GBytes *
secure_line_new (const char *text)
{
  gsize len = strlen (text);
  SecureBlock *block = g_malloc (sizeof (SecureBlock) + len + 2);

  block->len = len + 2;
  memcpy (block->data, text, len);
  memcpy (block->data + len, "\r\n", 2);

  return g_bytes_new_with_free_func (block->data, block->len, secure_block_free, block);
}

const char *
tern_imap_auth_method_to_string (TernImapAuthMethod method)
{
  switch (method)
    {
    case TERN_IMAP_AUTH_LOGIN:
      return "LOGIN";
    case TERN_IMAP_AUTH_PLAIN:
      return "PLAIN";
    case TERN_IMAP_AUTH_XOAUTH2:
      return "XOAUTH2";
    case TERN_IMAP_AUTH_OAUTHBEARER:
      return "OAUTHBEARER";
    default:
      g_return_val_if_reached ("PLAIN");
    }
}

static gboolean
has_capability (const char *const *capabilities, const char *name)
{
  if (capabilities == NULL)
    return FALSE;

  for (guint i = 0; capabilities[i] != NULL; i++)
    if (g_ascii_strcasecmp (capabilities[i], name) == 0)
      return TRUE;

  return FALSE;
}

/**
 * tern_imap_sasl_choose_method:
 * @capabilities: (array zero-terminated=1) (nullable): the capability atoms
 *   of the connection as it is now ("IMAP4rev1", "AUTH=PLAIN", "SASL-IR", …)
 * @kind: the credential the account has
 * @out_method: (out): where to store the method
 * @error: a %G_IO_ERROR_NOT_SUPPORTED error when nothing fits
 *
 * With a token: OAUTHBEARER (the standard), else XOAUTH2; never a password
 * method, which would send the token as a password. With a password: PLAIN
 * when offered, else the LOGIN command unless the server says LOGINDISABLED.
 * Whether the connection is secure enough to send anything at all is the
 * caller's decision (DESIGN decision 3), made before this.
 */
gboolean
tern_imap_sasl_choose_method (const char *const *capabilities,
                              TernImapCredentialKind kind,
                              TernImapAuthMethod *out_method,
                              GError **error)
{
  g_return_val_if_fail (out_method != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (kind == TERN_IMAP_CREDENTIAL_OAUTH2_TOKEN)
    {
      if (has_capability (capabilities, "AUTH=OAUTHBEARER"))
        *out_method = TERN_IMAP_AUTH_OAUTHBEARER;
      else if (has_capability (capabilities, "AUTH=XOAUTH2"))
        *out_method = TERN_IMAP_AUTH_XOAUTH2;
      else
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "The server does not offer OAuth2 sign-in "
                               "(neither OAUTHBEARER nor XOAUTH2)");
          return FALSE;
        }
      return TRUE;
    }

  if (has_capability (capabilities, "AUTH=PLAIN"))
    {
      *out_method = TERN_IMAP_AUTH_PLAIN;
      return TRUE;
    }

  if (!has_capability (capabilities, "LOGINDISABLED"))
    {
      *out_method = TERN_IMAP_AUTH_LOGIN;
      return TRUE;
    }

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "The server does not accept a password on this connection "
                       "(LOGINDISABLED, and no AUTH=PLAIN)");
  return FALSE;
}

/* RFC 6750 b64token: what a bearer token may contain, and nothing that could
 * break out of the ^A-separated message. */
static gboolean
is_token_char (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("-._~+/", c) != NULL);
}

static gboolean
is_bearer_token (const char *token)
{
  const char *p = token;

  while (is_token_char (*p))
    p++;
  if (p == token)
    return FALSE;
  while (*p == '=')
    p++;

  return *p == '\0';
}

static gboolean
has_control (const char *s)
{
  for (; *s != '\0'; s++)
    if ((guchar) *s < 0x20 || (guchar) *s == 0x7f)
      return TRUE;

  return FALSE;
}

/**
 * tern_imap_sasl_new:
 * @method: from tern_imap_sasl_choose_method()
 * @user: the user name (authentication identity)
 * @secret: the password, or the OAuth2 access token
 * @host: (nullable): the server's host name, sent by OAUTHBEARER
 * @port: the server's port, sent by OAUTHBEARER (0: not sent)
 * @error: a %G_IO_ERROR_INVALID_ARGUMENT error for a credential that
 *   cannot be expressed in the method
 *
 * Returns: (transfer full) (nullable): a new exchange, holding a copy of @secret
 */
TernImapSasl *
tern_imap_sasl_new (TernImapAuthMethod method,
                    const char *user,
                    const char *secret,
                    const char *host,
                    guint16 port,
                    GError **error)
{
  TernImapSasl *self;

  g_return_val_if_fail (user != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (user[0] == '\0' || has_control (user) || !g_utf8_validate (user, -1, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "The user name is empty or contains control characters");
      return NULL;
    }

  switch (method)
    {
    case TERN_IMAP_AUTH_LOGIN:
    case TERN_IMAP_AUTH_PLAIN:
      break;

    case TERN_IMAP_AUTH_XOAUTH2:
    case TERN_IMAP_AUTH_OAUTHBEARER:
      if (!is_bearer_token (secret))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "The OAuth2 access token is not a bearer token");
          return NULL;
        }
      if (host != NULL && (host[0] == '\0' || has_control (host)))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "The host name is empty or contains control characters");
          return NULL;
        }
      break;

    default:
      g_return_val_if_reached (NULL);
    }

  self = g_new0 (TernImapSasl, 1);
  self->method = method;
  self->user = g_strdup (user);
  self->secret = g_strdup (secret);
  self->host = g_strdup (host);
  self->port = port;

  return self;
}

void
tern_imap_sasl_free (TernImapSasl *self)
{
  if (self == NULL)
    return;

  wipe_str (self->secret);
  g_free (self->secret);
  g_free (self->user);
  g_free (self->host);
  g_free (self->server_error);
  g_free (self->server_status);
  g_free (self);
}

TernImapAuthMethod
tern_imap_sasl_get_method (TernImapSasl *self)
{
  g_return_val_if_fail (self != NULL, TERN_IMAP_AUTH_PLAIN);

  return self->method;
}

/* The mechanism's client message, before base64. */
static char *
build_message (TernImapSasl *self, gsize *out_len)
{
  GString *message;
  gsize secret_len = strlen (self->secret);
  gsize user_len = strlen (self->user);
  gsize host_len = self->host ? strlen (self->host) : 0;

  /* Sized up front so that the buffer holding the secret never moves. */
  message = g_string_sized_new (3 * user_len + secret_len + host_len + 64);

  switch (self->method)
    {
    case TERN_IMAP_AUTH_PLAIN:
      /* authzid (empty) NUL authcid NUL passwd */
      g_string_append_c (message, '\0');
      g_string_append_len (message, self->user, (gssize) user_len);
      g_string_append_c (message, '\0');
      g_string_append_len (message, self->secret, (gssize) secret_len);
      break;

    case TERN_IMAP_AUTH_XOAUTH2:
      g_string_append (message, "user=");
      g_string_append (message, self->user);
      g_string_append (message, "\001auth=Bearer ");
      g_string_append (message, self->secret);
      g_string_append (message, "\001\001");
      break;

    case TERN_IMAP_AUTH_OAUTHBEARER:
      /* gs2-header "n,a=<saslname>," with "=" and "," escaped (RFC 5801). */
      g_string_append (message, "n,a=");
      for (const char *p = self->user; *p != '\0'; p++)
        {
          if (*p == '=')
            g_string_append (message, "=3D");
          else if (*p == ',')
            g_string_append (message, "=2C");
          else
            g_string_append_c (message, *p);
        }
      g_string_append_c (message, ',');
      if (self->host != NULL)
        g_string_append_printf (message, "\001host=%s", self->host);
      if (self->port != 0)
        g_string_append_printf (message, "\001port=%u", self->port);
      g_string_append (message, "\001auth=Bearer ");
      g_string_append (message, self->secret);
      g_string_append (message, "\001\001");
      break;

    case TERN_IMAP_AUTH_LOGIN:
    default:
      g_assert_not_reached ();
    }

  *out_len = message->len;
  return g_string_free (message, FALSE);
}

/* base64 of the client message, wiped and freed with wipe_str + g_free. */
static char *
dup_response_base64 (TernImapSasl *self)
{
  gsize len;
  char *message = build_message (self, &len);
  char *encoded = g_base64_encode ((const guchar *) message, len);

  explicit_bzero (message, len);
  g_free (message);

  return encoded;
}

/**
 * tern_imap_sasl_create_command:
 * @sasl_ir: whether the server has SASL-IR (ignored for LOGIN)
 *
 * Builds "LOGIN user password" or "AUTHENTICATE <mechanism> [<response>]",
 * with the secret parts flagged so that the trace shows "***". Starts the
 * exchange afresh.
 *
 * Returns: (transfer full): the command to send
 */
TernImapCommand *
tern_imap_sasl_create_command (TernImapSasl *self, gboolean sasl_ir)
{
  TernImapCommand *command;

  g_return_val_if_fail (self != NULL, NULL);

  g_clear_pointer (&self->server_error, g_free);
  g_clear_pointer (&self->server_status, g_free);

  if (self->method == TERN_IMAP_AUTH_LOGIN)
    {
      command = tern_imap_command_new ("LOGIN");
      tern_imap_command_add_astring (command, self->user);
      tern_imap_command_add_secret_astring (command, self->secret);
      self->state = STATE_RESPONDED;
      return command;
    }

  command = tern_imap_command_new ("AUTHENTICATE");
  tern_imap_command_add_atom (command, tern_imap_auth_method_to_string (self->method));

  if (sasl_ir)
    {
      char *response = dup_response_base64 (self);

      tern_imap_command_add_secret_atom (command, response);
      wipe_str (response);
      g_free (response);
      self->state = STATE_RESPONDED;
    }
  else
    {
      self->state = STATE_WAITING_FOR_FIRST;
    }

  return command;
}

/* Strict base64 (RFC 4648 §4, padded): a server that cannot write it is not
 * one whose words we keep. */
static gboolean
is_base64 (const char *s, gsize len)
{
  gsize padding = 0;

  if (len % 4 != 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = s[i];

      if (c == '=')
        {
          if (i < len - 2)
            return FALSE;
          padding++;
        }
      else if (padding > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        {
          return FALSE;
        }
    }

  return TRUE;
}

/* The JSON error report, reduced to printable ASCII of bounded length so
 * that it can go into a log or an error message. */
static void
keep_server_error (TernImapSasl *self, const guchar *data, gsize len)
{
  GString *text = g_string_sized_new (MIN (len, SERVER_ERROR_MAX) + 1);
  const char *status;

  for (gsize i = 0; i < len && text->len < SERVER_ERROR_MAX; i++)
    g_string_append_c (text, (data[i] >= 0x20 && data[i] <= 0x7e) ? (char) data[i] : '?');

  g_free (self->server_error);
  self->server_error = g_string_free (text, FALSE);

  /* Best effort: {"status":"401",…} (XOAUTH2), {"status":"invalid_token",…}. */
  g_clear_pointer (&self->server_status, g_free);
  status = strstr (self->server_error, "\"status\"");
  if (status != NULL)
    {
      const char *p = status + strlen ("\"status\"");
      const char *end;

      while (*p == ' ')
        p++;
      if (*p++ != ':')
        return;
      while (*p == ' ')
        p++;
      if (*p++ != '"')
        return;
      end = strchr (p, '"');
      if (end != NULL && end > p && end - p <= 64)
        self->server_status = g_strndup (p, (gsize) (end - p));
    }
}

/**
 * tern_imap_sasl_step:
 * @challenge: (nullable): the text after "+ " in the server's continuation
 *   request (base64; may be empty)
 * @error: a %TERN_IMAP_ERROR_PROTOCOL error when the exchange cannot go on
 *
 * Answers a continuation request that arrives during AUTHENTICATE, after all
 * chunks of the command have been written (a "+" for a synchronising literal
 * is not a challenge). The answer is a whole line, CRLF included; it may
 * carry the secret, so it is never written to the trace (log "***") and
 * wipes itself when freed.
 *
 * On error the client cancels the exchange by sending
 * %TERN_IMAP_SASL_CANCEL_LINE; the server then fails the command.
 *
 * Returns: (transfer full) (nullable): the line to send
 */
GBytes *
tern_imap_sasl_step (TernImapSasl *self, const char *challenge, GError **error)
{
  gsize challenge_len;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (challenge == NULL)
    challenge = "";
  challenge_len = strlen (challenge);

  if (self->method == TERN_IMAP_AUTH_LOGIN || self->state == STATE_NEW)
    {
      g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                   "unexpected continuation request during %s",
                   tern_imap_auth_method_to_string (self->method));
      return NULL;
    }

  switch (self->state)
    {
    case STATE_WAITING_FOR_FIRST:
      {
        /* The challenge of a client-first mechanism carries nothing. */
        char *response = dup_response_base64 (self);
        GBytes *line = secure_line_new (response);

        wipe_str (response);
        g_free (response);
        self->state = STATE_RESPONDED;
        return line;
      }

    case STATE_RESPONDED:
      if (self->method == TERN_IMAP_AUTH_PLAIN)
        break;

      /* XOAUTH2 and OAUTHBEARER: the error report, which must be answered
       * (empty line, resp. a single ^A) before the server sends its NO. */
      if (challenge_len > CHALLENGE_MAX || !is_base64 (challenge, challenge_len))
        {
          g_set_error_literal (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                               "the server's authentication challenge is not base64");
          return NULL;
        }
      {
        gsize len = 0;
        g_autofree guchar *decoded = challenge_len > 0 ? g_base64_decode (challenge, &len) : NULL;

        keep_server_error (self, decoded, len);
      }
      self->state = STATE_ERROR_ACKNOWLEDGED;
      if (self->method == TERN_IMAP_AUTH_OAUTHBEARER)
        return secure_line_new ("AQ==");
      return secure_line_new ("");

    case STATE_ERROR_ACKNOWLEDGED:
    case STATE_NEW:
    default:
      break;
    }

  g_set_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
               "unexpected challenge from the server during %s authentication",
               tern_imap_auth_method_to_string (self->method));
  return NULL;
}

/**
 * tern_imap_sasl_get_server_error:
 *
 * Returns: (nullable): the error report an OAuth2 mechanism received, as
 *   printable ASCII (the JSON text), or %NULL
 */
const char *
tern_imap_sasl_get_server_error (TernImapSasl *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->server_error;
}

/**
 * tern_imap_sasl_get_server_status:
 *
 * Returns: (nullable): the "status" of that report ("401", "invalid_token"):
 *   a sign that the access token must be refreshed, or %NULL
 */
const char *
tern_imap_sasl_get_server_status (TernImapSasl *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->server_status;
}
