/* fuzz-imap-utf7.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* libFuzzer target for the modified UTF-7 codec. Mailbox names come from the
 * server, so the decoder must survive anything; and since it accepts only
 * the canonical form, whatever it decodes must encode back to the very same
 * bytes. In the other direction, any UTF-8 text must survive a round trip. */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/tern-imap-utf7.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *decoded = NULL;

  decoded = tern_imap_utf7_decode ((const char *) data, size, &error);
  if (decoded != NULL)
    {
      g_autofree char *encoded = tern_imap_utf7_encode (decoded);

      if (error != NULL || !g_utf8_validate (decoded, -1, NULL))
        abort ();
      if (strlen (encoded) != size || memcmp (encoded, data, size) != 0)
        abort ();
    }
  else if (error == NULL)
    {
      abort ();
    }

  if (memchr (data, '\0', size) == NULL &&
      g_utf8_validate ((const char *) data, (gssize) size, NULL))
    {
      g_autofree char *text = g_strndup ((const char *) data, size);
      g_autofree char *encoded = tern_imap_utf7_encode (text);
      g_autofree char *round_trip = tern_imap_utf7_decode (encoded, strlen (encoded), NULL);

      for (const char *p = encoded; *p != '\0'; p++)
        if (*p < 0x20 || *p > 0x7e)
          abort ();
      if (round_trip == NULL || strcmp (round_trip, text) != 0)
        abort ();
    }

  return 0;
}
