/* test-hostile.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapClient against every scenario of the scripted hostile IMAP server
 * (tests/hostile/hostile-server.py, README.md beside it): one case per
 * scenario, the list read at run time from `hostile-server.py --list`, so a
 * new scenario is driven by its own `security`, `needs` and `expect`, and one
 * this file cannot drive fails the run.
 *
 * Each case runs in a process of its own (g_test_trap_subprocess): a crash,
 * a sanitizer report or a leak (LeakSanitizer checks when that process
 * exits) fails that scenario alone, and the peak RSS measured is that of one
 * scenario. Every wait is on the main loop for the result itself, under a
 * guard that fails the case instead of hanging; nothing sleeps.
 *
 * Two more cases look at the STARTTLS injection at the buffer level: the
 * parser stops right after the tagged STARTTLS answer, and a proxy that
 * forges capabilities, an [ALERT] and the tagged answer to the client's next
 * command into the segment of the STARTTLS OK never gets any of them
 * believed. */

#define G_LOG_DOMAIN "test-hostile"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "imap/tern-imap-client-private.h"
#include "imap/tern-imap-client-select.h"
#include "imap/tern-imap-client.h"
#include "imap/tern-imap-error.h"
#include "imap/tern-imap-fetch.h"
#include "imap/tern-imap-parser.h"

/* scenarios.USER / scenarios.PASSWORD: the server's result shows them
 * verbatim, which is what lets it say whether they were sent. */
#define USER "alice"
#define PASSWORD "hostile-test-password-1"

/* The client's timeouts: the stall scenarios wait for them, so they are short
 * there; every other scenario gets generous ones, so that a loaded machine
 * (sanitizers, parallel suites) cannot turn a slow answer into a failure. */
#define CONNECT_TIMEOUT 2
#define COMMAND_TIMEOUT 2
#define RELAXED_TIMEOUT 15
/* One wait longer than this is a hang (the client gives up after 15 s at most). */
#define WAIT_GUARD_SECONDS 40
/* One scenario, server start and exit included. */
#define SCENARIO_GUARD_USEC ((guint64) 90 * G_USEC_PER_SEC)
/* The server's own hard limit on its life. */
#define SERVER_TIMEOUT "60"
/* What one scenario may add to the process's peak RSS. The 100 MiB lines are
 * what this is for: the parser's line bound (8 MiB) plus buffers. */
#define RSS_GROWTH_LIMIT_KB ((gint64) 64 * 1024)
/* The 100 MiB scenarios: the server must not have got more than this out
 * before the client gave up (8 MiB line bound plus socket buffers). */
#define STREAM_SENT_LIMIT ((guint64) 48 * 1024 * 1024)

/* Texts the scenarios send before TLS (greetings, BYE, NO, tags, streamed
 * filler). None may reach an error message: what a server says before TLS
 * is never shown to the user (issue #3). */
static const char *const server_markers[] = {
  "hostile server",
  "Too many connections",
  "shutting down",
  "Autologout",
  "service unavailable",
  "Internal error",
  "not available right now",
  "UNAVAILABLE",
  "Logged in as",
  "injected",
  "UNKNOWN-TAG",
  "Begin TLS",
  "Fetch completed",
  "Select completed",
  "Logging out",
  "idling",
  "unterminated subject",
  "backslash",
  "0123456789",
  "AAAAAAAAAAAAAAAA",
  "xxxxxxxxxxxxxxxx",
};

/* -- scenarios ------------------------------------------------------------------- */

typedef enum
{
  STEP_CONNECT,
  STEP_LOGIN,
  STEP_SELECT,
  STEP_FETCH,
  STEP_IDLE,
  N_STEPS,
} Step;

static const char *const step_names[N_STEPS] = { "connect", "login", "select", "fetch", "idle" };

/* scenarios.CLIENT_ERRORS, plus success. */
typedef enum
{
  OUTCOME_SUCCESS,
  OUTCOME_STARTTLS_MISSING,
  OUTCOME_PREAUTH_UNENCRYPTED,
  OUTCOME_CERTIFICATE,
  OUTCOME_PROTOCOL,
  OUTCOME_BYE,
  OUTCOME_CLOSED,
  OUTCOME_TIMEOUT,
  N_OUTCOMES,
} Outcome;

static const char *const outcome_names[N_OUTCOMES] = {
  [OUTCOME_SUCCESS] = "none",
  [OUTCOME_STARTTLS_MISSING] = "starttls-missing",
  [OUTCOME_PREAUTH_UNENCRYPTED] = "preauth-unencrypted",
  [OUTCOME_CERTIFICATE] = "certificate",
  [OUTCOME_PROTOCOL] = "protocol",
  [OUTCOME_BYE] = "bye",
  [OUTCOME_CLOSED] = "closed",
  [OUTCOME_TIMEOUT] = "timeout",
};

typedef struct
{
  char *name;
  char *security_name;
  char *needs_name;
  char *outcome_name;
  char *summary;
  TernSecurity security;
  Step needs;
  Outcome outcome;
  gboolean drivable; /* security, needs and outcome all understood here */
} Scenario;

static const char *server_py;
static const char *python;
static GPtrArray *scenarios; /* Scenario */

typedef struct _Run Run;

/* -- the protocol trace: no secret in any log message ----------------------------- */

static char *plain_sasl; /* base64 of "\0alice\0password" */
static guint n_secret_leaks;
static char *first_leak;

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;

  if (message != NULL &&
      (strstr (message, PASSWORD) != NULL || strstr (message, plain_sasl) != NULL))
    {
      if (n_secret_leaks++ == 0)
        first_leak = g_strdup (message);
    }

  if ((level & G_LOG_LEVEL_DEBUG) && g_getenv ("TERN_TEST_VERBOSE") == NULL)
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* The client logs with g_debug (), which the default handler would drop or
 * print before a writer function sees it. */
static void
log_handler (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  GLogField fields[] = {
    { "GLIB_DOMAIN", domain, -1 },
    { "MESSAGE", message, -1 },
  };

  log_writer (level, fields, G_N_ELEMENTS (fields), NULL);
}

/* -- waiting ----------------------------------------------------------------------- */

static gboolean
on_guard (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *@done is non-NULL (or, with @flag, TRUE).
 * Running out of the guard is a hang: the case ends there (it runs in a
 * process of its own), before a late callback could write to a stack frame
 * that is gone. */
static void
wait_until (gpointer *done, const gboolean *flag, const char *what)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (WAIT_GUARD_SECONDS, on_guard, &expired);

  while (!expired && (done == NULL || *done == NULL) && (flag == NULL || !*flag))
    g_main_context_iteration (NULL, TRUE);

  if (expired)
    g_error ("waited more than %d s for %s: the client hangs", WAIT_GUARD_SECONDS, what);
  g_source_remove (id);
}

static void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gint64
read_peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "\nVmHWM:");
  if (line == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen ("\nVmHWM:"), NULL, 10);
}

/* GnuTLS and the system trust store load once per process, on the first
 * TLS connection, and under ASan their freed memory stays in quarantine:
 * that belongs to the baseline, not to what a scenario makes the client
 * allocate. */
