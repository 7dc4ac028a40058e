/* tern-imap-client.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapClient: one IMAP connection on GIO, main context only.
 *
 * Reading: one asynchronous read at a time into a 64 KiB buffer; the bytes go
 * to the incremental parser, the responses it completes are dispatched, and
 * only then is the next read started, so no main-loop iteration handles more
 * than one buffer (DESIGN decision 1). The parser is fed "until tagged": it
 * stops after each tagged response, so that what follows the OK to STARTTLS
 * is discarded unparsed and what follows the OK to COMPRESS is inflated
 * first.
 *
 * Writing: commands are serialised when they leave the queue, which is when
 * their tag is assigned; their chunks go to a write queue, and a chunk that
 * ends in a synchronising literal holds the queue until the server's "+".
 *
 * Ordering: independent commands are pipelined. Commands that change the
 * connection's state (SELECT, EXAMINE, ENABLE, COMPRESS, STARTTLS,
 * AUTHENTICATE, LOGIN, IDLE, CLOSE, UNSELECT, LOGOUT) leave the queue only
 * when nothing is in flight and hold everything behind them until their
 * tagged response. Untagged responses go to the oldest command in flight that
 * produces that kind of response; the rest are emitted as ::unsolicited.
 *
 * Trust: before TLS on a STARTTLS account nothing the server says is shown
 * or believed, except whether it offers STARTTLS; everything read before the
 * handshake is dropped with the parser. Server text reaches a GError message
 * only on a TLS connection.
 *
 * Lifetime: asynchronous I/O holds a Connection, not the client, so dropping
 * the last reference to a connected client closes it. Pending commands hold
 * the client (their GTask's source object) until they complete.
 *
 * Compression (COMPRESS=DEFLATE, RFC 4978) drives a raw-deflate
 * GZlibCompressor/GZlibDecompressor pair directly rather than through
 * converter streams: the output is flushed (Z_SYNC_FLUSH) after every write
 * without GOutputStream's threaded flush_async, bytes that arrived with the
 * tagged OK are inflated like any others, and each main-loop iteration
 * inflates at most one buffer's worth.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "tern-imap-client.h"
#include "tern-imap-client-private.h"
#include "tern-imap-error.h"
#include "tern-imap-parser.h"
#include "tern-imap-utf7.h"

#define READ_BUFFER_SIZE ((gsize) 64 * 1024)
/* Large literals are written (and deflated) in pieces, so that progress
 * counts as activity and no iteration compresses more than this. */
#define WRITE_PIECE_SIZE ((gsize) 64 * 1024)
#define INFLATE_BUFFER_SIZE ((gsize) 64 * 1024)
/* Strings longer than this appear in the trace as "{N bytes}". */
#define TRACE_STRING_MAX 256
#define TRACE_LINE_MAX 8192
#define TRACE_DEPTH_MAX 64
/* Server text put into an error message is cut at this many characters. */
#define SERVER_TEXT_MAX 200
#define MAX_CAPABILITIES 512

typedef enum
{
  CMD_BARRIER = 1 << 0,
  CMD_AUTH = 1 << 1,
  CMD_STARTTLS = 1 << 2,
  CMD_COMPRESS = 1 << 3,
  CMD_ENABLE = 1 << 4,
  CMD_SELECT = 1 << 5,
  CMD_EXAMINE = 1 << 6,
  CMD_DESELECT = 1 << 7,
  CMD_IDLE = 1 << 8,
  CMD_LOGOUT = 1 << 9,
  CMD_UID_FETCH = 1 << 10,
} CommandFlags;

#define ROUTE(type) (1u << (type))
/* Untagged OK/NO/BAD (response codes during SELECT). */
#define ROUTE_STATUS (1u << 31)
/* Untagged data of a keyword the parser does not know, when it matches the
 * command's verb (GETQUOTA → QUOTA is not covered; QUOTAROOT would be). */
#define ROUTE_OTHER (1u << 30)

#define SELECT_ROUTES                                                                              \
  (ROUTE (TERN_IMAP_DATA_FLAGS) | ROUTE (TERN_IMAP_DATA_EXISTS) | ROUTE (TERN_IMAP_DATA_RECENT) |  \
   ROUTE (TERN_IMAP_DATA_VANISHED) | ROUTE (TERN_IMAP_DATA_FETCH) | ROUTE_STATUS)

typedef struct
{
  const char *name;
  guint flags;
  guint32 routes;
} CommandInfo;

static const CommandInfo command_table[] = {
  { "CAPABILITY", 0, ROUTE (TERN_IMAP_DATA_CAPABILITY) },
  { "LOGIN", CMD_BARRIER | CMD_AUTH, ROUTE (TERN_IMAP_DATA_CAPABILITY) },
  { "AUTHENTICATE", CMD_BARRIER | CMD_AUTH, ROUTE (TERN_IMAP_DATA_CAPABILITY) },
  { "STARTTLS", CMD_BARRIER | CMD_STARTTLS, 0 },
  { "COMPRESS", CMD_BARRIER | CMD_COMPRESS, 0 },
  { "ENABLE", CMD_BARRIER | CMD_ENABLE, ROUTE (TERN_IMAP_DATA_ENABLED) },
  { "SELECT", CMD_BARRIER | CMD_SELECT, SELECT_ROUTES },
  { "EXAMINE", CMD_BARRIER | CMD_SELECT | CMD_EXAMINE, SELECT_ROUTES },
  { "CLOSE", CMD_BARRIER | CMD_DESELECT, 0 },
  { "UNSELECT", CMD_BARRIER | CMD_DESELECT, 0 },
  { "IDLE", CMD_BARRIER | CMD_IDLE, 0 },
  { "LOGOUT", CMD_BARRIER | CMD_LOGOUT, 0 },
  { "ID", 0, ROUTE (TERN_IMAP_DATA_ID) },
  { "NAMESPACE", 0, ROUTE (TERN_IMAP_DATA_NAMESPACE) },
  { "LIST", 0, ROUTE (TERN_IMAP_DATA_LIST) | ROUTE (TERN_IMAP_DATA_STATUS) },
  { "LSUB", 0, ROUTE (TERN_IMAP_DATA_LSUB) },
  { "STATUS", 0, ROUTE (TERN_IMAP_DATA_STATUS) },
  { "FETCH", 0, ROUTE (TERN_IMAP_DATA_FETCH) },
  { "UID FETCH", CMD_UID_FETCH, ROUTE (TERN_IMAP_DATA_FETCH) | ROUTE (TERN_IMAP_DATA_VANISHED) },
  { "STORE", 0, ROUTE (TERN_IMAP_DATA_FETCH) },
  { "UID STORE", 0, ROUTE (TERN_IMAP_DATA_FETCH) },
  { "SEARCH", 0, ROUTE (TERN_IMAP_DATA_SEARCH) | ROUTE (TERN_IMAP_DATA_ESEARCH) },
  { "UID SEARCH", 0, ROUTE (TERN_IMAP_DATA_SEARCH) | ROUTE (TERN_IMAP_DATA_ESEARCH) },
  { "SORT", 0, ROUTE (TERN_IMAP_DATA_SORT) | ROUTE (TERN_IMAP_DATA_ESEARCH) },
  { "UID SORT", 0, ROUTE (TERN_IMAP_DATA_SORT) | ROUTE (TERN_IMAP_DATA_ESEARCH) },
  { "THREAD", 0, ROUTE (TERN_IMAP_DATA_THREAD) },
  { "UID THREAD", 0, ROUTE (TERN_IMAP_DATA_THREAD) },
  /* RFC 6851 §4.3: [COPYUID] comes in an untagged OK before the expunges. */
  { "MOVE", 0, ROUTE_STATUS },
  { "UID MOVE", 0, ROUTE_STATUS },
};

/* One connection's transport. Asynchronous operations hold a reference to
 * this, never to the client; @client is cleared when the connection is torn
 * down, so late callbacks see that they are stale and return. */
typedef struct
{
  grefcount ref_count;
  TernImapClient *client; /* borrowed; NULL once torn down */

  /* owned */
  GSocketConnection *socket;
  GTlsConnection *tls;
  GCancellable *cancellable;
  guint8 *buffer;

  /* borrowed from socket or tls */
  GInputStream *input;
  GOutputStream *output;
} Connection;

typedef struct _Pending Pending;

/* A command from submission until its tagged response (or failure). */
struct _Pending
{
  TernImapClient *client; /* borrowed */

  /* owned */
  GTask *task; /* NULL once completed early (cancelled while in flight) */
  TernImapCommand *command;
  char *name; /* upper case */
  char *tag;
  char *mailbox; /* SELECT/EXAMINE: UTF-8 */
  TernImapSasl *sasl;
  GSource *cancel_source;
  TernImapUntaggedFunc func;
  gpointer func_data;
  GDestroyNotify func_destroy;

  const char *verb; /* last word of name */
  guint flags;
  guint32 routes;
  guint unissued; /* write items not started yet */

  guint sent : 1;
  guint wait_closed : 1; /* SELECT: routes inactive until [CLOSED] */
  guint idle_accepted : 1;
  guint idle_done_sent : 1;
  guint idle_done_wanted : 1;
};

/* One chunk of a command, or a line answering a continuation. */
typedef struct
{
  Pending *pending; /* borrowed; NULL once its command has gone */
  GBytes *bytes;
  gsize offset; /* bytes of @bytes done */
  /* The piece being written: a slice of @bytes, or that slice deflated. */
  GBytes *out;
  gsize out_offset;
  gsize out_raw; /* bytes of @bytes that @out stands for */
  guint wait_for_continuation : 1;
  guint issued : 1;
} WriteItem;

struct _TernImapClient
{
  GObject parent_instance;

  /* configuration */
  char *host;
  guint16 port;
  TernSecurity security;
  char *ca_file;
  GTlsCertificate *pinned_certificate;
  guint connect_timeout;
  guint command_timeout;
  guint keepalive;
  gsize max_literal_size;
  TernImapLiteralMode forced_literal_mode;
  GMainContext *context;

  /* connection, owned */
  Connection *conn;
  TernImapParser *parser;
  GConverter *compressor;
  GConverter *decompressor;
  GByteArray *inflate_input;
  GSource *inflate_source;
  GSource *command_timer;
  GSource *keepalive_timer;
  GSource *connect_timer;
  GSource *login_timer;
  GSource *connect_cancel_source;
  GSource *idle_cancel_source;
  GTask *connect_task;
  GTask *idle_start_task;
  GTask *idle_done_task;
  char **capabilities;
  char **pre_tls_capabilities;
  GHashTable *enabled;
  char *selected_mailbox;
  GTlsCertificate *peer_certificate;
  GTlsCertificateFlags peer_certificate_errors;

  /* commands */
  GQueue queue;       /* Pending: not sent yet */
  GQueue in_flight;   /* Pending: sent, oldest first */
  GQueue write_queue; /* WriteItem */
  Pending *awaiting_continuation;
  Pending *idle; /* the IDLE command, while there is one */
  guint n_barriers_in_flight;
  guint next_tag;
  guint capabilities_serial;
  guint generation;
  gint64 last_activity;

  TernImapClientState state;

  guint secure : 1;
  guint was_connected : 1;
  guint io_ready : 1;
  guint reading : 1;
  guint writing : 1;
  guint greeting_pending : 1;
  guint tls_switch : 1;
  guint compress_switch : 1;
  guint selected_read_only : 1;
  guint literal_mode_forced : 1;
  guint busy : 1;
};

