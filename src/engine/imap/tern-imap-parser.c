/* tern-imap-parser.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* TernImapParser works in two steps (DESIGN decisions 1 and 2):
 *
 * Framing, incremental: bytes from each read are appended to the current
 * response, line by line (memchr for LF) and literal by literal. A line that
 * ends in {n} or ~{n} announces a literal; its size is checked against the
 * limits before a single byte of it is stored, small literals go into the
 * line buffer and large ones into a buffer of their own that starts at no
 * more than 64 KiB and grows only as bytes arrive. Status responses and
 * continuations carry free text and never literals, so their line is never
 * searched for {n}.
 *
 * Tokenizing, once a response is complete: one pass over its lines builds the
 * value tree bottom-up with an explicit stack (no recursion, whatever the
 * nesting), into scratch arrays that the parser reuses; then the response is
 * allocated once, sized exactly, and the values and strings copied into it.
 *
 * After any error the parser is dead: the connection must be closed.
 */

#define G_LOG_DOMAIN "tern-imap"

#include "config.h"

#include <string.h>

#include "tern-imap-parser.h"
#include "tern-imap-response-private.h"

/* Literals up to this size are kept in the line buffer. */
#define INLINE_LITERAL_MAX ((gsize) 16 * 1024)
/* What a large literal's buffer starts with, whatever size was announced. */
#define LITERAL_INITIAL_RESERVE ((gsize) 64 * 1024)
/* Scratch buffers larger than this are released after each response. */
#define SCRATCH_KEEP_BYTES ((gsize) 1024 * 1024)
/* Value lengths are 32-bit. */
#define HARD_MAX_LENGTH ((gsize) G_MAXUINT32 - 1)

/* Bytes that may continue an atom without starting a [section]: anything but
 * SP ( ) " { [ and controls. Lenient on purpose: \ (flags), * and %, ] (astrings)
 * and 8-bit bytes (UTF-8 mailbox names) are all accepted. */
static const guint8 atom_plain[256] = {
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};
/* Bytes of a tag: atom bytes except + * % \ (RFC 3501 tag). */
static const guint8 tag_char[256] = {
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

enum
{
  SEG_LINE,    /* a line without its CRLF, in buf */
  SEG_LITERAL, /* a small literal, in buf */
  SEG_BIG,     /* a large literal, in bigs */
};

typedef struct
{
  guint8 kind;
  guint8 flags; /* TERN_IMAP_VALUE_FLAG_LITERAL / _LITERAL8 */
  guint32 big;  /* index in bigs */
  gsize offset;
  gsize len;
} Segment;

/* A value under construction: like TernImapValue, with offsets for pointers. */
typedef struct
{
  guint8 type;
  guint8 flags;
  guint32 len;
  gsize ref; /* pool offset (atom, string), bigs index (BYTES), final index (list) */
} Scratch;

struct _TernImapParser
{
  TernImapParserLimits limits;

  /* The response being framed */
  guint8 *buf;
  gsize buf_len;
  gsize buf_alloc;
  GArray *segments; /* of Segment */
  GPtrArray *bigs;  /* of GBytes */
  gsize line_start;
  gsize line_bytes;     /* outside literals, for max_line_length */
  gsize response_bytes; /* everything, for max_response_size */

  /* The literal being received */
  gsize literal_size;
  gsize literal_remaining;
  gsize literal_offset; /* in buf, for a small literal */
  guint8 *big;          /* for a large one */
  gsize big_len;
  gsize big_alloc;

  guint in_literal : 1;
  guint literal8 : 1;
  guint literal_big : 1;
  guint text_mode : 1; /* the first line is a status response or a continuation */
  guint dead : 1;
  GError *error;

  /* Tokenizer scratch, reused from response to response */
  Scratch *pending; /* values of the lists still open */
  gsize n_pending;
  gsize pending_alloc;
  Scratch *final; /* values of closed lists, each list's children together */
  gsize n_final;
  gsize final_alloc;
  gsize *frames; /* for each open list, where its children start in pending */
  guint n_frames;
  guint frames_alloc;
  char *pool;
  gsize pool_len;
  gsize pool_alloc;
};

/* -- limits ---------------------------------------------------------------- */

void
tern_imap_parser_limits_init (TernImapParserLimits *limits)
{
  g_return_if_fail (limits != NULL);

  limits->max_line_length = TERN_IMAP_PARSER_DEFAULT_MAX_LINE_LENGTH;
  limits->max_literal_size = TERN_IMAP_PARSER_DEFAULT_MAX_LITERAL_SIZE;
  limits->max_response_size = TERN_IMAP_PARSER_DEFAULT_MAX_RESPONSE_SIZE;
  limits->max_depth = TERN_IMAP_PARSER_DEFAULT_MAX_DEPTH;
  limits->max_list_items = TERN_IMAP_PARSER_DEFAULT_MAX_LIST_ITEMS;
}

/* Values are clamped to what the representation can hold (32-bit lengths,
 * at least one level of nesting). */
static void
clamp_limits (TernImapParserLimits *limits)
{
  limits->max_line_length = CLAMP (limits->max_line_length, 16, HARD_MAX_LENGTH);
  limits->max_literal_size = MIN (limits->max_literal_size, HARD_MAX_LENGTH);
  limits->max_response_size = MAX (limits->max_response_size, 16);
  limits->max_depth = CLAMP (limits->max_depth, 1, G_MAXUINT / 2);
  limits->max_list_items = MAX (limits->max_list_items, 1);
}

void
tern_imap_parser_get_limits (TernImapParser *self, TernImapParserLimits *out_limits)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (out_limits != NULL);

  *out_limits = self->limits;
}

