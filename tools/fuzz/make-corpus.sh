#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets (tests/fuzz) in OUT_DIR, one
# folder per target: OUT_DIR/fuzz_pickle/, OUT_DIR/fuzz_idx/, ...
#
#   tools/fuzz/make-corpus.sh OUT_DIR [NASRANK_BINARY]
#
# Seeds come from tests/data, data/protocols, the shared fixtures when present
# (../shared beside the checkout, or $NASRANK_SHARED_DIR: NATS-Bench files,
# the CSV tables) and /usr/share/datasets/fashion-mnist: whole small files,
# slices of the big ones (first records, with the counts in their headers
# fixed) and heads of the CSV tables. The fuzz_store_open seeds are stores
# written by NASRANK_BINARY (default: build/nasrank, then build-fuzz/nasrank),
# skipped with a message when there is none (plus copies with small chunks
# made by h5repack, from Debian's hdf5-tools, when present). Nothing is written into the
# checkout; the shared data is only read.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 OUT_DIR [NASRANK_BINARY]" >&2
  exit 2
fi
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$1"
nasrank_binary="${2:-}"
shared="${NASRANK_SHARED_DIR:-$repo/../shared}"
nb201="$shared/data/nb201"
fashion=/usr/share/datasets/fashion-mnist
python=/usr/bin/python3  # Debian's, where numpy and pickle writers are known to match the fixtures

mkdir -p "$out"
out="$(cd "$out" && pwd)"
for target in encoding graph_json protocol csv_import pickle pickle_bz2 nats idx cifar imagenet16 store_open; do
  mkdir -p "$out/fuzz_$target"
done

seed() {  # seed TARGET NAME TEXT
  printf '%s' "$3" >"$out/fuzz_$1/$2"
}

# ---- architecture encodings and graph JSON ---------------------------------
seed encoding arch-0 '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|'
seed encoding arch-none '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'
seed encoding arch-prefixed 'arch:|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'
seed encoding index-0 '0'
seed encoding index-last 'index:15624'
seed encoding compact '3_34_131'
seed encoding compact-prefixed 'compact:0_00_000'
seed encoding dag-4 '2_02_002'
seed encoding dag-6 'dag:1_21_012_2101_12021'
seed encoding json '{"space":"dag","vertices":3,"edges":[{"from":0,"to":2,"op":"linear"}]}'
seed graph_json dag-3 '{"space":"dag","vertices":3,"edges":[{"from":0,"to":2,"op":"linear"},{"from":0,"to":1,"op":"skip"}]}'
seed graph_json nb201 '{"space":"nb201","vertices":4,"edges":[{"from":0,"to":1,"op":"nor_conv_3x3"},{"from":1,"to":3,"op":"skip_connect"},{"from":0,"to":2,"op":"avg_pool_3x3"},{"from":2,"to":3,"op":"nor_conv_1x1"}]}'
seed graph_json no-space '{"vertices": 2, "edges": [{"from": 0, "to": 1, "op": "linear"}]}'
seed graph_json empty-edges '{"space":"dag","vertices":5,"edges":[]}'

