/* tern-imap-capabilities.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapCapabilities: what a server says it can do (or, from ENABLED, what
 * it has switched on). "AUTH=PLAIN" and "COMPRESS=DEFLATE" are kept whole;
 * has_auth() and get_value() look inside the "=".
 *
 * Threading: immutable after construction.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include "tern-imap-capabilities.h"
#include "tern-imap-response-private.h"

struct _TernImapCapabilities
{
  gatomicrefcount ref_count;
  char **names;      /* as sent */
  char **mechanisms; /* the part after "AUTH=", as sent */
  guint n_names;
};

G_DEFINE_BOXED_TYPE (TernImapCapabilities,
                     tern_imap_capabilities,
                     tern_imap_capabilities_ref,
                     tern_imap_capabilities_unref)

TernImapCapabilities *
tern_imap_capabilities_new (const char *const *names)
{
  TernImapCapabilities *self = g_new0 (TernImapCapabilities, 1);
  GPtrArray *mechanisms = g_ptr_array_new ();

  g_atomic_ref_count_init (&self->ref_count);
  self->names = g_strdupv ((char **) names);
  if (self->names == NULL)
    self->names = g_new0 (char *, 1);
  self->n_names = g_strv_length (self->names);

  for (guint i = 0; i < self->n_names; i++)
    if (g_ascii_strncasecmp (self->names[i], "AUTH=", 5) == 0 && self->names[i][5] != '\0')
      g_ptr_array_add (mechanisms, g_strdup (self->names[i] + 5));
  g_ptr_array_add (mechanisms, NULL);
  self->mechanisms = (char **) g_ptr_array_free (mechanisms, FALSE);

  return self;
}

static TernImapCapabilities *
new_from_atoms (const TernImapValue *list, const char *what, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < list->len; i++)
    {
      const TernImapValue *name = &list->u.children[i];

      if (name->type != TERN_IMAP_VALUE_ATOM)
        {
          _tern_imap_set_malformed (error, what, "a capability is not an atom");
          return NULL;
        }
      g_ptr_array_add (names, (gpointer) name->u.str);
    }
  g_ptr_array_add (names, NULL);

  return tern_imap_capabilities_new ((const char *const *) names->pdata);
}

/* From "* CAPABILITY ...", "* ENABLED ...", or any status response that carries
 * a [CAPABILITY …] code (the greeting, the tagged OK to LOGIN/AUTHENTICATE). */
TernImapCapabilities *
tern_imap_capabilities_new_from_response (TernImapResponse *response, GError **error)
{
  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  switch ((TernImapDataType) response->data_type)
    {
    case TERN_IMAP_DATA_CAPABILITY:
      return new_from_atoms (&response->args, "CAPABILITY", error);
    case TERN_IMAP_DATA_ENABLED:
      return new_from_atoms (&response->args, "ENABLED", error);
    case TERN_IMAP_DATA_NONE:
      if (tern_imap_response_has_code (response, "CAPABILITY"))
        return new_from_atoms (&response->code_args, "CAPABILITY", error);
      break;
    default:
      break;
    }

  _tern_imap_set_malformed (error, "capabilities", "the response carries none");
  return NULL;
}

TernImapCapabilities *
tern_imap_capabilities_ref (TernImapCapabilities *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_imap_capabilities_unref (TernImapCapabilities *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_strfreev (self->names);
  g_strfreev (self->mechanisms);
  g_free (self);
}

/* Whether @name ("IDLE", "AUTH=PLAIN", "COMPRESS=DEFLATE") is in the set. */
gboolean
tern_imap_capabilities_has (TernImapCapabilities *self, const char *name)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < self->n_names; i++)
    if (g_ascii_strcasecmp (self->names[i], name) == 0)
      return TRUE;

  return FALSE;
}

gboolean
tern_imap_capabilities_has_auth (TernImapCapabilities *self, const char *mechanism)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (mechanism != NULL, FALSE);

  for (guint i = 0; self->mechanisms[i] != NULL; i++)
    if (g_ascii_strcasecmp (self->mechanisms[i], mechanism) == 0)
      return TRUE;

  return FALSE;
}

/* The SASL mechanisms of the AUTH=… capabilities, in the server's order. */
const char *const *
tern_imap_capabilities_get_auth_mechanisms (TernImapCapabilities *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char *const *) self->mechanisms;
}

/* For "NAME=value" capabilities: the value of the first one ("APPENDLIMIT"
 * → "35651584"); "" when the capability is there without "="; NULL when it
 * is absent. */
const char *
tern_imap_capabilities_get_value (TernImapCapabilities *self, const char *name)
{
  gsize len;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  len = strlen (name);
  for (guint i = 0; i < self->n_names; i++)
    {
      const char *cap = self->names[i];

      if (g_ascii_strncasecmp (cap, name, len) != 0)
        continue;
      if (cap[len] == '=')
        return cap + len + 1;
      if (cap[len] == '\0')
        return "";
    }

  return NULL;
}

/* Every capability, as the server spelt it, in its order. */
const char *const *
tern_imap_capabilities_get_names (TernImapCapabilities *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char *const *) self->names;
}

guint
tern_imap_capabilities_get_n_names (TernImapCapabilities *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_names;
}
