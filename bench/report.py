#!/usr/bin/python3
"""Turns one benchmark run into the one table (bench/run.sh calls this).

Inputs (all from the same run): Google Benchmark's JSON from raiiaf_bench, its
--metrics JSON (sizes, entropy bounds, errors), bench_python.py's JSON and the
CLI timing JSON written by run.sh. Prints the table as text; with --markdown
FILE also writes it as Markdown, and with --update-doc FILE replaces the part
of that file between the markers <!-- bench:begin --> and <!-- bench:end -->.

Every time is the median of the repetitions, and each ratio is the median
figure over the median of the bound, both measured in the same run (their
repetitions interleaved at random). Where the best repetition gives a
different verdict, the table says so. MB/s means 10^6 bytes per second of
payload (image + tensor bytes; the uncompressed tensor for codecs).
Single-threaded code (the codecs alone) is also given per second of CPU time,
which a machine busy with other work does not inflate.
"""

import argparse
import json
import re
import statistics
import sys

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def load(path):
    if not path:
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class Results:
    """The repetitions of every Google Benchmark entry, by name without /real_time."""

    SCALE = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}

    def __init__(self, data):
        self.runs = {}
        for b in (data or {}).get("benchmarks", []):
            if b.get("run_type") != "iteration" or b.get("error_occurred"):
                continue
            name = re.sub(r"/(real_time|iterations:\d+|repeats:\d+)", "", b["run_name"])
            self.runs.setdefault(name, []).append(b)

    def _values(self, name, key):
        return [b[key] for b in self.runs.get(name, []) if key in b]

    def rate(self, name, best=False):  # bytes per second (median, or best repetition)
        v = self._values(name, "bytes_per_second")
        return (max(v) if best else statistics.median(v)) if v else None

    def cpu_rate(self, name):  # bytes per second of the main thread's CPU time (median)
        v = [b["bytes_per_second"] * b["real_time"] / b["cpu_time"]
             for b in self.runs.get(name, []) if b.get("cpu_time") and "bytes_per_second" in b]
        return statistics.median(v) if v else None

    def items(self, name):  # items per second (median)
        v = self._values(name, "items_per_second")
        return statistics.median(v) if v else None

    def seconds(self, name, best=False):
        runs = self.runs.get(name, [])
        v = [b["real_time"] * self.SCALE[b["time_unit"]] for b in runs]
        return (min(v) if best else statistics.median(v)) if v else None

    def counter(self, name, key):
        v = self._values(name, key)
        return v[0] if v else None

    def repetitions(self):
        return max((len(v) for v in self.runs.values()), default=0)


def mbps(rate):
    return "n/a" if rate is None else f"{rate / 1e6:,.0f} MB/s"


def times(x, what):
    return "" if x is None else f"{x:.2f}x {what}"


def yes(flag):
    return "" if flag is None else ("yes" if flag else "**NO**")


def fmt_time(seconds):
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1e3:.2f} ms"


def size_mb(n):
    return f"{n / 1e6:.2f} MB"


