/* tern-mime-part.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernMimePart: the BODYSTRUCTURE part tree (DESIGN "Layers": mime/).
 *
 * The tree is built with an explicit work stack, never by recursion, so a
 * structure nested as deep as the parser allows cannot exhaust the stack.
 * All parts of a tree share one refcount and one string chunk.
 *
 * Section numbers follow RFC 3501 6.4.5: the children of a multipart are
 * numbered from 1 under their parent's number; a message whose top level is
 * not multipart has only part "1"; the body of a message/rfc822 part "M" is
 * numbered "M.1" when single-part, and when multipart it takes no number of
 * its own (its children are "M.1", "M.2", …; it reports "M").
 *
 * Threading: immutable after construction.
 */

#define G_LOG_DOMAIN "tern-mime"

#include "config.h"

#include <string.h>

#include "imap/tern-imap-error.h"
#include "imap/tern-imap-parser.h"
#include "imap/tern-imap-response-private.h"
#include "tern-mime-part.h"

typedef struct
{
  gatomicrefcount ref_count;
  GPtrArray *parts; /* of TernMimePart, owned; [0] is the root */
  GStringChunk *strings;
} Tree;

struct _TernMimePart
{
  Tree *tree;
  TernMimePart *parent;
  TernMimePart *first_child;
  TernMimePart *last_child;
  TernMimePart *next_sibling;
  guint n_children;

  const char *section;
  const char *type;
  const char *subtype;
  const char *mime_type;
  const char **params; /* name, value, name, value, … (values may be NULL) */
  guint n_params;
  const char *id;
  const char *description;
  const char *encoding;
  guint64 size;
  guint64 lines;
  TernImapEnvelope *envelope;

  const char *md5;
  const char *disposition;
  const char **disposition_params;
  guint n_disposition_params;
  const char **languages; /* NULL-terminated, or NULL */
  const char *location;

  guint has_lines : 1;
  guint has_extension : 1;
  guint is_multipart : 1;
  guint is_message : 1;
  guint is_body_root : 1; /* the root of a message's body: the tree's root or a message's body */
};

G_DEFINE_BOXED_TYPE (TernMimePart, tern_mime_part, tern_mime_part_ref, tern_mime_part_unref)

static void
part_free (gpointer data)
{
  TernMimePart *part = data;

  g_free (part->params);
  g_free (part->disposition_params);
  g_free (part->languages);
  g_clear_pointer (&part->envelope, tern_imap_envelope_unref);
  g_free (part);
}

static void
tree_free (Tree *tree)
{
  g_ptr_array_unref (tree->parts);
  g_string_chunk_free (tree->strings);
  g_free (tree);
}

TernMimePart *
tern_mime_part_ref (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->tree->ref_count);
  return self;
}

void
tern_mime_part_unref (TernMimePart *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->tree->ref_count))
    tree_free (self->tree);
}

/* -- building ---------------------------------------------------------------- */

typedef enum
{
  WORK_ROOT,     /* the message itself */
  WORK_EMBEDDED, /* the body of a message/rfc822 part */
  WORK_CHILD,    /* a child of a multipart */
} WorkKind;

typedef struct
{
  const TernImapValue *value;
  TernMimePart *parent;
  WorkKind kind;
  guint index; /* WORK_CHILD: 1-based */
} Work;

static const char *
intern (Tree *tree, const char *str, gsize len)
{
  return g_string_chunk_insert_len (tree->strings, str, len);
}

