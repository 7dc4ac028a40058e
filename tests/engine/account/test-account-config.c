/* test-account-config.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "account/tern-account-config.h"

/* The test wrapper gives every test its own XDG_CONFIG_HOME; make sure of it
 * rather than write into a real one. */
static void
assert_private_config_home (void)
{
  g_assert_nonnull (g_getenv ("TERN_TEST_HOME"));
  g_assert_true (g_str_has_prefix (g_get_user_config_dir (), g_getenv ("TERN_TEST_HOME")));
}

static char *
account_path (const char *id)
{
  g_autofree char *dir = tern_account_config_dup_config_dir ();
  g_autofree char *name = g_strconcat (id, ".ini", NULL);

  return g_build_filename (dir, name, NULL);
}

static void
write_account_file (const char *id, const char *contents)
{
  g_autofree char *dir = tern_account_config_dup_config_dir ();
  g_autofree char *path = account_path (id);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
remove_account_file (const char *id)
{
  g_autofree char *path = account_path (id);

  g_remove (path);
}

static void
test_id_validation (void)
{
  g_assert_true (tern_account_id_is_valid ("work"));
  g_assert_true (tern_account_id_is_valid ("alice_example.org-2"));
  g_assert_false (tern_account_id_is_valid (NULL));
  g_assert_false (tern_account_id_is_valid (""));
  g_assert_false (tern_account_id_is_valid ("../etc"));
  g_assert_false (tern_account_id_is_valid ("a/b"));
  g_assert_false (tern_account_id_is_valid (".hidden"));
  g_assert_false (tern_account_id_is_valid ("-rf"));
  g_assert_false (tern_account_id_is_valid ("naïve"));
  g_assert_false (tern_account_id_is_valid ("0123456789012345678901234567890123456789"
                                            "01234567890123456789012345"));
}

static void
test_error_quark (void)
{
  g_assert_cmpstr (g_quark_to_string (TERN_ACCOUNT_ERROR), ==, "tern-account-error-quark");
}

static void
test_security_strings (void)
{
  TernSecurity security = TERN_SECURITY_NONE;

  g_assert_true (tern_security_from_string ("starttls", &security));
  g_assert_cmpint (security, ==, TERN_SECURITY_STARTTLS);
  g_assert_cmpstr (tern_security_to_string (security), ==, "starttls");
  g_assert_true (tern_security_from_string ("tls", &security));
  g_assert_cmpint (security, ==, TERN_SECURITY_TLS);
  g_assert_false (tern_security_from_string ("ssl", &security));
  g_assert_false (tern_security_from_string (NULL, &security));
  g_assert_cmpint (security, ==, TERN_SECURITY_TLS);
}

static void
test_round_trip (void)
{
  g_autoptr (TernAccountConfig) config = NULL;
  g_autoptr (TernAccountConfig) loaded = NULL;
  g_autoptr (GError) error = NULL;

  assert_private_config_home ();

  config = tern_account_config_new ("work");
  tern_account_config_set_display_name (config, "Wörk “mail”");
  tern_account_config_set_email (config, "alice@example.org");
  tern_account_config_set_imap (config, "imap.example.org", 143, TERN_SECURITY_STARTTLS, "alice");
  tern_account_config_set_ca_file (config, "/etc/ssl/ca.pem");
  g_assert_true (tern_account_config_save (config, &error));
  g_assert_no_error (error);

  loaded = tern_account_config_load ("work", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tern_account_config_get_id (loaded), ==, "work");
  g_assert_cmpstr (tern_account_config_get_display_name (loaded), ==, "Wörk “mail”");
  g_assert_cmpstr (tern_account_config_get_email (loaded), ==, "alice@example.org");
  g_assert_cmpstr (tern_account_config_get_imap_host (loaded), ==, "imap.example.org");
  g_assert_cmpuint (tern_account_config_get_imap_port (loaded), ==, 143);
  g_assert_cmpint (tern_account_config_get_imap_security (loaded), ==, TERN_SECURITY_STARTTLS);
  g_assert_cmpstr (tern_account_config_get_imap_user (loaded), ==, "alice");
  g_assert_cmpstr (tern_account_config_get_ca_file (loaded), ==, "/etc/ssl/ca.pem");

  remove_account_file ("work");
}

static void
test_display_name_fallback (void)
{
  g_autoptr (TernAccountConfig) config = tern_account_config_new ("fallback");

  g_assert_cmpstr (tern_account_config_get_display_name (config), ==, "fallback");
  tern_account_config_set_email (config, "bob@example.org");
  g_assert_cmpstr (tern_account_config_get_display_name (config), ==, "bob@example.org");
  tern_account_config_set_display_name (config, "");
  g_assert_cmpstr (tern_account_config_get_display_name (config), ==, "bob@example.org");
}

static void
test_load_missing (void)
{
  g_autoptr (TernAccountConfig) config = NULL;
  g_autoptr (GError) error = NULL;

  config = tern_account_config_load ("nobody-here", &error);
  g_assert_null (config);
  g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  config = tern_account_config_load ("../../etc/passwd", &error);
  g_assert_null (config);
  g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID);
}

