/* main.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "tern"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <locale.h>
#include <unistd.h>

#include "tern-application.h"

/* bench/bench-window.py measures main-loop stalls from outside: with
 * TERN_STALL_LOG set, a 1 ms tick appends every gap over 16 ms to that file
 * as "MONOTONIC-END-µs GAP-µs" lines. Off otherwise. */
typedef struct
{
  int fd;
  gint64 last;
} StallMeter;

static gboolean
stall_tick (gpointer user_data)
{
  StallMeter *meter = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 gap = now - meter->last - 1000;

  if (gap > 16000)
    {
      char line[64];
      int n =
        g_snprintf (line, sizeof line, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", now, gap);

      if (write (meter->fd, line, n) != n)
        g_warning ("TERN_STALL_LOG: %s", g_strerror (errno));
    }
  meter->last = now;
  return G_SOURCE_CONTINUE;
}

static void
start_stall_meter (void)
{
  const char *path = g_getenv ("TERN_STALL_LOG");
  StallMeter *meter;
  int fd;

  if (path == NULL || *path == '\0')
    return;
  fd = g_open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_warning ("TERN_STALL_LOG: cannot open %s: %s", path, g_strerror (errno));
      return;
    }
  meter = g_new0 (StallMeter, 1); /* lives as long as the process */
  meter->fd = fd;
  meter->last = g_get_monotonic_time ();
  g_timeout_add_full (G_PRIORITY_HIGH, 1, stall_tick, meter, NULL);
}

/* Whether the kernel offers a GPU to draw with: a DRM render or card node
 * (the Flatpak has them with --device=dri). */
static gboolean
has_gpu_node (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/dev/dri", 0, NULL);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "renderD") || g_str_has_prefix (name, "card"))
      return TRUE;
  return FALSE;
}

/* Without a GPU, GTK 4.8 still picks its GL renderer, and Mesa then draws
 * every frame through llvmpipe: on a 2-core machine that is 0.2 s more to
 * the first frame, 70 MB more resident and 20-60 ms frames while a long
 * list scrolls, where the cairo renderer needs none of that. GTK 4.14 and
 * later no longer use GL renderers on llvmpipe themselves; this does the
 * same before they are here. GSK_RENDERER, when set, is always obeyed, and
 * GDK_DEBUG is left as it is.
 * Must run before any thread is started (setenv). */
static void
choose_renderer (void)
{
  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  if (gtk_get_major_version () != 4 || gtk_get_minor_version () >= 14)
    return;
  if (has_gpu_node ())
    return;
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  /* GDK on X11 still loads and starts Mesa when the display is opened, in
   * case something asks for GL: 0.17 s of the start on the test machines.
   * Nothing here will: WebKit, told so, composites HTML messages on the
   * CPU without first trying GDK's GL (and warning that it failed). */
  if (g_getenv ("GDK_DEBUG") == NULL)
    {
      g_setenv ("GDK_DEBUG", "gl-disable", TRUE);
      g_setenv ("WEBKIT_DISABLE_COMPOSITING_MODE", "1", FALSE);
    }
}

int
main (int argc, char *argv[])
{
  g_autoptr (TernApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_ ("Tern"));

  choose_renderer ();
  start_stall_meter ();
  app = tern_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
