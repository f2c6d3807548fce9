/* main() of every GoogleTest program of the suite. Like gtest_main, except
 * that a program whose every test that ran was skipped exits 77, so meson
 * reports SKIP instead of OK (GoogleTest itself exits 0 on a skip). */
#include <gtest/gtest.h>

int
main (int argc, char **argv)
{
  testing::InitGoogleTest (&argc, argv);
  int rc = RUN_ALL_TESTS ();
  const testing::UnitTest *u = testing::UnitTest::GetInstance ();
  if (rc == 0 && u->test_to_run_count () > 0
      && u->skipped_test_count () == u->test_to_run_count ())
    return 77;
  return rc;
}
