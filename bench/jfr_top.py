#!/usr/bin/env python3
"""Where a Java Flight Recorder recording spent its time: a small sampling-profile report.

Usage: jfr_top.py RECORDING.jfr [--jfr PATH_TO_jfr_TOOL] [--top N] [--package dev.fovea]

Reads the jdk.ExecutionSample events (one Java stack every 10 ms per running thread with the
"profile" settings) through `jfr print --stack-depth 64` and prints
  1. self time: the methods on top of the stacks, like `jfr view hot-methods`;
  2. total time: for methods of --package, the share of samples with the method anywhere on the
     stack (each sample counted once per method), i.e. inclusive time;
  3. for each of the hottest self-time methods, the callers (up to the first --package frame),
     which tells e.g. which Arrays.fill call site is the hot one.
  4. idle workers: the share of the pool workers' samples spent spinning for the next call
     (Parallel$Worker.run on top), and, paired with the calling thread's sample nearest in time
     (within 3 ms), what the caller ran meanwhile: a region whose tasks the threads cannot share
     evenly, or serial work between regions. JFR samples the threads one after another, so the
     pairing only means something for phases much longer than the sampling period (a layer of
     ResNet-18, not a LeNet-5 layer of 0.1 ms);
  5. garbage collections: count and total pause time, against the recording's length.
Samples only cover threads running Java code: time in the GC or waiting for a lock is not in them.
Attribution caveat: a sample's top frame comes from the nearest debug information of the compiled
code, so time in a tight inlined loop can show up on a neighbouring call (for example a loop that
is followed by a ThreadLocal read); check surprising leaders with a micro-benchmark.
"""
import argparse
import bisect
import collections
import re
import subprocess
import sys

FRAME = re.compile(r"^\s+(\S.*?\))(?: line: \d+)?\s*$")
TIME = re.compile(r"(\d+):(\d+):([\d.]+)")
WORKER = "fovea-worker"


def samples(jfr_tool, recording):
    out = subprocess.run([jfr_tool, "print", "--stack-depth", "64", "--events", "jdk.ExecutionSample", recording],
                         check=True, capture_output=True, text=True).stdout
    stack, thread, inside, when = [], None, False, None
    for line in out.splitlines():
        if line.startswith("jdk.ExecutionSample"):
            stack, thread, inside, when = [], None, False, None
        elif line.strip().startswith("startTime = "):
            m = TIME.search(line)
            when = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else None
        elif "sampledThread" in line:
            m = re.search(r'"([^"]*)"', line)
            thread = m.group(1) if m else "?"
        elif line.strip() == "stackTrace = [":
            inside = True
        elif inside and line.strip() == "]":
            inside = False
            if stack:
                yield thread, stack, when
        elif inside:
            m = FRAME.match(line)
            if m:
                stack.append(m.group(1))


def gc_summary(jfr_tool, recording):
    """(collections, total pause ms, recording seconds) from jdk.GarbageCollection and `jfr summary`."""
    out = subprocess.run([jfr_tool, "print", "--events", "jdk.GarbageCollection", recording],
                         check=True, capture_output=True, text=True).stdout
    pauses = []
    for m in re.finditer(r"sumOfPauses = ([\d.]+) (ms|s|us|ns)", out):
        scale = {"s": 1e3, "ms": 1.0, "us": 1e-3, "ns": 1e-6}[m.group(2)]
        pauses.append(float(m.group(1)) * scale)
    summary = subprocess.run([jfr_tool, "summary", recording], check=True, capture_output=True, text=True).stdout
    m = re.search(r"Duration: (\d+) s", summary)
    return len(pauses), sum(pauses), float(m.group(1)) if m else None


