"""Writes a small NATS-Bench topology "simple" directory (meta.pickle.pbz2 +
NNNNNN.pickle.pbz2, the layout of the official files) with known numbers, so
the tests can import it with `nasrank import nats` and check every value the
Python package reads back against the numbers written here."""
import bz2
import pickle
import random

DATASET_SPLITS = {
    "cifar10-valid": ["x-valid", "ori-test"],
    "cifar10": ["ori-test"],
    "cifar100": ["x-valid", "x-test", "ori-test"],
}
CLASSES = {"cifar10-valid": 10, "cifar10": 10, "cifar100": 100}
BUDGET_SEEDS = {"12": [111, 777], "200": [777, 888]}


def _trial(rng, arch_str, dataset, seed, epochs, cost):
    def series():
        return {e: rng.uniform(10, 95) for e in range(epochs)}

    def losses():
        return {e: rng.uniform(0.1, 2.5) for e in range(epochs)}

    splits = DATASET_SPLITS[dataset]
    eval_acc, eval_loss, eval_time = {}, {}, {}
    for split in splits:
        for e in range(epochs):
            eval_acc[f"{split}@{e}"] = rng.uniform(10, 95)
            eval_loss[f"{split}@{e}"] = rng.uniform(0.1, 2.5)
            eval_time[f"{split}@{e}"] = rng.uniform(0.5, 2.0)
    return {
        "name": dataset,
        "train_acc1es": series(),
        "train_acc5es": series(),
        "train_losses": losses(),
        "train_times": {e: rng.uniform(5, 15) for e in range(epochs)},
        "arch_config": {"channel": 16, "num_cells": 5, "arch_str": arch_str, "class_num": CLASSES[dataset]},
        "params": cost[0],  # a property of the network: the same for every seed and budget
        "flop": cost[1],
        "seed": f"{seed:04d}",
        "epochs": epochs,
        "latency": [rng.uniform(0.01, 0.02)],
        "eval_names": splits,
        "eval_acc1es": eval_acc,
        "eval_times": eval_time,
        "eval_losses": eval_loss,
        "net_state_dict": None,
    }


def write_nats_directory(directory, arch_strings, indices, seed=0):
    """Writes the files; returns {(index, budget, dataset, seed): trial dict}."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    meta = {"meta_archs": list(arch_strings), "total_archs": len(arch_strings), "arch2infos": None,
            "evaluated_indexes": set(indices)}
    (directory / "meta.pickle.pbz2").write_bytes(bz2.compress(pickle.dumps(meta, protocol=4)))
    written = {}
    for index in indices:
        arch_str = arch_strings[index]
        costs = {d: (rng.uniform(0.1, 1.5), rng.uniform(10, 200)) for d in DATASET_SPLITS}
        record = {}
        for budget, seeds in BUDGET_SEEDS.items():
            results = {}
            for dataset in DATASET_SPLITS:
                for s in seeds:
                    trial = _trial(rng, arch_str, dataset, s, int(budget), costs[dataset])
                    results[(dataset, s)] = trial
                    written[(index, int(budget), dataset, s)] = trial
            record[budget] = {"arch_index": index, "arch_str": arch_str, "all_results": results,
                              "dataset_seed": {d: list(seeds) for d in DATASET_SPLITS}, "clear_net_done": True}
        (directory / f"{index:06d}.pickle.pbz2").write_bytes(bz2.compress(pickle.dumps(record, protocol=4)))
    return written


def final(trial, split):
    """(accuracy, loss) of a split after the last epoch, as the trial stores it."""
    last = trial["epochs"] - 1
    if split == "train":
        return trial["train_acc1es"][last], trial["train_losses"][last]
    return trial["eval_acc1es"][f"{split}@{last}"], trial["eval_losses"][f"{split}@{last}"]
