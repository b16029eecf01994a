"""nasrank.Store: every value read back equals the number written into the
NATS-Bench files the store was imported from, and summaries equal
`nasrank query`'s answers."""
import statistics

import pandas
import pytest

import nasrank
from conftest import STORE_INDICES, cli_error, cli_json
from nats_fixture import BUDGET_SEEDS, DATASET_SPLITS, final


def test_runs_are_one_row_per_seed_with_the_written_numbers(nats_store):
    path, written = nats_store
    store = nasrank.Store(path)
    assert len(store) == len(STORE_INDICES) * sum(len(s) for s in BUDGET_SEEDS.values()) * len(DATASET_SPLITS)
    runs = store.runs(arch=5, dataset="cifar100", budget=200)
    assert isinstance(runs, pandas.DataFrame)
    assert sorted(runs["seed"]) == BUDGET_SEEDS["200"]
    for row in runs.itertuples():
        trial = written[(5, 200, "cifar100", row.seed)]
        assert row.index == 5 and row.arch == nasrank.parse(5).arch_string
        assert (row.dataset, row.protocol, row.budget, row.split) == ("cifar100", "nb201", 200, "x-test")
        assert (row.accuracy, row.loss) == pytest.approx(final(trial, "x-test"), rel=1e-12)
        assert row.params_m == pytest.approx(trial["params"]) and row.flops_m == pytest.approx(trial["flop"])
        assert row.status == "ok" and row.imported


def test_runs_accept_any_encoding_and_every_split(nats_store):
    path, written = nats_store
    store = nasrank.Store(path)
    by_code = store.runs(arch=nasrank.parse(7).compact_code, dataset="cifar10-valid", budget=12, seed=111, split=None)
    by_cell = store.runs(arch=nasrank.parse(7), dataset="cifar10-valid", budget=12, seed=111, split=None)
    pandas.testing.assert_frame_equal(by_code, by_cell)
    trial = written[(7, 12, "cifar10-valid", 111)]
    values = {row.split: (row.accuracy, row.loss) for row in by_code.itertuples()}
    for split in ["x-valid", "ori-test"]:
        assert values[split] == pytest.approx(final(trial, split), rel=1e-12)
    valid = store.runs(arch=7, dataset="cifar10-valid", budget=12, seed=111, split="valid")
    assert list(valid["split"]) == ["x-valid"]


def test_curves_are_the_written_epochs(nats_store):
    path, written = nats_store
    curves = nasrank.Store(path).curves(arch=3, dataset="cifar10", budget=12, seed=777)
    trial = written[(3, 12, "cifar10", 777)]
    test = curves[(curves.metric == "accuracy") & (curves.split == "ori-test")].sort_values("epoch")
    assert list(test["epoch"]) == list(range(12))
    assert list(test["value"]) == pytest.approx([trial["eval_acc1es"][f"ori-test@{e}"] for e in range(12)], rel=1e-12)
    train_loss = curves[(curves.metric == "loss") & (curves.split == "train")].sort_values("epoch")
    assert list(train_loss["value"]) == pytest.approx([trial["train_losses"][e] for e in range(12)], rel=1e-12)


def test_summary_is_the_mean_over_seeds_that_nasrank_query_prints(nats_store):
    path, written = nats_store
    summary = nasrank.Store(path).summary(arch=5, dataset="cifar100", budget=200)
    assert len(summary) == 1
    row = summary.iloc[0]
    accuracies = [final(written[(5, 200, "cifar100", s)], "x-test")[0] for s in BUDGET_SEEDS["200"]]
    assert row["accuracy"] == pytest.approx(statistics.mean(accuracies), rel=1e-12)
    assert row["accuracy_std"] == pytest.approx(statistics.stdev(accuracies), rel=1e-9)
    assert row["n_seeds"] == 2 and row["split"] == "x-test"
    expected = cli_json("query", path, "--index", 5, "--dataset", "cifar100", "--budget", 200, "--format", "json")
    assert len(expected) == 1
    for ours, theirs in [("accuracy", "accuracy"), ("accuracy_std", "accuracy_std"), ("loss", "loss"),
                         ("params_m", "params_m"), ("flops_m", "flops_m"), ("seeds", "seeds"), ("n_seeds", "n_seeds")]:
        assert row[ours] == expected[0][theirs], ours


def test_summary_of_a_whole_dataset(nats_store):
    path, _ = nats_store
    summary = nasrank.Store(path).summary(dataset="cifar10", budget=12)
    assert sorted(summary["index"]) == sorted(STORE_INDICES)
    assert (summary["n_seeds"] == 2).all()
    per_seed = nasrank.Store(path).summary(dataset="cifar10", budget=12, per_seed=True)
    assert len(per_seed) == 2 * len(STORE_INDICES)


def test_an_ambiguous_budget_is_refused_and_budgets_are_listed(nats_store):
    path, _ = nats_store
    store = nasrank.Store(path)
    assert store.budgets(dataset="cifar10") == [12, 200]
    assert store.budgets(arch=5, dataset="cifar10-valid", protocol="nb201") == [12, 200]
    with pytest.raises(ValueError, match=r"holds results for budgets 12 and 200 epochs .*\(budgets are never mixed\)"):
        store.summary(arch=5, dataset="cifar10")
    assert store.summary(arch=5, dataset="no-such-dataset").empty


def test_a_missing_store_is_file_not_found_with_the_cli_message(tmp_path):
    missing = tmp_path / "missing.h5"
    with pytest.raises(FileNotFoundError) as raised:
        nasrank.Store(missing)
    assert raised.value.filename == str(missing)
    assert raised.value.strerror == cli_error("query", missing, "--budget", 12)


def test_a_file_that_is_no_store_is_a_value_error_with_the_cli_message(tmp_path):
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not an HDF5 file at all" * 100)
    with pytest.raises(ValueError) as raised:
        nasrank.Store(junk)
    assert str(raised.value) == cli_error("query", junk, "--budget", 12)


def test_a_bad_architecture_is_a_value_error(nats_store):
    path, _ = nats_store
    with pytest.raises(ValueError) as raised:
        nasrank.Store(path).runs(arch="3_34_13x")
    assert str(raised.value) == cli_error("query", path, "--arch", "3_34_13x", "--budget", 12)
    with pytest.raises(ValueError, match="expected an encoding"):
        nasrank.Store(path).runs(arch=1.5)


def test_help_describes_the_store():
    text = nasrank.Store.__doc__ + nasrank.Store.runs.__doc__ + nasrank.Store.summary.__doc__
    for word in ["DataFrame", "budget", "seeds", "split", "index"]:
        assert word in text


def test_a_closed_store_lets_h5py_open_the_file(nats_store):
    h5py = pytest.importorskip("h5py")
    path, _ = nats_store
    with nasrank.Store(path) as store:
        runs = len(store)
    assert repr(store) == "nasrank.Store(closed)"
    with pytest.raises(ValueError, match="is closed"):
        store.runs()
    with h5py.File(path, "r") as f:  # the same libhdf5 refuses this while nasrank holds the file
        assert f["runs/benchmark_index"].shape[0] == runs
        with pytest.raises(ValueError, match="close degree"):  # and the other way round
            nasrank.Store(path)