static const char *
intern_lower (Tree *tree, const char *str, gsize len)
{
  char *copy = g_string_chunk_insert_len (tree->strings, str, len);

  for (char *p = copy; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p += 'a' - 'A';
  return copy;
}

/* A string or NIL (NULL); FALSE for anything else. */
static gboolean
get_nstring (Tree *tree, const TernImapValue *value, gboolean lower, const char **out)
{
  const char *str;
  gsize len;

  if (!_tern_imap_value_nstring (value, &str, &len))
    return FALSE;

  if (str == NULL)
    *out = NULL;
  else
    *out = lower ? intern_lower (tree, str, len) : intern (tree, str, len);
  return TRUE;
}

/* body-fld-param: NIL or ("name" "value" …). */
static gboolean
get_params (Tree *tree, const TernImapValue *value, const char ***out_params, guint *out_n)
{
  const char **params;

  *out_params = NULL;
  *out_n = 0;

  if (value->type == TERN_IMAP_VALUE_NIL)
    return TRUE;
  if (value->type != TERN_IMAP_VALUE_LIST || value->len % 2 != 0)
    return FALSE;

  params = g_new0 (const char *, value->len + 1);
  for (guint i = 0; i < value->len; i++)
    {
      const TernImapValue *item = &value->u.children[i];

      /* Names must be strings; a few servers send NIL values. */
      if ((i % 2 == 0 && item->type != TERN_IMAP_VALUE_STRING) ||
          !get_nstring (tree, item, FALSE, &params[i]))
        {
          g_free (params);
          return FALSE;
        }
    }

  *out_params = params;
  *out_n = value->len / 2;
  return TRUE;
}

/* body-fld-dsp: NIL or ("type" params); a bare string is accepted too. */
static gboolean
get_disposition (Tree *tree, const TernImapValue *value, TernMimePart *part)
{
  if (value->type == TERN_IMAP_VALUE_NIL)
    return TRUE;

  if (value->type == TERN_IMAP_VALUE_STRING)
    return get_nstring (tree, value, TRUE, &part->disposition);

  if (value->type != TERN_IMAP_VALUE_LIST || value->len != 2 ||
      value->u.children[0].type != TERN_IMAP_VALUE_STRING)
    return FALSE;

  return get_nstring (tree, &value->u.children[0], TRUE, &part->disposition) &&
         get_params (tree, &value->u.children[1], &part->disposition_params,
                     &part->n_disposition_params);
}

/* body-fld-lang: NIL, "lang" or ("lang" …). */
static gboolean
get_languages (Tree *tree, const TernImapValue *value, TernMimePart *part)
{
  if (value->type == TERN_IMAP_VALUE_NIL)
    return TRUE;

  if (value->type == TERN_IMAP_VALUE_STRING)
    {
      part->languages = g_new0 (const char *, 2);
      return get_nstring (tree, value, FALSE, &part->languages[0]);
    }

  if (value->type != TERN_IMAP_VALUE_LIST)
    return FALSE;

  part->languages = g_new0 (const char *, value->len + 1);
  for (guint i = 0; i < value->len; i++)
    if (value->u.children[i].type != TERN_IMAP_VALUE_STRING ||
        !get_nstring (tree, &value->u.children[i], FALSE, &part->languages[i]))
      return FALSE;

  return TRUE;
}

/* The extension fields after md5 (1-part) or params (multipart):
 * [dsp [lang [loc *extension]]]. Unknown extensions are ignored. */
static gboolean
get_common_extension (Tree *tree, const TernImapValue *body, guint index, TernMimePart *part)
{
  if (index < body->len && !get_disposition (tree, &body->u.children[index], part))
    return FALSE;
  index++;
  if (index < body->len && !get_languages (tree, &body->u.children[index], part))
    return FALSE;
  index++;
  if (index < body->len && !get_nstring (tree, &body->u.children[index], FALSE, &part->location))
    return FALSE;

  return TRUE;
}

static gboolean
get_number (const TernImapValue *value, guint64 *out)
{
  return tern_imap_value_get_number (value, out);
}

static gboolean
fail (GError **error, const char *why)
{
  _tern_imap_set_malformed (error, "BODYSTRUCTURE", why);
  return FALSE;
}

static gboolean
is_envelope_shaped (const TernImapValue *value)
{
  return value->type == TERN_IMAP_VALUE_LIST && value->len == 10;
}

/* Fills @part from a multipart body: 1*body subtype [params [dsp [lang [loc]]]].
 * The children are queued on @stack. */
static gboolean
parse_multipart (Tree *tree,
                 const TernImapValue *body,
                 TernMimePart *part,
                 GArray *stack,
                 GError **error)
{
  guint n_children = 0;
  const TernImapValue *subtype;

  while (n_children < body->len && body->u.children[n_children].type == TERN_IMAP_VALUE_LIST)
    n_children++;

  if (n_children == body->len)
    return fail (error, "a multipart without a subtype");

  subtype = &body->u.children[n_children];
  if (subtype->type != TERN_IMAP_VALUE_STRING)
    return fail (error, "a multipart subtype is not a string");

  part->is_multipart = TRUE;
  part->type = "multipart";
  part->subtype = intern_lower (tree, _tern_imap_value_str (subtype), subtype->len);

  if (n_children + 1 < body->len)
    {
      part->has_extension = TRUE;
      if (!get_params (tree, &body->u.children[n_children + 1], &part->params, &part->n_params))
        return fail (error, "bad multipart parameters");
      if (!get_common_extension (tree, body, n_children + 2, part))
        return fail (error, "bad multipart extension data");
    }

  /* Reverse order, so that the first child is built (and linked) first. */
  for (guint i = n_children; i > 0; i--)
    {
      Work work = { &body->u.children[i - 1], part, WORK_CHILD, i };

      g_array_append_val (stack, work);
    }

  return TRUE;
}

/* Fills @part from a single-part body:
 * type subtype params id description encoding size
 *   [lines | envelope body lines] [md5 [dsp [lang [loc]]]] */
static gboolean
parse_single (Tree *tree,
              const TernImapValue *body,
              TernMimePart *part,
              GArray *stack,
              GError **error)
{
  const TernImapValue *f = body->u.children;
  guint index = 7;

  if (body->len < 7)
    return fail (error, "a part with fewer than seven fields");

  if (f[0].type != TERN_IMAP_VALUE_STRING || f[1].type != TERN_IMAP_VALUE_STRING)
    return fail (error, "a media type is not a string");

  part->type = intern_lower (tree, _tern_imap_value_str (&f[0]), f[0].len);
  part->subtype = intern_lower (tree, _tern_imap_value_str (&f[1]), f[1].len);

  if (!get_params (tree, &f[2], &part->params, &part->n_params))
    return fail (error, "bad parameters");
  if (!get_nstring (tree, &f[3], FALSE, &part->id))
    return fail (error, "bad Content-ID");
  if (!get_nstring (tree, &f[4], FALSE, &part->description))
    return fail (error, "bad Content-Description");
  if (!get_nstring (tree, &f[5], TRUE, &part->encoding))
    return fail (error, "bad Content-Transfer-Encoding");
  if (!get_number (&f[6], &part->size))
    return fail (error, "bad size");

  if (g_str_equal (part->type, "message") &&
      (g_str_equal (part->subtype, "rfc822") || g_str_equal (part->subtype, "global")) &&
      body->len >= 10 && is_envelope_shaped (&f[7]) && f[8].type == TERN_IMAP_VALUE_LIST)
    {
      Work work = { &f[8], part, WORK_EMBEDDED, 0 };

      part->envelope = tern_imap_envelope_new_from_value (&f[7], error);
      if (part->envelope == NULL)
        return FALSE;
      if (!get_number (&f[9], &part->lines))
        return fail (error, "bad line count of a message part");
      part->has_lines = TRUE;
      part->is_message = TRUE;
      g_array_append_val (stack, work);
      index = 10;
    }
  else if (g_str_equal (part->type, "text") && body->len > 7 && f[7].type == TERN_IMAP_VALUE_ATOM)
    {
      /* Some servers leave the line count out; what follows is then md5. */
      if (!get_number (&f[7], &part->lines))
        return fail (error, "bad line count of a text part");
      part->has_lines = TRUE;
      index = 8;
    }

  if (index < body->len)
    {
      part->has_extension = TRUE;
      if (!get_nstring (tree, &f[index], FALSE, &part->md5))
        return fail (error, "bad Content-MD5");
      if (!get_common_extension (tree, body, index + 1, part))
        return fail (error, "bad extension data");
    }

  return TRUE;
}

/* "P.i", or "i" under the top level; no printf, it runs for every part. */
static char *
child_section (const char *parent_section, guint index)
{
  gsize parent_len = strlen (parent_section);
  char digits[16];
  guint n = 0;
  char *section;
  char *p;

  do
    digits[n++] = '0' + index % 10;
  while ((index /= 10) > 0);

  section = g_malloc (parent_len + 1 + n + 1);
  p = section;
  if (parent_len > 0)
    {
      memcpy (p, parent_section, parent_len);
      p += parent_len;
      *p++ = '.';
    }
  while (n > 0)
    *p++ = digits[--n];
  *p = '\0';

  return section;
}

static void
link_child (TernMimePart *parent, TernMimePart *child)
{
  child->parent = parent;
  if (parent->last_child != NULL)
    parent->last_child->next_sibling = child;
  else
    parent->first_child = child;
  parent->last_child = child;
  parent->n_children++;
}

/* Builds the part tree of a BODYSTRUCTURE or BODY value (the list after the
 * item name). */
TernMimePart *
tern_mime_part_new_from_bodystructure (const TernImapValue *value, GError **error)
{
  g_autoptr (GArray) stack = g_array_new (FALSE, FALSE, sizeof (Work));
  Tree *tree;
  Work root = { value, NULL, WORK_ROOT, 0 };

  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tree = g_new0 (Tree, 1);
  g_atomic_ref_count_init (&tree->ref_count);
  tree->parts = g_ptr_array_new_with_free_func (part_free);
  tree->strings = g_string_chunk_new (512);

  g_array_append_val (stack, root);

  while (stack->len > 0)
    {
      Work work = g_array_index (stack, Work, stack->len - 1);
      TernMimePart *part;
      gboolean multipart;
      g_autofree char *section = NULL;
      gboolean ok;

      g_array_set_size (stack, stack->len - 1);

      if (work.value->type != TERN_IMAP_VALUE_LIST || work.value->len == 0)
        {
          fail (error, "a body is not a list");
          goto failed;
        }

      multipart = work.value->u.children[0].type == TERN_IMAP_VALUE_LIST;

      part = g_new0 (TernMimePart, 1);
      part->tree = tree;
      g_ptr_array_add (tree->parts, part);
      if (work.parent != NULL)
        link_child (work.parent, part);

      switch (work.kind)
        {
        case WORK_ROOT:
          section = g_strdup (multipart ? "" : "1");
          part->is_body_root = TRUE;
          break;
        case WORK_EMBEDDED:
          section =
            multipart ? g_strdup (work.parent->section) : child_section (work.parent->section, 1);
          part->is_body_root = TRUE;
          break;
        case WORK_CHILD:
        default:
          section = child_section (work.parent->section, work.index);
          break;
        }
      part->section = intern (tree, section, strlen (section));

      if (multipart)
        ok = parse_multipart (tree, work.value, part, stack, error);
      else
        ok = parse_single (tree, work.value, part, stack, error);
      if (!ok)
        goto failed;

      {
        gsize type_len = strlen (part->type);
        gsize subtype_len = strlen (part->subtype);
        gsize len = type_len + 1 + subtype_len;
        char small[128];
        char *buf = len < sizeof small ? small : g_malloc (len + 1);

        memcpy (buf, part->type, type_len);
        buf[type_len] = '/';
        memcpy (buf + type_len + 1, part->subtype, subtype_len);
        part->mime_type = intern (tree, buf, len);
        if (buf != small)
          g_free (buf);
      }
    }

  return g_ptr_array_index (tree->parts, 0);

failed:
  tree_free (tree);
  return NULL;
}

/* -- tree ----------------------------------------------------------------------- */

TernMimePart *
tern_mime_part_get_root (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_ptr_array_index (self->tree->parts, 0);
}

TernMimePart *
tern_mime_part_get_parent (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->parent;
}

/* The parts of a multipart; for a message/rfc822 part, its one body. */
guint
tern_mime_part_get_n_children (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_children;
}

TernMimePart *
tern_mime_part_get_child (TernMimePart *self, guint index)
{
  TernMimePart *child;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_children, NULL);

  child = self->first_child;
  while (index-- > 0)
    child = child->next_sibling;
  return child;
}

