#!/usr/bin/python3
"""Python peer of bench/bench_io.cpp: the same NATS-Bench fixture records
decoded with CPython's bz2 + pickle (the C unpickler), the way the NATS-Bench
API loads them. Each scenario runs in its own process so that its peak RSS is
its own.

    /usr/bin/python3 bench/io_peer.py            # all scenarios, a table
    /usr/bin/python3 bench/io_peer.py stream     # one scenario, one JSON line
"""
import bz2
import json
import os
import pickle
import resource
import subprocess
import sys
import time

SPACE_SIZE = 15625
INDEXES = (0, 11, 284)


def fixture_dir():
    shared = os.environ.get("NASRANK_SHARED_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")
    return os.path.join(shared, "data", "nb201", "nats-tss-fixtures")


def load_fixtures():
    compressed = []
    for index in INDEXES:
        with open(os.path.join(fixture_dir(), "%06d.pickle.pbz2" % index), "rb") as f:
            compressed.append(f.read())
    return compressed, [bz2.decompress(c) for c in compressed]


def summary(record):
    """Seed-mean 200-epoch CIFAR-10 test accuracy, as bench_io.cpp keeps."""
    runs = record["200"]["all_results"]
    accs = [run["eval_acc1es"]["ori-test@%d" % (run["epochs"] - 1)]
            for (dataset, _), run in runs.items() if dataset == "cifar10"]
    return sum(accs) / len(accs)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def per_record(n, step):
    """(wall ms, CPU ms) per record; the CPU time is what to compare on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        step(i % 3)
    return 1e3 * (time.perf_counter() - wall) / n, 1e3 * (time.process_time() - cpu) / n


def run(scenario):
    import numpy  # noqa: F401  (the records hold numpy scalars; import it outside the timing)
    compressed, pickled = load_fixtures()
    out = {"scenario": scenario}
    if scenario == "bz2":
        out["wall_ms_per_record"], out["cpu_ms_per_record"] = per_record(200, lambda k: bz2.decompress(compressed[k]))
    elif scenario == "parse":
        out["wall_ms_per_record"], out["cpu_ms_per_record"] = per_record(600, lambda k: pickle.loads(pickled[k]))
    elif scenario == "from_pbz2":
        out["wall_ms_per_record"], out["cpu_ms_per_record"] = per_record(
            200, lambda k: summary(pickle.loads(bz2.decompress(compressed[k]))))
    elif scenario == "stream":
        wall, cpu = time.perf_counter(), time.process_time()
        total = sum(summary(pickle.loads(pickled[i % 3])) for i in range(SPACE_SIZE))
        out["wall_seconds"] = time.perf_counter() - wall
        out["cpu_seconds"] = time.process_time() - cpu
        out["records_per_cpu_second"] = SPACE_SIZE / out["cpu_seconds"]
        out["checksum"] = total
    elif scenario == "hold":
        wall, cpu = time.perf_counter(), time.process_time()
        kept = [pickle.loads(pickled[i % 3]) for i in range(1000)]
        out["wall_seconds"] = time.perf_counter() - wall
        out["cpu_seconds"] = time.process_time() - cpu
        out["records"] = len(kept)
    else:
        raise SystemExit("unknown scenario " + scenario)
    out["peak_rss_MiB"] = peak_rss_mib()
    return out


def main():
    if len(sys.argv) > 1:
        print(json.dumps(run(sys.argv[1])))
        return
    for scenario in ("bz2", "parse", "from_pbz2", "stream", "hold"):
        result = subprocess.run([sys.executable, os.path.abspath(__file__), scenario],
                                check=True, capture_output=True, text=True)
        print(result.stdout.strip())


if __name__ == "__main__":
    main()
