/* test-mime-message.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mime/tern-mime-message.h"
#include "model/tern-thread-builder.h"

static TernMimeMessage *
parse (const char *text, gsize len)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, len);
  g_autoptr (GError) error = NULL;
  TernMimeMessage *message = tern_mime_message_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

/* Random bytes from a fixed seed, base64 in 76-character lines. */
static GBytes *
random_bytes (gsize size, char **out_base64)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  guint8 *data = g_malloc (size);
  g_autofree char *b64 = NULL;
  GString *folded = g_string_new (NULL);

  for (gsize i = 0; i < size; i++)
    data[i] = g_rand_int (rand) & 0xff;
  b64 = g_base64_encode (data, size);
  for (gsize i = 0, n = strlen (b64); i < n; i += 76)
    {
      g_string_append_len (folded, b64 + i, MIN (76, n - i));
      g_string_append (folded, "\r\n");
    }
  *out_base64 = g_string_free (folded, FALSE);
  return g_bytes_new_take (data, size);
}

static char *
build_mixed (const char *attachment_base64)
{
  return g_strconcat ("From: =?ISO-8859-1?Q?Ren=E9e?= Dupont <renee@example.org>\r\n"
                      "To: bob@example.com, \"Carol, C.\" <carol@example.com>\r\n"
                      "Cc: team: dan@example.com;\r\n"
                      "Subject: =?UTF-8?B?UmU6IHLDqXN1bcOp?= of =?KOI8-R?B?8NLJ18XU?=\r\n"
                      "Date: Tue, 03 Mar 2026 10:15:00 +0100\r\n"
                      "Message-ID: <child@example.org>\r\n"
                      "In-Reply-To: <parent@example.org>\r\n"
                      "References: <root@example.org>\r\n <parent@example.org>\r\n"
                      "MIME-Version: 1.0\r\n"
                      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
                      "\r\n"
                      "preamble\r\n"
                      "--outer\r\n"
                      "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
                      "\r\n"
                      "--alt\r\n"
                      "Content-Type: text/plain; charset=iso-8859-1\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n"
                      "\r\n"
                      "Bonjour,=20voici le r=E9sum=E9.\r\n"
                      "\r\n"
                      "> quoted\r\n"
                      "-- \r\n"
                      "Ren=E9e\r\n"
                      "--alt\r\n"
                      "Content-Type: text/html; charset=utf-8\r\n"
                      "\r\n"
                      "<p>Bonjour</p>\r\n"
                      "--alt--\r\n"
                      "--outer\r\n"
                      "Content-Type: application/octet-stream; name=\"ignored.bin\"\r\n"
                      "Content-Disposition: attachment;\r\n"
                      " filename*0*=UTF-8''r%C3%A9sum;\r\n"
                      " filename*1*=%C3%A9.bin\r\n"
                      "Content-Transfer-Encoding: base64\r\n"
                      "\r\n",
                      attachment_base64,
                      "--outer\r\n"
                      "Content-Type: image/png; name=\"=?UTF-8?Q?gr=C3=BCn.png?=\"\r\n"
                      "Content-Transfer-Encoding: base64\r\n"
                      "\r\n"
                      "iVBORw0KGgo=\r\n"
                      "--outer\r\n"
                      "Content-Type: message/rfc822\r\n"
                      "\r\n"
                      "From: inner@example.org\r\n"
                      "Subject: inner\r\n"
                      "Content-Type: multipart/mixed; boundary=\"in\"\r\n"
                      "\r\n"
                      "--in\r\n"
                      "Content-Type: text/plain\r\n"
                      "\r\n"
                      "inner text\r\n"
                      "--in\r\n"
                      "Content-Type: text/plain; name=\"inner.txt\"\r\n"
                      "Content-Disposition: attachment\r\n"
                      "\r\n"
                      "inner attachment\r\n"
                      "--in--\r\n"
                      "--outer--\r\n",
                      NULL);
}