/* New limits apply from the next check on, the current response included. */
void
tern_imap_parser_set_limits (TernImapParser *self, const TernImapParserLimits *limits)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (limits != NULL);

  self->limits = *limits;
  clamp_limits (&self->limits);
}

void
tern_imap_parser_set_max_line_length (TernImapParser *self, gsize max_line_length)
{
  g_return_if_fail (self != NULL);

  self->limits.max_line_length = max_line_length;
  clamp_limits (&self->limits);
}

void
tern_imap_parser_set_max_literal_size (TernImapParser *self, gsize max_literal_size)
{
  g_return_if_fail (self != NULL);

  self->limits.max_literal_size = max_literal_size;
  clamp_limits (&self->limits);
}

void
tern_imap_parser_set_max_response_size (TernImapParser *self, gsize max_response_size)
{
  g_return_if_fail (self != NULL);

  self->limits.max_response_size = max_response_size;
  clamp_limits (&self->limits);
}

void
tern_imap_parser_set_max_depth (TernImapParser *self, guint max_depth)
{
  g_return_if_fail (self != NULL);

  self->limits.max_depth = max_depth;
  clamp_limits (&self->limits);
}

void
tern_imap_parser_set_max_list_items (TernImapParser *self, guint max_list_items)
{
  g_return_if_fail (self != NULL);

  self->limits.max_list_items = max_list_items;
  clamp_limits (&self->limits);
}

/* -- lifecycle ------------------------------------------------------------- */

/* @limits may be NULL for the defaults. */
TernImapParser *
tern_imap_parser_new (const TernImapParserLimits *limits)
{
  TernImapParser *self = g_new0 (TernImapParser, 1);

  if (limits != NULL)
    self->limits = *limits;
  else
    tern_imap_parser_limits_init (&self->limits);
  clamp_limits (&self->limits);

  self->segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  self->bigs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  return self;
}

static void
release_scratch (TernImapParser *self, gboolean all)
{
  if (all || self->buf_alloc > SCRATCH_KEEP_BYTES)
    {
      g_clear_pointer (&self->buf, g_free);
      self->buf_alloc = 0;
    }
  if (all || self->pool_alloc > SCRATCH_KEEP_BYTES)
    {
      g_clear_pointer (&self->pool, g_free);
      self->pool_alloc = 0;
    }
  if (all || self->pending_alloc * sizeof (Scratch) > SCRATCH_KEEP_BYTES)
    {
      g_clear_pointer (&self->pending, g_free);
      self->pending_alloc = 0;
    }
  if (all || self->final_alloc * sizeof (Scratch) > SCRATCH_KEEP_BYTES)
    {
      g_clear_pointer (&self->final, g_free);
      self->final_alloc = 0;
    }
  if (all || self->frames_alloc > 4096)
    {
      g_clear_pointer (&self->frames, g_free);
      self->frames_alloc = 0;
    }
}

/* Forgets the response being framed, if any. */
static void
clear_response (TernImapParser *self)
{
  self->buf_len = 0;
  if (self->segments->len > 4096)
    {
      /* do not keep a large array around after a response with many literals */
      g_array_unref (self->segments);
      self->segments = g_array_new (FALSE, FALSE, sizeof (Segment));
    }
  g_array_set_size (self->segments, 0);
  g_ptr_array_set_size (self->bigs, 0);
  self->line_start = 0;
  self->line_bytes = 0;
  self->response_bytes = 0;
  self->in_literal = FALSE;
  self->literal8 = FALSE;
  self->literal_big = FALSE;
  self->text_mode = FALSE;
  self->literal_size = 0;
  self->literal_remaining = 0;
  g_clear_pointer (&self->big, g_free);
  self->big_len = 0;
  self->big_alloc = 0;
}

void
tern_imap_parser_free (TernImapParser *self)
{
  if (self == NULL)
    return;

  clear_response (self);
  release_scratch (self, TRUE);
  g_array_unref (self->segments);
  g_ptr_array_unref (self->bigs);
  g_clear_error (&self->error);
  g_free (self);
}

/* Drops any partly received response and revives a failed parser. Used after
 * STARTTLS, where everything received before the handshake is discarded. */
void
tern_imap_parser_reset (TernImapParser *self)
{
  g_return_if_fail (self != NULL);

  clear_response (self);
  release_scratch (self, FALSE);
  self->dead = FALSE;
  g_clear_error (&self->error);
}

/* TRUE when no partial response is buffered: the bytes fed so far ended
 * exactly at the end of a response. */
gboolean
tern_imap_parser_is_idle (TernImapParser *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return !self->dead && self->buf_len == 0 && !self->in_literal && self->segments->len == 0;
}

gboolean
tern_imap_parser_is_failed (TernImapParser *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return self->dead;
}

/* While a literal is arriving: how much of it has, and its announced size
 * (for progress of large downloads). FALSE between literals. */
