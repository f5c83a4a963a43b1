#!/usr/bin/env python3
"""Joins the outputs of dev.fovea.bench.Compare and bench/torch_bench.py into one table.

Usage: report.py DIR   (DIR holds fovea-T.tsv and torch-T.tsv for each thread count T, and
optionally machine.txt, whose lines are printed first). Prints a Markdown table:

  workload | threads | Fovea ms | PyTorch ms NCHW | PyTorch ms channels_last | ratio | scaling |
  Fovea GFLOP/s | % of FMA peak

  ratio    = best PyTorch ms (the faster layout) / Fovea ms: the throughput of Fovea over that of
             PyTorch, > 1 means Fovea is faster
  scaling  = Fovea ms at 1 thread / Fovea ms at T threads (rows with T > 1)
  % peak   = Fovea GFLOP/s / the FMA peak measured by the same JVM with T threads at once

then the issue's targets, each PASS or MISS with the shortfall. Times are best-of-N wall times.
"""
import glob
import os
import re
import sys


def read_rows(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def load(directory):
    fovea, torch, peak, headers = {}, {}, {}, []
    for path in sorted(glob.glob(os.path.join(directory, "fovea-*.tsv"))):
        for r in read_rows(path):
            if r[0] == "result":
                name, threads, best, flops = r[1], int(r[2]), float(r[3]), float(r[6])
                fovea[(name, threads)] = (best, flops)
            elif r[0] == "peak":
                peak[int(r[1])] = float(r[2])
            elif r[0].startswith("#"):
                headers.append(" ".join(r))
    for path in sorted(glob.glob(os.path.join(directory, "torch-*.tsv"))):
        for r in read_rows(path):
            if r[0] == "result":
                torch[(r[1], int(r[2]), r[3])] = float(r[4])
            elif r[0].startswith("#"):
                headers.append(" ".join(r))
    return fovea, torch, peak, headers


def best_torch(torch, name, threads):
    times = [ms for (n, t, _), ms in torch.items() if n == name and t == threads]
    return min(times) if times else None


def fmt(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def table(fovea, torch, peak):
    order = []
    for key in fovea:
        if key[0] not in order:
            order.append(key[0])
    threads = sorted({t for _, t in fovea})
    lines = ["| workload | threads | Fovea ms | PyTorch ms NCHW | PyTorch ms channels_last | ratio | scaling "
             "| Fovea GFLOP/s | % of FMA peak |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in order:
        for t in threads:
            if (name, t) not in fovea:
                continue
            ms, flops = fovea[(name, t)]
            nchw = torch.get((name, t, "nchw"), torch.get((name, t, "-")))
            cl = torch.get((name, t, "channels_last"))
            best = best_torch(torch, name, t)
            ratio = best / ms if best else None
            one = fovea.get((name, 1))
            scaling = one[0] / ms if one and t > 1 else None
            gflops = flops / ms / 1e6
            pct = 100 * gflops / peak[t] if t in peak else None
            lines.append(f"| {name} | {t} | {fmt(ms, 3)} | {fmt(nchw, 3)} | {fmt(cl, 3)} | {fmt(ratio)} "
                         f"| {fmt(scaling)} | {fmt(gflops, 1)} | {fmt(pct, 1)} |")
    return lines


def targets(fovea, torch, peak):
    """The issue's targets, one line each: PASS, or MISS with how far off."""
    out = []

    def check(label, value, goal, unit="x"):
        if value is None:
            out.append(f"- {label}: not measured")
            return
        if value >= goal:
            out.append(f"- {label}: {value:.2f}{unit} >= {goal:.2f}{unit} PASS")
        else:
            out.append(f"- {label}: {value:.2f}{unit} < {goal:.2f}{unit} MISS "
                       f"(short by {goal - value:.2f}{unit}; needs {goal / value:.2f}x)")

    for (name, t), (ms, flops) in fovea.items():
        best = best_torch(torch, name, t)
        ratio = best / ms if best else None
        m = re.fullmatch(r"sgemm_(\d+)", name)
        if m and int(m.group(1)) >= 1024:
            check(f"{name} {t}T vs PyTorch (>= 0.8x)", ratio, 0.8)
            pct = 100 * flops / ms / 1e6 / peak[t] if t in peak else None
            check(f"{name} {t}T % of FMA peak (>= 70%)", pct, 70.0, unit="%")
        elif name.startswith("conv_") and name.endswith("_fwdbwd"):
            check(f"{name} {t}T vs PyTorch (>= 1.0x)", ratio, 1.0)
        elif name == "lenet5_step":
            check(f"{name} {t}T images/s vs PyTorch (>= 2.0x)", ratio, 2.0)
        if name.startswith("conv_") and t == 2 and (name, 1) in fovea:
            check(f"{name} 2 threads vs 1 thread (>= 1.8x)", fovea[(name, 1)][0] / ms, 1.8)
    return out


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: report.py DIR (a directory with fovea-T.tsv and torch-T.tsv files)")
    directory = sys.argv[1]
    fovea, torch, peak, headers = load(directory)
    if not fovea:
        sys.exit(f"report.py: no Fovea results (fovea-*.tsv) in {directory}")
    machine = os.path.join(directory, "machine.txt")
    if os.path.exists(machine):
        with open(machine) as f:
            print(f.read().rstrip())
    for h in headers:
        print(h)
    for t in sorted(peak):
        print(f"# FMA peak, {t} thread(s) at once: {peak[t]:.1f} GFLOP/s ({peak[t] / t:.1f} per core)")
    print()
    print("\n".join(table(fovea, torch, peak)))
    print()
    print("Targets (ratio = PyTorch ms of the faster layout / Fovea ms; > 1 means Fovea is faster):")
    print("\n".join(targets(fovea, torch, peak)))


if __name__ == "__main__":
    main()
