/* Runs gst-twitch (GST_TWITCH_CLI, set by meson test) as a user would, with
 * @unset removed from the environment and @env set, and returns its exit
 * status, stdout and stderr. Shared by the tools tests. */
#pragma once

#include <gio/gio.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace cli_test
{

struct Result {
  int status = -1;
  std::string out, err;
};

inline Result
run_cli (const std::vector<std::string> &args,
    const std::vector<const char *> &unset,
    const std::map<std::string, std::string> &env)
{
  Result r;
  const char *cli = g_getenv ("GST_TWITCH_CLI");
  EXPECT_NE (cli, nullptr) << "GST_TWITCH_CLI is not set (meson test)";
  if (cli == nullptr)
    return r;
  GSubprocessLauncher *l = g_subprocess_launcher_new (
      (GSubprocessFlags)(G_SUBPROCESS_FLAGS_STDOUT_PIPE
                         | G_SUBPROCESS_FLAGS_STDERR_PIPE));
  for (const char *v : unset)
    g_subprocess_launcher_unsetenv (l, v);
  for (const auto &[k, v] : env)
    g_subprocess_launcher_setenv (l, k.c_str (), v.c_str (), TRUE);
  std::vector<const char *> argv = {cli};
  for (const auto &a : args)
    argv.push_back (a.c_str ());
  argv.push_back (nullptr);
  GError *err = nullptr;
  GSubprocess *p = g_subprocess_launcher_spawnv (l, argv.data (), &err);
  g_object_unref (l);
  EXPECT_NE (p, nullptr) << (err ? err->message : "");
  if (p == nullptr) {
    g_clear_error (&err);
    return r;
  }
  gchar *out = nullptr, *errs = nullptr;
  g_subprocess_communicate_utf8 (p, nullptr, nullptr, &out, &errs, &err);
  g_clear_error (&err);
  r.out = out ? out : "";
  r.err = errs ? errs : "";
  g_free (out);
  g_free (errs);
  r.status
      = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : 128;
  g_object_unref (p);
  return r;
}

} // namespace cli_test