G_DEFINE_FINAL_TYPE (TernImapClient, tern_imap_client, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (TernImapClientState,
                    tern_imap_client_state,
                    G_DEFINE_ENUM_VALUE (TERN_IMAP_CLIENT_DISCONNECTED, "disconnected"),
                    G_DEFINE_ENUM_VALUE (TERN_IMAP_CLIENT_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (TERN_IMAP_CLIENT_NOT_AUTHENTICATED, "not-authenticated"),
                    G_DEFINE_ENUM_VALUE (TERN_IMAP_CLIENT_AUTHENTICATED, "authenticated"),
                    G_DEFINE_ENUM_VALUE (TERN_IMAP_CLIENT_SELECTED, "selected"),
                    G_DEFINE_ENUM_VALUE (TERN_IMAP_CLIENT_LOGOUT, "logout"))

enum
{
  PROP_0,
  PROP_STATE,
  PROP_SECURE,
  PROP_CAPABILITIES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  UNSOLICITED,
  ALERT,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void teardown (TernImapClient *self, const GError *error);
static void fail_connection (TernImapClient *self, GError *error);
static void pump (TernImapClient *self);
static void write_pump (TernImapClient *self);
static void read_next (TernImapClient *self);
static void update_timers (TernImapClient *self);
static void connect_done (TernImapClient *self);
static void start_tls (TernImapClient *self);
static void connect_after_greeting (TernImapClient *self);
static void idle_start_return (TernImapClient *self, GError *error);

/* -- small helpers ------------------------------------------------------------ */

static gboolean
strv_has (char **strv, const char *name)
{
  if (strv == NULL)
    return FALSE;

  for (guint i = 0; strv[i] != NULL; i++)
    if (g_ascii_strcasecmp (strv[i], name) == 0)
      return TRUE;

  return FALSE;
}

/* Whether what the server says about itself can be believed: on TLS, or on a
 * connection the account explicitly left in plain text. */
static gboolean
is_trusted (TernImapClient *self)
{
  return self->secure || self->security == TERN_SECURITY_NONE;
}

/* Server text fit for an error message: valid UTF-8, no control characters,
 * bounded. NULL when the connection is not secure or there is no text. */
static char *
dup_server_text (TernImapClient *self, const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;
  guint n = 0;

  if (!self->secure || text == NULL || text[0] == '\0')
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_new (NULL);
  for (const char *p = valid; *p != '\0' && n < SERVER_TEXT_MAX; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
    }

  g_strstrip (out->str);
  if (out->str[0] == '\0')
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}

static gboolean
trace_enabled (void)
{
  return !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
}

static void
trace_string (GString *out, const char *str, gsize len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) str[i];

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

static void
trace_value (GString *out, const TernImapValue *value, guint depth)
{
  if (out->len > TRACE_LINE_MAX)
    return;

  switch (tern_imap_value_get_value_type (value))
    {
    case TERN_IMAP_VALUE_NIL:
      g_string_append (out, "NIL");
      break;

    case TERN_IMAP_VALUE_ATOM:
      g_string_append (out, tern_imap_value_get_atom (value));
      break;

    case TERN_IMAP_VALUE_STRING:
      {
        gsize len = 0;
        const char *str = tern_imap_value_get_string (value, &len);

        if (len > TRACE_STRING_MAX)
          g_string_append_printf (out, "{%" G_GSIZE_FORMAT " bytes}", len);
        else
          trace_string (out, str, len);
      }
      break;

    case TERN_IMAP_VALUE_LIST:
      {
        guint n = tern_imap_value_get_n_children (value);

        if (depth >= TRACE_DEPTH_MAX)
          {
            g_string_append (out, "(…)");
            break;
          }

        g_string_append_c (out, '(');
        for (guint i = 0; i < n && out->len <= TRACE_LINE_MAX; i++)
          {
            if (i > 0)
              g_string_append_c (out, ' ');
            trace_value (out, tern_imap_value_get_child (value, i), depth + 1);
          }
        g_string_append_c (out, ')');
      }
      break;

    default:
      break;
    }
}

static void
trace_response (TernImapResponse *response)
{
  g_autoptr (GString) out = NULL;

  if (tern_imap_response_get_kind (response) != TERN_IMAP_RESPONSE_UNTAGGED ||
      tern_imap_response_get_status (response) != TERN_IMAP_STATUS_NONE)
    {
      g_autofree char *line = tern_imap_response_to_string (response);

      g_debug ("S: %s", line);
      return;
    }

  out = g_string_new ("* ");
  {
    guint32 number;
    const TernImapValue *args = tern_imap_response_get_args (response);

    if (tern_imap_response_get_number (response, &number))
      g_string_append_printf (out, "%u ", number);
    g_string_append (out, tern_imap_response_get_keyword (response));
    for (guint i = 0; args != NULL && i < tern_imap_value_get_n_children (args); i++)
      {
        g_string_append_c (out, ' ');
        trace_value (out, tern_imap_value_get_child (args, i), 0);
        if (out->len > TRACE_LINE_MAX)
          break;
      }
  }
  if (out->len > TRACE_LINE_MAX)
    {
      g_string_truncate (out, TRACE_LINE_MAX);
      g_string_append (out, " …");
    }

  g_debug ("S: %s", out->str);
}

static char **
dup_atoms (const TernImapValue *list)
{
  GPtrArray *names = g_ptr_array_new ();
  guint n = list != NULL ? tern_imap_value_get_n_children (list) : 0;

  for (guint i = 0; i < n && names->len < MAX_CAPABILITIES; i++)
    {
      const TernImapValue *child = tern_imap_value_get_child (list, i);

      if (tern_imap_value_is_atom (child))
        g_ptr_array_add (names, g_strdup (tern_imap_value_get_atom (child)));
    }
  g_ptr_array_add (names, NULL);

  return (char **) g_ptr_array_free (names, FALSE);
}

static void
set_state (TernImapClient *self, TernImapClientState state)
{
  if (self->state == state)
    return;

  g_debug ("%s:%u: state %u → %u", self->host, self->port, self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_secure (TernImapClient *self, gboolean secure)
{
  if (self->secure == !!secure)
    return;

  self->secure = !!secure;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECURE]);
}

/* Takes @names. */
static void
set_capabilities (TernImapClient *self, char **names)
{
  self->capabilities_serial++;

  if (self->capabilities != NULL &&
      g_strv_equal ((const char *const *) self->capabilities, (const char *const *) names))
    {
      g_strfreev (names);
      return;
    }

  g_strfreev (self->capabilities);
  self->capabilities = names;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPABILITIES]);
}

static void
clear_capabilities (TernImapClient *self)
{
  g_clear_pointer (&self->pre_tls_capabilities, g_strfreev);
  if (self->capabilities == NULL)
    return;

  g_clear_pointer (&self->capabilities, g_strfreev);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPABILITIES]);
}

static void
set_selected (TernImapClient *self, const char *mailbox, gboolean read_only)
{
  g_free (self->selected_mailbox);
  self->selected_mailbox = g_strdup (mailbox);
  self->selected_read_only = mailbox != NULL && read_only;

  if (mailbox != NULL)
    set_state (self, TERN_IMAP_CLIENT_SELECTED);
  else if (self->state == TERN_IMAP_CLIENT_SELECTED)
    set_state (self, TERN_IMAP_CLIENT_AUTHENTICATED);
}

static TernImapLiteralMode
get_literal_mode (TernImapClient *self)
{
  if (self->literal_mode_forced)
    return self->forced_literal_mode;
  if (tern_imap_client_has_capability (self, "LITERAL+"))
    return TERN_IMAP_LITERAL_PLUS;
  if (tern_imap_client_has_capability (self, "LITERAL-"))
    return TERN_IMAP_LITERAL_MINUS;
  return TERN_IMAP_LITERAL_SYNC;
}

/* -- timers ------------------------------------------------------------------- */

static gboolean
timer_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs timer_funcs = {
  NULL, NULL, timer_dispatch, NULL, NULL, NULL,
};

/* A source that fires at the ready time it is given, and can be moved
 * cheaply on every read. */
static GSource *
timer_new (TernImapClient *self, GSourceFunc func, const char *name)
{
  GSource *source = g_source_new (&timer_funcs, sizeof (GSource));

  g_source_set_callback (source, func, self, NULL);
  g_source_set_ready_time (source, -1);
  g_source_set_static_name (source, name);
  g_source_attach (source, self->context);

  return source;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static GSource *
timeout_new (TernImapClient *self, guint seconds, GSourceFunc func, const char *name)
{
  GSource *source = g_timeout_source_new (seconds * 1000);

  g_source_set_callback (source, func, self, NULL);
  g_source_set_static_name (source, name);
  g_source_attach (source, self->context);

  return source;
}

/* Whether the client waits for the server: a command in flight other than
 * an IDLE the server has accepted and we have not ended. */
static gboolean
is_waiting_for_server (TernImapClient *self)
{
  for (GList *l = self->in_flight.head; l != NULL; l = l->next)
    {
      Pending *p = l->data;

      if ((p->flags & CMD_IDLE) && p->idle_accepted && !p->idle_done_sent)
        continue;
      return TRUE;
    }

  return FALSE;
}

static void
update_timers (TernImapClient *self)
{
  gboolean busy;

  if (self->conn == NULL)
    return;

  busy = is_waiting_for_server (self) || self->write_queue.length > 0;
  if (busy && !self->busy)
    self->last_activity = g_get_monotonic_time ();
  self->busy = busy;

  if (self->command_timer != NULL)
    g_source_set_ready_time (self->command_timer,
                             busy && self->command_timeout > 0
                               ? self->last_activity +
                                   (gint64) self->command_timeout * G_USEC_PER_SEC
                               : -1);

  if (self->keepalive_timer != NULL)
    {
      gboolean quiet =
        !busy && self->queue.length == 0 && self->idle == NULL &&
        (self->state == TERN_IMAP_CLIENT_AUTHENTICATED || self->state == TERN_IMAP_CLIENT_SELECTED);

      g_source_set_ready_time (self->keepalive_timer,
                               quiet && self->keepalive > 0
                                 ? self->last_activity + (gint64) self->keepalive * G_USEC_PER_SEC
                                 : -1);
    }
}

static void
note_activity (TernImapClient *self)
{
  self->last_activity = g_get_monotonic_time ();
}

static gboolean
on_command_timeout (gpointer user_data)
{
  TernImapClient *self = user_data;

  fail_connection (self, g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_TIMEOUT,
                                      _ ("The server did not answer for %u seconds"),
                                      self->command_timeout));
  return G_SOURCE_CONTINUE;
}

static void
keepalive_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!tern_imap_client_run_finish (TERN_IMAP_CLIENT (object), result, NULL, &error))
    g_debug ("keepalive NOOP: %s", error->message);
}

static gboolean
on_keepalive (gpointer user_data)
{
  TernImapClient *self = user_data;
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("NOOP");

  tern_imap_client_run_async (self, command, NULL, NULL, NULL, NULL, keepalive_done_cb, NULL);
  return G_SOURCE_CONTINUE;
}

/* -- connections -------------------------------------------------------------- */

static Connection *
connection_new (TernImapClient *self)
{
  Connection *conn = g_new0 (Connection, 1);

  g_ref_count_init (&conn->ref_count);
  conn->client = self;
  conn->cancellable = g_cancellable_new ();
  conn->buffer = g_malloc (READ_BUFFER_SIZE);

  return conn;
}

static Connection *
connection_ref (Connection *conn)
{
  g_ref_count_inc (&conn->ref_count);
  return conn;
}

static void
connection_unref (Connection *conn)
{
  if (!g_ref_count_dec (&conn->ref_count))
    return;

  g_clear_object (&conn->tls);
  g_clear_object (&conn->socket);
  g_clear_object (&conn->cancellable);
  g_free (conn->buffer);
  g_free (conn);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Connection, connection_unref)

/* Stops all I/O at once. The socket is shut down, not closed, so that its
 * file descriptor cannot be reused while a cancelled operation (a TLS
 * handshake thread) still holds it; it is closed when the last reference
 * goes. */
static void
connection_shutdown (Connection *conn)
{
  conn->client = NULL;
  g_cancellable_cancel (conn->cancellable);

  if (conn->tls != NULL)
    g_signal_handlers_disconnect_by_data (conn->tls, conn);

  if (conn->socket != NULL)
    {
      GSocket *socket = g_socket_connection_get_socket (conn->socket);

      if (!g_socket_is_closed (socket))
        g_socket_shutdown (socket, TRUE, TRUE, NULL);
    }

  connection_unref (conn);
}

/* -- commands ----------------------------------------------------------------- */

static void
write_item_free (WriteItem *item)
{
  g_clear_pointer (&item->bytes, g_bytes_unref);
  g_clear_pointer (&item->out, g_bytes_unref);
  g_free (item);
}

static void
pending_free (Pending *p)
{
  TernImapClient *self = p->client;

  if (self->idle == p)
    self->idle = NULL;
  if (self->awaiting_continuation == p)
    self->awaiting_continuation = NULL;

  clear_source (&p->cancel_source);
  g_clear_object (&p->task);
  if (p->func_destroy != NULL)
    p->func_destroy (p->func_data);
  g_clear_pointer (&p->sasl, tern_imap_sasl_free);
  g_clear_pointer (&p->command, tern_imap_command_unref);
  g_free (p->name);
  g_free (p->tag);
  g_free (p->mailbox);
  g_free (p);
}

