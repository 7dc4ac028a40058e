/* test-imap-client.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapClient against the real Dovecot of tests/fixtures (run through
 * with-dovecot, which exports TERN_TEST_*), plus two small servers of our
 * own on loopback for the timeouts. Every wait is on the main loop for the
 * result itself, never a sleep. */

#define G_LOG_DOMAIN "test-imap-client"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "imap/tern-imap-client-private.h"
#include "imap/tern-imap-client-select.h"
#include "imap/tern-imap-client.h"
#include "imap/tern-imap-error.h"
#include "imap/tern-imap-utf7.h"

/* A wait that takes longer than this is a hang. */
#define WAIT_LIMIT_SECONDS 60

static struct
{
  const char *host;
  guint16 port;
  guint16 tls_port;
  const char *ca_file;
  const char *user;
  const char *password;
  const char *fixture_dir;
  char *maildir;
  char *plain_sasl; /* base64 of the PLAIN response, which must not leak either */
} env;

/* -- the protocol trace --------------------------------------------------------- */

static GPtrArray *trace_lines; /* tern-imap debug messages since trace_reset() */
static guint n_client_lines;
static guint n_leaks;

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (strcmp (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }

  if (message != NULL && env.password != NULL &&
      (strstr (message, env.password) != NULL ||
       (env.plain_sasl != NULL && strstr (message, env.plain_sasl) != NULL)))
    n_leaks++;

  if (domain != NULL && strcmp (domain, "tern-imap") == 0 && message != NULL)
    {
      if (g_str_has_prefix (message, "C: "))
        n_client_lines++;
      if (trace_lines != NULL)
        g_ptr_array_add (trace_lines, g_strdup (message));
    }

  if (level & G_LOG_LEVEL_DEBUG)
    {
      if (g_getenv ("TERN_TEST_VERBOSE") != NULL)
        return g_log_writer_default (level, fields, n_fields, user_data);
      return G_LOG_WRITER_HANDLED;
    }

  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* The client logs with g_debug(), which GTest's default handler would take
 * before any writer function sees it. */
static void
log_handler (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  GLogField fields[] = {
    { "GLIB_DOMAIN", domain, -1 },
    { "MESSAGE", message, -1 },
  };

  log_writer (level, fields, G_N_ELEMENTS (fields), NULL);
}

static void
trace_reset (void)
{
  g_clear_pointer (&trace_lines, g_ptr_array_unref);
  trace_lines = g_ptr_array_new_with_free_func (g_free);
}

/* Index of the first trace line at or after @from that starts with @prefix
 * and contains @needle, or -1. */
static int
trace_find (guint from, const char *prefix, const char *needle)
{
  for (guint i = from; trace_lines != NULL && i < trace_lines->len; i++)
    {
      const char *line = g_ptr_array_index (trace_lines, i);

      if (g_str_has_prefix (line, prefix) && (needle == NULL || strstr (line, needle) != NULL))
        return (int) i;
    }

  return -1;
}

/* -- waiting ---------------------------------------------------------------------- */

static gboolean
on_wait_limit (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *@done is non-NULL. */
static void
wait_for (gpointer *done)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_LIMIT_SECONDS, on_wait_limit, &expired);

  while (*done == NULL && !expired)
    g_main_context_iteration (NULL, TRUE);

  if (expired)
    g_error ("waited more than %d s", WAIT_LIMIT_SECONDS);
  g_source_remove (id);
}

/* Iterates the main context until the trace has a matching line. */
static void
wait_for_trace (const char *prefix, const char *needle)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_LIMIT_SECONDS, on_wait_limit, &expired);

  while (trace_find (0, prefix, needle) < 0 && !expired)
    g_main_context_iteration (NULL, TRUE);

  if (expired)
    g_error ("no trace line “%s…%s” after %d s", prefix, needle, WAIT_LIMIT_SECONDS);
  g_source_remove (id);
}

static void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
connect_sync (TernImapClient *client, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  tern_imap_client_connect_async (client, NULL, store_result, &result);
  wait_for ((gpointer *) &result);
  return tern_imap_client_connect_finish (client, result, error);
}

static gboolean
login_sync (TernImapClient *client, const char *password, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  tern_imap_client_authenticate_async (client, env.user, password, TERN_IMAP_CREDENTIAL_PASSWORD,
                                       NULL, store_result, &result);
  wait_for ((gpointer *) &result);
  return tern_imap_client_authenticate_finish (client, result, error);
}

static void
logout_sync (TernImapClient *client)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  tern_imap_client_logout_async (client, NULL, store_result, &result);
  wait_for ((gpointer *) &result);
  g_assert_true (tern_imap_client_logout_finish (client, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_DISCONNECTED);
}

static TernImapClient *
new_client (TernSecurity security)
{
  TernImapClient *client;

  client = tern_imap_client_new (env.host, security == TERN_SECURITY_TLS ? env.tls_port : env.port,
                                 security);
  if (security != TERN_SECURITY_NONE)
    tern_imap_client_set_ca_file (client, env.ca_file);
  tern_imap_client_set_timeouts (client, 20, 20);
  return client;
}