static void
warm_up_tls (void)
{
  g_autoptr (GTlsDatabase) database =
    g_tls_backend_get_default_database (g_tls_backend_get_default ());

  g_assert_nonnull (database);
}

/* -- one run: the server, the client, what happened --------------------------------- */

struct _Run
{
  const Scenario *sc;

  /* the server */
  char *dir;
  char *port_path;
  char *result_path;
  char *ca_path;
  char *summary_path;
  GSubprocess *server;
  guint16 port;
  GKeyFile *summary;

  /* the client */
  TernImapClient *client;
  Step step;       /* the step that failed, or the last one run */
  GError *error;   /* the client's outcome */
  gint64 started;  /* monotonic, when the step that failed began */
  gint64 elapsed;  /* how long that step took, µs */
  gboolean closed; /* ::closed was emitted */
  GError *closed_error;
  GPtrArray *capability_sets; /* char *: every value "capabilities" took, space-joined */
  gboolean was_authenticated; /* "state" was AUTHENTICATED or SELECTED at some point */
  gboolean secure_after_connect;
  guint n_alerts;
  GPtrArray *unsolicited; /* char *: every ::unsolicited response, as text */
  TernImapSelectInfo *select_info;
  GPtrArray *fetches; /* TernImapFetch: the FETCH responses routed to our UID FETCH */
  GError *fetch_error;
  TernImapResponse *fetch_tagged;

  gint64 rss_before_kb;
  gint64 rss_after_kb;
};

static void
run_free (Run *run)
{
  if (run->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (run->client, run);
      tern_imap_client_close (run->client);
      g_clear_object (&run->client);
    }
  if (run->server != NULL)
    {
      /* Only when the case failed before the server ended. */
      g_subprocess_force_exit (run->server);
      g_clear_object (&run->server);
    }
  g_clear_error (&run->error);
  g_clear_error (&run->closed_error);
  g_clear_error (&run->fetch_error);
  g_clear_pointer (&run->capability_sets, g_ptr_array_unref);
  g_clear_pointer (&run->unsolicited, g_ptr_array_unref);
  g_clear_pointer (&run->fetches, g_ptr_array_unref);
  g_clear_pointer (&run->fetch_tagged, tern_imap_response_unref);
  g_clear_pointer (&run->select_info, tern_imap_select_info_free);
  g_clear_pointer (&run->summary, g_key_file_unref);
  g_free (run->port_path);
  g_free (run->result_path);
  g_free (run->ca_path);
  g_free (run->summary_path);
  g_free (run->dir);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
remove_run_dir (Run *run)
{
  const char *const files[] = { run->port_path, run->result_path, run->ca_path, run->summary_path };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_unlink (files[i]);
  g_rmdir (run->dir);
}

static Run *
run_new (const Scenario *sc)
{
  Run *run = g_new0 (Run, 1);
  g_autoptr (GError) error = NULL;

  run->sc = sc;
  run->dir = g_dir_make_tmp ("tern-hostile-XXXXXX", &error);
  g_assert_no_error (error);
  run->port_path = g_build_filename (run->dir, "port", NULL);
  run->result_path = g_build_filename (run->dir, "result.json", NULL);
  run->ca_path = g_build_filename (run->dir, "ca.pem", NULL);
  run->summary_path = g_build_filename (run->dir, "summary.ini", NULL);
  run->capability_sets = g_ptr_array_new_with_free_func (g_free);
  run->unsolicited = g_ptr_array_new_with_free_func (g_free);
  run->fetches = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_fetch_unref);

  return run;
}

/* Starts the server for @run's scenario (or @scenario_name) and reads its
 * port from its stdout. */
static void
server_start (Run *run, const char *scenario_name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *line = NULL;
  guint64 port = 0;

  /* From this (the main) thread: PR_SET_PDEATHSIG is per thread. */
  run->server =
    g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, python, server_py, "--scenario",
                      scenario_name, "--port-file", run->port_path, "--result", run->result_path,
                      "--ca-out", run->ca_path, "--summary", run->summary_path, "--check",
                      "--timeout", SERVER_TIMEOUT, NULL);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (run->server));
  g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, store_result, &result);
  wait_until ((gpointer *) &result, NULL, "the server's port");
  line = g_data_input_stream_read_line_finish (out, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_ascii_string_to_unsigned (g_strstrip (line), 10, 1, G_MAXUINT16, &port, &error));
  g_assert_no_error (error);
  run->port = (guint16) port;
  g_assert_true (g_file_test (run->ca_path, G_FILE_TEST_IS_REGULAR));
}

/* Waits for the server to exit by itself, asserts that its own checks
 * passed (--check: exit status 3 otherwise) and loads its summary. */
static void
server_finish (Run *run)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) failures = NULL;
  gsize n_failures = 0;

  g_subprocess_wait_async (run->server, NULL, store_result, &result);
  wait_until ((gpointer *) &result, NULL, "the server to exit after the client went");
  g_assert_true (g_subprocess_wait_finish (run->server, result, &error));
  g_assert_no_error (error);

  run->summary = g_key_file_new ();
  if (!g_key_file_load_from_file (run->summary, run->summary_path, G_KEY_FILE_NONE, &error))
    g_error ("no server summary at %s: %s", run->summary_path, error->message);

  g_file_get_contents (run->summary_path, &contents, NULL, NULL);
  failures =
    g_key_file_get_string_list (run->summary, "result", "expect_failures", &n_failures, NULL);
  if (n_failures > 0 || !g_subprocess_get_if_exited (run->server) ||
      g_subprocess_get_exit_status (run->server) != 0)
    {
      g_printerr ("# server summary (%s):\n%s", run->result_path, contents);
      for (gsize i = 0; i < n_failures; i++)
        g_printerr ("# server-side expectation failed: %s\n", failures[i]);
    }
  g_assert_cmpuint (n_failures, ==, 0);
  g_assert_true (g_subprocess_get_if_exited (run->server));
  g_assert_cmpint (g_subprocess_get_exit_status (run->server), ==, 0);
  g_clear_object (&run->server);
}

static gboolean
summary_bool (Run *run, const char *group, const char *key)
{
  g_autoptr (GError) error = NULL;
  gboolean value = g_key_file_get_boolean (run->summary, group, key, &error);

  g_assert_no_error (error);
  return value;
}

/* -- the client ----------------------------------------------------------------------- */

static void
on_notify_capabilities (TernImapClient *client, GParamSpec *pspec, Run *run)
{
  g_auto (GStrv) caps = tern_imap_client_dup_capabilities (client);

  g_ptr_array_add (run->capability_sets,
                   caps != NULL ? g_strjoinv (" ", caps) : g_strdup ("(none)"));
}

static void
on_notify_state (TernImapClient *client, GParamSpec *pspec, Run *run)
{
  TernImapClientState state = tern_imap_client_get_state (client);

  if (state == TERN_IMAP_CLIENT_AUTHENTICATED || state == TERN_IMAP_CLIENT_SELECTED)
    run->was_authenticated = TRUE;
}

static void
on_closed (TernImapClient *client, const GError *error, Run *run)
{
  g_assert_false (run->closed);
  run->closed = TRUE;
  if (error != NULL)
    run->closed_error = g_error_copy (error);
}

