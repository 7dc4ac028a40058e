/* tern-mime-message.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernMimeMessage: a whole message through GMime (DESIGN "Layers": mime/).
 *
 * Sections are numbered as in tern-mime-part.c (RFC 3501 6.4.5), so a
 * section from BODYSTRUCTURE names the same part here: the children of a
 * multipart are numbered from 1 under their parent; a single-part message
 * has part "1"; the body of message/rfc822 part "M" is "M.1" when single-part,
 * and its children are "M.1", "M.2", … when multipart.
 *
 * The text to show is the first text/plain part that is not an attachment,
 * else the first such text/html part rendered to text. Attachments are the
 * leaf parts that are marked as such, carry a filename or are not text, and
 * message/rfc822 parts as a whole (their inner parts are not listed); a part
 * of multipart/related with a Content-ID belongs to the HTML body (cid:)
 * unless its disposition is "attachment".
 *
 * Threading: GMime objects are not safe to use from two threads at once, so
 * every call that reads the GMime tree holds the instance's mutex.
 */

#define G_LOG_DOMAIN "tern-mime"

#include "config.h"

#include <string.h>

#include "tern-mime-message.h"
#include "tern-mime-text-private.h"

#define MAX_DEPTH 64

typedef struct
{
  char *section;
  GMimeObject *object; /* borrowed from the message */
  guint inside_message : 1;
  guint in_related : 1; /* a child of multipart/related */
} Entry;

struct _TernMimeMessage
{
  GObject parent_instance;

  /* owned */
  GMutex lock;
  GMimeMessage *message;
  GArray *entries; /* of Entry */
  char *subject;
  char *message_id;
  char *in_reply_to;
  GStrv references;
  GDateTime *date;
  GPtrArray *addresses[TERN_MIME_ADDRESS_BCC + 1];
  char *text;
  GPtrArray *attachments; /* of TernMimeAttachment */

  guint text_is_html : 1;
};

G_DEFINE_FINAL_TYPE (TernMimeMessage, tern_mime_message, G_TYPE_OBJECT)

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_free (entry->section);
}

static void
tern_mime_message_finalize (GObject *object)
{
  TernMimeMessage *self = TERN_MIME_MESSAGE (object);

  g_clear_pointer (&self->entries, g_array_unref);
  g_clear_object (&self->message);
  g_free (self->subject);
  g_free (self->message_id);
  g_free (self->in_reply_to);
  g_strfreev (self->references);
  g_clear_pointer (&self->date, g_date_time_unref);
  for (guint i = 0; i < G_N_ELEMENTS (self->addresses); i++)
    g_clear_pointer (&self->addresses[i], g_ptr_array_unref);
  g_free (self->text);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (tern_mime_message_parent_class)->finalize (object);
}

static void
tern_mime_message_class_init (TernMimeMessageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tern_mime_message_finalize;
}

static void
tern_mime_message_init (TernMimeMessage *self)
{
  g_mutex_init (&self->lock);
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, entry_clear);
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_mime_attachment_free);
}

static void visit (TernMimeMessage *self,
                   GMimeObject *object,
                   const char *section,
                   guint depth,
                   gboolean inside_message);

static void
number_children (TernMimeMessage *self,
                 GMimeMultipart *multipart,
                 const char *prefix,
                 guint depth,
                 gboolean inside_message)
{
  int n = g_mime_multipart_get_count (multipart);
  GMimeContentType *type = g_mime_object_get_content_type (GMIME_OBJECT (multipart));
  gboolean related = type != NULL && g_mime_content_type_is_type (type, "multipart", "related");

  for (int i = 0; i < n; i++)
    {
      g_autofree char *section =
        prefix ? g_strdup_printf ("%s.%d", prefix, i + 1) : g_strdup_printf ("%d", i + 1);

      guint before = self->entries->len;

      visit (self, g_mime_multipart_get_part (multipart, i), section, depth + 1, inside_message);
      if (self->entries->len > before)
        g_array_index (self->entries, Entry, before).in_related = related;
    }
}

