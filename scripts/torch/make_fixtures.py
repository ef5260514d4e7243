"""Writes the PyTorch parity fixtures of Tests/EvoRuntimeTests/fixtures/torch/ (run from the repository
root with a Python that has torch: `python3 scripts/torch/make_fixtures.py`).

For each model, three safetensors files (float32, readable by Evo's `load_tensors` and `nn.load`):
- `NAME.safetensors`: the state_dict (parameters and moving averages, no `num_batches_tracked`), with
  every norm parameter and moving average drawn at random so that none sits at its initial value;
- `NAME-io.safetensors`: `input` (N, C, H, W), `labels` (N, as floats), `logits_eval` (eval mode),
  `logits_train` and `loss` (train mode, batch statistics, before the step);
- `NAME-step.safetensors`: every parameter after exactly one training step on that batch: mean
  cross-entropy, then SGD lr 0.1, momentum 0.9, Nesterov, weight decay 5e-4 on convolution and linear
  weights and 0 on norm parameters and biases (PyTorch's SGD; at the first step the momentum buffer is
  the gradient, so the update is lr * 1.9 * (grad + wd * w)).
  Moving averages are not in this file: BatchNorm2d updates them with the unbiased variance, Evo with
  the biased one.

The expected values are computed in float64 from the float32 weights and input, then rounded to
float32, so they do not carry PyTorch's own float32 rounding; the script prints how far PyTorch's
float32 run is from them (the accuracy any float32 implementation can be asked for).
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evo_models  # noqa: E402

OUT = "Tests/EvoRuntimeTests/fixtures/torch"
BATCH, CHANNELS, SIZE = 8, 3, 16
HEAD_SCALE = 4.0

# name -> model constructor; widths are cut down so the committed files stay small (1.6 MB in all).
MODELS = {
    "resnet20_bn_relu": lambda: evo_models.ResNet(depth=20, width=8, norm="bn_relu"),
    "mobilenet_v2_evonorm_b0": lambda: evo_models.MobileNetV2(width=0.1, norm="evonorm_b0"),
    "resnet20_evonorm_b0_divide": lambda: evo_models.ResNet(depth=20, width=4, norm="evonorm_b0", lone="divide"),
}


def save_safetensors(tensors, path):
    """Writes float32 tensors in the safetensors layout (header length, JSON header, raw data), atomically."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = struct.pack(f"<{t.numel()}f", *t.flatten().tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(tmp, path)


def randomize(model, generator):
    """Norm parameters and moving averages drawn away from their initial values; the classifier's weight
    scaled up so that logits are of order 1."""
    with torch.no_grad():
        for name, t in list(model.named_parameters()) + list(model.named_buffers()):
            leaf = name.rsplit(".", 1)[-1]
            if t.dim() == 2:
                t.mul_(HEAD_SCALE)
            elif leaf in ("weight", "v") and t.dim() == 1:
                t.copy_(torch.rand(t.shape, generator=generator) + 0.5)
            elif leaf in ("bias", "running_mean") and t.dim() == 1:
                t.copy_(torch.randn(t.shape, generator=generator) * 0.1)
            elif leaf == "running_var":
                t.copy_(torch.rand(t.shape, generator=generator) + 0.5)


def one_step(model, x, labels):
    """Eval logits, then train-mode logits and loss, then one SGD step; returns them and the new parameters."""
    model.eval()
    with torch.no_grad():
        logits_eval = model(x)
    model.train()
    opt = torch.optim.SGD(evo_models.parameter_groups(model, 5e-4), lr=0.1, momentum=0.9, nesterov=True)
    opt.zero_grad()
    logits_train = model(x)
    loss = F.cross_entropy(logits_train, labels)
    loss.backward()
    opt.step()
    params = {k: v.detach().clone() for k, v in model.named_parameters()}
    return logits_eval, logits_train.detach(), loss.detach(), params


def max_diff(a, b):
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a)


def main():
    os.makedirs(OUT, exist_ok=True)
    for index, (name, make) in enumerate(MODELS.items()):
        torch.manual_seed(index)
        generator = torch.Generator().manual_seed(100 + index)
        model = make()
        randomize(model, generator)
        state = {k: v.detach().clone() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
        x = torch.randn(BATCH, CHANNELS, SIZE, SIZE, generator=generator)
        labels = torch.arange(BATCH) % 10

        reference = make().double()
        reference.load_state_dict(state, strict=False)
        e64, t64, l64, p64 = one_step(reference, x.double(), labels)
        e32, t32, l32, p32 = one_step(model, x, labels)

        save_safetensors(state, f"{OUT}/{name}.safetensors")
        save_safetensors({"input": x, "labels": labels.float(), "logits_eval": e64, "logits_train": t64,
                          "loss": l64.reshape(1)}, f"{OUT}/{name}-io.safetensors")
        save_safetensors(p64, f"{OUT}/{name}-step.safetensors")
        count = sum(v.numel() for v in p64.values())
        print(f"{name}: {count} parameters; |logits| <= {e64.abs().max().item():.3f}, loss {l64.item():.5f}; "
              f"PyTorch float32 vs float64: eval logits {(e32.double() - e64).abs().max().item():.2e}, "
              f"train logits {(t32.double() - t64).abs().max().item():.2e}, "
              f"parameters after the step {max_diff(p32, p64):.2e}, "
              f"largest parameter change {max_diff(p64, {k: state[k] for k in p64}):.2e}")


if __name__ == "__main__":
    main()
