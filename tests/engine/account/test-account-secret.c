/* test-account-secret.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Against the real gnome-keyring that the test harness starts in a private
 * session; the keyring keeps its files in the session's directory, not in
 * this test's XDG homes. */

#include "config.h"

#include <glib/gstdio.h>

#include "account/tern-account-config.h"
#include "account/tern-account-secret.h"

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *result;
}

static void
on_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
store (const char *account,
       TernAccountProtocol protocol,
       const char *host,
       const char *user,
       const char *secret)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  tern_account_secret_store_async (account, protocol, host, user, secret, NULL, on_done, &result);
  g_assert_true (tern_account_secret_store_finish (wait_for (&result), &error));
  g_assert_no_error (error);
}

static char *
lookup (const char *account,
        TernAccountProtocol protocol,
        const char *host,
        const char *user,
        GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  tern_account_secret_lookup_async (account, protocol, host, user, NULL, on_done, &result);
  return tern_account_secret_lookup_finish (wait_for (&result), error);
}

static void
assert_secret (const char *account,
               TernAccountProtocol protocol,
               const char *host,
               const char *user,
               const char *expected)
{
  g_autoptr (GError) error = NULL;
  char *secret = lookup (account, protocol, host, user, &error);

  if (expected == NULL)
    {
      g_assert_null (secret);
      g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_NOT_FOUND);
      /* The message names the key, not a secret. */
      g_assert_nonnull (strstr (error->message, account));
    }
  else
    {
      g_assert_no_error (error);
      g_assert_cmpstr (secret, ==, expected);
    }

  tern_account_secret_free (secret);
}

static void
clear (const char *account, TernAccountProtocol protocol, const char *host, const char *user)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  tern_account_secret_clear_async (account, protocol, host, user, NULL, on_done, &result);
  g_assert_true (tern_account_secret_clear_finish (wait_for (&result), &error));
  g_assert_no_error (error);
}

static void
clear_all (const char *account)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  tern_account_secret_clear_all_for_account_async (account, NULL, on_done, &result);
  g_assert_true (tern_account_secret_clear_all_for_account_finish (wait_for (&result), &error));
  g_assert_no_error (error);
}

static void
assert_private_session (void)
{
  /* Never touch a real keyring. */
  g_assert_nonnull (g_getenv ("TERN_TEST_SESSION"));
  g_assert_nonnull (g_getenv ("TERN_TEST_HOME"));
}

static void
test_store_lookup_clear (void)
{
  const TernAccountProtocol imap = TERN_ACCOUNT_PROTOCOL_IMAP;

  assert_private_session ();

  assert_secret ("work", imap, "imap.example.org", "alice", NULL);

  store ("work", imap, "imap.example.org", "alice", "first pässword");
  assert_secret ("work", imap, "imap.example.org", "alice", "first pässword");

  /* Storing again replaces. */
  store ("work", imap, "imap.example.org", "alice", "second");
  assert_secret ("work", imap, "imap.example.org", "alice", "second");

  /* Every attribute is part of the key. */
  assert_secret ("work", imap, "imap.example.org", "bob", NULL);
  assert_secret ("work", imap, "mail.example.org", "alice", NULL);
  assert_secret ("work", TERN_ACCOUNT_PROTOCOL_SMTP, "imap.example.org", "alice", NULL);

  clear ("work", imap, "imap.example.org", "alice");
  assert_secret ("work", imap, "imap.example.org", "alice", NULL);

  /* Clearing what is not there is not an error. */
  clear ("work", imap, "imap.example.org", "alice");
}

static void
test_accounts_isolated (void)
{
  const TernAccountProtocol imap = TERN_ACCOUNT_PROTOCOL_IMAP;
  const TernAccountProtocol smtp = TERN_ACCOUNT_PROTOCOL_SMTP;

  assert_private_session ();

  /* Same server and user, two accounts. */
  store ("home", imap, "mail.example.org", "carol", "home-imap");
  store ("home", smtp, "mail.example.org", "carol", "home-smtp");
  store ("home-2", imap, "mail.example.org", "carol", "home2-imap");
  store ("office", imap, "mail.example.org", "carol", "office-imap");

  assert_secret ("home", imap, "mail.example.org", "carol", "home-imap");
  assert_secret ("home", smtp, "mail.example.org", "carol", "home-smtp");
  assert_secret ("home-2", imap, "mail.example.org", "carol", "home2-imap");
  assert_secret ("office", imap, "mail.example.org", "carol", "office-imap");

  /* Removing an account removes all its secrets and no one else's. */
  clear_all ("home");
  assert_secret ("home", imap, "mail.example.org", "carol", NULL);
  assert_secret ("home", smtp, "mail.example.org", "carol", NULL);
  assert_secret ("home-2", imap, "mail.example.org", "carol", "home2-imap");
  assert_secret ("office", imap, "mail.example.org", "carol", "office-imap");

  clear_all ("home");
  clear_all ("home-2");
  clear_all ("office");
  assert_secret ("office", imap, "mail.example.org", "carol", NULL);
}

