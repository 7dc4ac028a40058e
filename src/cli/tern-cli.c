/* tern-cli.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* tern-cli: the engine from a terminal, for people and for our own tests.
 * Exit status: 0 success, 1 failure (one line on stderr), 2 bad usage.
 * With --json exactly one JSON document is printed on stdout.
 *
 * It reaches the engine through model/ and account/ only, like the UI, and
 * runs the engine's asynchronous calls on the default main context, one at a
 * time (wait_for()). Passwords come from standard input, never from argv. */

#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <errno.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "account/tern-account-setup.h"
#include "model/tern-account.h"
#include "model/tern-folder.h"
#include "tern-cli-list.h"
#include "tern-cli-private.h"
#include "tern-engine.h"

/* Bytes of a password read from standard input; more is surely a mistake. */
#define MAX_PASSWORD 4096

void
json_append_string (GString *out, const char *str)
{
  g_string_append_c (out, '"');
  for (const char *p = str ? str : ""; *p; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

void
json_append_nullable_string (GString *out, const char *str)
{
  if (str == NULL)
    g_string_append (out, "null");
  else
    json_append_string (out, str);
}

/* The error's message on one line: an engine message may hold a server's
 * text, which must not break the one-line contract. */
int
fail (const GError *error)
{
  g_autofree char *line = g_strdup (error->message);

  g_strdelimit (line, "\r\n", ' ');
  g_printerr ("tern-cli: %s\n", line);
  return 1;
}

int
fail_message (const char *message)
{
  g_printerr ("tern-cli: %s\n", message);
  return 1;
}

int
usage_error (const char *message)
{
  g_printerr ("tern-cli: %s\nTry “tern-cli --help”.\n", message);
  return EXIT_USAGE;
}

G_GNUC_PRINTF (1, 2)
int
usage_errorf (const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  return usage_error (message);
}

/* Running the engine's async calls ------------------------------------------ */

void
store_result (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* Iterates the default main context until the call that was given
 * store_result and @slot has completed. */
GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *slot;
}

/* Closing caches ------------------------------------------------------------- */

/* Caches opened and not yet closed. The sync session lets go of the cache
 * from the main context after its last job, so a command that returned as soon
 * as its result came would leave the cache open: SQLite keeps the write-ahead
 * log, no clean mark is written, and the next command reads the whole file to
 * check it (0.35 s at 100 000 messages). */
static gint open_caches;

/* On whichever thread let go of the store last. */
static void
cache_closed (gpointer data, GObject *where_the_store_was)
{
  g_atomic_int_add (&open_caches, -1);
  g_main_context_wakeup (NULL);
}

void
cli_open_cache_async (TernAccount *account, GAsyncResult **slot)
{
  tern_account_open_cache_async (account, NULL, store_result, slot);
  g_atomic_int_inc (&open_caches);
  g_object_weak_ref (G_OBJECT (tern_account_get_store (account)), cache_closed, NULL);
}

static gboolean
close_timed_out (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* After a command, with its accounts let go: runs the main context until
 * every cache it opened is closed. */
static int
close_caches (int status)
{
  gboolean timed_out = FALSE;
  guint timeout;

  if (g_atomic_int_get (&open_caches) == 0)
    return status;
  /* Only a leak keeps a cache open; the command's result stands anyway. */
  timeout = g_timeout_add_seconds (30, close_timed_out, &timed_out);
  while (g_atomic_int_get (&open_caches) > 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_warning ("The cache was not closed; the next command checks it first");
  else
    g_source_remove (timeout);
  return status;
}

/* Options --------------------------------------------------------------------- */

/* Splits @argv into the options in @options (each at most once) and the
 * positional arguments. Returns FALSE after printing a usage error. */
gboolean
cli_parse_sort (const char *name, gboolean with_uid, TernStoreSort *out_sort)
{
  static const struct
  {
    const char *name;
    TernStoreSort sort;
  } sorts[] = {
    { "date", TERN_STORE_SORT_DATE },       { "from", TERN_STORE_SORT_FROM },
    { "subject", TERN_STORE_SORT_SUBJECT }, { "size", TERN_STORE_SORT_SIZE },
    { "unread", TERN_STORE_SORT_UNREAD },   { "flagged", TERN_STORE_SORT_FLAGGED },
    { "uid", TERN_STORE_SORT_UID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sorts); i++)
    if (g_str_equal (sorts[i].name, name) && (with_uid || sorts[i].sort != TERN_STORE_SORT_UID))
      {
        *out_sort = sorts[i].sort;
        return TRUE;
      }
  return FALSE;
}

gboolean
cli_sort_descending (TernStoreSort sort)
{
  return sort == TERN_STORE_SORT_DATE || sort == TERN_STORE_SORT_SIZE ||
         sort == TERN_STORE_SORT_UNREAD || sort == TERN_STORE_SORT_FLAGGED;
}

gboolean
parse_options (const char *command,
               int argc,
               char **argv,
               Option *options,
               guint n_options,
               GPtrArray *positional,
               int *out_status)
{
  for (int i = 0; i < argc; i++)
    {
      const char *arg = argv[i];
      const char *eq;
      gsize name_len;
      Option *option = NULL;

      if (!g_str_has_prefix (arg, "--") || g_str_equal (arg, "--"))
        {
          g_ptr_array_add (positional, (gpointer) arg);
          continue;
        }

      eq = strchr (arg, '=');
      name_len = eq ? (gsize) (eq - arg) : strlen (arg);
      for (guint j = 0; j < n_options; j++)
        if (strlen (options[j].name) == name_len && strncmp (options[j].name, arg, name_len) == 0)
          option = &options[j];

      if (option == NULL)
        {
          *out_status = usage_errorf ("%s: unknown option “%.*s”", command, (int) name_len, arg);
          return FALSE;
        }
      if (option->value != NULL)
        {
          *out_status = usage_errorf ("%s: %s given twice", command, option->name);
          return FALSE;
        }

      if (!option->takes_value)
        {
          if (eq != NULL)
            {
              *out_status = usage_errorf ("%s: %s takes no value", command, option->name);
              return FALSE;
            }
          option->value = "";
        }
      else if (eq != NULL)
        option->value = eq + 1;
      else if (i + 1 < argc)
        option->value = argv[++i];
      else
        {
          *out_status = usage_errorf ("%s: %s needs a value", command, option->name);
          return FALSE;
        }
    }

  return TRUE;
}

/* HOST:PORT, or [IPv6]:PORT. */
static gboolean
parse_server (const char *str, char **out_host, guint16 *out_port)
{
  g_autofree char *host = NULL;
  const char *port_str;
  guint64 port;

  if (str[0] == '[')
    {
      const char *close = strchr (str, ']');

      if (close == NULL || close == str + 1 || close[1] != ':')
        return FALSE;
      host = g_strndup (str + 1, close - str - 1);
      if (!g_hostname_is_ip_address (host) || strchr (host, ':') == NULL)
        return FALSE;
      port_str = close + 2;
    }
  else
    {
      const char *colon = strchr (str, ':');

      /* A bare IPv6 address is ambiguous: it must be in brackets. */
      if (colon == NULL || colon == str || strchr (colon + 1, ':') != NULL)
        return FALSE;
      host = g_strndup (str, colon - str);
      port_str = colon + 1;
      for (const char *p = host; *p; p++)
        if ((guchar) *p <= 0x20 || *p == 0x7f || *p == '/' || *p == '[' || *p == ']')
          return FALSE;
    }

  if (!g_ascii_string_to_unsigned (port_str, 10, 1, G_MAXUINT16, &port, NULL))
    return FALSE;

  *out_host = g_steal_pointer (&host);
  *out_port = (guint16) port;
  return TRUE;
}

static char *
read_password_from_stdin (GError **error)
{
  char *buffer = g_malloc0 (MAX_PASSWORD + 2);
  gsize len = 0;

  while (len <= MAX_PASSWORD)
    {
      gssize n = read (STDIN_FILENO, buffer + len, MAX_PASSWORD + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "cannot read the password from standard input: %s",
                       g_strerror (saved_errno));
          g_free (buffer);
          return NULL;
        }
      if (n == 0)
        break;
      len += n;
    }

  /* One line, as `echo` or a password manager prints it. */
  if (len > 0 && buffer[len - 1] == '\n')
    buffer[--len] = '\0';
  if (len > 0 && buffer[len - 1] == '\r')
    buffer[--len] = '\0';

  if (len == 0 || len > MAX_PASSWORD || memchr (buffer, '\0', len) != NULL ||
      memchr (buffer, '\n', len) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   len == 0 ? "no password on standard input"
                            : "the password on standard input must be one line of text");
      memset (buffer, 0, MAX_PASSWORD + 2);
      g_free (buffer);
      return NULL;
    }

  return buffer;
}

static void
free_password (char *password)
{
  if (password != NULL)
    {
      memset (password, 0, MAX_PASSWORD + 2);
      g_free (password);
    }
}

/* A password buffer from read_password_from_stdin(), wiped when freed. */
typedef char TernCliPassword;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TernCliPassword, free_password)

/* account add ------------------------------------------------------------------ */

enum
{
  ADD_EMAIL,
  ADD_IMAP,
  ADD_IMAP_SECURITY,
  ADD_USER,
  ADD_SMTP,
  ADD_SMTP_SECURITY,
  ADD_CA_FILE,
  ADD_DISPLAY_NAME,
  ADD_PASSWORD_STDIN,
  N_ADD_OPTIONS
};

static int
cmd_account_add (int argc, char **argv)
{
  Option options[N_ADD_OPTIONS] = {
    [ADD_EMAIL] = { "--email", TRUE },
    [ADD_IMAP] = { "--imap", TRUE },
    [ADD_IMAP_SECURITY] = { "--imap-security", TRUE },
    [ADD_USER] = { "--user", TRUE },
    [ADD_SMTP] = { "--smtp", TRUE },
    [ADD_SMTP_SECURITY] = { "--smtp-security", TRUE },
    [ADD_CA_FILE] = { "--ca-file", TRUE },
    [ADD_DISPLAY_NAME] = { "--display-name", TRUE },
    [ADD_PASSWORD_STDIN] = { "--password-stdin", FALSE },
  };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccountConfig) config = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (TernCliPassword) password = NULL;
  g_autofree char *imap_host = NULL;
  g_autofree char *smtp_host = NULL;
  g_autofree char *ca_file = NULL;
  TernSecurity imap_security;
  TernSecurity smtp_security = TERN_SECURITY_TLS;
  guint16 imap_port;
  guint16 smtp_port = 0;
  const char *id;
  int status;

  if (!parse_options ("account add", argc, argv, options, N_ADD_OPTIONS, positional, &status))
    return status;

  if (positional->len != 1)
    return usage_error ("account add: give exactly one account ID");
  id = g_ptr_array_index (positional, 0);
  if (!tern_account_id_is_valid (id))
    return usage_errorf ("account add: “%s” is not a valid account ID (letters, digits, “-”, "
                         "“_” and “.”, at most 64)",
                         id);

  for (guint i = 0; i < N_ADD_OPTIONS; i++)
    if (options[i].value == NULL && (i == ADD_EMAIL || i == ADD_IMAP || i == ADD_IMAP_SECURITY ||
                                     i == ADD_USER || i == ADD_PASSWORD_STDIN))
      return usage_errorf ("account add: %s is required", options[i].name);

  if (options[ADD_EMAIL].value[0] == '\0' || strchr (options[ADD_EMAIL].value, '@') == NULL)
    return usage_error ("account add: --email needs an e-mail address");
  if (options[ADD_USER].value[0] == '\0')
    return usage_error ("account add: --user needs a user name");
  if (!parse_server (options[ADD_IMAP].value, &imap_host, &imap_port))
    return usage_error ("account add: --imap needs HOST:PORT (an IPv6 address in brackets: "
                        "[::1]:993)");
  if (!tern_security_from_string (options[ADD_IMAP_SECURITY].value, &imap_security))
    return usage_error ("account add: --imap-security must be tls, starttls or none");

  if ((options[ADD_SMTP].value == NULL) != (options[ADD_SMTP_SECURITY].value == NULL))
    return usage_error ("account add: --smtp and --smtp-security go together");
  if (options[ADD_SMTP].value != NULL)
    {
      if (!parse_server (options[ADD_SMTP].value, &smtp_host, &smtp_port))
        return usage_error ("account add: --smtp needs HOST:PORT (an IPv6 address in brackets: "
                            "[::1]:465)");
      if (!tern_security_from_string (options[ADD_SMTP_SECURITY].value, &smtp_security))
        return usage_error ("account add: --smtp-security must be tls, starttls or none");
    }

  if (options[ADD_CA_FILE].value != NULL)
    {
      if (options[ADD_CA_FILE].value[0] == '\0')
        return usage_error ("account add: --ca-file needs a file name");
      /* Saved in the key file, so it must not depend on today's directory. */
      ca_file = g_canonicalize_filename (options[ADD_CA_FILE].value, NULL);
      if (!g_file_test (ca_file, G_FILE_TEST_IS_REGULAR))
        {
          g_autofree char *message = g_strdup_printf ("%s: no such file", ca_file);

          return fail_message (message);
        }
    }

  if (!(password = read_password_from_stdin (&error)))
    return fail (error);

  config = tern_account_config_new (id);
  tern_account_config_set_email (config, options[ADD_EMAIL].value);
  tern_account_config_set_imap (config, imap_host, imap_port, imap_security,
                                options[ADD_USER].value);
  if (smtp_host != NULL)
    tern_account_config_set_smtp (config, smtp_host, smtp_port, smtp_security, NULL);
  if (ca_file != NULL)
    tern_account_config_set_ca_file (config, ca_file);
  if (options[ADD_DISPLAY_NAME].value != NULL && options[ADD_DISPLAY_NAME].value[0] != '\0')
    tern_account_config_set_display_name (config, options[ADD_DISPLAY_NAME].value);

  tern_account_setup_add_async (config, password, NULL, store_result, &result);
  if (!tern_account_setup_add_finish (wait_for (&result), NULL, &error))
    {
      if (g_error_matches (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_CERTIFICATE))
        {
          g_autofree char *message = g_strdup_printf ("%s To trust it, give the certificate of the "
                                                      "authority that issued it with --ca-file.",
                                                      error->message);

          return fail_message (message);
        }
      return fail (error);
    }

  return 0;
}

