/* tern-autoconfig.c
 *
 * Copyright 2026 The Tern authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Finding the IMAP and SMTP servers of an e-mail address, for the account
 * assistant: first the SRV records of RFC 6186 (_imaps._tcp, _imap._tcp,
 * _submissions._tcp, _submission._tcp of the domain), then the host names
 * people usually give their servers (imap.DOMAIN, mail.DOMAIN, DOMAIN; smtp.…
 * for submission). Every candidate is probed in parallel by connecting and
 * reading its greeting; the best-ranked one that answers like an IMAP (or
 * SMTP) server wins. Probing accepts any certificate because it only looks:
 * nothing is sent, and the login that follows validates the certificate.
 *
 * The result is a suggestion, a TernAccountConfig that is not saved, with
 * the security inferred from the service or the port (993/465: TLS,
 * 143/587: STARTTLS). The whole lookup is bounded by a timeout and is
 * cancellable.
 *
 * Threading: main context only.
 */

#define G_LOG_DOMAIN "tern-account"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tern-autoconfig-private.h"

/* A probe that neither connects nor is refused within this long is given up;
 * the whole lookup has its own, caller-given bound. */
#define PROBE_TIMEOUT_SECONDS 8

GQuark
tern_autoconfig_error_quark (void)
{
  return g_quark_from_static_string ("tern-autoconfig-error-quark");
}

/**
 * tern_autoconfig_dup_domain:
 * @email: an e-mail address
 *
 * Returns: (nullable): the lower-cased domain of @email, or %NULL when it is
 *   not of the form local@domain.with.dot-or-name
 */
char *
tern_autoconfig_dup_domain (const char *email)
{
  const char *at;

  if (email == NULL)
    return NULL;

  at = strrchr (email, '@');
  if (at == NULL || at == email || at[1] == '\0' || at[1] == '.' || g_str_has_suffix (at + 1, "."))
    return NULL;

  for (const char *p = at + 1; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && !((guchar) *p & 0x80))
      return NULL;

  return g_ascii_strdown (at + 1, -1);
}

TernAutoconfigServer *
_tern_autoconfig_server_new (const char *host, guint16 port, TernSecurity security)
{
  TernAutoconfigServer *server = g_new0 (TernAutoconfigServer, 1);

  server->host = g_strdup (host);
  server->port = port;
  server->security = security;
  return server;
}

void
_tern_autoconfig_server_free (TernAutoconfigServer *server)
{
  if (server == NULL)
    return;
  g_free (server->host);
  g_free (server);
}

static int
compare_srv (gconstpointer a, gconstpointer b)
{
  GSrvTarget *ta = (GSrvTarget *) a;
  GSrvTarget *tb = (GSrvTarget *) b;

  if (g_srv_target_get_priority (ta) != g_srv_target_get_priority (tb))
    return (int) g_srv_target_get_priority (ta) - (int) g_srv_target_get_priority (tb);
  /* Within a priority, RFC 2782 spreads load by weight at random; for
   * probing, the heaviest first is as good and keeps results repeatable. */
  return (int) g_srv_target_get_weight (tb) - (int) g_srv_target_get_weight (ta);
}

/**
 * _tern_autoconfig_servers_from_srv:
 * @targets: (element-type GSrvTarget): SRV records of one service
 * @security: the security that service implies
 *
 * Returns: (transfer full) (element-type TernAutoconfigServer): the servers,
 *   by priority (lowest first), then weight (highest first); a target of "."
 *   says the service is not offered (RFC 2782) and ends the list empty
 */
GPtrArray *
_tern_autoconfig_servers_from_srv (GList *targets, TernSecurity security)
{
  g_autoptr (GPtrArray) servers =
    g_ptr_array_new_with_free_func ((GDestroyNotify) _tern_autoconfig_server_free);
  g_autoptr (GList) sorted = g_list_sort (g_list_copy (targets), compare_srv);

  for (GList *l = sorted; l != NULL; l = l->next)
    {
      const char *host = g_srv_target_get_hostname (l->data);
      guint16 port = g_srv_target_get_port (l->data);
      g_autofree char *name = NULL;

      if (host == NULL || host[0] == '\0' || g_str_equal (host, ".") || port == 0)
        {
          if (g_list_length (targets) == 1)
            g_ptr_array_set_size (servers, 0);
          continue;
        }

      name = g_str_has_suffix (host, ".") ? g_strndup (host, strlen (host) - 1) : g_strdup (host);
      g_ptr_array_add (servers, _tern_autoconfig_server_new (name, port, security));
    }

  return g_steal_pointer (&servers);
}

