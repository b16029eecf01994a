#pragma once
// Where the LibTorch half of the tool lives. `nasrank` itself never loads
// LibTorch (loading it costs about a second per process); training,
// calibration and re-rank workers run in `nasrank-torch`, installed beside it.
#include <filesystem>

namespace nasrank::cli {

// $NASRANK_TORCH_BIN, else nasrank-torch in the folder of this executable.
std::filesystem::path worker_binary_path();

}  // namespace nasrank::cli
