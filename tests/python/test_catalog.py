"""raiiaf.Catalog over a tree written with raiiaf.save: index, find, lazy opening, errors, and a
PyTorch Dataset over the rows (python3-torch; skipped, visibly, where it is not installed)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import raiiaf


def _tree(root, png):
    rng = np.random.default_rng(7)
    noise = {i: rng.standard_normal((1, 4, 8, 8)).astype(np.float32) for i in range(3)}
    specs = [
        ("a.raiiaf", "SDXL", "a fennec at dusk", 1337, 30, ["fennec"], noise[0]),
        ("b.raiiaf", "SDXL", "a cat on a sofa", 2**64 - 1, 20, ["cat"], noise[1]),
        ("sub/c.raiiaf", "SD3", "neon fennec city", 42, 50, ["neon"], noise[0]),
    ]
    for name, model, prompt, seed, steps, tags, latent in specs:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        raiiaf.save(root / name, image=png, latents={"initial_noise": latent}, prompt=prompt, model=model,
                    model_version="1", settings={"seed": seed, "steps": steps, "sampler": "euler"}, tags=tags)
    (root / "broken.raiiaf").write_bytes(b"raiiaf but not really")
    return noise


@pytest.fixture
def indexed(tmp_path, png):
    root = tmp_path / "outputs"
    root.mkdir()
    noise = _tree(root, png)
    catalog = raiiaf.Catalog(tmp_path / "catalog.sqlite")
    summary = catalog.index(root)
    return catalog, root, summary, noise


def test_index_and_find(indexed):
    catalog, root, summary, _ = indexed
    assert (summary["seen"], summary["added"], summary["damaged"]) == (4, 4, 1)
    assert summary["damaged_files"][0][0] == str(root.resolve() / "broken.raiiaf")
    assert catalog.backend == "sqlite" and catalog.schema_version >= 1 and len(catalog) == 4

    rows = catalog.find("model:sdxl fennec")
    assert [r.path for r in rows] == [str(root.resolve() / "a.raiiaf")]
    assert rows[0].seed == 1337 and rows[0].steps == 30 and rows[0].tags == ["fennec"]
    assert [r.seed for r in catalog.find("seed:18446744073709551615")] == [2**64 - 1]
    assert {r.path.rsplit("/", 1)[1] for r in catalog.find("steps>=30")} == {"a.raiiaf", "c.raiiaf"}
    assert [r.damaged for r in catalog.find("state:damaged")] == [True]
    assert len(catalog.find("", limit=2, sort="-steps")) == 2
    assert catalog.find("", sort="-steps")[0].steps == 50

    again = catalog.index([root])
    assert again["unchanged"] == 4 and again["added"] == again["updated"] == 0


def test_rows_open_the_artifact_lazily(indexed):
    catalog, root, _, noise = indexed
    row = catalog.find("seed:1337")[0]
    with row.open() as art:
        assert art.prompt == "a fennec at dusk"
        np.testing.assert_array_equal(np.asarray(art.latents["initial_noise"]), noise[0])


def test_same_noise_and_duplicates(indexed):
    catalog, root, _, _ = indexed
    assert [r.path for r in catalog.same_noise(root / "a.raiiaf")] == [str(root.resolve() / "sub/c.raiiaf")]
    kinds = {kind: sorted(r.path.rsplit("/", 1)[1] for r in rows) for kind, _, rows in catalog.duplicates()}
    assert kinds == {"image": ["a.raiiaf", "b.raiiaf", "c.raiiaf"], "noise": ["a.raiiaf", "c.raiiaf"]}


def test_bad_query_names_the_column(indexed):
    catalog = indexed[0]
    with pytest.raises(ValueError, match=r"column 6: unknown field 'stpes'; did you mean 'steps'\?"):
        catalog.find("cat  stpes>=3")
    with pytest.raises(raiiaf.InvalidArgument, match="column 6: seed is an integer"):
        catalog.find("seed:-1")


def test_missing_folder_is_an_os_error(tmp_path):
    catalog = raiiaf.Catalog(tmp_path / "c.sqlite")
    with pytest.raises(OSError, match="no such file"):
        catalog.index(tmp_path / "nope")


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="python3-torch is not installed")
def test_pytorch_dataset_over_rows(indexed):
    import torch
    from torch.utils.data import DataLoader, Dataset

    catalog = indexed[0]

    # The README's example.
    class Noises(Dataset):
        def __init__(self, query):
            self.rows = catalog.find(query)

        def __len__(self):
            return len(self.rows)

        def __getitem__(self, i):
            with self.rows[i].open() as art:
                return torch.from_numpy(np.array(art.latents["initial_noise"])), self.rows[i].seed

    batches = list(DataLoader(Noises("fennec"), batch_size=2))
    assert len(batches) == 1
    latents, seeds = batches[0]
    assert latents.shape == (2, 1, 4, 8, 8)
    assert sorted(seeds.tolist()) == [42, 1337]
