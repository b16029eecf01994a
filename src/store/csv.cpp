#include "store/csv.h"

#include "nasrank/common/error.h"

#include <fstream>
#include <sstream>

namespace nasrank::store::csv {

std::size_t Table::column(const std::string& name, const std::string& purpose) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  std::string names;
  for (const auto& h : header) names += (names.empty() ? "'" : ", '") + h + "'";
  throw InputError("'" + path.string() + "' has no column '" + name + "' (" + purpose + "); its columns are " + names);
}

Table parse(const std::string& text, const std::filesystem::path& name) {
  Table table;
  table.path = name;
  const std::string where = "'" + name.string() + "'";
  std::size_t at = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  std::size_t line = 1;
  bool have_header = false;
  while (at < text.size()) {
    const std::size_t row_line = line;
    std::vector<std::string> fields;
    std::string field;
    bool row_done = false;
    bool blank = true;
    while (!row_done) {
      if (at < text.size() && text[at] == '"') {
        blank = false;
        ++at;
        for (;;) {
          if (at >= text.size())
            throw InputError(where + " line " + std::to_string(row_line) + ": a quoted field is never closed");
          if (text[at] == '"') {
            if (at + 1 < text.size() && text[at + 1] == '"') {
              field += '"';
              at += 2;
              continue;
            }
            ++at;
            break;
          }
          if (text[at] == '\n') ++line;
          field += text[at++];
        }
        if (at < text.size() && text[at] != ',' && text[at] != '\n' && text[at] != '\r')
          throw InputError(where + " line " + std::to_string(line) + ": text after the closing quote of field " +
                           std::to_string(fields.size() + 1));
      } else {
        while (at < text.size() && text[at] != ',' && text[at] != '\n' && text[at] != '\r') field += text[at++];
        if (!field.empty()) blank = false;
      }
      if (at < text.size() && text[at] == ',') {
        blank = false;
        fields.push_back(std::move(field));
        field.clear();
        ++at;
        continue;
      }
      fields.push_back(std::move(field));
      field.clear();
      if (at < text.size() && text[at] == '\r') ++at;
      if (at < text.size() && text[at] == '\n') ++at;
      ++line;
      row_done = true;
    }
    if (blank) continue;
    if (!have_header) {
      table.header = std::move(fields);
      have_header = true;
      continue;
    }
    if (fields.size() != table.header.size())
      throw InputError(where + " line " + std::to_string(row_line) + ": " + std::to_string(fields.size()) +
                       " fields, but the header has " + std::to_string(table.header.size()));
    table.rows.push_back(std::move(fields));
    table.lines.push_back(row_line);
  }
  if (!have_header) throw InputError(where + " is empty: expected a header line and data rows");
  return table;
}

Table read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open '" + path.string() + "' for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path);
}

}  // namespace nasrank::store::csv
