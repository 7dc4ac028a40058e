/* tern-imap-fetch.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapFetch: the items of a FETCH response (RFC 3501 msg-att, CONDSTORE
 * MODSEQ, BINARY, PREVIEW, OBJECTID). Unknown items (X-GM-LABELS, …) are
 * skipped but stay reachable through get_item().
 *
 * Threading: immutable after construction.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include "tern-imap-fetch.h"
#include "tern-imap-flags.h"
#include "tern-imap-response-private.h"

typedef struct
{
  TernImapSectionKind kind;
  char *section; /* normalised: upper case, no quotes, single spaces */
  gint64 origin; /* -1 when there is none */
  GBytes *data;  /* NULL for NIL, and for BINARY.SIZE */
  guint64 size;  /* BINARY.SIZE */
} Section;

struct _TernImapFetch
{
  gatomicrefcount ref_count;
  TernImapResponse *response;
  TernImapFetchItems items;
  guint32 seq;
  guint32 uid;
  char **flags;
  GDateTime *internaldate;
  guint64 rfc822_size;
  guint64 modseq;
  TernImapEnvelope *envelope;
  TernMimePart *body;
  const char *preview;
  const char *emailid;
  const char *threadid;
  GArray *sections; /* of Section, or NULL */
};

G_DEFINE_BOXED_TYPE (TernImapFetch, tern_imap_fetch, tern_imap_fetch_ref, tern_imap_fetch_unref)

static void
section_clear (gpointer data)
{
  Section *section = data;

  g_free (section->section);
  g_clear_pointer (&section->data, g_bytes_unref);
}

TernImapFetch *
tern_imap_fetch_ref (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_imap_fetch_unref (TernImapFetch *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_strfreev (self->flags);
  g_clear_pointer (&self->internaldate, g_date_time_unref);
  g_clear_pointer (&self->envelope, tern_imap_envelope_unref);
  g_clear_pointer (&self->body, tern_mime_part_unref);
  g_clear_pointer (&self->sections, g_array_unref);
  tern_imap_response_unref (self->response);
  g_free (self);
}

/* -- INTERNALDATE ------------------------------------------------------------- */

static gboolean
digits (const char *p, guint n, int *out)
{
  int v = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (p[i]))
        return FALSE;
      v = v * 10 + (p[i] - '0');
    }
  *out = v;
  return TRUE;
}

/* GTimeZones by UTC offset: making one formats and parses an identifier, too
 * slow for every message of a header sync. At most 2 × 24 × 60 offsets exist. */
static GTimeZone *
time_zone_for_offset (gint32 seconds)
{
  static GMutex lock;
  static GHashTable *cache;
  GTimeZone *tz;

  if (seconds == 0)
    return g_time_zone_new_utc ();

  g_mutex_lock (&lock);
  if (cache == NULL)
    cache = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_time_zone_unref);
  tz = g_hash_table_lookup (cache, GINT_TO_POINTER (seconds));
  if (tz == NULL)
    {
      tz = g_time_zone_new_offset (seconds);
      g_hash_table_insert (cache, GINT_TO_POINTER (seconds), tz);
    }
  tz = g_time_zone_ref (tz);
  g_mutex_unlock (&lock);

  return tz;
}

/* "17-Jul-1996 02:44:25 -0700" (the day may be " 7" or "07"), as a
 * GDateTime in the zone given; NULL when malformed. */
GDateTime *
tern_imap_parse_date_time (const char *str, gsize len)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  g_autoptr (GTimeZone) tz = NULL;
  int day, month = 0, year, hour, minute, second, zh, zm;
  int sign;
  const char *p = str;

  g_return_val_if_fail (str != NULL, NULL);

  if (len != 26)
    return NULL;

  if (p[0] == ' ')
    {
      if (!digits (p + 1, 1, &day))
        return NULL;
    }
  else if (!digits (p, 2, &day))
    return NULL;

  if (p[2] != '-' || p[6] != '-' || p[11] != ' ' || p[14] != ':' || p[17] != ':' || p[20] != ' ' ||
      (p[21] != '+' && p[21] != '-'))
    return NULL;

  for (guint i = 0; i < 12 && month == 0; i++)
    if ((p[3] | 0x20) == (months[3 * i] | 0x20) && (p[4] | 0x20) == months[3 * i + 1] &&
        (p[5] | 0x20) == months[3 * i + 2])
      month = i + 1;

  if (month == 0 || !digits (p + 7, 4, &year) || !digits (p + 12, 2, &hour) ||
      !digits (p + 15, 2, &minute) || !digits (p + 18, 2, &second) || !digits (p + 22, 2, &zh) ||
      !digits (p + 24, 2, &zm) || zm > 59 || zh > 23 || year < 1)
    return NULL;

  sign = p[21] == '-' ? -1 : 1;
  tz = time_zone_for_offset (sign * (zh * 3600 + zm * 60));

  return g_date_time_new (tz, year, month, day, hour, minute, second);
}

