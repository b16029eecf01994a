#pragma once
// A trainer result as a store row: every number, curve and setting carried
// over, so a stored run can always be traced to what produced it.
#include "nasrank/store/run.h"
#include "nasrank/train/result.h"

namespace nasrank::rerank {

store::RunRecord to_run_record(const train::TrainResult& result);

// A run that produced no result (bad data, out of memory, a crashed worker):
// stored with status failed and the error, so the batch can go on and a
// resume tries it again.
store::RunRecord failed_run_record(const std::string& space, const std::string& arch, const std::string& dataset,
                                   const std::string& protocol, int budget_epochs, std::uint64_t seed,
                                   const std::string& error, const std::string& config_json);

}  // namespace nasrank::rerank