static void
visit (TernMimeMessage *self,
       GMimeObject *object,
       const char *section,
       guint depth,
       gboolean inside_message)
{
  Entry entry = { g_strdup (section), object, inside_message };

  if (object == NULL || depth > MAX_DEPTH)
    {
      g_free (entry.section);
      return;
    }
  g_array_append_val (self->entries, entry);

  if (GMIME_IS_MULTIPART (object))
    number_children (self, GMIME_MULTIPART (object), section, depth, inside_message);
  else if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      GMimeObject *body = inner ? g_mime_message_get_mime_part (inner) : NULL;

      if (body != NULL && GMIME_IS_MULTIPART (body))
        number_children (self, GMIME_MULTIPART (body), section, depth + 1, TRUE);
      else if (body != NULL)
        {
          g_autofree char *sub = g_strdup_printf ("%s.1", section);

          visit (self, body, sub, depth + 1, TRUE);
        }
    }
}

static GBytes *
object_content (GMimeObject *object)
{
  GMimeStream *stream = g_mime_stream_mem_new ();
  GByteArray *array;
  GBytes *bytes = NULL;

  if (GMIME_IS_PART (object))
    {
      GMimeDataWrapper *wrapper = g_mime_part_get_content (GMIME_PART (object));

      if (wrapper != NULL && g_mime_data_wrapper_write_to_stream (wrapper, stream) < 0)
        goto out;
    }
  else if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));

      if (inner != NULL && g_mime_object_write_to_stream (GMIME_OBJECT (inner), NULL, stream) < 0)
        goto out;
    }
  else
    goto out;

  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  bytes = g_bytes_new (array->data, array->len);

out:
  g_object_unref (stream);
  return bytes;
}

static char *
part_text (GMimeObject *object)
{
  g_autoptr (GBytes) content = object_content (object);
  const char *charset = g_mime_object_get_content_type_parameter (object, "charset");
  GMimeContentType *type = g_mime_object_get_content_type (object);
  g_autofree char *sniffed = NULL;
  const char *data;
  gsize len;

  if (content == NULL)
    return g_strdup ("");
  data = g_bytes_get_data (content, &len);
  if (data == NULL)
    return g_strdup ("");
  if (charset == NULL && type != NULL && g_mime_content_type_is_type (type, "text", "html"))
    charset = sniffed = _tern_mime_sniff_html_charset (data, len);
  return tern_mime_convert_to_utf8 (data, len, charset);
}

static gboolean
is_attachment (GMimeObject *object, gboolean in_related)
{
  GMimeContentType *type = g_mime_object_get_content_type (object);
  const char *disposition = g_mime_object_get_disposition (object);

  if (GMIME_IS_MESSAGE_PART (object))
    return TRUE;
  if (!GMIME_IS_PART (object))
    return FALSE;
  if (disposition != NULL && g_ascii_strcasecmp (disposition, "attachment") == 0)
    return TRUE;
  /* An image of an HTML body, shown through cid: (DESIGN decision 9). */
  if (in_related && g_mime_object_get_content_id (object) != NULL)
    return FALSE;
  if (g_mime_part_get_filename (GMIME_PART (object)) != NULL)
    return TRUE;
  return type == NULL || !g_mime_content_type_is_type (type, "text", "*");
}

