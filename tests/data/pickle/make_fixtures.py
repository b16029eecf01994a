#!/usr/bin/python3
"""Writes the small pickle fixtures used by tests/io (run with /usr/bin/python3,
which has numpy). The C++ tests assert the values written here, so change both
together. Output is deterministic: re-running must not change the files."""
import bz2
import collections
import gzip
import io
import os
import pickle
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# Set and frozenset order follows str hashing: fix the seed so re-running
# reproduces the files byte for byte.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def all_types():
    shared = [1, 2]
    return {
        "none": None,
        "true": True,
        "false": False,
        "small": 7,
        "neg": -5,
        "int16": 1000,
        "int32": 100000,
        "int40": 2**40,
        "min64": -(2**63),
        "max64": 2**63 - 1,
        "float": 0.1,
        "tiny": -2.5e-300,
        "inf": float("inf"),
        "str": "hello",
        "unicode": "\u03c0\u22483.14 \u00fc \U0001f600",
        "empty_str": "",
        "long_str": "x" * 300,
        "bytes": b"\x00\xffab",
        "empty_bytes": b"",
        "list": [1, "a", None],
        "empty_list": [],
        "tuple0": (),
        "tuple1": (1,),
        "tuple2": (1, 2),
        "tuple3": (1, 2, 3),
        "tuple5": (1, 2, 3, 4, 5),
        "int_keys": {1: "one", 2: "two"},
        "tuple_keys": {("cifar10", 777): 1.5, ("cifar10", 888): 2.5},
        "set": {1, 2, 3},
        "empty_set": set(),
        "frozenset": frozenset({"a", "b"}),
        "ordered": collections.OrderedDict([("z", 1), ("a", 2)]),
        "shared": [shared, shared],
        "nested": {"a": {"b": {"c": [1, [2, [3]]]}}},
        "big_dict": {i: i * i for i in range(20)},
    }


def numpy_values():
    return {
        "f8": np.float64(0.129306),
        "f4": np.float32(1.5),
        "f2": np.float16(0.5),
        "i8": np.int64(-7),
        "i4": np.int32(123456),
        "u1": np.uint8(200),
        "b1": np.bool_(True),
        "u1_2x3": np.arange(6, dtype=np.uint8).reshape(2, 3),
        "f4_1d": np.array([0.5, -1.25, 3.0], dtype=np.float32),
        "i8_2x2": np.array([[1, -2], [3, 2**40]], dtype=np.int64),
        "f8_empty": np.zeros((0, 3), dtype=np.float64),
        "be_i4": np.array([1, -2, 3], dtype=">i4"),
        "bool_1d": np.array([True, False, True]),
        "dtype": np.dtype("f8"),
    }


# Python 2 wrote str as BINSTRING / SHORT_BINSTRING; Python 3 cannot produce
# that, so the CIFAR-like Python 2 batch is assembled opcode by opcode, the way
# cPickle protocol 2 laid out the official cifar-10-batches-py files.
def py2_short_string(s):
    b = s.encode("latin1")
    return b"U" + bytes([len(b)]) + b


def py2_cifar_like():
    rows, cols = 2, 3072
    pixels = bytes((i * 7 + 3) % 256 for i in range(rows * cols))
    out = io.BytesIO()
    w = out.write
    w(b"\x80\x02}q\x01(")
    w(py2_short_string("batch_label") + py2_short_string("training batch 1 of 5"))
    w(py2_short_string("labels") + b"]q\x02(K\x06K\te")
    w(py2_short_string("data"))
    w(b"cnumpy.core.multiarray\n_reconstruct\nq\x03cnumpy\nndarray\nq\x04K\x00\x85U\x01b\x87Rq\x05")
    w(b"(K\x01K\x02M\x00\x0c\x86cnumpy\ndtype\nq\x06U\x02u1K\x00K\x01\x87Rq\x07")
    w(b"(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89")
    w(b"T" + struct.pack("<i", len(pixels)) + pixels)
    w(b"tb")
    w(py2_short_string("filenames") + b"]q\x08(" + py2_short_string("leptodactylus_pentadactylus_s_000004.png")
      + py2_short_string("camion_s_000148.png") + b"e")
    w(b"u.")
    return out.getvalue(), pixels


def py3_cifar_like():
    pixels = np.arange(2 * 3072, dtype=np.uint32).astype(np.uint8).reshape(2, 3072)
    return pickle.dumps({b"batch_label": b"testing batch 1 of 1", b"fine_labels": [19, 29],
                         b"coarse_labels": [11, 15], b"data": pixels}, protocol=2)


