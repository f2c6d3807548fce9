#include "config.h"

#include <gst/twitch/gsttwitch-private.h>

#include <mutex>

/**
 * GstTwitchPager:
 *
 * A paged Helix collection (followers, followed channels, videos, clips,
 * chatters, top games), fetched one page (up to 100 objects) at a time and
 * up to the limit given when it was made. Each call to
 * gst_twitch_pager_next_page() sends at most one request; %NULL means the
 * end. In Python the pager is a lazy iterator over the objects:
 *
 * ```python
 * for follower in client.get_followers(user.get_id(), 250):
 *     print(follower.get_user_login())
 * ```
 *
 * Calls on one pager are serialized; a pager keeps its client's
 * configuration alive.
 *
 * Since: 1.0
 */
struct _GstTwitchPager {
  GObject parent;
  GType item_type;
  std::mutex *lock; /* one page at a time */
  gst_twitch_internal::PageSource *source;
  GError *error; /* configuration error, reported by the first call */
};

G_DEFINE_FINAL_TYPE (GstTwitchPager, gst_twitch_pager, G_TYPE_OBJECT)

enum { PROP_0, PROP_ITEM_TYPE, PROP_TOTAL, PROP_FETCHED, PROP_DONE, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
gst_twitch_pager_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTwitchPager *self = GST_TWITCH_PAGER (object);
  switch (prop_id) {
    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, self->item_type);
      break;
    case PROP_TOTAL:
      g_value_set_int64 (value, gst_twitch_pager_get_total (self));
      break;
    case PROP_FETCHED:
      g_value_set_uint64 (value, gst_twitch_pager_get_fetched (self));
      break;
    case PROP_DONE:
      g_value_set_boolean (value, gst_twitch_pager_is_done (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_twitch_pager_finalize (GObject *object)
{
  GstTwitchPager *self = GST_TWITCH_PAGER (object);
  delete self->source;
  delete self->lock;
  g_clear_error (&self->error);
  G_OBJECT_CLASS (gst_twitch_pager_parent_class)->finalize (object);
}

static void
gst_twitch_pager_class_init (GstTwitchPagerClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags
      = (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  gobject_class->get_property = gst_twitch_pager_get_property;
  gobject_class->finalize = gst_twitch_pager_finalize;

  /**
   * GstTwitchPager:item-type:
   *
   * The #GType of the objects in each page (e.g. %GST_TYPE_TWITCH_FOLLOWER).
   *
   * Since: 1.0
   */
  props[PROP_ITEM_TYPE] = g_param_spec_gtype (
      "item-type", nullptr, nullptr, G_TYPE_OBJECT, flags);
  /**
   * GstTwitchPager:total:
   *
   * The collection's size as the last page gave it (followers, followed
   * channels, chatters), or -1 when unknown.
   *
   * Since: 1.0
   */
  props[PROP_TOTAL] = g_param_spec_int64 (
      "total", nullptr, nullptr, -1, G_MAXINT64, -1, flags);
  /**
   * GstTwitchPager:fetched:
   *
   * Objects fetched so far.
   *
   * Since: 1.0
   */
  props[PROP_FETCHED] = g_param_spec_uint64 (
      "fetched", nullptr, nullptr, 0, G_MAXUINT64, 0, flags);
  /**
   * GstTwitchPager:done:
   *
   * Whether the end (or the limit) was reached.
   *
   * Since: 1.0
   */
  props[PROP_DONE]
      = g_param_spec_boolean ("done", nullptr, nullptr, FALSE, flags);
  g_object_class_install_properties (gobject_class, N_PROPS, props);
}

static void
gst_twitch_pager_init (GstTwitchPager *self)
{
  self->item_type = G_TYPE_OBJECT;
  self->lock = new std::mutex ();
}

GstTwitchPager *
gst_twitch_pager_new_internal (GType item_type,
    std::unique_ptr<gst_twitch_internal::PageSource> source, GError *error)
{
  auto *self = (GstTwitchPager *)g_object_new (GST_TYPE_TWITCH_PAGER, nullptr);
  self->item_type = item_type;
  self->source = source.release ();
  self->error = error;
  return self;
}

/**
 * gst_twitch_pager_next_page:
 * @self: a #GstTwitchPager
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Fetches the next page (blocking). Errors are in %GST_TWITCH_API_ERROR, or
 * %G_IO_ERROR_CANCELLED.
 *
 * Returns: (transfer container) (element-type GObject) (nullable): the next
 * page of objects of #GstTwitchPager:item-type, or %NULL at the end (with
 *   @error unset) or on failure.
 *
 * Since: 1.0
 */
GPtrArray *
gst_twitch_pager_next_page (
    GstTwitchPager *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (GST_TWITCH_IS_PAGER (self), nullptr);
  g_return_val_if_fail (error == nullptr || *error == nullptr, nullptr);
  std::lock_guard<std::mutex> guard (*self->lock);
  if (self->error != nullptr) {
    g_propagate_error (error, g_error_copy (self->error));
    return nullptr;
  }
  if (self->source == nullptr || self->source->done ())
    return nullptr;
  GPtrArray *page = self->source->next (cancellable, error);
  gst_twitch_internal::to_public_error (error);
  /* The C++ pager reports the end with no page; so do we (never an empty
   * array). */
  if (page != nullptr && page->len == 0) {
    g_ptr_array_unref (page);
    return nullptr;
  }
  return page;
}

static void
next_page_thread (GTask *task, gpointer source_object, gpointer task_data,
    GCancellable *cancellable)
{
  (void)task_data;
  GError *error = nullptr;
  GPtrArray *page = gst_twitch_pager_next_page (
      GST_TWITCH_PAGER (source_object), cancellable, &error);
  if (error != nullptr)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, page, (GDestroyNotify)g_ptr_array_unref);
}

/**
 * gst_twitch_pager_next_page_async:
 * @self: a #GstTwitchPager
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the thread-default main context of the
 *   caller when the page is there
 * @user_data: data for @callback
 *
 * Fetches the next page without blocking (the request runs in a worker
 * thread). Finish with gst_twitch_pager_next_page_finish().
 *
 * Since: 1.0
 */
void
gst_twitch_pager_next_page_async (GstTwitchPager *self,
    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (GST_TWITCH_IS_PAGER (self));
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, (gpointer)gst_twitch_pager_next_page_async);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, next_page_thread);
  g_object_unref (task);
}

/**
 * gst_twitch_pager_next_page_finish:
 * @self: a #GstTwitchPager
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type GObject) (nullable): the next
 * page, or %NULL at the end (with @error unset) or on failure.
 *
 * Since: 1.0
 */
GPtrArray *
gst_twitch_pager_next_page_finish (
    GstTwitchPager *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), nullptr);
  return (GPtrArray *)g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gst_twitch_pager_get_item_type:
 * @self: a #GstTwitchPager
 *
 * Returns: the #GType of the objects in each page.
 *
 * Since: 1.0
 */
