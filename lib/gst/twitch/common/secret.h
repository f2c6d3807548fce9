/* twitch::Secret: the one way gst-twitch holds a stream key, token or client
 * secret.
 *
 * - Registered with the redactor (secrets.h) for as long as it holds a
 *   value, so the value never reaches the debug log, at any level.
 * - Move-only: a copy would be a second registration to forget. Code that
 *   must pass the value on copies it out with reveal(), at the point where
 *   it goes on the wire (a URL, a PASS line, an Authorization header).
 * - Wipes its memory when replaced, cleared, moved from or destroyed.
 * - Knows its environment fallback (environment.h): resolve() takes the
 *   variable's value when nothing was set.
 *
 * Not thread-safe: hold it under the owner's settings lock, like any other
 * property value. A settings struct that is copied out under its lock
 * holds a SharedSecret instead: the copies share the one registration, and
 * the last one gone wipes the value. */
#pragma once

#include <gst/twitch/twitch-prelude.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace twitch
{

/* Overwrites @s's characters with zeros (in a way the compiler keeps) and
 * empties it. */
GST_TWITCH_API void secret_wipe (std::string &s);

class GST_TWITCH_API Secret
{
 public:
  /* An accessor of environment.h, e.g. twitch::env::stream_key. */
  using Fallback = std::optional<std::string> (*) ();

  Secret () = default;
  explicit Secret (Fallback fallback) : fallback_ (fallback) {}
  ~Secret ();

  Secret (Secret &&other) noexcept;
  Secret &operator= (Secret &&other) noexcept;
  Secret (const Secret &) = delete;
  Secret &operator= (const Secret &) = delete;

  /* Holds @value (registered before the old one is dropped: never a moment
   * unprotected). An empty @value is a choice too: resolve() then keeps it
   * empty (e.g. anonymous chat on purpose). */
  void set (std::string_view value);
  /* Drops the value (wiped, unregistered); resolve() may use the fallback
   * again. */
  void clear ();
  /* The elements' rule for a string property: %NULL and "" mean "not set"
   * (clear(), the environment may fill it), anything else set(). */
  void set_property_value (const char *value);

  /* Unless set() chose a value, (re)reads the environment fallback: holds
   * its value, or nothing when the variable is unset. Returns true when the
   * value now held came from the environment. */
  bool resolve ();

  bool empty () const { return value_.empty (); }
  /* set() was called (with any value, "" included) since the last clear(). */
  bool is_set () const { return set_; }

  /* The value, for the place it goes on the wire. Never log it: the
   * redactor would catch it, but the habit is the protection. */
  const std::string &reveal () const { return value_; }

  /* @text with this secret (and every other registered one) redacted. */
  std::string redact (std::string_view text) const;

 private:
  void drop ();

  std::string value_;
  Fallback fallback_ = nullptr;
  bool set_ = false;
  bool registered_ = false;
};

/* A Secret shared by copies of a settings struct; nullptr: none. */
using SharedSecret = std::shared_ptr<const Secret>;

/* Moves @secret into a SharedSecret (nullptr when it is empty). */
GST_TWITCH_API SharedSecret secret_share (Secret &&secret);
/* A SharedSecret holding @value (nullptr when @value is empty). */
GST_TWITCH_API SharedSecret secret_share (std::string_view value);
/* The value of @secret, "" for nullptr: reveal() for a SharedSecret. */
GST_TWITCH_API const std::string &secret_reveal (const SharedSecret &secret);

} // namespace twitch
