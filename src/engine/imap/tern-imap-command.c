/* tern-imap-command.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapCommand: one client command, built from typed arguments and turned
 * into bytes only when the connection sends it, because the right bytes
 * depend on the tag and on what the connection has learnt (LITERAL+/LITERAL-,
 * UTF8=ACCEPT).
 *
 * Building never fails loudly: an invalid argument (an atom with a space, a
 * NUL in a string, an unbalanced list) is recorded as the command's error,
 * later arguments are ignored, and tern_imap_command_serialize() returns that
 * error. So a command built from server or user data cannot inject a second
 * command, and the caller checks once.
 *
 * Serialisation yields chunks separated by the points where a synchronising
 * literal needs the server's "+" before its bytes may follow. A large literal
 * payload (an APPEND message) is its own chunk and shares the caller's GBytes,
 * so a 50 MB message is never copied.
 *
 * Secret arguments (LOGIN's password, a SASL initial response) are rendered
 * as "***" in the trace, and every buffer that held them is wiped before it is
 * freed (DESIGN decision 10).
 *
 * Threading: a command is built and serialised by one thread at a time; the
 * reference count is atomic.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "tern-imap-command.h"
#include "tern-imap-utf7.h"

/* Longer strings go as literals: RFC 7162 §4 asks clients to keep command
 * lines (literals excluded) near 8192 octets, and servers limit them. */
#define QUOTED_MAX 1024
/* LITERAL- allows non-synchronising literals up to this size (RFC 7888). */
#define LITERAL_MINUS_MAX 4096
/* Literals up to this size are copied into the line; larger ones are sent
 * from the caller's GBytes. */
#define INLINE_LITERAL_MAX 4096
/* Literal contents up to this size appear in the trace. */
#define TRACE_LITERAL_MAX 256

typedef enum
{
  ARG_TEXT,        /* atom, flag, number, sequence set, date, raw: sent as is */
  ARG_ASTRING,     /* atom, quoted or literal */
  ARG_STRING,      /* quoted or literal */
  ARG_MAILBOX,     /* UTF-8 name: mUTF-7 or UTF-8 astring */
  ARG_MAILBOX_RAW, /* server bytes, as astring */
  ARG_LITERAL,     /* always a literal, payload possibly large */
  ARG_LITERAL8,    /* "~{n}" binary literal */
  ARG_LIST_OPEN,
  ARG_LIST_CLOSE,
} ArgKind;

typedef struct
{
  ArgKind kind;
  guint secret : 1;
  char *text;
  gsize len;
  GBytes *bytes;
} Arg;

struct _TernImapCommand
{
  gatomicrefcount ref_count;

  /* owned */
  char *name;
  GArray *args;
  GError *error;

  guint depth;
  guint sensitive : 1;
};

G_DEFINE_BOXED_TYPE (TernImapCommand,
                     tern_imap_command,
                     tern_imap_command_ref,
                     tern_imap_command_unref)

static void
wipe (void *data, gsize len)
{
  if (data != NULL && len > 0)
    explicit_bzero (data, len);
}

static void
arg_clear (gpointer data)
{
  Arg *arg = data;

  if (arg->secret && arg->text != NULL)
    wipe (arg->text, arg->len);
  g_clear_pointer (&arg->text, g_free);
  g_clear_pointer (&arg->bytes, g_bytes_unref);
}

static inline gboolean
is_atom_char (guchar c)
{
  if (c <= 0x1f || c >= 0x7f)
    return FALSE;

  switch (c)
    {
    case '(':
    case ')':
    case '{':
    case ' ':
    case '%':
    case '*':
    case '"':
    case '\\':
    case ']':
      return FALSE;
    default:
      return TRUE;
    }
}

static gboolean
is_atom (const char *s, gsize len)
{
  if (len == 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!is_atom_char ((guchar) s[i]))
      return FALSE;

  return TRUE;
}

/* "NAME" or "UID FETCH": atoms separated by single spaces. */
static gboolean
is_command_name (const char *name)
{
  const char *p = name;

  for (;;)
    {
      const char *end = strchr (p, ' ');
      gsize len = end ? (gsize) (end - p) : strlen (p);

      if (!is_atom (p, len))
        return FALSE;
      if (end == NULL)
        return TRUE;
      p = end + 1;
    }
}

