/* The GObject C API of libgsttwitch-1.0 (issue 9), in C, through the
 * installed-style headers only (<gst/twitch/twitch.h>), against the Helix
 * fake (tests/peers/helix-fake) and the TMI fake (tests/peers/tmi_fake.py),
 * both on 127.0.0.1 and stopped by the test. */
#include <gst/twitch/twitch.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

static GSubprocess *helix_fake;

/* Peers die with the test, even when an assertion aborts it: a peer left
 * running would hold the test's output open. */
static void
die_with_parent (gpointer data)
{
  (void)data;
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static GSubprocess *
spawn_peer (GSubprocessFlags flags, GError **error, const gchar *const *argv)
{
  GSubprocessLauncher *l = g_subprocess_launcher_new (flags);
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  GSubprocess *p = g_subprocess_launcher_spawnv (l, argv, error);
  g_object_unref (l);
  return p;
}
static gchar *helix_fake_path;
static gchar *peers_dir;

/* Starts the Helix fake and points TWITCH_* at it (it prints them). */
static void
start_helix_fake (void)
{
  GError *error = NULL;
  const gchar *argv[]
      = {helix_fake_path, "--env", "--stdin-exit", "--followers", "1234", NULL};
  helix_fake = spawn_peer (
      G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
      argv);
  g_assert_no_error (error);
  GDataInputStream *out
      = g_data_input_stream_new (g_subprocess_get_stdout_pipe (helix_fake));
  /* The port, then 7 variables. */
  for (int i = 0; i < 8; i++) {
    gchar *line = g_data_input_stream_read_line (out, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (line);
    gchar *eq = strchr (line, '=');
    if (i > 0) {
      g_assert_nonnull (eq);
      *eq = '\0';
      g_setenv (line, eq + 1, TRUE);
    }
    g_free (line);
  }
  g_object_unref (out);
}

static void
stop_helix_fake (void)
{
  /* It exits when its stdin closes. */
  g_output_stream_close (g_subprocess_get_stdin_pipe (helix_fake), NULL, NULL);
  g_subprocess_wait (helix_fake, NULL, NULL);
  g_clear_object (&helix_fake);
}

static void
test_user (void)
{
  GError *error = NULL;
  GstTwitchHelixClient *client = gst_twitch_helix_client_new ();
  GstTwitchUser *user
      = gst_twitch_helix_client_get_user (client, "TwitchDev", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gst_twitch_user_get_id (user), ==, "141981764");
  g_assert_cmpstr (gst_twitch_user_get_login (user), ==, "twitchdev");
  GDateTime *created = gst_twitch_user_get_created_at (user);
  g_assert_nonnull (created);
  g_assert_cmpint (g_date_time_get_year (created), ==, 2016);
  gchar *display = NULL;
  g_object_get (user, "display-name", &display, NULL);
  g_assert_cmpstr (display, ==, "TwitchDev");
  g_free (display);
  g_object_unref (user);

  /* Unknown: NOT_FOUND in the public domain. */
  user = gst_twitch_helix_client_get_user (
      client, "nobody_at_all", NULL, &error);
  g_assert_null (user);
  g_assert_error (error, GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Not a login: refused before any request. */
  user = gst_twitch_helix_client_get_user (client, "a b/../c", NULL, &error);
  g_assert_error (
      error, GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  g_object_unref (client);
}

static void
test_followers_pager (void)
{
  GError *error = NULL;
  GstTwitchHelixClient *client = gst_twitch_helix_client_new ();
  GstTwitchPager *pager
      = gst_twitch_helix_client_get_followers (client, "141981764", 250);
  g_assert_true (
      gst_twitch_pager_get_item_type (pager) == GST_TYPE_TWITCH_FOLLOWER);
  guint pages = 0, total = 0;
  GPtrArray *page;
  while ((page = gst_twitch_pager_next_page (pager, NULL, &error)) != NULL) {
    pages++;
    total += page->len;
    GstTwitchFollower *f = g_ptr_array_index (page, 0);
    g_assert_true (GST_TWITCH_IS_FOLLOWER (f));
    g_assert_nonnull (gst_twitch_follower_get_user_login (f));
    g_assert_nonnull (gst_twitch_follower_get_followed_at (f));
    g_ptr_array_unref (page);
  }
  g_assert_no_error (error);
  g_assert_cmpuint (pages, ==, 3); /* 100 + 100 + 50 */
  g_assert_cmpuint (total, ==, 250);
  g_assert_true (gst_twitch_pager_is_done (pager));
  g_assert_cmpint (gst_twitch_pager_get_total (pager), ==, 1234);
  g_object_unref (pager);
  g_object_unref (client);
}

static void
got_user (GObject *source, GAsyncResult *result, gpointer data)
{
  GError **error = data;
  GstTwitchUser *user = gst_twitch_helix_client_get_user_finish (
      GST_TWITCH_HELIX_CLIENT (source), result, error);
  g_assert_null (user);
  g_main_loop_quit (g_object_get_data (source, "loop"));
}

static void
test_cancelled_async (void)
{
  GError *error = NULL;
  GstTwitchHelixClient *client = gst_twitch_helix_client_new ();
  GMainLoop *loop = g_main_loop_new (NULL, FALSE);
  g_object_set_data (G_OBJECT (client), "loop", loop);
  GCancellable *cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  gst_twitch_helix_client_get_user_async (
      client, "twitchdev", cancel, got_user, &error);
  g_main_loop_run (loop);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_object_unref (cancel);
  g_main_loop_unref (loop);
  g_object_unref (client);
}

static void
test_bad_cache (void)
{
  GError *error = NULL;
  GstTwitchHelixClient *client = gst_twitch_helix_client_new ();
  g_object_set (client, "cache", "floppy", NULL);
  g_assert_null (
      gst_twitch_helix_client_get_user (client, "twitchdev", NULL, &error));
  g_assert_error (
      error, GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_BAD_REQUEST);
  g_assert_nonnull (strstr (error->message, "floppy"));
  g_clear_error (&error);
  /* The pager reports it at its first page. */
  GstTwitchPager *pager = gst_twitch_helix_client_get_top_games (client, 10);
  g_assert_null (gst_twitch_pager_next_page (pager, NULL, &error));
  g_assert_error (
      error, GST_TWITCH_API_ERROR, GST_TWITCH_API_ERROR_BAD_REQUEST);
  g_clear_error (&error);
  g_object_unref (pager);
  /* And a good one works. */
  g_object_set (client, "cache", "memory", NULL);
  GstTwitchUser *user
      = gst_twitch_helix_client_get_user (client, "twitchdev", NULL, &error);
  g_assert_no_error (error);
  g_object_unref (user);
  g_object_unref (client);
}

static void
test_emotes_by_code_point (void)
{
  GError *error = NULL;
  /* An emoji (one code point, four bytes) before the emote: Twitch counts
   * code points. */
  GstTwitchChatMessage *m = gst_twitch_chat_message_parse (
      "@badges=subscriber/12,bits/100;display-name=Ann;emotes=25:2-6;"
      "id=1a2b;bits=100 :ann!ann@ann.tmi.twitch.tv PRIVMSG #chan "
      ":\xF0\x9F\x98\x80 Kappa hi",
      &error);
  g_assert_no_error (error);
  g_assert_cmpint (
      gst_twitch_chat_message_get_kind (m), ==, GST_TWITCH_CHAT_KIND_PRIVMSG);
  g_assert_cmpstr (gst_twitch_chat_message_get_channel (m), ==, "chan");
  g_assert_cmpstr (gst_twitch_chat_message_get_display_name (m), ==, "Ann");
  g_assert_cmpint (gst_twitch_chat_message_get_bits (m), ==, 100);
  GPtrArray *emotes = gst_twitch_chat_message_get_emotes (m);
  g_assert_cmpuint (emotes->len, ==, 1);
  GstTwitchChatEmote *e = g_ptr_array_index (emotes, 0);
  g_assert_cmpstr (e->id, ==, "25");
  g_assert_cmpint (e->start, ==, 2);
  g_assert_cmpint (e->end, ==, 6);
  g_ptr_array_unref (emotes);
  GPtrArray *badges = gst_twitch_chat_message_get_badges (m);
  g_assert_cmpuint (badges->len, ==, 2);
  g_assert_cmpstr (
      ((GstTwitchChatBadge *)g_ptr_array_index (badges, 0))->version, ==, "12");
  g_ptr_array_unref (badges);
  g_assert_cmpstr (gst_twitch_chat_message_get_tag (m, "id"), ==, "1a2b");
  g_assert_null (gst_twitch_chat_message_get_tag (m, "no-such-tag"));
  g_object_unref (m);

  g_assert_null (gst_twitch_chat_message_parse ("", &error));
  g_assert_error (error, GST_TWITCH_CHAT_ERROR, GST_TWITCH_CHAT_ERROR_PARSE);
  g_clear_error (&error);
}

static void
test_redaction (void)
{
  const gchar *secret = "fakesecretvalue0000000000000zz";
  gst_twitch_secrets_register (secret);
  gchar *out
      = gst_twitch_secrets_redact ("token=fakesecretvalue0000000000000zz&x=1");
  g_assert_cmpstr (out, ==, "token=" GST_TWITCH_REDACTED "&x=1");
  g_free (out);
  gst_twitch_secrets_unregister (secret);
  out = gst_twitch_secrets_redact (secret);
  g_assert_cmpstr (out, ==, secret);
  g_free (out);
}

/* ---- chat against the TMI fake ------------------------------------------ */

typedef struct {
  GMainLoop *loop;
  guint messages;
  guint joined;
  gchar *last_text;
} ChatState;

static void
on_message (GstTwitchChatClient *c, GstTwitchChatMessage *m, ChatState *st)
{
  (void)c;
  /* Emitted on the main context of the thread that called start(). */
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  if (gst_twitch_chat_message_get_kind (m) != GST_TWITCH_CHAT_KIND_PRIVMSG)
    return;
  st->messages++;
  g_free (st->last_text);
  st->last_text = g_strdup (gst_twitch_chat_message_get_text (m));
  if (st->messages == 3)
    g_main_loop_quit (st->loop);
}

static void
on_joined (GstTwitchChatClient *c, const gchar *channel, ChatState *st)
{
  (void)c;
  g_assert_cmpstr (channel, ==, "gobjecttest");
  st->joined++;
  g_main_loop_quit (st->loop);
}

static gboolean
on_timeout (gpointer data)
{
  g_error ("timed out waiting for chat (%s)", (const char *)data);
  return G_SOURCE_REMOVE;
}

static void
test_chat_client (void)
{
  GError *error = NULL;
  gchar *dir = g_dir_make_tmp ("gobject-tmi-XXXXXX", &error);
  g_assert_no_error (error);
  gchar *port_file = g_build_filename (dir, "ports.json", NULL);
  gchar *script = g_build_filename (peers_dir, "tmi_fake.py", NULL);
  const gchar *argv[]
      = {"/usr/bin/python3", script, "--port-file", port_file, NULL};
  GSubprocess *tmi = spawn_peer (G_SUBPROCESS_FLAGS_NONE, &error, argv);
  g_assert_no_error (error);
  /* Wait for the ports (the fake writes the file once both listen). */
  gchar *json = NULL;
  for (int i = 0; i < 300 && json == NULL; i++) {
    if (!g_file_get_contents (port_file, &json, NULL, NULL)
        || !strchr (json, '}')) {
      g_clear_pointer (&json, g_free);
      g_usleep (50000);
    }
  }
  g_assert_nonnull (json);
  int port = 0, control = 0;
  g_assert_cmpint (
      sscanf (strstr (json, "\"port\""), "\"port\": %d", &port), ==, 1);
  g_assert_cmpint (
      sscanf (strstr (json, "\"control\""), "\"control\": %d", &control), ==,
      1);

  ChatState st = {g_main_loop_new (NULL, FALSE), 0, 0, NULL};
  GstTwitchChatClient *chat = gst_twitch_chat_client_new ();
  gchar *server = g_strdup_printf ("irc://127.0.0.1:%d", port);
  /* Anonymous, whatever TWITCH_OAUTH_TOKEN (the Helix fake's) says. */
  g_object_set (chat, "server", server, "oauth-token", "", NULL);
  g_assert_false (gst_twitch_chat_client_join (chat, "bad channel!", &error));
  g_assert_error (error, GST_TWITCH_CHAT_ERROR, GST_TWITCH_CHAT_ERROR_SETTINGS);
  g_clear_error (&error);
  g_assert_true (gst_twitch_chat_client_join (chat, "#GobjectTest", &error));
  g_signal_connect (chat, "message", G_CALLBACK (on_message), &st);
  g_signal_connect (chat, "joined", G_CALLBACK (on_joined), &st);
  g_assert_true (gst_twitch_chat_client_start (chat, &error));
  g_assert_no_error (error);
  guint timer = g_timeout_add_seconds (60, on_timeout, (gpointer) "join");
  g_main_loop_run (st.loop);
  g_source_remove (timer);
  g_assert_cmpuint (st.joined, ==, 1);

  /* Three messages from the server. */
  GSocketClient *sc = g_socket_client_new ();
  GSocketConnection *conn = g_socket_client_connect_to_host (
      sc, "127.0.0.1", control, NULL, &error);
  g_assert_no_error (error);
  const char *cmd = "privmsg gobjecttest 3\n";
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
      cmd, strlen (cmd), NULL, NULL, &error);
  g_assert_no_error (error);
  timer = g_timeout_add_seconds (60, on_timeout, (gpointer) "messages");
  g_main_loop_run (st.loop);
  g_source_remove (timer);
  g_assert_cmpuint (st.messages, ==, 3);
  g_assert_true (g_str_has_prefix (st.last_text, "message "));

  /* Anonymous: sending is refused at once. */
  g_assert_cmpuint (
      gst_twitch_chat_client_send (chat, "gobjecttest", "hi", NULL, &error), ==,
      0);
  g_clear_error (&error);

  gst_twitch_chat_client_stop (chat);
  g_assert_cmpint (gst_twitch_chat_client_get_state (chat), ==,
      GST_TWITCH_CHAT_STATE_STOPPED);
  g_object_unref (chat);

  /* Wait for the answer: the fake stops only once it could reply. */
  const char *quit = "quit\n";
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
      quit, strlen (quit), NULL, NULL, NULL);
  GDataInputStream *replies = g_data_input_stream_new (
      g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  for (int i = 0; i < 2; i++) /* "ok" to privmsg, then to quit */
    g_free (g_data_input_stream_read_line (replies, NULL, NULL, NULL));
  g_object_unref (replies);
  g_object_unref (conn);
  g_object_unref (sc);
  g_subprocess_wait (tmi, NULL, NULL);
  g_object_unref (tmi);
  g_unlink (port_file);
  g_rmdir (dir);
  g_free (server);
  g_free (json);
  g_free (script);
  g_free (port_file);
  g_free (dir);
  g_free (st.last_text);
  g_main_loop_unref (st.loop);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  helix_fake_path = g_strdup (g_getenv ("HELIX_FAKE"));
  peers_dir = g_strdup (g_getenv ("TWITCH_TEST_PEERS_DIR"));
  g_assert_nonnull (helix_fake_path);
  g_assert_nonnull (peers_dir);
  start_helix_fake ();
  g_test_add_func ("/gobject/helix/user", test_user);
  g_test_add_func ("/gobject/helix/followers-pager", test_followers_pager);
  g_test_add_func ("/gobject/helix/cancelled-async", test_cancelled_async);
  g_test_add_func ("/gobject/helix/bad-cache", test_bad_cache);
  g_test_add_func (
      "/gobject/chat/emotes-by-code-point", test_emotes_by_code_point);
  g_test_add_func ("/gobject/chat/client", test_chat_client);
  g_test_add_func ("/gobject/secrets/redaction", test_redaction);
  int ret = g_test_run ();
  stop_helix_fake ();
  g_free (helix_fake_path);
  g_free (peers_dir);
  return ret;
}
