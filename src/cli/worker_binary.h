#pragma once
// Where the LibTorch half of the tool lives. `nasrank` itself never loads
// LibTorch (loading it costs about a second per process); training,
// calibration and re-rank workers run in `nasrank-torch`, installed beside it.
#include <filesystem>
#include <string>

namespace nasrank::cli {

// $NASRANK_TORCH_BIN, else nasrank-torch in the folder of this executable.
std::filesystem::path worker_binary_path();

// Worker processes a re-rank uses by default for `device` (auto, cpu, cuda):
// one per core on the CPU (each with one thread), one per GPU otherwise.
int default_workers(const std::string& device);

}  // namespace nasrank::cli