static gboolean
is_nz_number (const char *s, gsize len)
{
  guint64 value = 0;

  if (len == 0 || len > 10 || s[0] == '0')
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      value = value * 10 + (guint64) (s[i] - '0');
    }

  return value <= G_MAXUINT32;
}

static gboolean
is_seq_number (const char *s, gsize len)
{
  return (len == 1 && s[0] == '*') || is_nz_number (s, len);
}

/* sequence-set from RFC 3501 §9, or "$" (SEARCHRES, RFC 5182). */
static gboolean
is_sequence_set (const char *set)
{
  const char *p = set;

  if (strcmp (set, "$") == 0)
    return TRUE;

  for (;;)
    {
      const char *comma = strchr (p, ',');
      gsize len = comma ? (gsize) (comma - p) : strlen (p);
      const char *colon = memchr (p, ':', len);

      if (colon != NULL)
        {
          gsize first = (gsize) (colon - p);

          if (!is_seq_number (p, first) || !is_seq_number (colon + 1, len - first - 1))
            return FALSE;
        }
      else if (!is_seq_number (p, len))
        {
          return FALSE;
        }

      if (comma == NULL)
        return TRUE;
      p = comma + 1;
    }
}

static gboolean
is_nil (const char *s, gsize len)
{
  return len == 3 && g_ascii_strncasecmp (s, "NIL", 3) == 0;
}

/* Raw fragments are written verbatim, so they must stay on one line. */
static gboolean
is_raw_fragment (const char *s)
{
  if (*s == '\0')
    return FALSE;

  for (; *s != '\0'; s++)
    if ((guchar) *s < 0x20 || (guchar) *s > 0x7e)
      return FALSE;

  return TRUE;
}

static char *
dup_printable (const char *s)
{
  g_autofree char *truncated = g_strndup (s, 64);

  return g_strescape (truncated, NULL);
}

G_GNUC_PRINTF (2, 3)
static void
set_error (TernImapCommand *self, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  if (self->error != NULL)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  self->error =
    g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s command: %s", self->name, message);
}

/**
 * tern_imap_command_new:
 * @name: the command name, one or more atoms separated by single spaces
 *   ("NOOP", "UID FETCH")
 *
 * Returns: (transfer full): a new command without arguments
 */
TernImapCommand *
tern_imap_command_new (const char *name)
{
  TernImapCommand *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_new0 (TernImapCommand, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->name = g_strdup (name);
  self->args = g_array_new (FALSE, TRUE, sizeof (Arg));
  g_array_set_clear_func (self->args, arg_clear);

  if (!is_command_name (name))
    {
      g_autofree char *printable = dup_printable (name);

      g_clear_pointer (&self->name, g_free);
      self->name = g_strdup ("(invalid)");
      set_error (self, "invalid command name “%s”", printable);
    }
  else if (g_ascii_strcasecmp (name, "LOGIN") == 0 ||
           g_ascii_strcasecmp (name, "AUTHENTICATE") == 0)
    {
      self->sensitive = TRUE;
    }

  return self;
}

TernImapCommand *
tern_imap_command_ref (TernImapCommand *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tern_imap_command_unref (TernImapCommand *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_pointer (&self->args, g_array_unref);
  g_clear_error (&self->error);
  g_free (self->name);
  g_free (self);
}

/**
 * tern_imap_command_get_name:
 *
 * Returns: the command name as given to tern_imap_command_new()
 */
const char *
tern_imap_command_get_name (TernImapCommand *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->name;
}

/**
 * tern_imap_command_is_sensitive:
 *
 * Returns: %TRUE for LOGIN, AUTHENTICATE and any command with a secret
 *   argument: its trace is redacted, and its SASL exchange must be too.
 */
gboolean
tern_imap_command_is_sensitive (TernImapCommand *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->sensitive;
}

/**
 * tern_imap_command_get_error:
 * @error: return location for the first building error
 *
 * Returns: %FALSE if an argument was invalid; the command cannot be sent
 */
gboolean
tern_imap_command_get_error (TernImapCommand *self, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->error != NULL)
    {
      if (error != NULL)
        *error = g_error_copy (self->error);
      return FALSE;
    }

  return TRUE;
}

static Arg *
push_arg (TernImapCommand *self, ArgKind kind)
{
  Arg arg = { 0 };

  arg.kind = kind;
  g_array_append_val (self->args, arg);

  return &g_array_index (self->args, Arg, self->args->len - 1);
}

static void
push_text (TernImapCommand *self, ArgKind kind, const char *text, gsize len, gboolean secret)
{
  Arg *arg = push_arg (self, kind);

  arg->text = g_malloc (len + 1);
  memcpy (arg->text, text, len);
  arg->text[len] = '\0';
  arg->len = len;
  arg->secret = secret;
  if (secret)
    self->sensitive = TRUE;
}

/**
 * tern_imap_command_add_atom:
 * @atom: a keyword or other atom ("UID", "FLAGS", "+FLAGS.SILENT")
 *
 * Adds an atom, which must match the atom grammar of RFC 3501.
 */
void
tern_imap_command_add_atom (TernImapCommand *self, const char *atom)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (atom != NULL);

  if (self->error != NULL)
    return;

  if (!is_atom (atom, strlen (atom)))
    {
      g_autofree char *printable = dup_printable (atom);

      set_error (self, "“%s” is not an IMAP atom", printable);
      return;
    }

  push_text (self, ARG_TEXT, atom, strlen (atom), FALSE);
}

