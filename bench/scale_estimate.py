#!/usr/bin/env python3
"""What re-ranking the whole NAS-Bench-201 space costs, from measured figures.

Counts the trainings nasrank needs for the full space (one per exact
isomorphism class, disconnected classes recorded without training) against the naive
count, and turns them into machine time with two measured per-epoch costs:

* this machine's CPU, from nasrank's own trainer: the per-cell training
  images/s that bench/run_train_bench.sh measured (its KEEP= JSON lines),
  fitted as seconds per image = a + b * forward MFLOPs of the network
  nasrank builds, applied to every cell that is trained;
* a GPU, from the per-epoch wall times that NAS-Bench-201 itself recorded
  for the cells in the official NATS-Bench fixtures (their GPUs, their
  PyTorch trainer), fitted the same way. Nothing here has a GPU, so this is
  the benchmark's measured cost, not nasrank's.

Usage:
  bench/scale_estimate.py --nasrank build/nasrank --train-bench train_bench.jsonl \
      [--nats ../shared/data/nb201/nats-tss-fixtures]
  bench/scale_estimate.py --nasrank build/nasrank --cpu-fit 0.85e-3,23.1e-6 --gpu-fit 11.2,0.136 \
      --lr-search 10,2 [--lr-search-sample 200]

--cpu-fit A,B / --gpu-fit A,B give the fitted constants directly (the measured ones in
docs/performance.md) instead of re-deriving them. --lr-search RATES,SEEDS adds the
cost of `nasrank lr-search` on the same network (C=16 N=5, CIFAR-10): one
epoch of training per architecture x rate x seed (evaluation of a 2,000-image
subset, counted like the re-rank's), for every trained class and for a sample
of --lr-search-sample classes (the mean class cost times the sample size).

`train_bench.jsonl` is the raw timings bench/run_train_bench.sh keeps with
KEEP=train_bench.jsonl; the nasrank lines (its default network) are used, the
median images/s of each cell over the rounds.
"""
import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile

