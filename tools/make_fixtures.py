#!/usr/bin/python3
"""Write the PyTorch golden fixtures that Fovea's parity tests compare against.

What
----
One small safetensors file per case under ``fovea-core/src/test/resources/golden/``:
layers (forward output and the gradients of input and parameters), losses (value and input
gradients), optimizers (weights after each of 5 steps) and learning-rate schedules (the first
12 learning rates). Java tests read these files; CI never needs Python.

How to run
----------
Run by hand from the repository root with Debian's PyTorch (``python3-torch`` 1.13, which is
installed for the *system* interpreter, not for a pyenv/venv ``python3``)::

    /usr/bin/python3 tools/make_fixtures.py            # (re)write every fixture + index.txt
    /usr/bin/python3 tools/make_fixtures.py --check    # rewrite into a temp dir, compare bytes

The output is deterministic: every case seeds ``torch.manual_seed`` with the CRC-32 of its own
name (so adding a case never changes another one), computes in float32 on the CPU and writes
no timestamps. ``--check`` regenerates everything and fails if any committed byte differs.

Naming
------
``golden/<kind>_<case>.safetensors`` where ``kind`` is one of ``layer``, ``loss``, ``optim``,
``sched`` and ``case`` is lower snake case (``layer_conv2d_stride2``). ``golden/index.txt``
lists every fixture file name, one per line, sorted, so a test can iterate them without
listing a classpath directory. Every file's ``__metadata__`` has ``kind``, ``case``,
``torch_version`` and ``seed``; the per-kind keys are listed below. All metadata values
are strings (safetensors requires it): ints as ``"3"``, floats as Python ``repr``
(``"0.0001"``, ``"1e-05"``), booleans as ``"true"``/``"false"``, tuples as comma-separated
lists (``"3,3"`` is (kH, kW); ``"2,1"`` is (sH, sW)).

Tensor keys
-----------
layer:  ``input``; every parameter *and* buffer under its PyTorch state-dict key prefixed with
        ``param.`` (``param.weight``, ``param.bias``, ``param.running_mean``, ...), holding
        the values *before* the forward pass; ``output``; ``grad_output`` (a fixed random
        tensor shaped like ``output``: the backward seed, so the scalar that was
        differentiated is ``sum(output * grad_output)``); ``grad.input``;
        ``grad.param.<name>`` for every trainable parameter. BatchNorm in train mode also
        has ``running_mean_after`` and ``running_var_after`` (buffers after the one forward).
        Metadata: ``layer`` (PyTorch class name), ``mode`` (``train``/``eval``) and the
        constructor arguments under their PyTorch names.
loss:   ``input`` (logits / predictions; ``input2``, ``input3`` for multi-input losses),
        ``target`` (always float32, class indices stored as floats), optional ``weight`` /
        ``pos_weight``, ``output`` (0-dim scalar), ``grad_output`` (0-dim, 1.0),
        ``grad.input`` (``grad.input2``, ``grad.input3``). Metadata: ``loss`` (function
        name), ``reduction``, the keyword arguments, ``formula`` where useful.
optim:  ``param.init`` (3x4 start weights), ``target``, ``scale``, ``grad.step<k>`` (the
        gradient fed to step k, evaluated at the weights before step k), ``param.step<k>``
        (weights after step k), ``loss`` (shape [5], loss before each step), k = 1..5.
        Metadata: ``optimizer`` (class name), its hyper-parameters, ``loss_formula``,
        ``steps``.
sched:  ``lr`` (shape [12]: ``lr[i]`` is the learning rate in effect for epoch/step i,
        read before the i-th ``scheduler.step()``), ``momentum`` for OneCycleLR, ``metric``
        for ReduceLROnPlateau (shape [11]: ``metric[i]`` is passed to the step after epoch i,
        so ``lr[i + 1]`` already reflects it).
        Metadata: ``schedule`` (class name), ``base_lr`` and the hyper-parameters.

File format
-----------
safetensors, written here by hand because Debian ships no ``safetensors`` package:
8-byte little-endian u64 header length N, then N bytes of UTF-8 JSON
``{"<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
"__metadata__": {...}}`` padded with spaces to a multiple of 8, then the raw little-endian
float32 data; offsets are relative to the start of the data block and tensors are stored
back to back in key order. Every tensor is F32 (``num_batches_tracked`` too, which PyTorch
keeps as int64), shapes are PyTorch's (0-dim scalars have ``"shape": []``).
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
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = REPO / "fovea-core" / "src" / "test" / "resources" / "golden"
MAX_FILE_BYTES = 50 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024

CASES = []  # (file stem, builder) in registration order


def case(stem):
    """Registers a builder ``() -> (tensors dict, metadata dict)`` under a file stem."""

    def register(fn):
        CASES.append((stem, fn))
        return fn

    return register


def seed_for(stem):
    return zlib.crc32(stem.encode("utf-8"))


# ----------------------------------------------------------------------------- format helpers


def s(value):
    """Formats a metadata value as the documented string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ",".join(s(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    if value is None:
        return "none"
    return str(value)


def f32(t):
    return t.detach().to(torch.float32).contiguous().cpu()


def write_safetensors(path, tensors, metadata):
    """Writes ``tensors`` (ordered dict name -> tensor) and string ``metadata`` as safetensors."""
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = f32(t)
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
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


def read_safetensors(path):
    """Reads a file written by :func:`write_safetensors` (used to verify the writer)."""
    blob = pathlib.Path(path).read_bytes()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = blob[8 + n :]
    out = {}
    expected_begin = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b, e = info["data_offsets"]
        assert info["dtype"] == "F32" and b == expected_begin, (path, name)
        numel = math.prod(info["shape"])
        assert e - b == 4 * numel, (path, name)
        vals = struct.unpack("<%df" % numel, data[b:e])
        out[name] = torch.tensor(vals, dtype=torch.float32).reshape(info["shape"])
        expected_begin = e
    assert expected_begin == len(data), path
    return out, meta


# ----------------------------------------------------------------------------- layers


def away_from_zero(x, gap=0.05):
    """Pushes values away from 0 so kinks (ReLU, LeakyReLU, ELU) never sit between x and x +- h."""
    return x + gap * torch.sign(x)


def layer_case(stem, make_module, input_shape, meta, mode="train", transform=None, setup=None):
    """Runs one forward/backward of a module; returns the documented layer tensors."""

    def build():
        m = make_module()
        if setup is not None:
            with torch.no_grad():
                setup(m)
        m.train(mode == "train")
        x = torch.randn(*input_shape)
        if transform is not None:
            x = transform(x)
        x = x.detach().requires_grad_(True)
        before = {k: v.detach().clone() for k, v in m.state_dict().items()}
        y = m(x)
        g = torch.randn_like(y)
        (y * g).sum().backward()
        tensors = {"input": x}
        for k, v in before.items():
            tensors["param." + k] = v
        tensors["output"] = y
        tensors["grad_output"] = g
        tensors["grad.input"] = x.grad
        for k, p in m.named_parameters():
            tensors["grad.param." + k] = p.grad
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and mode == "train":
            tensors["running_mean_after"] = m.running_mean
            tensors["running_var_after"] = m.running_var
            meta["num_batches_tracked_after"] = s(int(m.num_batches_tracked))
        full = {"layer": type(m).__name__, "mode": mode}
        full.update({k: s(v) for k, v in meta.items()})
        return tensors, full

    case(stem)(build)


def same_pads(kernel, dilation):
    """PyTorch's padding='same' split: total d*(k-1), the smaller half first (left/top)."""
    lo, hi = [], []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        lo.append(total // 2)
        hi.append(total - total // 2)
    return lo, hi


def conv_layer(stem, dims, in_c, out_c, kernel, input_shape, stride=1, padding=0, dilation=1, groups=1, bias=True):
    cls = nn.Conv1d if dims == 1 else nn.Conv2d
    tup = lambda v: (v,) * dims if isinstance(v, int) else tuple(v)
    k, st, dl = tup(kernel), tup(stride), tup(dilation)
    if padding == "same":
        lo, hi = same_pads(k, dl)
        pad_meta = "same"
    else:
        lo = hi = list(tup(padding))
        pad_meta = s(tup(padding))
    meta = {
        "in_channels": in_c,
        "out_channels": out_c,
        "kernel_size": k,
        "stride": st,
        "padding": pad_meta,
        "dilation": dl,
        "groups": groups,
        "bias": bias,
    }
    if dims == 1:
        meta["padding_lr"] = (lo[0], hi[0])
    else:
        meta["padding_tlbr"] = (lo[0], lo[1], hi[0], hi[1])
    layer_case(
        stem,
        lambda: cls(in_c, out_c, kernel, stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias),
        input_shape,
        meta,
    )


# Conv1d: input (N, C, L)
conv_layer("layer_conv1d_plain", 1, 2, 3, 3, (2, 2, 10))
conv_layer("layer_conv1d_stride2_pad1", 1, 2, 3, 3, (2, 2, 11), stride=2, padding=1)
conv_layer("layer_conv1d_same_even", 1, 2, 3, 4, (2, 2, 9), padding="same")
conv_layer("layer_conv1d_same_dilation2", 1, 2, 2, 3, (1, 2, 10), padding="same", dilation=2)
conv_layer("layer_conv1d_dilation2", 1, 3, 2, 3, (2, 3, 12), dilation=2, padding=1)
conv_layer("layer_conv1d_groups2", 1, 4, 6, 3, (2, 4, 8), padding=1, groups=2)
conv_layer("layer_conv1d_nobias", 1, 2, 3, 5, (2, 2, 9), stride=2, bias=False)

# Conv2d: input (N, C, H, W)
conv_layer("layer_conv2d_plain", 2, 3, 4, 3, (2, 3, 7, 7))
conv_layer("layer_conv2d_stride2", 2, 3, 4, 3, (2, 3, 8, 8), stride=2, padding=1)
conv_layer("layer_conv2d_padding_pair", 2, 2, 3, (3, 5), (2, 2, 7, 8), stride=(2, 1), padding=(1, 2))
conv_layer("layer_conv2d_same_even", 2, 2, 3, (4, 2), (2, 2, 6, 7), padding="same")
conv_layer("layer_conv2d_dilation2", 2, 2, 3, 3, (2, 2, 9, 9), padding=2, dilation=2)
conv_layer("layer_conv2d_groups2", 2, 4, 6, 3, (2, 4, 6, 6), padding=1, groups=2)
conv_layer("layer_conv2d_nobias", 2, 3, 4, 3, (2, 3, 6, 6), stride=1, padding=1, bias=False)
conv_layer("layer_conv2d_1x1", 2, 5, 3, 1, (2, 5, 4, 4))
conv_layer("layer_conv2d_11x11_stride4", 2, 3, 2, 11, (1, 3, 27, 27), stride=4, padding=2)


def pool_layer(stem, cls, input_shape, **kw):
    dims = 1 if cls.__name__.endswith("1d") else 2
    tup = lambda v: (v,) * dims if isinstance(v, int) else tuple(v)
    meta = {}
    kernel = kw["kernel_size"]
    meta["kernel_size"] = tup(kernel)
    meta["stride"] = tup(kw.get("stride") or kernel)  # PyTorch: stride defaults to kernel_size
    meta["padding"] = tup(kw.get("padding", 0))
    if cls in (nn.MaxPool1d, nn.MaxPool2d):
        meta["dilation"] = tup(kw.get("dilation", 1))
    else:
        meta["count_include_pad"] = kw.get("count_include_pad", True)
    meta["ceil_mode"] = kw.get("ceil_mode", False)
    layer_case(stem, lambda: cls(**kw), input_shape, meta)


pool_layer("layer_maxpool1d_plain", nn.MaxPool1d, (2, 3, 9), kernel_size=3, stride=2)
pool_layer("layer_maxpool1d_padding", nn.MaxPool1d, (2, 3, 9), kernel_size=3, stride=2, padding=1)
# ceil_mode where PyTorch drops the last window because it would start inside the right padding:
# L=7, k=2, s=2, p=1: ceil((7+2-2)/2)+1 = 5 windows, the 5th starts at 8 >= L+p, so 4 remain.
pool_layer("layer_maxpool1d_ceil", nn.MaxPool1d, (2, 3, 7), kernel_size=2, stride=2, padding=1, ceil_mode=True)
pool_layer("layer_maxpool1d_dilation2", nn.MaxPool1d, (2, 2, 10), kernel_size=2, stride=1, padding=1, dilation=2)
pool_layer("layer_maxpool2d_plain", nn.MaxPool2d, (2, 2, 6, 6), kernel_size=2, stride=2)
pool_layer("layer_maxpool2d_padding", nn.MaxPool2d, (2, 2, 7, 7), kernel_size=3, stride=2, padding=1)
pool_layer("layer_maxpool2d_ceil", nn.MaxPool2d, (2, 2, 8, 8), kernel_size=3, stride=2, ceil_mode=True)
pool_layer("layer_maxpool2d_ceil_padding", nn.MaxPool2d, (1, 2, 7, 6), kernel_size=2, stride=2, padding=1, ceil_mode=True)
pool_layer("layer_maxpool2d_dilation2", nn.MaxPool2d, (2, 2, 8, 8), kernel_size=2, stride=1, padding=1, dilation=2)
pool_layer("layer_maxpool2d_rect", nn.MaxPool2d, (2, 2, 7, 8), kernel_size=(2, 3), stride=(2, 1), padding=(1, 1))
pool_layer("layer_avgpool1d_plain", nn.AvgPool1d, (2, 3, 9), kernel_size=3, stride=2)
pool_layer("layer_avgpool1d_pad_include", nn.AvgPool1d, (2, 3, 8), kernel_size=3, stride=2, padding=1, count_include_pad=True)
pool_layer("layer_avgpool1d_pad_exclude", nn.AvgPool1d, (2, 3, 8), kernel_size=3, stride=2, padding=1, count_include_pad=False)
pool_layer("layer_avgpool1d_ceil", nn.AvgPool1d, (2, 3, 8), kernel_size=3, stride=2, padding=1, ceil_mode=True)
pool_layer("layer_avgpool2d_plain", nn.AvgPool2d, (2, 2, 6, 6), kernel_size=2, stride=2)
pool_layer("layer_avgpool2d_pad_include", nn.AvgPool2d, (2, 2, 7, 7), kernel_size=3, stride=2, padding=1, count_include_pad=True)
pool_layer("layer_avgpool2d_pad_exclude", nn.AvgPool2d, (2, 2, 7, 7), kernel_size=3, stride=2, padding=1, count_include_pad=False)
# ceil_mode windows that run past the padded border: PyTorch divides by the window clipped to
# (input + padding) when count_include_pad, and by the count of real cells otherwise.
pool_layer("layer_avgpool2d_ceil_include", nn.AvgPool2d, (2, 2, 8, 8), kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=True)
pool_layer("layer_avgpool2d_ceil_exclude", nn.AvgPool2d, (2, 2, 8, 8), kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
pool_layer("layer_avgpool2d_ceil_nopad", nn.AvgPool2d, (1, 2, 7, 6), kernel_size=2, stride=2, ceil_mode=True)

for stem, in_hw, out_hw in [
    ("layer_adaptiveavgpool2d_7to3", (7, 7), (3, 3)),
    ("layer_adaptiveavgpool2d_7to1", (7, 7), (1, 1)),
    ("layer_adaptiveavgpool2d_5x7to2x3", (5, 7), (2, 3)),
]:
    layer_case(stem, (lambda o=out_hw: nn.AdaptiveAvgPool2d(o)), (2, 3) + in_hw, {"output_size": out_hw})

layer_case("layer_linear", lambda: nn.Linear(5, 4), (3, 5), {"in_features": 5, "out_features": 4, "bias": True})
layer_case("layer_linear_nobias", lambda: nn.Linear(6, 2, bias=False), (4, 6), {"in_features": 6, "out_features": 2, "bias": False})
layer_case("layer_flatten", lambda: nn.Flatten(), (2, 3, 2, 2), {"start_dim": 1, "end_dim": -1})


def bn_setup(m):
    """Non-trivial affine parameters and running statistics (defaults are 1/0 and 0/1)."""
    c = m.num_features
    m.weight.copy_(torch.rand(c) + 0.5)
    m.bias.copy_(torch.randn(c) * 0.5)
    m.running_mean.copy_(torch.randn(c) * 0.5)
    m.running_var.copy_(torch.rand(c) * 1.5 + 0.5)


def bn_layer(stem, cls, c, input_shape, mode):
    meta = {"num_features": c, "eps": 1e-5, "momentum": 0.1, "affine": True, "track_running_stats": True}
    layer_case(stem, lambda: cls(c), input_shape, meta, mode=mode, setup=bn_setup,
               transform=lambda x: x * 1.5 + 0.3)


bn_layer("layer_batchnorm1d_nc_train", nn.BatchNorm1d, 4, (6, 4), "train")
bn_layer("layer_batchnorm1d_nc_eval", nn.BatchNorm1d, 4, (6, 4), "eval")
bn_layer("layer_batchnorm1d_ncl_train", nn.BatchNorm1d, 4, (3, 4, 5), "train")
bn_layer("layer_batchnorm1d_ncl_eval", nn.BatchNorm1d, 4, (3, 4, 5), "eval")
bn_layer("layer_batchnorm2d_train", nn.BatchNorm2d, 3, (2, 3, 4, 5), "train")
bn_layer("layer_batchnorm2d_eval", nn.BatchNorm2d, 3, (2, 3, 4, 5), "eval")

LRN_FORMULA = "b_c = a_c / (k + alpha/size * sum_{c' in window(c)} a_c'^2)^beta, window zero-padded, size counted always"
for stem, size, alpha, beta, k, shape in [
    ("layer_lrn_alexnet", 5, 1e-4, 0.75, 2.0, (2, 7, 3, 3)),  # AlexNet (Krizhevsky et al. 2012, sec. 3.3)
    ("layer_lrn_defaults", 3, 1e-4, 0.75, 1.0, (2, 5, 3, 3)),  # nn.LocalResponseNorm(3) defaults
    ("layer_lrn_strong", 3, 1.0, 0.75, 1.0, (2, 6, 2, 3)),  # large alpha so the normaliser matters
]:
    layer_case(stem, (lambda a=(size, alpha, beta, k): nn.LocalResponseNorm(*a)), shape,
               {"size": size, "alpha": alpha, "beta": beta, "k": k, "formula": LRN_FORMULA},
               transform=lambda x: x * 2.0)

for stem, make, meta in [
    ("layer_relu", lambda: nn.ReLU(), {}),
    ("layer_leakyrelu", lambda: nn.LeakyReLU(0.1), {"negative_slope": 0.1}),
    ("layer_elu", lambda: nn.ELU(), {"alpha": 1.0}),
    ("layer_selu", lambda: nn.SELU(), {"alpha": 1.6732632423543772, "scale": 1.0507009873554805}),
    ("layer_tanh", lambda: nn.Tanh(), {}),
    ("layer_sigmoid", lambda: nn.Sigmoid(), {}),
]:
    layer_case(stem, make, (2, 5, 3), meta, transform=lambda x: away_from_zero(x * 1.5))

for name, cls in [("softmax", nn.Softmax), ("logsoftmax", nn.LogSoftmax)]:
    layer_case("layer_%s_2d" % name, (lambda c=cls: c(dim=1)), (4, 6), {"dim": 1}, transform=lambda x: x * 2.0)
    layer_case("layer_%s_3d" % name, (lambda c=cls: c(dim=1)), (2, 5, 3), {"dim": 1}, transform=lambda x: x * 2.0)


# ----------------------------------------------------------------------------- losses


def loss_result(inputs, target, out, extra, meta):
    """Backward from the scalar loss; returns the documented loss tensors and metadata."""
    g = torch.ones_like(out)
    out.backward(g)
    tensors = dict(inputs)
    tensors["target"] = target
    tensors.update(extra)
    tensors["output"] = out
    tensors["grad_output"] = g
    for k, v in inputs.items():
        tensors["grad." + k] = v.grad
    meta.setdefault("reduction", "mean")
    return tensors, {k: s(v) for k, v in meta.items()}


def cross_entropy_case(stem, use_weight, smoothing):
    @case(stem)
    def build():
        x = (torch.randn(6, 4) * 1.5).requires_grad_(True)
        t = torch.randint(0, 4, (6,))
        extra = {}
        w = None
        if use_weight:
            w = torch.rand(4) * 1.5 + 0.25
            extra["weight"] = w
        out = F.cross_entropy(x, t, weight=w, label_smoothing=smoothing)
        meta = {"loss": "cross_entropy", "label_smoothing": smoothing, "weight": use_weight, "ignore_index": -100,
                "formula": "PyTorch F.cross_entropy on logits (N,C), class-index targets; "
                           "with weight the mean divides by sum(weight[target])"}
        return loss_result({"input": x}, t.float(), out, extra, meta)


cross_entropy_case("loss_cross_entropy", False, 0.0)
cross_entropy_case("loss_cross_entropy_weight", True, 0.0)
cross_entropy_case("loss_cross_entropy_smoothing", False, 0.1)
cross_entropy_case("loss_cross_entropy_weight_smoothing", True, 0.1)


def nll_case(stem, use_weight):
    @case(stem)
    def build():
        x = F.log_softmax(torch.randn(6, 4) * 1.5, dim=1).detach().requires_grad_(True)
        t = torch.randint(0, 4, (6,))
        extra = {}
        w = None
        if use_weight:
            w = torch.rand(4) * 1.5 + 0.25
            extra["weight"] = w
        out = F.nll_loss(x, t, weight=w)
        meta = {"loss": "nll_loss", "weight": use_weight, "ignore_index": -100,
                "formula": "-sum_n w[t_n] * input[n, t_n] / sum_n w[t_n]; input are log-probabilities"}
        return loss_result({"input": x}, t.float(), out, extra, meta)


nll_case("loss_nll", False)
nll_case("loss_nll_weight", True)


def bce_case(stem, use_pos_weight):
    @case(stem)
    def build():
        x = (torch.randn(4, 3) * 2.0).requires_grad_(True)
        t = torch.bernoulli(torch.full((4, 3), 0.5))
        extra = {}
        pw = None
        if use_pos_weight:
            pw = torch.rand(3) * 2.5 + 0.5
            extra["pos_weight"] = pw
        out = F.binary_cross_entropy_with_logits(x, t, pos_weight=pw)
        meta = {"loss": "binary_cross_entropy_with_logits", "pos_weight": use_pos_weight,
                "formula": "mean(-(pos_weight * y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x)))), "
                           "pos_weight broadcast over the last dim"}
        return loss_result({"input": x}, t, out, extra, meta)


bce_case("loss_bce_with_logits", False)
bce_case("loss_bce_with_logits_pos_weight", True)


def regression_case(stem, fn_name, fn, meta_extra, formula):
    @case(stem)
    def build():
        # spread of 2 so both the quadratic and the linear regime of smooth L1 / Huber occur
        x = (torch.randn(3, 5) * 2.0).requires_grad_(True)
        t = torch.randn(3, 5)
        out = fn(x, t)
        meta = {"loss": fn_name, "formula": formula}
        meta.update(meta_extra)
        return loss_result({"input": x}, t, out, {}, meta)


regression_case("loss_mse", "mse_loss", F.mse_loss, {}, "mean((x - y)^2)")
for beta in (1.0, 0.5):
    regression_case("loss_smooth_l1_beta%s" % str(beta).replace(".", "_"), "smooth_l1_loss",
                    (lambda x, y, b=beta: F.smooth_l1_loss(x, y, beta=b)), {"beta": beta},
                    "mean(|d| < beta ? 0.5 d^2 / beta : |d| - 0.5 beta), d = x - y")
for delta in (1.0, 2.0):
    regression_case("loss_huber_delta%d" % int(delta), "huber_loss",
                    (lambda x, y, d=delta: F.huber_loss(x, y, delta=d)), {"delta": delta},
                    "mean(|d| <= delta ? 0.5 d^2 : delta (|d| - 0.5 delta)), d = x - y")


@case("loss_triplet_margin")
def triplet():
    a = torch.randn(5, 4)
    p = a + 0.6 * torch.randn(5, 4)  # some triplets satisfy the margin (zero grad), some do not
    n = a + 0.9 * torch.randn(5, 4)
    inputs = {"input": a.requires_grad_(True), "input2": p.requires_grad_(True), "input3": n.requires_grad_(True)}
    out = F.triplet_margin_loss(a, p, n, margin=1.0, p=2.0, eps=1e-6, swap=False)
    d_ap = F.pairwise_distance(a, p, eps=1e-6)
    d_an = F.pairwise_distance(a, n, eps=1e-6)
    active = int(((d_ap - d_an + 1.0) > 0).sum())
    meta = {"loss": "triplet_margin_loss", "margin": 1.0, "p": 2.0, "eps": 1e-6, "swap": False,
            "active_triplets": active,
            "formula": "mean(max(||a - p + eps||_2 - ||a - n + eps||_2 + margin, 0)); input=anchor, "
                       "input2=positive, input3=negative; eps is added to the difference (torch.pairwise_distance); "
                       "target is unused (zeros)"}
    return loss_result(inputs, torch.zeros(5), out, {}, meta)


@case("loss_contrastive")
def contrastive():
    margin = 2.0
    x1 = torch.randn(8, 3)
    x2 = x1 + torch.randn(8, 3) * 1.2
    y = torch.tensor([1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0])
    inputs = {"input": x1.requires_grad_(True), "input2": x2.requires_grad_(True)}
    d = ((x1 - x2) ** 2).sum(dim=1).sqrt()
    out = (y * d ** 2 + (1 - y) * torch.clamp(margin - d, min=0) ** 2).mean()
    inside = int(((y == 0) & (d < margin)).sum())
    meta = {"loss": "contrastive", "margin": margin, "dissimilar_inside_margin": inside,
            "formula": "mean_n(y_n * d_n^2 + (1 - y_n) * max(margin - d_n, 0)^2), d_n = ||input_n - input2_n||_2 "
                       "(no eps), y = 1 for similar pairs (Hadsell, Chopra, LeCun 2006 without the 1/2 factor)"}
    return loss_result(inputs, y, out, {"distance": d.detach()}, meta)


# ----------------------------------------------------------------------------- optimizers

OPT_KEYS = ["lr", "momentum", "dampening", "nesterov", "weight_decay", "alpha", "centered", "betas", "eps",
            "amsgrad", "lr_decay", "initial_accumulator_value", "momentum_decay"]
OPT_LOSS = "sum((w - target)^2 * scale) + 0.1 * sum(w^3)"
OPT_STEPS = 5


def optim_case(stem, cls, **kwargs):
    @case(stem)
    def build():
        w0 = torch.randn(3, 4)
        target = torch.randn(3, 4)
        scale = torch.rand(3, 4) * 1.5 + 0.5
        w = w0.clone().requires_grad_(True)
        opt = cls([w], **kwargs)
        tensors = {"param.init": w0, "target": target, "scale": scale}
        losses = []
        for k in range(1, OPT_STEPS + 1):
            opt.zero_grad()
            loss = ((w - target) ** 2 * scale).sum() + 0.1 * (w ** 3).sum()
            loss.backward()
            losses.append(loss.item())
            tensors["grad.step%d" % k] = w.grad.clone()
            opt.step()
            tensors["param.step%d" % k] = w.detach().clone()
        tensors["loss"] = torch.tensor(losses)
        meta = {"optimizer": cls.__name__, "loss_formula": OPT_LOSS, "steps": OPT_STEPS,
                "convention": "each step: zero_grad, loss at current w, backward, step; "
                              "grad.step<k> is the gradient fed to step k, param.step<k> the weights after it"}
        for key in OPT_KEYS:
            if key in opt.defaults:
                meta[key] = opt.defaults[key]
        return tensors, {k: s(v) for k, v in meta.items()}


optim_case("optim_sgd", torch.optim.SGD, lr=0.05)
optim_case("optim_sgd_momentum", torch.optim.SGD, lr=0.05, momentum=0.9)
optim_case("optim_sgd_nesterov", torch.optim.SGD, lr=0.05, momentum=0.9, nesterov=True)
optim_case("optim_sgd_weight_decay", torch.optim.SGD, lr=0.05, weight_decay=1e-2)
optim_case("optim_sgd_momentum_dampening_weight_decay", torch.optim.SGD, lr=0.05, momentum=0.9, dampening=0.1,
           weight_decay=1e-2)
optim_case("optim_adagrad", torch.optim.Adagrad, lr=0.1)
optim_case("optim_rmsprop", torch.optim.RMSprop, lr=0.01)
optim_case("optim_rmsprop_centered_momentum", torch.optim.RMSprop, lr=0.01, momentum=0.9, centered=True)
optim_case("optim_adam", torch.optim.Adam, lr=0.05)
optim_case("optim_adam_amsgrad", torch.optim.Adam, lr=0.05, amsgrad=True)
optim_case("optim_adam_weight_decay", torch.optim.Adam, lr=0.05, weight_decay=1e-2)
optim_case("optim_adamw", torch.optim.AdamW, lr=0.05, weight_decay=1e-1)
# foreach=True: torch 1.13's single-tensor NAdam (nadam.py, _single_tensor_nadam) multiplies mu into
# mu_product twice when computing mu_product_next; its foreach path and the documented algorithm
# (Dozat 2016, as in the NAdam docs) do not. The foreach path gives the documented trajectory.
optim_case("optim_nadam", torch.optim.NAdam, lr=0.05, foreach=True)


# ----------------------------------------------------------------------------- schedules

SCHED_LEN = 12
BASE_LR = 0.1
SCHED_CONVENTION = "lr[i] = optimizer lr in effect for epoch i, read before the i-th scheduler.step()"


def sched_case(stem, make, meta, momentum=0.0, metrics=None, record_momentum=False):
    @case(stem)
    def build():
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=BASE_LR, momentum=momentum)
        sch = make(opt)
        lrs, moms = [], []
        for i in range(SCHED_LEN):
            lrs.append(opt.param_groups[0]["lr"])
            moms.append(opt.param_groups[0]["momentum"])
            opt.step()  # no grads: a no-op that keeps PyTorch's "step order" warning quiet
            if i == SCHED_LEN - 1:
                break  # OneCycleLR raises on a step past total_steps
            if metrics is not None:
                sch.step(metrics[i])
            else:
                sch.step()
        tensors = {"lr": torch.tensor(lrs, dtype=torch.float64)}
        if record_momentum:
            tensors["momentum"] = torch.tensor(moms, dtype=torch.float64)
        if metrics is not None:
            tensors["metric"] = torch.tensor(metrics[: SCHED_LEN - 1])
        full = {"schedule": type(sch).__name__, "base_lr": BASE_LR, "convention": SCHED_CONVENTION}
        full.update(meta)
        return tensors, {k: s(v) for k, v in full.items()}


S = torch.optim.lr_scheduler
sched_case("sched_steplr", lambda o: S.StepLR(o, step_size=3, gamma=0.5), {"step_size": 3, "gamma": 0.5})
sched_case("sched_multisteplr", lambda o: S.MultiStepLR(o, milestones=[2, 5, 9], gamma=0.1),
           {"milestones": (2, 5, 9), "gamma": 0.1})
sched_case("sched_exponentiallr", lambda o: S.ExponentialLR(o, gamma=0.9), {"gamma": 0.9})
sched_case("sched_polynomiallr", lambda o: S.PolynomialLR(o, total_iters=8, power=2.0),
           {"total_iters": 8, "power": 2.0,
            "formula": "base_lr * (1 - min(t, total_iters) / total_iters)^power (torch 1.13 PolynomialLR)"})
sched_case("sched_cosineannealinglr", lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
           {"T_max": 10, "eta_min": 0.001,
            "formula": "eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2 (rises again after T_max)"})
sched_case("sched_linearlr", lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4),
           {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 4,
            "formula": "base_lr * (start + (end - start) * min(t, total_iters) / total_iters)"})
sched_case("sched_onecyclelr",
           lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=SCHED_LEN, pct_start=0.3, anneal_strategy="cos",
                                  div_factor=25.0, final_div_factor=1e4, three_phase=False, cycle_momentum=True,
                                  base_momentum=0.85, max_momentum=0.95),
           {"max_lr": 0.1, "total_steps": SCHED_LEN, "pct_start": 0.3, "anneal_strategy": "cos", "div_factor": 25.0,
            "final_div_factor": 1e4, "three_phase": False, "cycle_momentum": True, "base_momentum": 0.85,
            "max_momentum": 0.95,
            "formula": "initial_lr = max_lr/div_factor, min_lr = initial_lr/final_div_factor; phase 1 ends at step "
                       "pct_start*total_steps - 1, phase 2 at total_steps - 1; cosine annealing between phase ends; "
                       "momentum moves inversely (max_momentum -> base_momentum -> max_momentum); "
                       "base_lr is ignored (the optimizer's lr is overwritten)"},
           momentum=0.9, record_momentum=True)
PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.91, 0.92, 0.85, 0.86, 0.851, 0.87, 0.80, 0.81, 0.82]
sched_case("sched_reducelronplateau",
           lambda o: S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2, threshold=1e-4,
                                         threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8),
           {"mode": "min", "factor": 0.5, "patience": 2, "threshold": 1e-4, "threshold_mode": "rel", "cooldown": 0,
            "min_lr": 0.0, "eps": 1e-8,
            "formula": "after step(metric[i]): better if metric < best * (1 - threshold); "
                       "when bad epochs > patience, lr = max(lr * factor, min_lr) (skipped if the change <= eps), "
                       "bad epochs reset and cooldown starts"},
           metrics=PLATEAU_METRICS)