static void
on_alert (TernImapClient *client, const char *text, Run *run)
{
  g_printerr ("# ::alert: %s\n", text);
  run->n_alerts++;
}

static void
on_unsolicited (TernImapClient *client, TernImapResponse *response, Run *run)
{
  g_ptr_array_add (run->unsolicited, tern_imap_response_to_string (response));
}

static void
client_new (Run *run, guint16 port)
{
  run->client = tern_imap_client_new ("127.0.0.1", port, run->sc->security);
  if (run->sc->security != TERN_SECURITY_NONE)
    tern_imap_client_set_ca_file (run->client, run->ca_path);
  if (run->sc->outcome == OUTCOME_TIMEOUT)
    tern_imap_client_set_timeouts (run->client, CONNECT_TIMEOUT, COMMAND_TIMEOUT);
  else
    tern_imap_client_set_timeouts (run->client, RELAXED_TIMEOUT, RELAXED_TIMEOUT);
  tern_imap_client_set_keepalive (run->client, 0);

  g_signal_connect (run->client, "notify::capabilities", G_CALLBACK (on_notify_capabilities), run);
  g_signal_connect (run->client, "notify::state", G_CALLBACK (on_notify_state), run);
  g_signal_connect (run->client, "closed", G_CALLBACK (on_closed), run);
  g_signal_connect (run->client, "alert", G_CALLBACK (on_alert), run);
  g_signal_connect (run->client, "unsolicited", G_CALLBACK (on_unsolicited), run);
}

static void
on_fetch_untagged (TernImapResponse *response, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;
  TernImapFetch *fetch;

  if (tern_imap_response_get_data_type (response) != TERN_IMAP_DATA_FETCH)
    return;

  /* What the sync layer will do with it: decode it (under the sanitizers). */
  fetch = tern_imap_fetch_new_from_response (response, &error);
  if (fetch != NULL)
    g_ptr_array_add (run->fetches, fetch);
  else if (run->fetch_error == NULL)
    run->fetch_error = g_steal_pointer (&error);
}

/* One step of the client action; FALSE with @error when it failed. */
static gboolean
do_step (Run *run, Step step, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  TernImapClient *client = run->client;

  switch (step)
    {
    case STEP_CONNECT:
      tern_imap_client_connect_async (client, NULL, store_result, &result);
      wait_until ((gpointer *) &result, NULL, "connect");
      if (!tern_imap_client_connect_finish (client, result, error))
        return FALSE;
      run->secure_after_connect = tern_imap_client_is_secure (client);
      return TRUE;

    case STEP_LOGIN:
      tern_imap_client_authenticate_async (client, USER, PASSWORD, TERN_IMAP_CREDENTIAL_PASSWORD,
                                           NULL, store_result, &result);
      wait_until ((gpointer *) &result, NULL, "authenticate");
      return tern_imap_client_authenticate_finish (client, result, error);

    case STEP_SELECT:
      tern_imap_client_select_async (client, "INBOX", TERN_IMAP_SELECT_NONE, NULL, NULL,
                                     store_result, &result);
      wait_until ((gpointer *) &result, NULL, "SELECT INBOX");
      run->select_info = tern_imap_client_select_finish (client, result, error);
      return run->select_info != NULL;

    case STEP_FETCH:
      {
        g_autoptr (TernImapCommand) command = tern_imap_command_new ("UID FETCH");

        tern_imap_command_add_sequence_set (command, "1");
        tern_imap_command_add_raw (command, "(UID FLAGS ENVELOPE BODYSTRUCTURE BODY.PEEK[])");
        tern_imap_client_run_async (client, command, on_fetch_untagged, run, NULL, NULL,
                                    store_result, &result);
        wait_until ((gpointer *) &result, NULL, "UID FETCH");
        return tern_imap_client_run_finish (client, result, &run->fetch_tagged, error);
      }

    case STEP_IDLE:
      tern_imap_client_idle_start_async (client, NULL, store_result, &result);
      wait_until ((gpointer *) &result, NULL, "IDLE to start");
      if (!tern_imap_client_idle_start_finish (client, result, error))
        return FALSE;
      g_assert_true (tern_imap_client_is_idling (client));

      if (run->sc->outcome != OUTCOME_SUCCESS)
        {
          /* The hostile part comes while idling: the outcome is how the
           * connection ends. */
          wait_until (NULL, &run->closed, "the connection to end while idling");
          if (run->closed_error == NULL)
            g_error ("the connection ended while idling, without an error");
          g_propagate_error (error, g_error_copy (run->closed_error));
          return FALSE;
        }

      g_clear_object (&result);
      tern_imap_client_idle_done_async (client, NULL, store_result, &result);
      wait_until ((gpointer *) &result, NULL, "IDLE to end");
      return tern_imap_client_idle_done_finish (client, result, error);

    case N_STEPS:
    default:
      g_assert_not_reached ();
    }
}

/* Runs the client action up to @needs. FALSE when it failed (run->error). */
static gboolean
drive (Run *run, Step needs)
{
  for (Step step = STEP_CONNECT; step <= needs; step++)
    {
      run->step = step;
      run->started = g_get_monotonic_time ();
      if (!do_step (run, step, &run->error))
        {
          run->elapsed = g_get_monotonic_time () - run->started;
          return FALSE;
        }
    }

  return TRUE;
}

static void
logout (Run *run)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  tern_imap_client_logout_async (run->client, NULL, store_result, &result);
  wait_until ((gpointer *) &result, NULL, "LOGOUT");
  g_assert_true (tern_imap_client_logout_finish (run->client, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tern_imap_client_get_state (run->client), ==, TERN_IMAP_CLIENT_DISCONNECTED);
  /* A logout is a clean end: ::closed without an error. */
  g_assert_true (run->closed);
  g_assert_no_error (run->closed_error);
}

/* -- expectations --------------------------------------------------------------------- */

static gboolean
code_allowed (Outcome outcome, int code)
{
  switch (outcome)
    {
    case OUTCOME_STARTTLS_MISSING:
    case OUTCOME_PREAUTH_UNENCRYPTED:
      return code == TERN_IMAP_ERROR_INSECURE;
    case OUTCOME_CERTIFICATE:
      return code == TERN_IMAP_ERROR_CERTIFICATE;
    case OUTCOME_PROTOCOL:
      return code == TERN_IMAP_ERROR_PROTOCOL || code == TERN_IMAP_ERROR_LIMIT;
    case OUTCOME_BYE:
    case OUTCOME_CLOSED:
      return code == TERN_IMAP_ERROR_CLOSED;
    case OUTCOME_TIMEOUT:
      return code == TERN_IMAP_ERROR_TIMEOUT;
    case OUTCOME_SUCCESS:
    case N_OUTCOMES:
    default:
      return FALSE;
    }
}