/* -- sections ------------------------------------------------------------------ */

/* Upper case, without quotes, single spaces: the server may echo
 * HEADER.FIELDS (From "To") as HEADER.FIELDS (FROM TO). */
static char *
normalize_section (const char *str, gsize len)
{
  GString *out = g_string_sized_new (len);
  gboolean space = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = str[i];

      if (c == '"')
        continue;
      if (c == ' ' || c == '\t')
        {
          space = TRUE;
          continue;
        }
      if (space && out->len > 0 && out->str[out->len - 1] != '(' && c != ')')
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_c (out, g_ascii_toupper (c));
    }

  return g_string_free (out, FALSE);
}

static GBytes *
borrow_bytes (TernImapResponse *response, const TernImapValue *value)
{
  if (value->flags & TERN_IMAP_VALUE_FLAG_BYTES)
    return g_bytes_ref (value->u.bytes);

  return g_bytes_new_with_free_func (value->u.str, value->len,
                                     (GDestroyNotify) tern_imap_response_unref,
                                     tern_imap_response_ref (response));
}

static void
add_section (TernImapFetch *self, Section *section)
{
  if (self->sections == NULL)
    {
      self->sections = g_array_new (FALSE, TRUE, sizeof (Section));
      g_array_set_clear_func (self->sections, section_clear);
    }

  /* A later item for the same section replaces the earlier one. */
  for (guint i = 0; i < self->sections->len; i++)
    {
      Section *old = &g_array_index (self->sections, Section, i);

      if (old->kind == section->kind && g_str_equal (old->section, section->section))
        {
          section_clear (old);
          *old = *section;
          return;
        }
    }

  g_array_append_val (self->sections, *section);
  self->items |= TERN_IMAP_FETCH_SECTIONS;
}

/* "BODY[1.2]<0>", "BINARY[1]", "BINARY.SIZE[2]": @name is the item name. */
static gboolean
parse_section_item (TernImapFetch *self,
                    const char *name,
                    gsize name_len,
                    TernImapSectionKind kind,
                    const TernImapValue *value,
                    GError **error)
{
  const char *open = memchr (name, '[', name_len);
  const char *close;
  const char *end = name + name_len;
  Section section = { kind, NULL, -1, NULL, 0 };

  g_assert (open != NULL);

  close = end;
  while (close > open && close[-1] != ']')
    close--;
  if (close == open)
    {
      _tern_imap_set_malformed (error, "FETCH", "a section without \"]\"");
      return FALSE;
    }
  close--; /* at the ']' */

  if (close + 1 < end)
    {
      guint64 origin;

      if (close[1] != '<' || end[-1] != '>' ||
          !_tern_imap_parse_number (close + 2, end - close - 3, &origin) || origin > G_MAXINT64)
        {
          _tern_imap_set_malformed (error, "FETCH", "a bad <origin> after a section");
          return FALSE;
        }
      section.origin = (gint64) origin;
    }

  if (kind == TERN_IMAP_SECTION_BINARY_SIZE)
    {
      if (!tern_imap_value_get_number (value, &section.size))
        {
          _tern_imap_set_malformed (error, "FETCH", "BINARY.SIZE is not a number");
          return FALSE;
        }
    }
  else if (value->type == TERN_IMAP_VALUE_STRING)
    section.data = borrow_bytes (self->response, value);
  else if (value->type != TERN_IMAP_VALUE_NIL)
    {
      _tern_imap_set_malformed (error, "FETCH", "a section's data is not a string");
      return FALSE;
    }

  section.section = normalize_section (open + 1, close - open - 1);
  add_section (self, &section);
  return TRUE;
}