/* account list ------------------------------------------------------------------ */

static void
json_append_server (GString *out,
                    const char *prefix,
                    const char *host,
                    guint16 port,
                    TernSecurity security)
{
  g_string_append_printf (out, ", \"%s_host\": ", prefix);
  json_append_nullable_string (out, host);
  if (host != NULL)
    g_string_append_printf (out, ", \"%s_port\": %u, \"%s_security\": ", prefix, port, prefix);
  else
    g_string_append_printf (out, ", \"%s_port\": null, \"%s_security\": ", prefix, prefix);
  json_append_nullable_string (out, host ? tern_security_to_string (security) : NULL);
}

static int
cmd_account_list (int argc, char **argv)
{
  g_autoptr (GPtrArray) configs = NULL;
  g_autoptr (GError) error = NULL;
  gboolean json = FALSE;

  for (int i = 0; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--json"))
        json = TRUE;
      else
        return usage_error ("account list: unknown argument");
    }

  if (!(configs = tern_account_config_load_all (&error)))
    return fail (error);

  if (json)
    {
      g_autoptr (GString) out = g_string_new ("[");

      for (guint i = 0; i < configs->len; i++)
        {
          TernAccountConfig *config = g_ptr_array_index (configs, i);

          g_string_append (out, i ? ",\n {" : "\n {");
          g_string_append (out, "\"id\": ");
          json_append_string (out, tern_account_config_get_id (config));
          g_string_append (out, ", \"display_name\": ");
          json_append_string (out, tern_account_config_get_display_name (config));
          g_string_append (out, ", \"email\": ");
          json_append_string (out, tern_account_config_get_email (config));
          json_append_server (out, "imap", tern_account_config_get_imap_host (config),
                              tern_account_config_get_imap_port (config),
                              tern_account_config_get_imap_security (config));
          g_string_append (out, ", \"user\": ");
          json_append_string (out, tern_account_config_get_imap_user (config));
          json_append_server (out, "smtp", tern_account_config_get_smtp_host (config),
                              tern_account_config_get_smtp_port (config),
                              tern_account_config_get_smtp_security (config));
          g_string_append (out, ", \"ca_file\": ");
          json_append_nullable_string (out, tern_account_config_get_ca_file (config));
          g_string_append (out, "}");
        }
      g_string_append (out, configs->len ? "\n]\n" : "]\n");
      fputs (out->str, stdout);
    }
  else
    {
      for (guint i = 0; i < configs->len; i++)
        {
          TernAccountConfig *config = g_ptr_array_index (configs, i);

          g_print ("%s\t%s\t%s:%u\n", tern_account_config_get_id (config),
                   tern_account_config_get_email (config),
                   tern_account_config_get_imap_host (config),
                   tern_account_config_get_imap_port (config));
        }
    }

  return 0;
}

