"""PyTorch side of `evo-bench gan`: the default model of stdlib/gan.evo (BN-ReLU generator, widths
64/32/32 at 7/14/28, discriminator 32/64, spectral norm everywhere but G's embedding, hinge loss, Adam
with beta1 = 0, EMA of G) and one training iteration = 2 D steps + 1 G step at batch 64.
Last line: key=value pairs (G iterations per minute)."""
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm as sn

from timing import benchmark_arguments


class CondBNReLU(nn.Module):
    def __init__(self, channels, cond_dim):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False, momentum=0.1)
        self.gain = sn(nn.Linear(cond_dim, channels, bias=False))
        self.bias = sn(nn.Linear(cond_dim, channels, bias=False))

    def forward(self, x, c):
        n, ch = x.shape[:2]
        return F.relu(self.bn(x) * (1 + self.gain(c)).view(n, ch, 1, 1) + self.bias(c).view(n, ch, 1, 1))


class GBlock(nn.Module):
    def __init__(self, cin, cout, cond_dim):
        super().__init__()
        self.bn1, self.bn2 = CondBNReLU(cin, cond_dim), CondBNReLU(cout, cond_dim)
        self.conv1 = sn(nn.Conv2d(cin, cout, 3, padding=1))
        self.conv2 = sn(nn.Conv2d(cout, cout, 3, padding=1))
        self.conv_sc = sn(nn.Conv2d(cin, cout, 1))

    def forward(self, x, c):
        h = self.conv1(F.interpolate(self.bn1(x, c), scale_factor=2))
        return self.conv2(self.bn2(h, c)) + self.conv_sc(F.interpolate(x, scale_factor=2))


class Generator(nn.Module):
    def __init__(self, classes=10, z_dim=24, shared_dim=32, widths=(64, 32, 32)):
        super().__init__()
        self.chunk = z_dim // len(widths)
        self.widths = widths
        self.shared = nn.Embedding(classes, shared_dim)
        self.linear = sn(nn.Linear(self.chunk, widths[0] * 49))
        self.blocks = nn.ModuleList(
            [GBlock(widths[i], widths[i + 1], shared_dim + self.chunk) for i in range(len(widths) - 1)])
        self.out_bn = nn.BatchNorm2d(widths[-1])
        self.out_conv = sn(nn.Conv2d(widths[-1], 1, 3, padding=1))

    def forward(self, z, y):
        k = self.chunk
        shared = self.shared(y)
        h = self.linear(z[:, :k]).view(z.shape[0], self.widths[0], 7, 7)
        for i, block in enumerate(self.blocks):
            h = block(h, torch.cat([shared, z[:, (i + 1) * k:(i + 2) * k]], 1))
        return torch.tanh(self.out_conv(F.relu(self.out_bn(h))))


class DBlock(nn.Module):
    def __init__(self, cin, cout, down, preactivation):
        super().__init__()
        self.conv1 = sn(nn.Conv2d(cin, cout, 3, padding=1))
        self.conv2 = sn(nn.Conv2d(cout, cout, 3, padding=1))
        self.conv_sc = sn(nn.Conv2d(cin, cout, 1)) if cin != cout or down else None
        self.down, self.preactivation = down, preactivation

    def forward(self, x):
        h = F.relu(x) if self.preactivation else x
        h = self.conv2(F.relu(self.conv1(h)))
        if self.down:
            h = F.avg_pool2d(h, 2)
        s = x
        if self.preactivation:
            s = self.conv_sc(s) if self.conv_sc is not None else s
            s = F.avg_pool2d(s, 2) if self.down else s
        else:
            s = F.avg_pool2d(s, 2) if self.down else s
            s = self.conv_sc(s) if self.conv_sc is not None else s
        return h + s


class Discriminator(nn.Module):
    def __init__(self, classes=10, widths=(32, 64)):
        super().__init__()
        blocks, cin = [], 1
        for i, w in enumerate(widths):
            blocks.append(DBlock(cin, w, i < 2, i > 0))
            cin = w
        self.blocks = nn.ModuleList(blocks)
        self.linear = sn(nn.Linear(cin, 1))
        self.embed = sn(nn.Embedding(classes, cin))

    def forward(self, x, y):
        h = x
        for block in self.blocks:
            h = block(h)
        h = F.relu(h).sum(dim=(2, 3))
        return self.linear(h).view(-1) + (self.embed(y) * h).sum(1)


def main():
    args = benchmark_arguments(seed=0)
    batch, n_d = 64, 2
    iterations = 2 if args.quick else 8
    g, d, g_ema = Generator(), Discriminator(), Generator()
    g_ema.load_state_dict(g.state_dict())
    g_opt = torch.optim.Adam(g.parameters(), lr=1e-4, betas=(0.0, 0.999))
    d_opt = torch.optim.Adam(d.parameters(), lr=4e-4, betas=(0.0, 0.999))
    images = torch.rand(512, 1, 28, 28)
    labels = torch.randint(0, 10, (512,))

    def iteration():
        for _ in range(n_d):
            idx = torch.randint(0, 512, (batch,))
            y = torch.randint(0, 10, (batch,))
            with torch.no_grad():
                fake = g(torch.randn(batch, 24), y)
            d_opt.zero_grad()
            loss = F.relu(1 - d(images[idx] * 2 - 1, labels[idx])).mean() + F.relu(1 + d(fake, y)).mean()
            loss.backward()
            d_opt.step()
        y = torch.randint(0, 10, (batch,))
        g_opt.zero_grad()
        (-d(g(torch.randn(batch, 24), y), y).mean()).backward()
        g_opt.step()
        with torch.no_grad():
            for e, p in zip(g_ema.state_dict().values(), g.state_dict().values()):
                if e.dtype.is_floating_point:
                    e.mul_(0.999).add_(p, alpha=0.001)

    iteration()
    start = time.perf_counter()
    for _ in range(iterations):
        iteration()
    per_minute = iterations / (time.perf_counter() - start) * 60
    print(f"torch: {per_minute:.1f} G iterations per minute")
    print(f"gan_iterations_per_minute={per_minute:.3f}")


if __name__ == "__main__":
    main()
