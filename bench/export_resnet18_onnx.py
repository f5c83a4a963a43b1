#!/usr/bin/env python3
"""Writes torchvision's ResNet-18 as an ONNX file for the ONNX Runtime rows of bench/compare.sh.

Usage: export_resnet18_onnx.py FILE

The model is torchvision.models.resnet18(weights=None) (nothing is downloaded; random weights from
torch.manual_seed(7), which is all a timing needs) in eval mode, traced on one 3x224x224 image by
torch.onnx.export with the batch dimension dynamic, so one file serves every batch size. Input
"input" (batch, 3, 224, 224), output "logits" (batch, 1000), opset 13. The exporter of PyTorch 1.13 writes the protobuf itself; the `onnx` Python package
is not needed. The file (about 45 MB) is written next to FILE under a temporary name and renamed,
so an interrupted export never leaves a truncated model behind. Progress goes to stderr.
"""
import os
import sys
import tempfile


def main():
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: export_resnet18_onnx.py FILE (the .onnx file to write)")
    target = os.path.abspath(sys.argv[1])
    directory = os.path.dirname(target)
    os.makedirs(directory, exist_ok=True)

    import torch
    import torchvision

    torch.manual_seed(7)
    model = torchvision.models.resnet18(weights=None).eval()
    example = torch.randn(1, 3, 224, 224)
    fd, partial = tempfile.mkstemp(prefix=".resnet18-", suffix=".onnx.part", dir=directory)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(partial, 0o666 & ~umask)  # mkstemp makes it private; the model is an ordinary file
    try:
        with torch.no_grad():
            torch.onnx.export(model, example, partial, input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                              opset_version=13, do_constant_folding=True)
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    print(f"export_resnet18_onnx: wrote {target} ({os.path.getsize(target) / 1e6:.1f} MB; "
          f"torch {torch.__version__}, torchvision {torchvision.__version__})", file=sys.stderr)


if __name__ == "__main__":
    main()