static void
collect (TernMimeMessage *self)
{
  GMimeObject *text_plain = NULL;
  GMimeObject *text_html = NULL;

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = &g_array_index (self->entries, Entry, i);
      GMimeContentType *type = g_mime_object_get_content_type (entry->object);

      if (entry->inside_message)
        continue;
      if (is_attachment (entry->object, entry->in_related))
        {
          TernMimeAttachment *attachment = g_new0 (TernMimeAttachment, 1);
          g_autoptr (GBytes) content = object_content (entry->object);
          const char *filename = GMIME_IS_PART (entry->object)
                                   ? g_mime_part_get_filename (GMIME_PART (entry->object))
                                   : NULL;
          char *mime_type = type ? g_mime_content_type_get_mime_type (type) : NULL;

          attachment->section = g_strdup (entry->section);
          attachment->filename =
            filename && *filename ? _tern_mime_make_valid (filename, -1) : NULL;
          attachment->mime_type =
            g_ascii_strdown (mime_type ? mime_type : "application/octet-stream", -1);
          attachment->size = content ? g_bytes_get_size (content) : 0;
          g_free (mime_type);
          g_ptr_array_add (self->attachments, attachment);
        }
      else if (GMIME_IS_PART (entry->object) && type != NULL)
        {
          if (text_plain == NULL && g_mime_content_type_is_type (type, "text", "plain"))
            text_plain = entry->object;
          else if (text_html == NULL && g_mime_content_type_is_type (type, "text", "html"))
            text_html = entry->object;
        }
    }

  if (text_plain != NULL)
    self->text = part_text (text_plain);
  else if (text_html != NULL)
    {
      g_autofree char *html = part_text (text_html);

      self->text = tern_mime_html_to_text (html, strlen (html));
      self->text_is_html = TRUE;
    }
  else
    self->text = g_strdup ("");
}

static char *
first_reference (const char *value)
{
  GMimeReferences *refs;
  char *id = NULL;

  if (value == NULL)
    return NULL;
  refs = g_mime_references_parse (NULL, value);
  if (refs != NULL && g_mime_references_length (refs) > 0)
    id = _tern_mime_make_valid (g_mime_references_get_message_id (refs, 0), -1);
  g_clear_pointer (&refs, g_mime_references_free);
  return id;
}

TernMimeMessage *
tern_mime_message_new_from_bytes (GBytes *bytes, GError **error)
{
  g_autoptr (TernMimeMessage) self = NULL;
  GMimeStream *stream;
  GMimeParser *parser;
  static const char *const address_headers[] = { "From", "Reply-To", "To", "Cc", "Bcc" };
  const char *data;
  const char *value;
  GMimeObject *body;
  gsize len;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tern_mime_init ();
  self = g_object_new (TERN_TYPE_MIME_MESSAGE, NULL);

  data = g_bytes_get_data (bytes, &len);
  stream = g_mime_stream_mem_new_with_buffer (data ? data : "", len);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  self->message = g_mime_parser_construct_message (parser, NULL);
  g_object_unref (parser);
  g_object_unref (stream);
  if (self->message == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The message could not be parsed");
      return NULL;
    }

  {
    GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (self->message));
    GMimeHeader *subject = g_mime_header_list_get_header (headers, "Subject");

    /* Decoded here, not by GMime: see tern_mime_decode_header_text(). */
    self->subject =
      tern_mime_decode_header_text (subject ? g_mime_header_get_raw_value (subject) : NULL);
  }
  self->message_id = _tern_mime_make_valid (g_mime_message_get_message_id (self->message), -1);
  self->in_reply_to =
    first_reference (g_mime_object_get_header (GMIME_OBJECT (self->message), "In-Reply-To"));

  value = g_mime_object_get_header (GMIME_OBJECT (self->message), "References");
  {
    GMimeReferences *refs = value ? g_mime_references_parse (NULL, value) : NULL;
    int n = refs ? g_mime_references_length (refs) : 0;
    GPtrArray *ids = g_ptr_array_new ();

    for (int i = 0; i < n; i++)
      g_ptr_array_add (ids, _tern_mime_make_valid (g_mime_references_get_message_id (refs, i), -1));
    g_ptr_array_add (ids, NULL);
    self->references = (GStrv) g_ptr_array_free (ids, FALSE);
    g_clear_pointer (&refs, g_mime_references_free);
  }

  if (g_mime_message_get_date (self->message) != NULL)
    self->date = g_date_time_ref (g_mime_message_get_date (self->message));

  /* From the raw headers: see tern_mime_parse_address_list(). */
  for (guint i = 0; i < G_N_ELEMENTS (address_headers); i++)
    {
      GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (self->message));
      g_autoptr (GString) joined = g_string_new (NULL);
      int n = g_mime_header_list_get_count (headers);

      /* A header may appear more than once; all of them count. */
      for (int k = 0; k < n; k++)
        {
          GMimeHeader *header = g_mime_header_list_get_header_at (headers, k);

          if (g_ascii_strcasecmp (g_mime_header_get_name (header), address_headers[i]) != 0)
            continue;
          if (joined->len > 0)
            g_string_append (joined, ", ");
          g_string_append (joined, g_mime_header_get_raw_value (header));
        }
      self->addresses[i] = tern_mime_parse_address_list (joined->str);
    }

  body = g_mime_message_get_mime_part (self->message);
  if (body != NULL && GMIME_IS_MULTIPART (body))
    number_children (self, GMIME_MULTIPART (body), NULL, 0, FALSE);
  else if (body != NULL)
    visit (self, body, "1", 0, FALSE);

  collect (self);
  return g_steal_pointer (&self);
}

