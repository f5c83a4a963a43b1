#!/usr/bin/python3
"""Write the torchvision parity fixtures of Fovea's model zoo, without committing any weights.

What
----
For each case below the script builds the PyTorch model (torchvision's own definition where one
exists), overwrites *every* parameter and buffer with a deterministic pseudo-random pattern that
Java reproduces bit for bit (``dev.fovea.models.TorchvisionFill`` in the core tests), runs one
eval-mode forward pass on an input made the same way, and writes only

* ``output``       the logits, shape ``(1, num_classes)``,
* ``probe.input``  the first 64 input values (so a generator mismatch is reported as such),

plus metadata, to ``fovea-core/src/test/resources/golden/zoo/<case>.safetensors`` (a few KB each).
``golden/zoo/fill.safetensors`` holds the fill pattern of a handful of small tensors, one per rule,
and the raw 64-bit hashes of the key "input", so the Java generator can be checked on its own.
``golden/zoo/index.txt`` lists the files. ``TorchvisionParityTest`` fills the Fovea model of the
same name through its own state dict, which must have exactly torchvision's keys and shapes (listed
in the metadata), and compares the logits.

How to run
----------
By hand, from the repository root, with Debian's PyTorch (``python3-torch`` 1.13 and
``python3-torchvision`` 0.14, installed for the *system* interpreter, not a pyenv/venv ``python3``)::

    /usr/bin/python3 tools/export_torchvision.py              # rewrite every fixture + index.txt
    /usr/bin/python3 tools/export_torchvision.py resnet50     # only some cases
    /usr/bin/python3 tools/export_torchvision.py --check      # regenerate in a temp dir, compare bytes

About a minute on one CPU thread; single-threaded so the output bytes do not depend on the machine's
core count. No network access and no pretrained weights are needed.

The fill pattern ("fovea-fill-v1")
----------------------------------
All integer arithmetic is on unsigned 64-bit words, modulo 2^64.

1. Key hash: FNV-1a 64 over the UTF-8 bytes of the state-dict key (for the input, the key
   ``"input"``): ``h = 0xcbf29ce484222325``; per byte ``h = (h XOR byte) * 0x100000001b3``.
2. Stream: element ``i`` (0-based, row-major) gets ``z = mix(h + (i + 1) * 0x9e3779b97f4a7c15)``
   where ``mix`` is the SplitMix64 finaliser:
   ``z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9; z = (z ^ (z >> 27)) * 0x94d049bb133111eb; z ^ (z >> 31)``
   (the same numbers ``java.util.SplittableRandom(h).nextLong()`` produces in order).
3. ``u = (z >> 40) * 2^-24`` in [0, 1) and ``v = 2u - 1`` in [-1, 1), both exact in float64.
4. The value, computed in float64 and rounded once to float32, depends on the key and shape:

   ============================  ==========================================================
   key / shape                   value
   ============================  ==========================================================
   ``input``                     ``v``
   ends with ``running_var``     ``0.5 + u``              (in [0.5, 1.5): a valid variance)
   ends with ``running_mean``    ``0.1 * v``
   2 or more dimensions          ``v * sqrt(3 / fan_in)``, ``fan_in = numel / shape[0]``
                                 (variance 1/fan_in, LeCun's scale: activations stay O(1))
   1-d, ends with ``weight``     ``0.5 + u``              (batch-norm scale)
   1-d, ends with ``bias``       ``0.1 * v``
   ends with num_batches_tracked left as it is (0)
   ============================  ==========================================================

Metadata (all strings)
----------------------
``kind`` = ``zoo``, ``case``, ``fovea_model`` (the ModelZoo name, or a Java constructor spelled out
for variants), ``source`` (``torchvision`` or ``torch-layers`` for a model written here from torch
layers because torchvision has none: the course AlexNet and ResNet-20), ``definition`` (the Python
call), ``torch_version``, ``torchvision_version``, ``fill`` = ``fovea-fill-v1``, ``input_shape``
(``1,3,64,64``), ``num_classes``, ``parameters`` (trainable count), ``state_dict`` (JSON list of
``[key, [shape...]]`` in state-dict order, buffers included), ``output_absmax``.

File format: safetensors written by hand (no ``safetensors`` package on Debian): u64 little-endian
header length, UTF-8 JSON header padded with spaces to a multiple of 8, raw little-endian float32.
"""

import argparse
import filecmp
import json
import math
import pathlib
import struct
import sys
import tempfile
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import BasicBlock

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "fovea-core" / "src" / "test" / "resources" / "golden" / "zoo"
FILL = "fovea-fill-v1"
PROBE = 64

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
MASK64 = (1 << 64) - 1


# ---------------------------------------------------------------------------------------- the fill

def key_hash(key):
    """FNV-1a 64 of the key's UTF-8 bytes."""
    h = FNV_OFFSET
    for b in key.encode("utf-8"):
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return h


