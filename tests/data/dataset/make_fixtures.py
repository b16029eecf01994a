#!/usr/bin/python3
"""Writes the dataset readers' test fixtures in the official formats, tiny.

Run with Debian's /usr/bin/python3 (needs numpy) from any directory:
    /usr/bin/python3 tests/data/dataset/make_fixtures.py
Output is deterministic; the tests in tests/dataset rebuild the same pixel
pattern to check every byte landed where it should.

Pixel pattern of image i (within its file), channel c, row y, column x:
    (i * 31 + c * 7 + y * 3 + x) % 256

Formats:
* IDX (MNIST / Fashion-MNIST): big-endian magic 0x00000803 / 0x00000801,
  dimensions, bytes. The train pair is gzipped (like the official .gz files,
  mtime 0 for reproducible bytes), the t10k pair plain.
* CIFAR-10 / CIFAR-100 python version: the official files were written by
  Python 2's cPickle at protocol 2: Python 2 `str` keys and array bytes
  (SHORT_BINSTRING / BINSTRING opcodes), numpy arrays through
  numpy.core.multiarray._reconstruct + BUILD with the raw bytes as a str.
  Python 3 cannot write that (it spells bytes as _codecs.encode(...) at
  protocol 2), so Py2Pickler below emits those opcodes itself, following
  cPickle: temporaries are not memoized, containers and strings are, memo ids
  start at 1, APPENDS/SETITEMS batches hold at most 1000 items. The result is
  checked by loading it with pickle.load(encoding='bytes'), as the CIFAR
  page tells Python 3 users to.
* ImageNet16 (downsampled ImageNet, Chrabaszcz et al. 2017): Python 3 pickles
  with str keys 'data' (uint8 N x 768), 'labels' (list of 1-based ints) and,
  in training batches, 'mean' (float32 here to keep the fixture small). Their own loader calls pickle.load without an
  encoding, which only works for Python 3 pickles. Protocols 4 (train) and 2
  (val) so that both paths of the reader are covered.
"""
import gzip
import os
import pickle
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def pattern(count, channels, height, width):
    i, c, y, x = np.meshgrid(np.arange(count), np.arange(channels), np.arange(height), np.arange(width), indexing="ij")
    return ((i * 31 + c * 7 + y * 3 + x) % 256).astype(np.uint8)