def idle_workers(all_samples, package):
    """(worker samples, idle ones, Counter of what the caller ran at the nearest sample) for section 4."""
    callers = sorted((when, stack) for thread, stack, when in all_samples
                     if when is not None and not thread.startswith(WORKER))
    times = [when for when, _ in callers]
    workers = idle = 0
    meanwhile = collections.Counter()
    for thread, stack, when in all_samples:
        if not thread.startswith(WORKER):
            continue
        workers += 1
        if not stack[0].startswith("dev.fovea.kernels.Parallel$Worker.run"):
            continue
        idle += 1
        i = bisect.bisect_left(times, when) if when is not None else 0
        near = [j for j in (i - 1, i) if 0 <= j < len(times) and abs(times[j] - when) <= 0.003]
        if not near:
            meanwhile["(no sample of the caller within 3 ms: in the JVM, e.g. zeroing a new array)"] += 1
            continue
        caller = callers[min(near, key=lambda j: abs(times[j] - when))][1]
        # the caller's innermost frame of the package outside the pool itself, and the outermost
        # kernel method around it (the convolution path: Winograd.weightGradient, ...)
        own = [m for m in caller if m.startswith(package) and ".Parallel" not in m]
        paths = [m for m in caller if m.startswith("dev.fovea.kernels.simd.") and ".VectorKernels." not in m
                 and "lambda$" not in m]
        label = short(own[0]) if own else short(caller[0])
        if paths and short(paths[-1]) != label:
            label += " in " + short(paths[-1])
        meanwhile[label] += 1
    return workers, idle, meanwhile


def short(method):
    """dev.fovea.kernels.simd.Gemm.block(int, ...) -> simd.Gemm.block(...)"""
    name = method.split("(")[0]
    name = re.sub(r"^dev\.fovea\.(kernels\.)?", "", name)
    return name + ("()" if method.endswith("()") else "(..)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("recording")
    p.add_argument("--jfr", default="jfr", help="the JDK's jfr tool (default: jfr on PATH)")
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--package", default="dev.fovea")
    a = p.parse_args()
    all_samples = list(samples(a.jfr, a.recording))
    if not all_samples:
        sys.exit(f"jfr_top.py: no execution samples in {a.recording}")
    total = len(all_samples)
    threads = collections.Counter(t for t, _, _ in all_samples)
    self_time = collections.Counter(s[0] for _, s, _ in all_samples)
    inclusive = collections.Counter()
    callers = collections.defaultdict(collections.Counter)
    for _, s, _ in all_samples:
        for m in set(s):
            if m.startswith(a.package):
                inclusive[m] += 1
        chain = []
        for m in s[1:]:
            chain.append(short(m))
            if m.startswith(a.package) or len(chain) == 4:
                break
        callers[s[0]][" <- ".join(chain)] += 1

    print(f"{total} samples; threads: " + ", ".join(f"{t} {n}" for t, n in threads.most_common()))
    print(f"\nSelf time (top of stack), top {a.top}:")
    for m, n in self_time.most_common(a.top):
        print(f"  {100 * n / total:5.1f}%  {short(m)}")
    print(f"\nTotal time (anywhere on the stack) of {a.package} methods, top {a.top}:")
    for m, n in inclusive.most_common(a.top):
        print(f"  {100 * n / total:5.1f}%  {short(m)}")
    print("\nCallers of the hottest methods (share of all samples):")
    for m, _ in self_time.most_common(min(a.top, 8)):
        print(f"  {short(m)}")
        for chain, n in callers[m].most_common(3):
            print(f"      {100 * n / total:5.1f}%  <- {chain}")
    workers, idle, meanwhile = idle_workers(all_samples, a.package)
    if workers:
        print(f"\nIdle workers: {idle} of the workers' {workers} samples ({100 * idle / workers:.1f}%) spin for the"
              " next call; what the caller ran meanwhile (share of the idle samples):")
        for what, n in meanwhile.most_common(8):
            print(f"  {100 * n / idle:5.1f}%  {what}")
    count, pause_ms, seconds = gc_summary(a.jfr, a.recording)
    share = f" = {100 * pause_ms / 1e3 / seconds:.1f}% of the {seconds:.0f} s recorded" if seconds else ""
    print(f"\nGarbage collections: {count}, total pause {pause_ms:.0f} ms{share}")


if __name__ == "__main__":
    main()
