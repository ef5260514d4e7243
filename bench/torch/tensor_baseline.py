"""PyTorch side of `evo-bench tensor`: the same measurements on CPU with the same thread count.

Prints a table to stderr-free stdout and, as its last line, `key=value` pairs that evo-bench reads.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from timing import benchmark_arguments, best_time, train_step_time


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(h + (self.short(x) if self.short is not None else x))


class ResNet20(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        blocks, cin = [], 16
        for stage, width in enumerate([16, 32, 64]):
            for b in range(3):
                blocks.append(Block(cin, width, 2 if stage > 0 and b == 0 else 1))
                cin = width
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean(dim=(2, 3)))


def main():
    args = benchmark_arguments(seed=0)
    repeats = 1 if args.quick else 5
    out = {}

    batch = 32 if args.quick else 128
    if args.only != "resnet":
        n = 1024 if args.quick else 2048
        a, b = torch.randn(n, n), torch.randn(n, n)
        out["sgemm_gflops"] = 2 * n**3 / best_time(lambda: a @ b, repeats) / 1e9

        for c, hw in [(16, 28), (32, 14), (64, 7)]:
            x = torch.randn(batch, c, hw, hw, requires_grad=True)
            w = torch.randn(c, c, 3, 3, requires_grad=True)
            flops = 2.0 * batch * c * hw * hw * c * 9
            with torch.no_grad():
                fwd = best_time(lambda: F.conv2d(x, w, padding=1), repeats)
            g = torch.randn(batch, c, hw, hw)
            both = best_time(lambda: F.conv2d(x, w, padding=1).backward(g), repeats)
            out[f"conv{c}_fwd_gflops"] = flops / fwd / 1e9
            out[f"conv{c}_bwd_gflops"] = 2 * flops / (both - fwd) / 1e9

        count = 10_000_000
        ea, eb = torch.randn(count), torch.randn(count)
        out["add_gbps"] = 12.0 * count / best_time(lambda: ea + eb, repeats * 2) / 1e9

    if args.only in (None, "resnet"):
        model = ResNet20()
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
        seconds = train_step_time(model, opt, batch, repeats)
        out["resnet20_step_ms"] = seconds * 1000
        out["resnet20_images_per_s"] = batch / seconds
    print(" ".join(f"{k}={v:.4f}" for k, v in out.items()))


if __name__ == "__main__":
    main()
