/* tern-webkit-loader.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Loads the WebKit module (tern-webkit-module.h) once, on first need, and
 * never unloads it: WebKit keeps threads and a web process that outlive
 * any one view.
 *
 * It is looked for in $TERN_MODULE_DIR if set; else, when tern runs from
 * its build tree (the executable is not in the configured bindir), next to
 * the executable where meson builds it (src/ui/webkit); else in the
 * installed module directory (libdir/tern).
 *
 * Threading: tern_webkit_loader_preload() loads it on a thread of its own
 * (a message is being fetched: the 0.2 s of loading WebKit, JavaScriptCore
 * and their libraries then overlaps the fetch instead of freezing the window
 * once the HTML is there); tern_webkit_loader_get() waits for that load, or
 * loads on the caller's thread when none was started. Both are called from
 * the main context.
 */

#define G_LOG_DOMAIN "tern-ui"

#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>
#include <gmodule.h>

#include "tern-webkit-loader.h"

static GMutex lock;
static GCond done;
static gboolean loading; /* the preload thread is at work */
static gboolean tried;   /* loaded or load_error is the answer */
static const TernWebkitModule *loaded;
static GError *load_error;

static gboolean
is_bindir (const char *dir)
{
  g_autofree char *bindir = realpath (TERN_BINDIR, NULL);

  return g_strcmp0 (dir, bindir != NULL ? bindir : TERN_BINDIR) == 0;
}

char *
tern_webkit_loader_dup_module_dir (void)
{
  const char *env = g_getenv ("TERN_MODULE_DIR");
  g_autofree char *exe = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  /* Already free of symbolic links, as realpath() makes the bindir. */
  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (exe);

      if (!is_bindir (dir))
        return g_build_filename (dir, "ui", "webkit", NULL);
    }
  return g_strdup (TERN_MODULEDIR);
}

static const TernWebkitModule *
load (GError **error)
{
  g_autofree char *dir = tern_webkit_loader_dup_module_dir ();
  g_autofree char *path = g_build_filename (dir, TERN_WEBKIT_MODULE_NAME "." G_MODULE_SUFFIX, NULL);
  TernWebkitModuleGetFunc get = NULL;
  const TernWebkitModule *module;
  GModule *handle;

  /* Local binding: nothing else resolves symbols against WebKit's. */
  handle = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (handle == NULL)
    {
      /* Translators: %s is the system's reason, which names the file. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _ ("the WebKit module could not be loaded (%s)"), g_module_error ());
      return NULL;
    }
  /* Never closed, not even when it is refused below: the constructors of
   * the libraries it brought in have run, and WebKit's are not written to
   * be unloaded. */
  g_module_make_resident (handle);
  if (!g_module_symbol (handle, TERN_WEBKIT_MODULE_ENTRY, (gpointer *) &get) || get == NULL ||
      (module = get ()) == NULL)
    {
      /* Translators: %s is a file name. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("%s is not Tern’s WebKit module"),
                   path);
      return NULL;
    }
  if (module->abi != TERN_WEBKIT_MODULE_ABI)
    {
      /* Translators: %s is a file name; the numbers are interface versions. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _ ("%s belongs to another version of Tern (interface %u, expected %u)"), path,
                   module->abi, TERN_WEBKIT_MODULE_ABI);
      return NULL;
    }
  g_debug ("Loaded %s", path);
  return module;
}

static gpointer
preload_thread (gpointer data)
{
  GError *error = NULL;
  const TernWebkitModule *module = load (&error);

  g_mutex_lock (&lock);
  loaded = module;
  load_error = error;
  tried = TRUE;
  loading = FALSE;
  g_cond_broadcast (&done);
  g_mutex_unlock (&lock);
  return NULL;
}

/**
 * tern_webkit_loader_preload:
 *
 * Starts loading the module on a thread, unless it is loaded or loading.
 */
void
tern_webkit_loader_preload (void)
{
  g_mutex_lock (&lock);
  if (!tried && !loading)
    {
      loading = TRUE;
      g_thread_unref (g_thread_new ("tern-webkit-load", preload_thread, NULL));
    }
  g_mutex_unlock (&lock);
}

const TernWebkitModule *
tern_webkit_loader_get (GError **error)
{
  static gboolean warned;
  const TernWebkitModule *module;

  g_mutex_lock (&lock);
  while (loading)
    g_cond_wait (&done, &lock);
  if (!tried)
    {
      loaded = load (&load_error);
      tried = TRUE;
    }
  module = loaded;
  if (module == NULL && error != NULL)
    *error = g_error_copy (load_error);
  if (module == NULL && !warned)
    {
      warned = TRUE;
      g_warning ("HTML messages cannot be shown: %s", load_error->message);
    }
  g_mutex_unlock (&lock);
  return module;
}