/* Connected and logged in. */
static TernImapClient *
open_client (TernSecurity security)
{
  g_autoptr (GError) error = NULL;
  TernImapClient *client = new_client (security);

  g_assert_true (connect_sync (client, &error));
  g_assert_no_error (error);
  g_assert_true (login_sync (client, env.password, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_AUTHENTICATED);

  return client;
}

/* A command's outcome, its tagged response and the untagged responses
 * routed to it. */
typedef struct
{
  GAsyncResult *result;
  GPtrArray *untagged;
  TernImapResponse *tagged;
  GError *error;
  gboolean ok;
} Run;

static void
run_free (Run *run)
{
  g_clear_object (&run->result);
  g_clear_pointer (&run->untagged, g_ptr_array_unref);
  g_clear_pointer (&run->tagged, tern_imap_response_unref);
  g_clear_error (&run->error);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
collect_untagged (TernImapResponse *response, gpointer user_data)
{
  Run *run = user_data;

  g_ptr_array_add (run->untagged, tern_imap_response_ref (response));
}

static Run *
run_start (TernImapClient *client, TernImapCommand *command)
{
  Run *run = g_new0 (Run, 1);

  run->untagged = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  tern_imap_client_run_async (client, command, collect_untagged, run, NULL, NULL, store_result,
                              &run->result);
  return run;
}

static void
run_wait (TernImapClient *client, Run *run)
{
  wait_for ((gpointer *) &run->result);
  run->ok = tern_imap_client_run_finish (client, run->result, &run->tagged, &run->error);
}

static Run *
run_sync (TernImapClient *client, TernImapCommand *command)
{
  Run *run = run_start (client, command);

  run_wait (client, run);
  return run;
}

/* Runs a command built from @line's words (each an atom or, quoted, an
 * astring) and asserts that it succeeded. */
static Run *
run_ok (TernImapClient *client, TernImapCommand *command)
{
  Run *run = run_sync (client, command);

  g_assert_no_error (run->error);
  g_assert_true (run->ok);
  return run;
}

static TernImapCommand *command_new (const char *name, ...) G_GNUC_NULL_TERMINATED;

/* Arguments are atoms, except that a leading '"' makes the rest an astring
 * and a leading '#' the rest a mailbox name. */
static TernImapCommand *
command_new (const char *name, ...)
{
  TernImapCommand *command = tern_imap_command_new (name);
  va_list args;
  const char *arg;

  va_start (args, name);
  while ((arg = va_arg (args, const char *)) != NULL)
    {
      if (arg[0] == '"')
        tern_imap_command_add_astring (command, arg + 1);
      else if (arg[0] == '#')
        tern_imap_command_add_mailbox (command, arg + 1);
      else
        tern_imap_command_add_raw (command, arg);
    }
  va_end (args);

  return command;
}

static const TernImapValue *
fetch_item (TernImapResponse *response, const char *name)
{
  const TernImapValue *args = tern_imap_response_get_args (response);
  const TernImapValue *list;

  g_assert_cmpuint (tern_imap_value_get_n_children (args), >=, 1);
  list = tern_imap_value_get_child (args, 0);
  g_assert_true (tern_imap_value_is_list (list));

  for (guint i = 0; i + 1 < tern_imap_value_get_n_children (list); i += 2)
    if (tern_imap_value_atom_equal (tern_imap_value_get_child (list, i), name))
      return tern_imap_value_get_child (list, i + 1);

  return NULL;
}

static GBytes *
fetch_body (TernImapClient *client, guint32 uid)
{
  g_autoptr (TernImapCommand) command = NULL;
  g_autoptr (Run) run = NULL;
  g_autofree char *set = g_strdup_printf ("%u", uid);
  GBytes *body = NULL;

  command = command_new ("UID FETCH", set, "(UID BODY.PEEK[])", NULL);
  run = run_ok (client, command);
  for (guint i = 0; i < run->untagged->len; i++)
    {
      TernImapResponse *response = g_ptr_array_index (run->untagged, i);
      const TernImapValue *value;
      guint32 got;

      if (tern_imap_response_get_data_type (response) != TERN_IMAP_DATA_FETCH)
        continue;
      value = fetch_item (response, "UID");
      if (value == NULL || !tern_imap_value_get_uint32 (value, &got) || got != uid)
        continue;
      value = fetch_item (response, "BODY[]");
      g_assert_nonnull (value);
      g_assert_null (body);
      body = tern_imap_value_dup_bytes (value);
    }

  g_assert_nonnull (body);
  return body;
}

static void
select_sync (TernImapClient *client,
             const char *mailbox,
             TernImapSelectFlags flags,
             const TernImapQresync *qresync,
             TernImapSelectInfo **out_info)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  TernImapSelectInfo *info;

  tern_imap_client_select_async (client, mailbox, flags, qresync, NULL, store_result, &result);
  wait_for ((gpointer *) &result);
  info = tern_imap_client_select_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  if (out_info != NULL)
    *out_info = info;
  else
    tern_imap_select_info_free (info);
}

/* The message bytes the server serves for a Maildir file: its LF line ends
 * as CRLF. */
static GBytes *
maildir_file_as_served (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;
  GByteArray *out;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);

  out = g_byte_array_sized_new ((guint) (len + len / 20));
  for (gsize i = 0; i < len; i++)
    {
      if (contents[i] == '\n' && (i == 0 || contents[i - 1] != '\r'))
        g_byte_array_append (out, (const guint8 *) "\r", 1);
      g_byte_array_append (out, (const guint8 *) &contents[i], 1);
    }

  return g_byte_array_free_to_bytes (out);
}

/* Path of the largest message file in a Maildir folder directory. */
static char *
largest_message (const char *folder_dir)
{
  const char *subdirs[] = { "cur", "new" };
  char *best = NULL;
  goffset best_size = -1;

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *dir_path = g_build_filename (folder_dir, subdirs[i], NULL);
      g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir_path, name, NULL);
          GStatBuf st;

          if (g_stat (path, &st) == 0 && st.st_size > best_size)
            {
              best_size = st.st_size;
              g_free (best);
              best = g_steal_pointer (&path);
            }
        }
    }

  g_assert_nonnull (best);
  return best;
}

static guint
count_messages (const char *folder_dir)
{
  const char *subdirs[] = { "cur", "new" };
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *dir_path = g_build_filename (folder_dir, subdirs[i], NULL);
      g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);

      while (dir != NULL && g_dir_read_name (dir) != NULL)
        n++;
    }

  return n;
}

static char *
dup_message_id (GBytes *message)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  g_autofree char *head = g_strndup (data, MIN (len, 64 * 1024));
  char *start = strstr (head, "\nMessage-ID: ");
  char *end;

  g_assert_nonnull (start);
  start += strlen ("\nMessage-ID: ");
  end = strpbrk (start, "\r\n");
  g_assert_nonnull (end);
  return g_strndup (start, (gsize) (end - start));
}

static guint32
search_one_uid (TernImapClient *client, const char *message_id)
{
  g_autoptr (TernImapCommand) command = tern_imap_command_new ("UID SEARCH");
  g_autoptr (Run) run = NULL;
  guint32 uid = 0;

  tern_imap_command_add_atom (command, "HEADER");
  tern_imap_command_add_astring (command, "Message-ID");
  tern_imap_command_add_astring (command, message_id);
  run = run_ok (client, command);

  for (guint i = 0; i < run->untagged->len; i++)
    {
      TernImapResponse *response = g_ptr_array_index (run->untagged, i);
      const TernImapValue *args = tern_imap_response_get_args (response);

      g_assert_cmpint (tern_imap_response_get_data_type (response), ==, TERN_IMAP_DATA_SEARCH);
      g_assert_cmpuint (tern_imap_value_get_n_children (args), ==, 1);
      g_assert_true (tern_imap_value_get_uint32 (tern_imap_value_get_child (args, 0), &uid));
    }

  g_assert_cmpuint (uid, >, 0);
  return uid;
}

static char *
doveadm (const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *conf = g_build_filename (env.fixture_dir, "dovecot.conf", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) "doveadm");
  g_ptr_array_add (argv, (gpointer) "-c");
  g_ptr_array_add (argv, conf);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("doveadm: %s\n%s", error->message, err);

  return g_steal_pointer (&out);
}

static gboolean
doveadm_lists (gboolean subscribed, const char *name)
{
  const char *list[] = { "mailbox", "list", "-u", env.user, NULL };
  const char *list_subscribed[] = { "mailbox", "list", "-s", "-u", env.user, NULL };
  g_autofree char *out = doveadm (subscribed ? list_subscribed : list);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);

  return g_strv_contains ((const char *const *) lines, name);
}

