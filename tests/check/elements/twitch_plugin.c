/* The twitch plugin as gst-inspect-1.0 shows it: every element registered,
 * one author string (issue 10: three were in use). */
#include "config.h"

#include <gst/check/gstcheck.h>

static const gchar *elements[]
    = {"twitchsink", "twitchchatsrc", "twitchchatsink", "twitchapisrc"};

GST_START_TEST (test_every_element_registered_with_one_author)
{
  GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (), "twitch");
  fail_unless (plugin != NULL, "the twitch plugin did not load");
  gst_object_unref (plugin);
  for (guint i = 0; i < G_N_ELEMENTS (elements); i++) {
    GstElementFactory *f = gst_element_factory_find (elements[i]);
    fail_unless (f != NULL, "%s is not registered", elements[i]);
    fail_unless_equals_string (
        gst_element_factory_get_metadata (f, GST_ELEMENT_METADATA_AUTHOR),
        GST_TWITCH_AUTHOR);
    gst_object_unref (f);
  }
}

GST_END_TEST;

/* twitchsink's internal elements (not plugin features) carry it too. */
GST_START_TEST (test_internal_elements_share_the_author)
{
  GstElement *sink = gst_element_factory_make ("twitchsink", NULL);
  fail_unless (sink != NULL);
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (sink));
  GValue item = G_VALUE_INIT;
  guint ours = 0;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *child = GST_ELEMENT (g_value_get_object (&item));
    if (g_str_has_prefix (G_OBJECT_TYPE_NAME (child), "GstTwitch")) {
      ours++;
      fail_unless_equals_string (
          gst_element_class_get_metadata (
              GST_ELEMENT_GET_CLASS (child), GST_ELEMENT_METADATA_AUTHOR),
          GST_TWITCH_AUTHOR);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  fail_unless (ours > 0, "no internal element found to check");
  gst_object_unref (sink);
}

GST_END_TEST;

static Suite *
twitch_plugin_suite (void)
{
  Suite *s = suite_create ("twitch_plugin");
  TCase *tc = tcase_create ("general");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_every_element_registered_with_one_author);
  tcase_add_test (tc, test_internal_elements_share_the_author);
  return s;
}

GST_CHECK_MAIN (twitch_plugin);
