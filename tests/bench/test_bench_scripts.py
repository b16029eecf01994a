"""The arithmetic of the benchmark scripts, on made-up timings: bench/summarize.py
(medians over rounds, ratios paired within a round, rounds cut short left
out), bench/cpu_peak.py (the peak formula and its overrides) and
bench/scale_estimate.py's CPU cost model.

  /usr/bin/python3 tests/bench/test_bench_scripts.py SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SOURCE = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
BENCH = os.path.join(SOURCE, "bench")


def run(*args, env=None):
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise AssertionError(f"{args} failed: {done.stderr}")
    return done.stdout


def write_jsonl(rows):
    f = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False)
    for row in rows:
        f.write(json.dumps(row) + "\n")
    f.close()
    return f.name


def cell(variant, round_, arch, images, seconds, mflops=100.0, **extra):
    return {"variant": variant, "round": round_, "arch": arch, "images": images, "seconds": seconds,
            "images_per_second": images / seconds, "forward_mflops": mflops, **extra}


class SummarizeTrain(unittest.TestCase):
    def summary(self, rows):
        return json.loads(run(os.path.join(BENCH, "summarize.py"), "train", write_jsonl(rows)).strip().splitlines()[-1])

    def test_ratios_are_paired_within_rounds_and_medians_over_rounds(self):
        rows = []
        # Round k runs k times slower for every variant (load): the paired
        # ratio stays exactly 2 and 4/3 although the rates vary 3x.
        for k in (1, 2, 3):
            for arch in ("a", "b"):
                rows.append(cell("nasrank", k, arch, 400, 1.0 * k))
                rows.append(cell("peer", k, arch, 400, 2.0 * k))
                rows.append(cell("peer-tuned", k, arch, 400, 4.0 / 3.0 * k))
        s = self.summary(rows)
        self.assertEqual(s["rounds"], 3)
        self.assertAlmostEqual(s["ratios"]["nasrank/peer"]["median"], 2.0)
        self.assertAlmostEqual(s["ratios"]["nasrank/peer"]["min"], 2.0)
        self.assertAlmostEqual(s["ratios"]["nasrank/peer-tuned"]["max"], 4.0 / 3.0)
        self.assertAlmostEqual(s["mix"]["nasrank"]["median"], 200.0)  # round 2: 800 images in 4 s
        self.assertAlmostEqual(s["mix"]["nasrank"]["min"], 800 / 6.0)
        self.assertAlmostEqual(s["mix"]["nasrank"]["max"], 400.0)
        # 6 x 100 M multiply-adds per image at 200 images/s.
        self.assertAlmostEqual(s["achieved_gflops"]["median"], 120.0)

    def test_the_mix_rate_is_total_images_over_total_seconds(self):
        rows = [cell("nasrank", 1, "fast", 1000, 1.0), cell("nasrank", 1, "slow", 100, 1.0),
                cell("peer", 1, "fast", 500, 1.0), cell("peer", 1, "slow", 100, 2.0),
                cell("peer-tuned", 1, "fast", 500, 1.0), cell("peer-tuned", 1, "slow", 100, 1.0)]
        s = self.summary(rows)
        self.assertAlmostEqual(s["mix"]["nasrank"]["median"], 550.0)  # not the mean of 1000 and 100
        self.assertAlmostEqual(s["ratios"]["nasrank/peer"]["median"], 550.0 / 200.0)

    def test_a_round_cut_short_is_left_out(self):
        rows = [cell(v, 1, a, 100, 1.0) for v in ("nasrank", "peer", "peer-tuned") for a in ("a", "b")]
        rows += [cell("nasrank", 2, "a", 100, 0.01)]  # round 2 stopped after one timing
        s = self.summary(rows)
        self.assertEqual(s["rounds"], 1)
        self.assertAlmostEqual(s["ratios"]["nasrank/peer"]["median"], 1.0)


class SummarizeProcs(unittest.TestCase):
    def test_two_processes_add_up_and_the_wall_clock_counts_the_pair(self):
        rows = []
        for k, slow in ((1, 1.0), (2, 2.0)):
            rows.append(cell("1x2", k, "a", 400, 1.0 * slow, wall_seconds=2.0 * slow))
            rows.append(cell("2x1-a", k, "a", 300, 1.0 * slow, wall_seconds=3.0 * slow))
            rows.append(cell("2x1-b", k, "a", 300, 1.0 * slow, wall_seconds=3.0 * slow))
        out = run(os.path.join(BENCH, "summarize.py"), "procs", write_jsonl(rows))
        s = json.loads(out.strip().splitlines()[-1])
        self.assertEqual(s["rounds"], 2)
        self.assertAlmostEqual(s["ratio"]["median"], 1.5)            # (300 + 300) / 400 each round
        self.assertAlmostEqual(s["ratio_wall_clock"]["median"], 1.0)  # 600 / 3 s against 400 / 2 s


class CpuPeak(unittest.TestCase):
    def test_the_formula_and_every_override(self):
        env = dict(os.environ, CORES="3", FMA_UNITS="2", VECTOR_BITS="256", CLOCK_GHZ="2.5")
        p = json.loads(run(os.path.join(BENCH, "cpu_peak.py"), env=env))
        self.assertAlmostEqual(p["peak_gflops"], 3 * 2 * 8 * 2 * 2.5)
        self.assertIn("from the environment", p["sources"]["cores"])
        self.assertIn("from the environment", p["sources"]["clock_ghz"])

    def test_reads_this_machine_and_names_every_source(self):
        env = {k: v for k, v in os.environ.items() if k not in ("CORES", "FMA_UNITS", "VECTOR_BITS", "CLOCK_GHZ")}
        p = json.loads(run(os.path.join(BENCH, "cpu_peak.py"), env=env))
        self.assertEqual(p["cores"], len(os.sched_getaffinity(0)) // max(1, p["logical_cpus"] // p["cores"]))
        self.assertGreater(p["clock_ghz"], 0)
        self.assertAlmostEqual(p["peak_gflops"],
                               p["cores"] * p["fma_units"] * p["fp32_lanes_per_unit"] * 2 * p["clock_ghz"])
        for factor in ("cores", "fma_units", "unit_bits", "clock_ghz"):
            self.assertTrue(p["sources"][factor])


class ScaleEstimateCpuFit(unittest.TestCase):
    """bench/scale_estimate.py's CPU cost model from run_train_bench.sh's KEEP file."""

    def fit(self, rows):
        sys.path.insert(0, BENCH)
        try:
            import scale_estimate
        finally:
            sys.path.pop(0)
        return scale_estimate.cpu_fit(write_jsonl(rows))

    def test_fits_the_median_of_each_cell_and_ignores_the_peers(self):
        # seconds/image = 1 ms + 20 us x MFLOPs exactly at each cell's median; a
        # slow outlier round and the peers' much slower lines must not move it.
        rows = []
        for arch, mflops in (("a", 10.0), ("b", 50.0), ("c", 90.0)):
            per_image = 1e-3 + 20e-6 * mflops
            for round_, slowdown in ((1, 1.0), (2, 1.0), (3, 3.0)):
                rows.append(cell("nasrank", round_, arch, 1000, 1000 * per_image * slowdown, mflops))
                rows.append(cell("peer-tuned", round_, arch, 1000, 5000 * per_image, mflops))
        (a, b), cells = self.fit(rows)
        self.assertEqual(cells, 3)
        self.assertAlmostEqual(a, 1e-3, places=9)
        self.assertAlmostEqual(b, 20e-6, places=11)

    def test_a_file_without_nasrank_lines_is_refused(self):
        with self.assertRaises(SystemExit) as refused:
            self.fit([cell("peer", 1, "a", 1000, 2.0)])
        self.assertIn("variant", str(refused.exception.code))


if __name__ == "__main__":
    unittest.main()
