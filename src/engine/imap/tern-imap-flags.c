/* tern-imap-flags.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Flag lists: untagged FLAGS, FETCH FLAGS and [PERMANENTFLAGS]. Flags come
 * back as strings exactly as the server spelt them ("\Seen", "$Forwarded"),
 * with a mask of the system flags for callers that only need those.
 *
 * Threading: pure functions.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include "tern-imap-flags.h"
#include "tern-imap-response-private.h"

/* A parenthesised list of flags (atoms; a keyword spelt NIL reads as "NIL"). */
char **
tern_imap_flags_from_value (const TernImapValue *list, GError **error)
{
  char **flags;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_tern_imap_value_is (list, TERN_IMAP_VALUE_LIST))
    {
      _tern_imap_set_malformed (error, "flag list", "not a list");
      return NULL;
    }

  flags = g_new (char *, list->len + 1);
  for (guint i = 0; i < list->len; i++)
    {
      const TernImapValue *flag = &list->u.children[i];

      if (flag->type != TERN_IMAP_VALUE_ATOM && flag->type != TERN_IMAP_VALUE_NIL)
        {
          flags[i] = NULL;
          g_strfreev (flags);
          _tern_imap_set_malformed (error, "flag list", "a flag is not an atom");
          return NULL;
        }
      flags[i] = g_strndup (flag->u.str, flag->len);
    }
  flags[list->len] = NULL;

  return flags;
}

/* "* FLAGS (...)" */
char **
tern_imap_flags_parse (TernImapResponse *response, GError **error)
{
  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (response->data_type != TERN_IMAP_DATA_FLAGS || response->args.len != 1)
    {
      _tern_imap_set_malformed (error, "FLAGS", "expected \"* FLAGS (...)\"");
      return NULL;
    }

  return tern_imap_flags_from_value (&response->args.u.children[0], error);
}

/* The system flag @flag names (case-insensitively), or TERN_IMAP_FLAG_NONE
 * for a keyword or an unknown "\" flag. */
TernImapFlags
tern_imap_flag_from_string (const char *flag)
{
  static const struct
  {
    const char *name;
    TernImapFlags flag;
  } system[] = {
    { "\\Seen", TERN_IMAP_FLAG_SEEN },       { "\\Answered", TERN_IMAP_FLAG_ANSWERED },
    { "\\Flagged", TERN_IMAP_FLAG_FLAGGED }, { "\\Deleted", TERN_IMAP_FLAG_DELETED },
    { "\\Draft", TERN_IMAP_FLAG_DRAFT },     { "\\Recent", TERN_IMAP_FLAG_RECENT },
    { "\\*", TERN_IMAP_FLAG_ANY_KEYWORD },
  };

  g_return_val_if_fail (flag != NULL, TERN_IMAP_FLAG_NONE);

  if (flag[0] != '\\')
    return TERN_IMAP_FLAG_NONE;

  for (guint i = 0; i < G_N_ELEMENTS (system); i++)
    if (g_ascii_strcasecmp (flag, system[i].name) == 0)
      return system[i].flag;

  return TERN_IMAP_FLAG_NONE;
}

/* A keyword is any flag that does not start with "\". */
gboolean
tern_imap_flag_is_keyword (const char *flag)
{
  g_return_val_if_fail (flag != NULL, FALSE);

  return flag[0] != '\\' && flag[0] != '\0';
}

TernImapFlags
tern_imap_flags_get_system_flags (const char *const *flags)
{
  TernImapFlags mask = TERN_IMAP_FLAG_NONE;

  if (flags == NULL)
    return mask;

  for (guint i = 0; flags[i] != NULL; i++)
    mask |= tern_imap_flag_from_string (flags[i]);

  return mask;
}