gboolean
tern_imap_parser_get_literal_progress (TernImapParser *self, gsize *out_received, gsize *out_size)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->in_literal)
    return FALSE;

  if (out_received)
    *out_received = self->literal_size - self->literal_remaining;
  if (out_size)
    *out_size = self->literal_size;
  return TRUE;
}

/* -- buffers ---------------------------------------------------------------- */

static gsize
grow_size (gsize alloc, gsize needed, gsize minimum)
{
  gsize size = MAX (alloc, minimum);

  while (size < needed)
    size = size > G_MAXSIZE / 2 ? needed : size * 2;
  return size;
}

static inline void
buf_reserve (TernImapParser *self, gsize extra)
{
  if (self->buf_len + extra > self->buf_alloc)
    {
      self->buf_alloc = grow_size (self->buf_alloc, self->buf_len + extra, 4096);
      self->buf = g_realloc (self->buf, self->buf_alloc);
    }
}

static inline void
pool_reserve (TernImapParser *self, gsize extra)
{
  if (self->pool_len + extra > self->pool_alloc)
    {
      self->pool_alloc = grow_size (self->pool_alloc, self->pool_len + extra, 4096);
      self->pool = g_realloc (self->pool, self->pool_alloc);
    }
}

static inline void
pending_reserve (TernImapParser *self, gsize extra)
{
  if (self->n_pending + extra > self->pending_alloc)
    {
      self->pending_alloc = grow_size (self->pending_alloc, self->n_pending + extra, 256);
      self->pending = g_realloc_n (self->pending, self->pending_alloc, sizeof (Scratch));
    }
}

static inline void
final_reserve (TernImapParser *self, gsize extra)
{
  if (self->n_final + extra > self->final_alloc)
    {
      self->final_alloc = grow_size (self->final_alloc, self->n_final + extra, 256);
      self->final = g_realloc_n (self->final, self->final_alloc, sizeof (Scratch));
    }
}

static inline gsize
pool_add (TernImapParser *self, const void *data, gsize len)
{
  gsize offset = self->pool_len;

  pool_reserve (self, len + 1);
  if (len > 0)
    memcpy (self->pool + offset, data, len);
  self->pool[offset + len] = '\0';
  self->pool_len += len + 1;
  return offset;
}

/* -- errors ----------------------------------------------------------------- */

static gboolean fail (GError **error, TernImapError code, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, TernImapError code, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, TERN_IMAP_ERROR, code, message);
  return FALSE;
}

#define protocol_error(error, ...) fail (error, TERN_IMAP_ERROR_PROTOCOL, __VA_ARGS__)
#define limit_error(error, ...) fail (error, TERN_IMAP_ERROR_LIMIT, __VA_ARGS__)

/* -- response head ---------------------------------------------------------- */

typedef struct
{
  TernImapResponseKind kind;
  TernImapStatus status;
  guint has_number : 1;
  guint32 number;
  const guint8 *tag;
  gsize tag_len;
  const guint8 *keyword;
  gsize keyword_len;
  const guint8 *rest; /* after the keyword: at SP or at the end of the line */
} Head;

