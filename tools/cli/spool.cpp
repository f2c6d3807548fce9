#include "spool.h"

#include "cli-error.h"

#include <glib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace cli
{

/* A row as written: its cell count, then per cell the null flag, the
 * number, the real and the string (length, bytes). The file is this
 * process's own (tmpfile, unlinked), read back by the same build. */
namespace
{

void
put (std::string &buf, const void *p, size_t n)
{
  buf.append (static_cast<const char *> (p), n);
}

template <typename T>
bool
get (FILE *f, T *out)
{
  return fread (out, sizeof *out, 1, f) == 1;
}

} // namespace

Spool::Spool ()
{
  file_ = tmpfile ();
  if (file_ == nullptr)
    fail (EXIT_OTHER, "cannot create a temporary file for -d asc: %s",
        g_strerror (errno));
}

Spool::~Spool ()
{
  fclose (file_);
}

void
Spool::add_page (const std::vector<Row> &rows)
{
  pages_.push_back ({ftell (file_), rows.size ()});
  std::string buf;
  for (const Row &row : rows) {
    uint32_t cells = static_cast<uint32_t> (row.size ());
    put (buf, &cells, sizeof cells);
    for (const Value &v : row) {
      uint8_t null = v.is_null ? 1 : 0;
      uint64_t len = v.s.size ();
      put (buf, &null, sizeof null);
      put (buf, &v.i, sizeof v.i);
      put (buf, &v.d, sizeof v.d);
      put (buf, &len, sizeof len);
      buf += v.s;
    }
  }
  if (fwrite (buf.data (), 1, buf.size (), file_) != buf.size ()
      || ferror (file_))
    fail (EXIT_OTHER, "cannot write the temporary file for -d asc: %s",
        g_strerror (errno));
  rows_ += static_cast<int64_t> (rows.size ());
}

void
Spool::replay_reversed (
    int64_t limit, const std::function<void (const std::vector<Row> &)> &fn)
{
  if (fflush (file_) != 0)
    fail (EXIT_OTHER, "cannot write the temporary file for -d asc: %s",
        g_strerror (errno));
  int64_t left = limit > 0 ? limit : rows_;
  std::vector<Row> rows;
  for (auto it = pages_.rbegin (); it != pages_.rend () && left > 0; ++it) {
    fseek (file_, it->first, SEEK_SET);
    rows.assign (it->second, Row ());
    for (Row &row : rows) {
      uint32_t cells = 0;
      bool ok = get (file_, &cells);
      row.resize (ok ? cells : 0);
      for (Value &v : row) {
        uint8_t null = 0;
        uint64_t len = 0;
        ok = ok && get (file_, &null) && get (file_, &v.i) && get (file_, &v.d)
             && get (file_, &len);
        if (ok) {
          v.is_null = null != 0;
          v.s.resize (len);
          ok = len == 0 || fread (v.s.data (), 1, len, file_) == len;
        }
      }
      if (!ok)
        fail (EXIT_OTHER, "cannot read back the temporary file for -d asc");
    }
    std::reverse (rows.begin (), rows.end ());
    if (static_cast<int64_t> (rows.size ()) > left)
      rows.resize (static_cast<size_t> (left));
    left -= static_cast<int64_t> (rows.size ());
    fn (rows);
  }
}

} // namespace cli
