"""PyTorch reference models with Evo's names, structure and numeric conventions.

The models mirror stdlib/models.evo: a CIFAR-form ResNet (depth 6n+2, basic blocks, 1x1 projection
shortcuts) and a CIFAR-form MobileNetV2, each taking a norm by name. Names, shapes and norm
conventions are those of docs/models.md: eps 1e-5 inside every square root, moving averages with
decay 0.9 (PyTorch momentum 0.1). EvoNorm-B0 is written as plain tensor ops, as the official code
writes it:

    y = x / max(sqrt(var_bhw(x) + eps), v1 * x + sqrt(var_hw(x) + eps)) * gamma + beta

Where a block has a norm with no activation after it (before a residual add, on a shortcut, after
MobileNetV2's linear bottleneck) the model uses the norm's *lone* form: BN without the ReLU; for
EvoNorm-B0 either `affine` (x * gamma + beta, the official code) or `divide`
(x / sqrt(var_bhw(x) + eps) * gamma + beta, timm's "a" variants).

Evo's batch variance moving average takes the biased batch variance; PyTorch's BatchNorm2d takes the
unbiased one. Parameters (what the parity tests compare) do not depend on this.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-5
MOMENTUM = 0.1  # PyTorch's momentum = 1 - Evo's decay (0.9)


class EvoNormB0(nn.Module):
    """EvoNorm-B0 in plain ops; `lone` selects the form without activation (None: the full layer)."""

    def __init__(self, channels, lone=None):
        super().__init__()
        assert lone in (None, "affine", "divide")
        self.lone = lone
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        if lone is None:
            self.v = nn.Parameter(torch.ones(channels))
        if lone != "affine":
            self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x):
        shape = (1, -1, 1, 1)
        if self.lone != "affine":
            if self.training:
                var = x.var(dim=(0, 2, 3), unbiased=False)
                with torch.no_grad():
                    self.running_var.mul_(1 - MOMENTUM).add_(var.detach() * MOMENTUM)
            else:
                var = self.running_var
            batch_std = (var + EPS).sqrt().view(shape)
        if self.lone is None:
            instance_std = (x.var(dim=(2, 3), unbiased=False, keepdim=True) + EPS).sqrt()
            x = x / torch.maximum(batch_std, self.v.view(shape) * x + instance_std)
        elif self.lone == "divide":
            x = x / batch_std
        return x * self.weight.view(shape) + self.bias.view(shape)


class BNReLU(nn.BatchNorm2d):
    """BatchNorm2d followed by a ReLU, or alone when `lone`."""

    def __init__(self, channels, lone=None):
        super().__init__(channels, eps=EPS, momentum=MOMENTUM)
        self.act = lone is None

    def forward(self, x):
        x = super().forward(x)
        return F.relu(x) if self.act else x


def make_norm(name, channels, lone=None, lone_form="affine"):
    """The norm called `name` ("bn_relu" or "evonorm_b0"); `lone` asks for the form without activation."""
    if name == "bn_relu":
        return BNReLU(channels, lone=lone)
    if name == "evonorm_b0":
        return EvoNormB0(channels, lone=lone_form if lone else None)
    raise ValueError(f"unknown norm {name}")


def conv(cin, cout, kernel, stride=1, groups=1):
    return nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, norm, lone_form):
        super().__init__()
        self.conv1 = conv(cin, cout, 3, stride)
        self.bn1 = make_norm(norm, cout)
        self.conv2 = conv(cout, cout, 3)
        self.bn2 = make_norm(norm, cout, lone=True, lone_form=lone_form)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(conv(cin, cout, 1, stride),
                                            make_norm(norm, cout, lone=True, lone_form=lone_form))

    def forward(self, x):
        h = self.bn2(self.conv2(self.bn1(self.conv1(x))))
        return F.relu(h + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """CIFAR ResNet of depth 6n+2: stem conv, 3 stages of n basic blocks (w, 2w, 4w wide), FC head."""

    def __init__(self, depth=20, width=16, norm="bn_relu", lone="affine", zero_init=False, in_channels=3,
                 classes=10):
        super().__init__()
        assert (depth - 2) % 6 == 0
        n = (depth - 2) // 6
        self.conv1 = conv(in_channels, width, 3)
        self.bn1 = make_norm(norm, width)
        cin = width
        for stage, w in enumerate((width, 2 * width, 4 * width)):
            blocks = []
            for b in range(n):
                blocks.append(BasicBlock(cin, w, 2 if stage > 0 and b == 0 else 1, norm, lone))
                cin = w
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(cin, classes)
        if zero_init:
            for m in self.modules():
                if isinstance(m, BasicBlock):
                    nn.init.zeros_(m.bn2.weight)

    def forward(self, x):
        x = self.bn1(self.conv1(x))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.mean(dim=(2, 3)))


# (expansion, channels, repeats, stride of the first block): MobileNetV2 with CIFAR strides (the stem
# and the 24-channel stage keep the resolution).
MOBILENET_V2_CIFAR = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                      (6, 320, 1, 1)]


def make_divisible(v, divisor=8):
    """Channels rounded to the nearest multiple of 8, at least 8, never below 90% of v."""
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


class InvertedResidual(nn.Module):
    """timm's names: conv_dw, bn1, conv_pw, bn2 (expansion 1) or conv_pw, bn1, conv_dw, bn2, conv_pwl, bn3."""

    def __init__(self, cin, cout, stride, expansion, norm, lone):
        super().__init__()
        self.expansion = expansion
        if expansion == 1:
            self.conv_dw = conv(cin, cin, 3, stride, groups=cin)
            self.bn1 = make_norm(norm, cin)
            self.conv_pw = conv(cin, cout, 1)
            self.bn2 = make_norm(norm, cout, lone=True, lone_form=lone)
        else:
            hidden = cin * expansion
            self.conv_pw = conv(cin, hidden, 1)
            self.bn1 = make_norm(norm, hidden)
            self.conv_dw = conv(hidden, hidden, 3, stride, groups=hidden)
            self.bn2 = make_norm(norm, hidden)
            self.conv_pwl = conv(hidden, cout, 1)
            self.bn3 = make_norm(norm, cout, lone=True, lone_form=lone)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        if self.expansion == 1:
            h = self.bn2(self.conv_pw(self.bn1(self.conv_dw(x))))
        else:
            h = self.bn3(self.conv_pwl(self.bn2(self.conv_dw(self.bn1(self.conv_pw(x))))))
        return x + h if self.residual else h


