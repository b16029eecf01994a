#!/usr/bin/python3
"""PyTorch peer of bench_train: NAS-Bench-201 training steps the way the
benchmark's own implementation runs them, for a side-by-side images/s figure.

The network follows the benchmark's TinyNetwork and inference cell: every
edge of the cell is built and computed, `none` included (as x * 0), each
conv edge applies its own ReLU, and vertices are Python sums. Training step:
SGD (lr 0.1, momentum 0.9, Nesterov, weight decay 5e-4), cross-entropy, on a
fixed random batch (the data pipeline is not what this compares).

--channels-last keeps the network and the batch in channels-last memory
format, one of the three settings a Python user can apply without touching the
network (bench/run_train_bench.sh runs the "tuned" peer with it and with
MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ and OMP_WAIT_POLICY=PASSIVE in
the environment).

Run with Debian's interpreter (its torch is the same LibTorch 1.13.1):
  /usr/bin/python3 bench/train_peer.py --threads 2 --batch 256 --steps 5 --repeats 3 \
      --arch '|avg_pool_3x3~0|+...' ...
Prints one JSON object per cell (the fastest of --repeats timings of --steps
steps) and a summary line (images/s over the mix).
"""
import argparse
import json
import time

import torch
import torch.nn as nn

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


def parse_arch(arch):
    """'|op~0|+|op~0|op~1|+...' -> list per target vertex of (op, source)."""
    nodes = []
    for group in arch.split("+"):
        edges = []
        for term in group.strip("|").split("|"):
            op, source = term.split("~")
            if op not in OPS:
                raise ValueError(f"unknown op {op!r} in {arch!r}")
            edges.append((op, int(source)))
        nodes.append(edges)
    return nodes


class ReLUConvBN(nn.Module):
    def __init__(self, c_in, c_out, kernel, stride, padding):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out, affine=True, track_running_stats=True),
        )

    def forward(self, x):
        return self.op(x)


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


def make_op(name, channels):
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1, 0)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1, 1)
    return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)


class Cell(nn.Module):
    def __init__(self, nodes, channels):
        super().__init__()
        self.layers = nn.ModuleList()
        self.plan = []
        for edges in nodes:
            entry = []
            for op, source in edges:
                entry.append((len(self.layers), source))
                self.layers.append(make_op(op, channels))
            self.plan.append(entry)

    def forward(self, x):
        nodes = [x]
        for entry in self.plan:
            nodes.append(sum(self.layers[layer](nodes[source]) for layer, source in entry))
        return nodes[-1]


class BasicBlock(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, 1, stride=1, padding=0, bias=False),
        )

    def forward(self, x):
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class TinyNetwork(nn.Module):
    def __init__(self, arch, channels, cells_per_stage, in_channels, classes):
        super().__init__()
        nodes = parse_arch(arch)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)
        )
        blocks = []
        c = channels
        for stage in range(3):
            if stage > 0:
                blocks.append(BasicBlock(c, 2 * c))
                c *= 2
            blocks.extend(Cell(nodes, c) for _ in range(cells_per_stage))
        self.cells = nn.ModuleList(blocks)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        x = self.global_pooling(self.lastact(x))
        return self.classifier(x.view(x.size(0), -1))


def time_cell(arch, args):
    torch.manual_seed(args.seed)
    net = TinyNetwork(arch, args.channels, args.cells_per_stage, args.in_channels, args.classes)
    if args.channels_last:
        net = net.to(memory_format=torch.channels_last)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(args.seed)
    images = torch.randn(args.batch, args.in_channels, args.size, args.size, generator=generator)
    labels = torch.randint(0, args.classes, (args.batch,), generator=generator)
    if args.channels_last:
        images = images.contiguous(memory_format=torch.channels_last)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(images), labels)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    best = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        cpu_start = time.process_time()
        for _ in range(args.steps):
            step()
        timing = (time.perf_counter() - start, time.process_time() - cpu_start)
        if best is None or timing[0] < best[0]:
            best = timing
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", nargs="+", required=True, help="arch strings |op~0|+...")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="time --steps steps this many times, keep the fastest")
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--cells-per-stage", type=int, default=5)
    parser.add_argument("--in-channels", type=int, default=3)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--channels-last", action="store_true", help="network and batch in channels-last format")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    total_seconds = 0.0
    total_images = 0
    for arch in args.arch:
        seconds, cpu_seconds = time_cell(arch, args)
        images = args.batch * args.steps
        total_seconds += seconds
        total_images += images
        print(json.dumps({"tool": "pytorch-peer", "arch": arch, "seconds": seconds, "cpu_seconds": cpu_seconds,
                          "images": images, "images_per_second": images / seconds,
                          "channels_last": args.channels_last}), flush=True)
    print(json.dumps({"tool": "pytorch-peer", "summary": True, "cells": len(args.arch), "threads": args.threads,
                      "batch": args.batch, "steps": args.steps, "seconds": total_seconds,
                      "images_per_second": total_images / total_seconds}), flush=True)


if __name__ == "__main__":
    main()