# ---- protocols -------------------------------------------------------------
for file in "$repo"/data/protocols/*.json; do
  cp "$file" "$out/fuzz_protocol/$(basename "$file")"
done

# ---- CSV tables --------------------------------------------------------------
seed csv_import tiny-index $'arch,cellstr,cifar10-test,cifar10-val,cifar100-test,cifar100-val,imagenet-test,imagenet-val\n0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,69.55,63.36,31.26,31.84,17.0,18.47\n'
seed csv_import tiny-nats $'CIFAR10TestAccuracy200Epochs,CIFAR100TestAccuracy200Epochs,ImageNetTestAccuracy200Epochs,ArchitectureString\r\n"93.66",70.29,44.03,|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|\r\n'
for table in mini_nasbench201_12ep nats_bench_200ep_test; do
  if [[ -f "$nb201/$table.csv" ]]; then
    head -n 4 "$nb201/$table.csv" >"$out/fuzz_csv_import/$table-head4.csv"
    head -n 40 "$nb201/$table.csv" >"$out/fuzz_csv_import/$table-head40.csv"
  fi
done

# ---- pickles, NATS-Bench files, image datasets (binary work in Python) --------
"$python" - "$repo" "$nb201" "$fashion" "$out" <<'PY'
import bz2, gzip, os, pickle, shutil, struct, sys
from pathlib import Path

repo, nb201, fashion, out = (Path(a) for a in sys.argv[1:])
data = repo / "tests" / "data"

def put(target, name, payload):
    (out / f"fuzz_{target}" / name).write_bytes(payload)

def decompressed(path):
    raw = path.read_bytes()
    if raw[:3] == b"BZh":
        return bz2.decompress(raw)
    if raw[:2] == b"\x1f\x8b":
        return gzip.decompress(raw)
    return raw

def protocol_of(raw):
    return raw[1] if raw[:1] == b"\x80" else 2

# Pickles: plain for fuzz_pickle and fuzz_nats, compressed for fuzz_pickle_bz2.
for path in sorted((data / "pickle").iterdir()):
    if path.suffix == ".py":
        continue
    raw = path.read_bytes()
    plain = decompressed(path)
    put("pickle", path.name.split(".")[0] + ".pkl", plain)
    if raw != plain:
        put("pickle_bz2", path.name, raw)
    if path.name.startswith(("nats", "000002")):
        put("nats", path.name.split(".")[0] + ".pickle", plain)
for path in sorted(data.glob("dataset/*/*")):
    if path.parent.name != "idx" and path.suffix != ".py":
        put("pickle", f"{path.parent.name}-{path.name}", path.read_bytes())

# NATS-Bench fixtures: whole files (compressed and not), plus small real
# slices (one budget, one run; the first architectures of the meta file).
fixtures = nb201 / "nats-tss-fixtures"
if fixtures.is_dir():
    for path in sorted(fixtures.glob("*.pickle.pbz2")):
        raw = path.read_bytes()
        plain = bz2.decompress(raw)
        stem = path.name.split(".")[0]
        put("pickle_bz2", path.name, raw)
        if stem != "meta":
            put("nats", stem + ".pickle", plain)
        value = pickle.loads(plain)
        proto = protocol_of(plain)
        if stem == "meta":
            value["meta_archs"] = value["meta_archs"][:16]
            value["total_archs"] = 16
            put("nats", "meta-first16.pickle", pickle.dumps(value, protocol=proto))
            put("pickle", "meta-first16.pkl", pickle.dumps(value, protocol=proto))
            continue
        for budget in list(value.keys()):
            record = value[budget]
            first = next(iter(record["all_results"]))
            record["all_results"] = {first: record["all_results"][first]}
            record["dataset_seed"] = {first[0]: [first[1]]}
        slim = pickle.dumps(value, protocol=proto)
        put("nats", stem + "-one-run.pickle", slim)
        put("pickle", stem + "-one-run.pkl", slim)
        put("pickle_bz2", stem + "-one-run.pickle.pbz2", bz2.compress(slim, 9))
        # The single-file variant built from the same record.
        single = {"meta_archs": [value[next(iter(value))]["arch_str"]], "total_archs": 1,
                  "arch2infos": {int(stem): value}, "evaluated_indexes": {int(stem)}}
        put("nats", stem + "-single.pickle", pickle.dumps(single, protocol=proto))

# IDX: images and labels packed as <u32 LE size of images><images><labels>.
def pack(images, labels):
    return struct.pack("<I", len(images)) + images + labels

idx = data / "dataset" / "idx"
put("idx", "tests-t10k", pack(decompressed(idx / "t10k-images-idx3-ubyte"), decompressed(idx / "t10k-labels-idx1-ubyte")))
put("idx", "tests-train-gz", pack((idx / "train-images-idx3-ubyte.gz").read_bytes(),
                                  (idx / "train-labels-idx1-ubyte.gz").read_bytes()))
if (fashion / "t10k-images-idx3-ubyte.gz").is_file():
    with gzip.open(fashion / "t10k-images-idx3-ubyte.gz") as f:
        head = f.read(16 + 20 * 28 * 28)
    with gzip.open(fashion / "t10k-labels-idx1-ubyte.gz") as f:
        label_head = f.read(8 + 20)
    for count in (1, 3, 20):
        images = head[:4] + struct.pack(">I", count) + head[8:16] + head[16:16 + count * 784]
        labels = label_head[:4] + struct.pack(">I", count) + label_head[8:8 + count]
        put("idx", f"fashion-first{count}", pack(images, labels))
        if count == 3:
            put("idx", "fashion-first3-gz", pack(gzip.compress(images, 9), gzip.compress(labels, 9)))