/* -- security modes ------------------------------------------------------------------ */

static void
on_closed (TernImapClient *client, GError *error, gpointer user_data)
{
  GError **out = user_data;

  *out = error != NULL ? g_error_copy (error)
                       : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NONE, "closed cleanly");
}

static void
test_plain (void)
{
  g_autoptr (TernImapClient) client = new_client (TERN_SECURITY_NONE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) closed = NULL;

  g_signal_connect (client, "closed", G_CALLBACK (on_closed), &closed);
  g_assert_true (connect_sync (client, &error));
  g_assert_no_error (error);
  g_assert_false (tern_imap_client_is_secure (client));
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_NOT_AUTHENTICATED);
  g_assert_true (tern_imap_client_has_capability (client, "imap4rev1"));
  /* Plain text on a port that offers STARTTLS: the account said so. */
  g_assert_true (tern_imap_client_has_capability (client, "STARTTLS"));

  g_assert_true (login_sync (client, env.password, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_AUTHENTICATED);

  logout_sync (client);
  g_assert_nonnull (closed);
  g_assert_error (closed, G_IO_ERROR, G_IO_ERROR_NONE);
}

static void
test_starttls (void)
{
  g_autoptr (TernImapClient) client = new_client (TERN_SECURITY_STARTTLS);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) before_login = NULL;
  g_auto (GStrv) after_login = NULL;
  int starttls_line, tls_capability_line;

  trace_reset ();
  g_assert_true (connect_sync (client, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_client_is_secure (client));
  g_assert_nonnull (tern_imap_client_get_peer_certificate (client));

  /* Asked again after TLS: the pre-TLS list (with STARTTLS) is gone. */
  starttls_line = trace_find (0, "C: ", "STARTTLS");
  g_assert_cmpint (starttls_line, >=, 0);
  tls_capability_line = trace_find ((guint) starttls_line, "C: ", "CAPABILITY");
  g_assert_cmpint (tls_capability_line, >, starttls_line);
  g_assert_false (tern_imap_client_has_capability (client, "STARTTLS"));
  g_assert_true (tern_imap_client_has_capability (client, "AUTH=PLAIN"));
  before_login = tern_imap_client_dup_capabilities (client);

  g_assert_true (login_sync (client, env.password, &error));
  g_assert_no_error (error);

  /* Dovecot lists far more once logged in. */
  after_login = tern_imap_client_dup_capabilities (client);
  g_assert_cmpuint (g_strv_length (after_login), >, g_strv_length (before_login));
  g_assert_false (g_strv_contains ((const char *const *) before_login, "QRESYNC"));
  g_assert_true (tern_imap_client_has_capability (client, "QRESYNC"));
  g_assert_true (tern_imap_client_has_capability (client, "MOVE"));

  logout_sync (client);
}

static void
test_tls (void)
{
  g_autoptr (TernImapClient) client = new_client (TERN_SECURITY_TLS);
  g_autoptr (GError) error = NULL;

  g_assert_true (connect_sync (client, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_client_is_secure (client));
  g_assert_cmpint (tern_imap_client_get_peer_certificate_errors (client), ==, 0);
  g_assert_true (tern_imap_client_has_capability (client, "IMAP4rev1"));

  g_assert_true (login_sync (client, env.password, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_client_has_capability (client, "CONDSTORE"));

  logout_sync (client);
}

static void
check_untrusted (TernSecurity security)
{
  g_autoptr (TernImapClient) client = NULL;
  g_autoptr (TernImapClient) pinned = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  guint leaks = n_leaks;

  /* The system's trust store does not know the run's CA. */
  client = tern_imap_client_new (env.host, security == TERN_SECURITY_TLS ? env.tls_port : env.port,
                                 security);
  trace_reset ();
  g_assert_false (connect_sync (client, &error));
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_CERTIFICATE);
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_DISCONNECTED);
  g_assert_nonnull (tern_imap_client_get_peer_certificate (client));
  g_assert_true (tern_imap_client_get_peer_certificate_errors (client) &
                 G_TLS_CERTIFICATE_UNKNOWN_CA);
  /* Nothing that could carry a credential was sent. */
  g_assert_cmpint (trace_find (0, "C: ", "AUTHENTICATE"), <, 0);
  g_assert_cmpint (trace_find (0, "C: ", "LOGIN"), <, 0);
  certificate = g_object_ref (tern_imap_client_get_peer_certificate (client));
  g_clear_error (&error);

  /* The same certificate, pinned: accepted. */
  pinned = tern_imap_client_new (env.host, security == TERN_SECURITY_TLS ? env.tls_port : env.port,
                                 security);
  tern_imap_client_set_pinned_certificate (pinned, certificate);
  g_assert_true (connect_sync (pinned, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_client_is_secure (pinned));
  g_assert_true (
    g_tls_certificate_is_same (tern_imap_client_get_peer_certificate (pinned), certificate));
  g_assert_true (login_sync (pinned, env.password, &error));
  g_assert_no_error (error);
  logout_sync (pinned);
  g_assert_cmpuint (n_leaks, ==, leaks);
}

static void
test_untrusted_certificate (void)
{
  check_untrusted (TERN_SECURITY_TLS);
  check_untrusted (TERN_SECURITY_STARTTLS);
}

static void
test_other_certificate_pinned (void)
{
  g_autoptr (TernImapClient) client = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) ca = NULL;

  /* Pinning one certificate does not make another one acceptable. */
  ca = g_tls_certificate_new_from_file (env.ca_file, &error);
  g_assert_no_error (error);
  client = tern_imap_client_new (env.host, env.tls_port, TERN_SECURITY_TLS);
  tern_imap_client_set_pinned_certificate (client, ca);
  g_assert_false (connect_sync (client, &error));
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_CERTIFICATE);
}

static void
test_wrong_password (void)
{
  g_autoptr (TernImapClient) client = new_client (TERN_SECURITY_TLS);
  g_autoptr (GError) error = NULL;
  g_autofree char *wrong = g_strconcat (env.password, "-wrong", NULL);

  g_assert_true (connect_sync (client, &error));
  g_assert_no_error (error);

  g_assert_false (login_sync (client, wrong, &error));
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_AUTHENTICATION);
  g_assert_nonnull (strstr (error->message, "password"));
  g_assert_null (strstr (error->message, wrong));
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_NOT_AUTHENTICATED);
  g_clear_error (&error);

  /* The connection stays usable for another attempt. */
  g_assert_true (login_sync (client, env.password, &error));
  g_assert_no_error (error);
  logout_sync (client);
}

/* -- commands --------------------------------------------------------------------------- */

