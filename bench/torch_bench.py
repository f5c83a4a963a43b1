#!/usr/bin/env python3
"""The PyTorch side of bench/compare.sh: the workloads of dev.fovea.bench.Workload, timed in PyTorch.

Same names, shapes and definitions as the Java side (fovea-bench/src/main/java/dev/fovea/bench):

  sgemm_N          torch.mm(a, b, out=c), a and b N x N, N in 256, 512, 1024, 2048 (OpenBLAS)
  conv_X_fwd       F.conv2d under torch.no_grad()
  conv_X_fwdbwd    x.grad = w.grad = b.grad = None; y = F.conv2d(x, w, b); y.backward(g)
                   (input, weight and bias gradients, like ConvCase.forwardBackward)
  lenet5_step      LeNet-5 (tanh, avg-pool; Conv2d and Linear with PyTorch's default init), batch 64:
                   forward, F.cross_entropy, zero_grad(set_to_none=False), backward, Adam(lr=1e-3).step()
  resnet18_infer_bN  torchvision.models.resnet18(weights=None) (1000 classes, nothing downloaded),
                   eval mode, under torch.no_grad(), on N(0, 1) images (N, 3, 224, 224), N in 1, 16
  resnet18_train_b16 the same in train mode, batch 16, labels[i] = i: forward, F.cross_entropy,
                   zero_grad(set_to_none=False), backward, SGD(lr=1e-3, momentum=0.9).step()
                   (a small rate so the fixed batch is not memorised while it is timed; see ResNetCase.java)

Convolutions, the LeNet-5 step and ResNet-18 run in NCHW and in channels_last (NHWC) memory format
(model and input converted); SGEMM has no layout ("-"). Timing is best-of-N wall time with the policy of Compare.time: 40% of the budget
warm-up (at least 2 runs), then measured runs until the budget is spent (at least MIN_RUNS = 8, at most
MAX_RUNS = 5000).

Thread count: torch.set_num_threads(N) (OpenMP: ATen and oneDNN) and, because OpenBLAS (the BLAS of
Debian's python3-torch, libopenblas0-pthread) keeps its own pthread pool that set_num_threads does
not size, OPENBLAS_NUM_THREADS=N, set before torch is imported. OPENBLAS_CORETYPE is SKYLAKEX
unless FOVEA_OPENBLAS_CORETYPE names another: OpenBLAS 0.3.21 may not recognise newer CPUs and
would fall back to a generic kernel, and a machine's environment may pin an older core type
(OPENBLAS_CORETYPE=Haswell on the EPYC host of the ninth session).

Output (stdout), tab-separated, read by bench/report.py:
  # key=value ...                      header lines (versions, conv backends)
  result NAME THREADS LAYOUT BEST_MS MEDIAN_MS REPS
Progress goes to stderr.
"""
import argparse
import os
import re
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, required=True, help="intra-op threads (>= 1)")
    p.add_argument("--budget", type=float, default=3.0, help="seconds per workload and layout (default 3)")
    p.add_argument("--only", default=None, help="regex: only workloads whose name matches (search)")
    a = p.parse_args()
    if a.threads < 1:
        p.error(f"--threads expects >= 1; received {a.threads}")
    if not a.budget > 0:
        p.error(f"--budget expects > 0; received {a.budget}")
    return a


ARGS = parse_args()
# Must happen before `import torch`: OpenBLAS and OpenMP read these when the libraries load.
os.environ["OPENBLAS_CORETYPE"] = os.environ.get("FOVEA_OPENBLAS_CORETYPE", "SKYLAKEX")
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(ARGS.threads)

# (id, n, c, size, oc, kernel, stride, pad): ConvLayer.java
CONV_LAYERS = [
    ("conv_a", 64, 1, 32, 6, 5, 1, 0),
    ("conv_b", 8, 3, 227, 96, 11, 4, 0),
    ("conv_c", 8, 64, 56, 64, 3, 1, 1),
    ("conv_d", 8, 256, 14, 256, 3, 1, 1),
    ("conv_e", 8, 192, 28, 64, 1, 1, 0),
]
GEMM_SIZES = [256, 512, 1024, 2048]
# ResNet-18: Workload.RESNET_INFERENCE_BATCHES, RESNET_TRAIN_BATCH; ResNetCase.LEARNING_RATE, MOMENTUM
RESNET_INFERENCE_BATCHES = [1, 16]
RESNET_TRAIN_BATCH = 16
RESNET_LR, RESNET_MOMENTUM = 1e-3, 0.9
LAYOUTS = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}


# most measured runs of a workload, as Compare.MAX_RUNS
MAX_RUNS = 5000
# fewest measured runs of a workload, however long it takes, as Compare.MIN_RUNS (see there why)
MIN_RUNS = 8


def time_best(body, budget):
    """Sorted run times in ms: the policy of dev.fovea.bench.Compare.time, less its waits for the
    JVM (a warm-up run without a garbage collection, the JIT's compiler threads idle), which PyTorch
    does not need."""
    start = time.perf_counter()
    warm_end, end = start + 0.4 * budget, start + budget
    i = 0
    while i < 2 or time.perf_counter() < warm_end:
        body()
        i += 1
    end = max(end, time.perf_counter() + 0.6 * budget)  # the measured runs get the rest of the budget
    times = []
    while len(times) < MIN_RUNS or (len(times) < MAX_RUNS and time.perf_counter() < end):
        t0 = time.perf_counter()
        body()
        times.append((time.perf_counter() - t0) * 1e3)
    return sorted(times)


def gemm(n):
    g = torch.Generator().manual_seed(n)
    a, b = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g)
    c = torch.empty(n, n)
    return lambda: torch.mm(a, b, out=c)


