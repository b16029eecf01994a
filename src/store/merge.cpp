#include "nasrank/store/merge.h"

#include "nasrank/common/error.h"

namespace nasrank::store {
namespace {

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code error;
  if (std::filesystem::exists(a, error) && std::filesystem::exists(b, error))
    return std::filesystem::equivalent(a, b, error);
  return std::filesystem::weakly_canonical(a, error) == std::filesystem::weakly_canonical(b, error);
}

}  // namespace

MergeReport merge_stores(const std::filesystem::path& output, const std::vector<std::filesystem::path>& inputs,
                         const MergeOptions& options) {
  if (inputs.empty()) throw InputError("merge: no input stores given");
  bool output_is_input = false;
  std::vector<std::filesystem::path> sources;
  for (const auto& input : inputs) {
    if (same_file(input, output)) {
      output_is_input = true;
      continue;
    }
    bool repeated = false;
    for (const auto& earlier : sources) repeated = repeated || same_file(earlier, input);
    if (repeated) throw InputError("merge: input '" + input.string() + "' is listed twice");
    sources.push_back(input);
  }
  // Every input must open before anything is written.
  std::vector<ResultStore> readers;
  for (const auto& source : sources)
    readers.push_back(ResultStore::open(source, options.upgrade ? OpenMode::ReadFormat1 : OpenMode::Read));

  std::error_code error;
  const bool output_exists = std::filesystem::exists(output, error);
  if (output_exists && !output_is_input && !options.overwrite)
    throw InputError("merge: output '" + output.string() +
                     "' already exists; list it among the inputs to merge into it, or pass --overwrite to replace it");
  ResultStore out = ResultStore::open(output, output_is_input ? OpenMode::Append : OpenMode::Truncate);

  // Under Fail, every input is read (keeping the earlier run) before the
  // merge fails, so that the error counts all conflicts, not one batch's.
  const bool fail_on_conflict = options.policy == DuplicatePolicy::Fail;
  const DuplicatePolicy policy = fail_on_conflict ? DuplicatePolicy::KeepExisting : options.policy;
  std::vector<std::string> first_conflicts;
  MergeReport report;
  report.inputs = inputs.size();
  for (std::size_t i = 0; i < readers.size(); ++i) {
    const ResultStore& reader = readers[i];
    constexpr std::size_t kBatch = 4096;
    std::vector<RunRecord> batch;
    auto flush = [&] {
      AddReport added;
      try {
        added = out.add(std::move(batch), policy);
      } catch (const InputError& e) {
        throw InputError("merging '" + sources[i].string() + "' into '" + output.string() + "': " + e.what());
      }
      batch.clear();
      report.added += added.added + added.replaced;
      report.identical_duplicates += added.identical_duplicates;
      report.conflicting_duplicates += added.conflicting_duplicates;
      for (const DuplicateReport& d : added.duplicates) {
        report.duplicates.push_back({d.key, d.identical, sources[i]});
        if (!d.identical && first_conflicts.size() < 3)
          first_conflicts.push_back(d.key.to_string() + " in '" + sources[i].string() + "'");
      }
    };
    reader.for_each([&](std::size_t, const RunRecord& record) {
      ++report.runs_read;
      batch.push_back(record);
      if (batch.size() == kBatch) flush();
      return true;
    });
    flush();
  }
  if (fail_on_conflict && report.conflicting_duplicates > 0) {
    std::string message = "merging into '" + output.string() + "': " + std::to_string(report.conflicting_duplicates) +
                          " run(s) already present with different results (in an earlier input or the output); " +
                          "nothing was written. First: ";
    for (std::size_t i = 0; i < first_conflicts.size(); ++i) message += (i ? "; " : "") + first_conflicts[i];
    throw InputError(message + ". Choose which to keep: --on-conflict keep-first (the earlier run) or keep-last " +
                     "(the later one)");
  }
  report.total = out.commit();
  return report;
}

}  // namespace nasrank::store
