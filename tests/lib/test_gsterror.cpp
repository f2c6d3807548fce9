/* Library errors -> GstResourceError in one place (issue 10). */
#include <gst/twitch/cache/cache.h>
#include <gst/twitch/chat/irc.h>
#include <gst/twitch/common/gsterror.h>
#include <gst/twitch/common/json.h>
#include <gst/twitch/helix/error.h>
#include <gst/twitch/ingest/ingest.h>

#include <gtest/gtest.h>

namespace
{

GstResourceError
map (GQuark domain, int code, GstResourceError other = GST_RESOURCE_ERROR_READ)
{
  GError *e = g_error_new_literal (domain, code, "x");
  GstResourceError r = twitch::gst_resource_error_of (e, other);
  g_error_free (e);
  return r;
}

} // namespace

TEST (GstError, RefusedCredentialsAreNotAuthorized)
{
  EXPECT_EQ (map (TWITCH_API_ERROR, twitch::API_ERROR_UNAUTHORIZED),
      GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  EXPECT_EQ (map (TWITCH_API_ERROR, twitch::API_ERROR_MISSING_SCOPE),
      GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  EXPECT_EQ (map (TWITCH_CHAT_ERROR, twitch::TWITCH_CHAT_ERROR_LOGIN),
      GST_RESOURCE_ERROR_NOT_AUTHORIZED);
}

TEST (GstError, MissingThingsAreNotFound)
{
  EXPECT_EQ (map (TWITCH_API_ERROR, twitch::API_ERROR_NOT_FOUND),
      GST_RESOURCE_ERROR_NOT_FOUND);
  EXPECT_EQ (map (TWITCH_INGEST_ERROR, twitch::INGEST_ERROR_UNKNOWN_SERVER),
      GST_RESOURCE_ERROR_NOT_FOUND);
}

TEST (GstError, BadConfigurationIsSettings)
{
  EXPECT_EQ (map (TWITCH_API_ERROR, twitch::API_ERROR_BAD_REQUEST),
      GST_RESOURCE_ERROR_SETTINGS);
  EXPECT_EQ (map (TWITCH_CHAT_ERROR, twitch::TWITCH_CHAT_ERROR_SETTINGS),
      GST_RESOURCE_ERROR_SETTINGS);
  EXPECT_EQ (map (TWITCH_INGEST_ERROR, twitch::INGEST_ERROR_INVALID),
      GST_RESOURCE_ERROR_SETTINGS);
  EXPECT_EQ (map (TWITCH_CACHE_ERROR, twitch::CACHE_ERROR_UNKNOWN_BACKEND),
      GST_RESOURCE_ERROR_SETTINGS);
}

TEST (GstError, RefusedCertificatesAreOpenReadWrite)
{
  EXPECT_EQ (map (TWITCH_CHAT_ERROR, twitch::TWITCH_CHAT_ERROR_CERTIFICATE),
      GST_RESOURCE_ERROR_OPEN_READ_WRITE);
  EXPECT_EQ (map (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE),
      GST_RESOURCE_ERROR_OPEN_READ_WRITE);
}

TEST (GstError, TransportFailuresTakeTheElementsOwnCode)
{
  EXPECT_EQ (map (TWITCH_API_ERROR, twitch::API_ERROR_NETWORK),
      GST_RESOURCE_ERROR_READ);
  EXPECT_EQ (map (TWITCH_API_ERROR, twitch::API_ERROR_SERVER,
                 GST_RESOURCE_ERROR_WRITE),
      GST_RESOURCE_ERROR_WRITE);
  EXPECT_EQ (map (TWITCH_CHAT_ERROR, twitch::TWITCH_CHAT_ERROR_CONNECTION),
      GST_RESOURCE_ERROR_READ);
  EXPECT_EQ (map (TWITCH_INGEST_ERROR, twitch::INGEST_ERROR_FETCH),
      GST_RESOURCE_ERROR_READ);
  EXPECT_EQ (
      map (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED), GST_RESOURCE_ERROR_READ);
  /* A GStreamer resource error keeps its code. */
  EXPECT_EQ (map (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT),
      GST_RESOURCE_ERROR_NO_SPACE_LEFT);
}

TEST (GstError, CancellationIsRecognisedByCodeNotText)
{
  GError *cancelled = g_error_new_literal (
      G_IO_ERROR, G_IO_ERROR_CANCELLED, "something else entirely");
  GError *named = g_error_new_literal (
      TWITCH_API_ERROR, twitch::API_ERROR_NETWORK, "cancelled");
  EXPECT_TRUE (twitch::error_is_cancelled (cancelled));
  EXPECT_FALSE (twitch::error_is_cancelled (named));
  EXPECT_FALSE (twitch::error_is_cancelled (nullptr));
  g_error_free (cancelled);
  g_error_free (named);
}

/* The domains' names are what a debug log and an error's details print:
 * "twitch-api-error-quark", never the formatter-spaced
 * "twitch - api - error - quark" G_DEFINE_QUARK used to give three of them. */
TEST (GstError, DomainNamesAreOneWord)
{
  EXPECT_STREQ (g_quark_to_string (TWITCH_API_ERROR), "twitch-api-error-quark");
  EXPECT_STREQ (
      g_quark_to_string (TWITCH_JSON_ERROR), "twitch-json-error-quark");
  EXPECT_STREQ (
      g_quark_to_string (TWITCH_INGEST_ERROR), "twitch-ingest-error-quark");
  EXPECT_STREQ (
      g_quark_to_string (TWITCH_CHAT_ERROR), "twitch-chat-error-quark");
  EXPECT_STREQ (
      g_quark_to_string (TWITCH_CACHE_ERROR), "twitch-cache-error-quark");
}