static const char *
status_mailbox (TernImapResponse *response, char **out_decoded)
{
  const TernImapValue *args = tern_imap_response_get_args (response);
  const char *name = tern_imap_value_get_astring (tern_imap_value_get_child (args, 0), NULL);

  *out_decoded = tern_imap_utf7_decode (name, strlen (name), NULL);
  return name;
}

static guint32
status_item (TernImapResponse *response, const char *item)
{
  const TernImapValue *args = tern_imap_response_get_args (response);
  const TernImapValue *list = tern_imap_value_get_child (args, 1);
  guint32 value = G_MAXUINT32;

  for (guint i = 0; i + 1 < tern_imap_value_get_n_children (list); i += 2)
    if (tern_imap_value_atom_equal (tern_imap_value_get_child (list, i), item))
      g_assert_true (tern_imap_value_get_uint32 (tern_imap_value_get_child (list, i + 1), &value));

  return value;
}

static void
test_pipelining (void)
{
  g_autoptr (TernImapClient) client = open_client (TERN_SECURITY_TLS);
  const char *folders[] = { "INBOX", "Sent", "Archive/2024", "Projects/日本語" };
  Run *runs[8] = { NULL };
  g_autoptr (TernImapCommand) list = NULL;
  g_autoptr (TernImapCommand) namespace = NULL;
  g_autoptr (TernImapCommand) id = NULL;
  g_autoptr (TernImapCommand) examine = NULL;
  g_autoptr (TernImapCommand) search = NULL;
  int last_sent, first_answer, examine_line, examine_ok, search_line;
  g_autofree char *examine_tag = NULL;

  trace_reset ();

  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autoptr (TernImapCommand) status = tern_imap_command_new ("STATUS");

      tern_imap_command_add_mailbox (status, folders[i]);
      tern_imap_command_add_raw (status, "(MESSAGES UIDNEXT)");
      runs[i] = run_start (client, status);
    }
  list = command_new ("LIST", "\"", "\"*", NULL);
  runs[4] = run_start (client, list);
  namespace = command_new ("NAMESPACE", NULL);
  runs[5] = run_start (client, namespace);
  id = command_new ("ID", "NIL", NULL);
  runs[6] = run_start (client, id);

  /* A state-changing command waits for all of them, and holds the next. */
  examine_tag = _tern_imap_client_dup_next_tag (client);
  examine = command_new ("EXAMINE", "#INBOX", NULL);
  runs[7] = run_start (client, examine);
  search = command_new ("UID SEARCH", "ALL", NULL);
  {
    g_autoptr (Run) search_run = run_start (client, search);

    run_wait (client, search_run);
    g_assert_no_error (search_run->error);
    g_assert_cmpuint (search_run->untagged->len, ==, 1);
  }
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      run_wait (client, runs[i]);
      g_assert_no_error (runs[i]->error);
    }

  /* The seven independent commands all went out before the first answer. */
  last_sent = trace_find (0, "C: ", "ID NIL");
  first_answer = trace_find (0, "S: A", NULL);
  g_assert_cmpint (last_sent, >=, 0);
  g_assert_cmpint (first_answer, >, last_sent);
  /* EXAMINE only after the last of them was answered; SEARCH after EXAMINE's OK. */
  examine_line = trace_find (0, "C: ", "EXAMINE");
  g_assert_cmpint (trace_find ((guint) examine_line, "S: A", NULL), >, examine_line);
  {
    g_autofree char *ok = g_strdup_printf ("S: %s OK", examine_tag);

    examine_ok = trace_find (0, ok, NULL);
  }
  g_assert_cmpint (examine_ok, >, examine_line);
  search_line = trace_find (0, "C: ", "UID SEARCH");
  g_assert_cmpint (search_line, >, examine_ok);
  {
    int answers_before_examine = 0;

    for (int i = 0; i < examine_line; i++)
      if (g_str_has_prefix (g_ptr_array_index (trace_lines, i), "S: A"))
        answers_before_examine++;
    g_assert_cmpint (answers_before_examine, ==, 7);
  }

  /* Each STATUS got exactly the answer for its own mailbox. */
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      TernImapResponse *response;
      g_autofree char *decoded = NULL;
      g_autofree char *folder_dir = NULL;

      g_assert_cmpuint (runs[i]->untagged->len, ==, 1);
      response = g_ptr_array_index (runs[i]->untagged, 0);
      g_assert_cmpint (tern_imap_response_get_data_type (response), ==, TERN_IMAP_DATA_STATUS);
      status_mailbox (response, &decoded);
      g_assert_cmpstr (decoded, ==, folders[i]);

      if (strcmp (folders[i], "INBOX") == 0)
        folder_dir = g_strdup (env.maildir);
      else
        {
          g_auto (GStrv) parts = g_strsplit (folders[i], "/", -1);

          folder_dir = g_strdup (env.maildir);
          for (guint k = 0; parts[k] != NULL; k++)
            {
              g_autofree char *encoded = tern_imap_utf7_encode (parts[k]);
              char *next = g_build_filename (folder_dir, encoded, NULL);

              g_free (folder_dir);
              folder_dir = next;
            }
        }
      g_assert_cmpuint (status_item (response, "MESSAGES"), ==, count_messages (folder_dir));
    }

  /* LIST got only LIST responses, the others only theirs. */
  g_assert_cmpuint (runs[4]->untagged->len, >=, 11);
  for (guint i = 0; i < runs[4]->untagged->len; i++)
    g_assert_cmpint (tern_imap_response_get_data_type (g_ptr_array_index (runs[4]->untagged, i)),
                     ==, TERN_IMAP_DATA_LIST);
  g_assert_cmpuint (runs[5]->untagged->len, ==, 1);
  g_assert_cmpint (tern_imap_response_get_data_type (g_ptr_array_index (runs[5]->untagged, 0)), ==,
                   TERN_IMAP_DATA_NAMESPACE);
  g_assert_cmpuint (runs[6]->untagged->len, ==, 1);
  g_assert_cmpint (tern_imap_response_get_data_type (g_ptr_array_index (runs[6]->untagged, 0)), ==,
                   TERN_IMAP_DATA_ID);
  /* EXAMINE's FLAGS, EXISTS, RECENT and OK codes. */
  g_assert_cmpuint (runs[7]->untagged->len, >=, 4);
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_SELECTED);
  g_assert_cmpstr (tern_imap_client_get_selected_mailbox (client), ==, "INBOX");
  g_assert_true (tern_imap_client_is_selected_read_only (client));

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    run_free (runs[i]);
  logout_sync (client);
}

static void
on_unsolicited_collect (TernImapClient *client, TernImapResponse *response, gpointer user_data)
{
  GPtrArray *responses = user_data;

  g_ptr_array_add (responses, tern_imap_response_ref (response));
}

