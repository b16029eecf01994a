#pragma once
// The store's HDF5 layout in one place: every dataset's name, type, units and
// meaning (the meaning and units are also written as attributes, so the file
// explains itself). docs/store-format.md is the prose version of this file.
#include "store/h5.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nasrank::store::layout {

inline constexpr const char* kFormatName = "nasrank-results-store";
// 2 (nasrank 0.2.0): every structure HDF5 parses is checksummed; text
// columns are groups (h5::Kind::Text) and text attributes fixed-length.
// 1 (nasrank 0.1.0): text in HDF5 variable-length strings, read only by
// `nasrank merge --upgrade` (ResultStore OpenMode::ReadFormat1).
inline constexpr std::int64_t kFormatVersion = 2;

inline constexpr const char* kRunsGroup = "runs";
inline constexpr const char* kFinalAccuracyGroup = "runs/final_accuracy";
inline constexpr const char* kFinalLossGroup = "runs/final_loss";
inline constexpr const char* kCurvesGroup = "curves";
inline constexpr const char* kEvalAccuracyGroup = "curves/eval_accuracy";
inline constexpr const char* kEvalLossGroup = "curves/eval_loss";
inline constexpr const char* kSourcesGroup = "sources";
inline constexpr const char* kIndexGroup = "index";

struct ColumnInfo {
  const char* name;  // dataset name inside its group
  h5::ColumnType type;
  const char* units;
  const char* meaning;
  // The lookup hash and the index are read by every architecture query:
  // stored uncompressed in big chunks, with only a Fletcher-32 checksum per
  // chunk. The arch text confirms every hit, but only the checksum catches a
  // damaged entry that hides a stored run (a query would miss it and a
  // resumed re-rank would train it again).
  bool raw = false;
};

// Fixed-width text columns are padded with NULs; their widths bound the
// values (checked with a clear error when a run is added).
inline constexpr std::size_t kSpaceWidth = 16;
inline constexpr std::size_t kDatasetWidth = 32;
inline constexpr std::size_t kProtocolWidth = 64;
inline constexpr std::size_t kStatusWidth = 16;
inline constexpr std::size_t kInitWidth = 32;
inline constexpr std::size_t kVersionWidth = 32;
inline constexpr std::size_t kTimestampWidth = 32;

// /runs/<name>: one row per run.
namespace runs {
using h5::Kind;
inline const ColumnInfo space{
    "space", {Kind::FixedText, kSpaceWidth}, "", "search space: nb201 (NAS-Bench-201 cell) or dag (generic DAG code)"};
inline const ColumnInfo benchmark_index{
    "benchmark_index",
    {Kind::I32},
    "",
    "NAS-Bench-201 index 0..15624; -1 when the architecture is not a benchmark cell"};
inline const ColumnInfo arch{
    "arch", {Kind::Text}, "", "canonical arch string |op~0|+|op~0|op~1|+|op~0|op~1|op~2| (nb201) or DAG code (dag)"};
inline const ColumnInfo arch_key_hash{
    "arch_key_fnv1a64", {Kind::U64}, "", "lookup index: FNV-1a 64-bit hash of the UTF-8 text '<space>:<arch>'", true};
inline const ColumnInfo unique_string{
    "unique_string",
    {Kind::Text},
    "",
    "the benchmark's canonical isomorphism string (zeros considered); equal strings = same function"};
inline const ColumnInfo dataset{"dataset",
                                {Kind::FixedText, kDatasetWidth},
                                "",
                                "dataset key: cifar10-valid, cifar10, cifar100, ImageNet16-120, ..."};
inline const ColumnInfo protocol{
    "protocol", {Kind::FixedText, kProtocolWidth}, "", "training protocol name (nb201 = the benchmark's own protocol)"};
inline const ColumnInfo budget_epochs{
    "budget_epochs", {Kind::I32}, "epochs", "training budget; numbers of different budgets are never comparable"};
inline const ColumnInfo seed{
    "seed", {Kind::I64}, "", "training seed; -1 means the row is a mean over the seeds in seeds_averaged"};
inline const ColumnInfo seeds_averaged{
    "seeds_averaged",
    {Kind::Text},
    "",
    "for seed == -1: which seeds the row averages ('777,888,999' or 'unknown'); empty otherwise"};
inline const ColumnInfo status{
    "status", {Kind::FixedText, kStatusWidth}, "", "ok, diverged, disconnected (cell output always zero) or failed"};
inline const ColumnInfo error_message{
    "error_message", {Kind::Text}, "", "why a run failed or diverged; empty otherwise"};
inline const ColumnInfo learning_rate{"learning_rate", {Kind::F64}, "1", "initial (peak) learning rate; NaN = unknown"};
inline const ColumnInfo init{
    "init", {Kind::FixedText, kInitWidth}, "", "weight initialization: benchmark or principled; empty = unknown"};
inline const ColumnInfo params_m{
    "params_m", {Kind::F64}, "millions of parameters", "trainable parameters of the whole network; NaN = unknown"};
inline const ColumnInfo flops_m{
    "flops_m",
    {Kind::F64},
    "millions of FLOPs per image",
    "conv + linear multiply-adds of one forward pass (the benchmark's count); NaN = unknown"};
inline const ColumnInfo wall_seconds{
    "wall_seconds", {Kind::F64}, "seconds", "wall-clock time of the whole run; NaN = unknown"};
inline const ColumnInfo images_per_second{
    "images_per_second", {Kind::F64}, "images per second", "training throughput; NaN = unknown"};
inline const ColumnInfo config_json{
    "config_json", {Kind::Text}, "JSON", "the full resolved configuration that produced the row"};
inline const ColumnInfo tool_version{
    "tool_version", {Kind::FixedText, kVersionWidth}, "", "nasrank version that trained or imported the row"};
inline const ColumnInfo created_at{
    "created_at", {Kind::FixedText, kTimestampWidth}, "ISO 8601 UTC", "when the row was produced"};
inline const ColumnInfo imported{
    "imported", {Kind::U8}, "boolean", "1 = copied from published results (see source_id), 0 = trained by nasrank"};
inline const ColumnInfo source_id{
    "source_id", {Kind::I32}, "", "row of the /sources table this run came from; -1 = none"};
inline const ColumnInfo curve_offset{
    "curve_offset", {Kind::I64}, "", "first row of this run's epochs in the /curves datasets"};
inline const ColumnInfo curve_length{
    "curve_length", {Kind::I32}, "epochs", "number of /curves rows of this run (0 = no curves)"};
}  // namespace runs