/**
 * _tern_autoconfig_guess_servers:
 * @domain: a mail domain
 *
 * Returns: (transfer full) (element-type TernAutoconfigServer): the usual
 *   host names and ports of @domain's servers, best guess first: implicit
 *   TLS before STARTTLS, then the specific name before the generic ones
 */
GPtrArray *
_tern_autoconfig_guess_servers (const char *domain, TernAutoconfigProtocol protocol)
{
  static const char *imap_prefixes[] = { "imap.", "mail.", "" };
  static const char *smtp_prefixes[] = { "smtp.", "mail.", "" };
  const char **prefixes = protocol == TERN_AUTOCONFIG_IMAP ? imap_prefixes : smtp_prefixes;
  guint16 tls_port = protocol == TERN_AUTOCONFIG_IMAP ? 993 : 465;
  guint16 starttls_port = protocol == TERN_AUTOCONFIG_IMAP ? 143 : 587;
  GPtrArray *servers =
    g_ptr_array_new_with_free_func ((GDestroyNotify) _tern_autoconfig_server_free);

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < G_N_ELEMENTS (imap_prefixes); i++)
      {
        g_autofree char *host = g_strconcat (prefixes[i], domain, NULL);

        g_ptr_array_add (servers,
                         _tern_autoconfig_server_new (host, pass == 0 ? tls_port : starttls_port,
                                                      pass == 0 ? TERN_SECURITY_TLS
                                                                : TERN_SECURITY_STARTTLS));
      }

  return servers;
}

/* Probing ------------------------------------------------------------------ */

typedef enum
{
  PROBE_PENDING,
  PROBE_FAILED,
  PROBE_OK,
} ProbeState;

typedef struct
{
  GTask *task; /* NULL once the result is returned */
  GPtrArray *candidates;
  ProbeState *states;
  GCancellable *cancellable; /* ours, cancelled once decided */
  GCancellable *caller_cancellable;
  gulong cancelled_id;
  TernAutoconfigProtocol protocol;
} Probe;

static void
probe_free (Probe *probe)
{
  g_assert (probe->task == NULL);
  if (probe->caller_cancellable != NULL)
    g_cancellable_disconnect (probe->caller_cancellable, probe->cancelled_id);
  g_clear_object (&probe->caller_cancellable);
  g_clear_object (&probe->cancellable);
  g_clear_pointer (&probe->candidates, g_ptr_array_unref);
  g_clear_pointer (&probe->states, g_free);
}

typedef struct
{
  Probe *probe; /* a reference */
  guint index;
  GSocketConnection *connection;
  GDataInputStream *input;
} ProbeOne;

static void
probe_one_free (ProbeOne *one)
{
  g_rc_box_release_full (one->probe, (GDestroyNotify) probe_free);
  g_clear_object (&one->input);
  g_clear_object (&one->connection);
  g_free (one);
}

/* Returns the best candidate that answered once every better one has
 * failed; a failure when all did, or when stopped with none found. */
static void
probe_decide (Probe *probe, gboolean stopped)
{
  GTask *task = probe->task;

  if (task == NULL)
    return;

  for (guint i = 0; i < probe->candidates->len; i++)
    {
      if (probe->states[i] == PROBE_FAILED)
        continue;
      if (probe->states[i] == PROBE_PENDING && !stopped)
        return;
      if (probe->states[i] == PROBE_OK)
        {
          TernAutoconfigServer *best = g_ptr_array_index (probe->candidates, i);

          probe->task = NULL;
          g_task_return_pointer (task,
                                 _tern_autoconfig_server_new (best->host, best->port,
                                                              best->security),
                                 (GDestroyNotify) _tern_autoconfig_server_free);
          g_object_unref (task);
          /* The others need not finish. */
          g_cancellable_cancel (probe->cancellable);
          return;
        }
    }

  probe->task = NULL;
  if (g_cancellable_is_cancelled (probe->caller_cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _ ("Operation was cancelled"));
  else
    g_task_return_new_error (task, TERN_AUTOCONFIG_ERROR, TERN_AUTOCONFIG_ERROR_NOT_FOUND,
                             _ ("No server answered."));
  g_object_unref (task);
  g_cancellable_cancel (probe->cancellable);
}

static void
probe_one_done (ProbeOne *one, gboolean ok, const GError *error)
{
  Probe *probe = one->probe;
  TernAutoconfigServer *server = g_ptr_array_index (probe->candidates, one->index);

  g_debug ("probe %s:%u: %s", server->host, server->port,
           ok ? "answers" : (error ? error->message : "not a mail server"));
  probe->states[one->index] = ok ? PROBE_OK : PROBE_FAILED;
  probe_decide (probe, FALSE);
  probe_one_free (one);
}

static gboolean
accept_any_certificate (GTlsConnection *connection,
                        GTlsCertificate *certificate,
                        GTlsCertificateFlags errors,
                        gpointer user_data)
{
  /* Only a greeting is read; the login validates the certificate. */
  return TRUE;
}

static void
on_socket_client_event (GSocketClient *client,
                        GSocketClientEvent event,
                        GSocketConnectable *connectable,
                        GIOStream *connection,
                        gpointer user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CONNECTION (connection))
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
}