def conv_tensors(spec, fmt):
    _, n, c, size, oc, k, stride, pad = spec
    g = torch.Generator().manual_seed(42)
    out = (size + 2 * pad - k) // stride + 1
    x = torch.randn(n, c, size, size, generator=g).to(memory_format=fmt).requires_grad_()
    w = torch.randn(oc, c, k, k, generator=g).to(memory_format=fmt).requires_grad_()
    b = torch.randn(oc, generator=g).requires_grad_()
    grad = torch.randn(n, oc, out, out, generator=g).to(memory_format=fmt)
    return x, w, b, grad, stride, pad


def conv_forward(spec, fmt):
    x, w, b, _, stride, pad = conv_tensors(spec, fmt)

    def body():
        with torch.no_grad():
            F.conv2d(x, w, b, stride, pad)
    return body


def conv_forward_backward(spec, fmt):
    x, w, b, grad, stride, pad = conv_tensors(spec, fmt)

    def body():
        x.grad = w.grad = b.grad = None
        F.conv2d(x, w, b, stride, pad).backward(grad)
    return body


def lenet5():
    """LeNet-5 as dev.fovea.models.LeNet5: C1 6@5x5, S2, C3 16@5x5, S4, C5 120@5x5, F6 84, output 10."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2, 2),
        nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(),
        nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))


def lenet5_step(fmt):
    torch.manual_seed(7)
    model = lenet5().to(memory_format=fmt).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.randn(64, 1, 32, 32).to(memory_format=fmt)
    labels = torch.randint(0, 10, (64,))

    def body():
        loss = F.cross_entropy(model(images), labels)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
    return body


def resnet18(fmt, batch, train):
    """ResNet-18 as dev.fovea.bench.ResNetCase: the model, a fixed batch of images and labels[i] = i."""
    import torchvision  # only these rows need it
    torch.manual_seed(7)
    model = torchvision.models.resnet18(weights=None).to(memory_format=fmt).train(train)
    images = torch.randn(batch, 3, 224, 224).to(memory_format=fmt)
    labels = torch.arange(batch) % 1000
    return model, images, labels


def resnet18_infer(fmt, batch):
    model, images, _ = resnet18(fmt, batch, train=False)

    def body():
        with torch.no_grad():
            model(images)
    return body


def resnet18_train(fmt, batch):
    model, images, labels = resnet18(fmt, batch, train=True)
    opt = torch.optim.SGD(model.parameters(), lr=RESNET_LR, momentum=RESNET_MOMENTUM)

    def body():
        loss = F.cross_entropy(model(images), labels)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
    return body


def workloads():
    """(name, layout, factory) in the table order of Workload.all()."""
    for n in GEMM_SIZES:
        yield f"sgemm_{n}", "-", (lambda n=n: gemm(n))
    for spec in CONV_LAYERS:
        for layout, fmt in LAYOUTS.items():
            yield f"{spec[0]}_fwd", layout, (lambda s=spec, f=fmt: conv_forward(s, f))
        for layout, fmt in LAYOUTS.items():
            yield f"{spec[0]}_fwdbwd", layout, (lambda s=spec, f=fmt: conv_forward_backward(s, f))
    for layout, fmt in LAYOUTS.items():
        yield "lenet5_step", layout, (lambda f=fmt: lenet5_step(f))
    for b in RESNET_INFERENCE_BATCHES:
        for layout, fmt in LAYOUTS.items():
            yield f"resnet18_infer_b{b}", layout, (lambda f=fmt, b=b: resnet18_infer(f, b))
    for layout, fmt in LAYOUTS.items():
        yield f"resnet18_train_b{RESNET_TRAIN_BATCH}", layout, (lambda f=fmt: resnet18_train(f, RESNET_TRAIN_BATCH))


def cpu_capability():
    """The ISA of ATen's own vectorised kernels ("AVX2", ...): oneDNN and OpenBLAS choose their own."""
    m = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    return m.group(1) if m else "unknown"


def conv_backend(spec, fmt):
    """The convolution backend ATen picks for this layer (torch._C._select_conv_backend, PyTorch >= 1.12)."""
    select = getattr(torch._C, "_select_conv_backend", None)
    if select is None:
        return "unknown"
    x, w, b, _, stride, pad = conv_tensors(spec, fmt)
    backend = select(x, w, b, [stride, stride], [pad, pad], [1, 1], False, [0, 0], 1)
    return str(backend).split(".")[-1]


def main():
    only = re.compile(ARGS.only) if ARGS.only else None
    mkldnn = torch.backends.mkldnn
    print(f"# torch\tversion={torch.__version__}\tthreads={torch.get_num_threads()}"
          f"\tmkldnn_available={mkldnn.is_available()}\tmkldnn_enabled={mkldnn.enabled}"
          f"\tcpu_capability={cpu_capability()}"
          f"\topenblas_coretype={os.environ.get('OPENBLAS_CORETYPE')}", flush=True)
    for spec in CONV_LAYERS:
        backends = ",".join(f"{layout}:{conv_backend(spec, fmt)}" for layout, fmt in LAYOUTS.items())
        print(f"# conv_backend\t{spec[0]}\tthreads={ARGS.threads}\t{backends}", flush=True)
    for name, layout, factory in workloads():
        if only is not None and not only.search(name):
            continue
        ms = time_best(factory(), ARGS.budget)
        print(f"result\t{name}\t{ARGS.threads}\t{layout}\t{ms[0]:.4f}\t{ms[len(ms) // 2]:.4f}\t{len(ms)}", flush=True)
        print(f"torch: {name:<18} {layout:<13} {ARGS.threads} thread(s) {ms[0]:10.3f} ms  ({len(ms)} runs)",
              file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