/**
 * tern_imap_command_add_flag:
 * @flag: a system flag ("\\Seen") or a keyword ("$Forwarded")
 */
void
tern_imap_command_add_flag (TernImapCommand *self, const char *flag)
{
  const char *atom;

  g_return_if_fail (self != NULL);
  g_return_if_fail (flag != NULL);

  if (self->error != NULL)
    return;

  atom = flag[0] == '\\' ? flag + 1 : flag;
  if (!is_atom (atom, strlen (atom)))
    {
      g_autofree char *printable = dup_printable (flag);

      set_error (self, "“%s” is not an IMAP flag", printable);
      return;
    }

  push_text (self, ARG_TEXT, flag, strlen (flag), FALSE);
}

/**
 * tern_imap_command_add_number:
 * @number: a number (number64 where the extension allows it, e.g. MODSEQ)
 */
void
tern_imap_command_add_number (TernImapCommand *self, guint64 number)
{
  char buf[32];
  int len;

  g_return_if_fail (self != NULL);

  if (self->error != NULL)
    return;

  len = g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, number);
  push_text (self, ARG_TEXT, buf, (gsize) len, FALSE);
}

/**
 * tern_imap_command_add_sequence_set:
 * @set: a sequence or UID set ("1:*", "4,7:9,12") or "$"
 */
void
tern_imap_command_add_sequence_set (TernImapCommand *self, const char *set)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (set != NULL);

  if (self->error != NULL)
    return;

  if (!is_sequence_set (set))
    {
      g_autofree char *printable = dup_printable (set);

      set_error (self, "“%s” is not a sequence set", printable);
      return;
    }

  push_text (self, ARG_TEXT, set, strlen (set), FALSE);
}

/**
 * tern_imap_command_add_astring:
 * @str: any text without NUL
 *
 * Adds an astring in its cheapest correct form: an atom when it is one, a
 * quoted string when it is printable ASCII, a literal otherwise.
 */
void
tern_imap_command_add_astring (TernImapCommand *self, const char *str)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (str != NULL);

  if (self->error != NULL)
    return;

  push_text (self, ARG_ASTRING, str, strlen (str), FALSE);
}

/**
 * tern_imap_command_add_string:
 * @str: any text without NUL
 *
 * Like tern_imap_command_add_astring() for where the grammar wants a string
 * (never an atom): a quoted string or a literal.
 */
void
tern_imap_command_add_string (TernImapCommand *self, const char *str)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (str != NULL);

  if (self->error != NULL)
    return;

  push_text (self, ARG_STRING, str, strlen (str), FALSE);
}

void
tern_imap_command_add_nil (TernImapCommand *self)
{
  g_return_if_fail (self != NULL);

  if (self->error != NULL)
    return;

  push_text (self, ARG_TEXT, "NIL", 3, FALSE);
}

