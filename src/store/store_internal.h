#pragma once
// What the files of ResultStore::Impl (store.cpp and store_*.cpp, one per
// section: files, index, caches, sources, writing, reading, overlay) share
// beyond store_impl.h, which the query engine and the exporter see too.
#include "store/store_impl.h"

#include <filesystem>
#include <string>

namespace nasrank::store {

// Separates the fields of key_text() and of a provenance's text.
inline constexpr char kSeparator = '\x1f';
inline const std::string kRuns = layout::kRunsGroup;
inline const std::string kCurves = layout::kCurvesGroup;
inline const std::string kSources = layout::kSourcesGroup;
inline const std::string kIndex = layout::kIndexGroup;
inline const std::string kFinalAccuracy = layout::kFinalAccuracyGroup;
inline const std::string kFinalLoss = layout::kFinalLossGroup;
inline const std::string kEvalAccuracy = layout::kEvalAccuracyGroup;
inline const std::string kEvalLoss = layout::kEvalLossGroup;

inline std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

// Whether a run's provenance names a source (store_sources.cpp); one that
// does not is stored without a /sources row.
bool has_source(const Provenance& p);

}  // namespace nasrank::store
