/* Runs the fuzz target over its seed corpus once (the suite's regression
 * run; the real fuzzing is the libFuzzer build, docs/chat.md). */
#include <glib.h>

#include <cstdint>
#include <cstdio>
#include <string>

extern "C" int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
main (int argc, char **argv)
{
  int files = 0;
  for (int i = 1; i < argc; ++i) {
    GDir *dir = g_dir_open (argv[i], 0, nullptr);
    if (!dir) {
      fprintf (stderr, "cannot open %s\n", argv[i]);
      return 1;
    }
    while (const char *name = g_dir_read_name (dir)) {
      gchar *path = g_build_filename (argv[i], name, nullptr);
      gchar *data = nullptr;
      gsize len = 0;
      if (g_file_get_contents (path, &data, &len, nullptr)) {
        LLVMFuzzerTestOneInput (reinterpret_cast<const uint8_t *> (data), len);
        /* And every prefix, cheaply covering truncated lines. */
        for (gsize n = 0; n < len; n += 7)
          LLVMFuzzerTestOneInput (reinterpret_cast<const uint8_t *> (data), n);
        files++;
      }
      g_free (data);
      g_free (path);
    }
    g_dir_close (dir);
  }
  printf ("%d corpus files, no crash\n", files);
  return files > 0 ? 0 : 1;
}