def stream(key, n):
    """The first n SplitMix64 outputs seeded with key_hash(key), as a numpy uint64 array."""
    with np.errstate(over="ignore"):
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = np.uint64(key_hash(key)) + i * np.uint64(GOLDEN_GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def fill_values(key, shape):
    """The float32 values of tensor `key` with `shape` (see the module docstring)."""
    n = int(np.prod(shape)) if len(shape) else 1
    u = (stream(key, n) >> np.uint64(40)).astype(np.float64) * (2.0 ** -24)
    v = 2.0 * u - 1.0
    if key == "input":
        out = v
    elif key.endswith("running_var"):
        out = 0.5 + u
    elif key.endswith("running_mean"):
        out = 0.1 * v
    elif len(shape) >= 2:
        fan_in = n // shape[0]
        out = v * math.sqrt(3.0 / fan_in)
    elif key.endswith("weight"):
        out = 0.5 + u
    elif key.endswith("bias"):
        out = 0.1 * v
    else:
        raise ValueError(f"no fill rule for {key} {tuple(shape)}")
    return out.astype(np.float32).reshape(shape)


def fill_model(model):
    """Overwrites every state-dict entry except num_batches_tracked."""
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if key.endswith("num_batches_tracked"):
                continue
            t.copy_(torch.from_numpy(fill_values(key, tuple(t.shape))))


# ---------------------------------------------------------------------------------------- models torchvision lacks

class CourseAlexNet(nn.Module):
    """The course AlexNet (fovea AlexNet): 227x227, LRN after pooling, one tower; Fovea's key names."""

    def __init__(self, num_classes=1000):
        super().__init__()
        lrn = lambda: nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)  # paper's alpha 1e-4, times n
        self.conv1, self.relu1, self.pool1, self.norm1 = nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), nn.MaxPool2d(3, 2), lrn()
        self.conv2, self.relu2, self.pool2, self.norm2 = nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2), lrn()
        self.conv3, self.relu3 = nn.Conv2d(256, 384, 3, padding=1), nn.ReLU()
        self.conv4, self.relu4 = nn.Conv2d(384, 384, 3, padding=1), nn.ReLU()
        self.conv5, self.relu5, self.pool5 = nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2)
        self.fc6, self.relu6, self.drop6 = nn.Linear(9216, 4096), nn.ReLU(), nn.Dropout(0.5)
        self.fc7, self.relu7, self.drop7 = nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5)
        self.fc8 = nn.Linear(4096, num_classes)

    def forward(self, x):
        x = self.norm1(self.pool1(self.relu1(self.conv1(x))))
        x = self.norm2(self.pool2(self.relu2(self.conv2(x))))
        x = self.relu5(self.conv5(self.relu4(self.conv4(self.relu3(self.conv3(x))))))
        x = torch.flatten(self.pool5(x), 1)
        x = self.drop6(self.relu6(self.fc6(x)))
        x = self.drop7(self.relu7(self.fc7(x)))
        return self.fc8(x)


