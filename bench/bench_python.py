#!/usr/bin/python3
"""Python paths of the benchmark: raiiaf's Python package against numpy.save / numpy.load.

Run by bench/run.sh with /usr/bin/python3 and PYTHONPATH pointing at the built
packages (build-bench/python or build/python). numpy.save / numpy.load of the
same tensors always run: they are the bounds. The raiiaf rows run when the
package imports; otherwise the output says why not. Writes one JSON file.

Tensors: the latents of W1 (1x4x128x128), W2 (1x16x128x128) and W3
(1x16x21x60x104), float32 N(0, 1), each written as a latent-only artifact so
that raiiaf and numpy handle exactly the same bytes.

Timing: each operation is repeated for at least --min-time seconds (and at
least 5 times); the table uses the median call, as for the C++ rows (the
best is recorded too).
"""

import argparse
import inspect
import json
import os
import sys
import tempfile
import time
import traceback
import warnings

import numpy as np

SHAPES = {
    "W1": (1, 4, 128, 128),
    "W2": (1, 16, 128, 128),
    "W3": (1, 16, 21, 60, 104),
}


def time_calls(fn, min_time, setup=None):
    """Median and best wall time of one call, over at least min_time seconds and 5 calls.

    `setup` runs before each call, untimed."""
    times = []
    start = time.perf_counter()
    while len(times) < 5 or time.perf_counter() - start < min_time:
        if setup:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 10000:
            break
    return summary(times)


def summary(times):
    """Best and median of a list of call times (sorts it)."""
    times.sort()
    return {"best_s": times[0], "median_s": times[len(times) // 2], "calls": len(times)}


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class RaiiafApi:
    """The package's API, whichever of the known shapes it has.

    Preferred: raiiaf.save(path, latents) and raiiaf.open(path).latents[name].
    Fallback: the existing package's raiiafFileHandler.file_encoder / file_decoder,
    which our package keeps (shared/reference/PYTHON_API.md).
    """

    def __init__(self, module):
        self.module = module
        self.kind = None
        if hasattr(module, "save") and hasattr(module, "open"):
            self.kind = "raiiaf.save / raiiaf.open(...).latents[...]"
        elif hasattr(module, "raiiafFileHandler"):
            self.kind = "raiiafFileHandler.file_encoder / file_decoder"
            self.handler = module.raiiafFileHandler()
        else:
            raise RuntimeError("the raiiaf module has neither save/open nor raiiafFileHandler")
        self._save = None
        self._open_unverified = None

    def save(self, path, name, array):
        if self.kind.startswith("raiiafFileHandler"):
            self.handler.file_encoder(
                filename=path, latent={name: array}, chunk_records=[], model_name="bench",
                model_version="1.0", prompt="bench", tags=["bench"], img_binary=None,
                should_compress=False, convert_float16=False)
            return
        if self._save is None:
            # Find the calling convention once: keyword `latents`, then positional.
            attempts = [
                lambda p, n, a: self.module.save(p, latents={n: a}),
                lambda p, n, a: self.module.save(p, {n: a}),
            ]
            errors = []
            for attempt in attempts:
                try:
                    attempt(path, name, array)
                    self._save = attempt
                    return
                except TypeError as e:
                    errors.append(str(e))
            raise RuntimeError("raiiaf.save: no known calling convention worked: " + "; ".join(errors))
        self._save(path, name, array)

    def load(self, path, name, verify=True):
        if self.kind.startswith("raiiafFileHandler"):
            if not verify:
                return None
            return np.asarray(self.handler.file_decoder(path)["chunks"]["latent"][0])
        if verify:
            return np.asarray(self.module.open(path).latents[name])
        if self._open_unverified is None:
            params = inspect.signature(self.module.open).parameters
            for key in ("verify", "verify_hashes"):
                if key in params:
                    self._open_unverified = lambda p, k=key: self.module.open(p, **{k: False})
                    break
            else:
                self._open_unverified = False
        if not self._open_unverified:
            return None
        return np.asarray(self._open_unverified(path).latents[name])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--min-time", type=float, default=0.3)
    parser.add_argument("--tmp", default=None)
    args = parser.parse_args()

    # Environment-drift warnings are not what is measured.
    warnings.simplefilter("ignore")
    result = {"python": sys.version.split()[0], "numpy": np.__version__, "workloads": {}}
    api = None
    try:
        import raiiaf  # noqa: F401  (PYTHONPATH set by run.sh)
        api = RaiiafApi(raiiaf)
        result["raiiaf_api"] = api.kind
        result["raiiaf_file"] = getattr(raiiaf, "__file__", None)
    except Exception as e:  # not built yet, or broken: the numpy bounds still run
        result["raiiaf_api"] = None
        result["raiiaf_error"] = f"{type(e).__name__}: {e}"

    with tempfile.TemporaryDirectory(prefix="raiiaf-bench-py-", dir=args.tmp) as tmp:
        rng = np.random.default_rng(1)
        for name, shape in SHAPES.items():
            array = rng.standard_normal(shape, dtype=np.float32)
            entry = {"bytes": int(array.nbytes), "shape": list(shape)}
            npy = os.path.join(tmp, f"{name}.npy")
            # Writes go to a fresh file (the old one removed, untimed): overwriting in
            # place makes ext4 flush on close (auto_da_alloc), which is not numpy's cost.
            entry["numpy.save"] = time_calls(lambda: np.save(npy, array), args.min_time,
                                            setup=lambda: remove(npy))
            entry["numpy.load"] = time_calls(lambda: np.load(npy), args.min_time)
            if api is not None:
                path = os.path.join(tmp, f"{name}.raiiaf")
                try:
                    entry["raiiaf.save"] = time_calls(lambda: api.save(path, "initial_noise", array),
                                                     args.min_time, setup=lambda: remove(path))
                    if hasattr(api.module, "dumps"):  # in memory: no file, no fsync
                        entry["raiiaf.dumps"] = time_calls(
                            lambda: api.module.dumps(latents={"initial_noise": array}), args.min_time)
                    loaded = api.load(path, "initial_noise")
                    if loaded is None or not np.array_equal(loaded.reshape(shape), array):
                        raise RuntimeError("the latent read back differs from the one written")
                    entry["raiiaf.load_verified"] = time_calls(lambda: api.load(path, "initial_noise"),
                                                              args.min_time)
                    if api.load(path, "initial_noise", verify=False) is not None:
                        entry["raiiaf.load_unverified"] = time_calls(
                            lambda: api.load(path, "initial_noise", verify=False), args.min_time)
                except Exception as e:
                    entry["raiiaf_error"] = f"{type(e).__name__}: {e}"
                    result.setdefault("raiiaf_traceback", traceback.format_exc())
            result["workloads"][name] = entry

    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