static void
test_sync (void)
{
  g_autoptr (GError) error = NULL;
  char *secret;

  assert_private_session ();

  g_assert_true (tern_account_secret_store_sync ("cli", TERN_ACCOUNT_PROTOCOL_SMTP,
                                                 "smtp.example.org", "dave", "sync-secret", NULL,
                                                 &error));
  g_assert_no_error (error);

  secret = tern_account_secret_lookup_sync ("cli", TERN_ACCOUNT_PROTOCOL_SMTP, "smtp.example.org",
                                            "dave", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, "sync-secret");
  tern_account_secret_free (secret);

  /* The async and sync sides see the same items. */
  assert_secret ("cli", TERN_ACCOUNT_PROTOCOL_SMTP, "smtp.example.org", "dave", "sync-secret");

  g_assert_true (tern_account_secret_clear_sync ("cli", TERN_ACCOUNT_PROTOCOL_SMTP,
                                                 "smtp.example.org", "dave", NULL, &error));
  g_assert_no_error (error);
  secret = tern_account_secret_lookup_sync ("cli", TERN_ACCOUNT_PROTOCOL_SMTP, "smtp.example.org",
                                            "dave", NULL, &error);
  g_assert_null (secret);
  g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (tern_account_secret_store_sync ("cli", TERN_ACCOUNT_PROTOCOL_IMAP, "h", "u", "x",
                                                 NULL, &error));
  g_assert_true (tern_account_secret_clear_all_for_account_sync ("cli", NULL, &error));
  g_assert_no_error (error);
  assert_secret ("cli", TERN_ACCOUNT_PROTOCOL_IMAP, "h", "u", NULL);
}

static void
test_invalid (void)
{
  static const struct
  {
    const char *account;
    const char *host;
    const char *user;
    const char *secret;
  } cases[] = {
    { "../etc", "h", "u", "s" }, { "", "h", "u", "s" },    { NULL, "h", "u", "s" },
    { "ok", "", "u", "s" },      { "ok", NULL, "u", "s" }, { "ok", "h", "", "s" },
    { "ok", "h", "u", "" },      { "ok", "h", "u", NULL }, { "ok", "h", "u", "caf\xe9" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GError) error = NULL;

      tern_account_secret_store_async (cases[i].account, TERN_ACCOUNT_PROTOCOL_IMAP, cases[i].host,
                                       cases[i].user, cases[i].secret, NULL, on_done, &result);
      g_assert_false (tern_account_secret_store_finish (wait_for (&result), &error));
      g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID);
    }

  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GError) error = NULL;

    tern_account_secret_clear_all_for_account_async ("a/b", NULL, on_done, &result);
    g_assert_false (tern_account_secret_clear_all_for_account_finish (wait_for (&result), &error));
    g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID);
  }

  {
    g_autoptr (GError) error = NULL;

    g_assert_null (
      tern_account_secret_lookup_sync ("ok", TERN_ACCOUNT_PROTOCOL_IMAP, "h", NULL, NULL, &error));
    g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID);
  }
}

static void
test_cancelled (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *secret;

  g_cancellable_cancel (cancellable);
  tern_account_secret_lookup_async ("work", TERN_ACCOUNT_PROTOCOL_IMAP, "h", "u", cancellable,
                                    on_done, &result);
  secret = tern_account_secret_lookup_finish (wait_for (&result), &error);
  g_assert_null (secret);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
assert_not_in_tree (const char *dir, const char *needle)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;

  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          assert_not_in_tree (path, needle);
        }
      else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_autofree char *contents = NULL;
          gsize len;

          g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
          if (g_strstr_len (contents, (gssize) len, needle) != NULL)
            g_error ("the secret was written to %s", path);
          g_test_message ("checked %s", path);
        }
    }
}

static void
test_nothing_on_disk (void)
{
  const char *secret = "Zebra-Quokka-1f3b9e-never-on-disk";
  g_autoptr (TernAccountConfig) config = tern_account_config_new ("disk");
  g_autoptr (GError) error = NULL;
  const char *homes[] = {
    g_get_user_config_dir (),
    g_get_user_data_dir (),
    g_get_user_cache_dir (),
    g_getenv ("XDG_STATE_HOME"),
  };

  assert_private_session ();

  /* What the application does when an account is added. */
  tern_account_config_set_email (config, "erin@example.org");
  tern_account_config_set_imap (config, "imap.example.org", 993, TERN_SECURITY_TLS, "erin");
  g_assert_true (tern_account_config_save (config, &error));
  g_assert_no_error (error);
  store ("disk", TERN_ACCOUNT_PROTOCOL_IMAP, "imap.example.org", "erin", secret);
  assert_secret ("disk", TERN_ACCOUNT_PROTOCOL_IMAP, "imap.example.org", "erin", secret);

  for (guint i = 0; i < G_N_ELEMENTS (homes); i++)
    {
      g_assert_nonnull (homes[i]);
      g_assert_true (g_str_has_prefix (homes[i], g_getenv ("TERN_TEST_HOME")));
      assert_not_in_tree (homes[i], secret);
    }

  clear_all ("disk");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/secret/store-lookup-clear", test_store_lookup_clear);
  g_test_add_func ("/account/secret/accounts-isolated", test_accounts_isolated);
  g_test_add_func ("/account/secret/sync", test_sync);
  g_test_add_func ("/account/secret/invalid", test_invalid);
  g_test_add_func ("/account/secret/cancelled", test_cancelled);
  g_test_add_func ("/account/secret/nothing-on-disk", test_nothing_on_disk);

  return g_test_run ();
}