class PadShortcut(nn.Module):
    """He et al. 2016 option A: x[:, :, ::s, ::s], zero channels split half before, half after."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.extra, self.stride = out_channels - in_channels, stride

    def forward(self, x):
        x = x[:, :, :: self.stride, :: self.stride]
        before = self.extra // 2
        return F.pad(x, (0, 0, 0, 0, before, self.extra - before))


class CifarResNet(nn.Module):
    """ResNet-20 (6n+2, n=3) with option-A shortcuts from torchvision's BasicBlock (fovea ResNetCifar)."""

    def __init__(self, depth=20, num_classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.inplanes = 16
        self.layer1 = self._make_layer(16, n, 1)
        self.layer2 = self._make_layer(32, n, 2)
        self.layer3 = self._make_layer(64, n, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)

    def _make_layer(self, planes, blocks, stride):
        down = PadShortcut(self.inplanes, planes, stride) if stride != 1 or self.inplanes != planes else None
        layers = [BasicBlock(self.inplanes, planes, stride, down)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# ---------------------------------------------------------------------------------------- cases

TV = torchvision.models
# case: (fovea model, source, definition, builder, input shape, num classes)
CASES = {
    "alexnet": ("alexnet", "torch-layers", "CourseAlexNet()", CourseAlexNet, (1, 3, 227, 227), 1000),
    "alexnet-torchvision": ("alexnet-torchvision", "torchvision", "torchvision.models.alexnet(weights=None)",
                            lambda: TV.alexnet(weights=None), (1, 3, 224, 224), 1000),
    "googlenet": ("googlenet", "torchvision",
                  "torchvision.models.googlenet(weights=None, aux_logits=False, transform_input=False, init_weights=False)",
                  lambda: TV.googlenet(weights=None, aux_logits=False, transform_input=False, init_weights=False),
                  (1, 3, 64, 64), 1000),
    "googlenet-aux": ("new GoogLeNet(1000, true, false, rng)", "torchvision",
                      "torchvision.models.googlenet(weights=None, aux_logits=True, transform_input=False, init_weights=False)",
                      lambda: TV.googlenet(weights=None, aux_logits=True, transform_input=False, init_weights=False),
                      (1, 3, 64, 64), 1000),
    "googlenet-transform": ("new GoogLeNet(1000, false, true, rng)", "torchvision",
                            "torchvision.models.googlenet(weights=None, aux_logits=False, transform_input=True, init_weights=False)",
                            lambda: TV.googlenet(weights=None, aux_logits=False, transform_input=True, init_weights=False),
                            (1, 3, 64, 64), 1000),
    "resnet18": ("resnet18", "torchvision", "torchvision.models.resnet18(weights=None)",
                 lambda: TV.resnet18(weights=None), (1, 3, 64, 64), 1000),
    "resnet34": ("resnet34", "torchvision", "torchvision.models.resnet34(weights=None)",
                 lambda: TV.resnet34(weights=None), (1, 3, 64, 64), 1000),
    "resnet50": ("resnet50", "torchvision", "torchvision.models.resnet50(weights=None)",
                 lambda: TV.resnet50(weights=None), (1, 3, 64, 64), 1000),
    "resnet101": ("resnet101", "torchvision", "torchvision.models.resnet101(weights=None)",
                  lambda: TV.resnet101(weights=None), (1, 3, 64, 64), 1000),
    "resnet152": ("resnet152", "torchvision", "torchvision.models.resnet152(weights=None)",
                  lambda: TV.resnet152(weights=None), (1, 3, 64, 64), 1000),
    "resnet20": ("resnet20", "torch-layers", "CifarResNet(depth=20, num_classes=10)", CifarResNet,
                 (1, 3, 32, 32), 10),
}


# ---------------------------------------------------------------------------------------- writing

def write_safetensors(path, tensors, metadata):
    """tensors: name -> float32 numpy array, written in the given order."""
    header, blobs, offset = {}, [], 0
    for name, a in tensors.items():
        data = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def export_case(name, out_dir):
    fovea_model, source, definition, build, input_shape, num_classes = CASES[name]
    torch.manual_seed(0)  # only the builders' own initialisation, which fill_model overwrites
    model = build()
    fill_model(model)
    model.eval()
    x = fill_values("input", input_shape)
    with torch.no_grad():
        y = model(torch.from_numpy(x))
    y = y.numpy().astype(np.float32)
    if y.shape != (1, num_classes) or not np.all(np.isfinite(y)):
        raise RuntimeError(f"{name}: unexpected output {y.shape}, finite={np.all(np.isfinite(y))}")
    state = [[k, list(t.shape)] for k, t in model.state_dict().items()]
    meta = {
        "kind": "zoo",
        "case": name,
        "fovea_model": fovea_model,
        "source": source,
        "definition": definition,
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "fill": FILL,
        "input_shape": ",".join(str(d) for d in input_shape),
        "num_classes": num_classes,
        "parameters": sum(p.numel() for p in model.parameters()),
        "state_dict": json.dumps(state, separators=(",", ":")),
        "output_absmax": repr(float(np.abs(y).max())),
    }
    write_safetensors(out_dir / f"{name}.safetensors", {"output": y, "probe.input": x.reshape(-1)[:PROBE].copy()}, meta)
    print(f"{name:22s} params {meta['parameters']:>11,}  keys {len(state):4d}  |logits| max {float(np.abs(y).max()):.4f}"
          f"  std {float(y.std()):.4f}")


def export_fill(out_dir):
    """Small tensors, one per fill rule, and the raw hash stream of "input"."""
    shapes = {"input": (1, 3, 4, 4), "conv.weight": (8, 3, 3, 3), "conv.bias": (8,), "bn.weight": (8,), "bn.bias": (8,),
              "bn.running_mean": (8,), "bn.running_var": (8,), "fc.weight": (5, 12), "fc.bias": (5,)}
    tensors = {k: fill_values(k, s) for k, s in shapes.items()}
    meta = {"kind": "zoo-fill", "fill": FILL, "fnv1a64_input": f"{key_hash('input'):016x}",
            "stream_input_first4": ",".join(f"{int(z):016x}" for z in stream("input", 4))}
    write_safetensors(out_dir / "fill.safetensors", tensors, meta)


def write_all(out_dir, names):
    out_dir.mkdir(parents=True, exist_ok=True)
    export_fill(out_dir)
    for name in names:
        export_case(name, out_dir)
    files = sorted(p.name for p in out_dir.glob("*.safetensors"))
    (out_dir / "index.txt").write_text("".join(f + "\n" for f in files))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="*", help=f"cases to write (default all): {', '.join(CASES)}")
    parser.add_argument("--check", action="store_true", help="regenerate in a temp dir and compare with the committed files")
    args = parser.parse_args()
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        parser.error(f"unknown cases {unknown}; known: {', '.join(CASES)}")
    warnings.filterwarnings("ignore", category=UserWarning)
    torch.set_num_threads(1)
    names = args.cases or list(CASES)
    if not args.check:
        write_all(OUT_DIR, names)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        write_all(tmp, names)
        differ = [f.name for f in sorted(tmp.glob("*.safetensors"))
                  if not (OUT_DIR / f.name).exists() or not filecmp.cmp(f, OUT_DIR / f.name, shallow=False)]
        if differ:
            print("differ from the committed fixtures:", ", ".join(differ))
            return 1
        print("all regenerated fixtures are identical")
        return 0


if __name__ == "__main__":
    sys.exit(main())