PLATEAU_MAX_METRICS = [0.5, 0.6, 0.6, 0.6, 0.6, 0.61, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
sched_case("sched_reducelronplateau_max_cooldown",
           lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=1, threshold=0.05,
                                         threshold_mode="abs", cooldown=1, min_lr=0.01, eps=1e-8),
           {"mode": "max", "factor": 0.3, "patience": 1, "threshold": 0.05, "threshold_mode": "abs", "cooldown": 1,
            "min_lr": 0.01, "eps": 1e-8,
            "formula": "better if metric > best + threshold; during cooldown bad epochs are not counted; "
                       "the second reduction (0.03 * 0.3 = 0.009) is clipped to min_lr"},
           metrics=PLATEAU_MAX_METRICS)
sched_case("sched_warmup_cosine",
           lambda o: S.SequentialLR(o, schedulers=[S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=3),
                                                   S.CosineAnnealingLR(o, T_max=8, eta_min=0.0)],
                                    milestones=[3]),
           {"schedulers": "LinearLR,CosineAnnealingLR", "milestones": 3,
            "linear_start_factor": 0.1, "linear_end_factor": 1.0, "linear_total_iters": 3,
            "cosine_T_max": 8, "cosine_eta_min": 0.0,
            "formula": "epochs 0..2: LinearLR warm-up (0.1 -> 1.0 of base_lr over 3 iters); from epoch 3 "
                       "CosineAnnealingLR restarted at t = epoch - 3 from base_lr (SequentialLR)"})