/* Completes @p's task (if nobody cancelled it already). Takes @error. */
static void
pending_complete (Pending *p, TernImapResponse *tagged, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&p->task);

  clear_source (&p->cancel_source);

  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }

  if (tagged != NULL)
    g_task_set_task_data (task, tern_imap_response_ref (tagged),
                          (GDestroyNotify) tern_imap_response_unref);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Drops the unwritten chunks of @p (after a tagged response that came before
 * the server asked for a literal). */
static void
drop_write_items (TernImapClient *self, Pending *p)
{
  GList *l = self->write_queue.head;

  while (l != NULL)
    {
      GList *next = l->next;
      WriteItem *item = l->data;

      if (item->pending == p)
        {
          if (l == self->write_queue.head && item->issued)
            {
              /* Partly on its way; it finishes, but no longer refers to p. */
              item->pending = NULL;
            }
          else
            {
              g_queue_delete_link (&self->write_queue, l);
              write_item_free (item);
            }
        }
      l = next;
    }

  p->unissued = 0;
  if (self->awaiting_continuation == p)
    self->awaiting_continuation = NULL;
}

/* Queues a line that belongs to @p's exchange (a SASL response, DONE).
 * Takes @bytes. */
static void
enqueue_line (TernImapClient *self, Pending *p, GBytes *bytes, const char *trace)
{
  WriteItem *item = g_new0 (WriteItem, 1);

  item->pending = p;
  item->bytes = bytes;
  p->unissued++;
  g_debug ("C: %s", trace);
  g_queue_push_tail (&self->write_queue, item);
  write_pump (self);
}

static void
send_idle_done (TernImapClient *self, Pending *p)
{
  if (p->idle_done_sent)
    return;

  p->idle_done_sent = TRUE;
  enqueue_line (self, p, g_bytes_new_static ("DONE\r\n", 6), "DONE");
  update_timers (self);
}

static const CommandInfo *
lookup_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (command_table); i++)
    if (strcmp (command_table[i].name, name) == 0)
      return &command_table[i];

  return NULL;
}

static Pending *
pending_new (TernImapClient *self, TernImapCommand *command)
{
  Pending *p = g_new0 (Pending, 1);
  const CommandInfo *info;
  const char *space;

  p->client = self;
  p->command = tern_imap_command_ref (command);
  p->name = g_ascii_strup (tern_imap_command_get_name (command), -1);
  space = strrchr (p->name, ' ');
  p->verb = space != NULL ? space + 1 : p->name;

  info = lookup_command (p->name);
  if (info != NULL)
    {
      p->flags = info->flags;
      p->routes = info->routes;
    }
  else
    {
      p->routes = ROUTE_OTHER;
    }

  return p;
}

/* The mailbox argument of SELECT/EXAMINE, read back from the bytes we send:
 * an atom, a quoted string or a literal, in modified UTF-7 or (UTF8=ACCEPT)
 * UTF-8. */
static char *
dup_mailbox_argument (GPtrArray *chunks, gboolean utf8)
{
  g_autoptr (GByteArray) all = g_byte_array_new ();
  g_autoptr (GString) raw = g_string_new (NULL);
  const guint8 *p;
  const guint8 *end;
  char *name;

  for (guint i = 0; i < chunks->len; i++)
    {
      TernImapChunk *chunk = g_ptr_array_index (chunks, i);
      gsize len;
      const guint8 *data = g_bytes_get_data (chunk->bytes, &len);

      g_byte_array_append (all, data, (guint) len);
    }

  p = all->data;
  end = all->data + all->len;

  /* tag SP command SP */
  for (int spaces = 0; p < end && spaces < 2; p++)
    if (*p == ' ')
      spaces++;
  if (p >= end)
    return NULL;

  if (*p == '"')
    {
      for (p++; p < end && *p != '"'; p++)
        {
          if (*p == '\\' && p + 1 < end)
            p++;
          g_string_append_c (raw, (char) *p);
        }
    }
  else if (*p == '{')
    {
      guint64 size = 0;

      for (p++; p < end && g_ascii_isdigit (*p); p++)
        size = size * 10 + (guint64) (*p - '0');
      if (p < end && *p == '+')
        p++;
      if (end - p < 3 || p[0] != '}' || p[1] != '\r' || p[2] != '\n')
        return NULL;
      p += 3;
      if ((guint64) (end - p) < size)
        return NULL;
      g_string_append_len (raw, (const char *) p, (gssize) size);
    }
  else
    {
      for (; p < end && *p != ' ' && *p != '\r' && *p != '('; p++)
        g_string_append_c (raw, (char) *p);
    }

  if (utf8)
    name = g_utf8_make_valid (raw->str, (gssize) raw->len);
  else
    {
      name = tern_imap_utf7_decode (raw->str, raw->len, NULL);
      if (name == NULL)
        name = g_utf8_make_valid (raw->str, (gssize) raw->len);
    }

  if (g_ascii_strcasecmp (name, "INBOX") == 0)
    {
      g_free (name);
      name = g_strdup ("INBOX");
    }

  return name;
}

static void
send_pending (TernImapClient *self, Pending *p)
{
  g_autoptr (GPtrArray) chunks = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *trace = NULL;
  g_autofree char *tag = g_strdup_printf ("A%04u", ++self->next_tag);
  gboolean utf8 = tern_imap_client_is_enabled (self, "UTF8=ACCEPT");

  chunks =
    tern_imap_command_serialize (p->command, tag, get_literal_mode (self), utf8, &trace, &error);
  if (chunks == NULL)
    {
      pending_complete (p, NULL, g_steal_pointer (&error));
      pending_free (p);
      return;
    }

  g_debug ("C: %s", trace);

  p->tag = g_steal_pointer (&tag);
  p->sent = TRUE;
  if (p->flags & CMD_SELECT)
    {
      p->mailbox = dup_mailbox_argument (chunks, utf8);
      /* RFC 7162 §3.2.11: with QRESYNC, what comes before [CLOSED] still
       * belongs to the mailbox selected so far. */
      p->wait_closed =
        self->state == TERN_IMAP_CLIENT_SELECTED && tern_imap_client_is_enabled (self, "QRESYNC");
    }

  g_queue_push_tail (&self->in_flight, p);
  if (p->flags & CMD_BARRIER)
    self->n_barriers_in_flight++;

  for (guint i = 0; i < chunks->len; i++)
    {
      TernImapChunk *chunk = g_ptr_array_index (chunks, i);
      WriteItem *item = g_new0 (WriteItem, 1);

      item->pending = p;
      item->bytes = g_bytes_ref (chunk->bytes);
      item->wait_for_continuation = chunk->wait_for_continuation;
      g_queue_push_tail (&self->write_queue, item);
      p->unissued++;
    }

  write_pump (self);
}

/* Sends what may go now: independent commands while no state-changing one
 * is in flight; a state-changing one only when nothing is. */
static void
pump (TernImapClient *self)
{
  guint generation = self->generation;

  while (self->conn != NULL && self->io_ready && self->generation == generation &&
         self->queue.length > 0)
    {
      Pending *p = g_queue_peek_head (&self->queue);

      if (self->n_barriers_in_flight > 0)
        {
          /* A command waits behind an IDLE: end it (RFC 2177 §3). */
          if (self->idle != NULL && self->idle->idle_accepted)
            send_idle_done (self, self->idle);
          break;
        }
      if ((p->flags & CMD_BARRIER) && self->in_flight.length > 0)
        break;

      g_queue_pop_head (&self->queue);
      send_pending (self, p);
    }

  update_timers (self);
}

static gboolean
on_pending_cancelled (GCancellable *cancellable, gpointer user_data)
{
  Pending *p = user_data;
  TernImapClient *self = p->client;

  clear_source (&p->cancel_source);

  if (!p->sent)
    {
      g_queue_remove (&self->queue, p);
      pending_complete (p, NULL,
                        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             _ ("Operation was cancelled")));
      pending_free (p);
      pump (self);
      return G_SOURCE_REMOVE;
    }

  /* On the wire already: the server answers it anyway; its untagged data
   * is dropped from now on and its tagged response only keeps the state. */
  pending_complete (p, NULL,
                    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                         _ ("Operation was cancelled")));
  if (p->func_destroy != NULL)
    p->func_destroy (p->func_data);
  p->func = NULL;
  p->func_data = NULL;
  p->func_destroy = NULL;

  return G_SOURCE_REMOVE;
}

static void
submit (TernImapClient *self,
        TernImapCommand *command,
        guint extra_flags,
        TernImapUntaggedFunc func,
        gpointer func_data,
        GDestroyNotify func_destroy,
        GCancellable *cancellable,
        gpointer source_tag,
        GAsyncReadyCallback callback,
        gpointer user_data)
{
  Pending *p = pending_new (self, command);

  p->flags |= extra_flags;
  p->func = func;
  p->func_data = func_data;
  p->func_destroy = func_destroy;
  p->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (p->task, source_tag);

  if (cancellable != NULL)
    {
      p->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (p->cancel_source, G_SOURCE_FUNC (on_pending_cancelled), p, NULL);
      g_source_attach (p->cancel_source, self->context);
    }

  if (p->flags & CMD_IDLE)
    self->idle = p;

  g_queue_push_tail (&self->queue, p);
  pump (self);
}

static GError *
command_error (TernImapClient *self, Pending *p, TernImapResponse *tagged)
{
  TernImapStatus status = tern_imap_response_get_status (tagged);
  g_autofree char *text = dup_server_text (self, tern_imap_response_get_text (tagged));

  if (p->flags & CMD_AUTH)
    {
      gboolean token =
        p->sasl != NULL && (tern_imap_sasl_get_method (p->sasl) == TERN_IMAP_AUTH_XOAUTH2 ||
                            tern_imap_sasl_get_method (p->sasl) == TERN_IMAP_AUTH_OAUTHBEARER);
      const char *message;

      if (tern_imap_response_has_code (tagged, "UNAVAILABLE"))
        message = _ ("The server cannot log you in at the moment; try again later");
      else if (status == TERN_IMAP_STATUS_BAD)
        message = _ ("The server did not accept the login request");
      else if (token)
        message = _ ("The server did not accept the access token; sign in again");
      else
        message = _ ("The server did not accept the user name or password");

      if (text != NULL)
        return g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_AUTHENTICATION, "%s (%s)", message,
                            text);
      return g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_AUTHENTICATION, message);
    }

  if (status == TERN_IMAP_STATUS_NO)
    {
      if (text != NULL)
        return g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_NO, _ ("The server refused %s: %s"),
                            p->name, text);
      return g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_NO, _ ("The server refused %s"),
                          p->name);
    }

  if (text != NULL)
    return g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_BAD,
                        _ ("The server rejected %s as invalid: %s"), p->name, text);
  return g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_BAD, _ ("The server rejected %s as invalid"),
                      p->name);
}

static Pending *
find_in_flight (TernImapClient *self, const char *tag)
{
  for (GList *l = self->in_flight.head; l != NULL; l = l->next)
    {
      Pending *p = l->data;

      if (strcmp (p->tag, tag) == 0)
        return p;
    }

  return NULL;
}

/* -- writing ------------------------------------------------------------------ */

typedef struct
{
  Connection *conn;
  GBytes *bytes;
} WriteOp;

static void
write_op_free (WriteOp *op)
{
  connection_unref (op->conn);
  g_bytes_unref (op->bytes);
  g_free (op);
}

/* @bytes deflated and flushed (Z_SYNC_FLUSH) so that the server can inflate
 * all of it now. */