# CIFAR: the pickled test batches, and binary records made from their pixels.
for path in [data / "dataset" / "cifar-10-batches-py" / "data_batch_1", data / "dataset" / "cifar-100-python" / "train",
             data / "dataset" / "bad" / "cifar10_label_10", data / "pickle" / "cifar_py2_like.pkl",
             data / "pickle" / "cifar_py3_like.pkl"]:
    put("cifar", f"{path.parent.name}-{path.name}", path.read_bytes())
batch = pickle.loads((data / "dataset" / "cifar-10-batches-py" / "data_batch_1").read_bytes(), encoding="bytes")
pixels = bytes(batch[b"data"].tobytes())
labels = list(batch[b"labels"])
records10 = b"".join(bytes([labels[i]]) + pixels[i * 3072:(i + 1) * 3072] for i in range(min(2, len(labels))))
records100 = b"".join(bytes([labels[i] % 20, labels[i]]) + pixels[i * 3072:(i + 1) * 3072] for i in range(min(2, len(labels))))
put("cifar", "cifar10-2-records.bin", records10)
put("cifar", "cifar100-2-records.bin", records100)

# ImageNet16 batches.
for path in sorted((data / "dataset" / "ImageNet16").iterdir()) + [data / "dataset" / "bad" / "imagenet16_label_0"]:
    put("imagenet16", path.name, path.read_bytes())
PY

# ---- results stores (HDF5) written by nasrank ---------------------------------
if [[ -z "$nasrank_binary" ]]; then
  for candidate in "$repo/build/nasrank" "$repo/build-fuzz/nasrank"; do
    if [[ -x "$candidate" ]]; then nasrank_binary="$candidate"; break; fi
  done
fi
if [[ -n "$nasrank_binary" && -x "$nasrank_binary" ]]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  "$nasrank_binary" import csv "$out/fuzz_csv_import/tiny-index" --arch-column arch --budget 12 \
    --metric cifar10-test=cifar10 --metric cifar10-val=cifar10-valid:valid --out "$scratch/csv-one-run.h5" >/dev/null 2>&1
  cp "$scratch/csv-one-run.h5" "$out/fuzz_store_open/csv-one-run.h5"
  if [[ -f "$nb201/mini_nasbench201_12ep.csv" ]]; then
    head -n 6 "$nb201/mini_nasbench201_12ep.csv" >"$scratch/mini_12ep.csv"
    "$nasrank_binary" import csv "$scratch/mini_12ep.csv" --arch-column arch --metric cifar10-test=cifar10 \
      --metric cifar100-test=cifar100:x-test --out "$scratch/csv-five-archs.h5" >/dev/null 2>&1
    cp "$scratch/csv-five-archs.h5" "$out/fuzz_store_open/csv-five-archs.h5"
  fi
  # A NATS import keeps the per-epoch curves and fills every text column.
  if [[ -d "$nb201/nats-tss-fixtures" ]]; then
    "$nasrank_binary" import nats "$nb201/nats-tss-fixtures" --budget 12 --out "$scratch/nats-curves.h5" >/dev/null 2>&1
    cp "$scratch/nats-curves.h5" "$out/fuzz_store_open/nats-curves.h5"
  fi
  # The same stores with small chunks (nasrank's 65536-row chunks make even a
  # one-run store 1.6 MB, and a fuzzer runs ~20 times faster on 100 kB).
  # --latest keeps the checksummed structures nasrank requires.
  if command -v h5repack >/dev/null; then
    for store in "$out"/fuzz_store_open/*.h5; do
      h5repack --latest -l CHUNK=16 "$store" "${store%.h5}-rechunked.h5"
    done
  fi
else
  echo "make-corpus: no nasrank binary found; fuzz_store_open gets no seeds (pass one as the second argument)" >&2
fi

for dir in "$out"/fuzz_*; do
  printf '%-18s %3d seeds, %8d bytes\n' "$(basename "$dir")" "$(find "$dir" -type f | wc -l)" \
    "$(find "$dir" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')"
done