static gboolean
parse_rfc822_item (TernImapFetch *self,
                   const char *section_name,
                   const TernImapValue *value,
                   GError **error)
{
  Section section = { TERN_IMAP_SECTION_BODY, NULL, -1, NULL, 0 };

  if (value->type == TERN_IMAP_VALUE_STRING)
    section.data = borrow_bytes (self->response, value);
  else if (value->type != TERN_IMAP_VALUE_NIL)
    {
      _tern_imap_set_malformed (error, "FETCH", "RFC822 data is not a string");
      return FALSE;
    }

  section.section = g_strdup (section_name);
  add_section (self, &section);
  return TRUE;
}

/* -- items ---------------------------------------------------------------------- */

/* ASCII case-insensitive equality with an upper-case literal, inlined: every
 * item of every FETCH goes through it. */
static inline gboolean
ascii_upper_equal (const char *str, const char *upper, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      char c = str[i];

      if (c >= 'a' && c <= 'z')
        c -= 'a' - 'A';
      if (c != upper[i])
        return FALSE;
    }
  return TRUE;
}

#define NAME_IS(name, len, WHAT)                                                                   \
  ((len) == sizeof (WHAT) - 1 && ascii_upper_equal ((name), (WHAT), sizeof (WHAT) - 1))

/* EMAILID (M123) / THREADID (T456) / THREADID NIL */
static gboolean
parse_objectid (const TernImapValue *value, const char **out, GError **error)
{
  if (value->type == TERN_IMAP_VALUE_NIL)
    {
      *out = NULL;
      return TRUE;
    }

  if (value->type != TERN_IMAP_VALUE_LIST || value->len != 1 ||
      value->u.children[0].type != TERN_IMAP_VALUE_ATOM)
    {
      _tern_imap_set_malformed (error, "FETCH", "an object id is not (atom)");
      return FALSE;
    }

  *out = value->u.children[0].u.str;
  return TRUE;
}

/* PREVIEW "text" | PREVIEW NIL (RFC 8970), and the draft forms some servers
 * still send: PREVIEW (FUZZY "text"), SNIPPET (FUZZY "text"). */
static gboolean
parse_preview (const TernImapValue *value, const char **out, GError **error)
{
  if (value->type == TERN_IMAP_VALUE_LIST && value->len == 2 &&
      value->u.children[0].type == TERN_IMAP_VALUE_ATOM)
    value = &value->u.children[1];

  if (!_tern_imap_value_nstring (value, out, NULL))
    {
      _tern_imap_set_malformed (error, "FETCH", "PREVIEW is not a string");
      return FALSE;
    }

  return TRUE;
}