// Every /runs column, in file order.
const std::vector<const ColumnInfo*>& run_columns();

// /runs/final_accuracy/<split> and /runs/final_loss/<split>.
ColumnInfo final_accuracy_info();
ColumnInfo final_loss_info();

// /curves/<name>: one row per (run, epoch), runs concatenated.
namespace curves {
using h5::Kind;
inline const ColumnInfo train_loss{
    "train_loss", {Kind::F64}, "nats", "mean training cross-entropy over the epoch; NaN = not recorded"};
inline const ColumnInfo train_accuracy{"train_accuracy",
                                       {Kind::F64},
                                       "percent",
                                       "training top-1 accuracy, running average over the epoch; NaN = not recorded"};
inline const ColumnInfo learning_rate{
    "learning_rate", {Kind::F64}, "1", "learning rate used during the epoch; NaN = not recorded"};
inline const ColumnInfo epoch_seconds{
    "epoch_seconds", {Kind::F64}, "seconds", "wall time of the epoch's training; NaN = not recorded"};
}  // namespace curves
const std::vector<const ColumnInfo*>& curve_columns();
ColumnInfo eval_accuracy_info();  // /curves/eval_accuracy/<split>
ColumnInfo eval_loss_info();      // /curves/eval_loss/<split>

// /sources/<name>: one row per distinct source of imported rows.
namespace sources {
using h5::Kind;
inline const ColumnInfo path{"path", {Kind::Text}, "", "absolute path of the source file when it was imported"};
inline const ColumnInfo sha256{
    "sha256", {Kind::Text}, "", "SHA-256 of the source file's bytes (lowercase hex); empty = not computed"};
inline const ColumnInfo size_bytes{"size_bytes", {Kind::I64}, "bytes", "size of the source file"};
inline const ColumnInfo mtime{"mtime_utc", {Kind::Text}, "ISO 8601 UTC", "modification time of the source file"};
inline const ColumnInfo format{"format", {Kind::Text}, "", "source format: csv, nats-tss-simple, ..."};
inline const ColumnInfo split{
    "declared_split", {Kind::Text}, "", "split as the source declared it (e.g. test); empty = per-split metrics"};
inline const ColumnInfo note{
    "note", {Kind::Text}, "", "how the source was read: column mapping, budget inference, seeds"};
}  // namespace sources
const std::vector<const ColumnInfo*>& source_columns();

// /index/<name>: the runs sorted by arch_key_fnv1a64, so one architecture is
// found by binary search instead of a scan. Rebuilt by every commit.
namespace index {
using h5::Kind;
inline const ColumnInfo sorted_hash{
    "arch_key_fnv1a64", {Kind::U64}, "", "runs/arch_key_fnv1a64 sorted ascending", true};
inline const ColumnInfo rows{"row", {Kind::I64}, "", "the /runs row of each entry of index/arch_key_fnv1a64", true};
}  // namespace index
const std::vector<const ColumnInfo*>& index_columns();

// Chunking: a chunk is the unit HDF5 reads and decompresses, so small run
// chunks keep a one-architecture lookup cheap (a whole-column scan pays a
// few microseconds per chunk).
inline constexpr std::size_t kRunChunkRows = 256;
inline constexpr std::size_t kCurveChunkRows = 8192;
inline constexpr std::size_t kSourceChunkRows = 256;
inline constexpr std::size_t kRawChunkRows = 65536;

// FNV-1a 64 of arch_key (see runs::arch_key_hash).
std::uint64_t arch_key_hash(const std::string& arch_key);

}  // namespace nasrank::store::layout
