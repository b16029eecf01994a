"""The Python package against h5py, side by side, on one store:

* import time: a fresh `python3 -c "import nasrank.nats"` vs `import h5py`
  (whole process, minus a bare `python3 -c pass`);
* one-architecture lookup latency after import: NATS-style
  `api.get_more_info(index, dataset, hp, is_random=False)` vs the same numbers
  read with h5py (the store-format page's recipe: select the rows of one
  index, dataset and budget, read train / valid / test accuracy and loss, mean
  over seeds). h5py is timed two ways: reading the selection columns on every
  lookup (what the recipe does) and with them cached in memory after the
  first lookup (the fastest a script can do with h5py).

Usage: python3 bench/python_peer.py STORE [--dataset cifar10] [--budget 200] [--lookups 200]
(PYTHONPATH must reach the nasrank package, e.g. build/python.)
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import time

import h5py
import numpy as np

import nasrank.nats


def import_ms(statement, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True, env=os.environ)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class H5Lookup:
    """get_more_info's numbers through h5py, following docs/store-format.md."""

    def __init__(self, path, cache):
        self.file = h5py.File(path, "r")
        self.runs = self.file["runs"]
        self.cache = cache
        self.columns = None

    def selection(self):
        if self.columns is None or not self.cache:
            self.columns = (self.runs["benchmark_index"][:], self.runs["dataset"][:].astype(str),
                            self.runs["protocol"][:].astype(str), self.runs["budget_epochs"][:])
        return self.columns

    def get_more_info(self, index, dataset, budget, protocol="nb201"):
        idx, ds, proto, bud = self.selection()
        rows = np.flatnonzero((idx == index) & (ds == dataset) & (proto == protocol) & (bud == budget))
        splits = {"train": "train", "valid": "x-valid",
                  "test": "ori-test" if dataset in ("cifar10", "cifar10-valid") else "x-test"}
        info = {}
        for prefix, split in splits.items():
            for metric, group in (("accuracy", "final_accuracy"), ("loss", "final_loss")):
                name = f"{group}/{split}"
                if name in self.runs and len(rows):
                    values = self.runs[name][rows]
                    values = values[~np.isnan(values)]
                    if len(values):
                        info[f"{prefix}-{metric}"] = float(values.mean())
        return info


def latency_ms(lookup, indices):
    times = []
    for index in indices:
        start = time.perf_counter()
        lookup(index)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--import-runs", type=int, default=10)
    args = parser.parse_args()

    bare = import_ms("pass", args.import_runs)
    nasrank_import = import_ms("import nasrank.nats", args.import_runs) - bare
    h5py_import = import_ms("import h5py", args.import_runs) - bare

    api = nasrank.nats.API(args.store)
    rng = random.Random(0)
    indices = [rng.randrange(15625) for _ in range(args.lookups)]
    indices = [i for i in indices if api.store.budgets(arch=i, dataset=args.dataset)] or indices
    hp = str(args.budget)
    ours = lambda i: api.get_more_info(i, args.dataset, hp=hp, is_random=False)  # noqa: E731
    answers = {i: ours(i) for i in indices[:20]}
    nasrank_ms = latency_ms(ours, indices)
    runs = len(api.store)
    # One process cannot hold the file open through both readers: nasrank and
    # h5py share Debian's libhdf5, which refuses a second open with another
    # file-close degree. Close nasrank's handle first.
    api.store.close()
    peer_cached = H5Lookup(args.store, cache=True)
    peer_fresh = H5Lookup(args.store, cache=False)
    for index, a in answers.items():
        b = peer_cached.get_more_info(index, args.dataset, args.budget)
        assert a.keys() == b.keys() and all(abs(a[k] - b[k]) < 1e-9 for k in a), (index, a, b)
    cached_ms = latency_ms(lambda i: peer_cached.get_more_info(i, args.dataset, args.budget), indices)
    fresh_ms = latency_ms(lambda i: peer_fresh.get_more_info(i, args.dataset, args.budget), indices[:50])

    size = os.path.getsize(args.store) / 2**20
    print(f"store: {args.store} ({size:.1f} MiB, {runs} runs); {len(indices)} lookups on {args.dataset}, "
          f"hp='{hp}', is_random=False")
    print(f"| what | nasrank | h5py |")
    print(f"|---|---|---|")
    print(f"| import (ms, median of {args.import_runs}, minus bare python) | {nasrank_import:.1f} (nasrank.nats) "
          f"| {h5py_import:.1f} (h5py) |")
    print(f"| one-architecture get_more_info (ms, median / min) | {nasrank_ms[0]:.2f} / {nasrank_ms[1]:.2f} "
          f"| {fresh_ms[0]:.2f} / {fresh_ms[1]:.2f} (columns read per lookup); "
          f"{cached_ms[0]:.2f} / {cached_ms[1]:.2f} (columns cached) |")


if __name__ == "__main__":
    main()
