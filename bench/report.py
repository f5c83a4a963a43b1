#!/usr/bin/env python3
"""Joins the outputs of dev.fovea.bench.Compare and bench/torch_bench.py into one table.

Usage: report.py DIR [DIR ...]   (each DIR holds fovea-T.tsv and torch-T.tsv for each thread count
T, and optionally machine.txt, whose lines are printed first). With several directories (repeated
runs of compare.sh) every cell is the best over the runs, and the "spread" column shows how much
Fovea's time varied: the slowest run's best time over the fastest run's. Prints a Markdown table:

  workload | threads | Fovea ms | PyTorch ms NCHW | PyTorch ms channels_last | [ONNX Runtime ms |]
  ratio | scaling | Fovea GFLOP/s | % of FMA peak

  ratio    = best PyTorch ms (the faster layout) / Fovea ms: the throughput of Fovea over that of
             PyTorch, > 1 means Fovea is faster
  scaling  = Fovea ms at 1 thread / Fovea ms at T threads (rows with T > 1)
  % peak   = Fovea GFLOP/s / the FMA peak measured by the same JVM with T threads at once
  ONNX Runtime ms: the row NAME_ort of the Fovea results (ResNet-18 inference in ONNX Runtime,
             run by the same JVM), shown in the row NAME; the column appears when such rows exist

then the issue's targets, each PASS or MISS with the shortfall (plus Fovea against ONNX Runtime,
which has no target). Times are best-of-N wall times.
"""
import glob
import os
import re
import sys