/**
 * tern_imap_command_add_mailbox:
 * @utf8_name: a mailbox name (or LIST pattern) in UTF-8
 *
 * Adds a mailbox name, encoded at serialisation time: modified UTF-7 unless
 * the connection has enabled UTF8=ACCEPT, then UTF-8 (quoted or literal).
 * "%" and "*" are sent quoted, where LIST still reads them as wildcards.
 */
void
tern_imap_command_add_mailbox (TernImapCommand *self, const char *utf8_name)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (utf8_name != NULL);

  if (self->error != NULL)
    return;

  if (!g_utf8_validate (utf8_name, -1, NULL))
    {
      set_error (self, "mailbox name is not valid UTF-8");
      return;
    }

  push_text (self, ARG_MAILBOX, utf8_name, strlen (utf8_name), FALSE);
}

/**
 * tern_imap_command_add_mailbox_raw:
 * @wire_name: a mailbox name exactly as the server sent it (e.g. in LIST)
 * @len: its length
 *
 * Sends those bytes back as an astring, with no encoding: for a name that did
 * not decode as modified UTF-7, or whenever the wire name is at hand.
 */
void
tern_imap_command_add_mailbox_raw (TernImapCommand *self, const char *wire_name, gsize len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (wire_name != NULL || len == 0);

  if (self->error != NULL)
    return;

  if (len > 0 && memchr (wire_name, '\0', len) != NULL)
    {
      set_error (self, "mailbox name contains NUL");
      return;
    }

  push_text (self, ARG_MAILBOX_RAW, len > 0 ? wire_name : "", len, FALSE);
}

static const char *const month_names[] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static gboolean
check_year (TernImapCommand *self, GDateTime *date)
{
  int year = g_date_time_get_year (date);

  if (year < 1000 || year > 9999)
    {
      set_error (self, "year %d cannot be written in IMAP", year);
      return FALSE;
    }

  return TRUE;
}

/**
 * tern_imap_command_add_date:
 * @date: a date, for SEARCH (SINCE, BEFORE, ON…)
 *
 * Adds "d-Mon-yyyy" with English month names whatever the locale.
 */
void
tern_imap_command_add_date (TernImapCommand *self, GDateTime *date)
{
  g_autofree char *text = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (date != NULL);

  if (self->error != NULL || !check_year (self, date))
    return;

  text =
    g_strdup_printf ("%d-%s-%04d", g_date_time_get_day_of_month (date),
                     month_names[g_date_time_get_month (date) - 1], g_date_time_get_year (date));
  push_text (self, ARG_TEXT, text, strlen (text), FALSE);
}

/**
 * tern_imap_command_add_date_time:
 * @date_time: a moment with its UTC offset, for APPEND's internal date
 *
 * Adds "\"dd-Mon-yyyy hh:mm:ss +hhmm\"" (date-time, RFC 3501 §9).
 */
void
tern_imap_command_add_date_time (TernImapCommand *self, GDateTime *date_time)
{
  g_autofree char *text = NULL;
  GTimeSpan offset;
  gint64 offset_minutes;

  g_return_if_fail (self != NULL);
  g_return_if_fail (date_time != NULL);

  if (self->error != NULL || !check_year (self, date_time))
    return;

  offset = g_date_time_get_utc_offset (date_time);
  offset_minutes = (offset < 0 ? -offset : offset) / G_TIME_SPAN_MINUTE;
  text = g_strdup_printf ("\"%2d-%s-%04d %02d:%02d:%02d %c%02d%02d\"",
                          g_date_time_get_day_of_month (date_time),
                          month_names[g_date_time_get_month (date_time) - 1],
                          g_date_time_get_year (date_time), g_date_time_get_hour (date_time),
                          g_date_time_get_minute (date_time), g_date_time_get_second (date_time),
                          offset < 0 ? '-' : '+', (int) (offset_minutes / 60),
                          (int) (offset_minutes % 60));
  push_text (self, ARG_TEXT, text, strlen (text), FALSE);
}

/**
 * tern_imap_command_add_raw:
 * @fragment: printable ASCII written verbatim, e.g. a FETCH item list
 *   "(UID FLAGS BODY.PEEK[HEADER.FIELDS (DATE FROM)])"
 *
 * For syntax the typed helpers do not cover. The caller owns its grammar;
 * only CR, LF, NUL and 8-bit bytes are refused, so it cannot end the line.
 */