static void
test_load_invalid (void)
{
  static const struct
  {
    const char *contents;
    const char *message_part;
  } cases[] = {
    { "[Account]\nEmail=a@b\n[IMAP]\nHost=h\nUser=u\nPort=99999\nSecurity=tls\n", "Port" },
    { "[Account]\nEmail=a@b\n[IMAP]\nHost=h\nUser=u\nPort=abc\nSecurity=tls\n", "Port" },
    { "[Account]\nEmail=a@b\n[IMAP]\nHost=h\nUser=u\nPort=993\nSecurity=ssl\n", "Security" },
    { "[Account]\nEmail=a@b\n[IMAP]\nUser=u\nPort=993\nSecurity=tls\n", "Host" },
    { "[Account]\n[IMAP]\nHost=h\nUser=u\nPort=993\nSecurity=tls\n", "Email" },
    { "this is not a key file\n", "bad" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TernAccountConfig) config = NULL;
      g_autoptr (GError) error = NULL;

      write_account_file ("broken", cases[i].contents);
      config = tern_account_config_load ("broken", &error);
      g_assert_null (config);
      g_assert_nonnull (error);
      g_test_message ("case %u: %s", i, error->message);
      g_assert_nonnull (strstr (error->message, "broken.ini"));
    }

  remove_account_file ("broken");
}

