#include "store/layout.h"

namespace nasrank::store::layout {

const std::vector<const ColumnInfo*>& run_columns() {
  static const std::vector<const ColumnInfo*> columns{&runs::space,         &runs::benchmark_index,
                                                      &runs::arch,          &runs::arch_key_hash,
                                                      &runs::unique_string, &runs::dataset,
                                                      &runs::protocol,      &runs::budget_epochs,
                                                      &runs::seed,          &runs::seeds_averaged,
                                                      &runs::status,        &runs::error_message,
                                                      &runs::learning_rate, &runs::init,
                                                      &runs::params_m,      &runs::flops_m,
                                                      &runs::wall_seconds,  &runs::images_per_second,
                                                      &runs::config_json,   &runs::tool_version,
                                                      &runs::created_at,    &runs::imported,
                                                      &runs::source_id,     &runs::curve_offset,
                                                      &runs::curve_length};
  return columns;
}

ColumnInfo final_accuracy_info() {
  return {"",
          {h5::Kind::F64},
          "percent",
          "top-1 accuracy on this split after the last epoch (mean over seeds_averaged when seed == -1); NaN = not "
          "measured"};
}

ColumnInfo final_loss_info() {
  return {"",
          {h5::Kind::F64},
          "nats",
          "mean cross-entropy per example on this split after the last epoch; NaN = not measured"};
}

const std::vector<const ColumnInfo*>& curve_columns() {
  static const std::vector<const ColumnInfo*> columns{&curves::train_loss, &curves::train_accuracy,
                                                      &curves::learning_rate, &curves::epoch_seconds};
  return columns;
}

ColumnInfo eval_accuracy_info() {
  return {
      "", {h5::Kind::F64}, "percent", "top-1 accuracy on this split after each epoch; NaN = not evaluated that epoch"};
}

ColumnInfo eval_loss_info() {
  return {
      "", {h5::Kind::F64}, "nats", "mean cross-entropy on this split after each epoch; NaN = not evaluated that epoch"};
}

const std::vector<const ColumnInfo*>& source_columns() {
  static const std::vector<const ColumnInfo*> columns{&sources::path,  &sources::sha256, &sources::size_bytes,
                                                      &sources::mtime, &sources::format, &sources::split,
                                                      &sources::note};
  return columns;
}

const std::vector<const ColumnInfo*>& index_columns() {
  static const std::vector<const ColumnInfo*> columns{&index::sorted_hash, &index::rows};
  return columns;
}

std::uint64_t arch_key_hash(const std::string& arch_key) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char byte : arch_key) {
    hash ^= byte;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace nasrank::store::layout
