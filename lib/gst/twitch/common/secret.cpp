/* twitch::Secret (secret.h). */
#include "config.h"

#include <gst/twitch/common/secret.h>
#include <gst/twitch/common/secrets.h>

#include <cstring>

namespace twitch
{

void
secret_wipe (std::string &s)
{
  if (!s.empty ())
    explicit_bzero (s.data (), s.size ());
  s.clear ();
}

Secret::~Secret ()
{
  drop ();
}

Secret::Secret (Secret &&other) noexcept
    : fallback_ (other.fallback_), set_ (other.set_),
      registered_ (other.registered_)
{
  /* A copy then a wipe: a moved-from short string keeps its characters in
   * its own inline buffer. The registration moves with the value. */
  value_ = other.value_;
  secret_wipe (other.value_);
  other.registered_ = false;
  other.set_ = false;
}

Secret &
Secret::operator= (Secret &&other) noexcept
{
  if (this != &other) {
    drop ();
    value_ = other.value_;
    fallback_ = other.fallback_;
    set_ = other.set_;
    registered_ = other.registered_;
    secret_wipe (other.value_);
    other.registered_ = false;
    other.set_ = false;
  }
  return *this;
}

void
Secret::drop ()
{
  if (registered_)
    secrets_unregister (value_);
  registered_ = false;
  secret_wipe (value_);
}

void
Secret::set (std::string_view value)
{
  /* The new value is registered before the old one is dropped, so a log
   * line written meanwhile from another thread holds neither. */
  bool reg = !value.empty ();
  if (reg)
    secrets_register (value);
  drop ();
  value_.assign (value.data (), value.size ());
  registered_ = reg;
  set_ = true;
}

void
Secret::clear ()
{
  drop ();
  set_ = false;
}

void
Secret::set_property_value (const char *value)
{
  if (value == nullptr || *value == '\0')
    clear ();
  else
    set (value);
}

bool
Secret::resolve ()
{
  if (set_ || fallback_ == nullptr)
    return false;
  std::optional<std::string> v = fallback_ ();
  if (!v) {
    drop ();
    return false;
  }
  set (*v);
  set_ = false; /* still the fallback's: the next resolve() reads again */
  secret_wipe (*v);
  return true;
}

std::string
Secret::redact (std::string_view text) const
{
  return secrets_redact (text, value_);
}

SharedSecret
secret_share (Secret &&secret)
{
  if (secret.empty ())
    return nullptr;
  return std::make_shared<const Secret> (std::move (secret));
}

SharedSecret
secret_share (std::string_view value)
{
  if (value.empty ())
    return nullptr;
  Secret s;
  s.set (value);
  return secret_share (std::move (s));
}

const std::string &
secret_reveal (const SharedSecret &secret)
{
  static const std::string none;
  return secret ? secret->reveal () : none;
}

} // namespace twitch