/* The body of a message/rfc822 part, NULL for other parts. */
TernMimePart *
tern_mime_part_get_message_body (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->is_message ? self->first_child : NULL;
}

/* The number of parts in the whole tree. */
guint
tern_mime_part_get_n_parts (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->tree->parts->len;
}

/* Calls @func on @self and every part below it, parents before children, in
 * order; FALSE if @func stopped the walk. No recursion. */
gboolean
tern_mime_part_walk (TernMimePart *self, TernMimePartWalkFunc func, gpointer user_data)
{
  TernMimePart *part = self;
  guint depth = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  for (;;)
    {
      if (!func (part, depth, user_data))
        return FALSE;

      if (part->first_child != NULL)
        {
          part = part->first_child;
          depth++;
          continue;
        }

      while (part != self && part->next_sibling == NULL)
        {
          part = part->parent;
          depth--;
        }
      if (part == self)
        return TRUE;
      part = part->next_sibling;
    }
}

typedef struct
{
  const char *section;
  TernMimePart *found;
} Lookup;

static gboolean
lookup_cb (TernMimePart *part, guint depth, gpointer user_data)
{
  Lookup *lookup = user_data;

  if (g_str_equal (part->section, lookup->section))
    {
      lookup->found = part;
      return FALSE;
    }
  return TRUE;
}