static gboolean
parse_item (TernImapFetch *self,
            const TernImapValue *key,
            const TernImapValue *value,
            GError **error)
{
  const char *name = key->u.str;
  gsize len = key->len;

  if (memchr (name, '[', len) != NULL)
    {
      if (g_ascii_strncasecmp (name, "BODY[", 5) == 0)
        return parse_section_item (self, name, len, TERN_IMAP_SECTION_BODY, value, error);
      if (g_ascii_strncasecmp (name, "BINARY[", 7) == 0)
        return parse_section_item (self, name, len, TERN_IMAP_SECTION_BINARY, value, error);
      if (g_ascii_strncasecmp (name, "BINARY.SIZE[", 12) == 0)
        return parse_section_item (self, name, len, TERN_IMAP_SECTION_BINARY_SIZE, value, error);
      return TRUE; /* an extension's item */
    }

  if (NAME_IS (name, len, "UID"))
    {
      if (!tern_imap_value_get_uint32 (value, &self->uid) || self->uid == 0)
        {
          _tern_imap_set_malformed (error, "FETCH", "UID is not a non-zero number");
          return FALSE;
        }
      self->items |= TERN_IMAP_FETCH_UID;
    }
  else if (NAME_IS (name, len, "FLAGS"))
    {
      g_strfreev (self->flags);
      self->flags = tern_imap_flags_from_value (value, error);
      if (self->flags == NULL)
        return FALSE;
      self->items |= TERN_IMAP_FETCH_FLAGS;
    }
  else if (NAME_IS (name, len, "INTERNALDATE"))
    {
      GDateTime *date = NULL;

      if (value->type == TERN_IMAP_VALUE_STRING)
        date = tern_imap_parse_date_time (_tern_imap_value_str (value), value->len);
      if (date == NULL)
        {
          _tern_imap_set_malformed (error, "FETCH", "INTERNALDATE is not a date-time");
          return FALSE;
        }
      g_clear_pointer (&self->internaldate, g_date_time_unref);
      self->internaldate = date;
      self->items |= TERN_IMAP_FETCH_INTERNALDATE;
    }
  else if (NAME_IS (name, len, "RFC822.SIZE"))
    {
      if (!tern_imap_value_get_number (value, &self->rfc822_size))
        {
          _tern_imap_set_malformed (error, "FETCH", "RFC822.SIZE is not a number");
          return FALSE;
        }
      self->items |= TERN_IMAP_FETCH_RFC822_SIZE;
    }
  else if (NAME_IS (name, len, "MODSEQ"))
    {
      if (value->type != TERN_IMAP_VALUE_LIST || value->len != 1 ||
          !tern_imap_value_get_number (&value->u.children[0], &self->modseq) ||
          self->modseq > G_MAXINT64)
        {
          _tern_imap_set_malformed (error, "FETCH", "MODSEQ is not (number)");
          return FALSE;
        }
      self->items |= TERN_IMAP_FETCH_MODSEQ;
    }
  else if (NAME_IS (name, len, "ENVELOPE"))
    {
      TernImapEnvelope *envelope = tern_imap_envelope_new_from_value (value, error);

      if (envelope == NULL)
        return FALSE;
      g_clear_pointer (&self->envelope, tern_imap_envelope_unref);
      self->envelope = envelope;
      self->items |= TERN_IMAP_FETCH_ENVELOPE;
    }
  else if (NAME_IS (name, len, "BODYSTRUCTURE") || NAME_IS (name, len, "BODY"))
    {
      TernMimePart *body = tern_mime_part_new_from_bodystructure (value, error);

      if (body == NULL)
        return FALSE;
      g_clear_pointer (&self->body, tern_mime_part_unref);
      self->body = body;
      self->items |= TERN_IMAP_FETCH_BODYSTRUCTURE;
    }
  else if (NAME_IS (name, len, "PREVIEW") || NAME_IS (name, len, "SNIPPET"))
    {
      if (!parse_preview (value, &self->preview, error))
        return FALSE;
      self->items |= TERN_IMAP_FETCH_PREVIEW;
    }
  else if (NAME_IS (name, len, "EMAILID"))
    {
      if (!parse_objectid (value, &self->emailid, error))
        return FALSE;
      self->items |= TERN_IMAP_FETCH_EMAILID;
    }
  else if (NAME_IS (name, len, "THREADID"))
    {
      if (!parse_objectid (value, &self->threadid, error))
        return FALSE;
      self->items |= TERN_IMAP_FETCH_THREADID;
    }
  else if (NAME_IS (name, len, "RFC822"))
    return parse_rfc822_item (self, "", value, error);
  else if (NAME_IS (name, len, "RFC822.HEADER"))
    return parse_rfc822_item (self, "HEADER", value, error);
  else if (NAME_IS (name, len, "RFC822.TEXT"))
    return parse_rfc822_item (self, "TEXT", value, error);

  return TRUE;
}

/* "* n FETCH (name value ...)" */
TernImapFetch *
tern_imap_fetch_new_from_response (TernImapResponse *response, GError **error)
{
  g_autoptr (TernImapFetch) self = NULL;
  const TernImapValue *list;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (response->data_type != TERN_IMAP_DATA_FETCH || !response->has_number ||
      response->number == 0 || response->args.len != 1 ||
      response->args.u.children[0].type != TERN_IMAP_VALUE_LIST)
    {
      _tern_imap_set_malformed (error, "FETCH", "expected \"* n FETCH (...)\"");
      return NULL;
    }

  list = &response->args.u.children[0];
  if (list->len % 2 != 0)
    {
      _tern_imap_set_malformed (error, "FETCH", "an item without a value");
      return NULL;
    }

  self = g_new0 (TernImapFetch, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->response = tern_imap_response_ref (response);
  self->seq = response->number;

  for (guint i = 0; i < list->len; i += 2)
    {
      const TernImapValue *key = &list->u.children[i];

      if (key->type != TERN_IMAP_VALUE_ATOM)
        {
          _tern_imap_set_malformed (error, "FETCH", "an item name is not an atom");
          return NULL;
        }

      if (!parse_item (self, key, &list->u.children[i + 1], error))
        return NULL;
    }

  return g_steal_pointer (&self);
}

/* -- accessors ------------------------------------------------------------------- */

TernImapResponse *
tern_imap_fetch_get_response (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->response;
}

TernImapFetchItems
tern_imap_fetch_get_items (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->items;
}

/* The message sequence number (the n of "* n FETCH"). */
guint32
tern_imap_fetch_get_seq (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->seq;
}

/* 0 when the response had no UID. */
guint32
tern_imap_fetch_get_uid (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->uid;
}

/* NULL when the response had no FLAGS (an empty list when it had "()"). */
const char *const *
tern_imap_fetch_get_flags (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char *const *) self->flags;
}