void
tern_imap_command_add_raw (TernImapCommand *self, const char *fragment)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (fragment != NULL);

  if (self->error != NULL)
    return;

  if (!is_raw_fragment (fragment))
    {
      g_autofree char *printable = dup_printable (fragment);

      set_error (self, "raw fragment “%s” is empty or not printable ASCII", printable);
      return;
    }

  push_text (self, ARG_TEXT, fragment, strlen (fragment), FALSE);
}

/**
 * tern_imap_command_begin_list:
 *
 * Opens a parenthesised list; the following arguments are its elements until
 * tern_imap_command_end_list().
 */
void
tern_imap_command_begin_list (TernImapCommand *self)
{
  g_return_if_fail (self != NULL);

  if (self->error != NULL)
    return;

  push_arg (self, ARG_LIST_OPEN);
  self->depth++;
}

void
tern_imap_command_end_list (TernImapCommand *self)
{
  g_return_if_fail (self != NULL);

  if (self->error != NULL)
    return;

  if (self->depth == 0)
    {
      set_error (self, "list closed but none is open");
      return;
    }

  push_arg (self, ARG_LIST_CLOSE);
  self->depth--;
}

static void
push_literal (TernImapCommand *self, ArgKind kind, GBytes *bytes)
{
  Arg *arg;
  gsize size = g_bytes_get_size (bytes);

  /* Literal sizes are "number" in IMAP4rev1: 32 bits. */
  if (size > G_MAXUINT32)
    {
      set_error (self, "a literal of %" G_GSIZE_FORMAT " octets is too large", size);
      return;
    }

  arg = push_arg (self, kind);
  arg->bytes = g_bytes_ref (bytes);
  arg->len = size;
}

/**
 * tern_imap_command_add_literal:
 * @bytes: the payload, e.g. a whole message for APPEND
 *
 * Adds a literal, never copied. A NUL anywhere is an error: IMAP4rev1
 * literals cannot carry it (use tern_imap_command_add_literal8() with BINARY).
 */
void
tern_imap_command_add_literal (TernImapCommand *self, GBytes *bytes)
{
  gsize size;
  const char *data;

  g_return_if_fail (self != NULL);
  g_return_if_fail (bytes != NULL);

  if (self->error != NULL)
    return;

  data = g_bytes_get_data (bytes, &size);
  if (size > 0 && memchr (data, '\0', size) != NULL)
    {
      set_error (self, "a literal cannot contain NUL (needs BINARY and literal8)");
      return;
    }

  push_literal (self, ARG_LITERAL, bytes);
}

/**
 * tern_imap_command_add_literal8:
 * @bytes: any octets
 *
 * Adds a "~{n}" literal8 (RFC 3516): only for APPEND when the server
 * announced BINARY.
 */
void
tern_imap_command_add_literal8 (TernImapCommand *self, GBytes *bytes)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (bytes != NULL);

  if (self->error != NULL)
    return;

  push_literal (self, ARG_LITERAL8, bytes);
}

/**
 * tern_imap_command_add_secret_astring:
 * @secret: e.g. LOGIN's password
 *
 * Like tern_imap_command_add_astring(), but rendered as "***" in the trace
 * and wiped from memory when the command and its chunks are freed.
 */
void
tern_imap_command_add_secret_astring (TernImapCommand *self, const char *secret)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (secret != NULL);

  if (self->error != NULL)
    return;

  push_text (self, ARG_ASTRING, secret, strlen (secret), TRUE);
}

/**
 * tern_imap_command_add_secret_atom:
 * @secret: e.g. a SASL initial response in base64
 *
 * An atom that is rendered as "***" in the trace and wiped when freed.
 */
void
tern_imap_command_add_secret_atom (TernImapCommand *self, const char *secret)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (secret != NULL);

  if (self->error != NULL)
    return;

  /* Never echo the value in the error. */
  if (!is_atom (secret, strlen (secret)))
    {
      set_error (self, "a secret argument is not an atom");
      return;
    }

  push_text (self, ARG_TEXT, secret, strlen (secret), TRUE);
}

/* Serialisation --------------------------------------------------------- */