/* The part numbered @section ("1.2") at or below @self. A multipart body of a
 * message/rfc822 part shares that part's number; the message part is returned. */
TernMimePart *
tern_mime_part_lookup (TernMimePart *self, const char *section)
{
  Lookup lookup = { section, NULL };

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (section != NULL, NULL);

  tern_mime_part_walk (self, lookup_cb, &lookup);
  return lookup.found;
}

/* -- sections ------------------------------------------------------------------ */

/* The part specifier that fetches this part's contents with BODY[…]: "1.2";
 * "1" for a message whose top level is not multipart; "" for a multipart
 * top level (BODY[] is the whole message). */
const char *
tern_mime_part_get_section (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->section;
}

/* The section that fetches this part's header: "HEADER" for the message's
 * top level, "M.HEADER" for the top level of the message inside a
 * message/rfc822 part M (and for that part itself), "S.MIME" for any other part. */
char *
tern_mime_part_dup_header_section (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->is_message)
    return g_strconcat (self->section, ".HEADER", NULL);

  if (self->is_body_root)
    {
      if (self->parent == NULL)
        return g_strdup ("HEADER");
      return g_strconcat (self->parent->section, ".HEADER", NULL);
    }

  return g_strconcat (self->section, ".MIME", NULL);
}

/* -- fields ----------------------------------------------------------------------- */