static void
probe_read_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  ProbeOne *one = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  gboolean ok = FALSE;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (object), result, NULL, &error);
  if (line != NULL)
    {
      if (one->probe->protocol == TERN_AUTOCONFIG_IMAP)
        ok = g_ascii_strncasecmp (line, "* OK", 4) == 0 ||
             g_ascii_strncasecmp (line, "* PREAUTH", 9) == 0;
      else
        ok = g_str_has_prefix (line, "220");
    }

  probe_one_done (one, ok, error);
}

static void
probe_connect_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  ProbeOne *one = user_data;
  g_autoptr (GError) error = NULL;

  one->connection =
    g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (object), result, &error);
  if (one->connection == NULL)
    {
      probe_one_done (one, FALSE, error);
      return;
    }

  one->input =
    g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (one->connection)));
  g_data_input_stream_set_newline_type (one->input, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  /* A greeting is one short line; a server sending megabytes is not one. */
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (one->input), 1024);
  g_data_input_stream_read_line_async (one->input, G_PRIORITY_DEFAULT, one->probe->cancellable,
                                       probe_read_cb, one);
}

static void
on_caller_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GCancellable *ours = user_data;

  g_cancellable_cancel (ours);
}

/**
 * _tern_autoconfig_probe_async:
 * @candidates: (element-type TernAutoconfigServer): servers, best first
 * @protocol: what they should greet as
 *
 * Connects to every candidate at once (with TLS where its security says so)
 * and reads its greeting; returns the first candidate in @candidates order
 * that greeted like a @protocol server, as soon as every better one has
 * failed. When @cancellable is cancelled, the best found so far is
 * returned, if any.
 */
void
_tern_autoconfig_probe_async (GPtrArray *candidates,
                              TernAutoconfigProtocol protocol,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GSocketClient) client = NULL;
  g_autoptr (GSocketClient) tls_client = NULL;
  Probe *probe;

  g_return_if_fail (candidates != NULL);

  probe = g_rc_box_new0 (Probe);
  probe->task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (probe->task, _tern_autoconfig_probe_async);
  probe->candidates = g_ptr_array_ref (candidates);
  probe->states = g_new0 (ProbeState, MAX (candidates->len, 1));
  probe->protocol = protocol;
  probe->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      probe->caller_cancellable = g_object_ref (cancellable);
      probe->cancelled_id =
        g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                               g_object_ref (probe->cancellable), g_object_unref);
    }

  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, PROBE_TIMEOUT_SECONDS);
  tls_client = g_socket_client_new ();
  g_socket_client_set_timeout (tls_client, PROBE_TIMEOUT_SECONDS);
  g_socket_client_set_tls (tls_client, TRUE);
  g_signal_connect (tls_client, "event", G_CALLBACK (on_socket_client_event), NULL);

  for (guint i = 0; i < candidates->len; i++)
    {
      TernAutoconfigServer *server = g_ptr_array_index (candidates, i);
      ProbeOne *one = g_new0 (ProbeOne, 1);

      one->probe = g_rc_box_acquire (probe);
      one->index = i;
      g_socket_client_connect_to_host_async (server->security == TERN_SECURITY_TLS ? tls_client
                                                                                   : client,
                                             server->host, server->port, probe->cancellable,
                                             probe_connect_cb, one);
    }

  if (candidates->len == 0)
    probe_decide (probe, TRUE);

  g_rc_box_release_full (probe, (GDestroyNotify) probe_free);
}

/**
 * _tern_autoconfig_probe_finish:
 *
 * Returns: (transfer full): the server that answered
 */
TernAutoconfigServer *
_tern_autoconfig_probe_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _tern_autoconfig_probe_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Looking up ----------------------------------------------------------------- */