static GBytes *
deflate_bytes (GConverter *compressor, GBytes *bytes, GError **error)
{
  gsize in_len;
  const guint8 *in = g_bytes_get_data (bytes, &in_len);
  g_autoptr (GByteArray) out = g_byte_array_sized_new ((guint) MIN (in_len + 64, G_MAXUINT));
  gsize in_pos = 0;
  guint8 buffer[16 * 1024];

  for (;;)
    {
      gsize n_read = 0;
      gsize n_written = 0;
      GConverterResult result;

      result = g_converter_convert (compressor, in + in_pos, in_len - in_pos, buffer, sizeof buffer,
                                    G_CONVERTER_FLUSH, &n_read, &n_written, error);
      if (result == G_CONVERTER_ERROR)
        return NULL;

      in_pos += n_read;
      g_byte_array_append (out, buffer, (guint) n_written);

      /* FLUSHED: deflate made no more progress, everything is out. */
      if (result == G_CONVERTER_FLUSHED || result == G_CONVERTER_FINISHED)
        break;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void on_written (GObject *object, GAsyncResult *result, gpointer user_data);

static void
write_pump (TernImapClient *self)
{
  WriteItem *item;
  WriteOp *op;
  gsize size;
  gsize out_size;
  const guint8 *out;

  if (self->conn == NULL || !self->io_ready || self->writing || self->awaiting_continuation)
    return;

  item = g_queue_peek_head (&self->write_queue);
  if (item == NULL)
    return;

  size = g_bytes_get_size (item->bytes);
  if (!item->issued)
    {
      item->issued = TRUE;
      if (item->pending != NULL)
        item->pending->unissued--;
    }

  if (item->out == NULL)
    {
      gsize piece = MIN (size - item->offset, WRITE_PIECE_SIZE);

      if (piece == 0)
        {
          g_queue_pop_head (&self->write_queue);
          write_item_free (item);
          write_pump (self);
          return;
        }

      item->out = g_bytes_new_from_bytes (item->bytes, item->offset, piece);
      item->out_offset = 0;
      item->out_raw = piece;

      if (self->compressor != NULL)
        {
          g_autoptr (GError) error = NULL;
          GBytes *deflated = deflate_bytes (self->compressor, item->out, &error);

          if (deflated == NULL)
            {
              fail_connection (self, g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                                                  _ ("Could not compress data for the server: %s"),
                                                  error->message));
              return;
            }
          g_bytes_unref (item->out);
          item->out = deflated;
        }

      /* The last piece of a chunk that ends in "{n}": hold the queue until
       * the server's "+" (which may be read before this write's callback
       * runs). */
      if (item->wait_for_continuation && item->pending != NULL && item->offset + piece == size)
        self->awaiting_continuation = item->pending;
    }

  out = g_bytes_get_data (item->out, &out_size);
  op = g_new0 (WriteOp, 1);
  op->conn = connection_ref (self->conn);
  op->bytes = g_bytes_ref (item->out);
  self->writing = TRUE;
  g_output_stream_write_async (self->conn->output, out + item->out_offset,
                               out_size - item->out_offset, G_PRIORITY_DEFAULT,
                               self->conn->cancellable, on_written, op);
}

static void
on_written (GObject *object, GAsyncResult *result, gpointer user_data)
{
  WriteOp *op = user_data;
  TernImapClient *self = op->conn->client;
  g_autoptr (GError) error = NULL;
  gssize n;
  WriteItem *item;

  n = g_output_stream_write_finish (G_OUTPUT_STREAM (object), result, &error);
  write_op_free (op);
  if (self == NULL)
    return;

  self->writing = FALSE;
  if (n < 0)
    {
      fail_connection (self,
                       g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                                    _ ("Lost the connection to the server: %s"), error->message));
      return;
    }

  note_activity (self);
  item = g_queue_peek_head (&self->write_queue);
  g_assert (item != NULL && item->out != NULL);
  item->out_offset += (gsize) n;
  if (item->out_offset == g_bytes_get_size (item->out))
    {
      item->offset += item->out_raw;
      g_clear_pointer (&item->out, g_bytes_unref);
      if (item->offset == g_bytes_get_size (item->bytes))
        {
          g_queue_pop_head (&self->write_queue);
          write_item_free (item);
        }
    }

  if (self->tls_switch && !self->reading)
    {
      start_tls (self);
      return;
    }

  update_timers (self);
  write_pump (self);
}

/* -- reading ------------------------------------------------------------------ */

static void dispatch (TernImapClient *self, TernImapResponse *response);
static void inflate_step (TernImapClient *self);

static gboolean
on_inflate_idle (gpointer user_data)
{
  TernImapClient *self = user_data;

  clear_source (&self->inflate_source);
  inflate_step (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_inflate (TernImapClient *self)
{
  if (self->inflate_source != NULL)
    return;

  self->inflate_source = g_idle_source_new ();
  g_source_set_priority (self->inflate_source, G_PRIORITY_DEFAULT);
  g_source_set_callback (self->inflate_source, on_inflate_idle, self, NULL);
  g_source_set_static_name (self->inflate_source, "[tern-imap] inflate");
  g_source_attach (self->inflate_source, self->context);
}

/* Parses and dispatches @data. Returns FALSE when reading must not simply go
 * on: the connection is gone, TLS is being set up, or compressed bytes wait
 * to be inflated. */
static gboolean
process (TernImapClient *self, const guint8 *data, gsize len)
{
  guint generation = self->generation;

  while (len > 0)
    {
      g_autoptr (GPtrArray) out =
        g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
      g_autoptr (GError) error = NULL;
      gsize consumed = 0;
      gboolean ok;

      ok = tern_imap_parser_feed_until_tagged (self->parser, data, len, &consumed, out, &error);
      for (guint i = 0; i < out->len; i++)
        {
          dispatch (self, g_ptr_array_index (out, i));
          if (self->generation != generation)
            return FALSE;
        }

      if (!ok)
        {
          fail_connection (self, g_steal_pointer (&error));
          return FALSE;
        }

      data += consumed;
      len -= consumed;

      if (self->tls_switch)
        {
          if (len > 0)
            g_debug ("discarding %" G_GSIZE_FORMAT " bytes received with the STARTTLS answer", len);
          /* The handshake needs the socket to itself: after the last plain
           * write has completed (on_written starts it then). */
          if (!self->writing)
            start_tls (self);
          return FALSE;
        }

      if (self->compress_switch)
        {
          self->compress_switch = FALSE;
          if (len > 0)
            {
              g_byte_array_append (self->inflate_input, data, (guint) len);
              schedule_inflate (self);
              return FALSE;
            }
        }
    }

  return TRUE;
}

/* Inflates at most one buffer's worth of what the server sent compressed,
 * then goes on reading or comes back in the next iteration. */
static void
inflate_step (TernImapClient *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *out = NULL;
  g_autoptr (TernImapClient) hold = NULL;
  guint generation = self->generation;

  if (self->decompressor == NULL || self->conn == NULL)
    return;

  hold = g_object_ref (self);
  out = g_malloc (INFLATE_BUFFER_SIZE);

  for (;;)
    {
      gsize n_read = 0;
      gsize n_written = 0;
      GConverterResult result;

      result = g_converter_convert (self->decompressor, self->inflate_input->data,
                                    self->inflate_input->len, out, INFLATE_BUFFER_SIZE,
                                    G_CONVERTER_NO_FLAGS, &n_read, &n_written, &error);
      if (result == G_CONVERTER_ERROR)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            {
              /* Everything inflated; zlib needs more input. */
              g_byte_array_set_size (self->inflate_input, 0);
              read_next (self);
              return;
            }
          fail_connection (self, g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                                              _ ("The server sent corrupt compressed data: %s"),
                                              error->message));
          return;
        }

      g_byte_array_remove_range (self->inflate_input, 0, (guint) n_read);

      if (result == G_CONVERTER_FINISHED)
        {
          fail_connection (self,
                           g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                                                _ ("The server ended its compressed stream")));
          return;
        }

      if (n_written > 0)
        {
          if (!process (self, out, n_written) || self->generation != generation)
            return;

          if (self->inflate_input->len > 0 || n_written == INFLATE_BUFFER_SIZE)
            schedule_inflate (self);
          else
            read_next (self);
          return;
        }

      if (self->inflate_input->len == 0)
        {
          read_next (self);
          return;
        }
    }
}

static void
on_eof (TernImapClient *self)
{
  if (self->state == TERN_IMAP_CLIENT_LOGOUT)
    {
      teardown (self, NULL);
      return;
    }

  fail_connection (self, g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                                              _ ("The server closed the connection unexpectedly")));
}

static void
on_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Connection) conn = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (TernImapClient) self = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (conn->client == NULL)
    return;

  self = g_object_ref (conn->client);
  self->reading = FALSE;

  if (n < 0)
    {
      fail_connection (self,
                       g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                                    _ ("Lost the connection to the server: %s"), error->message));
      return;
    }

  if (n == 0)
    {
      on_eof (self);
      return;
    }

  note_activity (self);

  if (self->decompressor != NULL)
    {
      g_byte_array_append (self->inflate_input, conn->buffer, (guint) n);
      inflate_step (self);
    }
  else if (process (self, conn->buffer, (gsize) n))
    {
      read_next (self);
    }

  update_timers (self);
}

static void
read_next (TernImapClient *self)
{
  if (self->conn == NULL || !self->io_ready || self->reading || self->tls_switch)
    return;

  self->reading = TRUE;
  g_input_stream_read_async (self->conn->input, self->conn->buffer, READ_BUFFER_SIZE,
                             G_PRIORITY_DEFAULT, self->conn->cancellable, on_read,
                             connection_ref (self->conn));
}

/* -- dispatching responses ------------------------------------------------------ */

static void
emit_unsolicited (TernImapClient *self, TernImapResponse *response)
{
  g_signal_emit (self, signals[UNSOLICITED], 0, response);
}

/* ESEARCH (RFC 4731) names the command it answers: (TAG "A0005"). */
static Pending *
find_esearch_owner (TernImapClient *self, TernImapResponse *response)
{
  const TernImapValue *args = tern_imap_response_get_args (response);
  const TernImapValue *first;
  const TernImapValue *tag;

  if (args == NULL || tern_imap_value_get_n_children (args) == 0)
    return NULL;

  first = tern_imap_value_get_child (args, 0);
  if (!tern_imap_value_is_list (first) || tern_imap_value_get_n_children (first) != 2 ||
      !tern_imap_value_atom_equal (tern_imap_value_get_child (first, 0), "TAG"))
    return NULL;

  tag = tern_imap_value_get_child (first, 1);
  if (!tern_imap_value_is_string (tag) && !tern_imap_value_is_atom (tag))
    return NULL;

  return find_in_flight (self, tern_imap_value_get_astring (tag, NULL));
}

static gboolean
is_vanished_earlier (TernImapResponse *response)
{
  const TernImapValue *args = tern_imap_response_get_args (response);
  const TernImapValue *first;

  if (args == NULL || tern_imap_value_get_n_children (args) == 0)
    return FALSE;

  first = tern_imap_value_get_child (args, 0);
  return tern_imap_value_is_list (first) && tern_imap_value_get_n_children (first) == 1 &&
         tern_imap_value_atom_equal (tern_imap_value_get_child (first, 0), "EARLIER");
}

/* Hands @response to the command that produces it. Returns FALSE when no
 * command claims it (or the one that does gave no function). */
static gboolean
route (TernImapClient *self, TernImapResponse *response)
{
  TernImapDataType type = tern_imap_response_get_data_type (response);
  Pending *target = NULL;
  guint32 bit;

  if (tern_imap_response_get_status (response) != TERN_IMAP_STATUS_NONE)
    bit = ROUTE_STATUS;
  else if (type == TERN_IMAP_DATA_OTHER)
    bit = ROUTE_OTHER;
  else
    bit = ROUTE (type);

  if (type == TERN_IMAP_DATA_ESEARCH)
    target = find_esearch_owner (self, response);

  for (GList *l = self->in_flight.head; target == NULL && l != NULL; l = l->next)
    {
      Pending *p = l->data;

      if (p->wait_closed || (p->routes & bit) == 0)
        continue;
      if (bit == ROUTE_OTHER &&
          g_ascii_strcasecmp (p->verb, tern_imap_response_get_keyword (response)) != 0)
        continue;
      if (type == TERN_IMAP_DATA_VANISHED && (p->flags & CMD_UID_FETCH) &&
          !is_vanished_earlier (response))
        continue;
      target = p;
    }

  if (target == NULL)
    return FALSE;

  /* Cancelled while in flight: its data goes nowhere. */
  if (target->task == NULL)
    return TRUE;
  if (target->func == NULL)
    return FALSE;

  target->func (response, target->func_data);
  return TRUE;
}

