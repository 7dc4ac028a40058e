/* tern-mime-body.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Lazy-body helpers over TernMimePart (DESIGN "Layers": mime/).
 *
 * BODYSTRUCTURE hands parameters over undecoded: a filename may come as
 * RFC 2231 "filename*" (with continuations) or as RFC 2047 words. Rather
 * than decode those a second way, the parameters are written back into a
 * Content-Disposition value and GMime parses it.
 *
 * Threading: any thread.
 */

#define G_LOG_DOMAIN "tern-mime"

#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "tern-mime-body.h"
#include "tern-mime-text-private.h"

static gboolean
inside_message (TernMimePart *part)
{
  for (TernMimePart *p = tern_mime_part_get_parent (part); p != NULL;
       p = tern_mime_part_get_parent (p))
    if (tern_mime_part_is_message (p))
      return TRUE;
  return FALSE;
}

gboolean
tern_mime_body_is_attachment (TernMimePart *part)
{
  const char *disposition;

  g_return_val_if_fail (part != NULL, FALSE);

  if (tern_mime_part_is_message (part))
    return TRUE;
  if (tern_mime_part_is_multipart (part))
    return FALSE;
  disposition = tern_mime_part_get_disposition (part);
  if (disposition != NULL && g_ascii_strcasecmp (disposition, "attachment") == 0)
    return TRUE;
  /* An image of an HTML body, shown through cid: (DESIGN decision 9). */
  if (tern_mime_part_get_id (part) != NULL && tern_mime_part_get_parent (part) != NULL &&
      g_strcmp0 (tern_mime_part_get_mime_type (tern_mime_part_get_parent (part)),
                 "multipart/related") == 0)
    return FALSE;
  if (tern_mime_part_get_filename (part) != NULL)
    return TRUE;
  return g_strcmp0 (tern_mime_part_get_media_type (part), "text") != 0;
}