GDateTime *
tern_imap_fetch_get_internaldate (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->internaldate;
}

guint64
tern_imap_fetch_get_rfc822_size (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->rfc822_size;
}

guint64
tern_imap_fetch_get_modseq (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->modseq;
}

TernImapEnvelope *
tern_imap_fetch_get_envelope (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->envelope;
}

/* The root of the part tree from BODYSTRUCTURE (or BODY), or NULL. */
TernMimePart *
tern_imap_fetch_get_bodystructure (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->body;
}

/* The preview text (raw, normally UTF-8); NULL when absent or NIL. */
const char *
tern_imap_fetch_get_preview (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->preview;
}

const char *
tern_imap_fetch_get_emailid (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->emailid;
}

const char *
tern_imap_fetch_get_threadid (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->threadid;
}

static const Section *
find_section (TernImapFetch *self, TernImapSectionKind kind, const char *name)
{
  g_autofree char *normalized = NULL;

  if (self->sections == NULL)
    return NULL;

  normalized = normalize_section (name, strlen (name));
  for (guint i = 0; i < self->sections->len; i++)
    {
      const Section *section = &g_array_index (self->sections, Section, i);

      if (section->kind == kind && g_str_equal (section->section, normalized))
        return section;
    }

  return NULL;
}

/* The data of BODY[@section] ("" for BODY[] and RFC822, "HEADER", "1.2",
 * "HEADER.FIELDS (FROM TO)"; compared without regard to case or quotes), and
 * where it starts in the part when the command asked for <partial>
 * (-1 otherwise). Borrowed; NULL when absent or NIL. */
GBytes *
tern_imap_fetch_get_body (TernImapFetch *self, const char *section, gint64 *out_origin)
{
  const Section *found;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (section != NULL, NULL);

  found = find_section (self, TERN_IMAP_SECTION_BODY, section);
  if (out_origin)
    *out_origin = found ? found->origin : -1;
  return found ? found->data : NULL;
}

/* The data of BINARY[@section], decoded by the server; as get_body(). */
GBytes *
tern_imap_fetch_get_binary (TernImapFetch *self, const char *section, gint64 *out_origin)
{
  const Section *found;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (section != NULL, NULL);

  found = find_section (self, TERN_IMAP_SECTION_BINARY, section);
  if (out_origin)
    *out_origin = found ? found->origin : -1;
  return found ? found->data : NULL;
}

gboolean
tern_imap_fetch_get_binary_size (TernImapFetch *self, const char *section, guint64 *out_size)
{
  const Section *found;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (section != NULL, FALSE);

  found = find_section (self, TERN_IMAP_SECTION_BINARY_SIZE, section);
  if (found == NULL)
    return FALSE;
  if (out_size)
    *out_size = found->size;
  return TRUE;
}

guint
tern_imap_fetch_get_n_sections (TernImapFetch *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->sections ? self->sections->len : 0;
}

/* The @index-th section item, in the response's order; returns its
 * normalised section name. @out_data is borrowed. */
const char *
tern_imap_fetch_get_section (TernImapFetch *self,
                             guint index,
                             TernImapSectionKind *out_kind,
                             gint64 *out_origin,
                             GBytes **out_data)
{
  const Section *section;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < tern_imap_fetch_get_n_sections (self), NULL);

  section = &g_array_index (self->sections, Section, index);
  if (out_kind)
    *out_kind = section->kind;
  if (out_origin)
    *out_origin = section->origin;
  if (out_data)
    *out_data = section->data;
  return section->section;
}

/* The raw value of the item called @name (case-insensitive, as sent:
 * "X-GM-LABELS", "BODY[1]"), or NULL. */
const TernImapValue *
tern_imap_fetch_get_item (TernImapFetch *self, const char *name)
{
  const TernImapValue *list;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  list = &self->response->args.u.children[0];
  for (guint i = 0; i + 1 < list->len; i += 2)
    if (g_ascii_strcasecmp (list->u.children[i].u.str, name) == 0)
      return &list->u.children[i + 1];

  return NULL;
}
