/* Runs a fuzz target over its committed corpus once: the suite's regression
 * run of every seed and every crash found so far (the real fuzzing is the
 * libFuzzer build, tests/fuzz/README.md). Arguments: corpus folders or
 * single files. */
#include <glib.h>

#include <cstdint>
#include <cstdio>
#include <string>

extern "C" int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

namespace
{

bool
run_file (const char *path)
{
  gchar *data = nullptr;
  gsize len = 0;
  if (!g_file_get_contents (path, &data, &len, nullptr))
    return false;
  /* Named first, so a crash says which input it was. */
  printf ("%s\n", path);
  fflush (stdout);
  LLVMFuzzerTestOneInput (reinterpret_cast<const uint8_t *> (data), len);
  /* And prefixes, cheaply covering truncated input: about 128 of them, so
   * a long multi-line file stays quick under the sanitizers. */
  gsize step = MAX (7, len / 128);
  for (gsize n = 0; n < len; n += step)
    LLVMFuzzerTestOneInput (reinterpret_cast<const uint8_t *> (data), n);
  g_free (data);
  return true;
}

} // namespace

int
main (int argc, char **argv)
{
  int files = 0;
  for (int i = 1; i < argc; ++i) {
    if (g_file_test (argv[i], G_FILE_TEST_IS_REGULAR)) {
      files += run_file (argv[i]) ? 1 : 0;
      continue;
    }
    GDir *dir = g_dir_open (argv[i], 0, nullptr);
    if (!dir) {
      fprintf (stderr, "cannot open %s\n", argv[i]);
      return 1;
    }
    while (const char *name = g_dir_read_name (dir)) {
      gchar *path = g_build_filename (argv[i], name, nullptr);
      files += run_file (path) ? 1 : 0;
      g_free (path);
    }
    g_dir_close (dir);
  }
  printf ("%d corpus files, no crash\n", files);
  return files > 0 ? 0 : 1;
}
