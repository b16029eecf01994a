#include "nasrank/common/error.h"
#include "store/store_internal.h"

#include <utility>

namespace nasrank::store {

using layout::ColumnInfo;
namespace runs = layout::runs;

// ---- Impl: sources (provenance) ---------------------------------------------------

namespace {

std::string provenance_text(const Provenance& p) {
  std::string text = p.source_path;
  for (const std::string* field : {&p.source_sha256, &p.source_mtime, &p.source_format, &p.source_split, &p.note}) {
    text += kSeparator;
    text += *field;
  }
  return text + kSeparator + std::to_string(p.source_size);
}

}  // namespace

bool has_source(const Provenance& p) {
  return !p.source_path.empty() || !p.source_sha256.empty() || !p.source_format.empty() || !p.note.empty() ||
         !p.source_split.empty() || p.source_size >= 0;
}

ResultStore::Impl::SourceTable& ResultStore::Impl::source_table() {
  if (!sources) {
    SourceTable table;
    if (file_rows > 0 || transaction) {
      namespace src = layout::sources;
      const auto paths = column(kSources, src::path).read_all<std::string>();
      const std::size_t n = paths.size();
      auto text = [&](const ColumnInfo& info) {
        auto values = column(kSources, info).read_all<std::string>();
        if (values.size() != n)
          throw InputError(where(kSources + "/" + info.name) +
                           " has a different length than '/sources/path' (damaged store)");
        return values;
      };
      const auto sha = text(src::sha256);
      const auto mtime = text(src::mtime);
      const auto format = text(src::format);
      const auto split = text(src::split);
      const auto note = text(src::note);
      const auto size = column(kSources, src::size_bytes).read_all<std::int64_t>();
      if (size.size() != n)
        throw InputError(where(kSources + "/size_bytes") +
                         " has a different length than '/sources/path' (damaged store)");
      for (std::size_t i = 0; i < n; ++i) {
        Provenance p;
        p.source_path = paths[i];
        p.source_sha256 = sha[i];
        p.source_size = size[i];
        p.source_mtime = mtime[i];
        p.source_format = format[i];
        p.source_split = split[i];
        p.note = note[i];
        table.index.emplace(provenance_text(p), static_cast<std::int32_t>(i));
        table.rows.push_back(std::move(p));
      }
    }
    sources = std::move(table);
  }
  return *sources;
}

std::vector<std::int32_t> ResultStore::Impl::assign_sources(const std::vector<const RunRecord*>& records) {
  SourceTable& table = source_table();
  std::vector<std::int32_t> ids;
  ids.reserve(records.size());
  const std::size_t first_new = table.rows.size();
  for (const RunRecord* record : records) {
    if (!has_source(record->provenance)) {
      ids.push_back(-1);
      continue;
    }
    const std::string text = provenance_text(record->provenance);
    auto it = table.index.find(text);
    if (it == table.index.end()) {
      it = table.index.emplace(text, static_cast<std::int32_t>(table.rows.size())).first;
      Provenance stored = record->provenance;
      stored.imported = false;
      table.rows.push_back(std::move(stored));
    }
    ids.push_back(it->second);
  }
  const std::size_t added = table.rows.size() - first_new;
  if (added > 0) {
    namespace src = layout::sources;
    std::vector<std::string> paths, sha, mtime, format, split, note;
    std::vector<std::int64_t> size;
    for (std::size_t i = first_new; i < table.rows.size(); ++i) {
      const Provenance& p = table.rows[i];
      paths.push_back(p.source_path);
      sha.push_back(p.source_sha256);
      mtime.push_back(p.source_mtime);
      format.push_back(p.source_format);
      split.push_back(p.source_split);
      note.push_back(p.note);
      size.push_back(p.source_size);
    }
    auto append = [&](const ColumnInfo& info, const auto& values) {
      h5::Column& c = column(kSources, info);
      c.resize(first_new + added);
      c.write(first_new, values);
    };
    append(src::path, paths);
    append(src::sha256, sha);
    append(src::size_bytes, size);
    append(src::mtime, mtime);
    append(src::format, format);
    append(src::split, split);
    append(src::note, note);
  }
  return ids;
}

}  // namespace nasrank::store
