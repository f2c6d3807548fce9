/* Built by check_install.py against the installed headers and library only,
 * with `pkg-config --cflags --libs gsttwitch-1.0`: pages a channel's
 * followers and prints how many there were. */
#include <gst/twitch/twitch.h>

#include <stdio.h>
#include <stdlib.h>

int
main (int argc, char **argv)
{
  if (argc != 3) {
    fprintf (stderr, "usage: page_followers LOGIN LIMIT\n");
    return 2;
  }
  GError *error = NULL;
  GstTwitchHelixClient *client = gst_twitch_helix_client_new ();
  GstTwitchUser *user
      = gst_twitch_helix_client_get_user (client, argv[1], NULL, &error);
  if (user == NULL) {
    fprintf (stderr, "page_followers: %s\n", error->message);
    return 1;
  }
  GstTwitchPager *pager = gst_twitch_helix_client_get_followers (
      client, gst_twitch_user_get_id (user), (guint)atoi (argv[2]));
  guint pages = 0, followers = 0;
  GPtrArray *page;
  while ((page = gst_twitch_pager_next_page (pager, NULL, &error)) != NULL) {
    pages++;
    followers += page->len;
    g_ptr_array_unref (page);
  }
  if (error != NULL) {
    fprintf (stderr, "page_followers: %s\n", error->message);
    return 1;
  }
  printf ("%u followers in %u pages\n", followers, pages);
  g_object_unref (pager);
  g_object_unref (user);
  g_object_unref (client);
  return 0;
}