static void
handle_greeting (TernImapClient *self, TernImapResponse *response)
{
  TernImapStatus status = tern_imap_response_get_status (response);
  char **names = NULL;

  self->greeting_pending = FALSE;

  if (tern_imap_response_get_kind (response) != TERN_IMAP_RESPONSE_UNTAGGED ||
      (status != TERN_IMAP_STATUS_OK && status != TERN_IMAP_STATUS_PREAUTH &&
       status != TERN_IMAP_STATUS_BYE))
    {
      fail_connection (self, g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                                                  _ ("The server did not send an IMAP greeting")));
      return;
    }

  if (status == TERN_IMAP_STATUS_BYE)
    {
      g_autofree char *text = dup_server_text (self, tern_imap_response_get_text (response));

      if (text != NULL)
        fail_connection (self, g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                                            _ ("The server refused the connection: %s"), text));
      else
        fail_connection (self, g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                                                    _ ("The server refused the connection")));
      return;
    }

  if (status == TERN_IMAP_STATUS_PREAUTH && self->security == TERN_SECURITY_STARTTLS)
    {
      /* PREAUTH would leave the session unencrypted for good: refuse before
       * sending anything (the PREAUTH downgrade). */
      fail_connection (
        self, g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_INSECURE,
                                   _ ("The server logged in without encryption (PREAUTH) where "
                                      "STARTTLS was required; the connection was refused")));
      return;
    }

  if (tern_imap_response_has_code (response, "CAPABILITY"))
    names = dup_atoms (tern_imap_response_get_code_args (response));

  if (status == TERN_IMAP_STATUS_PREAUTH)
    set_state (self, TERN_IMAP_CLIENT_AUTHENTICATED);
  else
    set_state (self, TERN_IMAP_CLIENT_NOT_AUTHENTICATED);

  if (names != NULL && is_trusted (self))
    set_capabilities (self, names);
  else if (names != NULL)
    {
      g_strfreev (self->pre_tls_capabilities);
      self->pre_tls_capabilities = names;
    }

  connect_after_greeting (self);
}

static void
handle_bye (TernImapClient *self, TernImapResponse *response)
{
  g_autofree char *text = NULL;

  for (GList *l = self->in_flight.head; l != NULL; l = l->next)
    {
      Pending *p = l->data;

      /* Expected: the tagged OK or the end of the stream follows. */
      if (p->flags & CMD_LOGOUT)
        {
          set_state (self, TERN_IMAP_CLIENT_LOGOUT);
          return;
        }
    }

  set_state (self, TERN_IMAP_CLIENT_LOGOUT);
  text = dup_server_text (self, tern_imap_response_get_text (response));
  if (text != NULL)
    fail_connection (self, g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                                        _ ("The server closed the connection: %s"), text));
  else
    fail_connection (self, g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                                                _ ("The server closed the connection")));
}

static void
handle_continuation (TernImapClient *self, TernImapResponse *response)
{
  if (self->awaiting_continuation != NULL)
    {
      /* The go-ahead for a synchronising literal. */
      self->awaiting_continuation = NULL;
      write_pump (self);
      return;
    }

  for (GList *l = self->in_flight.head; l != NULL; l = l->next)
    {
      Pending *p = l->data;

      if (p->unissued > 0)
        continue;

      if ((p->flags & CMD_AUTH) && p->sasl != NULL)
        {
          g_autoptr (GError) error = NULL;
          GBytes *line =
            tern_imap_sasl_step (p->sasl, tern_imap_response_get_text (response), &error);

          if (line == NULL)
            {
              /* Cancel the exchange (RFC 3501 §6.2.2); the server fails it. */
              g_debug ("%s: %s", p->name, error->message);
              enqueue_line (self, p, g_bytes_new_static ("*\r\n", 3), "*");
            }
          else
            {
              enqueue_line (self, p, line, "***");
            }
          return;
        }

      if ((p->flags & CMD_IDLE) && !p->idle_accepted)
        {
          p->idle_accepted = TRUE;
          if (p->idle_done_wanted || self->queue.length > 0)
            send_idle_done (self, p);
          update_timers (self);
          idle_start_return (self, NULL);
          return;
        }
    }

  fail_connection (self, g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                                              _ ("The server sent a continuation request that no "
                                                 "command asked for")));
}

/* Completes idle_start_async; takes @error. */
static void
idle_start_return (TernImapClient *self, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->idle_start_task);

  clear_source (&self->idle_cancel_source);
  if (task == NULL)
    g_clear_error (&error);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
start_compression (TernImapClient *self)
{
  self->compressor = G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, -1));
  self->decompressor = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW));
  self->inflate_input = g_byte_array_new ();
  self->compress_switch = TRUE;
}

static void
handle_tagged (TernImapClient *self, TernImapResponse *response)
{
  const char *tag = tern_imap_response_get_tag (response);
  TernImapStatus status = tern_imap_response_get_status (response);
  gboolean ok = status == TERN_IMAP_STATUS_OK;
  guint generation = self->generation;
  GError *error = NULL;
  Pending *p;

  p = find_in_flight (self, tag);
  if (p == NULL)
    {
      fail_connection (self,
                       g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                                            _ ("The server answered a command that was not sent")));
      return;
    }

  g_queue_remove (&self->in_flight, p);
  if (p->flags & CMD_BARRIER)
    self->n_barriers_in_flight--;
  if (self->idle == p)
    self->idle = NULL;
  drop_write_items (self, p);

  if (is_trusted (self) && tern_imap_response_has_code (response, "CAPABILITY"))
    set_capabilities (self, dup_atoms (tern_imap_response_get_code_args (response)));

  if (p->flags & CMD_SELECT)
    {
      if (ok)
        set_selected (self, p->mailbox,
                      (p->flags & CMD_EXAMINE) ||
                        tern_imap_response_has_code (response, "READ-ONLY"));
      else
        /* RFC 3501 §6.3.1: a failed SELECT leaves no mailbox selected. */
        set_selected (self, NULL, FALSE);
    }
  else if ((p->flags & CMD_DESELECT) && ok)
    set_selected (self, NULL, FALSE);
  else if ((p->flags & CMD_AUTH) && ok)
    set_state (self, TERN_IMAP_CLIENT_AUTHENTICATED);
  else if ((p->flags & CMD_STARTTLS) && ok)
    {
      /* Stop reading here: what the server sent after this OK is dropped. */
      self->tls_switch = TRUE;
      self->io_ready = FALSE;
    }
  else if ((p->flags & CMD_COMPRESS) && ok && self->compressor == NULL)
    start_compression (self);
  else if (p->flags & CMD_LOGOUT)
    set_state (self, TERN_IMAP_CLIENT_LOGOUT);

  if (!ok)
    error = command_error (self, p, response);

  pending_complete (p, response, error);
  pending_free (p);

  if (self->generation != generation)
    return;

  if (self->state == TERN_IMAP_CLIENT_LOGOUT && self->in_flight.length == 0)
    {
      teardown (self, NULL);
      return;
    }

  pump (self);
  write_pump (self);
}

static void
handle_untagged (TernImapClient *self, TernImapResponse *response)
{
  TernImapStatus status = tern_imap_response_get_status (response);
  TernImapDataType type = tern_imap_response_get_data_type (response);

  if (status == TERN_IMAP_STATUS_BYE)
    {
      handle_bye (self, response);
      return;
    }

  if (!is_trusted (self))
    {
      /* Before STARTTLS: only the CAPABILITY command's answer is looked at,
       * and only for STARTTLS. Nothing is emitted. */
      route (self, response);
      return;
    }

  if (status != TERN_IMAP_STATUS_NONE)
    {
      if (tern_imap_response_has_code (response, "CAPABILITY"))
        set_capabilities (self, dup_atoms (tern_imap_response_get_code_args (response)));

      if (tern_imap_response_has_code (response, "CLOSED"))
        {
          /* RFC 7162 §3.2.11: the old mailbox is closed; a SELECT in flight
           * owns what follows. */
          for (GList *l = self->in_flight.head; l != NULL; l = l->next)
            ((Pending *) l->data)->wait_closed = FALSE;
          set_selected (self, NULL, FALSE);
          emit_unsolicited (self, response);
          return;
        }
    }
  else if (type == TERN_IMAP_DATA_CAPABILITY)
    {
      set_capabilities (self, dup_atoms (tern_imap_response_get_args (response)));
    }
  else if (type == TERN_IMAP_DATA_ENABLED)
    {
      const TernImapValue *args = tern_imap_response_get_args (response);

      for (guint i = 0; args != NULL && i < tern_imap_value_get_n_children (args); i++)
        {
          const TernImapValue *child = tern_imap_value_get_child (args, i);

          if (!tern_imap_value_is_atom (child))
            continue;
          g_hash_table_add (self->enabled, g_ascii_strup (tern_imap_value_get_atom (child), -1));
          /* RFC 7162 §3.2.3: enabling QRESYNC enables CONDSTORE. */
          if (g_ascii_strcasecmp (tern_imap_value_get_atom (child), "QRESYNC") == 0)
            g_hash_table_add (self->enabled, g_strdup ("CONDSTORE"));
        }
    }

  if (!route (self, response))
    emit_unsolicited (self, response);
}

static void
dispatch (TernImapClient *self, TernImapResponse *response)
{
  TernImapResponseKind kind = tern_imap_response_get_kind (response);

  if (trace_enabled ())
    trace_response (response);

  if (self->secure && kind != TERN_IMAP_RESPONSE_CONTINUATION &&
      tern_imap_response_has_code (response, "ALERT"))
    {
      g_autofree char *text = g_utf8_make_valid (tern_imap_response_get_text (response), -1);

      g_signal_emit (self, signals[ALERT], 0, text);
    }

  if (self->greeting_pending)
    {
      handle_greeting (self, response);
      return;
    }

  switch (kind)
    {
    case TERN_IMAP_RESPONSE_CONTINUATION:
      handle_continuation (self, response);
      break;
    case TERN_IMAP_RESPONSE_TAGGED:
      handle_tagged (self, response);
      break;
    case TERN_IMAP_RESPONSE_UNTAGGED:
    default:
      handle_untagged (self, response);
      break;
    }
}

/* -- tearing down ------------------------------------------------------------- */

/* Ends the connection. Pending commands fail with @error (or CLOSED), the
 * connect task too; ::closed is emitted with @error when the client had
 * been connected. */
static void
teardown (TernImapClient *self, const GError *error)
{
  g_autoptr (GError) pending_error = NULL;
  g_autoptr (GTask) connect_task = NULL;
  g_autoptr (GTask) idle_start_task = NULL;
  g_autoptr (GTask) idle_done_task = NULL;
  G_GNUC_UNUSED g_autoptr (TernImapClient) hold = g_object_ref (self);
  GQueue pendings = G_QUEUE_INIT;
  gboolean emit = self->was_connected;
  Pending *p;
  WriteItem *item;

  if (self->conn == NULL)
    return;

  self->generation++;
  connection_shutdown (g_steal_pointer (&self->conn));

  clear_source (&self->command_timer);
  clear_source (&self->keepalive_timer);
  clear_source (&self->connect_timer);
  clear_source (&self->login_timer);
  clear_source (&self->connect_cancel_source);
  clear_source (&self->inflate_source);
  g_clear_object (&self->compressor);
  g_clear_object (&self->decompressor);
  g_clear_pointer (&self->inflate_input, g_byte_array_unref);

  while ((item = g_queue_pop_head (&self->write_queue)) != NULL)
    write_item_free (item);

  self->awaiting_continuation = NULL;
  self->idle = NULL;
  self->n_barriers_in_flight = 0;
  self->io_ready = FALSE;
  self->reading = FALSE;
  self->writing = FALSE;
  self->greeting_pending = FALSE;
  self->tls_switch = FALSE;
  self->compress_switch = FALSE;
  self->busy = FALSE;
  self->was_connected = FALSE;

  while ((p = g_queue_pop_head (&self->in_flight)) != NULL)
    g_queue_push_tail (&pendings, p);
  while ((p = g_queue_pop_head (&self->queue)) != NULL)
    g_queue_push_tail (&pendings, p);

  connect_task = g_steal_pointer (&self->connect_task);
  idle_start_task = g_steal_pointer (&self->idle_start_task);
  idle_done_task = g_steal_pointer (&self->idle_done_task);
  clear_source (&self->idle_cancel_source);

  if (error != NULL)
    {
      pending_error = g_error_copy (error);
      g_debug ("%s:%u: connection closed: %s", self->host, self->port, error->message);
    }
  else
    pending_error = g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                                         _ ("The connection was closed"));

  g_free (self->selected_mailbox);
  self->selected_mailbox = NULL;
  self->selected_read_only = FALSE;
  set_secure (self, FALSE);
  set_state (self, TERN_IMAP_CLIENT_DISCONNECTED);

  if (connect_task != NULL)
    g_task_return_error (connect_task, g_error_copy (pending_error));
  if (idle_start_task != NULL)
    g_task_return_error (idle_start_task, g_error_copy (pending_error));
  if (idle_done_task != NULL)
    g_task_return_error (idle_done_task, g_error_copy (pending_error));

  if (emit)
    g_signal_emit (self, signals[CLOSED], 0, error);

  while ((p = g_queue_pop_head (&pendings)) != NULL)
    {
      pending_complete (p, NULL, g_error_copy (pending_error));
      pending_free (p);
    }
}