typedef enum
{
  SRV_IMAPS,
  SRV_IMAP,
  SRV_SUBMISSIONS,
  SRV_SUBMISSION,
  N_SRV
} SrvService;

static const struct
{
  const char *service;
  TernSecurity security;
} srv_services[N_SRV] = {
  [SRV_IMAPS] = { "imaps", TERN_SECURITY_TLS },
  [SRV_IMAP] = { "imap", TERN_SECURITY_STARTTLS },
  [SRV_SUBMISSIONS] = { "submissions", TERN_SECURITY_TLS },
  [SRV_SUBMISSION] = { "submission", TERN_SECURITY_STARTTLS },
};

typedef struct
{
  char *email;
  char *domain;
  GList *srv[N_SRV];
  guint pending;
  GCancellable *cancellable; /* ours: the caller's, and the timeout */
  GCancellable *caller_cancellable;
  gulong cancelled_id;
  GSource *timeout;
  gboolean timed_out;
  TernAutoconfigServer *imap;
  TernAutoconfigServer *smtp;
} Lookup;

static void
lookup_free (Lookup *lookup)
{
  g_free (lookup->email);
  g_free (lookup->domain);
  for (guint i = 0; i < N_SRV; i++)
    g_list_free_full (lookup->srv[i], (GDestroyNotify) g_srv_target_free);
  if (lookup->timeout != NULL)
    {
      g_source_destroy (lookup->timeout);
      g_source_unref (lookup->timeout);
    }
  if (lookup->caller_cancellable != NULL)
    g_cancellable_disconnect (lookup->caller_cancellable, lookup->cancelled_id);
  g_clear_object (&lookup->caller_cancellable);
  g_clear_object (&lookup->cancellable);
  g_clear_pointer (&lookup->imap, _tern_autoconfig_server_free);
  g_clear_pointer (&lookup->smtp, _tern_autoconfig_server_free);
  g_free (lookup);
}

static void
lookup_finish (GTask *task)
{
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr (TernAccountConfig) config = NULL;
  g_autofree char *id = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (lookup->imap == NULL)
    {
      if (lookup->timed_out)
        g_task_return_new_error (task, TERN_AUTOCONFIG_ERROR, TERN_AUTOCONFIG_ERROR_NOT_FOUND,
                                 _ ("No mail server of %s answered in time."), lookup->domain);
      else
        g_task_return_new_error (task, TERN_AUTOCONFIG_ERROR, TERN_AUTOCONFIG_ERROR_NOT_FOUND,
                                 _ ("Could not find the mail server of %s."), lookup->domain);
      return;
    }

  id = tern_account_config_dup_unique_id_for_email (lookup->email);
  config = tern_account_config_new (id);
  tern_account_config_set_email (config, lookup->email);
  /* Most providers take the whole address as the user name. */
  tern_account_config_set_imap (config, lookup->imap->host, lookup->imap->port,
                                lookup->imap->security, lookup->email);
  if (lookup->smtp != NULL)
    tern_account_config_set_smtp (config, lookup->smtp->host, lookup->smtp->port,
                                  lookup->smtp->security, NULL);

  g_task_return_pointer (task, g_steal_pointer (&config), g_object_unref);
}

static void
lookup_probe_done (GTask *task, TernAutoconfigProtocol protocol, GAsyncResult *result)
{
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  TernAutoconfigServer *server;

  server = _tern_autoconfig_probe_finish (result, &error);
  if (server == NULL)
    g_debug ("%s: no %s server: %s", lookup->domain,
             protocol == TERN_AUTOCONFIG_IMAP ? "IMAP" : "SMTP", error->message);
  if (protocol == TERN_AUTOCONFIG_IMAP)
    lookup->imap = server;
  else
    lookup->smtp = server;

  if (--lookup->pending == 0)
    lookup_finish (task);
}

static void
lookup_imap_probe_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;

  lookup_probe_done (task, TERN_AUTOCONFIG_IMAP, result);
}

static void
lookup_smtp_probe_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;

  lookup_probe_done (task, TERN_AUTOCONFIG_SMTP, result);
}

