#!/usr/bin/python3
"""Convert a torchvision checkpoint to a safetensors file that Fovea loads.

Fovea's zoo models use torchvision's state-dict keys and shapes (``alexnet-torchvision``,
``googlenet``, ``resnet18`` ... ``resnet152``), so conversion is only a change of file format: the
pickle-based ``.pth`` becomes safetensors, which Fovea reads without running any code::

    Module model = ModelZoo.create("resnet50", 1000, new SplittableRandom(0));
    SafeTensors.load(model, Path.of("resnet50.safetensors"));

Usage (system interpreter with ``python3-torch`` and ``python3-torchvision``)::

    # a state dict you trained or downloaded (.pth / .pt), checked against a zoo architecture
    /usr/bin/python3 tools/torchvision_to_safetensors.py my_resnet50.pth resnet50.safetensors --model resnet50

    # torchvision's own pretrained weights (downloaded by torchvision, or taken from ~/.cache/torch)
    /usr/bin/python3 tools/torchvision_to_safetensors.py --pretrained resnet50 resnet50.safetensors
    /usr/bin/python3 tools/torchvision_to_safetensors.py --pretrained resnet50 --weights IMAGENET1K_V2 r50v2.safetensors

What it does
------------
* Loads the checkpoint with ``torch.load(weights_only=True)`` (no arbitrary code from the pickle;
  ``--trust-pickle`` lifts this for checkpoints that store other Python objects, from sources you trust).
* Unwraps the usual containers: a dict with ``state_dict``, ``model_state_dict`` or ``model`` holding
  the tensors, or a whole pickled ``nn.Module``; strips a ``module.`` prefix (``DataParallel``)
  or any ``--strip-prefix``.
* ``--drop-aux`` removes GoogLeNet's ``aux1.*``/``aux2.*`` entries, for loading a checkpoint trained
  with auxiliary classifiers into Fovea's ``googlenet`` (which has none).
* With ``--model`` (a Fovea zoo name, or ``googlenet-aux``) it builds the torchvision model with
  ``--num-classes`` outputs and fails, listing the differences, unless keys and shapes match exactly,
  so a file that would not load into Fovea is never written.
* Writes float tensors as F32 (F16/BF16/F64 are converted) and integer tensors as I64
  (``num_batches_tracked``), in state-dict order, with metadata: ``format`` = ``pt``, ``source``,
  ``converted_by``, and for ``--pretrained googlenet`` ``transform_input`` = ``true``: those weights
  expect torchvision's input transform, i.e. ``new GoogLeNet(1000, false, true, rng)`` in Fovea.

The safetensors layout (written directly; the ``safetensors`` package is not needed): u64
little-endian header length N, N bytes of UTF-8 JSON ``{"__metadata__": {...}, "<key>": {"dtype":
"F32", "shape": [...], "data_offsets": [begin, end]}, ...}`` padded with spaces to a multiple of 8,
then the raw little-endian tensor bytes, offsets relative to the end of the header.
"""

import argparse
import json
import pathlib
import struct
import sys

import numpy as np
import torch
import torchvision

# Fovea zoo name -> torchvision constructor (weights=None); the course "alexnet" has no torchvision twin.
ARCHITECTURES = {
    "alexnet-torchvision": lambda n: torchvision.models.alexnet(weights=None, num_classes=n),
    "googlenet": lambda n: torchvision.models.googlenet(weights=None, num_classes=n, aux_logits=False, init_weights=False),
    "googlenet-aux": lambda n: torchvision.models.googlenet(weights=None, num_classes=n, aux_logits=True, init_weights=False),
    "resnet18": lambda n: torchvision.models.resnet18(weights=None, num_classes=n),
    "resnet34": lambda n: torchvision.models.resnet34(weights=None, num_classes=n),
    "resnet50": lambda n: torchvision.models.resnet50(weights=None, num_classes=n),
    "resnet101": lambda n: torchvision.models.resnet101(weights=None, num_classes=n),
    "resnet152": lambda n: torchvision.models.resnet152(weights=None, num_classes=n),
}
# Fovea zoo name -> torchvision builder name, for --pretrained
TORCHVISION_NAME = {"alexnet-torchvision": "alexnet", "alexnet": "alexnet", "googlenet": "googlenet",
                    **{f"resnet{d}": f"resnet{d}" for d in (18, 34, 50, 101, 152)}}

CONTAINER_KEYS = ("state_dict", "model_state_dict", "model")


def fail(message):
    print("error: " + message, file=sys.stderr)
    sys.exit(1)


def load_checkpoint(path, trust_pickle):
    try:
        obj = torch.load(path, map_location="cpu", weights_only=not trust_pickle)
    except Exception as e:  # weights_only refuses anything but tensors and plain containers
        hint = "" if trust_pickle else " (if it stores other Python objects and you trust its source, add --trust-pickle)"
        fail(f"cannot load {path}: {e}{hint}")
    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    if isinstance(obj, dict):
        for key in CONTAINER_KEYS:
            inner = obj.get(key)
            if isinstance(inner, torch.nn.Module):
                return inner.state_dict()
            if isinstance(inner, dict) and inner and all(torch.is_tensor(v) for v in inner.values()):
                return inner
        tensors = {k: v for k, v in obj.items() if torch.is_tensor(v)}
        if tensors and len(tensors) == len(obj):
            return obj
    fail(f"{path} holds no state dict (a dict of tensors, or one under {', '.join(CONTAINER_KEYS)})")