/* "text", lower-cased. */
const char *
tern_mime_part_get_media_type (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->type;
}

/* "plain", lower-cased. */
const char *
tern_mime_part_get_media_subtype (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->subtype;
}

/* "text/plain", lower-cased. */
const char *
tern_mime_part_get_mime_type (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->mime_type;
}

gboolean
tern_mime_part_is_multipart (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->is_multipart;
}

/* A message/rfc822 (or message/global) part with an envelope and a body. */
gboolean
tern_mime_part_is_message (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->is_message;
}

guint
tern_mime_part_get_n_params (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_params;
}

const char *
tern_mime_part_get_param_name (TernMimePart *self, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_params, NULL);

  return self->params[2 * index];
}

const char *
tern_mime_part_get_param_value (TernMimePart *self, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_params, NULL);

  return self->params[2 * index + 1];
}

static const char *
find_param (const char **params, guint n, const char *name)
{
  for (guint i = 0; i < n; i++)
    if (g_ascii_strcasecmp (params[2 * i], name) == 0)
      return params[2 * i + 1];
  return NULL;
}

/* The Content-Type parameter @name (case-insensitive), raw; NULL if absent. */
const char *
tern_mime_part_get_param (TernMimePart *self, const char *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return find_param (self->params, self->n_params, name);
}

const char *
tern_mime_part_get_id (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->id;
}

const char *
tern_mime_part_get_description (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->description;
}

/* "base64", "quoted-printable", … lower-cased; NULL for multiparts. */
const char *
tern_mime_part_get_encoding (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->encoding;
}