static void
test_headers (void)
{
  g_autofree char *b64 = NULL;
  g_autoptr (GBytes) original = random_bytes (10, &b64);
  g_autofree char *text = build_mixed (b64);
  g_autoptr (TernMimeMessage) message = parse (text, strlen (text));
  const char *const *refs = tern_mime_message_get_references (message);
  GPtrArray *list;
  TernMimeAddress *address;

  g_assert_cmpstr (tern_mime_message_get_subject (message), ==, "Re: résumé of Привет");
  g_assert_cmpstr (tern_mime_message_get_message_id (message), ==, "child@example.org");
  g_assert_cmpstr (tern_mime_message_get_in_reply_to (message), ==, "parent@example.org");
  g_assert_cmpuint (g_strv_length ((GStrv) refs), ==, 2);
  g_assert_cmpstr (refs[0], ==, "root@example.org");
  g_assert_cmpstr (refs[1], ==, "parent@example.org");
  g_assert_cmpint (g_date_time_to_unix (tern_mime_message_get_date (message)), ==, 1772529300);

  list = tern_mime_message_get_addresses (message, TERN_MIME_ADDRESS_FROM);
  g_assert_cmpuint (list->len, ==, 1);
  address = list->pdata[0];
  g_assert_cmpstr (address->name, ==, "Renée Dupont");
  g_assert_cmpstr (address->address, ==, "renee@example.org");
  list = tern_mime_message_get_addresses (message, TERN_MIME_ADDRESS_TO);
  g_assert_cmpuint (list->len, ==, 2);
  address = list->pdata[1];
  g_assert_cmpstr (address->name, ==, "Carol, C.");
  list = tern_mime_message_get_addresses (message, TERN_MIME_ADDRESS_CC);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpuint (tern_mime_message_get_addresses (message, TERN_MIME_ADDRESS_BCC)->len, ==, 0);
}