static void
test_list_status_select (void)
{
  g_autoptr (TernImapClient) client = open_client (TERN_SECURITY_STARTTLS);
  g_autoptr (TernImapCommand) enable = command_new ("ENABLE", "QRESYNC", NULL);
  g_autoptr (TernImapCommand) list = NULL;
  g_autoptr (Run) run = NULL;
  g_autoptr (TernImapSelectInfo) info = NULL;
  g_autoptr (TernImapSelectInfo) examined = NULL;
  g_autoptr (TernImapSelectInfo) resynced = NULL;
  g_autoptr (GPtrArray) unsolicited =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  guint n_status = 0;
  guint n_list = 0;
  gboolean saw_closed = FALSE;
  TernImapQresync qresync = { 0 };
  g_autofree char *known = NULL;

  g_signal_connect (client, "unsolicited", G_CALLBACK (on_unsolicited_collect), unsolicited);

  g_clear_pointer (&run, run_free);
  run = run_ok (client, enable);
  g_assert_true (tern_imap_client_is_enabled (client, "QRESYNC"));
  g_assert_true (tern_imap_client_is_enabled (client, "condstore"));
  g_assert_cmpuint (run->untagged->len, ==, 1);

  /* LIST-STATUS: the STATUS answers travel with the LIST. */
  list = command_new ("LIST", "\"", "\"*", "RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))", NULL);
  g_clear_pointer (&run, run_free);
  run = run_ok (client, list);
  for (guint i = 0; i < run->untagged->len; i++)
    {
      TernImapResponse *response = g_ptr_array_index (run->untagged, i);

      if (tern_imap_response_get_data_type (response) == TERN_IMAP_DATA_STATUS)
        n_status++;
      else if (tern_imap_response_get_data_type (response) == TERN_IMAP_DATA_LIST)
        n_list++;
    }
  g_assert_cmpuint (n_list, >=, 11);
  g_assert_cmpuint (n_status, ==, n_list);

  select_sync (client, "inbox", TERN_IMAP_SELECT_CONDSTORE, NULL, &info);
  g_assert_cmpstr (info->mailbox, ==, "INBOX");
  g_assert_cmpuint (info->uidvalidity, >, 0);
  g_assert_cmpuint (info->uidnext, >, info->exists);
  g_assert_cmpuint (info->exists, ==, count_messages (env.maildir));
  g_assert_cmpuint (info->highestmodseq, >, 0);
  g_assert_false (info->read_only);
  g_assert_true (g_strv_contains ((const char *const *) info->flags, "\\Seen"));
  g_assert_nonnull (info->permanent_flags);
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_SELECTED);
  g_assert_cmpstr (tern_imap_client_get_selected_mailbox (client), ==, "INBOX");
  g_assert_false (tern_imap_client_is_selected_read_only (client));

  /* Switching mailboxes with QRESYNC: [CLOSED] reaches ::unsolicited. */
  select_sync (client, "Sent", TERN_IMAP_SELECT_READ_ONLY, NULL, &examined);
  g_assert_true (examined->read_only);
  g_assert_true (tern_imap_client_is_selected_read_only (client));
  g_assert_cmpstr (tern_imap_client_get_selected_mailbox (client), ==, "Sent");
  for (guint i = 0; i < unsolicited->len; i++)
    if (tern_imap_response_has_code (g_ptr_array_index (unsolicited, i), "CLOSED"))
      saw_closed = TRUE;
  g_assert_true (saw_closed);

  /* QRESYNC from modseq 1: every message has changed since. */
  qresync.uidvalidity = info->uidvalidity;
  qresync.modseq = 1;
  known = g_strdup_printf ("1:%u", info->uidnext - 1);
  qresync.known_uids = known;
  select_sync (client, "INBOX", TERN_IMAP_SELECT_NONE, &qresync, &resynced);
  g_assert_cmpuint (resynced->uidvalidity, ==, info->uidvalidity);
  g_assert_cmpuint (resynced->highestmodseq, ==, info->highestmodseq);
  g_assert_cmpuint (resynced->fetches->len, ==, info->exists);

  logout_sync (client);
}

static void
test_fetch_body (void)
{
  g_autoptr (TernImapClient) client = open_client (TERN_SECURITY_TLS);
  g_autofree char *path = largest_message (env.maildir);
  g_autoptr (GBytes) expected = maildir_file_as_served (path);
  g_autofree char *message_id = dup_message_id (expected);
  g_autoptr (GBytes) body = NULL;
  g_autofree char *abbreviated = NULL;
  guint32 uid;

  select_sync (client, "INBOX", TERN_IMAP_SELECT_READ_ONLY, NULL, NULL);
  uid = search_one_uid (client, message_id);

  trace_reset ();
  body = fetch_body (client, uid);
  g_assert_cmpuint (g_bytes_get_size (body), >, 1024);
  g_assert_true (g_bytes_equal (body, expected));

  /* The trace abbreviates it. */
  abbreviated = g_strdup_printf ("{%" G_GSIZE_FORMAT " bytes}", g_bytes_get_size (body));
  g_assert_cmpint (trace_find (0, "S: ", abbreviated), >=, 0);

  logout_sync (client);
}

/* A 5 MB message: text lines and a base64 part, CRLF throughout. */
static GBytes *
make_big_message (const char *subject)
{
  GString *out = g_string_new (NULL);
  guint32 state = 0x2545f491;

  g_string_append_printf (out,
                          "From: Tern Test <test@example.org>\r\n"
                          "To: alice@example.org\r\n"
                          "Subject: %s\r\n"
                          "Message-ID: <%s@tern.test>\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: application/octet-stream\r\n"
                          "Content-Transfer-Encoding: base64\r\n"
                          "\r\n",
                          subject, subject);
  while (out->len < 5 * 1024 * 1024)
    {
      guint8 raw[57];
      g_autofree char *line = NULL;

      for (guint i = 0; i < sizeof raw; i++)
        {
          state ^= state << 13;
          state ^= state >> 17;
          state ^= state << 5;
          raw[i] = (guint8) state;
        }
      line = g_base64_encode (raw, sizeof raw);
      g_string_append (out, line);
      g_string_append (out, "\r\n");
    }

  return g_string_free_to_bytes (out);
}

