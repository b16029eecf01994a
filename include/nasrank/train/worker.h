#pragma once
// The training side of a re-rank: a worker process reads jobs, one JSON
// object per line, and answers with JSON lines. The orchestrator (rerank
// module) never links LibTorch; it talks to workers through this protocol.
//
//   job:    {"id": 7, "architecture": "|...|", "protocol": {...resolved protocol...},
//            "protocol_source": "path/to/protocol.json", "dataset": "fashion-mnist",
//            "data_dir": "", "seed": 1}
//   events: {"id": 7, "event": "started"}
//           {"id": 7, "event": "epoch", "epoch": 0, "epochs": 3, "train_loss": 1.2, "train_accuracy": 55.1}
//           {"id": 7, "event": "result", "result": {...TrainResult JSON...}}
//           {"id": 7, "event": "error", "message": "..."}
// A job's failure (bad input, divergence is NOT a failure) answers "error"
// and the worker goes on with the next job; end of input ends the worker.
#include <iosfwd>
#include <string>

namespace nasrank::train {

// The worker trains with the process's thread count, which its main sets
// (configure_process in process.h).
struct WorkerOptions {
  std::string device = "auto";  // auto | cpu | cuda
};

// Serves jobs until `in` ends; returns the process exit code (0).
int serve_training_jobs(std::istream& in, std::ostream& out, const WorkerOptions& options);

}  // namespace nasrank::train