def import_rows(g, sha, imp, add):
    """Issue 14: dry-run parsing per file and a folder import against SHA-256."""
    group = "import: real generator files (tests/data/interop)"
    for name, label, targeted in (
            ("enslo_forge-classic-en.png", "A1111 PNG tEXt, 1.3 MB", True),
            ("enslo_invokeai-en.png", "InvokeAI PNG tEXt, 2.0 MB", True),
            ("enslo_swarmui.png", "SwarmUI PNG tEXt, 1.6 MB", True),
            ("enslo_forge-neo.jpeg", "A1111 JPEG EXIF, 0.17 MB", False),
            ("enslo_comfyui-animated-webp.webp", "ComfyUI WebP EXIF, 0.9 MB", False),
            ("sdparsers_night_evening_day_morning_cropped.png", "ComfyUI PNG graph, 17 kB", False),
            ("novelaipy_sample-0317.png", "NovelAI PNG + stealth scan", False)):
        seconds = g.seconds(f"import/parse/{name}")
        met = None if seconds is None or not targeted else seconds <= 0.5e-3
        add(group, f"dry-run parse: {label}", fmt_time(seconds), "sd-parsers ~5 ms",
            "<= 0.5 ms" if targeted else "", met)
    rate = g.rate("import/encode_in_memory")
    add(group, "import in memory, 1 core (parse + model_info + encode)", mbps(rate),
        times(rate / sha if rate and sha else None, "SHA-256"))
    if imp and imp.get("wall_s"):
        what = f"{imp['files']} files, {size_mb(imp['bytes'])}, all cores"
        disk = None
        if imp.get("disk_wall_s"):
            disk = imp["disk_bytes"] / statistics.median(imp["disk_wall_s"])
            add(group, "bound: the disk writing as many bytes durably (dd conv=fsync)", mbps(disk))
        rate = imp["bytes"] / statistics.median(imp["wall_s"])
        add(group, f"raiiaf import FOLDER ({what}, durable)", mbps(rate),
            "; ".join(t for t in (times(rate / disk if disk else None, "the disk"),
                                  times(rate / sha if sha else None, "SHA-256")) if t))
        if imp.get("no_fsync_wall_s"):
            rate = imp["bytes"] / statistics.median(imp["no_fsync_wall_s"])
            ratio = rate / sha if sha else None
            add(group, f"raiiaf import FOLDER ({what}, --no-fsync)", mbps(rate), times(ratio, "SHA-256"),
                ">= 0.80x SHA-256", None if ratio is None else ratio >= 0.8)
    else:
        add(group, "raiiaf import FOLDER", "n/a (" + ((imp or {}).get("error") or "not run") + ")")