static guint32
append_sync (TernImapClient *client, const char *mailbox, GBytes *message)
{
  g_autoptr (TernImapCommand) append = tern_imap_command_new ("APPEND");
  g_autoptr (Run) run = NULL;
  g_autoptr (TernImapUidSet) uids = NULL;
  g_autoptr (GError) error = NULL;
  guint32 uidvalidity = 0;

  tern_imap_command_add_mailbox (append, mailbox);
  tern_imap_command_add_raw (append, "(\\Seen)");
  tern_imap_command_add_literal (append, message);
  run = run_ok (client, append);

  g_assert_true (tern_imap_response_get_appenduid (run->tagged, &uidvalidity, &uids, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tern_imap_uid_set_get_count (uids), ==, 1);
  return tern_imap_uid_set_get_min (uids);
}

static void
check_append (gboolean sync_literal)
{
  g_autoptr (TernImapClient) client = open_client (TERN_SECURITY_TLS);
  g_autoptr (GBytes) message = make_big_message (sync_literal ? "big-sync" : "big-plus");
  g_autoptr (GBytes) fetched = NULL;
  g_autoptr (TernImapCommand) create = command_new ("CREATE", "#Big", NULL);
  g_autofree char *literal = NULL;
  guint32 uid;

  g_assert_true (tern_imap_client_has_capability (client, "LITERAL+"));
  if (sync_literal)
    _tern_imap_client_force_literal_mode (client, TRUE, TERN_IMAP_LITERAL_SYNC);

  /* Whether it exists already (the other test made it) does not matter. */
  run_free (run_sync (client, create));

  trace_reset ();
  uid = append_sync (client, "Big", message);
  literal = g_strdup_printf ("{%" G_GSIZE_FORMAT "%s}", g_bytes_get_size (message),
                             sync_literal ? "" : "+");
  g_assert_cmpint (trace_find (0, "C: ", literal), >=, 0);
  /* Only a synchronising literal waits for "+". */
  if (sync_literal)
    g_assert_cmpint (trace_find (0, "S: +", NULL), >=, 0);
  else
    g_assert_cmpint (trace_find (0, "S: +", NULL), <, 0);

  select_sync (client, "Big", TERN_IMAP_SELECT_READ_ONLY, NULL, NULL);
  fetched = fetch_body (client, uid);
  g_assert_cmpuint (g_bytes_get_size (fetched), ==, g_bytes_get_size (message));
  g_assert_true (g_bytes_equal (fetched, message));

  logout_sync (client);
}

static void
test_append_literal_plus (void)
{
  check_append (FALSE);
}

static void
test_append_sync_literal (void)
{
  check_append (TRUE);
}

static gboolean
server_lists (TernImapClient *client, const char *utf8_name)
{
  g_autoptr (TernImapCommand) list = command_new ("LIST", "\"", "\"*", NULL);
  g_autoptr (Run) run = run_ok (client, list);

  for (guint i = 0; i < run->untagged->len; i++)
    {
      const TernImapValue *args =
        tern_imap_response_get_args (g_ptr_array_index (run->untagged, i));
      gsize len;
      const char *name = tern_imap_value_get_astring (tern_imap_value_get_child (args, 2), &len);
      g_autofree char *decoded = tern_imap_utf7_decode (name, len, NULL);

      if (g_strcmp0 (decoded, utf8_name) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
test_mailbox_names (void)
{
  g_autoptr (TernImapClient) client = open_client (TERN_SECURITY_STARTTLS);
  const char *name = "Tern Ü \"quoted\" & more";
  const char *renamed = "Tern renamed 日本 & \"x\" [1]";
  g_autoptr (TernImapCommand) create = tern_imap_command_new ("CREATE");
  g_autoptr (TernImapCommand) rename = tern_imap_command_new ("RENAME");
  g_autoptr (TernImapCommand) subscribe = tern_imap_command_new ("SUBSCRIBE");
  g_autoptr (TernImapCommand) unsubscribe = tern_imap_command_new ("UNSUBSCRIBE");
  g_autoptr (TernImapCommand) delete = tern_imap_command_new ("DELETE");

  tern_imap_command_add_mailbox (create, name);
  run_free (run_ok (client, create));
  g_assert_true (doveadm_lists (FALSE, name));
  g_assert_true (server_lists (client, name));

  tern_imap_command_add_mailbox (rename, name);
  tern_imap_command_add_mailbox (rename, renamed);
  run_free (run_ok (client, rename));
  g_assert_false (doveadm_lists (FALSE, name));
  g_assert_true (doveadm_lists (FALSE, renamed));

  tern_imap_command_add_mailbox (subscribe, renamed);
  run_free (run_ok (client, subscribe));
  g_assert_true (doveadm_lists (TRUE, renamed));

  tern_imap_command_add_mailbox (unsubscribe, renamed);
  run_free (run_ok (client, unsubscribe));
  g_assert_false (doveadm_lists (TRUE, renamed));

  tern_imap_command_add_mailbox (delete, renamed);
  run_free (run_ok (client, delete));
  g_assert_false (doveadm_lists (FALSE, renamed));
  g_assert_false (server_lists (client, renamed));

  logout_sync (client);
}

#define MOVE_MESSAGE "Subject: move me\r\n\r\nbody\r\n"

static void
test_move (void)
{
  g_autoptr (TernImapClient) client = open_client (TERN_SECURITY_TLS);
  g_autoptr (GBytes) message = g_bytes_new_static (MOVE_MESSAGE, strlen (MOVE_MESSAGE));
  g_autoptr (GPtrArray) unsolicited =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (TernImapCommand) create_from = command_new ("CREATE", "#Move from", NULL);
  g_autoptr (TernImapCommand) create_to = command_new ("CREATE", "#Move to", NULL);
  g_autoptr (TernImapCommand) move = NULL;
  g_autoptr (Run) run = NULL;
  g_autofree char *set = NULL;
  gboolean copyuid = FALSE;
  gboolean expunge = FALSE;
  guint32 uid;

  run_free (run_ok (client, create_from));
  run_free (run_ok (client, create_to));
  uid = append_sync (client, "Move from", message);
  select_sync (client, "Move from", TERN_IMAP_SELECT_NONE, NULL, NULL);
  g_signal_connect (client, "unsolicited", G_CALLBACK (on_unsolicited_collect), unsolicited);

  set = g_strdup_printf ("%u", uid);
  move = command_new ("UID MOVE", set, "#Move to", NULL);
  run = run_ok (client, move);

  /* [COPYUID] (untagged OK) goes to the MOVE; the EXPUNGE to ::unsolicited. */
  for (guint i = 0; i < run->untagged->len; i++)
    if (tern_imap_response_has_code (g_ptr_array_index (run->untagged, i), "COPYUID"))
      copyuid = TRUE;
  for (guint i = 0; i < unsolicited->len; i++)
    if (tern_imap_response_get_data_type (g_ptr_array_index (unsolicited, i)) ==
        TERN_IMAP_DATA_EXPUNGE)
      expunge = TRUE;
  g_assert_true (copyuid || tern_imap_response_has_code (run->tagged, "COPYUID"));
  g_assert_true (expunge);

  logout_sync (client);
}

static void
test_compress (void)
{
  g_autoptr (TernImapClient) client = open_client (TERN_SECURITY_TLS);
  g_autofree char *path = largest_message (env.maildir);
  g_autoptr (GBytes) expected = maildir_file_as_served (path);
  g_autofree char *message_id = dup_message_id (expected);
  g_autoptr (GBytes) plain = NULL;
  g_autoptr (GBytes) compressed = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  guint32 uid;

  g_assert_true (tern_imap_client_has_capability (client, "COMPRESS=DEFLATE"));
  select_sync (client, "INBOX", TERN_IMAP_SELECT_READ_ONLY, NULL, NULL);
  uid = search_one_uid (client, message_id);
  plain = fetch_body (client, uid);

  tern_imap_client_compress_async (client, NULL, store_result, &result);
  wait_for ((gpointer *) &result);
  g_assert_true (tern_imap_client_compress_finish (client, result, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_client_is_compressed (client));

  /* Several commands and a large literal through the compressed stream. */
  g_assert_cmpuint (search_one_uid (client, message_id), ==, uid);
  compressed = fetch_body (client, uid);
  g_assert_true (g_bytes_equal (plain, compressed));
  g_assert_true (g_bytes_equal (expected, compressed));
  {
    g_autoptr (GBytes) message = make_big_message ("big-compressed");
    g_autoptr (TernImapCommand) create = command_new ("CREATE", "#Compressed", NULL);
    guint32 big_uid;
    g_autoptr (GBytes) back = NULL;

    run_free (run_sync (client, create));
    big_uid = append_sync (client, "Compressed", message);
    select_sync (client, "Compressed", TERN_IMAP_SELECT_READ_ONLY, NULL, NULL);
    back = fetch_body (client, big_uid);
    g_assert_true (g_bytes_equal (back, message));
  }

  logout_sync (client);
}

typedef struct
{
  guint32 exists;
  gpointer seen; /* non-NULL once EXISTS arrived */
} IdleWatch;

static void
on_unsolicited_exists (TernImapClient *client, TernImapResponse *response, gpointer user_data)
{
  IdleWatch *watch = user_data;
  guint32 number;

  if (tern_imap_response_get_data_type (response) == TERN_IMAP_DATA_EXISTS &&
      tern_imap_response_get_number (response, &number))
    {
      watch->exists = number;
      watch->seen = watch;
    }
}

static void
test_idle (void)
{
  g_autoptr (TernImapClient) watcher = open_client (TERN_SECURITY_TLS);
  g_autoptr (TernImapClient) other = open_client (TERN_SECURITY_STARTTLS);
  g_autoptr (TernImapSelectInfo) info = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) message = NULL;
  g_autoptr (TernImapCommand) noop = command_new ("NOOP", NULL);
  IdleWatch watch = { 0 };

  select_sync (watcher, "INBOX", TERN_IMAP_SELECT_NONE, NULL, &info);
  g_signal_connect (watcher, "unsolicited", G_CALLBACK (on_unsolicited_exists), &watch);

  tern_imap_client_idle_start_async (watcher, NULL, store_result, &result);
  wait_for ((gpointer *) &result);
  g_assert_true (tern_imap_client_idle_start_finish (watcher, result, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_client_is_idling (watcher));
  g_clear_object (&result);

  message =
    g_bytes_new_static ("From: other@example.org\r\nSubject: idle\r\n\r\nhello\r\n",
                        strlen ("From: other@example.org\r\nSubject: idle\r\n\r\nhello\r\n"));
  append_sync (other, "INBOX", message);

  /* Wait for the EXISTS itself. */
  wait_for (&watch.seen);
  g_assert_cmpuint (watch.exists, ==, info->exists + 1);

  tern_imap_client_idle_done_async (watcher, NULL, store_result, &result);
  wait_for ((gpointer *) &result);
  g_assert_true (tern_imap_client_idle_done_finish (watcher, result, &error));
  g_assert_no_error (error);
  g_assert_false (tern_imap_client_is_idling (watcher));

  run_free (run_ok (watcher, noop));

  /* A command during IDLE ends it first. */
  g_clear_object (&result);
  tern_imap_client_idle_start_async (watcher, NULL, store_result, &result);
  wait_for ((gpointer *) &result);
  g_assert_true (tern_imap_client_idle_start_finish (watcher, result, &error));
  g_clear_pointer (&noop, tern_imap_command_unref);
  noop = command_new ("NOOP", NULL);
  run_free (run_ok (watcher, noop));
  g_assert_false (tern_imap_client_is_idling (watcher));

  logout_sync (watcher);
  logout_sync (other);
}

static void
count_response (TernImapResponse *response, gpointer user_data)
{
  guint *n = user_data;

  (*n)++;
}

static void
test_cancel (void)
{
  g_autoptr (TernImapClient) client = open_client (TERN_SECURITY_TLS);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (TernImapCommand) fetch = command_new ("UID FETCH", "1:*", "(BODY.PEEK[])", NULL);
  g_autoptr (TernImapCommand) noop = command_new ("NOOP", NULL);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  guint n = 0;
  guint n_at_cancel;

  select_sync (client, "INBOX", TERN_IMAP_SELECT_READ_ONLY, NULL, NULL);
  tern_imap_client_run_async (client, fetch, count_response, &n, NULL, cancellable, store_result,
                              &result);
  g_cancellable_cancel (cancellable);
  wait_for ((gpointer *) &result);
  g_assert_false (tern_imap_client_run_finish (client, result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  n_at_cancel = n;

  /* The connection goes on; the cancelled command's data went nowhere. */
  run_free (run_ok (client, noop));
  g_assert_cmpuint (n, ==, n_at_cancel);
  logout_sync (client);
}

static void
test_keepalive (void)
{
  g_autoptr (TernImapClient) client = open_client (TERN_SECURITY_TLS);
  gint64 start;

  /* Quiet for a second after login: a NOOP goes out, answered. */
  trace_reset ();
  start = g_get_monotonic_time ();
  tern_imap_client_set_keepalive (client, 1);
  wait_for_trace ("C: ", "NOOP");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC * 9 / 10);
  wait_for_trace ("S: ", "OK NOOP");
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_AUTHENTICATED);

  logout_sync (client);
}

static void
test_close_fails_pending (void)
{
  g_autoptr (TernImapClient) client = open_client (TERN_SECURITY_TLS);
  g_autoptr (TernImapCommand) noop = command_new ("NOOP", NULL);
  g_autoptr (Run) run = NULL;
  g_autoptr (GError) closed = NULL;
  g_autoptr (GError) error = NULL;

  g_signal_connect (client, "closed", G_CALLBACK (on_closed), &closed);
  run = run_start (client, noop);
  tern_imap_client_close (client);
  run_wait (client, run);
  g_assert_false (run->ok);
  g_assert_error (run->error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_CLOSED);
  g_assert_error (closed, G_IO_ERROR, G_IO_ERROR_NONE);
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_DISCONNECTED);

  /* The same client connects again, from scratch. */
  g_clear_error (&closed);
  g_assert_true (connect_sync (client, &error));
  g_assert_no_error (error);
  g_assert_true (login_sync (client, env.password, &error));
  g_assert_no_error (error);
  g_clear_pointer (&run, run_free);
  g_clear_pointer (&noop, tern_imap_command_unref);
  noop = command_new ("NOOP", NULL);
  run = run_ok (client, noop);
  logout_sync (client);
}

/* -- timeouts against servers of our own ---------------------------------------------- */

static GSocketListener *
listen_loopback (guint16 *out_port)
{
  GSocketListener *listener = g_socket_listener_new ();
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error));
  g_assert_no_error (error);
  *out_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return listener;
}

static void
test_connect_timeout (void)
{
  guint16 port;
  /* Listens, never accepts, never says a word. */
  G_GNUC_UNUSED g_autoptr (GSocketListener) listener = listen_loopback (&port);
  g_autoptr (TernImapClient) client = tern_imap_client_new ("127.0.0.1", port, TERN_SECURITY_NONE);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  tern_imap_client_set_timeouts (client, 1, 1);
  g_assert_false (connect_sync (client, &error));
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_TIMEOUT);
  g_assert_cmpint (elapsed, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC * 5);
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_DISCONNECTED);
}

