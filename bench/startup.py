#!/usr/bin/env python3
"""CLI start-up cost: CPU of `raiiaf info FILE` from the shell next to /bin/true.

    bench/startup.py [--cli build/bin/raiiaf] [--runs 400] [--file F.raiiaf]
    bench/startup.py --cli NEW --compare OLD...   # several builds in one run

Runs each command N times with subprocess, alternating, and reads the CPU the
children used (user + system, resource.getrusage(RUSAGE_CHILDREN)) around each
call. Without --file it makes a W1-like artifact (a 1024x1024 PNG
and a 1x4x128x128 float32 latent) with `raiiaf create`. Prints one JSON object (a list of them with --compare):
CPU per call, the ratio to /bin/true, the CPU of a Python process decoding
the same file as the existing package does (and how many `raiiaf info` calls
it is worth; also without the environment check that decode ends with), and the shared libraries the CLI needs (readelf -d) and loads
(LD_DEBUG=files) for `info`.
"""
import argparse
import json
import os
import platform
import resource
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_per_call(commands, runs):
    """CPU seconds per call of each command; the calls alternate, so that a
    busy spell of the machine falls on every command alike."""
    totals = [0.0] * len(commands)
    for _ in range(runs):
        for index, argv in enumerate(commands):
            before = children_cpu()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            totals[index] += children_cpu() - before
    return [total / runs for total in totals]


def png(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = bytes(range(256)) * (width * 3 // 256)
    raw = b"".join(b"\0" + row[(y % 7):] + row[:(y % 7)] for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def npy_float32(shape):
    count = 1
    for dim in shape:
        count *= dim
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % "".join(f"{d}, " for d in shape)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    values = struct.pack(f"<{count}f", *((i % 97) / 97.0 for i in range(count)))
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + values


def make_w1(cli, folder):
    image, latent, artifact = folder / "w1.png", folder / "w1.npy", folder / "w1.raiiaf"
    image.write_bytes(png(1024, 1024))
    latent.write_bytes(npy_float32((1, 4, 128, 128)))
    subprocess.run([cli, "create", str(image), "-o", str(artifact), "--latent", f"latent={latent}",
                    "--model", "bench", "--model-version", "1", "--prompt", "start-up"],
                   check=True, stdout=subprocess.DEVNULL)
    return artifact


def python_decode_command(artifact, environment_check=True):
    """A Python process that decodes the artifact as the existing package's
    file_decoder does: tests/python/compat_reader.py, its reader rebuilt from
    the format's reference with the libraries it imports (numpy, zstandard,
    zfpy), and, with environment_check, what ../shared/reference/FORMAT.md
    section 5 says that decode does next: capture the current environment
    (torch's version and CUDA version among it, so torch is imported) and warn
    for each difference. None when those libraries are missing."""
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    models = Path(__file__).resolve().parent.parent / "tests" / "python"
    needed = "import numpy, zstandard, zfpy" + (", torch" if environment_check else "")
    probe = subprocess.run([python, "-c", needed], capture_output=True)
    if probe.returncode != 0:
        return None
    code = (f"import sys, warnings; sys.path.insert(0, {str(models)!r}); import zfpy, compat_reader; "
            f"decoded = compat_reader.decode({str(artifact)!r}); ")
    if environment_check:
        code += ("[warnings.warn(text, UserWarning) for text in compat_reader.reference_drift_warnings("
                 "decoded['chunks']['env'], compat_reader.reference_environment())]")
    return [python, "-W", "ignore", "-c", code]


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def needed_libraries(cli):
    out = subprocess.run(["readelf", "-d", cli], capture_output=True, text=True, check=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


def loaded_libraries(argv):
    env = dict(os.environ, LD_DEBUG="files")
    err = subprocess.run(argv, capture_output=True, text=True, env=env).stderr
    names = []
    for line in err.splitlines():
        if "file=" in line and "[0];  needed by" in line or "file=" in line and "dynamically loaded by" in line:
            name = line.split("file=", 1)[1].split()[0]
            if name not in names:
                names.append(name)
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parent.parent
    parser.add_argument("--cli", default=str(root / "build" / "bin" / "raiiaf"))
    parser.add_argument("--compare", nargs="+", metavar="CLI", default=[],
                        help="further CLI builds measured in the same run, alternating with the first")
    parser.add_argument("--runs", type=int, default=400, help="calls of each command (default 400)")
    parser.add_argument("--file", help="the artifact for `info` (default: a W1-like one made here)")
    args = parser.parse_args()
    clis = [args.cli] + args.compare
    with tempfile.TemporaryDirectory() as folder:
        artifact = Path(args.file) if args.file else make_w1(args.cli, Path(folder))
        infos = [[cli, "info", str(artifact)] for cli in clis]
        *cli_cpus, true_cpu = cpu_per_call(infos + [["/bin/true"]], args.runs)
        decode = python_decode_command(artifact)
        bare_decode = python_decode_command(artifact, environment_check=False)
        python_cpu = cpu_per_call([decode], max(3, args.runs // 40))[0] if decode else None
        bare_cpu = cpu_per_call([bare_decode], max(3, args.runs // 40))[0] if bare_decode else None
        results = []
        for cli, info, cli_cpu in zip(clis, infos, cli_cpus):
            results.append({
                "machine": f"{cpu_model()}, {os.cpu_count()} cores, Linux {platform.release()}, "
                           f"load average {os.getloadavg()[0]:.1f}",
                "cli": cli,
                "calls": args.runs,
                "info_cpu_ms": round(cli_cpu * 1e3, 3),
                "true_cpu_ms": round(true_cpu * 1e3, 3),
                "ratio_to_true": round(cli_cpu / true_cpu, 2) if true_cpu > 0 else None,
                "python_decode_cpu_ms": round(python_cpu * 1e3, 3) if python_cpu else None,
                "python_decode_over_info": round(python_cpu / cli_cpu, 1) if python_cpu and cli_cpu > 0 else None,
                "python_decode_without_environment_cpu_ms": round(bare_cpu * 1e3, 3) if bare_cpu else None,
                "python_decode_without_environment_over_info":
                    round(bare_cpu / cli_cpu, 1) if bare_cpu and cli_cpu > 0 else None,
                "needed": needed_libraries(cli),
                "loaded_by_info": loaded_libraries(info),
            })
    json.dump(results[0] if len(results) == 1 else results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
