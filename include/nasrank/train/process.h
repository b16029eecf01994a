#pragma once
// Process-wide settings for fast LibTorch training on the CPU. They belong to
// a program's main (nasrank-torch, a test or benchmark program), never to the
// library: the trainer trains with whatever the process was set up with and
// records the thread count it ran with.

namespace nasrank::train {

// Call once, early, before training: keeps big freed blocks in the heap
// instead of returning them to the OS every step (glibc M_MMAP_THRESHOLD
// 256 MiB, M_TRIM_THRESHOLD 1 GiB; page faults otherwise dominate) and sets
// the intra-op thread count (0 = every hardware thread; < 0 is an
// InputError). Returns the thread count in effect.
int configure_process(int threads);

// LibTorch's OpenMP threads spin while they wait for each other. On a machine
// whose cores are also busy with other work a spinning thread starves its
// sibling, and training ran 10-12x slower here (cpu-small-benchmark, 2
// threads: 81 s spinning, 6.6 s passive). The wait policy is read once, when
// the OpenMP runtime loads, so it can only be changed by restarting: when
// OMP_WAIT_POLICY is unset this sets it to PASSIVE and re-executes the
// program with the same arguments. Returns only when no restart was needed
// (or it failed, which leaves the process as it was). Call it first in main,
// before anything else has run.
void restart_with_passive_openmp_wait();

}  // namespace nasrank::train