/* account remove ---------------------------------------------------------------- */

static int
cmd_account_remove (int argc, char **argv)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  if (argc != 1 || g_str_has_prefix (argv[0], "--"))
    return usage_error ("account remove: give exactly one account ID");
  if (!tern_account_id_is_valid (argv[0]))
    return usage_errorf ("account remove: “%s” is not a valid account ID", argv[0]);

  tern_account_setup_remove_async (argv[0], NULL, store_result, &result);
  if (!tern_account_setup_remove_finish (wait_for (&result), &error))
    return fail (error);

  return 0;
}

/* folders ---------------------------------------------------------------------- */

TernAccount *
load_account (const char *id, int *out_status)
{
  g_autoptr (TernAccountConfig) config = NULL;
  g_autoptr (GError) error = NULL;

  if (!tern_account_id_is_valid (id))
    {
      *out_status = usage_errorf ("“%s” is not a valid account ID", id);
      return NULL;
    }

  if (!(config = tern_account_config_load (id, &error)))
    {
      *out_status = fail (error);
      return NULL;
    }

  return tern_account_new (config);
}

static int
cmd_folders (int argc, char **argv)
{
  Option options[] = { { "--json", FALSE } };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GListModel) folders = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean json;
  guint n;
  int status;

  if (!parse_options ("folders", argc, argv, options, G_N_ELEMENTS (options), positional, &status))
    return status;
  if (positional->len != 1)
    return usage_error ("folders: give exactly one account ID");
  json = options[0].value != NULL;

  if (!(account = load_account (g_ptr_array_index (positional, 0), &status)))
    return status;

  tern_account_list_folders_async (account, NULL, store_result, &result);
  if (!(folders = tern_account_list_folders_finish (account, wait_for (&result), &error)))
    return fail (error);

  n = g_list_model_get_n_items (folders);
  if (json)
    g_string_append (out, "[");
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (TernFolder) folder = g_list_model_get_item (folders, i);
      const char *role = tern_folder_role_to_string (tern_folder_get_role (folder));

      if (!json)
        {
          g_string_append_printf (out, "%s\t%s\t%u\t%u\n", tern_folder_get_path (folder),
                                  role ? role : "-", tern_folder_get_total (folder),
                                  tern_folder_get_unread (folder));
          continue;
        }

      g_string_append (out, i ? ",\n {\"path\": " : "\n {\"path\": ");
      json_append_string (out, tern_folder_get_path (folder));
      g_string_append (out, ", \"name\": ");
      json_append_string (out, tern_folder_get_name (folder));
      g_string_append (out, ", \"delimiter\": ");
      json_append_nullable_string (out, tern_folder_get_delimiter (folder));
      g_string_append (out, ", \"role\": ");
      json_append_nullable_string (out, role);
      g_string_append_printf (out,
                              ", \"subscribed\": %s, \"selectable\": %s, \"total\": %u, "
                              "\"unread\": %u}",
                              tern_folder_get_subscribed (folder) ? "true" : "false",
                              tern_folder_get_selectable (folder) ? "true" : "false",
                              tern_folder_get_total (folder), tern_folder_get_unread (folder));
    }
  if (json)
    g_string_append (out, n ? "\n]\n" : "]\n");

  fputs (out->str, stdout);
  return 0;
}

