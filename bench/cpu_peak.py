#!/usr/bin/python3
"""The FP32 FMA peak of this machine, computed from its CPU description:

    peak GFLOP/s = cores x FMA units per core x FP32 lanes per unit x 2 x clock (GHz)

and, for each factor, where it came from. /proc/cpuinfo and lscpu give the
model, the core count, the vector extensions and (sometimes) the clock; the
number of FMA units per core is not published by the kernel and comes from a
small table of microarchitectures (AMD by family, Intel by AVX-512 presence),
marked "assumed". Override any factor with the environment variables
CORES, FMA_UNITS, VECTOR_BITS (the width of one FMA unit) or CLOCK_GHZ.

Prints one JSON object (bench/run_flops_bench.sh reads it).
"""
import json
import os
import re
import subprocess


def cpuinfo():
    fields = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if ":" in line:
                key, value = line.split(":", 1)
                fields.setdefault(key.strip(), value.strip())
    return fields


def lscpu():
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in text.splitlines() if ":" in line)}


def fma_units(vendor, family, model, flags):
    """(units, bits per unit, source): how many FP32 FMA pipes of which width per core."""
    if vendor == "AuthenticAMD":
        if family == 0x17 and model < 0x30:
            return 2, 128, "assumed: AMD family 17h model < 30h (Zen 1/Zen+): two 128-bit FMA pipes"
        if family == 0x17:
            return 2, 256, "assumed: AMD family 17h (Zen 2): two 256-bit FMA pipes"
        if family == 0x19:
            return 2, 256, ("assumed: AMD family 19h (Zen 3/Zen 4): two 256-bit FMA pipes "
                            "(Zen 4 runs AVX-512 through them in two halves)")
        if family == 0x1A:
            return 2, 512, "assumed: AMD family 1Ah (Zen 5, server parts): two 512-bit FMA pipes"
    if vendor == "GenuineIntel":
        if "avx512f" in flags:
            return 2, 512, ("assumed: Intel with AVX-512: two 512-bit FMA units (Xeon Gold/Platinum; "
                            "some parts have one)")
        if "fma" in flags:
            return 2, 256, "assumed: Intel with AVX2+FMA (Haswell or later): two 256-bit FMA units"
    if "avx512f" in flags:
        return 2, 512, "assumed: unknown CPU with AVX-512: two 512-bit FMA units"
    if "fma" in flags:
        return 2, 256, "assumed: unknown CPU with FMA: two 256-bit FMA units"
    return 1, 128, "assumed: no FMA extension: one 128-bit multiply-add pair (SSE)"


def main():
    info = cpuinfo()
    ls = lscpu()
    flags = set(info.get("flags", "").split())
    vendor = info.get("vendor_id", "")
    family = int(info.get("cpu family", "0"))
    model = int(info.get("model", "0"))
    result = {"model_name": info.get("model name", "unknown"), "vendor": vendor,
              "family": hex(family), "model": hex(model), "sources": {}}
    src = result["sources"]

    usable = len(os.sched_getaffinity(0))
    threads_per_core = int(ls.get("Thread(s) per core", "1") or 1)
    if "CORES" in os.environ:
        cores = int(os.environ["CORES"])
        src["cores"] = "CORES from the environment"
    else:
        cores = max(1, usable // threads_per_core)
        src["cores"] = (f"{usable} CPUs this process may use (sched_getaffinity) / {threads_per_core} thread(s) "
                        f"per core (lscpu 'Thread(s) per core')")
    result["logical_cpus"] = usable
    result["cores"] = cores

    units, unit_bits, unit_source = fma_units(vendor, family, model, flags)
    if "FMA_UNITS" in os.environ:
        units, unit_source = int(os.environ["FMA_UNITS"]), "FMA_UNITS from the environment"
    if "VECTOR_BITS" in os.environ:
        unit_bits = int(os.environ["VECTOR_BITS"])
        unit_source += "; VECTOR_BITS from the environment"
    isa = "avx512f" if "avx512f" in flags else "avx2+fma" if {"avx2", "fma"} <= flags else "sse"
    result["fma_units"] = units
    result["unit_bits"] = unit_bits
    result["fp32_lanes_per_unit"] = unit_bits // 32
    src["fma_units"] = unit_source
    src["unit_bits"] = f"widest vector FMA in /proc/cpuinfo flags: {isa}; per-unit width " + unit_source.split(":")[0]

    if "CLOCK_GHZ" in os.environ:
        ghz, clock_source = float(os.environ["CLOCK_GHZ"]), "CLOCK_GHZ from the environment"
    elif ls.get("CPU max MHz"):
        ghz, clock_source = float(ls["CPU max MHz"]) / 1000, "lscpu 'CPU max MHz' (the highest boost clock)"
    elif info.get("cpu MHz"):
        ghz = float(info["cpu MHz"]) / 1000
        clock_source = ("/proc/cpuinfo 'cpu MHz' (no cpufreq data: under a hypervisor this is the nominal/TSC "
                        "clock; a boost clock above it would make the real peak higher)")
    else:
        match = re.search(r"@\s*([0-9.]+)\s*GHz", info.get("model name", ""))
        ghz = float(match.group(1)) if match else 0.0
        clock_source = "the model name's '@ x GHz'" if match else "unknown"
    result["clock_ghz"] = ghz
    src["clock_ghz"] = clock_source

    result["peak_gflops"] = cores * units * (unit_bits // 32) * 2 * ghz
    result["formula"] = (f"{cores} cores x {units} FMA units x {unit_bits // 32} FP32 lanes x 2 FLOPs x "
                         f"{ghz:.3f} GHz = {result['peak_gflops']:.1f} GFLOP/s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