static const char *
code_name (int code)
{
  static const char *const names[] = {
    [TERN_IMAP_ERROR_PROTOCOL] = "PROTOCOL",
    [TERN_IMAP_ERROR_LIMIT] = "LIMIT",
    [TERN_IMAP_ERROR_NO] = "NO",
    [TERN_IMAP_ERROR_BAD] = "BAD",
    [TERN_IMAP_ERROR_CLOSED] = "CLOSED",
    [TERN_IMAP_ERROR_CERTIFICATE] = "CERTIFICATE",
    [TERN_IMAP_ERROR_INSECURE] = "INSECURE",
    [TERN_IMAP_ERROR_AUTHENTICATION] = "AUTHENTICATION",
    [TERN_IMAP_ERROR_TIMEOUT] = "TIMEOUT",
    [TERN_IMAP_ERROR_UNSUPPORTED] = "UNSUPPORTED",
  };

  if (code >= 0 && (gsize) code < G_N_ELEMENTS (names) && names[code] != NULL)
    return names[code];
  return "(unknown code)";
}

static const char *
error_code_name (const GError *error)
{
  if (error == NULL)
    return "(none)";
  if (error->domain != TERN_IMAP_ERROR)
    return g_quark_to_string (error->domain);
  return code_name (error->code);
}

/* What a person would read: bounded, valid UTF-8, no control characters,
 * no secret, and nothing the server said before TLS. */
static void
assert_error_message_clean (const GError *error, gboolean pre_tls)
{
  const char *message = error->message;

  g_assert_true (g_utf8_validate (message, -1, NULL));
  g_assert_cmpuint (strlen (message), >, 0);
  g_assert_cmpuint (strlen (message), <=, 512);
  for (const char *p = message; *p != '\0'; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
  g_assert_null (strstr (message, PASSWORD));
  if (pre_tls)
    for (guint i = 0; i < G_N_ELEMENTS (server_markers); i++)
      if (strstr (message, server_markers[i]) != NULL)
        g_error ("the error message \"%s\" shows server text from before TLS (\"%s\")", message,
                 server_markers[i]);
}

/* Every server-side expectation, one by one (the server checks them too;
 * this names the one that failed, e.g. credentials sent on a downgrade). */
static void
assert_server_expectations (Run *run)
{
  const char *const keys[] = {
    "credentials_seen",     "credentials_in_clear", "tls",
    "capability_after_tls", "client_disconnected",  "attack_reached",
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      gboolean want;
      gboolean got;

      if (!g_key_file_has_key (run->summary, "expect", keys[i], NULL))
        continue;
      want = summary_bool (run, "expect", keys[i]);
      got = summary_bool (run, "result", keys[i]);
      if (want != got)
        g_error ("server side: %s is %s, expected %s", keys[i], got ? "true" : "false",
                 want ? "true" : "false");
    }
}

/* -- per-scenario checks ------------------------------------------------------------- */

static gboolean
capability_set_has (const char *set, const char *name)
{
  g_auto (GStrv) names = g_strsplit (set, " ", -1);

  return g_strv_contains ((const char *const *) names, name);
}

static TernImapFetch *
the_fetch (Run *run)
{
  g_assert_no_error (run->fetch_error);
  g_assert_cmpuint (run->fetches->len, ==, 1);
  return g_ptr_array_index (run->fetches, 0);
}

/* The generic responder's one message, well formed (scenarios.MESSAGE). */
static void
check_message (Run *run)
{
  TernImapFetch *fetch = the_fetch (run);
  TernImapEnvelope *envelope;
  TernMimePart *part;
  GBytes *body;
  g_autofree char *text = NULL;

  g_assert_nonnull (run->select_info);
  g_assert_cmpuint (run->select_info->uidvalidity, ==, 1767225600);
  g_assert_cmpuint (run->select_info->uidnext, ==, 2);
  g_assert_cmpuint (run->select_info->exists, ==, 1);

  g_assert_cmpuint (tern_imap_fetch_get_uid (fetch), ==, 1);
  envelope = tern_imap_fetch_get_envelope (fetch);
  g_assert_nonnull (envelope);
  g_assert_cmpstr (tern_imap_envelope_get_subject (envelope), ==, "Hello from the hostile server");
  g_assert_cmpstr (tern_imap_envelope_get_message_id (envelope), ==, "<hostile-1@tern.example>");
  part = tern_imap_fetch_get_bodystructure (fetch);
  g_assert_nonnull (part);
  g_assert_cmpstr (tern_mime_part_get_mime_type (part), ==, "text/plain");
  body = tern_imap_fetch_get_body (fetch, "", NULL);
  g_assert_nonnull (body);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpuint (strlen (text), ==, g_bytes_get_size (body));
  g_assert_true (g_str_has_prefix (text, "From: Alice Example <alice@example.org>\r\n"));
  g_assert_nonnull (strstr (text, "\r\nSubject: Hello from the hostile server\r\n"));
  g_assert_true (g_str_has_suffix (text, "\r\n\r\nAlice\r\n"));
}

static void
check_happy_plain (Run *run)
{
  g_assert_false (run->secure_after_connect);
  check_message (run);
}

static void
check_happy_tls (Run *run)
{
  g_assert_true (run->secure_after_connect);
  g_assert_nonnull (tern_imap_client_get_peer_certificate (run->client));
  g_assert_cmpint (tern_imap_client_get_peer_certificate_errors (run->client), ==, 0);
  check_message (run);
}

/* Capabilities come only from after the handshake: the pre-TLS set
 * (STARTTLS, LOGINDISABLED) was never the client's. */
static void
check_capabilities_after_tls (Run *run)
{
  g_assert_cmpuint (run->capability_sets->len, >, 0);
  for (guint i = 0; i < run->capability_sets->len; i++)
    {
      const char *set = g_ptr_array_index (run->capability_sets, i);

      if (strcmp (set, "(none)") == 0)
        continue;
      g_test_message ("capabilities: %s", set);
      g_assert_false (capability_set_has (set, "STARTTLS"));
      g_assert_false (capability_set_has (set, "LOGINDISABLED"));
      /* Only the server's answer over TLS lists these; the injected line
       * ("IMAP4rev1 AUTH=PLAIN") does not. */
      g_assert_true (capability_set_has (set, "UIDPLUS"));
      g_assert_true (capability_set_has (set, "NAMESPACE"));
    }
  g_assert_cmpuint (run->unsolicited->len, ==, 0);
}

static void
check_happy_starttls (Run *run)
{
  check_happy_tls (run);
  check_capabilities_after_tls (run);
}

static void
check_injection (Run *run)
{
  g_assert_true (run->secure_after_connect);
  check_capabilities_after_tls (run);
}

static void
check_preauth (Run *run)
{
  /* Refused at the greeting: never treated as logged in. */
  g_assert_false (run->was_authenticated);
  g_assert_cmpuint (run->capability_sets->len, ==, 0);
}

static void
check_refused_before_tls (Run *run)
{
  g_assert_false (run->was_authenticated);
  g_assert_cmpuint (run->capability_sets->len, ==, 0);
  g_assert_cmpuint (run->unsolicited->len, ==, 0);
}

static void
check_untrusted_cert (Run *run)
{
  check_refused_before_tls (run);
  g_assert_nonnull (tern_imap_client_get_peer_certificate (run->client));
  g_assert_true (tern_imap_client_get_peer_certificate_errors (run->client) &
                 G_TLS_CERTIFICATE_UNKNOWN_CA);
}

static void
check_wrong_host (Run *run)
{
  check_refused_before_tls (run);
  g_assert_nonnull (tern_imap_client_get_peer_certificate (run->client));
  g_assert_true (tern_imap_client_get_peer_certificate_errors (run->client) &
                 G_TLS_CERTIFICATE_BAD_IDENTITY);
}

static void
check_literal_zero (Run *run)
{
  TernImapFetch *fetch = the_fetch (run);
  TernImapEnvelope *envelope = tern_imap_fetch_get_envelope (fetch);
  GBytes *body = tern_imap_fetch_get_body (fetch, "", NULL);
  const char *subject;

  g_assert_cmpuint (tern_imap_fetch_get_uid (fetch), ==, 1);
  g_assert_nonnull (envelope);
  subject = tern_imap_envelope_get_subject (envelope);
  g_assert_true (subject == NULL || subject[0] == '\0');
  g_assert_nonnull (body);
  g_assert_cmpuint (g_bytes_get_size (body), ==, 0);
}

/* The 100 MiB line: the client stopped reading at its bound. */
static void
check_stream_stopped (Run *run)
{
  g_autoptr (GError) error = NULL;
  guint64 sent = g_key_file_get_uint64 (run->summary, "result", "bytes_sent", &error);

  g_assert_no_error (error);
  g_test_message ("the server got %" G_GUINT64_FORMAT " bytes out", sent);
  g_assert_cmpuint (sent, <, STREAM_SENT_LIMIT);
}

static void
check_timeout (Run *run)
{
  /* It was the client's own timeout, not something earlier. */
  g_assert_cmpint (run->elapsed, >=,
                   (gint64) (MIN (CONNECT_TIMEOUT, COMMAND_TIMEOUT) * G_USEC_PER_SEC * 3 / 4));
}

typedef void (*CheckFunc) (Run *run);

/* What a scenario's expectations cannot say: the exact code where the
 * outcome allows two, the step it must fail at, and checks of what the
 * client ended up believing. Every name must be a listed scenario. */
static const struct
{
  const char *name;
  int code;     /* the exact TernImapError, or -1 for what the outcome allows */
  int fails_at; /* the Step that must fail, or -1 */
  CheckFunc check;
} extras[] = {
  { "happy-plain", -1, -1, check_happy_plain },
  { "happy-starttls", -1, -1, check_happy_starttls },
  { "happy-tls", -1, -1, check_happy_tls },
  { "starttls-withheld", -1, STEP_CONNECT, check_refused_before_tls },
  { "starttls-refused", -1, STEP_CONNECT, check_refused_before_tls },
  { "starttls-injection", -1, -1, check_injection },
  { "preauth-on-starttls", -1, STEP_CONNECT, check_preauth },
  { "starttls-untrusted-cert", -1, STEP_CONNECT, check_untrusted_cert },
  { "tls-wrong-host", -1, STEP_CONNECT, check_wrong_host },
  { "literal-zero", -1, -1, check_literal_zero },
  { "literal-huge", TERN_IMAP_ERROR_LIMIT, STEP_FETCH, NULL },
  { "literal-huge-u64max", TERN_IMAP_ERROR_LIMIT, STEP_FETCH, NULL },
  { "literal-huge-u64wrap", TERN_IMAP_ERROR_LIMIT, STEP_FETCH, NULL },
  { "literal-huge-u32wrap", TERN_IMAP_ERROR_LIMIT, STEP_FETCH, NULL },
  { "literal-garbage", TERN_IMAP_ERROR_PROTOCOL, STEP_FETCH, NULL },
  { "literal-garbage-negative", TERN_IMAP_ERROR_PROTOCOL, STEP_FETCH, NULL },
  { "literal-garbage-empty", TERN_IMAP_ERROR_PROTOCOL, STEP_FETCH, NULL },
  { "literal-garbage-space", TERN_IMAP_ERROR_PROTOCOL, STEP_FETCH, NULL },
  { "literal-no-crlf", TERN_IMAP_ERROR_PROTOCOL, STEP_FETCH, NULL },
  { "close-mid-literal", -1, STEP_FETCH, NULL },
  { "reset-mid-literal", -1, STEP_FETCH, NULL },
  { "quoted-unterminated", TERN_IMAP_ERROR_PROTOCOL, STEP_FETCH, NULL },
  { "quoted-escape-eol", TERN_IMAP_ERROR_PROTOCOL, STEP_FETCH, NULL },
  { "bodystructure-deep", TERN_IMAP_ERROR_LIMIT, STEP_FETCH, NULL },
  { "nul-bytes", TERN_IMAP_ERROR_PROTOCOL, STEP_FETCH, NULL },
  { "nul-bytes-atom", TERN_IMAP_ERROR_PROTOCOL, STEP_FETCH, NULL },
  { "line-100mb", TERN_IMAP_ERROR_LIMIT, STEP_CONNECT, check_stream_stopped },
  { "line-100mb-fetch", TERN_IMAP_ERROR_LIMIT, STEP_FETCH, check_stream_stopped },
  { "unknown-tag", TERN_IMAP_ERROR_PROTOCOL, STEP_SELECT, NULL },
  { "bye-greeting", -1, STEP_CONNECT, NULL },
  { "bye-after-capability", -1, STEP_CONNECT, NULL },
  { "bye-after-starttls", -1, STEP_CONNECT, check_refused_before_tls },
  { "bye-during-login", -1, STEP_LOGIN, NULL },
  { "bye-after-login", -1, STEP_SELECT, NULL },
  { "bye-after-select", -1, STEP_FETCH, NULL },
  { "bye-during-idle", -1, STEP_IDLE, NULL },
  { "bye-during-fetch", -1, STEP_FETCH, NULL },
  { "stall-greeting", -1, STEP_CONNECT, check_timeout },
  { "stall-mid-response", -1, STEP_FETCH, check_timeout },
  { "stall-after-login", -1, STEP_SELECT, check_timeout },
};

static int
find_extra (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (extras); i++)
    if (strcmp (extras[i].name, name) == 0)
      return (int) i;
  return -1;
}