def write(relative, data):
    path = os.path.join(HERE, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# --- IDX ------------------------------------------------------------------

def idx_images(images):
    count, height, width = images.shape
    return struct.pack(">IIII", 0x803, count, height, width) + images.tobytes()


def idx_labels(labels):
    return struct.pack(">II", 0x801, len(labels)) + bytes(labels)


def gz(data):
    return gzip.compress(data, mtime=0)


# --- Python 2 cPickle, protocol 2 ------------------------------------------

class Py2Pickler:
    def __init__(self):
        self.out = bytearray(b"\x80\x02")
        self.next_memo = 1

    def put(self):
        if self.next_memo < 256:
            self.out += b"q" + bytes([self.next_memo])
        else:
            self.out += b"r" + struct.pack("<I", self.next_memo)
        self.next_memo += 1

    def string(self, data, memoize=True):  # a Python 2 str
        if len(data) < 256:
            self.out += b"U" + bytes([len(data)]) + data
        else:
            self.out += b"T" + struct.pack("<I", len(data)) + data
        if memoize:
            self.put()

    def integer(self, value):
        if 0 <= value < 256:
            self.out += b"K" + bytes([value])
        elif 0 <= value < 65536:
            self.out += b"M" + struct.pack("<H", value)
        else:
            self.out += b"J" + struct.pack("<i", value)

    def value(self, obj):
        if isinstance(obj, bytes):
            self.string(obj)
        elif isinstance(obj, bool):
            self.out += b"\x88" if obj else b"\x89"
        elif isinstance(obj, int):
            self.integer(obj)
        elif isinstance(obj, list):
            self.out += b"]"
            self.put()
            for start in range(0, len(obj), 1000):
                self.out += b"("
                for item in obj[start:start + 1000]:
                    self.value(item)
                self.out += b"e"
        elif isinstance(obj, np.ndarray):
            self.ndarray(obj)
        else:
            raise TypeError(type(obj))

    def ndarray(self, array):
        assert array.dtype == np.uint8 and array.flags.c_contiguous
        self.out += b"cnumpy.core.multiarray\n_reconstruct\n"
        self.put()
        self.out += b"cnumpy\nndarray\n"
        self.put()
        self.integer(0)
        self.out += b"\x85"  # TUPLE1: shape (0,)
        self.string(b"b", memoize=False)
        self.out += b"\x87R"  # TUPLE3, REDUCE: _reconstruct(ndarray, (0,), 'b')
        self.put()
        self.out += b"("  # state: (1, shape, dtype, is_fortran, raw bytes)
        self.integer(1)
        for extent in array.shape:
            self.integer(extent)
        self.out += {1: b"\x85", 2: b"\x86", 3: b"\x87"}[array.ndim]
        self.out += b"cnumpy\ndtype\n"
        self.put()
        self.string(b"u1", memoize=False)
        self.integer(0)
        self.integer(1)
        self.out += b"\x87R"  # dtype('u1', 0, 1)
        self.put()
        self.out += b"("  # dtype state (3, '|', None, None, None, -1, -1, 0)
        self.integer(3)
        self.string(b"|", memoize=False)
        self.out += b"NNN"
        self.integer(-1)
        self.integer(-1)
        self.integer(0)
        self.out += b"tb"
        self.out += b"\x89"  # is_fortran = False
        self.string(array.tobytes(), memoize=False)
        self.out += b"tb"

    def dict(self, items):
        self.out += b"}"
        self.put()
        self.out += b"("
        for key, value in items:
            self.string(key)
            self.value(value)
        self.out += b"u."
        return bytes(self.out)


def py2_pickle(items):
    data = Py2Pickler().dict(items)
    loaded = pickle.loads(data, encoding="bytes")
    for key, value in items:
        if isinstance(value, np.ndarray):
            assert loaded[key].dtype == value.dtype and np.array_equal(loaded[key], value)
        else:
            assert loaded[key] == value, key
    assert list(loaded) == [key for key, _ in items]
    return data


def main():
    # IDX: 5 train images of 4 rows x 3 columns (gzipped), 2 test images (plain).
    write("idx/train-images-idx3-ubyte.gz", gz(idx_images(pattern(5, 1, 4, 3)[:, 0])))
    write("idx/train-labels-idx1-ubyte.gz", gz(idx_labels([3, 0, 9, 3, 1])))
    write("idx/t10k-images-idx3-ubyte", idx_images(pattern(2, 1, 4, 3)[:, 0]))
    write("idx/t10k-labels-idx1-ubyte", idx_labels([7, 2]))

    cifar10 = pattern(2, 3, 32, 32).reshape(2, 3072)
    write("cifar-10-batches-py/data_batch_1", py2_pickle([
        (b"data", cifar10),
        (b"labels", [3, 9]),
        (b"batch_label", b"training batch 1 of 5"),
        (b"filenames", [b"fixture_cat_0.png", b"fixture_truck_1.png"]),
    ]))
    cifar100 = pattern(2, 3, 32, 32).reshape(2, 3072)
    write("cifar-100-python/train", py2_pickle([
        (b"filenames", [b"fixture_a.png", b"fixture_b.png"]),
        (b"batch_label", b"training batch 1 of 1"),
        (b"fine_labels", [42, 99]),
        (b"coarse_labels", [7, 19]),
        (b"data", cifar100),
    ]))

    train16 = pattern(4, 3, 16, 16).reshape(4, 768)
    write("ImageNet16/train_data_batch_1", pickle.dumps(
        {"data": train16, "labels": [1, 121, 120, 1000], "mean": train16.mean(axis=0).astype(np.float32)}, protocol=4))
    val16 = pattern(3, 3, 16, 16).reshape(3, 768)
    write("ImageNet16/val_data", pickle.dumps({"data": val16, "labels": [5, 200, 120]}, protocol=2))

    # Wrong content, each small: a float array, a count mismatch, labels out of range.
    write("bad/float_data", pickle.dumps({"data": np.zeros((1, 8), dtype=np.float32), "labels": [1]}, protocol=2))
    write("bad/count_mismatch", pickle.dumps({"data": pattern(1, 3, 16, 16).reshape(1, 768), "labels": [1, 2]}, protocol=4))
    write("bad/imagenet16_label_0", pickle.dumps({"data": pattern(1, 3, 16, 16).reshape(1, 768), "labels": [0]}, protocol=4))
    write("bad/cifar10_label_10", py2_pickle([(b"data", pattern(1, 3, 32, 32).reshape(1, 3072)), (b"labels", [10])]))


if __name__ == "__main__":
    main()