/* Size in bytes of the encoded body; 0 for multiparts. */
guint64
tern_mime_part_get_size (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->size;
}

/* Lines of a text or message/rfc822 part; FALSE when not given. */
gboolean
tern_mime_part_get_lines (TernMimePart *self, guint64 *out_lines)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->has_lines)
    return FALSE;
  if (out_lines)
    *out_lines = self->lines;
  return TRUE;
}

/* The envelope of the message inside a message/rfc822 part, else NULL. */
TernImapEnvelope *
tern_mime_part_get_envelope (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->envelope;
}

/* Whether the server sent extension data (BODYSTRUCTURE does, BODY not). */
gboolean
tern_mime_part_has_extension_data (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->has_extension;
}

const char *
tern_mime_part_get_md5 (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->md5;
}

/* "attachment", "inline", … lower-cased; NULL if none. */
const char *
tern_mime_part_get_disposition (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->disposition;
}

guint
tern_mime_part_get_n_disposition_params (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_disposition_params;
}

const char *
tern_mime_part_get_disposition_param_name (TernMimePart *self, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_disposition_params, NULL);

  return self->disposition_params[2 * index];
}

const char *
tern_mime_part_get_disposition_param_value (TernMimePart *self, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_disposition_params, NULL);

  return self->disposition_params[2 * index + 1];
}

const char *
tern_mime_part_get_disposition_param (TernMimePart *self, const char *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return find_param (self->disposition_params, self->n_disposition_params, name);
}

/* Content-Language values, NULL-terminated; NULL if none. */
const char *const *
tern_mime_part_get_languages (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->languages;
}

const char *
tern_mime_part_get_location (TernMimePart *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->location;
}

/* The disposition's filename, else the type's name parameter; raw (RFC 2231
 * or 2047 encoded names are left for GMime). */
const char *
tern_mime_part_get_filename (TernMimePart *self)
{
  const char *name;

  g_return_val_if_fail (self != NULL, NULL);

  name = tern_mime_part_get_disposition_param (self, "filename");
  if (name == NULL)
    name = tern_mime_part_get_disposition_param (self, "filename*");
  if (name == NULL)
    name = tern_mime_part_get_param (self, "name");
  return name;
}

/* The tree of a BODYSTRUCTURE kept as text (tern_imap_value_to_string() of
 * the value, as the cache stores it), parsed with the same limits as the
 * wire. */
TernMimePart *
tern_mime_part_new_from_bodystructure_text (GBytes *text, GError **error)
{
  static const char prefix[] = "* 1 FETCH (BODYSTRUCTURE ";
  static const char suffix[] = ")\r\n";
  g_autoptr (TernImapParser) parser = NULL;
  g_autoptr (GPtrArray) out =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_response_unref);
  g_autoptr (GByteArray) wire = g_byte_array_new ();
  const TernImapValue *items;
  TernImapParserLimits limits;
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (text != NULL, NULL);

  data = g_bytes_get_data (text, &len);
  g_byte_array_append (wire, (const guint8 *) prefix, sizeof prefix - 1);
  g_byte_array_append (wire, data, (guint) len);
  g_byte_array_append (wire, (const guint8 *) suffix, sizeof suffix - 1);

  tern_imap_parser_limits_init (&limits);
  parser = tern_imap_parser_new (&limits);
  if (!tern_imap_parser_feed (parser, wire->data, wire->len, out, error))
    return NULL;
  if (out->len != 1)
    {
      g_set_error_literal (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                           "A cached BODYSTRUCTURE does not parse");
      return NULL;
    }
  items = tern_imap_value_get_child (tern_imap_response_get_args (out->pdata[0]), 0);
  if (tern_imap_value_get_n_children (items) < 2)
    {
      g_set_error_literal (error, TERN_IMAP_ERROR, TERN_IMAP_ERROR_PROTOCOL,
                           "A cached BODYSTRUCTURE is empty");
      return NULL;
    }
  return tern_mime_part_new_from_bodystructure (tern_imap_value_get_child (items, 1), error);
}