# ----------------------------------------------------------------------------- driver


def generate(out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.safetensors"):
        old.unlink()
    names = []
    stems = [stem for stem, _ in CASES]
    assert len(stems) == len(set(stems)), "duplicate case names"
    torch.set_default_dtype(torch.float32)
    torch.use_deterministic_algorithms(True)
    # Known, harmless: 'same' padding with an even kernel copies the input; SequentialLR calls
    # step(epoch) internally in torch 1.13.
    warnings.filterwarnings("ignore", message="Using padding='same'")
    warnings.filterwarnings("ignore", message="The epoch parameter")
    for stem, build in CASES:
        seed = seed_for(stem)
        torch.manual_seed(seed)
        tensors, meta = build()
        kind = stem.split("_", 1)[0]
        assert kind in ("layer", "loss", "optim", "sched"), stem
        full_meta = {"kind": kind, "case": stem.split("_", 1)[1], "torch_version": torch.__version__,
                     "seed": str(seed)}
        full_meta.update(meta)
        name = stem + ".safetensors"
        path = out_dir / name
        write_safetensors(path, tensors, full_meta)
        back, back_meta = read_safetensors(path)
        assert back_meta == full_meta, stem
        for k, v in tensors.items():
            assert v is not None, (stem, k)
            assert torch.equal(back[k], f32(v)), (stem, k)
            assert torch.isfinite(back[k]).all(), (stem, k)
        names.append(name)
    (out_dir / "index.txt").write_text("".join(n + "\n" for n in sorted(names)))
    sizes = {n: (out_dir / n).stat().st_size for n in names}
    big = {n: b for n, b in sizes.items() if b > MAX_FILE_BYTES}
    assert not big, "fixtures over 50 KB: %s" % big
    total = sum(sizes.values())
    assert total <= MAX_TOTAL_BYTES, "fixtures total %d bytes" % total
    return names, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary directory and compare with the committed files")
    ap.add_argument("--out", type=pathlib.Path, default=GOLDEN, help="output directory (default: %(default)s)")
    args = ap.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = pathlib.Path(tmp)
            names, _ = generate(tmp)
            committed = sorted(p.name for p in args.out.glob("*.safetensors"))
            differ = [n for n in names if not (args.out / n).exists() or not filecmp.cmp(tmp / n, args.out / n, False)]
            extra = sorted(set(committed) - set(names))
            if differ or extra or not filecmp.cmp(tmp / "index.txt", args.out / "index.txt", False):
                print("fixtures out of date: differ=%s extra=%s" % (differ, extra))
                return 1
            print("all %d fixtures match" % len(names))
            return 0
    names, total = generate(args.out)
    print("wrote %d fixtures (%d bytes) to %s" % (len(names), total, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
