#include "config.h"

#include <gst/twitch/gsttwitch-private.h>

/**
 * gst_twitch_ingest_list_get:
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Fetches Twitch's ingest list (`TWITCH_INGEST_URL`, else
 * `https://ingest.twitch.tv/ingests`; certificates verified; each attempt at
 * most 30 s, network errors and server errors retried) through the same
 * HTTP transport as #GstTwitchHelixClient.
 * Failures are %GST_TWITCH_API_ERROR_NETWORK (could not fetch), the code of
 * the HTTP status (%GST_TWITCH_API_ERROR_NOT_FOUND,
 * %GST_TWITCH_API_ERROR_SERVER...), or %GST_TWITCH_API_ERROR_BAD_RESPONSE
 * (not the JSON Twitch documents).
 *
 * Returns: (transfer container) (element-type GstTwitchIngest): the ingests, in
 *   Twitch's order, or %NULL on failure.
 *
 * Since: 1.0
 */
GPtrArray *
gst_twitch_ingest_list_get (GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (error == nullptr || *error == nullptr, nullptr);
  GError *e = nullptr;
  auto list = twitch::helix_fetch_ingests (cancellable, 30, &e);
  if (!list) {
    gst_twitch_internal::to_public_error (&e);
    g_propagate_error (error, e);
    return nullptr;
  }
  GPtrArray *out = g_ptr_array_new_full (list->size (), g_object_unref);
  for (const auto &ingest : *list)
    g_ptr_array_add (out, gst_twitch_ingest_new_internal (ingest));
  return out;
}

static void
ingest_thread (
    GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  (void)source;
  (void)data;
  GError *error = nullptr;
  GPtrArray *list = gst_twitch_ingest_list_get (cancellable, &error);
  if (list == nullptr)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, (GDestroyNotify)g_ptr_array_unref);
}

/**
 * gst_twitch_ingest_list_get_async:
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the caller's thread-default main
 *   context when done
 * @user_data: data for @callback
 *
 * gst_twitch_ingest_list_get() without blocking.
 *
 * Since: 1.0
 */
void
gst_twitch_ingest_list_get_async (
    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (nullptr, cancellable, callback, user_data);
  g_task_set_source_tag (task, (gpointer)gst_twitch_ingest_list_get_async);
  g_task_run_in_thread (task, ingest_thread);
  g_object_unref (task);
}

/**
 * gst_twitch_ingest_list_get_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type GstTwitchIngest): the ingests, or
 *   %NULL on failure.
 *
 * Since: 1.0
 */
GPtrArray *
gst_twitch_ingest_list_get_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, nullptr), nullptr);
  return (GPtrArray *)g_task_propagate_pointer (G_TASK (result), error);
}