/* Takes @error. */
static void
fail_connection (TernImapClient *self, GError *error)
{
  teardown (self, error);
  g_error_free (error);
}

/* -- connecting ---------------------------------------------------------------- */

static gboolean
on_connect_timeout (gpointer user_data)
{
  TernImapClient *self = user_data;

  fail_connection (self, g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_TIMEOUT,
                                      _ ("Connecting to %s timed out after %u seconds"), self->host,
                                      self->connect_timeout));
  return G_SOURCE_REMOVE;
}

static gboolean
on_connect_cancelled (GCancellable *cancellable, gpointer user_data)
{
  TernImapClient *self = user_data;

  fail_connection (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              _ ("Operation was cancelled")));
  return G_SOURCE_REMOVE;
}

static void
start_reading (TernImapClient *self)
{
  self->io_ready = TRUE;
  read_next (self);
  pump (self);
  write_pump (self);
}

static void
on_socket_connected (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Connection) conn = user_data;
  g_autoptr (GError) error = NULL;
  GSocketConnection *socket;
  TernImapClient *self;

  socket = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  self = conn->client;
  if (self == NULL)
    {
      g_clear_object (&socket);
      return;
    }

  if (socket == NULL)
    {
      g_prefix_error (&error, _ ("Could not connect to %s port %u: "), self->host, self->port);
      fail_connection (self, g_steal_pointer (&error));
      return;
    }

  /* Half-open connections after a suspend are found by TCP keepalive, not by
   * socket timeouts, which would kill an IDLE. */
  g_socket_set_keepalive (g_socket_connection_get_socket (socket), TRUE);
  conn->socket = socket;
  conn->input = g_io_stream_get_input_stream (G_IO_STREAM (socket));
  conn->output = g_io_stream_get_output_stream (G_IO_STREAM (socket));

  g_debug ("%s:%u: connected (%s)", self->host, self->port,
           tern_security_to_string (self->security));

  if (self->security == TERN_SECURITY_TLS)
    {
      start_tls (self);
      return;
    }

  self->greeting_pending = TRUE;
  start_reading (self);
}

static gboolean
on_accept_certificate (GTlsConnection *tls,
                       GTlsCertificate *certificate,
                       GTlsCertificateFlags errors,
                       gpointer user_data)
{
  Connection *conn = user_data;
  TernImapClient *self = conn->client;

  if (self == NULL)
    return FALSE;

  g_set_object (&self->peer_certificate, certificate);
  self->peer_certificate_errors = errors;

  if (self->pinned_certificate != NULL &&
      g_tls_certificate_is_same (self->pinned_certificate, certificate))
    {
      g_debug ("%s:%u: certificate failed validation (0x%x) but is pinned: accepted", self->host,
               self->port, errors);
      return TRUE;
    }

  g_debug ("%s:%u: certificate refused (0x%x)", self->host, self->port, errors);
  return FALSE;
}

static char *
dup_certificate_problem (GTlsCertificateFlags flags)
{
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return g_strdup (_ ("it is not signed by a trusted authority"));
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return g_strdup (_ ("it was issued for a different host"));
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return g_strdup (_ ("it has expired"));
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return g_strdup (_ ("it is not valid yet"));
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return g_strdup (_ ("it has been revoked"));
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return g_strdup (_ ("it uses an insecure algorithm"));
  return g_strdup (_ ("it could not be validated"));
}

static void
on_handshake_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Connection) conn = user_data;
  g_autoptr (GError) error = NULL;
  TernImapClient *self;
  gboolean ok;

  ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error);
  self = conn->client;
  if (self == NULL)
    return;

  if (!ok)
    {
      if (self->peer_certificate != NULL && self->peer_certificate_errors != 0 &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *problem = dup_certificate_problem (self->peer_certificate_errors);

          fail_connection (self, g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_CERTIFICATE,
                                              _ ("The certificate of %s is not trusted: %s"),
                                              self->host, problem));
          return;
        }

      g_prefix_error (&error, _ ("Could not establish a secure connection to %s: "), self->host);
      fail_connection (self, g_steal_pointer (&error));
      return;
    }

  conn->input = g_io_stream_get_input_stream (G_IO_STREAM (conn->tls));
  conn->output = g_io_stream_get_output_stream (G_IO_STREAM (conn->tls));
  if (self->peer_certificate == NULL)
    {
      self->peer_certificate = g_tls_connection_get_peer_certificate (conn->tls);
      if (self->peer_certificate != NULL)
        g_object_ref (self->peer_certificate);
      self->peer_certificate_errors = 0;
    }

  g_debug ("%s:%u: TLS established", self->host, self->port);
  set_secure (self, TRUE);

  if (self->security == TERN_SECURITY_TLS)
    {
      self->greeting_pending = TRUE;
      start_reading (self);
      return;
    }

  /* STARTTLS: ask again; nothing learnt before counts. */
  start_reading (self);
  connect_after_greeting (self);
}

typedef struct
{
  GIOStream *base;
  GSocketConnectable *identity;
  char *ca_file;
} TlsSetup;

static void
tls_setup_free (TlsSetup *setup)
{
  g_object_unref (setup->base);
  g_object_unref (setup->identity);
  g_free (setup->ca_file);
  g_free (setup);
}

/* Building a client connection makes the TLS backend parse the system's
 * trusted certificates (some 150; 70-80 ms, twice in a process: once for
 * the default database, once for its credentials), and a CA file too. On
 * the main thread that stalled the window each time an account connected,
 * so it is done on a thread of its own, below the window's priority: on two
 * cores it ran beside the first frames of the window and slowed them. With
 * an account's own CA file the system's list is not wanted, and the
 * connection is made with that database from the start, so the backend never
 * reads the system's. Nothing else uses the socket until the handshake. */
#define TLS_THREAD_NICE 5

static void
build_tls (GTask *task, TlsSetup *setup)
{
  g_autoptr (GTlsDatabase) database = NULL;
  g_autoptr (GIOStream) tls = NULL;
  g_autoptr (GError) error = NULL;

  if (setup->ca_file != NULL)
    {
      database = g_tls_file_database_new (setup->ca_file, &error);
      if (database == NULL)
        {
          g_prefix_error (&error, _ ("Could not read the certificate authority file %s: "),
                          setup->ca_file);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  if (database != NULL)
    tls = g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()),
                          NULL, &error, "base-io-stream", setup->base, "server-identity",
                          setup->identity, "database", database, NULL);
  else
    tls = g_tls_client_connection_new (setup->base, setup->identity, &error);
  if (tls == NULL)
    {
      g_prefix_error (&error, _ ("Could not set up TLS: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&tls), g_object_unref);
}

static gpointer
tls_thread_main (gpointer data)
{
  g_autoptr (GTask) task = data;

  /* Linux nice values are per thread; this thread ends with the job. */
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), TLS_THREAD_NICE) != 0)
    g_debug ("Could not lower the TLS thread's priority: %s", g_strerror (errno));
  build_tls (task, g_task_get_task_data (task));
  return NULL;
}

static void
on_tls_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Connection) conn = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GIOStream) tls = g_task_propagate_pointer (G_TASK (result), &error);
  TernImapClient *self = conn->client;

  if (self == NULL || self->conn != conn)
    return;
  if (tls == NULL)
    {
      fail_connection (self, g_steal_pointer (&error));
      return;
    }
  conn->tls = G_TLS_CONNECTION (g_steal_pointer (&tls));

  /* IMAP frames its own data: a missing close_notify truncates nothing. */
  g_tls_connection_set_require_close_notify (conn->tls, FALSE);
  g_signal_connect (conn->tls, "accept-certificate", G_CALLBACK (on_accept_certificate), conn);

  g_clear_object (&self->peer_certificate);
  self->peer_certificate_errors = 0;

  g_debug ("%s:%u: TLS handshake", self->host, self->port);
  g_tls_connection_handshake_async (conn->tls, G_PRIORITY_DEFAULT, conn->cancellable,
                                    on_handshake_done, connection_ref (conn));
}

/* Replaces the parser (and with it every byte read before) and starts the
 * handshake over the socket's own streams, where nothing was read ahead. */
static void
start_tls (TernImapClient *self)
{
  Connection *conn = self->conn;
  g_autoptr (GTask) task = NULL;
  TernImapParserLimits limits;
  TlsSetup *setup;

  self->tls_switch = FALSE;
  self->io_ready = FALSE;
  g_clear_pointer (&self->pre_tls_capabilities, g_strfreev);

  tern_imap_parser_get_limits (self->parser, &limits);
  tern_imap_parser_free (self->parser);
  self->parser = tern_imap_parser_new (&limits);

  setup = g_new0 (TlsSetup, 1);
  setup->base = G_IO_STREAM (g_object_ref (conn->socket));
  setup->identity = g_network_address_new (self->host, self->port);
  setup->ca_file = g_strdup (self->ca_file);
  task = g_task_new (NULL, conn->cancellable, on_tls_created, connection_ref (conn));
  g_task_set_source_tag (task, start_tls);
  g_task_set_task_data (task, setup, (GDestroyNotify) tls_setup_free);
  g_thread_unref (g_thread_new ("tern-tls", tls_thread_main, g_steal_pointer (&task)));
}

static void
collect_pre_tls_capabilities (TernImapResponse *response, gpointer user_data)
{
  TernImapClient *self = user_data;

  if (is_trusted (self))
    return;

  g_strfreev (self->pre_tls_capabilities);
  self->pre_tls_capabilities = dup_atoms (tern_imap_response_get_args (response));
}

static void
starttls_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  TernImapClient *self = TERN_IMAP_CLIENT (object);
  g_autoptr (GError) error = NULL;

  /* On OK the reader has switched to TLS already. */
  if (tern_imap_client_run_finish (self, result, NULL, &error))
    return;

  if (self->connect_task == NULL)
    return;

  if (g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_NO) ||
      g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_BAD))
    fail_connection (self, g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_INSECURE,
                                                _ ("The server refused to start TLS (STARTTLS)")));
  else
    fail_connection (self, g_steal_pointer (&error));
}

static void
send_starttls (TernImapClient *self)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("STARTTLS");

  submit (self, command, 0, NULL, NULL, NULL, NULL, send_starttls, starttls_cb, NULL);
}

static void
connect_capability_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  TernImapClient *self = TERN_IMAP_CLIENT (object);
  g_autoptr (GError) error = NULL;

  if (!tern_imap_client_run_finish (self, result, NULL, &error))
    {
      if (self->connect_task == NULL)
        return;
      if (!is_trusted (self))
        {
          /* Its text is not to be shown. */
          g_clear_error (&error);
          error = g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                                       _ ("The server did not list its capabilities"));
        }
      fail_connection (self, g_steal_pointer (&error));
      return;
    }

  if (self->connect_task == NULL)
    return;

  if (!is_trusted (self))
    {
      if (!strv_has (self->pre_tls_capabilities, "STARTTLS"))
        {
          fail_connection (self,
                           g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_INSECURE,
                                        _ (
                                          "%s does not offer STARTTLS, which the account requires; "
                                          "nothing was sent"),
                                        self->host));
          return;
        }
      send_starttls (self);
      return;
    }

  connect_done (self);
}

static void
send_capability (TernImapClient *self, GAsyncReadyCallback callback)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("CAPABILITY");

  submit (self, command, 0, collect_pre_tls_capabilities, self, NULL, NULL, send_capability,
          callback, NULL);
}

/* After the greeting (or, for STARTTLS, after the handshake). */
static void
connect_after_greeting (TernImapClient *self)
{
  if (!is_trusted (self))
    {
      /* STARTTLS account, still in plain text. */
      if (strv_has (self->pre_tls_capabilities, "STARTTLS"))
        send_starttls (self);
      else
        send_capability (self, connect_capability_cb);
      return;
    }

  if (self->security == TERN_SECURITY_STARTTLS || self->capabilities == NULL)
    {
      send_capability (self, connect_capability_cb);
      return;
    }

  connect_done (self);
}