static gboolean
on_incoming_greet (GSocketService *service,
                   GSocketConnection *connection,
                   GObject *source,
                   gpointer user_data)
{
  GPtrArray *connections = user_data;
  const char *greeting = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] silent server\r\n";

  /* A few bytes to a fresh socket: this does not block. */
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), greeting,
                             strlen (greeting), NULL, NULL, NULL);
  g_ptr_array_add (connections, g_object_ref (connection));
  return TRUE;
}

static void
test_command_timeout (void)
{
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (TernImapClient) client = NULL;
  g_autoptr (TernImapCommand) noop = command_new ("NOOP", NULL);
  g_autoptr (Run) run = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) closed = NULL;
  gint64 start;
  gint64 elapsed;

  g_assert_true (g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                                G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                                &effective, &error));
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming_greet), connections);
  g_socket_service_start (service);

  client = tern_imap_client_new ("127.0.0.1",
                                 g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)),
                                 TERN_SECURITY_NONE);
  tern_imap_client_set_timeouts (client, 5, 1);
  g_signal_connect (client, "closed", G_CALLBACK (on_closed), &closed);
  g_assert_true (connect_sync (client, &error));
  g_assert_no_error (error);
  g_assert_true (tern_imap_client_has_capability (client, "AUTH=PLAIN"));

  start = g_get_monotonic_time ();
  run = run_sync (client, noop);
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (run->error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_TIMEOUT);
  g_assert_cmpint (elapsed, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC * 5);
  g_assert_error (closed, TERN_IMAP_ERROR, TERN_IMAP_ERROR_TIMEOUT);
  g_assert_cmpint (tern_imap_client_get_state (client), ==, TERN_IMAP_CLIENT_DISCONNECTED);

  g_socket_service_stop (service);
}

