/* tern-cli.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* tern-cli: the engine from a terminal, for people and for our own tests.
 * Exit status: 0 success, 1 failure (one line on stderr), 2 bad usage.
 * With --json exactly one JSON document is printed on stdout. */

#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "tern-engine.h"

#define EXIT_USAGE 2

static void
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

static int
fail (GError *error)
{
  g_printerr ("tern-cli: %s\n", error->message);
  return 1;
}

static int
usage_error (const char *message)
{
  g_printerr ("tern-cli: %s\nTry “tern-cli --help”.\n", message);
  return EXIT_USAGE;
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
          g_string_append (out, ", \"imap_host\": ");
          json_append_string (out, tern_account_config_get_imap_host (config));
          g_string_append_printf (out, ", \"imap_port\": %u, \"imap_security\": ",
                                  tern_account_config_get_imap_port (config));
          json_append_string (out, tern_security_to_string (
                                     tern_account_config_get_imap_security (config)));
          g_string_append (out, ", \"user\": ");
          json_append_string (out, tern_account_config_get_imap_user (config));
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

static void
print_help (void)
{
  g_print ("Usage:\n"
           "  tern-cli account list [--json]   list the configured accounts\n"
           "  tern-cli --version               print the version\n"
           "  tern-cli --help                  print this help\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");

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

  if (g_str_equal (argv[1], "account") && argc >= 3 && g_str_equal (argv[2], "list"))
    return cmd_account_list (argc - 3, argv + 3);

  return usage_error ("unknown command");
}