typedef struct
{
  guint8 *data;
  gsize alloc;
} SecureBlock;

static void
secure_block_free (gpointer data)
{
  SecureBlock *block = data;

  wipe (block->data, block->alloc);
  g_free (block->data);
  g_free (block);
}

typedef struct
{
  GPtrArray *chunks;
  GString *trace;

  /* The line being built; grown by hand so that, for a sensitive command,
   * no copy of a secret is left behind in freed memory. */
  guint8 *data;
  gsize len;
  gsize alloc;
  gboolean secure;
} Writer;

static void
writer_reserve (Writer *w, gsize extra)
{
  guint8 *data;
  gsize alloc;

  if (w->alloc - w->len >= extra)
    return;

  alloc = MAX (w->alloc * 2, w->len + extra);
  alloc = MAX (alloc, 256);
  data = g_malloc (alloc);
  if (w->len > 0)
    memcpy (data, w->data, w->len);
  if (w->secure)
    wipe (w->data, w->alloc);
  g_free (w->data);
  w->data = data;
  w->alloc = alloc;
}

static void
writer_append (Writer *w, const void *data, gsize len)
{
  writer_reserve (w, len);
  if (len > 0)
    memcpy (w->data + w->len, data, len);
  w->len += len;
}

static inline void
writer_append_c (Writer *w, char c)
{
  writer_append (w, &c, 1);
}

static void
writer_push_chunk (Writer *w, GBytes *bytes, gboolean wait)
{
  TernImapChunk *chunk = g_new0 (TernImapChunk, 1);

  chunk->bytes = bytes;
  chunk->wait_for_continuation = wait;
  g_ptr_array_add (w->chunks, chunk);
}

/* Ends the current chunk, even when empty if it must be followed by a wait
 * (which cannot happen: a wait always follows a literal header). */
static void
writer_flush (Writer *w, gboolean wait)
{
  GBytes *bytes;

  if (w->len == 0 && !wait)
    return;

  if (w->secure)
    {
      SecureBlock *block = g_new0 (SecureBlock, 1);

      block->data = g_steal_pointer (&w->data);
      block->alloc = w->alloc;
      bytes = g_bytes_new_with_free_func (block->data, w->len, secure_block_free, block);
    }
  else
    {
      bytes = g_bytes_new_take (g_steal_pointer (&w->data), w->len);
    }

  w->len = 0;
  w->alloc = 0;
  writer_push_chunk (w, bytes, wait);
}

static void
writer_clear (Writer *w)
{
  if (w->secure)
    wipe (w->data, w->alloc);
  g_clear_pointer (&w->data, g_free);
  g_clear_pointer (&w->chunks, g_ptr_array_unref);
  if (w->trace != NULL)
    g_string_free (g_steal_pointer (&w->trace), TRUE);
}

static void
trace_append (Writer *w, const char *text, gssize len)
{
  if (w->trace != NULL)
    g_string_append_len (w->trace, text, len);
}

/* Literal contents in the trace: one line, control characters escaped. */
static void
trace_append_literal (Writer *w, const char *data, gsize len)
{
  gboolean utf8;

  if (w->trace == NULL)
    return;

  if (len > TRACE_LITERAL_MAX)
    {
      g_string_append_printf (w->trace, "<%" G_GSIZE_FORMAT " octets>", len);
      return;
    }

  utf8 = g_utf8_validate (data, (gssize) len, NULL);
  g_string_append_c (w->trace, '<');
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) data[i];

      if (c == '\r')
        g_string_append (w->trace, "\\r");
      else if (c == '\n')
        g_string_append (w->trace, "\\n");
      else if (c == '\\' || c == '>')
        g_string_append_printf (w->trace, "\\%c", c);
      else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
        g_string_append_printf (w->trace, "\\x%02x", c);
      else
        g_string_append_c (w->trace, (char) c);
    }
  g_string_append_c (w->trace, '>');
}

