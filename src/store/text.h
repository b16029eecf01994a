#pragma once
// Text helpers shared by the store's parsers (CSV import, query conditions).
#include <cctype>
#include <string>
#include <string_view>

namespace nasrank::store {

// `text` without its leading and trailing white space.
inline std::string trim(std::string_view text) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

}  // namespace nasrank::store