/* fetch -------------------------------------------------------------------------- */

enum
{
  FETCH_SECTION,
  FETCH_OUTPUT,
  N_FETCH_OPTIONS
};

static int
cmd_fetch (int argc, char **argv)
{
  Option options[N_FETCH_OPTIONS] = {
    [FETCH_SECTION] = { "--section", TRUE },
    [FETCH_OUTPUT] = { "--output", TRUE },
  };
  g_autoptr (GPtrArray) positional = g_ptr_array_new ();
  g_autoptr (TernAccount) account = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GOutputStream) out = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;
  const char *section;
  const char *output;
  gboolean existed = FALSE;
  guint64 uid;
  int status;

  if (!parse_options ("fetch", argc, argv, options, N_FETCH_OPTIONS, positional, &status))
    return status;
  if (positional->len != 3)
    return usage_error ("fetch: give an account ID, a folder and a UID");
  if (!g_ascii_string_to_unsigned (g_ptr_array_index (positional, 2), 10, 1, G_MAXUINT32, &uid,
                                   NULL))
    return usage_errorf ("fetch: “%s” is not a UID (a number from 1 to 4294967295)",
                         (const char *) g_ptr_array_index (positional, 2));
  if (!g_utf8_validate (g_ptr_array_index (positional, 1), -1, NULL))
    return usage_error ("fetch: the folder name is not valid UTF-8");

  section = options[FETCH_SECTION].value;
  if (!tern_account_section_is_valid (section))
    return usage_errorf ("fetch: “%s” is not a body section (such as 1, 1.2, 2.MIME, HEADER, "
                         "TEXT or HEADER.FIELDS (From To))",
                         section);

  output = options[FETCH_OUTPUT].value;
  if (output != NULL && output[0] == '\0')
    return usage_error ("fetch: --output needs a file name");

  if (!(account = load_account (g_ptr_array_index (positional, 0), &status)))
    return status;

  if (output != NULL && !g_str_equal (output, "-"))
    {
      /* Written next to the file and renamed over it on success, so that a
       * failed fetch leaves an existing file alone. */
      file = g_file_new_for_commandline_arg (output);
      existed = g_file_query_exists (file, NULL);
      out = G_OUTPUT_STREAM (
        g_file_replace (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, &error));
      if (out == NULL)
        return fail (error);
    }
  else
    {
      /* Straight to the file descriptor: no stdio buffering or conversion. */
      out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
    }

  tern_account_fetch_raw_async (account, g_ptr_array_index (positional, 1), (guint32) uid, section,
                                out, NULL, store_result, &result);
  if (!tern_account_fetch_raw_finish (account, wait_for (&result), &error))
    {
      if (file != NULL)
        {
          g_autoptr (GCancellable) cancelled = g_cancellable_new ();

          g_cancellable_cancel (cancelled);
          g_output_stream_close (out, cancelled, NULL);
          if (!existed)
            g_file_delete (file, NULL, NULL);
        }
      return fail (error);
    }

  if (!g_output_stream_close (out, NULL, &error))
    return fail (error);

  return 0;
}