static void
test_load_all (void)
{
  g_autoptr (GPtrArray) configs = NULL;
  g_autoptr (GError) error = NULL;
  const char *valid = "[Account]\nEmail=a@b\n[IMAP]\nHost=h\nUser=u\nPort=993\nSecurity=tls\n";

  configs = tern_account_config_load_all (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (configs->len, ==, 0);
  g_clear_pointer (&configs, g_ptr_array_unref);

  write_account_file ("zeta", valid);
  write_account_file ("alpha", valid);
  configs = tern_account_config_load_all (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (configs->len, ==, 2);
  g_assert_cmpstr (tern_account_config_get_id (g_ptr_array_index (configs, 0)), ==, "alpha");
  g_assert_cmpstr (tern_account_config_get_id (g_ptr_array_index (configs, 1)), ==, "zeta");
  g_clear_pointer (&configs, g_ptr_array_unref);

  /* A broken file is reported, not skipped: an account must not silently vanish. */
  write_account_file ("broken", "[IMAP]\n");
  configs = tern_account_config_load_all (&error);
  g_assert_null (configs);
  g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID);

  remove_account_file ("broken");
  remove_account_file ("alpha");
  remove_account_file ("zeta");
}

/* A self-signed certificate made for this test (openssl req -x509, EC). */
static const char pin_pem[] = "-----BEGIN CERTIFICATE-----\n"
                              "MIIBiTCCAS+gAwIBAgIULFBnbSFOK1sLE2B7ekJsvcGb5JkwCgYIKoZIzj0EAwIw\n"
                              "GjEYMBYGA1UEAwwPcGluLmV4YW1wbGUub3JnMB4XDTI2MTEyNjE0NTEzMVoXDTM2\n"
                              "MTEyMzE0NTEzMVowGjEYMBYGA1UEAwwPcGluLmV4YW1wbGUub3JnMFkwEwYHKoZI\n"
                              "zj0CAQYIKoZIzj0DAQcDQgAEZ3rTqBcAuCyRuroV9VIVNZHayGsDrQvR+8foAG2Q\n"
                              "3tz81inG1yRdWfLCY4HSL1wD0LeO7SZ04bezvyjkij011KNTMFEwHQYDVR0OBBYE\n"
                              "FAvuBLcqubwbzvposkAMNWFGWT74MB8GA1UdIwQYMBaAFAvuBLcqubwbzvposkAM\n"
                              "NWFGWT74MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgZb1Xz6va\n"
                              "f87dWd9Rx2sdXxjsXwwb3yvKdKrR34AJzDQCIQDgtwFR765IhQ4HbmR/5vGsfqrT\n"
                              "gIVklAtBnUgO8lMnWg==\n"
                              "-----END CERTIFICATE-----\n";

/* A pinned certificate survives saving and loading byte for byte, since the
 * IMAP client accepts it only when it is the very same certificate. */
static void
test_pinned_certificate (void)
{
  g_autoptr (TernAccountConfig) config = tern_account_config_new ("pinned");
  g_autoptr (TernAccountConfig) loaded = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *path = account_path ("pinned");

  assert_private_config_home ();
  certificate = g_tls_certificate_new_from_pem (pin_pem, -1, &error);
  g_assert_no_error (error);

  tern_account_config_set_email (config, "alice@example.org");
  tern_account_config_set_imap (config, "imap.example.org", 993, TERN_SECURITY_TLS, "alice");
  g_assert_null (tern_account_config_get_pinned_certificate (config));
  tern_account_config_set_pinned_certificate (config, certificate);
  g_assert_true (tern_account_config_save (config, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "PinnedCertificate=-----BEGIN CERTIFICATE-----"));

  loaded = tern_account_config_load ("pinned", &error);
  g_assert_no_error (error);
  g_assert_nonnull (tern_account_config_get_pinned_certificate (loaded));
  g_assert_true (
    g_tls_certificate_is_same (certificate, tern_account_config_get_pinned_certificate (loaded)));
  g_clear_object (&loaded);

  /* Garbage where the certificate should be is an error, not "no pin". */
  write_account_file ("pinned", "[Account]\nEmail=a@example.org\n"
                                "[IMAP]\nHost=h\nPort=993\nSecurity=tls\nUser=a\n"
                                "PinnedCertificate=-----BEGIN CERTIFICATE-----\\nAAAA\\n"
                                "-----END CERTIFICATE-----\n");
  loaded = tern_account_config_load ("pinned", &error);
  g_assert_error (error, TERN_ACCOUNT_ERROR, TERN_ACCOUNT_ERROR_INVALID);
  g_assert_null (loaded);
  remove_account_file ("pinned");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/config/id-validation", test_id_validation);
  g_test_add_func ("/account/config/error-quark", test_error_quark);
  g_test_add_func ("/account/config/security-strings", test_security_strings);
  g_test_add_func ("/account/config/round-trip", test_round_trip);
  g_test_add_func ("/account/config/display-name-fallback", test_display_name_fallback);
  g_test_add_func ("/account/config/load-missing", test_load_missing);
  g_test_add_func ("/account/config/load-invalid", test_load_invalid);
  g_test_add_func ("/account/config/load-all", test_load_all);
  g_test_add_func ("/account/config/pinned-certificate", test_pinned_certificate);

  return g_test_run ();
}