def build_rows(g, metrics, py, cli, imp=None, startup=None):
    rows = []  # (group, operation, result, vs bound, target, met)
    sha = g.rate("bound/sha256_1MiB")
    sha_best = g.rate("bound/sha256_1MiB", best=True)
    memcpy = g.rate("bound/memcpy_8MiB/8388608")

    def add(group, op, result, bound="", target="", met=None):
        rows.append([group, op, result, bound, target, yes(met)])

    # ---- bounds
    add("bounds", "SHA-256 (OpenSSL, 1 MiB, 1 core)", mbps(sha), f"best {mbps(sha_best)}")
    add("bounds", "memcpy 8 MiB", mbps(memcpy))
    if py:
        for w, e in py.get("workloads", {}).items():
            for op in ("numpy.save", "numpy.load"):
                if op in e:
                    add("bounds", f"{op} {w} latent ({size_mb(e['bytes'])})",
                        mbps(e["bytes"] / e[op]["median_s"]))
    else:
        add("bounds", "numpy.save / numpy.load", "n/a (bench_python.py did not run)")

    # ---- W1..W3
    wl = (metrics or {}).get("workloads", {})
    descriptions = {
        "W1": "W1: PNG + 1x4x128x128",
        "W2": "W2: 1x16x128x128",
        "W3": "W3: PNG + 1x16x21x60x104",
    }
    for w in ("W1", "W2", "W3"):
        group = descriptions[w]
        if w in wl:
            group += f", {size_mb(wl[w]['payload_bytes'])}"
        for op, label in (
            ("encode", "encode (in memory, raw)"),
            ("decode_verified", "decode verified (open + load)"),
            ("decode_unverified", "decode unverified (zero copy)"),
            ("write_file", "write_file (fsync)"),
        ):
            rate = g.rate(f"{w}/{op}")
            ratio = rate / sha if rate and sha else None
            if op in ("encode", "decode_verified"):
                best = g.rate(f"{w}/{op}", best=True)
                best_ratio = best / sha_best if best and sha_best else None
                met = None if ratio is None else ratio >= 0.8
                note = ""
                if best_ratio is not None and (best_ratio >= 0.8) != met:
                    note = f" (best runs: {best_ratio:.2f}x)"
                add(group, label, mbps(rate), times(ratio, "SHA-256") + note, ">= 0.80x SHA-256", met)
            elif op == "decode_unverified":  # views of the mapping: a fixed cost, no bound applies
                add(group, label, mbps(rate), f"{fmt_time(g.seconds(f'{w}/{op}'))} per file")
            else:
                add(group, label, mbps(rate), times(ratio, "SHA-256"))

    # ---- W4
    group = "W4: 1000 x (64x64 PNG + 1x4x8x8)"
    for op, label in (("encode", "encode (in memory)"), ("write_file", "write_file (fsync)"),
                      ("write_batch", "1000 new files written durably as one batch (WriteBatch.add_all)"),
                      ("write_batch_replace", "the same, replacing 1000 existing files"),
                      ("read_verified", "open + load, verified"),
                      ("read_unverified", "open + load, unverified")):
        rate = g.items(f"W4/{op}")
        value = "n/a" if rate is None else f"{rate:,.0f} files/s ({fmt_time(1 / rate)}/file)"
        if op == "write_batch":
            add(group, label, value, "", ">= 5,000 files/s", None if rate is None else rate >= 5000)
        else:
            add(group, label, value)

    # ---- environment capture
    group = "environment capture"
    capture = g.seconds("env/capture")
    components = g.counter("env/capture", "components")
    fresh = g.items("env/W4_encode_fresh_capture")
    cached = g.items("W4/encode")
    added = 1 / fresh - 1 / cached if fresh and cached else None
    add(group, f"capture alone ({components:.0f} components)" if components else "capture alone", fmt_time(capture))
    add(group, "added to a write (W4 encode, fresh capture - cached)", fmt_time(added), "", "< 5 ms",
        None if added is None else added < 5e-3)

    # ---- manifest-only open
    for mib, label in ((1, "1 MiB"), (100, "100 MiB"), (1024, "1 GiB")):
        s = g.seconds(f"open/manifest_only/{mib}")
        size = g.counter(f"open/manifest_only/{mib}", "file_bytes")
        add("manifest-only open", f"{label} file" + (f" ({size_mb(size)})" if size else ""), fmt_time(s), "",
            "< 1 ms", None if s is None else s < 1e-3)

    # ---- CLI
    group = "raiiaf info (shell)"
    if cli and cli.get("wall_s"):
        wall = statistics.median(cli["wall_s"])
        true_wall = statistics.median(cli["true_wall_s"])
        add(group, f"1 file per call, wall (median of {len(cli['wall_s'])} loops of {cli['calls_per_loop']})",
            fmt_time(wall) + "/file", f"/bin/true: {fmt_time(true_wall)}", "< 5 ms", wall < 5e-3)
        add(group, "1 file per call, CPU time (user + system)", fmt_time(cli["cpu_s"]) + "/file",
            f"/bin/true: {fmt_time(cli['true_cpu_s'])}")
        if cli.get("batch_per_file_s") is not None:
            add(group, f"{cli['batch_files']} files in one call", fmt_time(cli["batch_per_file_s"]) + "/file")
    if startup and startup.get("ratio_to_true") is not None:
        ratio = startup["ratio_to_true"]
        add(group, f"CPU per call, getrusage over {startup['calls']} alternating calls (bench/startup.py)",
            f"{startup['info_cpu_ms']:.2f} ms", f"/bin/true: {startup['true_cpu_ms']:.2f} ms ({ratio:.2f}x)",
            "<= 2x /bin/true", ratio <= 2.0)
        if startup.get("python_decode_over_info") is not None:
            over = startup["python_decode_over_info"]
            add(group, "a Python process decoding the file as the existing package does (its environment "
                "check imports torch)", f"{startup['python_decode_cpu_ms']:.1f} ms", f"{over:.0f}x raiiaf info",
                ">= 300x", over >= 300)
        if startup.get("python_decode_without_environment_over_info") is not None:
            add(group, "the same decode without the environment check",
                f"{startup['python_decode_without_environment_cpu_ms']:.1f} ms",
                f"{startup['python_decode_without_environment_over_info']:.0f}x raiiaf info")
        add(group, "shared libraries loaded by `raiiaf info`", str(len(startup["loaded_by_info"])),
            ", ".join(startup["loaded_by_info"]))
    elif cli and cli.get("error"):
        add(group, "error", cli["error"], "", "< 5 ms", False)
    else:
        add(group, "per file", "n/a (CLI not built)", "", "< 5 ms")

    # ---- codecs
    codecs = (metrics or {}).get("codecs", {})
    names = {"gauss_f32": "Gaussian f32", "gauss_f16": "Gaussian f16", "smooth_f32": "smooth f32"}
    for data, entry in codecs.items():
        shape = "x".join(str(d) for d in entry["shape"])
        bound = entry["entropy_bound"]
        group = f"codec: {names.get(data, data)} {shape}"
        noise = data.startswith("gauss")
        raw_e = g.rate(f"codec/{data}/raw/encode")
        raw_d = g.rate(f"codec/{data}/raw/decode_verified")
        add(group, "entropy bound (sign+exp entropy + mantissa)", f"{bound:.4f}")
        add(group, "raw: e2e encode / verified decode", f"{mbps(raw_e)} / {mbps(raw_d)}")
        for codec in ("zstd", "shuffle-zstd", "zfp"):
            m = entry.get(codec)
            if not m:
                continue
            ratio = m["ratio"]
            shuffle = codec == "shuffle-zstd"
            target = ""
            met = None
            if shuffle:
                target = "<= 1.02x bound" if noise else "<= raw"
                met = ratio <= 1.02 * bound if noise else ratio <= 1.0 + 12 / m["raw_bytes"]
                met = met and m["lossless"] and ratio <= 1.0 + 12 / m["raw_bytes"]
            note = "" if m.get("codec_alone_matches_writer", True) else " (bench codec path != writer!)"
            if m.get("stored_codec") != codec:
                note += f" (stored {m.get('stored_codec')})"
            add(group, f"{codec}: size / raw{'' if m['lossless'] else ' (NOT LOSSLESS)'}",
                f"{ratio:.4f}{note}", times(ratio / bound, "bound"), target, met)
            comp, comp_cpu = g.rate(f"codec/{data}/{codec}/compress"), g.cpu_rate(f"codec/{data}/{codec}/compress")
            dec, dec_cpu = g.rate(f"codec/{data}/{codec}/decompress"), g.cpu_rate(f"codec/{data}/{codec}/decompress")
            enc_e = g.rate(f"codec/{data}/{codec}/encode")
            dec_e = g.rate(f"codec/{data}/{codec}/decode_verified")
            targeted = shuffle and noise
            add(group, f"{codec}: compress alone, CPU time (wall)", f"{mbps(comp_cpu)} ({mbps(comp)})",
                f"e2e encode {mbps(enc_e)}", ">= 500 MB/s" if targeted else "",
                (comp_cpu is not None and comp_cpu >= 500e6) if targeted else None)
            add(group, f"{codec}: decompress alone, CPU time (wall)", f"{mbps(dec_cpu)} ({mbps(dec)})",
                f"e2e verified decode {mbps(dec_e)}", ">= 1000 MB/s" if targeted else "",
                (dec_cpu is not None and dec_cpu >= 1000e6) if targeted else None)
        for key in sorted((k for k in entry if k.startswith("zfp_tol")), key=lambda k: -float(k[7:])):
            m = entry[key]
            tol = m["tolerance"]
            comp = g.rate(f"codec/{data}/{key}/compress")
            dec = g.rate(f"codec/{data}/{key}/decompress")
            ok = m["within_tolerance"] and m.get("recorded_tolerance") == tol
            add(group, f"zfp tol {tol:g}: size, max err, comp / dec",
                f"{m['ratio']:.3f}, {m['max_abs_error']:.2g}, {mbps(comp)} / {mbps(dec)}",
                "", "err <= tol, recorded", ok)
        whatif = entry.get("zfp_squeezed_whatif")
        if whatif:
            shape2 = "x".join(str(d) for d in whatif["shape"])
            parts = [f"lossless {whatif['zfp']:.3f}"] + [
                f"tol {float(k[7:]):g}: {v:.3f}" for k, v in sorted(whatif.items(), key=lambda kv: -float(kv[0][7:]) if kv[0].startswith("zfp_tol") else 0)
                if k.startswith("zfp_tol")]
            add(group, f"what-if: zfp size coded as {shape2}", ", ".join(parts))

    import_rows(g, sha, imp, add)

    # ---- Python
    group = "Python package"
    if py and py.get("raiiaf_api"):
        add(group, "API measured", py["raiiaf_api"])
        for w, e in py.get("workloads", {}).items():
            if "raiiaf_error" in e:
                add(group, f"{w} latent", "error: " + e["raiiaf_error"][:100])
                continue
            save = e["bytes"] / e["raiiaf.save"]["median_s"] if "raiiaf.save" in e else None
            npsave = e["bytes"] / e["numpy.save"]["median_s"]
            add(group, f"save {w} latent ({size_mb(e['bytes'])}, fsync)", mbps(save),
                times(save / npsave if save else None, "numpy.save (no fsync)"))
            if "raiiaf.dumps" in e:
                dumps = e["bytes"] / e["raiiaf.dumps"]["median_s"]
                add(group, f"dumps {w} latent (in memory)", mbps(dumps), times(dumps / sha if sha else None, "SHA-256"))
            for key, label in (("raiiaf.load_verified", "load verified"), ("raiiaf.load_unverified", "load unverified")):
                if key in e:
                    rate = e["bytes"] / e[key]["median_s"]
                    vs = times(rate / (e["bytes"] / e["numpy.load"]["median_s"]), "numpy.load")
                    if key == "raiiaf.load_verified" and sha:
                        vs = times(rate / sha, "SHA-256") + ", " + vs
                    add(group, f"{label} {w} latent", mbps(rate), vs)
    elif py:
        add(group, "raiiaf.save / raiiaf.open", "n/a (" + (py.get("raiiaf_error") or "not importable") + ")")
    else:
        add(group, "raiiaf.save / raiiaf.open", "n/a (bench_python.py did not run)")
    return rows


