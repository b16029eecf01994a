#pragma once
// The process exit codes of `nasrank` and `nasrank-torch`, in one place so
// that scripts (tools/slurm, the Python tests) and the CLI agree.

namespace nasrank {

constexpr int kExitOk = 0;
// A run, a batch or the system failed (IoError, a diverged batch, a crash).
constexpr int kExitFailure = 1;
// Bad input or usage (InputError, an unknown option).
constexpr int kExitBadInput = 2;
// Stopped by SIGINT/SIGTERM with the finished work kept: the shell's 128 + SIGINT.
constexpr int kExitInterrupted = 130;

}  // namespace nasrank