static void
connect_done (TernImapClient *self)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->connect_task);

  clear_source (&self->connect_timer);
  clear_source (&self->connect_cancel_source);
  self->was_connected = TRUE;
  note_activity (self);
  update_timers (self);

  g_debug ("%s:%u: ready", self->host, self->port);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

/* -- public API ----------------------------------------------------------------- */

/**
 * tern_imap_client_new:
 * @host: host name or address; also the TLS server identity
 * @port: TCP port
 * @security: implicit TLS, STARTTLS, or %TERN_SECURITY_NONE for plain text
 *   (only when the account explicitly says so)
 *
 * Returns: (transfer full): a disconnected client bound to the thread-default
 *   main context
 */
TernImapClient *
tern_imap_client_new (const char *host, guint16 port, TernSecurity security)
{
  TernImapClient *self;

  g_return_val_if_fail (host != NULL && host[0] != '\0', NULL);
  g_return_val_if_fail (port != 0, NULL);
  g_return_val_if_fail (security <= TERN_SECURITY_NONE, NULL);

  self = g_object_new (TERN_TYPE_IMAP_CLIENT, NULL);
  self->host = g_strdup (host);
  self->port = port;
  self->security = security;

  return self;
}

const char *
tern_imap_client_get_host (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), NULL);

  return self->host;
}

guint16
tern_imap_client_get_port (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), 0);

  return self->port;
}

TernSecurity
tern_imap_client_get_security (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), TERN_SECURITY_TLS);

  return self->security;
}

/**
 * tern_imap_client_set_ca_file:
 * @ca_file: (nullable): a PEM file of the certificate authorities to trust
 *   instead of the system's, or %NULL for the system's
 */
void
tern_imap_client_set_ca_file (TernImapClient *self, const char *ca_file)
{
  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));

  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
}

/**
 * tern_imap_client_set_pinned_certificate:
 * @certificate: (nullable): a certificate to accept even though it fails
 *   validation, when the server presents exactly this one
 */
void
tern_imap_client_set_pinned_certificate (TernImapClient *self, GTlsCertificate *certificate)
{
  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  g_set_object (&self->pinned_certificate, certificate);
}

void
tern_imap_client_set_timeouts (TernImapClient *self, guint connect_seconds, guint command_seconds)
{
  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));

  self->connect_timeout = connect_seconds;
  self->command_timeout = command_seconds;
  update_timers (self);
}

void
tern_imap_client_set_keepalive (TernImapClient *self, guint idle_seconds)
{
  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));

  self->keepalive = idle_seconds;
  update_timers (self);
}

/**
 * tern_imap_client_set_max_literal_size:
 * @max_bytes: the largest literal the server may send; a larger one is a
 *   %TERN_IMAP_ERROR_LIMIT error that closes the connection
 */
void
tern_imap_client_set_max_literal_size (TernImapClient *self, gsize max_bytes)
{
  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));
  g_return_if_fail (max_bytes > 0);

  self->max_literal_size = max_bytes;
  tern_imap_parser_set_max_literal_size (self->parser, max_bytes);
}

void
_tern_imap_client_force_literal_mode (TernImapClient *self,
                                      gboolean force,
                                      TernImapLiteralMode mode)
{
  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));

  self->literal_mode_forced = !!force;
  self->forced_literal_mode = mode;
}

char *
_tern_imap_client_dup_next_tag (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), NULL);

  return g_strdup_printf ("A%04u", self->next_tag + 1);
}

TernImapClientState
tern_imap_client_get_state (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), TERN_IMAP_CLIENT_DISCONNECTED);

  return self->state;
}

/**
 * tern_imap_client_is_secure:
 *
 * Returns: whether TLS is established on the connection
 */
gboolean
tern_imap_client_is_secure (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);

  return self->secure;
}

/**
 * tern_imap_client_has_capability:
 * @capability: a capability name ("IDLE", "AUTH=PLAIN"), any case
 *
 * Returns: whether the server offers it. Only capabilities from a trusted
 *   source count: never what a STARTTLS server said before TLS.
 */
gboolean
tern_imap_client_has_capability (TernImapClient *self, const char *capability)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (capability != NULL, FALSE);

  return strv_has (self->capabilities, capability);
}

/**
 * tern_imap_client_dup_capabilities:
 *
 * Returns: (transfer full) (nullable): the capabilities as the server spelt
 *   them, or %NULL before they are known
 */
char **
tern_imap_client_dup_capabilities (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), NULL);

  return g_strdupv (self->capabilities);
}

/**
 * tern_imap_client_is_enabled:
 * @extension: "CONDSTORE", "QRESYNC", "UTF8=ACCEPT", …
 *
 * Returns: whether the server confirmed it with ENABLED on this connection
 *   (QRESYNC implies CONDSTORE)
 */
gboolean
tern_imap_client_is_enabled (TernImapClient *self, const char *extension)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (extension != NULL, FALSE);

  upper = g_ascii_strup (extension, -1);
  return g_hash_table_contains (self->enabled, upper);
}

gboolean
tern_imap_client_is_compressed (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);

  return self->compressor != NULL;
}

/**
 * tern_imap_client_is_idling:
 *
 * Returns: whether an IDLE command is running (sent and not yet ended)
 */
gboolean
tern_imap_client_is_idling (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);

  return self->idle != NULL && self->idle->idle_accepted && !self->idle->idle_done_sent;
}

const char *
tern_imap_client_get_selected_mailbox (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), NULL);

  return self->selected_mailbox;
}

gboolean
tern_imap_client_is_selected_read_only (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);

  return self->selected_read_only;
}

/**
 * tern_imap_client_get_peer_certificate:
 *
 * Returns: (transfer none) (nullable): the certificate the server presented
 *   on the last TLS handshake (after a %TERN_IMAP_ERROR_CERTIFICATE error:
 *   the refused one)
 */
GTlsCertificate *
tern_imap_client_get_peer_certificate (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), NULL);

  return self->peer_certificate;
}

GTlsCertificateFlags
tern_imap_client_get_peer_certificate_errors (TernImapClient *self)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), 0);

  return self->peer_certificate_errors;
}

void
tern_imap_client_connect_async (TernImapClient *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GSocketClient) socket_client = NULL;
  g_autoptr (GSocketConnectable) address = NULL;
  TernImapParserLimits limits;

  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_imap_client_connect_async);

  if (self->conn != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               _ ("The client is connected already"));
      return;
    }

  /* A fresh start: nothing of a previous connection carries over. */
  tern_imap_parser_get_limits (self->parser, &limits);
  tern_imap_parser_free (self->parser);
  self->parser = tern_imap_parser_new (&limits);
  clear_capabilities (self);
  g_hash_table_remove_all (self->enabled);
  g_clear_object (&self->peer_certificate);
  self->peer_certificate_errors = 0;
  self->next_tag = 0;
  self->capabilities_serial = 0;

  self->conn = connection_new (self);
  self->generation++;
  self->connect_task = g_steal_pointer (&task);
  set_state (self, TERN_IMAP_CLIENT_CONNECTING);

  self->command_timer = timer_new (self, on_command_timeout, "[tern-imap] command timeout");
  self->keepalive_timer = timer_new (self, on_keepalive, "[tern-imap] keepalive");
  if (self->connect_timeout > 0)
    self->connect_timer =
      timeout_new (self, self->connect_timeout, on_connect_timeout, "[tern-imap] connect timeout");
  if (cancellable != NULL)
    {
      self->connect_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->connect_cancel_source, G_SOURCE_FUNC (on_connect_cancelled),
                             self, NULL);
      g_source_attach (self->connect_cancel_source, self->context);
    }

  g_debug ("%s:%u: connecting (%s)", self->host, self->port,
           tern_security_to_string (self->security));

  socket_client = g_socket_client_new ();
  address = g_network_address_new (self->host, self->port);
  g_socket_client_connect_async (socket_client, address, self->conn->cancellable,
                                 on_socket_connected, connection_ref (self->conn));
}

gboolean
tern_imap_client_connect_finish (TernImapClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_imap_client_connect_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* -- authenticating -------------------------------------------------------------- */

typedef struct
{
  guint capabilities_serial;
} AuthData;

static gboolean
on_login_timeout (gpointer user_data)
{
  TernImapClient *self = user_data;

  clear_source (&self->login_timer);
  fail_connection (self, g_error_new (TERN_IMAP_ERROR, TERN_IMAP_ERROR_TIMEOUT,
                                      _ ("Logging in to %s timed out after %u seconds"), self->host,
                                      self->connect_timeout));
  return G_SOURCE_REMOVE;
}

static void
auth_capability_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  TernImapClient *self = TERN_IMAP_CLIENT (object);
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  clear_source (&self->login_timer);

  /* Logged in either way; without fresh capabilities the old ones stand. */
  if (!tern_imap_client_run_finish (self, result, NULL, &error))
    g_debug ("CAPABILITY after login: %s", error->message);

  g_task_return_boolean (task, TRUE);
}

static void
auth_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  TernImapClient *self = TERN_IMAP_CLIENT (object);
  g_autoptr (GTask) task = user_data;
  AuthData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!tern_imap_client_run_finish (self, result, NULL, &error))
    {
      clear_source (&self->login_timer);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Servers list more after login; ask unless the OK carried them. */
  if (self->capabilities_serial == data->capabilities_serial)
    {
      g_autoptr (TernImapCommand) command = tern_imap_command_new ("CAPABILITY");

      submit (self, command, 0, NULL, NULL, NULL, g_task_get_cancellable (task), auth_cb,
              auth_capability_cb, g_steal_pointer (&task));
      return;
    }

  clear_source (&self->login_timer);
  g_task_return_boolean (task, TRUE);
}