/* main -------------------------------------------------------------------------- */

static void
print_help (void)
{
  g_print ("Usage:\n"
           "  tern-cli account add ID --email ADDR --imap HOST:PORT\n"
           "                          --imap-security tls|starttls|none --user USER\n"
           "                          [--smtp HOST:PORT --smtp-security tls|starttls|none]\n"
           "                          [--ca-file PEM] [--display-name NAME] --password-stdin\n"
           "      add an account: logs in with the password read from standard input,\n"
           "      then keeps the password in the keyring and the settings in a file\n"
           "  tern-cli account list [--json]   list the configured accounts\n"
           "  tern-cli account remove ID       remove an account, its password and its cache\n"
           "  tern-cli folders ID [--json]     list an account's folders\n"
           "  tern-cli fetch ID FOLDER UID [--section SECTION] [--output FILE]\n"
           "      write a message (or one body section: 1.2, 2.MIME, HEADER, TEXT, …)\n"
           "      exactly as the server stores it, to standard output or FILE\n"
           "%s"
           "%s"
           "%s"
           "%s"
           "  tern-cli --version               print the version\n"
           "  tern-cli --help                  print this help\n"
           "\n"
           "Exit status: 0 success, 1 failure (one line on standard error), 2 bad usage.\n",
           tern_cli_mail_help, tern_cli_rows_help, tern_cli_search_help, tern_cli_idle_help);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Standard output carries JSON or a message's raw bytes: every log line,
   * debug output included (G_MESSAGES_DEBUG), goes to standard error. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (argc < 2)
    return usage_error ("missing command");

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      print_help ();
      return 0;
    }

  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("tern-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_str_equal (argv[1], "account") && argc >= 3)
    {
      if (g_str_equal (argv[2], "add"))
        return cmd_account_add (argc - 3, argv + 3);
      if (g_str_equal (argv[2], "list"))
        return cmd_account_list (argc - 3, argv + 3);
      if (g_str_equal (argv[2], "remove"))
        return cmd_account_remove (argc - 3, argv + 3);
    }

  if (g_str_equal (argv[1], "folders"))
    return cmd_folders (argc - 2, argv + 2);

  if (g_str_equal (argv[1], "fetch"))
    return cmd_fetch (argc - 2, argv + 2);

  if (g_str_equal (argv[1], "search"))
    return close_caches (tern_cli_search (argc - 2, argv + 2));

  if (g_str_equal (argv[1], "rows"))
    return close_caches (tern_cli_rows (argc - 2, argv + 2));

  for (guint i = 0; tern_cli_mail_commands[i].name != NULL; i++)
    if (g_str_equal (argv[1], tern_cli_mail_commands[i].name))
      return close_caches (tern_cli_mail_commands[i].run (argv[1], argc - 2, argv + 2));
  for (guint i = 0; tern_cli_idle_commands[i].name != NULL; i++)
    if (g_str_equal (argv[1], tern_cli_idle_commands[i].name))
      return close_caches (tern_cli_idle_commands[i].run (argv[1], argc - 2, argv + 2));

  return usage_error ("unknown command");
}
