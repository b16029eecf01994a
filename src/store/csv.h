#pragma once
// A strict RFC 4180 reader for the result tables imported into a store.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace nasrank::store::csv {

struct Table {
  std::filesystem::path path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each has header.size() fields
  std::vector<std::size_t> lines;              // line number (1-based) where each row starts

  // Position of a header name; InputError naming the file and the columns when absent.
  std::size_t column(const std::string& name, const std::string& purpose) const;
};

// Comma-separated, double-quoted fields with "" escapes and line breaks
// inside quotes, LF or CRLF line ends, an optional UTF-8 BOM. Blank lines are
// skipped. InputError (file, line, problem) for an unterminated quote, text
// after a closing quote, or a row whose field count differs from the header.
Table read(const std::filesystem::path& path);
Table parse(const std::string& text, const std::filesystem::path& name);

}  // namespace nasrank::store::csv