/* -- one scenario ------------------------------------------------------------------- */

static void
run_scenario (const Scenario *sc)
{
  g_autoptr (Run) run = run_new (sc);
  int extra = find_extra (sc->name);
  gboolean ok;

  g_printerr ("# %s (%s, needs %s, expect %s): %s\n", sc->name, sc->security_name, sc->needs_name,
              sc->outcome_name, sc->summary);
  /* A failure aborts this process and leaves the server's result there. */
  g_printerr ("# server files in %s\n", run->dir);

  server_start (run, sc->name);
  client_new (run, run->port);
  warm_up_tls ();
  run->rss_before_kb = read_peak_rss_kb ();

  ok = drive (run, sc->needs);

  if (run->error != NULL)
    g_printerr ("# %s: %s failed after %.2f s: %s %d (%s): %s\n", sc->name, step_names[run->step],
                run->elapsed / (double) G_USEC_PER_SEC, g_quark_to_string (run->error->domain),
                run->error->code, error_code_name (run->error), run->error->message);
  else
    g_printerr ("# %s: everything up to %s succeeded\n", sc->name, sc->needs_name);

  if (sc->outcome == OUTCOME_SUCCESS)
    {
      g_assert_no_error (run->error);
      g_assert_true (ok);
      logout (run);
    }
  else
    {
      if (run->error == NULL)
        g_error ("%s: expected %s, but everything up to %s succeeded", sc->name, sc->outcome_name,
                 sc->needs_name);
      if (run->error->domain != TERN_IMAP_ERROR || !code_allowed (sc->outcome, run->error->code))
        g_error ("%s: expected %s, got %s %d (%s): %s", sc->name, sc->outcome_name,
                 g_quark_to_string (run->error->domain), run->error->code,
                 error_code_name (run->error), run->error->message);
      if (extra >= 0 && extras[extra].code >= 0)
        g_assert_cmpstr (error_code_name (run->error), ==, code_name (extras[extra].code));
      if (extra >= 0 && extras[extra].fails_at >= 0)
        g_assert_cmpstr (step_names[run->step], ==, step_names[extras[extra].fails_at]);

      /* Every one of these ends the connection. */
      g_assert_cmpint (tern_imap_client_get_state (run->client), ==, TERN_IMAP_CLIENT_DISCONNECTED);
      g_assert_false (tern_imap_client_is_secure (run->client));
      /* ::closed, when the client had been connected, tells the same. */
      if (run->closed)
        {
          g_assert_nonnull (run->closed_error);
          g_assert_error (run->closed_error, run->error->domain, run->error->code);
        }
      else
        g_assert_cmpint (run->step, ==, STEP_CONNECT);
    }

  tern_imap_client_close (run->client);
  run->rss_after_kb = read_peak_rss_kb ();

  server_finish (run);
  assert_server_expectations (run);

  if (run->error != NULL)
    assert_error_message_clean (run->error, !summary_bool (run, "result", "tls"));

  if (extra >= 0 && extras[extra].check != NULL)
    extras[extra].check (run);

  g_assert_cmpuint (run->n_alerts, ==, 0);
  if (n_secret_leaks > 0)
    g_error ("%u log messages show the password, e.g.: %s", n_secret_leaks, first_leak);

  g_printerr ("# %s: peak RSS %" G_GINT64_FORMAT " kB -> %" G_GINT64_FORMAT " kB\n", sc->name,
              run->rss_before_kb, run->rss_after_kb);
  g_assert_cmpint (run->rss_before_kb, >, 0);
  g_assert_cmpint (run->rss_after_kb - run->rss_before_kb, <, RSS_GROWTH_LIMIT_KB);

  g_clear_object (&run->client);
  remove_run_dir (run);
}

