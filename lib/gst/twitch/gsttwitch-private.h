/* Internal to libgsttwitch-1.0: how the C API reaches the C++ internals.
 * Not installed. */
#pragma once

#include <gst/twitch/twitch.h>
#include <gst/twitch/chat/message.h>
#include <gst/twitch/helix/helix.h>
#include <gst/twitch/ingest/ingest.h>

#include <functional>
#include <memory>

#include "gsttwitchmodels-private.inc"

namespace gst_twitch_internal
{

/* One page of a paged endpoint, as model objects: the C++ pager of the
 * endpoint behind a type-erased face (gsttwitchpager.cpp). */
class PageSource
{
 public:
  virtual ~PageSource () = default;
  /* A new array of the page's objects; nullptr at the end (error unset) or
   * on failure. */
  virtual GPtrArray *next (GCancellable *cancellable, GError **error) = 0;
  virtual gint64 total () const = 0;
  virtual guint64 fetched () const = 0;
  virtual bool done () const = 0;
};

template <typename T, typename Obj> class PageSourceT : public PageSource
{
 public:
  PageSourceT (std::shared_ptr<twitch::Helix> helix, twitch::Pager<T> pager,
      Obj *(*wrap) (const T &))
      : helix_ (std::move (helix)), pager_ (std::move (pager)), wrap_ (wrap)
  {
  }
  GPtrArray *next (GCancellable *cancellable, GError **error) override
  {
    std::vector<T> page;
    if (!pager_.next (page, cancellable, error))
      return nullptr;
    GPtrArray *out = g_ptr_array_new_full (page.size (), g_object_unref);
    for (const T &item : page)
      g_ptr_array_add (out, wrap_ (item));
    return out;
  }
  gint64 total () const override
  {
    return pager_.total () ? *pager_.total () : -1;
  }
  guint64 fetched () const override { return pager_.fetched (); }
  bool done () const override { return pager_.done (); }

 private:
  /* Keeps the client alive as long as the pager: twitch::Pager holds a raw
   * pointer to it. */
  std::shared_ptr<twitch::Helix> helix_;
  twitch::Pager<T> pager_;
  Obj *(*wrap_) (const T &);
};

/* Twitch's login grammar, [a-z0-9_]{1,25} after lower-casing (DESIGN 5b):
 * the lower-cased login, or false with GST_TWITCH_API_ERROR_BAD_REQUEST. */
bool check_login (
    const char *what, const char *login, std::string &out, GError **error);

/* Tokens, ids and secrets go into HTTP headers and IRC lines: printable
 * ASCII without spaces, at most 512 bytes. Empty is fine (not set). */
bool check_credential (const char *what, const std::string &value,
    GQuark domain, int code, GError **error);

/* Moves an error the internals set into the C API's domain
 * (GST_TWITCH_API_ERROR, GST_TWITCH_CHAT_ERROR), same code. */
void to_public_error (GError **error);

} // namespace gst_twitch_internal

/* A pager over @source; @error (taken) is returned by the first next_page()
 * instead, for a client that could not be configured. */
GstTwitchPager *gst_twitch_pager_new_internal (GType item_type,
    std::unique_ptr<gst_twitch_internal::PageSource> source, GError *error);