void
tern_imap_client_authenticate_async (TernImapClient *self,
                                     const char *user,
                                     const char *secret,
                                     TernImapCredentialKind kind,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (TernImapSasl) sasl = NULL;
  g_autoptr (TernImapCommand) command = NULL;
  TernImapAuthMethod method;
  AuthData *data;
  Pending *p;

  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (secret != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_imap_client_authenticate_async);

  if (self->state == TERN_IMAP_CLIENT_AUTHENTICATED || self->state == TERN_IMAP_CLIENT_SELECTED)
    {
      /* PREAUTH, on a connection trusted for it. */
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (self->state != TERN_IMAP_CLIENT_NOT_AUTHENTICATED || self->connect_task != NULL)
    {
      g_task_return_new_error (task, TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                               _ ("Not connected to the server"));
      return;
    }

  if (!self->secure && self->security != TERN_SECURITY_NONE)
    {
      g_task_return_new_error (task, TERN_IMAP_ERROR, TERN_IMAP_ERROR_INSECURE,
                               _ ("Refusing to send credentials over an unencrypted connection"));
      return;
    }

  if (!tern_imap_sasl_choose_method ((const char *const *) self->capabilities, kind, &method,
                                     &error))
    {
      g_task_return_new_error (task, TERN_IMAP_ERROR, TERN_IMAP_ERROR_UNSUPPORTED, "%s",
                               error->message);
      return;
    }

  sasl = tern_imap_sasl_new (method, user, secret, self->host, self->port, &error);
  if (sasl == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  command = tern_imap_sasl_create_command (sasl, tern_imap_client_has_capability (self, "SASL-IR"));

  data = g_new0 (AuthData, 1);
  data->capabilities_serial = self->capabilities_serial;
  g_task_set_task_data (task, data, g_free);

  if (self->connect_timeout > 0)
    {
      clear_source (&self->login_timer);
      self->login_timer =
        timeout_new (self, self->connect_timeout, on_login_timeout, "[tern-imap] login timeout");
    }

  /* The SASL state goes with the command, which answers the challenges. */
  p = pending_new (self, command);
  p->sasl = g_steal_pointer (&sasl);
  p->task = g_task_new (self, cancellable, auth_cb, g_steal_pointer (&task));
  g_task_set_source_tag (p->task, tern_imap_client_authenticate_async);
  if (cancellable != NULL)
    {
      p->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (p->cancel_source, G_SOURCE_FUNC (on_pending_cancelled), p, NULL);
      g_source_attach (p->cancel_source, self->context);
    }
  g_queue_push_tail (&self->queue, p);
  pump (self);
}

gboolean
tern_imap_client_authenticate_finish (TernImapClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                          tern_imap_client_authenticate_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* -- running commands -------------------------------------------------------------- */

static gboolean
check_usable (TernImapClient *self, GTask *task)
{
  if (self->conn == NULL || self->connect_task != NULL ||
      self->state == TERN_IMAP_CLIENT_DISCONNECTED || self->state == TERN_IMAP_CLIENT_CONNECTING ||
      self->state == TERN_IMAP_CLIENT_LOGOUT)
    {
      g_task_return_new_error (task, TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED,
                               _ ("Not connected to the server"));
      return FALSE;
    }

  return TRUE;
}

/**
 * tern_imap_client_run_async:
 * @command: the command; its tag is assigned when it is sent
 * @untagged_func: (nullable): called for each untagged response routed to
 *   this command; without one they are emitted as ::unsolicited
 *
 * Runs a command. Routing of untagged responses, to the oldest command in
 * flight that produces them: CAPABILITY → CAPABILITY; ENABLED → ENABLE;
 * ID, NAMESPACE, LSUB, THREAD, SORT, SEARCH → the command of that name (UID
 * or not); ESEARCH → the command named in its (TAG …), else SEARCH/SORT;
 * LIST and STATUS → LIST (LIST-STATUS), STATUS → STATUS; FETCH → FETCH,
 * STORE, SELECT/EXAMINE (QRESYNC); VANISHED (EARLIER) → UID FETCH; FLAGS,
 * EXISTS, RECENT, VANISHED, untagged OK/NO/BAD → SELECT/EXAMINE; untagged
 * OK/NO/BAD (the [COPYUID] of RFC 6851) → MOVE, UID MOVE. EXPUNGE
 * and everything else is ::unsolicited, as are responses to commands run
 * without @untagged_func. A command run while an IDLE is accepted ends it
 * (DONE) first. STARTTLS, AUTHENTICATE, LOGIN and IDLE have functions of
 * their own and are refused here.
 */
void
tern_imap_client_run_async (TernImapClient *self,
                            TernImapCommand *command,
                            TernImapUntaggedFunc untagged_func,
                            gpointer untagged_data,
                            GDestroyNotify untagged_destroy,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  const CommandInfo *info;

  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));
  g_return_if_fail (command != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_imap_client_run_async);

  name = g_ascii_strup (tern_imap_command_get_name (command), -1);
  info = lookup_command (name);
  if (!tern_imap_command_get_error (command, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
    }
  else if (info != NULL && (info->flags & (CMD_STARTTLS | CMD_AUTH | CMD_IDLE)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "%s must be run through its own function", name);
    }
  else if (check_usable (self, task))
    {
      g_clear_object (&task);
      submit (self, command, 0, untagged_func, untagged_data, untagged_destroy, cancellable,
              tern_imap_client_run_async, callback, user_data);
      return;
    }

  if (untagged_destroy != NULL)
    untagged_destroy (untagged_data);
}

gboolean
tern_imap_client_run_finish (TernImapClient *self,
                             GAsyncResult *result,
                             TernImapResponse **out_tagged,
                             GError **error)
{
  TernImapResponse *tagged;

  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  tagged = g_task_get_task_data (G_TASK (result));
  if (out_tagged != NULL)
    *out_tagged = tagged != NULL ? tern_imap_response_ref (tagged) : NULL;

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* -- IDLE ----------------------------------------------------------------------------- */

static void
idle_finished_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  TernImapClient *self = TERN_IMAP_CLIENT (object);
  g_autoptr (GTask) done_task = g_steal_pointer (&self->idle_done_task);
  g_autoptr (GError) error = NULL;
  gboolean ok;

  ok = tern_imap_client_run_finish (self, result, NULL, &error);

  if (self->idle_start_task != NULL)
    {
      /* Ended before the server accepted it. */
      if (ok)
        idle_start_return (self, g_error_new_literal (TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                                                      _ ("The server ended IDLE before accepting "
                                                         "it")));
      else
        idle_start_return (self, g_error_copy (error));
    }

  if (done_task != NULL)
    {
      if (ok)
        g_task_return_boolean (done_task, TRUE);
      else
        g_task_return_error (done_task, g_steal_pointer (&error));
    }
  else if (!ok)
    g_debug ("IDLE: %s", error->message);
}

static gboolean
on_idle_start_cancelled (GCancellable *cancellable, gpointer user_data)
{
  TernImapClient *self = user_data;

  if (self->idle != NULL)
    {
      /* IDLE goes on until the server accepts it; then DONE follows. */
      self->idle->idle_done_wanted = TRUE;
      if (self->idle->idle_accepted)
        send_idle_done (self, self->idle);
    }

  idle_start_return (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                _ ("Operation was cancelled")));
  return G_SOURCE_REMOVE;
}

void
tern_imap_client_idle_start_async (TernImapClient *self,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (TernImapCommand) command = NULL;

  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_imap_client_idle_start_async);

  if (!check_usable (self, task))
    return;

  if (self->state != TERN_IMAP_CLIENT_AUTHENTICATED && self->state != TERN_IMAP_CLIENT_SELECTED)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               _ ("IDLE needs a logged-in connection"));
      return;
    }

  if (!tern_imap_client_has_capability (self, "IDLE"))
    {
      g_task_return_new_error (task, TERN_IMAP_ERROR, TERN_IMAP_ERROR_UNSUPPORTED,
                               _ ("The server does not support IDLE"));
      return;
    }

  if (self->idle != NULL || self->idle_start_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, _ ("IDLE is running already"));
      return;
    }

  self->idle_start_task = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      self->idle_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->idle_cancel_source, G_SOURCE_FUNC (on_idle_start_cancelled),
                             self, NULL);
      g_source_attach (self->idle_cancel_source, self->context);
    }

  command = tern_imap_command_new ("IDLE");
  submit (self, command, 0, NULL, NULL, NULL, NULL, tern_imap_client_idle_start_async,
          idle_finished_cb, NULL);
}

gboolean
tern_imap_client_idle_start_finish (TernImapClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tern_imap_client_idle_done_async (TernImapClient *self,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Pending *p;

  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_imap_client_idle_done_async);

  p = self->idle;
  if (p == NULL)
    {
      /* Not idling (any more): nothing to end. */
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (self->idle_done_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _ ("IDLE is being ended already"));
      return;
    }

  if (!p->sent)
    {
      /* Never left the queue: drop it (idle_start fails as cancelled). */
      g_queue_remove (&self->queue, p);
      pending_complete (p, NULL,
                        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             _ ("Operation was cancelled")));
      pending_free (p);
      g_task_return_boolean (task, TRUE);
      return;
    }

  self->idle_done_task = g_steal_pointer (&task);
  p->idle_done_wanted = TRUE;
  if (p->idle_accepted)
    send_idle_done (self, p);
}

gboolean
tern_imap_client_idle_done_finish (TernImapClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* -- COMPRESS, LOGOUT, close -------------------------------------------------------- */

static void
compress_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (tern_imap_client_run_finish (TERN_IMAP_CLIENT (object), result, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
tern_imap_client_compress_async (TernImapClient *self,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (TernImapCommand) command = NULL;

  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_imap_client_compress_async);

  if (!check_usable (self, task))
    return;

  if (self->compressor != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (!tern_imap_client_has_capability (self, "COMPRESS=DEFLATE"))
    {
      g_task_return_new_error (task, TERN_IMAP_ERROR, TERN_IMAP_ERROR_UNSUPPORTED,
                               _ ("The server does not support compression"));
      return;
    }

  command = tern_imap_command_new ("COMPRESS");
  tern_imap_command_add_atom (command, "DEFLATE");
  submit (self, command, 0, NULL, NULL, NULL, cancellable, tern_imap_client_compress_async,
          compress_cb, g_steal_pointer (&task));
}

gboolean
tern_imap_client_compress_finish (TernImapClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
logout_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  TernImapClient *self = TERN_IMAP_CLIENT (object);
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  /* The server may close right after its BYE: that is a logout too. */
  if (!tern_imap_client_run_finish (self, result, NULL, &error) &&
      !g_error_matches (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED))
    g_debug ("LOGOUT: %s", error->message);

  teardown (self, NULL);
  g_task_return_boolean (task, TRUE);
}

void
tern_imap_client_logout_async (TernImapClient *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (TernImapCommand) command = NULL;

  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_imap_client_logout_async);

  if (self->conn == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (self->connect_task != NULL || self->state == TERN_IMAP_CLIENT_LOGOUT)
    {
      teardown (self, NULL);
      g_task_return_boolean (task, TRUE);
      return;
    }

  command = tern_imap_command_new ("LOGOUT");
  submit (self, command, 0, NULL, NULL, NULL, cancellable, tern_imap_client_logout_async, logout_cb,
          g_steal_pointer (&task));
}

gboolean
tern_imap_client_logout_finish (TernImapClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TERN_IS_IMAP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * tern_imap_client_close:
 *
 * Closes the connection at once. Pending commands (and a connect in
 * progress) fail with %TERN_IMAP_ERROR_CLOSED; ::closed is emitted with
 * %NULL when the client had been connected.
 */
void
tern_imap_client_close (TernImapClient *self)
{
  g_return_if_fail (TERN_IS_IMAP_CLIENT (self));

  teardown (self, NULL);
}

/* -- GObject ------------------------------------------------------------------------ */

static void
tern_imap_client_dispose (GObject *object)
{
  TernImapClient *self = TERN_IMAP_CLIENT (object);

  /* Pending tasks hold the client, so nothing is pending here; only the
   * transport is left, and it must not outlive us. */
  if (self->conn != NULL)
    {
      self->was_connected = FALSE;
      teardown (self, NULL);
    }

  G_OBJECT_CLASS (tern_imap_client_parent_class)->dispose (object);
}

static void
tern_imap_client_finalize (GObject *object)
{
  TernImapClient *self = TERN_IMAP_CLIENT (object);

  g_clear_pointer (&self->parser, tern_imap_parser_free);
  g_clear_pointer (&self->capabilities, g_strfreev);
  g_clear_pointer (&self->pre_tls_capabilities, g_strfreev);
  g_clear_pointer (&self->enabled, g_hash_table_unref);
  clear_source (&self->idle_cancel_source);
  g_clear_object (&self->peer_certificate);
  g_clear_object (&self->pinned_certificate);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->selected_mailbox);
  g_free (self->ca_file);
  g_free (self->host);

  G_OBJECT_CLASS (tern_imap_client_parent_class)->finalize (object);
}

static void
tern_imap_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TernImapClient *self = TERN_IMAP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_SECURE:
      g_value_set_boolean (value, self->secure);
      break;
    case PROP_CAPABILITIES:
      g_value_set_boxed (value, self->capabilities);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tern_imap_client_class_init (TernImapClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tern_imap_client_dispose;
  object_class->finalize = tern_imap_client_finalize;
  object_class->get_property = tern_imap_client_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, TERN_TYPE_IMAP_CLIENT_STATE,
                       TERN_IMAP_CLIENT_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SECURE] =
    g_param_spec_boolean ("secure", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CAPABILITIES] =
    g_param_spec_boxed ("capabilities", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TernImapClient::unsolicited:
   * @response: an untagged response no command claimed
   *
   * EXISTS, EXPUNGE, VANISHED, FETCH (flag changes from other devices),
   * untagged OK/NO/BAD and data of commands run without an untagged
   * function. Never emitted before TLS on a STARTTLS account.
   */
  signals[UNSOLICITED] =
    g_signal_new ("unsolicited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TERN_TYPE_IMAP_RESPONSE | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * TernImapClient::alert:
   * @text: the text of an [ALERT] response (UTF-8)
   *
   * Something the server says the user must see (RFC 3501 §7.1). Only on a
   * secure connection.
   */
  signals[ALERT] = g_signal_new ("alert", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * TernImapClient::closed:
   * @error: (nullable): why, or %NULL after close() or LOGOUT
   *
   * The connection of a connected client has ended. Pending commands have
   * been failed (right after this signal).
   */
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
tern_imap_client_init (TernImapClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->connect_timeout = TERN_IMAP_CLIENT_DEFAULT_CONNECT_TIMEOUT;
  self->command_timeout = TERN_IMAP_CLIENT_DEFAULT_COMMAND_TIMEOUT;
  self->keepalive = TERN_IMAP_CLIENT_DEFAULT_KEEPALIVE;
  self->parser = tern_imap_parser_new (NULL);
  self->enabled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->state = TERN_IMAP_CLIENT_DISCONNECTED;
  g_queue_init (&self->queue);
  g_queue_init (&self->in_flight);
  g_queue_init (&self->write_queue);
}