/* Runs the current case in a process of its own. A failure fails this case
 * only: the other scenarios still run. */
static void
trap_case (void)
{
  g_test_trap_subprocess (NULL, SCENARIO_GUARD_USEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("%s failed in its subprocess (see its stderr above)", g_test_get_path ());
}

static void
test_scenario (gconstpointer data)
{
  const Scenario *sc = data;

  if (!sc->drivable)
    {
      g_test_fail_printf ("scenario %s: security \"%s\", needs \"%s\" or client_error \"%s\" "
                          "is new to test-hostile.c; teach it the new value",
                          sc->name, sc->security_name, sc->needs_name, sc->outcome_name);
      return;
    }

  if (g_test_subprocess ())
    {
      run_scenario (sc);
      return;
    }

  trap_case ();
}

/* Every scenario with per-scenario checks here is still a scenario. */
static void
test_scenario_list (void)
{
  g_autoptr (GString) gone = g_string_new (NULL);

  g_assert_cmpuint (scenarios->len, >, 0);
  for (guint i = 0; i < G_N_ELEMENTS (extras); i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < scenarios->len && !found; j++)
        found = strcmp (((Scenario *) g_ptr_array_index (scenarios, j))->name, extras[i].name) == 0;
      if (!found)
        g_string_append_printf (gone, " %s", extras[i].name);
    }

  if (gone->len > 0)
    g_test_fail_printf ("test-hostile.c has checks for scenarios that hostile-server.py --list "
                        "no longer lists:%s",
                        gone->str);
}

/* -- STARTTLS injection at the buffer level ------------------------------------------- */

/* The bytes of the starttls-injection scenario: the tagged OK and the forged
 * capabilities in one segment. The parser must hand over the tagged OK and
 * stop right after it, however the bytes were split, so that the client can
 * discard the rest before the handshake. */
static void
test_injection_parser (void)
{
  static const char ok_line[] = "A0002 OK Begin TLS negotiation now.\r\n";
  static const char injected[] = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n"
                                 "A0003 OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n";
  g_autofree char *wire = g_strconcat (ok_line, injected, NULL);
  gsize len = strlen (wire);

  for (gsize split = 0; split <= len; split++)
    {
      g_autoptr (TernImapParser) parser = tern_imap_parser_new (NULL);
      g_autoptr (GPtrArray) out =
        g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
      g_autoptr (GError) error = NULL;
      gsize consumed = 0;
      gsize total = 0;
      TernImapResponse *response;

      g_assert_true (tern_imap_parser_feed_until_tagged (parser, (const guint8 *) wire, split,
                                                         &consumed, out, &error));
      g_assert_no_error (error);
      total = consumed;
      if (out->len == 0)
        {
          g_assert_cmpuint (consumed, ==, split);
          g_assert_true (tern_imap_parser_feed_until_tagged (parser, (const guint8 *) wire + split,
                                                             len - split, &consumed, out, &error));
          g_assert_no_error (error);
          total += consumed;
        }

      g_assert_cmpuint (out->len, ==, 1);
      g_assert_cmpuint (total, ==, strlen (ok_line));
      response = g_ptr_array_index (out, 0);
      g_assert_cmpint (tern_imap_response_get_kind (response), ==, TERN_IMAP_RESPONSE_TAGGED);
      g_assert_cmpstr (tern_imap_response_get_tag (response), ==, "A0002");
      g_assert_cmpint (tern_imap_response_get_status (response), ==, TERN_IMAP_STATUS_OK);
      g_assert_true (tern_imap_parser_is_idle (parser));
    }
}

/* A proxy between the client and the server of happy-starttls. It passes
 * everything through, except that into the segment carrying the STARTTLS OK
 * it writes forged capabilities, an [ALERT], and the tagged answer to the
 * client's next command, whose tag it learns from the client itself. After
 * the handshake it cannot read or change anything. */
typedef struct
{
  TernImapClient *client; /* borrowed, for the next tag */
  guint16 upstream_port;
  guint16 port;
  GSocketListener *listener;
  GSocketConnection *down; /* from the client */
  GSocketConnection *up;   /* to the server */
  GCancellable *cancellable;
  GByteArray *held; /* server bytes not passed on yet */
  gsize writing;    /* how many of them are being written */
  gboolean injected;
  char *next_tag;
  guint n_ops; /* asynchronous operations in flight */
  guint8 c2s[16 * 1024];
  guint8 s2c[16 * 1024];
} Proxy;

#define BEGIN_TLS "OK Begin TLS negotiation now.\r\n"
#define FORGED_CAPS "IMAP4rev1 AUTH=PLAIN XINJECTED"