static TernImapStatus
lookup_status (const guint8 *word, gsize len)
{
  static const struct
  {
    const char *name;
    TernImapStatus status;
  } names[] = {
    { "OK", TERN_IMAP_STATUS_OK },   { "NO", TERN_IMAP_STATUS_NO },
    { "BAD", TERN_IMAP_STATUS_BAD }, { "PREAUTH", TERN_IMAP_STATUS_PREAUTH },
    { "BYE", TERN_IMAP_STATUS_BYE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strlen (names[i].name) == len &&
        g_ascii_strncasecmp ((const char *) word, names[i].name, len) == 0)
      return names[i].status;

  return TERN_IMAP_STATUS_NONE;
}

static TernImapDataType
lookup_data_type (const char *keyword)
{
  static const struct
  {
    const char *name;
    TernImapDataType type;
  } names[] = {
    { "FETCH", TERN_IMAP_DATA_FETCH },         { "EXISTS", TERN_IMAP_DATA_EXISTS },
    { "EXPUNGE", TERN_IMAP_DATA_EXPUNGE },     { "RECENT", TERN_IMAP_DATA_RECENT },
    { "VANISHED", TERN_IMAP_DATA_VANISHED },   { "FLAGS", TERN_IMAP_DATA_FLAGS },
    { "LIST", TERN_IMAP_DATA_LIST },           { "LSUB", TERN_IMAP_DATA_LSUB },
    { "STATUS", TERN_IMAP_DATA_STATUS },       { "SEARCH", TERN_IMAP_DATA_SEARCH },
    { "ESEARCH", TERN_IMAP_DATA_ESEARCH },     { "SORT", TERN_IMAP_DATA_SORT },
    { "THREAD", TERN_IMAP_DATA_THREAD },       { "CAPABILITY", TERN_IMAP_DATA_CAPABILITY },
    { "ENABLED", TERN_IMAP_DATA_ENABLED },     { "ID", TERN_IMAP_DATA_ID },
    { "NAMESPACE", TERN_IMAP_DATA_NAMESPACE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (keyword, names[i].name) == 0)
      return names[i].type;

  return TERN_IMAP_DATA_OTHER;
}

/* "+ ...", "* [n] KEYWORD..." or "tag STATUS..." */
static gboolean
parse_head (const guint8 *p, const guint8 *end, Head *head, GError **error)
{
  memset (head, 0, sizeof *head);

  if (p == end)
    return protocol_error (error, "Empty response line");

  if (*p == '+')
    {
      head->kind = TERN_IMAP_RESPONSE_CONTINUATION;
      head->rest = p + 1;
      return TRUE;
    }

  if (*p == '*')
    {
      head->kind = TERN_IMAP_RESPONSE_UNTAGGED;
      p++;
    }
  else
    {
      head->kind = TERN_IMAP_RESPONSE_TAGGED;
      head->tag = p;
      while (p < end && tag_char[*p])
        p++;
      head->tag_len = p - head->tag;
      if (head->tag_len == 0)
        return protocol_error (error, "Response starts with byte 0x%02x, not a tag", *p);
    }

  if (p == end || *p != ' ')
    return protocol_error (error, "Expected a space after the response's tag");
  p++;

  if (head->kind == TERN_IMAP_RESPONSE_UNTAGGED && p < end && g_ascii_isdigit (*p))
    {
      guint64 n = 0;
      const guint8 *start = p;

      while (p < end && g_ascii_isdigit (*p) && p - start < 11)
        n = n * 10 + (*p++ - '0');
      if (n > G_MAXUINT32)
        return protocol_error (error, "Message number too large");
      if (p == end || *p != ' ')
        return protocol_error (error, "Expected a space after the message number");
      p++;
      head->has_number = TRUE;
      head->number = (guint32) n;
    }

  head->keyword = p;
  while (p < end && atom_plain[*p] && *p != ']')
    p++;
  head->keyword_len = p - head->keyword;
  if (head->keyword_len == 0)
    return protocol_error (error, "Expected a response keyword");
  if (p < end && *p != ' ')
    return protocol_error (error, "Unexpected byte 0x%02x after the response keyword", *p);
  head->rest = p;

  if (!head->has_number)
    head->status = lookup_status (head->keyword, head->keyword_len);

  if (head->kind == TERN_IMAP_RESPONSE_TAGGED && head->status != TERN_IMAP_STATUS_OK &&
      head->status != TERN_IMAP_STATUS_NO && head->status != TERN_IMAP_STATUS_BAD)
    return protocol_error (error, "A tagged response must be OK, NO or BAD");

  return TRUE;
}

/* -- tokenizer --------------------------------------------------------------- */

enum
{
  SEP_NONE,        /* a value may start here */
  SEP_NEEDED,      /* after an atom or string: SP or ")" must come first */
  SEP_AFTER_CLOSE, /* after ")": SP, ")" or "(" (THREAD writes ")(") */
};

typedef struct
{
  guint seg;
  const guint8 *p;
  const guint8 *end;
} Cursor;

static void
cursor_at_segment (TernImapParser *self, const Segment *segs, guint index, Cursor *c)
{
  c->seg = index;
  c->p = self->buf + segs[index].offset;
  c->end = c->p + segs[index].len;
}

static inline void
push_value (TernImapParser *self, const Scratch *value)
{
  pending_reserve (self, 1);
  self->pending[self->n_pending++] = *value;
}

/* Moves the children of the innermost open list to final, contiguously, and
 * returns the list value that refers to them. */
static Scratch
close_frame (TernImapParser *self)
{
  gsize start = self->frames[--self->n_frames];
  gsize count = self->n_pending - start;
  Scratch list = { TERN_IMAP_VALUE_LIST, 0, (guint32) count, self->n_final };

  final_reserve (self, count);
  if (count > 0)
    memcpy (self->final + self->n_final, self->pending + start, count * sizeof (Scratch));
  self->n_final += count;
  self->n_pending = start;

  return list;
}

static gboolean
open_frame (TernImapParser *self, GError **error)
{
  /* frames[0] is the top level, which is not a list */
  if (self->n_frames > self->limits.max_depth)
    return limit_error (error, "Lists nested deeper than %u", self->limits.max_depth);

  if (self->n_frames == self->frames_alloc)
    {
      self->frames_alloc = MAX (16, self->frames_alloc * 2);
      self->frames = g_realloc_n (self->frames, self->frames_alloc, sizeof (gsize));
    }
  self->frames[self->n_frames++] = self->n_pending;
  return TRUE;
}

static gboolean
tokenize_quoted (TernImapParser *self, Cursor *c, GError **error)
{
  const guint8 *p = c->p + 1;
  const guint8 *close = p;
  Scratch value = { TERN_IMAP_VALUE_STRING, 0, 0, 0 };
  char *out;

  /* Fast path: no backslash before the closing quote. Quoted strings are
   * short (names, dates, parameters): a plain loop beats two memchr(). */
  while (close < c->end && *close != '"' && *close != '\\')
    close++;

  if (close == c->end)
    return protocol_error (error, "Unterminated quoted string");

  if (*close == '"')
    {
      value.len = close - p;
      value.ref = pool_add (self, p, close - p);
      push_value (self, &value);
      c->p = close + 1;
      return TRUE;
    }

  pool_reserve (self, (c->end - p) + 1);
  value.ref = self->pool_len;
  out = self->pool + self->pool_len;

  for (;;)
    {
      guint8 ch;

      if (p == c->end)
        return protocol_error (error, "Unterminated quoted string");

      ch = *p++;
      if (ch == '"')
        break;

      if (ch == '\\')
        {
          if (p == c->end)
            return protocol_error (error, "Unterminated quoted string");
          /* Only \" and \\ are escapes; keep any other backslash as it is,
           * which is what the few servers that send one mean. */
          if (*p == '"' || *p == '\\')
            ch = *p++;
        }

      *out++ = ch;
    }

  *out = '\0';
  value.len = out - (self->pool + self->pool_len);
  self->pool_len += value.len + 1;
  push_value (self, &value);
  c->p = p;
  return TRUE;
}

static gboolean
tokenize_literal (TernImapParser *self,
                  const Segment *segs,
                  guint n_segs,
                  Cursor *c,
                  GError **error)
{
  const guint8 *p = c->p;
  guint64 size = 0;
  const Segment *lit;
  Scratch value = { TERN_IMAP_VALUE_STRING, TERN_IMAP_VALUE_FLAG_LITERAL, 0, 0 };

  if (*p == '~')
    {
      value.flags = TERN_IMAP_VALUE_FLAG_LITERAL8;
      p++;
    }
  p++; /* { */

  while (p < c->end && g_ascii_isdigit (*p))
    size = size * 10 + (*p++ - '0');

  /* The framer only starts a literal for a {n} ending the line. */
  if (p == c->p + 1 + (value.flags & TERN_IMAP_VALUE_FLAG_LITERAL8 ? 1 : 0) || p + 1 != c->end ||
      *p != '}' || c->seg + 2 >= n_segs)
    return protocol_error (error, "Literal announcement not at the end of a line");

  lit = &segs[c->seg + 1];
  g_assert (lit->kind != SEG_LINE);
  g_assert (lit->len == size);

  value.len = (guint32) lit->len;
  if (lit->kind == SEG_BIG)
    {
      value.flags |= TERN_IMAP_VALUE_FLAG_BYTES;
      value.ref = lit->big;
    }
  else
    value.ref = pool_add (self, self->buf + lit->offset, lit->len);

  push_value (self, &value);
  cursor_at_segment (self, segs, c->seg + 2, c);
  return TRUE;
}

static gboolean
tokenize_atom (TernImapParser *self, Cursor *c, GError **error)
{
  const guint8 *start = c->p;
  const guint8 *p = c->p;
  Scratch value = { TERN_IMAP_VALUE_ATOM, 0, 0, 0 };

  for (;;)
    {
      while (p < c->end && atom_plain[*p])
        p++;

      if (p == c->end || *p != '[')
        break;

      /* BODY[HEADER.FIELDS (FROM TO)]<0>: a section is part of the atom,
       * spaces, parentheses and quoted names included. */
      p++;
      while (p < c->end && *p != ']')
        {
          if (*p == '"')
            {
              p++;
              while (p < c->end && *p != '"')
                p += (*p == '\\' && p + 1 < c->end) ? 2 : 1;
              if (p == c->end)
                break;
            }
          p++;
        }
      if (p >= c->end)
        return protocol_error (error, "Unterminated \"[\" in an atom");
      p++;
    }

  value.len = p - start;
  if (value.len == 3 && (start[0] | 0x20) == 'n' && (start[1] | 0x20) == 'i' &&
      (start[2] | 0x20) == 'l')
    {
      value.type = TERN_IMAP_VALUE_NIL;
      value.len = 0;
    }
  else
    value.ref = pool_add (self, start, p - start);

  push_value (self, &value);
  c->p = p;
  return TRUE;
}

/* Tokenizes from the cursor to the end of the last segment; the values found
 * become the children of *out_list. */
static gboolean
tokenize (TernImapParser *self,
          const Segment *segs,
          guint n_segs,
          Cursor *c,
          Scratch *out_list,
          GError **error)
{
  guint sep = SEP_NONE;
  guint base_frames = self->n_frames;

  if (!open_frame (self, error))
    return FALSE;

  for (;;)
    {
      guint8 ch;

      if (c->p == c->end)
        {
          if (c->seg + 1 < n_segs)
            return protocol_error (error, "Literal announced where no value may start");
          break;
        }

      ch = *c->p;

      if (ch == ' ')
        {
          c->p++;
          sep = SEP_NONE;
          continue;
        }

      if (ch == ')')
        {
          Scratch list;

          if (self->n_frames == base_frames + 1)
            return protocol_error (error, "Unbalanced \")\"");
          list = close_frame (self);
          push_value (self, &list);
          c->p++;
          sep = SEP_AFTER_CLOSE;
          continue;
        }

      if (sep == SEP_NEEDED)
        return protocol_error (error, "Missing space between values");

      if (self->n_pending - self->frames[self->n_frames - 1] >= self->limits.max_list_items)
        return limit_error (error, "More than %u values in a list", self->limits.max_list_items);

      if (ch == '(')
        {
          if (!open_frame (self, error))
            return FALSE;
          c->p++;
          sep = SEP_NONE;
          continue;
        }

      if (sep == SEP_AFTER_CLOSE)
        return protocol_error (error, "Missing space after \")\"");

      if (ch == '"')
        {
          if (!tokenize_quoted (self, c, error))
            return FALSE;
        }
      else if (ch == '{' || (ch == '~' && c->p + 1 < c->end && c->p[1] == '{'))
        {
          if (!tokenize_literal (self, segs, n_segs, c, error))
            return FALSE;
        }
      else if (atom_plain[ch] || ch == '[')
        {
          if (!tokenize_atom (self, c, error))
            return FALSE;
        }
      else
        return protocol_error (error, "Unexpected byte 0x%02x", ch);

      sep = SEP_NEEDED;
    }

  if (self->n_frames != base_frames + 1)
    return protocol_error (error, "Unterminated list");

  *out_list = close_frame (self);
  return TRUE;
}

/* -- building a response ------------------------------------------------------ */

typedef struct
{
  gsize tag;
  gsize keyword;
  gsize code;
  gsize code_text;
  gsize text;
  guint has_tag : 1;
  guint has_keyword : 1;
  guint has_code : 1;
  Scratch args;
  Scratch code_args;
} Built;

/* resp-text: ["[" code [SP args] "]" SP] text. The text is free: it may hold
 * unbalanced quotes and brackets, so it is never tokenized. Arguments that do
 * not tokenize (free-text codes) are kept as code_text only. */
static void
parse_resp_text (TernImapParser *self, const guint8 *p, const guint8 *end, Built *built)
{
  const guint8 *text = p;

  built->code_args = (Scratch){ TERN_IMAP_VALUE_LIST, 0, 0, 0 };

  if (p < end && *p == '[')
    {
      const guint8 *s = p + 1;
      const guint8 *close = NULL;
      guint depth = 0;
      gboolean quoted = FALSE;

      for (; s < end; s++)
        {
          if (quoted)
            {
              if (*s == '\\' && s + 1 < end)
                s++;
              else if (*s == '"')
                quoted = FALSE;
            }
          else if (*s == '"')
            quoted = TRUE;
          else if (*s == '(' || *s == '[')
            depth++;
          else if ((*s == ')' || *s == ']') && depth > 0)
            depth--;
          else if (*s == ']')
            {
              close = s;
              break;
            }
        }

      /* Free-text arguments may hold a lone quote: then the first "]" ends. */
      if (close == NULL)
        close = memchr (p + 1, ']', end - (p + 1));

      if (close != NULL)
        {
          const guint8 *name = p + 1;
          const guint8 *name_end = name;

          while (name_end < close && atom_plain[*name_end] && *name_end != ']')
            name_end++;

          if (name_end > name && (name_end == close || *name_end == ' '))
            {
              const guint8 *args = name_end == close ? close : name_end + 1;
              gsize mark_pool = self->pool_len;
              gsize mark_final = self->n_final;
              gsize mark_pending = self->n_pending;
              guint mark_frames = self->n_frames;
              Segment seg = { SEG_LINE, 0, 0, args - self->buf, close - args };
              Cursor c;
              g_autoptr (GError) error = NULL;

              built->has_code = TRUE;
              built->code = pool_add (self, name, name_end - name);
              built->code_text = pool_add (self, args, close - args);

              cursor_at_segment (self, &seg, 0, &c);
              if (!tokenize (self, &seg, 1, &c, &built->code_args, &error))
                {
                  self->pool_len = mark_pool;
                  self->n_final = mark_final;
                  self->n_pending = mark_pending;
                  self->n_frames = mark_frames;
                  built->code_args = (Scratch){ TERN_IMAP_VALUE_LIST, 0, 0, 0 };
                  built->code = pool_add (self, name, name_end - name);
                  built->code_text = pool_add (self, args, close - args);
                }

              text = close + 1;
              if (text < end && *text == ' ')
                text++;
            }
        }
    }

  built->text = pool_add (self, text, end - text);
}

static void
resolve (const TernImapResponse *response, const Scratch *s, TernImapValue *v)
{
  v->type = s->type;
  v->flags = s->flags;
  v->reserved = 0;
  v->len = s->len;

  switch (s->type)
    {
    case TERN_IMAP_VALUE_NIL:
      v->u.str = "NIL";
      v->len = 3;
      break;
    case TERN_IMAP_VALUE_LIST:
      v->u.children = response->values + s->ref;
      break;
    case TERN_IMAP_VALUE_ATOM:
    case TERN_IMAP_VALUE_STRING:
    default:
      if (s->flags & TERN_IMAP_VALUE_FLAG_BYTES)
        v->u.bytes = response->bytes[s->ref];
      else
        v->u.str = response->pool + s->ref;
      break;
    }
}

static TernImapResponse *
build_response (TernImapParser *self, GError **error)
{
  const Segment *segs = (const Segment *) (gconstpointer) self->segments->data;
  guint n_segs = self->segments->len;
  const guint8 *line = self->buf + segs[0].offset;
  const guint8 *end = line + segs[0].len;
  TernImapResponse *response;
  Built built = { 0 };
  Head head;

  self->pool_len = 0;
  self->n_final = 0;
  self->n_pending = 0;
  self->n_frames = 0;
  built.args = (Scratch){ TERN_IMAP_VALUE_LIST, 0, 0, 0 };
  built.code_args = built.args;

  if (!parse_head (line, end, &head, error))
    return NULL;

  if (head.tag_len > 0)
    {
      built.has_tag = TRUE;
      built.tag = pool_add (self, head.tag, head.tag_len);
    }
  if (head.keyword_len > 0)
    {
      built.has_keyword = TRUE;
      built.keyword = pool_add (self, head.keyword, head.keyword_len);
    }

  if (head.kind == TERN_IMAP_RESPONSE_CONTINUATION || head.status != TERN_IMAP_STATUS_NONE)
    {
      const guint8 *p = head.rest;

      g_assert (n_segs == 1);
      if (p < end && *p == ' ')
        p++;
      parse_resp_text (self, p, end, &built);
    }
  else if (head.rest < end)
    {
      /* head.rest is at the space after the keyword */
      Cursor c = { 0, head.rest + 1, end };

      if (!tokenize (self, segs, n_segs, &c, &built.args, error))
        return NULL;
    }

  response = _tern_imap_response_alloc (self->n_final, self->bigs->len, self->pool_len);
  memcpy (response->pool, self->pool, self->pool_len);
  for (guint i = 0; i < self->bigs->len; i++)
    response->bytes[i] = g_bytes_ref (g_ptr_array_index (self->bigs, i));
  for (gsize i = 0; i < self->n_final; i++)
    resolve (response, &self->final[i], &response->values[i]);
  resolve (response, &built.args, &response->args);
  resolve (response, &built.code_args, &response->code_args);

  response->kind = head.kind;
  response->status = head.status;
  response->has_number = head.has_number;
  response->number = head.number;
  response->wire_size = self->response_bytes;
  response->tag = built.has_tag ? response->pool + built.tag : NULL;
  response->keyword = built.has_keyword ? response->pool + built.keyword : NULL;
  if (built.has_code)
    {
      response->code = response->pool + built.code;
      response->code_text = response->pool + built.code_text;
    }
  if (head.kind == TERN_IMAP_RESPONSE_CONTINUATION || head.status != TERN_IMAP_STATUS_NONE)
    response->text = response->pool + built.text;
  if (head.kind == TERN_IMAP_RESPONSE_UNTAGGED && head.status == TERN_IMAP_STATUS_NONE)
    response->data_type = lookup_data_type (response->keyword);

  return response;
}

/* -- framing ------------------------------------------------------------------ */

static void
push_segment (TernImapParser *self, guint kind, guint flags, gsize offset, gsize len, guint big)
{
  Segment seg = { kind, flags, big, offset, len };

  g_array_append_val (self->segments, seg);
}

static gboolean
start_literal (TernImapParser *self, gsize size, gboolean literal8, GError **error)
{
  if (size > self->limits.max_literal_size)
    return limit_error (error, "Literal of %" G_GSIZE_FORMAT " bytes (limit %" G_GSIZE_FORMAT ")",
                        size, self->limits.max_literal_size);

  if (size >
      self->limits.max_response_size - MIN (self->response_bytes, self->limits.max_response_size))
    return limit_error (error, "Response larger than %" G_GSIZE_FORMAT " bytes",
                        self->limits.max_response_size);

  self->response_bytes += size;
  self->in_literal = TRUE;
  self->literal8 = literal8;
  self->literal_size = size;
  self->literal_remaining = size;
  self->literal_big = size > INLINE_LITERAL_MAX;

  if (self->literal_big)
    {
      /* Never trust the announced size with memory before the bytes come. */
      self->big_alloc = MIN (size, LITERAL_INITIAL_RESERVE) + 1;
      self->big = g_malloc (self->big_alloc);
      self->big_len = 0;
    }
  else
    self->literal_offset = self->buf_len;

  return TRUE;
}

static void
finish_literal (TernImapParser *self)
{
  guint flags = self->literal8 ? TERN_IMAP_VALUE_FLAG_LITERAL8 : TERN_IMAP_VALUE_FLAG_LITERAL;

  if (self->literal_big)
    {
      guint8 *data = g_steal_pointer (&self->big);
      GBytes *bytes;

      g_assert (self->big_alloc > self->literal_size);
      data[self->literal_size] = '\0';
      bytes = g_bytes_new_with_free_func (data, self->literal_size, g_free, data);
      push_segment (self, SEG_BIG, flags, 0, self->literal_size, self->bigs->len);
      g_ptr_array_add (self->bigs, bytes);
      self->big_len = 0;
      self->big_alloc = 0;
    }
  else
    push_segment (self, SEG_LITERAL, flags, self->literal_offset, self->literal_size, 0);

  self->in_literal = FALSE;
  self->line_start = self->buf_len;
}

static void
literal_append (TernImapParser *self, const guint8 *data, gsize n)
{
  if (self->literal_big)
    {
      if (self->big_len + n + 1 > self->big_alloc)
        {
          gsize alloc = grow_size (self->big_alloc, self->big_len + n + 1, 0);

          self->big_alloc = MIN (alloc, self->literal_size + 1);
          self->big = g_realloc (self->big, self->big_alloc);
        }
      memcpy (self->big + self->big_len, data, n);
      self->big_len += n;
    }
  else
    {
      buf_reserve (self, n);
      memcpy (self->buf + self->buf_len, data, n);
      self->buf_len += n;
    }
}

/* A complete line (CRLF included) sits at buf[line_start, buf_len). */
static gboolean
end_of_line (TernImapParser *self, GPtrArray *out, GError **error)
{
  guint8 *line = self->buf + self->line_start;
  gsize n = self->buf_len - self->line_start;
  gsize content;

  if (n < 2 || line[n - 2] != '\r')
    return protocol_error (error, "Line not terminated by CRLF");
  content = n - 2;

  if (memchr (line, '\0', content) != NULL)
    return protocol_error (error, "NUL byte outside a literal");
  if (memchr (line, '\r', content) != NULL)
    return protocol_error (error, "CR inside a line");

  if (self->segments->len == 0)
    {
      Head head;

      if (!parse_head (line, line + content, &head, error))
        return FALSE;
      self->text_mode =
        head.kind == TERN_IMAP_RESPONSE_CONTINUATION || head.status != TERN_IMAP_STATUS_NONE;
    }

  push_segment (self, SEG_LINE, 0, self->line_start, content, 0);

  /* "{n}" or "~{n}" ending the line announces a literal; "{n+}" is a client's
   * non-synchronizing literal, never valid from a server. */
  if (!self->text_mode && content >= 3 && line[content - 1] == '}')
    {
      gboolean plus = line[content - 2] == '+';
      gsize digits_end = content - 1 - (plus ? 1 : 0);
      gsize i = digits_end;

      while (i > 0 && g_ascii_isdigit (line[i - 1]))
        i--;

      if (i > 0 && i < digits_end && line[i - 1] == '{')
        {
          gboolean literal8 = i >= 2 && line[i - 2] == '~';
          guint64 size = 0;

          if (plus)
            return protocol_error (error, "Non-synchronizing literal from the server");
          if (digits_end - i > 19)
            return limit_error (error, "Literal size with %" G_GSIZE_FORMAT " digits",
                                digits_end - i);
          for (gsize k = i; k < digits_end; k++)
            size = size * 10 + (line[k] - '0');

          if (!start_literal (self, size, literal8, error))
            return FALSE;
          if (size == 0)
            finish_literal (self);
          return TRUE;
        }
    }

  {
    TernImapResponse *response = build_response (self, error);

    if (response == NULL)
      return FALSE;

    g_ptr_array_add (out, response);
    clear_response (self);
    release_scratch (self, FALSE);
  }

  return TRUE;
}

static gboolean
feed_internal (TernImapParser *self,
               const guint8 *data,
               gsize len,
               gboolean until_tagged,
               gsize *out_consumed,
               GPtrArray *out,
               GError **error)
{
  const guint8 *p = data;
  const guint8 *end = data + len;

  if (self->dead)
    {
      if (out_consumed)
        *out_consumed = 0;
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }

  while (p < end)
    {
      const guint8 *nl;
      gsize n;

      if (self->in_literal)
        {
          n = MIN (self->literal_remaining, (gsize) (end - p));
          literal_append (self, p, n);
          p += n;
          self->literal_remaining -= n;
          if (self->literal_remaining == 0)
            finish_literal (self);
          continue;
        }

      nl = memchr (p, '\n', end - p);
      n = nl != NULL ? (gsize) (nl - p + 1) : (gsize) (end - p);

      if (n > self->limits.max_line_length - MIN (self->line_bytes, self->limits.max_line_length))
        {
          limit_error (&self->error, "Response lines longer than %" G_GSIZE_FORMAT " bytes",
                       self->limits.max_line_length);
          goto failed;
        }
      if (n > self->limits.max_response_size -
                MIN (self->response_bytes, self->limits.max_response_size))
        {
          limit_error (&self->error, "Response larger than %" G_GSIZE_FORMAT " bytes",
                       self->limits.max_response_size);
          goto failed;
        }

      buf_reserve (self, n);
      memcpy (self->buf + self->buf_len, p, n);
      self->buf_len += n;
      self->line_bytes += n;
      self->response_bytes += n;
      p += n;

      if (nl == NULL)
        break;

      {
        guint n_out = out->len;

        if (!end_of_line (self, out, &self->error))
          goto failed;

        if (until_tagged && out->len > n_out &&
            tern_imap_response_get_kind (g_ptr_array_index (out, n_out)) ==
              TERN_IMAP_RESPONSE_TAGGED)
          break;
      }
    }

  if (out_consumed)
    *out_consumed = p - data;
  return TRUE;

failed:
  self->dead = TRUE;
  clear_response (self);
  release_scratch (self, FALSE);
  if (out_consumed)
    *out_consumed = p - data;
  g_propagate_error (error, g_error_copy (self->error));
  return FALSE;
}

/* Consumes all of @data, appending each completed response to @out (which
 * should free with tern_imap_response_unref) and keeping any partial one for
 * the next call. On FALSE the parser is dead: the responses appended before
 * the fault are valid, and the connection must be closed. */
gboolean
tern_imap_parser_feed (TernImapParser *self,
                       const guint8 *data,
                       gsize len,
                       GPtrArray *out,
                       GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return feed_internal (self, data, len, FALSE, NULL, out, error);
}

/* Like feed(), but stops right after the first tagged response and says how
 * many bytes it used: what follows the tagged OK to STARTTLS or COMPRESS is
 * not for this parser (it is discarded, or inflated first). */
gboolean
tern_imap_parser_feed_until_tagged (TernImapParser *self,
                                    const guint8 *data,
                                    gsize len,
                                    gsize *out_consumed,
                                    GPtrArray *out,
                                    GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (out_consumed != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return feed_internal (self, data, len, TRUE, out_consumed, out, error);
}
