/* gst-twitch: rows of a -d asc report spooled to a temporary file, so that
 * the oldest can be printed first without holding the list in memory (Helix
 * lists newest first). */
#pragma once

#include "output.h"

#include <cstdio>
#include <functional>
#include <utility>
#include <vector>

namespace cli
{

class Spool
{
 public:
  Spool ();
  ~Spool ();
  Spool (const Spool &) = delete;
  Spool &operator= (const Spool &) = delete;

  /* Appends one page's rows (in the API's order). */
  void add_page (const std::vector<Row> &rows);
  int64_t rows () const { return rows_; }

  /* Calls @fn with each page from the last one back to the first, its rows
   * reversed, at most @limit rows in all (0: all). */
  void replay_reversed (
      int64_t limit, const std::function<void (const std::vector<Row> &)> &fn);

 private:
  FILE *file_;
  std::vector<std::pair<long, size_t>> pages_; /* offset, rows */
  int64_t rows_ = 0;
};

} // namespace cli