static void proxy_read_client (Proxy *proxy);
static void proxy_read_server (Proxy *proxy);

static void
proxy_shutdown_write (GSocketConnection *connection)
{
  if (connection != NULL)
    g_socket_shutdown (g_socket_connection_get_socket (connection), FALSE, TRUE, NULL);
}

static void
on_client_bytes_written (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Proxy *proxy = user_data;

  proxy->n_ops--;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL))
    return;
  proxy_read_client (proxy);
}

static void
on_client_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Proxy *proxy = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);

  proxy->n_ops--;
  if (n <= 0)
    {
      proxy_shutdown_write (proxy->up);
      return;
    }

  proxy->n_ops++;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (proxy->up)),
                                   proxy->c2s, (gsize) n, G_PRIORITY_DEFAULT, proxy->cancellable,
                                   on_client_bytes_written, proxy);
}

static void
proxy_read_client (Proxy *proxy)
{
  proxy->n_ops++;
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (proxy->down)), proxy->c2s,
                             sizeof proxy->c2s, G_PRIORITY_DEFAULT, proxy->cancellable,
                             on_client_read, proxy);
}

static void
on_server_bytes_written (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Proxy *proxy = user_data;

  proxy->n_ops--;
  g_byte_array_remove_range (proxy->held, 0, proxy->writing);
  proxy->writing = 0;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL))
    return;
  proxy_read_server (proxy);
}

/* Writes the first @len bytes of proxy->held to the client; they stay put
 * until the write completed, and only then is the server read again. */
static void
proxy_write_held (Proxy *proxy, gsize len)
{
  proxy->writing = len;
  proxy->n_ops++;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (proxy->down)),
                                   proxy->held->data, len, G_PRIORITY_DEFAULT, proxy->cancellable,
                                   on_server_bytes_written, proxy);
}

static void
on_server_read (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Proxy *proxy = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);
  const char *data;
  const char *ok;
  gsize line_end = 0;

  proxy->n_ops--;
  if (n <= 0)
    {
      proxy_shutdown_write (proxy->down);
      return;
    }

  g_byte_array_append (proxy->held, proxy->s2c, (guint) n);
  if (proxy->injected)
    {
      proxy_write_held (proxy, proxy->held->len);
      return;
    }

  /* Before the STARTTLS OK: whole lines pass; the OK goes with the
   * forgeries in one write, so in one segment. */
  data = (const char *) proxy->held->data;
  ok = g_strstr_len (data, proxy->held->len, BEGIN_TLS);
  if (ok != NULL)
    {
      g_autofree char *forged = NULL;
      gsize at = (gsize) (ok - data) + strlen (BEGIN_TLS);

      /* Nothing comes after the OK before the client's ClientHello. */
      g_assert_cmpuint (at, ==, proxy->held->len);
      /* The client has not read the OK yet: its next command is the
       * CAPABILITY it must send over TLS. */
      proxy->next_tag = _tern_imap_client_dup_next_tag (proxy->client);
      forged = g_strdup_printf ("* OK [CAPABILITY " FORGED_CAPS "] injected\r\n"
                                "* CAPABILITY " FORGED_CAPS "\r\n"
                                "* OK [ALERT] XINJECTED alert\r\n"
                                "* 1 EXISTS\r\n"
                                "%s OK [CAPABILITY " FORGED_CAPS "] injected\r\n",
                                proxy->next_tag);
      g_byte_array_append (proxy->held, (const guint8 *) forged, (guint) strlen (forged));
      proxy->injected = TRUE;
      proxy_write_held (proxy, proxy->held->len);
      return;
    }

  for (gsize i = 0; i + 1 < proxy->held->len; i++)
    if (data[i] == '\r' && data[i + 1] == '\n')
      line_end = i + 2;
  if (line_end > 0)
    proxy_write_held (proxy, line_end);
  else
    proxy_read_server (proxy);
}

static void
proxy_read_server (Proxy *proxy)
{
  proxy->n_ops++;
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (proxy->up)), proxy->s2c,
                             sizeof proxy->s2c, G_PRIORITY_DEFAULT, proxy->cancellable,
                             on_server_read, proxy);
}

static void
on_upstream_connected (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Proxy *proxy = user_data;
  g_autoptr (GError) error = NULL;

  proxy->n_ops--;
  proxy->up = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (proxy->up == NULL)
    g_error ("the proxy could not reach the server: %s", error->message);
  g_socket_set_option (g_socket_connection_get_socket (proxy->up), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);
  proxy_read_client (proxy);
  proxy_read_server (proxy);
}

static void
on_proxy_accepted (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Proxy *proxy = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketClient) socket_client = NULL;
  g_autoptr (GSocketAddress) upstream = NULL;

  proxy->n_ops--;
  proxy->down = g_socket_listener_accept_finish (G_SOCKET_LISTENER (object), result, NULL, &error);
  if (proxy->down == NULL)
    return;
  g_socket_set_option (g_socket_connection_get_socket (proxy->down), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);

  socket_client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (socket_client, FALSE);
  upstream = g_inet_socket_address_new_from_string ("127.0.0.1", proxy->upstream_port);
  proxy->n_ops++;
  g_socket_client_connect_async (socket_client, G_SOCKET_CONNECTABLE (upstream), proxy->cancellable,
                                 on_upstream_connected, proxy);
}

static Proxy *
proxy_new (guint16 upstream_port)
{
  Proxy *proxy = g_new0 (Proxy, 1);
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;

  proxy->upstream_port = upstream_port;
  proxy->cancellable = g_cancellable_new ();
  proxy->held = g_byte_array_new ();
  proxy->listener = g_socket_listener_new ();
  address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_assert_true (g_socket_listener_add_address (proxy->listener, address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error));
  g_assert_no_error (error);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));

  proxy->n_ops++;
  g_socket_listener_accept_async (proxy->listener, proxy->cancellable, on_proxy_accepted, proxy);
  return proxy;
}