GType
gst_twitch_pager_get_item_type (GstTwitchPager *self)
{
  g_return_val_if_fail (GST_TWITCH_IS_PAGER (self), G_TYPE_INVALID);
  return self->item_type;
}

/**
 * gst_twitch_pager_get_total:
 * @self: a #GstTwitchPager
 *
 * Returns: the "total" of the last page fetched, or -1 when unknown (nothing
 *   fetched yet, or an endpoint without one).
 *
 * Since: 1.0
 */
gint64
gst_twitch_pager_get_total (GstTwitchPager *self)
{
  g_return_val_if_fail (GST_TWITCH_IS_PAGER (self), -1);
  std::lock_guard<std::mutex> guard (*self->lock);
  return self->source ? self->source->total () : -1;
}

/**
 * gst_twitch_pager_get_fetched:
 * @self: a #GstTwitchPager
 *
 * Returns: the number of objects fetched so far.
 *
 * Since: 1.0
 */
guint64
gst_twitch_pager_get_fetched (GstTwitchPager *self)
{
  g_return_val_if_fail (GST_TWITCH_IS_PAGER (self), 0);
  std::lock_guard<std::mutex> guard (*self->lock);
  return self->source ? self->source->fetched () : 0;
}

/**
 * gst_twitch_pager_is_done:
 * @self: a #GstTwitchPager
 *
 * Returns: %TRUE once the end or the limit was reached.
 *
 * Since: 1.0
 */
gboolean
gst_twitch_pager_is_done (GstTwitchPager *self)
{
  g_return_val_if_fail (GST_TWITCH_IS_PAGER (self), TRUE);
  std::lock_guard<std::mutex> guard (*self->lock);
  return self->source == nullptr || self->source->done ();
}