class MobileNetV2(nn.Module):
    """CIFAR-form MobileNetV2 (timm's names): 3x3 stem (stride 1), inverted residuals, 1x1 head, FC.

    Dropout before the classifier is left out: the parity fixtures need a deterministic step (Evo's
    model is built with dropout: 0 to match)."""

    def __init__(self, width=1.0, norm="bn_relu", lone="affine", in_channels=3, classes=10):
        super().__init__()
        cin = make_divisible(32 * width)
        head = make_divisible(1280 * width) if width > 1 else 1280
        self.conv_stem = conv(in_channels, cin, 3)
        self.bn1 = make_norm(norm, cin)
        stages = []
        for expansion, c, n, s in MOBILENET_V2_CIFAR:
            cout = make_divisible(c * width)
            blocks = []
            for b in range(n):
                blocks.append(InvertedResidual(cin, cout, s if b == 0 else 1, expansion, norm, lone))
                cin = cout
            stages.append(nn.Sequential(*blocks))
        self.blocks = nn.Sequential(*stages)
        self.conv_head = conv(cin, head, 1)
        self.bn2 = make_norm(norm, head)
        self.classifier = nn.Linear(head, classes)

    def forward(self, x):
        x = self.blocks(self.bn1(self.conv_stem(x)))
        x = self.bn2(self.conv_head(x))
        return self.classifier(x.mean(dim=(2, 3)))


def parameter_groups(model, weight_decay):
    """Convolution and linear weights get weight decay; norm parameters (gamma, beta, v) and biases don't."""
    decay, no_decay = [], []
    for p in model.parameters():
        (decay if p.dim() > 1 else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