def pretrained_state(name, weights):
    tv = TORCHVISION_NAME.get(name, name)
    builder = getattr(torchvision.models, tv, None)
    if builder is None:
        fail(f"torchvision has no model '{tv}'")
    try:
        model = builder(weights=weights)
    except Exception as e:
        fail(f"cannot get torchvision's {tv} weights '{weights}': {e} (they are downloaded on first use; "
             "without network access, copy the .pth into ~/.cache/torch/hub/checkpoints/ or convert it directly)")
    meta = {"source": f"torchvision.models.{tv}(weights={weights!r})"}
    if tv == "googlenet" and getattr(model, "transform_input", False):
        meta["transform_input"] = "true"
    return model.state_dict(), meta


def check_architecture(state, model, num_classes):
    if model not in ARCHITECTURES:
        fail(f"--model {model}: expected one of {', '.join(ARCHITECTURES)}")
    expected = {k: tuple(v.shape) for k, v in ARCHITECTURES[model](num_classes).state_dict().items()}
    actual = {k: tuple(v.shape) for k, v in state.items()}
    missing = sorted(set(expected) - set(actual))
    unexpected = sorted(set(actual) - set(expected))
    shapes = [f"{k}: expected {expected[k]}, found {actual[k]}" for k in expected if k in actual and expected[k] != actual[k]]
    if missing or unexpected or shapes:
        lines = [f"the checkpoint does not fit Fovea's {model} with {num_classes} classes:"]
        if missing:
            lines.append(f"  missing ({len(missing)}): {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}")
        if unexpected:
            lines.append(f"  unexpected ({len(unexpected)}): {', '.join(unexpected[:10])}{' ...' if len(unexpected) > 10 else ''}"
                         + ("  (GoogLeNet auxiliary heads? add --drop-aux or use --model googlenet-aux)"
                            if any(k.startswith("aux") for k in unexpected) else ""))
        if shapes:
            lines.append("  shapes: " + "; ".join(shapes[:10]) + ("  (another class count? see --num-classes)"
                                                                    if any(k.startswith(("fc.", "classifier.")) for k in
                                                                           [s.split(":")[0] for s in shapes]) else ""))
        fail("\n".join(lines))


def to_numpy(key, t):
    t = t.detach().cpu().contiguous()
    if t.is_floating_point():
        return "F32", t.to(torch.float32).numpy().astype("<f4")
    if t.dtype == torch.bool:
        return "BOOL", t.numpy().astype(np.uint8)
    if t.dtype in (torch.int8, torch.uint8, torch.int16, torch.int32, torch.int64):
        return "I64", t.to(torch.int64).numpy().astype("<i8")
    fail(f"tensor {key} has dtype {t.dtype}, which Fovea cannot read")


def write_safetensors(path, state, metadata):
    header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
    blobs, offset = [], 0
    for key, t in state.items():
        dtype, a = to_numpy(key, t)
        data = a.tobytes()
        header[key] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
    tmp.replace(path)  # never leave a half-written file under the real name


def main():
    p = argparse.ArgumentParser(description="Convert a torchvision checkpoint to safetensors for Fovea.")
    p.add_argument("input", nargs="?", help="checkpoint (.pth/.pt); omit with --pretrained")
    p.add_argument("output", help="the .safetensors file to write")
    p.add_argument("--pretrained", metavar="MODEL", help="use torchvision's pretrained weights of MODEL (e.g. resnet50)")
    p.add_argument("--weights", default="DEFAULT", help="torchvision weights name for --pretrained (default: DEFAULT)")
    p.add_argument("--model", help=f"check keys and shapes against a Fovea model: {', '.join(ARCHITECTURES)}")
    p.add_argument("--num-classes", type=int, default=1000, help="classes of --model (default 1000)")
    p.add_argument("--strip-prefix", default=None, help="remove this prefix from every key (default: 'module.' if all keys have it)")
    p.add_argument("--drop-aux", action="store_true", help="drop GoogLeNet's aux1.*/aux2.* entries")
    p.add_argument("--trust-pickle", action="store_true", help="allow arbitrary pickled objects (only for trusted files)")
    args = p.parse_args()

    if (args.input is None) == (args.pretrained is None):
        p.error("give either a checkpoint file or --pretrained MODEL")
    meta = {"format": "pt", "converted_by": "tools/torchvision_to_safetensors.py",
            "torch_version": torch.__version__, "torchvision_version": torchvision.__version__}
    if args.pretrained:
        state, extra = pretrained_state(args.pretrained, args.weights)
        meta.update(extra)
        model = args.model or (args.pretrained if args.pretrained in ARCHITECTURES else
                               {"alexnet": "alexnet-torchvision"}.get(args.pretrained))
    else:
        state = load_checkpoint(args.input, args.trust_pickle)
        meta["source"] = pathlib.Path(args.input).name
        model = args.model

    prefix = args.strip_prefix
    if prefix is None and state and all(k.startswith("module.") for k in state):
        prefix = "module."
    if prefix:
        state = {(k[len(prefix):] if k.startswith(prefix) else k): v for k, v in state.items()}
    if args.drop_aux:
        state = {k: v for k, v in state.items() if not k.startswith(("aux1.", "aux2."))}
    if model:
        check_architecture(state, model, args.num_classes)
        meta["fovea_model"] = model

    out = pathlib.Path(args.output)
    write_safetensors(out, state, meta)
    n = sum(v.numel() for k, v in state.items() if v.is_floating_point() and not k.endswith(("running_mean", "running_var")))
    print(f"wrote {out}: {len(state)} tensors, {n:,} parameters" + (f", checked against {model}" if model else ""))


if __name__ == "__main__":
    main()