static void
test_text_and_attachments (void)
{
  g_autofree char *b64 = NULL;
  g_autoptr (GBytes) original = random_bytes (150000, &b64);
  g_autofree char *text = build_mixed (b64);
  g_autoptr (TernMimeMessage) message = parse (text, strlen (text));
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) content = NULL;
  g_autofree char *preview = NULL;
  GPtrArray *attachments;
  TernMimeAttachment *a;

  g_assert_false (tern_mime_message_get_text_is_from_html (message));
  g_assert_cmpstr (tern_mime_message_get_text (message), ==,
                   "Bonjour, voici le résumé.\r\n\r\n> quoted\r\n-- \r\nRenée");
  preview = tern_mime_message_dup_preview (message, 200);
  g_assert_cmpstr (preview, ==, "Bonjour, voici le résumé.");

  attachments = tern_mime_message_get_attachments (message);
  g_assert_cmpuint (attachments->len, ==, 3);
  a = attachments->pdata[0];
  g_assert_cmpstr (a->section, ==, "2");
  g_assert_cmpstr (a->filename, ==, "résumé.bin");
  g_assert_cmpstr (a->mime_type, ==, "application/octet-stream");
  g_assert_cmpuint (a->size, ==, 150000);
  a = attachments->pdata[1];
  g_assert_cmpstr (a->section, ==, "3");
  g_assert_cmpstr (a->filename, ==, "grün.png");
  g_assert_cmpstr (a->mime_type, ==, "image/png");
  g_assert_cmpuint (a->size, ==, 8);
  a = attachments->pdata[2];
  g_assert_cmpstr (a->section, ==, "4");
  g_assert_null (a->filename);
  g_assert_cmpstr (a->mime_type, ==, "message/rfc822");

  /* Byte-exact decoded attachment. */
  content = tern_mime_message_dup_part_content (message, "2", &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (content, original));

  /* Sections inside the attached message follow RFC 3501. */
  g_clear_pointer (&content, g_bytes_unref);
  content = tern_mime_message_dup_part_content (message, "4.2", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (content, NULL), g_bytes_get_size (content), "inner attachment",
                   16);
  g_clear_pointer (&content, g_bytes_unref);
  content = tern_mime_message_dup_part_content (message, "1.2", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (content, NULL), g_bytes_get_size (content), "<p>Bonjour</p>",
                   14);
  g_clear_pointer (&content, g_bytes_unref);

  content = tern_mime_message_dup_part_content (message, "9", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (content);
  g_clear_error (&error);
  content = tern_mime_message_dup_part_content (message, "1", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_html_only (void)
{
  const char *text =
    "Subject: html\r\n"
    "Content-Type: text/html; charset=windows-1252\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<html><style>x{}</style><p>=93Hi=94 <a href=3D\"https://e.example/\">there=\r\n"
    "</a></p></html>\r\n";
  g_autoptr (TernMimeMessage) message = parse (text, strlen (text));

  g_assert_true (tern_mime_message_get_text_is_from_html (message));
  g_assert_cmpstr (tern_mime_message_get_text (message), ==, "“Hi” there <https://e.example/>");
  g_assert_cmpuint (tern_mime_message_get_attachments (message)->len, ==, 0);
}

static void
test_html_meta_charset (void)
{
  const char *text = "Subject: meta\r\n"
                     "Content-Type: text/html\r\n"
                     "\r\n"
                     "<html><head><meta http-equiv=\"Content-Type\" "
                     "content=\"text/html; charset=koi8-r\"></head>"
                     "<body>\xf0\xd2\xc9\xd7\xc5\xd4</body></html>\r\n";
  g_autoptr (TernMimeMessage) message = parse (text, strlen (text));

  g_assert_cmpstr (tern_mime_message_get_text (message), ==, "Привет");
}

static void
test_single_part (void)
{
  const char *text = "Subject: =?x-bogus?Q?broken?= =?UTF-8?B?!!!?=\r\n"
                     "From: \xff\xfe <x@example.org>\r\n"
                     "Content-Type: text/plain; charset=Shift_JIS\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n"
                     "\r\n"
                     "\x83\x65\x83\x58\x83\x67\xff\r\n";
  g_autoptr (TernMimeMessage) message = parse (text, strlen (text));
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) content = NULL;

  g_assert_true (g_utf8_validate (tern_mime_message_get_subject (message), -1, NULL));
  g_assert_true (
    g_utf8_validate (((TernMimeAddress *) tern_mime_message_get_addresses (message,
                                                                           TERN_MIME_ADDRESS_FROM)
                        ->pdata[0])
                       ->name,
                     -1, NULL));
  g_assert_cmpstr (tern_mime_message_get_text (message), ==, "テスト\xef\xbf\xbd\r\n");
  g_assert_cmpstr (tern_mime_message_get_message_id (message), ==, "");
  g_assert_null (tern_mime_message_get_in_reply_to (message));
  g_assert_null (tern_mime_message_get_date (message));
  content = tern_mime_message_dup_part_content (message, "1", &error);
  g_assert_no_error (error);
}

static void
test_garbage (void)
{
  const char *const cases[] = {
    "",
    "no headers at all",
    "Content-Type: multipart/mixed\r\n\r\nno boundary",
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n--b\r\n--b--",
    "Content-Type: message/rfc822\r\n\r\n",
    "Content-Transfer-Encoding: base64\r\n\r\n!!!!====",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) bytes = g_bytes_new_static (cases[i], strlen (cases[i]));
      g_autoptr (GError) error = NULL;
      g_autoptr (TernMimeMessage) message = tern_mime_message_new_from_bytes (bytes, &error);

      /* Either an error or a message whose text is valid; never a crash. */
      if (message == NULL)
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      else
        g_assert_true (g_utf8_validate (tern_mime_message_get_text (message), -1, NULL));
    }

  /* Deeply nested multiparts are walked only to a bounded depth. */
  {
    GString *deep = g_string_new ("Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
    g_autoptr (TernMimeMessage) message = NULL;

    for (guint i = 1; i < 500; i++)
      g_string_append_printf (deep, "--b%u\r\nContent-Type: multipart/mixed; boundary=b%u\r\n\r\n",
                              i - 1, i);
    g_string_append (deep, "--b499\r\nContent-Type: text/plain\r\n\r\ndeep\r\n");
    message = parse (deep->str, deep->len);
    g_string_free (deep, TRUE);
  }
}

/* Every message of a generated corpus parses to valid UTF-8 and its
 * attachments decode to their listed sizes. */
static void
test_corpus (void)
{
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");
  /* TERN_TEST_CORPUS_SIZE runs a bigger corpus by hand. */
  const char *size =
    g_getenv ("TERN_TEST_CORPUS_SIZE") ? g_getenv ("TERN_TEST_CORPUS_SIZE") : "200";
  g_autofree char *script = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *maildir = NULL;
  g_autofree char *manifest = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) expected =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  g_autoptr (TernThreadBuilder) threads = tern_thread_builder_new (TERN_THREAD_BUILDER_NONE);
  g_autoptr (GPtrArray) corpus_threads = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) thread_map = g_hash_table_new (g_direct_hash, g_direct_equal);
  guint n_attachments = 0;
  guint n_checked = 0;
  gint exit_status = 0;

  if (srcdir == NULL)
    {
      g_test_skip ("G_TEST_SRCDIR is not set");
      return;
    }
  script = g_build_filename (srcdir, "..", "fixtures", "corpus.py", NULL);
  tmp = g_dir_make_tmp ("tern-mime-XXXXXX", &error);
  g_assert_no_error (error);
  maildir = g_build_filename (tmp, "maildir", NULL);
  manifest = g_build_filename (tmp, "manifest.json", NULL);
  {
    const char *argv[] = { "/usr/bin/python3", script, "--maildir",  maildir,  "--seed", "1",
                           "--size",           size,   "--manifest", manifest, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL,
                  G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                  &exit_status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (exit_status, NULL));
  }

  /* Walk the maildir without recursion-sized stacks: a queue of directories. */
  {
    GQueue dirs = G_QUEUE_INIT;

    g_queue_push_tail (&dirs, g_strdup (maildir));
    while (!g_queue_is_empty (&dirs))
      {
        g_autofree char *dir_path = g_queue_pop_head (&dirs);
        g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name (dir)) != NULL)
          {
            char *path = g_build_filename (dir_path, name, NULL);

            if (g_file_test (path, G_FILE_TEST_IS_DIR))
              g_queue_push_tail (&dirs, path);
            else if (strstr (dir_path, "/cur") || strstr (dir_path, "/new"))
              g_ptr_array_add (files, path);
            else
              g_free (path);
          }
      }
  }
  g_assert_cmpuint (files->len, >=, (guint) atoi (size));

  /* The manifest as lines of message id, thread, attachment count, subject. */
  {
    const char *argv[] = {
      "/usr/bin/python3", "-c",
      "import json, sys\n"
      "m = json.load(open(sys.argv[1], encoding='utf-8'))\n"
      "for f in m['folders'].values():\n"
      "    for x in f['messages']:\n"
      "        s = (x.get('subject') or '').replace('\\t', ' ').replace('\\n', ' ')\n"
      "        print(x['message_id'], x.get('thread'), x.get('attachments', 0), s, sep='\\t')\n",
      manifest, NULL
    };
    g_autofree char *out = NULL;
    g_auto (GStrv) lines = NULL;

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                  &exit_status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (exit_status, NULL));
    lines = g_strsplit (out, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
      {
        g_auto (GStrv) fields = g_strsplit (lines[i], "\t", 4);

        if (g_strv_length (fields) == 4)
          {
            g_autofree char *id = g_strndup (fields[0] + 1, strlen (fields[0]) - 2);

            if (!g_hash_table_contains (expected, id))
              g_hash_table_insert (expected, g_steal_pointer (&id), g_steal_pointer (&fields));
          }
      }
  }

  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *data = NULL;
      gsize len;
      g_autoptr (TernMimeMessage) message = NULL;
      g_autofree char *preview = NULL;
      GPtrArray *attachments;

      g_assert_true (g_file_get_contents (files->pdata[i], &data, &len, NULL));
      message = parse (data, len);
      g_assert_true (g_utf8_validate (tern_mime_message_get_subject (message), -1, NULL));
      g_assert_true (g_utf8_validate (tern_mime_message_get_text (message), -1, NULL));
      preview = tern_mime_message_dup_preview (message, 200);
      g_assert_cmpuint (g_utf8_strlen (preview, -1), <=, 200);
      attachments = tern_mime_message_get_attachments (message);

      /* Against what the generator meant to write. */
      {
        GStrv fields = g_hash_table_lookup (expected, tern_mime_message_get_message_id (message));
        g_autoptr (GString) refs = g_string_new (NULL);
        const char *const *ids = tern_mime_message_get_references (message);
        g_autofree char *irt =
          tern_mime_message_get_in_reply_to (message)
            ? g_strdup_printf ("<%s>", tern_mime_message_get_in_reply_to (message))
            : NULL;

        g_assert_nonnull (fields);
        g_assert_cmpstr (tern_mime_message_get_subject (message), ==, fields[3]);
        {
          guint n_files = 0;

          /* The generator counts files; a forwarded message is one more. */
          for (guint k = 0; k < attachments->len; k++)
            if (strcmp (((TernMimeAttachment *) attachments->pdata[k])->mime_type,
                        "message/rfc822") != 0)
              n_files++;
          g_assert_cmpuint (n_files, ==, atoi (fields[2]));
        }
        for (guint k = 0; ids[k] != NULL; k++)
          g_string_append_printf (refs, "<%s> ", ids[k]);
        tern_thread_builder_add (threads, tern_mime_message_get_message_id (message), irt,
                                 refs->str, tern_mime_message_get_subject (message), 0);
        /* Messages the generator put in no thread each stand alone. */
        g_ptr_array_add (corpus_threads, strcmp (fields[1], "None") == 0
                                           ? g_strdup_printf ("alone-%u", n_checked)
                                           : g_strdup (fields[1]));
        n_checked++;
      }

      for (guint j = 0; j < attachments->len; j++)
        {
          TernMimeAttachment *a = attachments->pdata[j];
          g_autoptr (GBytes) content =
            tern_mime_message_dup_part_content (message, a->section, &error);

          g_assert_no_error (error);
          g_assert_cmpuint (g_bytes_get_size (content), ==, a->size);
          n_attachments++;
        }
    }
  g_test_message ("%u messages, %u attachments", files->len, n_attachments);

  /* JWZ threading over the parsed headers finds the generator's threads:
   * the two partitions are the same. */
  tern_thread_builder_run (threads);
  for (guint i = 0; i < corpus_threads->len; i++)
    {
      gpointer ours = GUINT_TO_POINTER (tern_thread_builder_get_thread (threads, i) + 1);
      const char *theirs = g_hash_table_lookup (thread_map, ours);

      if (theirs == NULL)
        g_hash_table_insert (thread_map, ours, corpus_threads->pdata[i]);
      else
        g_assert_cmpstr (theirs, ==, corpus_threads->pdata[i]);
    }
  {
    g_autoptr (GHashTable) distinct = g_hash_table_new (g_str_hash, g_str_equal);

    for (guint i = 0; i < corpus_threads->len; i++)
      g_hash_table_add (distinct, corpus_threads->pdata[i]);
    g_assert_cmpuint (g_hash_table_size (distinct), ==,
                      tern_thread_builder_get_n_threads (threads));
    g_test_message ("%u messages checked against the manifest, %u threads", n_checked,
                    tern_thread_builder_get_n_threads (threads));
  }

  {
    const char *argv[] = { "rm", "-rf", tmp, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                  NULL);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mime/message/headers", test_headers);
  g_test_add_func ("/mime/message/text-and-attachments", test_text_and_attachments);
  g_test_add_func ("/mime/message/html-only", test_html_only);
  g_test_add_func ("/mime/message/html-meta-charset", test_html_meta_charset);
  g_test_add_func ("/mime/message/single-part", test_single_part);
  g_test_add_func ("/mime/message/garbage", test_garbage);
  g_test_add_func ("/mime/message/corpus", test_corpus);

  return g_test_run ();
}