static void
write_literal_header (Writer *w, gsize size, gboolean literal8, TernImapLiteralMode mode)
{
  char header[40];
  gboolean sync;
  int len;

  switch (mode)
    {
    case TERN_IMAP_LITERAL_PLUS:
      sync = FALSE;
      break;
    case TERN_IMAP_LITERAL_MINUS:
      sync = size > LITERAL_MINUS_MAX;
      break;
    case TERN_IMAP_LITERAL_SYNC:
    default:
      sync = TRUE;
      break;
    }

  len = g_snprintf (header, sizeof header, "%s{%" G_GSIZE_FORMAT "%s}", literal8 ? "~" : "", size,
                    sync ? "" : "+");
  writer_append (w, header, (gsize) len);
  writer_append (w, "\r\n", 2);
  trace_append (w, header, len);

  if (sync)
    writer_flush (w, TRUE);
}

typedef enum
{
  FORM_ATOM,
  FORM_QUOTED,
  FORM_LITERAL,
} StringForm;

static gboolean
is_quotable (const char *s, gsize len, gboolean utf8_allowed)
{
  gboolean has_8bit = FALSE;

  if (len > QUOTED_MAX)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) s[i];

      if (c >= 0x80)
        has_8bit = TRUE;
      else if (c < 0x20 || c == 0x7f)
        return FALSE;
    }

  /* RFC 6855 §3: with UTF8=ACCEPT, quoted strings may hold UTF-8. */
  return !has_8bit || (utf8_allowed && g_utf8_validate (s, (gssize) len, NULL));
}

static StringForm
choose_form (const char *s, gsize len, gboolean atom_allowed, gboolean utf8_allowed)
{
  /* "]" is an ASTRING-CHAR, but quoting it costs two bytes and spares
   * servers whose parsers take it for the end of a section or code. */
  if (atom_allowed && is_atom (s, len) && !is_nil (s, len))
    return FORM_ATOM;

  if (is_quotable (s, len, utf8_allowed))
    return FORM_QUOTED;

  return FORM_LITERAL;
}

static void
write_string (Writer *w,
              const char *s,
              gsize len,
              gboolean atom_allowed,
              gboolean utf8_allowed,
              gboolean secret,
              TernImapLiteralMode mode)
{
  /* A secret never reaches the trace, not even a buffer it then leaves. */
  GString *trace = w->trace;

  if (secret)
    w->trace = NULL;

  switch (choose_form (s, len, atom_allowed, utf8_allowed))
    {
    case FORM_ATOM:
      writer_append (w, s, len);
      trace_append (w, s, (gssize) len);
      break;

    case FORM_QUOTED:
      writer_append_c (w, '"');
      for (gsize i = 0; i < len; i++)
        {
          if (s[i] == '"' || s[i] == '\\')
            writer_append_c (w, '\\');
          writer_append_c (w, s[i]);
        }
      writer_append_c (w, '"');
      if (w->trace != NULL)
        {
          g_string_append_c (w->trace, '"');
          for (gsize i = 0; i < len; i++)
            {
              if (s[i] == '"' || s[i] == '\\')
                g_string_append_c (w->trace, '\\');
              g_string_append_c (w->trace, s[i]);
            }
          g_string_append_c (w->trace, '"');
        }
      break;

    case FORM_LITERAL:
    default:
      write_literal_header (w, len, FALSE, mode);
      writer_append (w, s, len);
      trace_append_literal (w, s, len);
      break;
    }

  w->trace = trace;
  if (secret)
    trace_append (w, "***", 3);
}

static void
write_literal_payload (Writer *w, GBytes *bytes, gboolean literal8, TernImapLiteralMode mode)
{
  gsize size = g_bytes_get_size (bytes);

  write_literal_header (w, size, literal8, mode);
  if (size <= INLINE_LITERAL_MAX)
    {
      writer_append (w, g_bytes_get_data (bytes, NULL), size);
    }
  else
    {
      writer_flush (w, FALSE);
      writer_push_chunk (w, g_bytes_ref (bytes), FALSE);
    }

  if (w->trace != NULL)
    g_string_append_printf (w->trace, "<%" G_GSIZE_FORMAT " octets>", size);
}

static gboolean
is_tag (const char *tag)
{
  if (*tag == '\0')
    return FALSE;

  for (const char *p = tag; *p != '\0'; p++)
    if (*p == '+' || !(is_atom_char ((guchar) *p) || *p == ']'))
      return FALSE;

  return TRUE;
}