/* The decoded Subject; "" when there is none. */
const char *
tern_mime_message_get_subject (TernMimeMessage *self)
{
  g_return_val_if_fail (TERN_IS_MIME_MESSAGE (self), NULL);
  return self->subject;
}

/* The Message-ID without angle brackets; "" when there is none. */
const char *
tern_mime_message_get_message_id (TernMimeMessage *self)
{
  g_return_val_if_fail (TERN_IS_MIME_MESSAGE (self), NULL);
  return self->message_id;
}

/* The first message id of In-Reply-To, or NULL. */
const char *
tern_mime_message_get_in_reply_to (TernMimeMessage *self)
{
  g_return_val_if_fail (TERN_IS_MIME_MESSAGE (self), NULL);
  return self->in_reply_to;
}

/* The message ids of References, oldest first; never NULL. */
const char *const *
tern_mime_message_get_references (TernMimeMessage *self)
{
  g_return_val_if_fail (TERN_IS_MIME_MESSAGE (self), NULL);
  return (const char *const *) self->references;
}

/* The Date header, or NULL when missing or unparsable. */
GDateTime *
tern_mime_message_get_date (TernMimeMessage *self)
{
  g_return_val_if_fail (TERN_IS_MIME_MESSAGE (self), NULL);
  return self->date;
}

/* Borrowed array of TernMimeAddress, groups flattened; never NULL. */
GPtrArray *
tern_mime_message_get_addresses (TernMimeMessage *self, TernMimeAddressField field)
{
  g_return_val_if_fail (TERN_IS_MIME_MESSAGE (self), NULL);
  g_return_val_if_fail (field <= TERN_MIME_ADDRESS_BCC, NULL);
  return self->addresses[field];
}

/* The text to show: the plain part, else the HTML part as text; "" if none. */
const char *
tern_mime_message_get_text (TernMimeMessage *self)
{
  g_return_val_if_fail (TERN_IS_MIME_MESSAGE (self), NULL);
  return self->text;
}

gboolean
tern_mime_message_get_text_is_from_html (TernMimeMessage *self)
{
  g_return_val_if_fail (TERN_IS_MIME_MESSAGE (self), FALSE);
  return self->text_is_html;
}

char *
tern_mime_message_dup_preview (TernMimeMessage *self, guint max_chars)
{
  g_return_val_if_fail (TERN_IS_MIME_MESSAGE (self), NULL);
  return tern_mime_make_preview (self->text, max_chars);
}

/* Borrowed array of TernMimeAttachment in section order; never NULL. */
GPtrArray *
tern_mime_message_get_attachments (TernMimeMessage *self)
{
  g_return_val_if_fail (TERN_IS_MIME_MESSAGE (self), NULL);
  return self->attachments;
}

/* The decoded content of a leaf part (transfer encoding undone, charset
 * untouched), or a whole message/rfc822 part as it is written. */
GBytes *
tern_mime_message_dup_part_content (TernMimeMessage *self, const char *section, GError **error)
{
  g_return_val_if_fail (TERN_IS_MIME_MESSAGE (self), NULL);
  g_return_val_if_fail (section != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = &g_array_index (self->entries, Entry, i);

      if (strcmp (entry->section, section) == 0)
        {
          g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
          GBytes *content = object_content (entry->object);

          if (content == NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "Part %s has no content of its own", section);
          return content;
        }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "The message has no part %s", section);
  return NULL;
}
