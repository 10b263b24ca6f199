#!/usr/bin/env python3
"""Wall and CPU time of `raiiaf info`, `edit` and `convert` on artifacts with a
100 MB latent (raw and zstd), for one or more raiiaf binaries: how many passes
over the data each command makes (docs/PERFORMANCE.md, "Passes over the data").

    bench/cli_passes.py [--reps N] [--dir DIR] NAME=BINARY [NAME=BINARY ...]

The first binary creates the inputs in DIR (default: a temporary folder, about
600 MB). Writes use --no-fsync, so the figures are the commands' own work, not
the disk's. Prints one Markdown table: the median of N runs (default 5).
"""
import argparse
import array
import os
import random
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = os.path.join(ROOT, "tests", "data", "vectors", "expected", "r1_f32_raw", "image.png")
ENVIRONMENT = os.path.join(ROOT, "tests", "cli", "data", "env.json")
SHAPE = (1, 4, 2560, 2560)  # float32: 104,857,600 bytes


def write_noise(path):
    random.seed(1)
    count = 1
    for dim in SHAPE:
        count *= dim
    values = array.array("f", (random.gauss(0, 1) for _ in range(count)))
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (SHAPE,)
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    with open(path, "wb") as out:
        out.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        values.tofile(out)


def timed(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--dir")
    parser.add_argument("binaries", nargs="+", metavar="NAME=BINARY")
    args = parser.parse_args()
    binaries = [b.split("=", 1) for b in args.binaries]
    work = args.dir or tempfile.mkdtemp(prefix="raiiaf-passes-")
    os.makedirs(work, exist_ok=True)
    noise = os.path.join(work, "noise.npy")
    if not os.path.exists(noise):
        write_noise(noise)
    inputs = {}
    for codec in ("raw", "zstd"):
        path = os.path.join(work, f"latent_{codec}.raiiaf")
        if not os.path.exists(path):
            subprocess.run([binaries[0][1], "create", "--no-fsync", IMAGE, "-o", path, "--latent", f"initial_noise={noise}",
                            "--model", "M", "--model-version", "1", "--prompt", "a cat", "--seed", "1",
                            "--steps", "2", "--sampler", "euler", "--compress", codec,
                            "--environment", ENVIRONMENT], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        inputs[codec] = path

    rows = []
    for codec, path in inputs.items():
        for command in ("info", "edit", "convert"):
            cells = []
            for name, binary in binaries:
                walls, cpus = [], []
                for rep in range(args.reps):
                    if command == "info":
                        argv = [binary, "info", path]
                    elif command == "edit":
                        argv = [binary, "edit", "--no-fsync", path, "--prompt", f"{name} {rep}"]
                    else:
                        argv = [binary, "convert", "--no-fsync", path, os.path.join(work, "out.raiiaf"), "--force"]
                    wall, cpu = timed(argv)
                    walls.append(wall)
                    cpus.append(cpu)
                cells.append((statistics.median(walls), statistics.median(cpus)))
            rows.append((f"`{command}` ({codec} latent)", cells))

    names = [name for name, _ in binaries]
    print("| command | " + " | ".join(f"{n} wall | {n} CPU" for n in names) + " |")
    print("|---|" + "---:|---:|" * len(names))
    for label, cells in rows:
        print(f"| {label} | " + " | ".join(f"{w * 1000:.0f} ms | {c * 1000:.0f} ms" for w, c in cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