/**
 * tern_imap_command_serialize:
 * @tag: the tag the connection assigned (an atom without "+")
 * @mode: how literals may be sent on this connection
 * @utf8_accept: whether UTF8=ACCEPT is enabled (affects mailbox arguments)
 * @out_trace: (out) (optional): one-line rendering for the protocol trace,
 *   without the final CRLF; secrets replaced by "***", large literals by
 *   "<n octets>"
 * @error: return location for the command's building error
 *
 * Renders the command as the chunks to write, in order. After a chunk whose
 * wait_for_continuation is set, the connection must read until the server's
 * "+" before writing the next chunk. The last chunk ends with CRLF and never
 * waits. Chunks of a sensitive command wipe their memory when freed.
 *
 * Returns: (transfer full) (element-type TernImapChunk): the chunks, or %NULL
 *   if the command is invalid
 */
GPtrArray *
tern_imap_command_serialize (TernImapCommand *self,
                             const char *tag,
                             TernImapLiteralMode mode,
                             gboolean utf8_accept,
                             char **out_trace,
                             GError **error)
{
  Writer w = { 0 };
  gboolean need_space = TRUE;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (tag != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!tern_imap_command_get_error (self, error))
    return NULL;

  if (self->depth != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s command: %u list(s) left open", self->name, self->depth);
      return NULL;
    }

  if (!is_tag (tag))
    {
      g_autofree char *printable = dup_printable (tag);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "invalid tag “%s”", printable);
      return NULL;
    }

  w.chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) tern_imap_chunk_free);
  w.secure = self->sensitive;
  if (out_trace != NULL)
    w.trace = g_string_new (NULL);

  writer_append (&w, tag, strlen (tag));
  writer_append_c (&w, ' ');
  writer_append (&w, self->name, strlen (self->name));
  trace_append (&w, tag, -1);
  trace_append (&w, " ", 1);
  trace_append (&w, self->name, -1);

  for (guint i = 0; i < self->args->len; i++)
    {
      const Arg *arg = &g_array_index (self->args, Arg, i);

      if (arg->kind == ARG_LIST_CLOSE)
        {
          writer_append_c (&w, ')');
          trace_append (&w, ")", 1);
          need_space = TRUE;
          continue;
        }

      if (need_space)
        {
          writer_append_c (&w, ' ');
          trace_append (&w, " ", 1);
        }
      need_space = TRUE;

      switch (arg->kind)
        {
        case ARG_LIST_OPEN:
          writer_append_c (&w, '(');
          trace_append (&w, "(", 1);
          need_space = FALSE;
          break;

        case ARG_TEXT:
          writer_append (&w, arg->text, arg->len);
          trace_append (&w, arg->secret ? "***" : arg->text, -1);
          break;

        case ARG_ASTRING:
        case ARG_MAILBOX_RAW:
          write_string (&w, arg->text, arg->len, TRUE, FALSE, arg->secret, mode);
          break;

        case ARG_STRING:
          write_string (&w, arg->text, arg->len, FALSE, FALSE, arg->secret, mode);
          break;

        case ARG_MAILBOX:
          if (utf8_accept)
            {
              write_string (&w, arg->text, arg->len, TRUE, TRUE, FALSE, mode);
            }
          else
            {
              g_autofree char *encoded = tern_imap_utf7_encode (arg->text);

              write_string (&w, encoded, strlen (encoded), TRUE, FALSE, FALSE, mode);
            }
          break;

        case ARG_LITERAL:
        case ARG_LITERAL8:
          write_literal_payload (&w, arg->bytes, arg->kind == ARG_LITERAL8, mode);
          break;

        case ARG_LIST_CLOSE:
        default:
          g_assert_not_reached ();
        }
    }

  writer_append (&w, "\r\n", 2);
  writer_flush (&w, FALSE);

  if (out_trace != NULL)
    *out_trace = g_string_free (g_steal_pointer (&w.trace), FALSE);

  {
    GPtrArray *chunks = g_steal_pointer (&w.chunks);

    writer_clear (&w);
    return chunks;
  }
}

void
tern_imap_chunk_free (TernImapChunk *chunk)
{
  if (chunk == NULL)
    return;

  g_clear_pointer (&chunk->bytes, g_bytes_unref);
  g_free (chunk);
}