static void
lookup_start_probes (GTask *task)
{
  Lookup *lookup = g_task_get_task_data (task);

  for (guint p = 0; p < 2; p++)
    {
      TernAutoconfigProtocol protocol = p == 0 ? TERN_AUTOCONFIG_IMAP : TERN_AUTOCONFIG_SMTP;
      SrvService tls = p == 0 ? SRV_IMAPS : SRV_SUBMISSIONS;
      SrvService starttls = p == 0 ? SRV_IMAP : SRV_SUBMISSION;
      g_autoptr (GPtrArray) candidates =
        _tern_autoconfig_servers_from_srv (lookup->srv[tls], TERN_SECURITY_TLS);
      g_autoptr (GPtrArray) more =
        _tern_autoconfig_servers_from_srv (lookup->srv[starttls], TERN_SECURITY_STARTTLS);
      g_autoptr (GPtrArray) guesses = _tern_autoconfig_guess_servers (lookup->domain, protocol);

      g_ptr_array_extend_and_steal (candidates, g_steal_pointer (&more));
      g_ptr_array_extend_and_steal (candidates, g_steal_pointer (&guesses));

      lookup->pending++;
      _tern_autoconfig_probe_async (candidates, protocol, lookup->cancellable,
                                    p == 0 ? lookup_imap_probe_cb : lookup_smtp_probe_cb,
                                    g_object_ref (task));
    }
}

typedef struct
{
  GTask *task;
  SrvService service;
} SrvCall;

static void
lookup_srv_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  SrvCall *call = user_data;
  g_autoptr (GTask) task = call->task;
  Lookup *lookup = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  SrvService service = call->service;
  GList *targets;

  g_free (call);
  targets = g_resolver_lookup_service_finish (G_RESOLVER (object), result, &error);
  if (targets == NULL)
    g_debug ("_%s._tcp.%s: %s", srv_services[service].service, lookup->domain, error->message);
  lookup->srv[service] = targets;

  if (--lookup->pending == 0)
    lookup_start_probes (task);
}

static gboolean
on_lookup_timeout (gpointer user_data)
{
  Lookup *lookup = user_data;

  lookup->timed_out = TRUE;
  g_cancellable_cancel (lookup->cancellable);
  return G_SOURCE_REMOVE;
}

/**
 * tern_autoconfig_lookup_async:
 * @email: the e-mail address of the account
 * @timeout_seconds: how long the whole lookup may take; when it runs out,
 *   the best servers found so far are the result
 *
 * Looks for the IMAP (and SMTP) servers of @email's domain; see the top of
 * tern-autoconfig.c.
 */
void
tern_autoconfig_lookup_async (const char *email,
                              guint timeout_seconds,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GResolver) resolver = NULL;
  g_autofree char *domain = NULL;
  Lookup *lookup;

  g_return_if_fail (timeout_seconds > 0);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tern_autoconfig_lookup_async);

  domain = tern_autoconfig_dup_domain (email);
  if (domain == NULL)
    {
      g_task_return_new_error (task, TERN_AUTOCONFIG_ERROR, TERN_AUTOCONFIG_ERROR_INVALID_ADDRESS,
                               _ ("“%s” is not an e-mail address."), email ? email : "");
      return;
    }

  lookup = g_new0 (Lookup, 1);
  lookup->email = g_strdup (email);
  lookup->domain = g_steal_pointer (&domain);
  lookup->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, lookup, (GDestroyNotify) lookup_free);
  if (cancellable != NULL)
    {
      lookup->caller_cancellable = g_object_ref (cancellable);
      lookup->cancelled_id =
        g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                               g_object_ref (lookup->cancellable), g_object_unref);
    }

  lookup->timeout = g_timeout_source_new_seconds (timeout_seconds);
  g_source_set_callback (lookup->timeout, on_lookup_timeout, lookup, NULL);
  g_source_set_static_name (lookup->timeout, "[tern] autoconfig timeout");
  g_source_attach (lookup->timeout, g_main_context_get_thread_default ());

  /* RFC 6761 6.4: names under .invalid never resolve; asking a DNS server
   * that may not answer would only wait for its timeout. */
  if (g_str_equal (lookup->domain, "invalid") || g_str_has_suffix (lookup->domain, ".invalid"))
    {
      g_task_return_new_error (task, TERN_AUTOCONFIG_ERROR, TERN_AUTOCONFIG_ERROR_NOT_FOUND,
                               _ ("Could not find the mail server of %s."), lookup->domain);
      return;
    }

  resolver = g_resolver_get_default ();
  for (guint i = 0; i < N_SRV; i++)
    {
      SrvCall *call = g_new0 (SrvCall, 1);

      call->task = g_object_ref (task);
      call->service = i;
      lookup->pending++;
      g_resolver_lookup_service_async (resolver, srv_services[i].service, "tcp", lookup->domain,
                                       lookup->cancellable, lookup_srv_cb, call);
    }
}

TernAccountConfig *
tern_autoconfig_lookup_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tern_autoconfig_lookup_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