def text_table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    lines = []
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()
    lines.append(line)
    lines.append("  ".join("-" * w for w in widths))
    previous = None
    for r in rows:
        cells = list(r)
        if cells[0] == previous:
            cells[0] = ""
        else:
            if previous is not None:
                lines.append("")
            previous = cells[0]
        lines.append("  ".join(str(c).replace("**", "").ljust(w) for c, w in zip(cells, widths)).rstrip())
    return "\n".join(lines)


def markdown_table(rows, header):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    previous = None
    for r in rows:
        cells = [str(c).replace("|", "\\|") for c in r]
        if r[0] == previous:
            cells[0] = ""
        else:
            previous = r[0]
            cells[0] = f"**{cells[0]}**"
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gbench", required=True)
    p.add_argument("--metrics")
    p.add_argument("--python")
    p.add_argument("--cli")
    p.add_argument("--import-json", dest="import_json")
    p.add_argument("--startup")
    p.add_argument("--machine", default="")
    p.add_argument("--markdown")
    p.add_argument("--update-doc")
    args = p.parse_args()

    gdata = load(args.gbench)
    g = Results(gdata)
    rows = build_rows(g, load(args.metrics), load(args.python), load(args.cli), load(args.import_json),
                      load(args.startup))
    header = ["workload", "operation", "result", "vs bound", "target", "met"]
    context = (gdata or {}).get("context", {})
    title = (f"raiiaf benchmark, {context.get('date', '?')}: {args.machine}; "
             f"medians of {g.repetitions()} repetitions")
    print(title)
    print(text_table(rows, header))
    unmet = [r for r in rows if r[5] == "**NO**"]
    print(f"\ntargets: {sum(1 for r in rows if r[5] == 'yes')} met, {len(unmet)} not met")

    md = title + "\n\n" + markdown_table(rows, header) + "\n"
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(md)
    if args.update_doc:
        with open(args.update_doc) as f:
            doc = f.read()
        if BEGIN in doc and END in doc:
            doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: f"{BEGIN}\n{md}{END}", doc,
                         flags=re.S)
            with open(args.update_doc, "w") as f:
                f.write(doc)
        else:
            print(f"{args.update_doc}: no {BEGIN} / {END} markers; not updated", file=sys.stderr)


if __name__ == "__main__":
    main()