static void
test_trace (void)
{
  g_autoptr (TernImapClient) client = NULL;
  guint leaks = n_leaks;

  trace_reset ();
  client = open_client (TERN_SECURITY_TLS);
  logout_sync (client);

  g_assert_cmpint (trace_find (0, "C: ", "AUTHENTICATE PLAIN ***"), >=, 0);
  g_assert_cmpint (trace_find (0, "S: ", NULL), >=, 0);
  g_assert_cmpuint (n_leaks, ==, leaks);

  /* Over the whole run, nothing ever showed the password. */
  g_assert_cmpuint (n_client_lines, >, 50);
  g_assert_cmpuint (n_leaks, ==, 0);
}

int
main (int argc, char *argv[])
{
  const char *port;
  const char *tls_port;

  /* The trace is only rendered when debug output for tern-imap is on. */
  g_setenv ("G_MESSAGES_DEBUG", "tern-imap", TRUE);
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  g_log_set_default_handler (log_handler, NULL);

  env.host = g_getenv ("TERN_TEST_IMAP_HOST");
  port = g_getenv ("TERN_TEST_IMAP_PORT");
  tls_port = g_getenv ("TERN_TEST_IMAPS_PORT");
  env.ca_file = g_getenv ("TERN_TEST_CA_FILE");
  env.user = g_getenv ("TERN_TEST_IMAP_USER");
  env.password = g_getenv ("TERN_TEST_IMAP_PASSWORD");
  env.fixture_dir = g_getenv ("TERN_TEST_FIXTURE_DIR");

  g_test_add_func ("/imap/client/connect-timeout", test_connect_timeout);
  g_test_add_func ("/imap/client/command-timeout", test_command_timeout);

  if (env.host == NULL || port == NULL || tls_port == NULL || env.ca_file == NULL ||
      env.user == NULL || env.password == NULL || env.fixture_dir == NULL)
    {
      g_test_message ("no Dovecot fixture (run through tests/fixtures/with-dovecot); "
                      "only the tests with servers of their own run");
      return g_test_run ();
    }

  env.port = (guint16) g_ascii_strtoull (port, NULL, 10);
  env.tls_port = (guint16) g_ascii_strtoull (tls_port, NULL, 10);
  env.maildir = g_build_filename (env.fixture_dir, "mail", env.user, "Maildir", NULL);
  {
    g_autofree char *plain = g_strdup_printf ("%c%s%c%s", 0, env.user, 0, env.password);
    gsize len = 2 + strlen (env.user) + strlen (env.password);

    env.plain_sasl = g_base64_encode ((const guchar *) plain, len);
  }

  g_test_add_func ("/imap/client/plain", test_plain);
  g_test_add_func ("/imap/client/starttls", test_starttls);
  g_test_add_func ("/imap/client/tls", test_tls);
  g_test_add_func ("/imap/client/untrusted-certificate", test_untrusted_certificate);
  g_test_add_func ("/imap/client/other-certificate-pinned", test_other_certificate_pinned);
  g_test_add_func ("/imap/client/wrong-password", test_wrong_password);
  g_test_add_func ("/imap/client/pipelining", test_pipelining);
  g_test_add_func ("/imap/client/list-status-select", test_list_status_select);
  g_test_add_func ("/imap/client/fetch-body", test_fetch_body);
  g_test_add_func ("/imap/client/append-literal-plus", test_append_literal_plus);
  g_test_add_func ("/imap/client/append-sync-literal", test_append_sync_literal);
  g_test_add_func ("/imap/client/mailbox-names", test_mailbox_names);
  g_test_add_func ("/imap/client/move", test_move);
  g_test_add_func ("/imap/client/compress", test_compress);
  g_test_add_func ("/imap/client/idle", test_idle);
  g_test_add_func ("/imap/client/cancel", test_cancel);
  g_test_add_func ("/imap/client/keepalive", test_keepalive);
  g_test_add_func ("/imap/client/close-fails-pending", test_close_fails_pending);
  /* Last: checks the trace of the whole run. */
  g_test_add_func ("/imap/client/trace", test_trace);

  return g_test_run ();
}