def read_rows(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def load(directories):
    """Best Fovea (ms, flops) and PyTorch ms per cell over the runs, the highest peak, the headers,
    and Fovea's spread (slowest run's best / fastest run's best) per (name, threads)."""
    fovea, torch, peak, headers, runs = {}, {}, {}, [], {}
    for directory in directories:
        for path in sorted(glob.glob(os.path.join(directory, "fovea-*.tsv"))):
            for r in read_rows(path):
                if r[0] == "result":
                    key, best, flops = (r[1], int(r[2])), float(r[3]), float(r[6])
                    runs.setdefault(key, []).append(best)
                    if key not in fovea or best < fovea[key][0]:
                        fovea[key] = (best, flops)
                elif r[0] == "peak":
                    peak[int(r[1])] = max(peak.get(int(r[1]), 0.0), float(r[2]))
                elif r[0].startswith("#") and " ".join(r) not in headers:
                    headers.append(" ".join(r))
        for path in sorted(glob.glob(os.path.join(directory, "torch-*.tsv"))):
            for r in read_rows(path):
                if r[0] == "result":
                    key, ms = (r[1], int(r[2]), r[3]), float(r[4])
                    torch[key] = min(ms, torch.get(key, ms))
                elif r[0].startswith("#") and " ".join(r) not in headers:
                    headers.append(" ".join(r))
    spread = {k: max(v) / min(v) for k, v in runs.items()}
    return fovea, torch, peak, headers, spread


def best_torch(torch, name, threads):
    times = [ms for (n, t, _), ms in torch.items() if n == name and t == threads]
    return min(times) if times else None


def fmt(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


ORT = "_ort"  # suffix of the ONNX Runtime rows (dev.fovea.bench.OrtResNet.SUFFIX)


def ort_ms(fovea, name, threads):
    """ONNX Runtime's ms for the Fovea row NAME at THREADS, or None."""
    row = fovea.get((name + ORT, threads))
    return row[0] if row else None


def table(fovea, torch, peak, spread, runs):
    order = []
    for name, _ in fovea:
        base = name[:-len(ORT)] if name.endswith(ORT) else name  # ONNX Runtime rows join their Fovea row
        if base not in order:
            order.append(base)
    threads = sorted({t for _, t in fovea})
    with_ort = any(name.endswith(ORT) for name, _ in fovea)
    ort_head, ort_rule = (" ONNX Runtime ms |", "---:|") if with_ort else ("", "")
    spread_head, spread_rule = (" Fovea spread |", "---:|") if runs > 1 else ("", "")
    lines = ["| workload | threads | Fovea ms | PyTorch ms NCHW | PyTorch ms channels_last |" + ort_head
             + " ratio | scaling | Fovea GFLOP/s | % of FMA peak |" + spread_head,
             "|---|---:|---:|---:|---:|" + ort_rule + "---:|---:|---:|---:|" + spread_rule]
    for name in order:
        for t in threads:
            ort = ort_ms(fovea, name, t)
            if (name, t) not in fovea and ort is None:
                continue
            ms, flops = fovea.get((name, t), (None, None))
            nchw = torch.get((name, t, "nchw"), torch.get((name, t, "-")))
            cl = torch.get((name, t, "channels_last"))
            best = best_torch(torch, name, t)
            ratio = best / ms if best and ms else None
            one = fovea.get((name, 1))
            scaling = one[0] / ms if one and ms and t > 1 else None
            gflops = flops / ms / 1e6 if ms else None
            pct = 100 * gflops / peak[t] if gflops and t in peak else None
            ort_cell = f" {fmt(ort, 3)} |" if with_ort else ""
            extra = f" {fmt(spread.get((name, t)))} |" if runs > 1 else ""
            lines.append(f"| {name} | {t} | {fmt(ms, 3)} | {fmt(nchw, 3)} | {fmt(cl, 3)} |{ort_cell} {fmt(ratio)} "
                         f"| {fmt(scaling)} | {fmt(gflops, 1)} | {fmt(pct, 1)} |" + extra)
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
        elif name == "resnet18_infer_b1":
            # latency against channels_last specifically, whichever layout PyTorch is faster in
            cl = torch.get((name, t, "channels_last"))
            check(f"{name} {t}T latency vs PyTorch channels_last (>= 1.0x)", cl / ms if cl else None, 1.0)
        elif name == "resnet18_train_b16":
            check(f"{name} {t}T vs PyTorch (>= 1.25x, i.e. time <= 0.8x PyTorch's)", ratio, 1.25)
        if name.startswith("resnet18_infer_") and not name.endswith(ORT):
            ort = ort_ms(fovea, name, t)
            if ort is not None:
                out.append(f"- {name} {t}T vs ONNX Runtime: {ort / ms:.2f}x (ONNX Runtime ms / Fovea ms; "
                           f"reported, no target)")
        if (name.startswith("conv_") or (name.startswith("resnet18_") and not name.endswith(ORT))) \
                and t == 2 and (name, 1) in fovea:
            check(f"{name} 2 threads vs 1 thread (>= 1.8x)", fovea[(name, 1)][0] / ms, 1.8)
    return out


def main():
    directories = sys.argv[1:]
    if not directories or not all(os.path.isdir(d) for d in directories):
        sys.exit("usage: report.py DIR [DIR ...] (directories with fovea-T.tsv and torch-T.tsv files)")
    fovea, torch, peak, headers, spread = load(directories)
    if not fovea:
        sys.exit(f"report.py: no Fovea results (fovea-*.tsv) in {' '.join(directories)}")
    for i, directory in enumerate(directories):
        machine = os.path.join(directory, "machine.txt")
        if os.path.exists(machine):
            with open(machine) as f:
                text = f.read().rstrip()
            print(text if i == 0 else "\n".join(l for l in text.splitlines() if not l.startswith("# machine")))
    if len(directories) > 1:
        print(f"# {len(directories)} runs; every time below is the best over the runs")
    for h in headers:
        print(h)
    for t in sorted(peak):
        print(f"# FMA peak, {t} thread(s) at once: {peak[t]:.1f} GFLOP/s ({peak[t] / t:.1f} per core)")
    print()
    print("\n".join(table(fovea, torch, peak, spread, len(directories))))
    print()
    print("Targets (ratio = PyTorch ms of the faster layout / Fovea ms; > 1 means Fovea is faster):")
    print("\n".join(targets(fovea, torch, peak)))


if __name__ == "__main__":
    main()