class Exploit:
    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def hostile():
    import builtins
    import subprocess
    return {
        "hostile_system_p2.pkl": pickle.dumps(Exploit(os.system, ("echo pwned",)), protocol=2),
        "hostile_system_p4.pkl": pickle.dumps(Exploit(os.system, ("echo pwned",)), protocol=4),
        "hostile_eval_p4.pkl": pickle.dumps(Exploit(builtins.eval, ("1+1",)), protocol=4),
        "hostile_popen_p4.pkl": pickle.dumps(Exploit(subprocess.Popen, (["echo", "pwned"],)), protocol=4),
        # Plain data with the exploit hidden deep inside: refused all the same.
        "hostile_nested_p4.pkl": pickle.dumps({"ok": [1, 2, {"x": Exploit(os.system, ("echo pwned",))}]},
                                              protocol=4),
    }


# A tiny NATS-Bench "simple" layout (2 and 3 epochs instead of 12 and 200),
# written the way the benchmark's own code writes it: key strings shared,
# OrderedDict per index, numpy float64 params and latency.
def nats_results(dataset, seed, epochs, arch, offset):
    splits = {"cifar10-valid": ["x-valid", "ori-test"], "cifar10": ["ori-test"],
              "cifar100": ["ori-test", "x-valid", "x-test"]}[dataset]
    evals = {}
    for name in splits:
        for e in range(epochs):
            evals["{}@{}".format(name, e)] = offset + 10.0 * e + len(name) + 0.5
    return {
        "name": dataset,
        "train_acc1es": {e: offset + 20.0 + e for e in range(epochs)},
        "train_acc5es": None if epochs > 2 else {e: offset + 50.0 + e for e in range(epochs)},
        "train_losses": {e: 2.0 - 0.5 * e for e in range(epochs)},
        "train_times": collections.OrderedDict((e, 7.25) for e in range(epochs)),
        "arch_config": {"channel": 16, "num_cells": 5, "arch_str": arch, "class_num": 100 if dataset == "cifar100" else 10},
        "params": np.float64(0.1 + offset / 1000),
        "flop": 15.5 + offset,
        "seed": "%04d" % seed,
        "epochs": epochs,
        "latency": [np.float64(0.0125)],
        "eval_names": splits,
        "eval_acc1es": dict(evals),
        "eval_times": {k: 0.5 for k in evals},
        "eval_losses": {k: v / 100 for k, v in evals.items()},
        "net_state_dict": None,
    }


def nats_record(index, arch):
    record = collections.OrderedDict()
    for budget, epochs, runs in (("12", 2, [("cifar10-valid", 777), ("cifar10", 111)]),
                                 ("200", 3, [("cifar10-valid", 999), ("cifar100", 777)])):
        all_results = {}
        dataset_seed = {}
        for dataset, seed in runs:
            all_results[(dataset, seed)] = nats_results(dataset, seed, epochs, arch, index)
            dataset_seed.setdefault(dataset, []).append(seed)
        record[budget] = {"arch_index": index, "arch_str": arch, "all_results": all_results,
                          "dataset_seed": dataset_seed, "clear_net_done": True}
    return record


NATS_ARCHS = ["|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|",
              "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|",
              "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"]


def bz2_bytes(data):
    return bz2.compress(data, 9)


def main():
    for protocol in (2, 3, 4, 5):
        write("all_types_p%d.pkl" % protocol, pickle.dumps(all_types(), protocol=protocol))
    p4 = pickle.dumps(all_types(), protocol=4)
    write("all_types_p4.pkl.bz2", bz2_bytes(p4))
    write("all_types_p4.pkl.gz", gzip.compress(p4, 9, mtime=0))
    for protocol in (2, 4, 5):
        write("numpy_p%d.pkl" % protocol, pickle.dumps(numpy_values(), protocol=protocol))
    write("cifar_py2_like.pkl", py2_cifar_like()[0])
    write("cifar_py3_like.pkl", py3_cifar_like())
    for name, data in hostile().items():
        write(name, data)
    meta = {"meta_archs": NATS_ARCHS, "total_archs": len(NATS_ARCHS), "arch2infos": None, "evaluated_indexes": set()}
    write("nats_tiny_meta.pickle.pbz2", bz2_bytes(pickle.dumps(meta, protocol=4)))
    write("000002.pickle.pbz2", bz2_bytes(pickle.dumps(nats_record(2, NATS_ARCHS[2]), protocol=4)))
    single = {"meta_archs": NATS_ARCHS, "total_archs": len(NATS_ARCHS),
              "arch2infos": {i: nats_record(i, a) for i, a in enumerate(NATS_ARCHS)},
              "evaluated_indexes": {0, 1, 2}}
    write("nats_tiny_single.pickle.pbz2", bz2_bytes(pickle.dumps(single, protocol=4)))


if __name__ == "__main__":
    main()