static void
proxy_free (Proxy *proxy)
{
  gboolean expired = FALSE;
  guint id;

  /* Every operation in flight holds @proxy: let them all end first. */
  g_cancellable_cancel (proxy->cancellable);
  g_socket_listener_close (proxy->listener);
  id = g_timeout_add_seconds (WAIT_GUARD_SECONDS, on_guard, &expired);
  while (proxy->n_ops > 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("the proxy's operations did not end");
  g_source_remove (id);

  if (proxy->down != NULL)
    g_io_stream_close (G_IO_STREAM (proxy->down), NULL, NULL);
  if (proxy->up != NULL)
    g_io_stream_close (G_IO_STREAM (proxy->up), NULL, NULL);
  g_clear_object (&proxy->down);
  g_clear_object (&proxy->up);
  g_clear_object (&proxy->listener);
  g_clear_object (&proxy->cancellable);
  g_byte_array_unref (proxy->held);
  g_free (proxy->next_tag);
  g_free (proxy);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Proxy, proxy_free)

static void
run_injection_proxy (void)
{
  static const Scenario happy_starttls = {
    .name = (char *) "happy-starttls",
    .security = TERN_SECURITY_STARTTLS,
    .needs = STEP_FETCH,
    .outcome = OUTCOME_SUCCESS,
    .drivable = TRUE,
  };
  g_autoptr (Run) run = run_new (&happy_starttls);
  g_autoptr (Proxy) proxy = NULL;
  gboolean ok;

  server_start (run, "happy-starttls");
  proxy = proxy_new (run->port);
  client_new (run, proxy->port);
  proxy->client = run->client;

  ok = drive (run, STEP_FETCH);
  g_assert_no_error (run->error);
  g_assert_true (ok);
  g_assert_true (proxy->injected);
  g_assert_nonnull (proxy->next_tag);
  g_test_message ("forged the answer to %s", proxy->next_tag);

  /* Nothing forged was believed, shown or passed on. */
  g_assert_true (run->secure_after_connect);
  check_capabilities_after_tls (run);
  for (guint i = 0; i < run->capability_sets->len; i++)
    g_assert_false (capability_set_has (g_ptr_array_index (run->capability_sets, i), "XINJECTED"));
  g_assert_false (tern_imap_client_has_capability (run->client, "XINJECTED"));
  g_assert_cmpuint (run->n_alerts, ==, 0);
  for (guint i = 0; i < run->unsolicited->len; i++)
    g_assert_null (strstr (g_ptr_array_index (run->unsolicited, i), "XINJECTED"));
  check_message (run);

  logout (run);
  g_clear_object (&run->client);
  server_finish (run);
  assert_server_expectations (run);
  /* The CAPABILITY the forged OK pretended to answer went to the server. */
  g_assert_true (summary_bool (run, "result", "capability_after_tls"));
  g_assert_false (summary_bool (run, "result", "credentials_in_clear"));
  if (n_secret_leaks > 0)
    g_error ("%u log messages show the password, e.g.: %s", n_secret_leaks, first_leak);
  remove_run_dir (run);
}

static void
test_injection_proxy (void)
{
  if (g_test_subprocess ())
    {
      run_injection_proxy ();
      return;
    }

  trap_case ();
}

/* -- the scenario list ----------------------------------------------------------------- */

/* `hostile-server.py --list` as tab-separated lines (no JSON parser here):
 * name, security, needs, client_error ("none"), summary. */
static const char list_script[] =
  "import json, subprocess, sys\n"
  "for s in json.loads(subprocess.check_output([sys.executable, sys.argv[1], '--list'])):\n"
  "    print('\\t'.join([s['name'], s['security'], s['needs'],\n"
  "                     s['expect']['client_error'] or 'none',\n"
  "                     ' '.join(s['summary'].split())]))\n";

#define LIST_ENV "TERN_HOSTILE_SCENARIO_LIST"

static char *
dup_scenario_list (void)
{
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  const char *argv[] = { python, "-c", list_script, server_py, NULL };

  /* The subprocesses of the cases get the parent's list: one --list, and
   * the same test paths on both sides. */
  if (g_getenv (LIST_ENV) != NULL)
    return g_strdup (g_getenv (LIST_ENV));

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                     &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("%s --list failed: %s\n%s", server_py, error->message, err != NULL ? err : "");

  g_setenv (LIST_ENV, out, TRUE);
  return out;
}

static void
scenario_free (Scenario *sc)
{
  g_free (sc->name);
  g_free (sc->security_name);
  g_free (sc->needs_name);
  g_free (sc->outcome_name);
  g_free (sc->summary);
  g_free (sc);
}

static GPtrArray *
load_scenarios (void)
{
  g_autofree char *list = dup_scenario_list ();
  g_auto (GStrv) lines = g_strsplit (list, "\n", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) scenario_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = NULL;
      Scenario *sc;

      if (lines[i][0] == '\0')
        continue;
      fields = g_strsplit (lines[i], "\t", 5);
      if (g_strv_length (fields) != 5)
        g_error ("unexpected line from --list: %s", lines[i]);

      sc = g_new0 (Scenario, 1);
      sc->name = g_strdup (fields[0]);
      sc->security_name = g_strdup (fields[1]);
      sc->needs_name = g_strdup (fields[2]);
      sc->outcome_name = g_strdup (fields[3]);
      sc->summary = g_strdup (fields[4]);

      sc->drivable = TRUE;
      if (strcmp (fields[1], "plain") == 0)
        sc->security = TERN_SECURITY_NONE;
      else if (strcmp (fields[1], "starttls") == 0)
        sc->security = TERN_SECURITY_STARTTLS;
      else if (strcmp (fields[1], "tls") == 0)
        sc->security = TERN_SECURITY_TLS;
      else
        sc->drivable = FALSE;

      sc->needs = N_STEPS;
      for (guint s = 0; s < N_STEPS; s++)
        if (strcmp (fields[2], step_names[s]) == 0)
          sc->needs = s;
      sc->outcome = N_OUTCOMES;
      for (guint o = 0; o < N_OUTCOMES; o++)
        if (strcmp (fields[3], outcome_names[o]) == 0)
          sc->outcome = o;
      if (sc->needs == N_STEPS || sc->outcome == N_OUTCOMES)
        sc->drivable = FALSE;

      g_ptr_array_add (out, sc);
    }

  return out;
}

int
main (int argc, char *argv[])
{
  g_autofree char *default_server = NULL;
  g_autofree char *plain = NULL;
  const char *root;

  /* The trace is on, so that it meets the hostile bytes too (and can be
   * checked for secrets); log_writer keeps it quiet. Before any thread. */
  g_setenv ("G_MESSAGES_DEBUG", "tern-imap", TRUE);
  /* Stdout is TAP, and a case's subprocess only passes stderr on. */
  g_log_writer_default_set_use_stderr (TRUE);
  g_log_set_writer_func (log_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  g_log_set_default_handler (log_handler, NULL);

  plain = g_strdup_printf ("%c%s%c%s", 0, USER, 0, PASSWORD);
  plain_sasl = g_base64_encode ((const guchar *) plain, 2 + strlen (USER) + strlen (PASSWORD));

  server_py = g_getenv ("TERN_HOSTILE_SERVER");
  if (server_py == NULL)
    {
      root = g_getenv ("TERN_SOURCE_ROOT");
      g_assert_nonnull (root);
      default_server = g_build_filename (root, "tests", "hostile", "hostile-server.py", NULL);
      server_py = default_server;
    }
  python = g_getenv ("TERN_HOSTILE_PYTHON");
  if (python == NULL)
    python = "/usr/bin/python3";

  scenarios = load_scenarios ();

  g_test_add_func ("/hostile/scenario-list", test_scenario_list);
  for (guint i = 0; i < scenarios->len; i++)
    {
      const Scenario *sc = g_ptr_array_index (scenarios, i);
      g_autofree char *path = g_strconcat ("/hostile/scenario/", sc->name, NULL);

      g_test_add_data_func (path, sc, test_scenario);
    }
  g_test_add_func ("/hostile/starttls-injection/parser-stops-at-tagged", test_injection_parser);
  g_test_add_func ("/hostile/starttls-injection/forged-tagged-answer", test_injection_proxy);

  {
    int status = g_test_run ();

    g_clear_pointer (&scenarios, g_ptr_array_unref);
    g_free (plain_sasl);
    g_free (first_leak);
    return status;
  }
}