static void
append_param (GString *out, const char *name, const char *value)
{
  g_string_append_printf (out, "; %s=\"", name);
  for (const char *p = value; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      if (*p != '\r' && *p != '\n')
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static char *
decode_param (GString *header, const char *wanted)
{
  GMimeContentDisposition *disposition;
  const char *value;
  char *result = NULL;

  disposition = g_mime_content_disposition_parse (NULL, header->str);
  value = disposition ? g_mime_content_disposition_get_parameter (disposition, wanted) : NULL;
  if (value != NULL && *value != '\0')
    result = _tern_mime_make_valid (value, -1);
  g_clear_object (&disposition);
  return result;
}

/* The part's filename decoded (RFC 2231 or 2047), from the disposition's
 * filename parameters, else the content type's name; NULL when none. */
char *
tern_mime_body_dup_filename (TernMimePart *part)
{
  g_autoptr (GString) header = g_string_new ("attachment");
  char *filename;
  guint n;

  g_return_val_if_fail (part != NULL, NULL);

  tern_mime_init ();
  n = tern_mime_part_get_n_disposition_params (part);
  for (guint i = 0; i < n; i++)
    {
      const char *name = tern_mime_part_get_disposition_param_name (part, i);
      const char *value = tern_mime_part_get_disposition_param_value (part, i);

      if (name != NULL && value != NULL && g_ascii_strncasecmp (name, "filename", 8) == 0)
        append_param (header, name, value);
    }
  filename = decode_param (header, "filename");
  if (filename != NULL)
    return filename;

  g_string_assign (header, "attachment");
  n = tern_mime_part_get_n_params (part);
  for (guint i = 0; i < n; i++)
    {
      const char *name = tern_mime_part_get_param_name (part, i);
      const char *value = tern_mime_part_get_param_value (part, i);

      if (name != NULL && value != NULL && g_ascii_strncasecmp (name, "name", 4) == 0)
        append_param (header, name, value);
    }
  filename = decode_param (header, "name");
  if (filename != NULL)
    return filename;

  /* GMime decodes a broken encoded word to nothing: show it as it came. */
  if (tern_mime_part_get_filename (part) != NULL && *tern_mime_part_get_filename (part) != '\0')
    return _tern_mime_make_valid (tern_mime_part_get_filename (part), -1);
  return NULL;
}

typedef struct
{
  TernMimePart *plain;
  TernMimePart *html;
  GPtrArray *attachments;
} Collect;

static gboolean
collect_part (TernMimePart *part, guint depth, gpointer user_data)
{
  Collect *collect = user_data;

  if (tern_mime_part_is_multipart (part) || inside_message (part))
    return TRUE;
  if (tern_mime_body_is_attachment (part))
    {
      if (collect->attachments != NULL)
        {
          TernMimeAttachment *attachment = g_new0 (TernMimeAttachment, 1);

          attachment->section = g_strdup (tern_mime_part_get_section (part));
          attachment->filename = tern_mime_body_dup_filename (part);
          attachment->mime_type = g_strdup (tern_mime_part_get_mime_type (part));
          attachment->size = tern_mime_part_get_size (part);
          attachment->encoded_size = attachment->size;
          g_ptr_array_add (collect->attachments, attachment);
        }
    }
  else if (collect->plain == NULL &&
           g_strcmp0 (tern_mime_part_get_mime_type (part), "text/plain") == 0)
    collect->plain = part;
  else if (collect->html == NULL &&
           g_strcmp0 (tern_mime_part_get_mime_type (part), "text/html") == 0)
    collect->html = part;
  return TRUE;
}

/* The part whose text to show: the first text/plain part that is not an
 * attachment, else the first such text/html part; NULL when there is none. */
TernMimePart *
tern_mime_body_pick_text_part (TernMimePart *root, gboolean *out_is_html)
{
  Collect collect = { 0 };

  g_return_val_if_fail (root != NULL, NULL);

  tern_mime_part_walk (root, collect_part, &collect);
  if (out_is_html != NULL)
    *out_is_html = collect.plain == NULL && collect.html != NULL;
  return collect.plain != NULL ? collect.plain : collect.html;
}

/* The HTML part to display: the first text/html part that is not an
 * attachment (as tern_mime_body_pick_text_part() sees parts); NULL when
 * there is none. */
TernMimePart *
tern_mime_body_pick_html_part (TernMimePart *root)
{
  Collect collect = { 0 };

  g_return_val_if_fail (root != NULL, NULL);

  tern_mime_part_walk (root, collect_part, &collect);
  return collect.html;
}

void
tern_mime_inline_part_free (TernMimeInlinePart *part)
{
  if (part == NULL)
    return;
  g_free (part->content_id);
  g_free (part->section);
  g_free (part->mime_type);
  g_free (part->encoding);
  g_free (part);
}

/* A Content-ID as BODYSTRUCTURE gives it ("<id@host>", sometimes without
 * the brackets or with spaces around) as cid: URLs name it; NULL when empty
 * or unreasonable. */
static char *
normalize_content_id (const char *raw)
{
  g_autofree char *id = NULL;
  gsize len;

  if (raw == NULL)
    return NULL;
  id = g_strstrip (g_strdup (raw));
  len = strlen (id);
  if (len >= 2 && id[0] == '<' && id[len - 1] == '>')
    {
      id[len - 1] = '\0';
      memmove (id, id + 1, len - 1);
      g_strstrip (id);
    }
  if (*id == '\0' || strlen (id) > 998 || !g_utf8_validate (id, -1, NULL))
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
collect_inline (TernMimePart *part, guint depth, gpointer user_data)
{
  GPtrArray *parts = user_data;
  TernMimeInlinePart *inline_part;
  char *content_id;

  /* Parts of an attached message belong to that message's own body. */
  if (tern_mime_part_is_multipart (part) || tern_mime_part_is_message (part) ||
      inside_message (part))
    return TRUE;
  content_id = normalize_content_id (tern_mime_part_get_id (part));
  if (content_id == NULL)
    return TRUE;
  inline_part = g_new0 (TernMimeInlinePart, 1);
  inline_part->content_id = content_id;
  inline_part->section = g_strdup (tern_mime_part_get_section (part));
  inline_part->mime_type = g_ascii_strdown (tern_mime_part_get_mime_type (part) != NULL
                                              ? tern_mime_part_get_mime_type (part)
                                              : "application/octet-stream",
                                            -1);
  inline_part->encoding = g_strdup (tern_mime_part_get_encoding (part));
  g_ptr_array_add (parts, inline_part);
  return TRUE;
}

/* Every non-multipart part with a Content-ID, in section order
 * (TernMimeInlinePart); empty, never NULL. */
GPtrArray *
tern_mime_body_list_inline_parts (TernMimePart *root)
{
  GPtrArray *parts;

  g_return_val_if_fail (root != NULL, NULL);

  parts = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_mime_inline_part_free);
  tern_mime_part_walk (root, collect_inline, parts);
  return parts;
}

/* The inline part a cid: URL names (@content_id percent-decoded, without
 * "cid:"); Content-IDs compare case-sensitively, as RFC 2392 says, but a
 * case-insensitive match is taken when there is no exact one. */
TernMimeInlinePart *
tern_mime_body_find_inline_part (GPtrArray *inline_parts, const char *content_id)
{
  TernMimeInlinePart *loose = NULL;

  if (inline_parts == NULL || content_id == NULL)
    return NULL;
  for (guint i = 0; i < inline_parts->len; i++)
    {
      TernMimeInlinePart *part = inline_parts->pdata[i];

      if (strcmp (part->content_id, content_id) == 0)
        return part;
      if (loose == NULL && g_ascii_strcasecmp (part->content_id, content_id) == 0)
        loose = part;
    }
  return loose;
}

/* The attachments in section order, as TernMimeAttachment with the encoded
 * size from BODYSTRUCTURE; empty, never NULL. */
GPtrArray *
tern_mime_body_list_attachments (TernMimePart *root)
{
  Collect collect = { 0 };

  g_return_val_if_fail (root != NULL, NULL);

  collect.attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_mime_attachment_free);
  tern_mime_part_walk (root, collect_part, &collect);
  return collect.attachments;
}

static char *
decode_to_utf8 (TernMimePart *part, GBytes *raw, gboolean html)
{
  g_autoptr (GBytes) decoded = NULL;
  g_autofree char *sniffed = NULL;
  const char *charset;
  const char *data;
  gsize len;

  charset = tern_mime_part_get_param (part, "charset");
  decoded = tern_mime_decode_transfer (raw, tern_mime_part_get_encoding (part));
  data = g_bytes_get_data (decoded, &len);
  if (data == NULL)
    data = "";
  if (charset == NULL && html)
    charset = sniffed = _tern_mime_sniff_html_charset (data, len);
  return tern_mime_convert_to_utf8 (data, len, charset);
}

/* The markup of a fetched text/html part (BODY[section] bytes,
 * transfer-encoded), in valid UTF-8, for a web view. */
char *
tern_mime_body_decode_html (TernMimePart *part, GBytes *raw)
{
  g_return_val_if_fail (part != NULL, NULL);
  g_return_val_if_fail (raw != NULL, NULL);

  return decode_to_utf8 (part, raw, TRUE);
}

/* The text of a fetched part (BODY[section] bytes, transfer-encoded), in
 * UTF-8; an HTML part is rendered to plain text. */
char *
tern_mime_body_decode_text (TernMimePart *part, GBytes *raw)
{
  g_autofree char *text = NULL;
  gboolean html;

  g_return_val_if_fail (part != NULL, NULL);
  g_return_val_if_fail (raw != NULL, NULL);

  html = g_strcmp0 (tern_mime_part_get_mime_type (part), "text/html") == 0;
  text = decode_to_utf8 (part, raw, html);
  if (html)
    return tern_mime_html_to_text (text, strlen (text));
  return g_steal_pointer (&text);
}