CIFAR10_TRAIN_IMAGES = 50_000  # the `cifar10` key trains on train + valid
CIFAR10_EVAL_IMAGES = 10_000  # ori-test, evaluated once per epoch
EVAL_COST_FRACTION = 1 / 3  # a forward pass is about a third of a training step
SEEDS = 3
PROTOCOLS = 2
BUDGETS = (200, 12)


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def linear_fit(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx > 0 else 0.0
    return my - b * mx, b


def cpu_fit(train_bench_path):
    """Seconds per training image vs forward MFLOPs of the network nasrank builds, from the trainer bench."""
    per_cell = {}
    for number, line in enumerate(open(train_bench_path), 1):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            sys.exit(f"{train_bench_path}:{number}: not a JSON line ({error})")
        if record.get("variant") == "nasrank":
            flops, rates = per_cell.setdefault(record["arch"], (record["forward_mflops"], []))
            rates.append(record["images_per_second"])
    if len(per_cell) < 2:
        sys.exit(f"{train_bench_path}: fewer than two cells with \"variant\": \"nasrank\" lines "
                 "(is it the KEEP= file of bench/run_train_bench.sh?)")
    flops = [f for f, _ in per_cell.values()]
    seconds = [1.0 / statistics.median(rates) for _, rates in per_cell.values()]
    return linear_fit(flops, seconds), len(flops)


def gpu_fit(nasrank, nats_dir):
    """Seconds per epoch on the benchmark's GPUs vs MFLOPs, from NATS-Bench's recorded times."""
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "nats.h5")
        run([nasrank, "import", "nats", nats_dir, "--out", store])
        rows = json.loads(run([nasrank, "export", store, "--format", "json"]))
    points = {}
    for r in rows:
        if r["dataset"] == "cifar10" and r["budget_epochs"] == 200 and r.get("wall_seconds"):
            points[r["benchmark_index"]] = (r["flops_m"], r["wall_seconds"] / 200)
    if len(points) < 2:
        return None, points
    xs, ys = zip(*points.values())
    return linear_fit(list(xs), list(ys)), points


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nasrank", required=True)
    parser.add_argument("--train-bench", default=None)
    parser.add_argument("--cpu-fit", default=None, help="A,B: seconds/image = A + B x MFLOPs")
    parser.add_argument("--nats", default=None)
    parser.add_argument("--gpu-fit", default=None, help="A,B: seconds/epoch = A + B x MFLOPs")
    parser.add_argument("--lr-search", default=None, help="RATES,SEEDS of a learning-rate search")
    parser.add_argument("--lr-search-sample", type=int, default=200)
    args = parser.parse_args()
    if (args.train_bench is None) == (args.cpu_fit is None):
        sys.exit("give exactly one of --train-bench and --cpu-fit")

    counts = next(csv.DictReader(io.StringIO(run([args.nasrank, "space", "nb201", "--counts", "--format", "csv"]))))
    unique = list(csv.DictReader(io.StringIO(run([args.nasrank, "space", "nb201", "--unique", "--format", "csv"]))))
    trained = [row for row in unique if row["disconnected"] == "false"]
    total = int(counts["total"])

    cost_rows = csv.DictReader(io.StringIO(run(
        [args.nasrank, "cost", *[row["index"] for row in trained], "--dataset", "cifar10", "--format", "csv"])))
    flops_built = [float(row["flops_built_m"]) for row in cost_rows]
    flops_benchmark_all = [float(r["flops_m"]) for r in csv.DictReader(io.StringIO(run(
        [args.nasrank, "cost", *[str(i) for i in range(total)], "--dataset", "cifar10", "--format", "csv"])))]

    if args.cpu_fit:
        (cpu_a, cpu_b), cpu_cells = tuple(float(v) for v in args.cpu_fit.split(",")), "given"
    else:
        (cpu_a, cpu_b), cpu_cells = cpu_fit(args.train_bench)
    per_image_factor = CIFAR10_TRAIN_IMAGES + EVAL_COST_FRACTION * CIFAR10_EVAL_IMAGES
    cpu_epoch_seconds = sum(per_image_factor * (cpu_a + cpu_b * f) for f in flops_built)
    cpu_epoch_seconds_naive = sum(per_image_factor * (cpu_a + cpu_b * f) for f in flops_benchmark_all)

    print(f"NAS-Bench-201 on CIFAR-10: {total} cells, {counts['exact_classes']} exact classes (cells that train "
          f"identically; the benchmark's canonical string has {counts['unique_with_zeros']}), "
          f"{len(unique) - len(trained)} of them disconnected (recorded at chance, not trained), "
          f"{counts['disconnected']} disconnected cells in all")
    print(f"CPU cost model (this machine, 2 threads, nasrank's trainer, {cpu_cells} cells measured): "
          f"seconds/image = {cpu_a * 1e3:.3f} ms + {cpu_b * 1e6:.3f} us x MFLOPs; "
          f"mean epoch {cpu_epoch_seconds / len(trained):.0f} s over the trained classes")
    gpu, points = (None, {})
    if args.gpu_fit:
        gpu = tuple(float(v) for v in args.gpu_fit.split(","))
        print(f"GPU cost model (given): seconds/epoch = {gpu[0]:.2f} + {gpu[1]:.4f} x MFLOPs")
    elif args.nats:
        gpu, points = gpu_fit(args.nasrank, args.nats)
        if gpu:
            detail = ", ".join(f"#{i}: {f:.1f} MFLOPs {s:.1f} s" for i, (f, s) in sorted(points.items()))
            print(f"GPU cost model (NAS-Bench-201's recorded 200-epoch CIFAR-10 times per epoch: {detail}): "
                  f"seconds/epoch = {gpu[0]:.2f} + {gpu[1]:.4f} x MFLOPs")
    print()
    print(f"{'budget':>7} {'naive trainings':>16} {'nasrank trainings':>18} {'saved':>6} "
          f"{'CPU machine-days':>17} {'naive':>8} {'GPU-hours':>10} {'naive':>8}")
    for epochs in BUDGETS:
        naive = total * SEEDS * PROTOCOLS
        needed = len(trained) * SEEDS * PROTOCOLS
        cpu_days = cpu_epoch_seconds * epochs * SEEDS * PROTOCOLS / 86400
        cpu_days_naive = cpu_epoch_seconds_naive * epochs * SEEDS * PROTOCOLS / 86400
        line = (f"{epochs:>7} {naive:>16,} {needed:>18,} {naive / needed:>5.2f}x "
                f"{cpu_days:>17,.0f} {cpu_days_naive:>8,.0f}")
        if gpu:
            gpu_epoch = sum(gpu[0] + gpu[1] * f for f in flops_built)
            gpu_epoch_naive = sum(gpu[0] + gpu[1] * f for f in flops_benchmark_all)
            line += (f" {gpu_epoch * epochs * SEEDS * PROTOCOLS / 3600:>10,.0f}"
                     f" {gpu_epoch_naive * epochs * SEEDS * PROTOCOLS / 3600:>8,.0f}")
        print(line)
    print()
    print(f"({SEEDS} seeds x {PROTOCOLS} protocols; CPU figures are for one 2-core machine like this one, "
          "one process with 2 threads; nasrank's default of one single-threaded worker per core is faster, "
          "docs/performance.md)")

    if args.lr_search:
        rates, seeds = (int(v) for v in args.lr_search.split(","))
        search_images = CIFAR10_TRAIN_IMAGES + EVAL_COST_FRACTION * 2_000
        cpu_point = [search_images * (cpu_a + cpu_b * f) for f in flops_built]
        mean_cpu = sum(cpu_point) / len(cpu_point)
        print()
        print(f"lr-search, C=16 N=5 on CIFAR-10, one epoch per point, {rates} rates x {seeds} seeds "
              f"(diverged points stop early; counted in full):")
        for label, n in ((f"all {len(trained)} trained classes", len(trained)),
                         (f"a sample of {args.lr_search_sample} classes", args.lr_search_sample)):
            runs = n * rates * seeds
            cpu_hours = mean_cpu * runs / 3600
            line = f"  {label}: {runs:,} runs, {cpu_hours:,.0f} CPU hours on this machine ({cpu_hours / 24:,.1f} days)"
            if gpu:
                mean_gpu = sum(gpu[0] + gpu[1] * f for f in flops_built) / len(flops_built)
                line += f", {mean_gpu * runs / 3600:,.0f} GPU-hours (benchmark's GPUs)"
            print(line)


if __name__ == "__main__":
    main()
