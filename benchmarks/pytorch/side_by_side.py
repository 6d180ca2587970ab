"""PyTorch on the benchmarks' cases, to run beside the JMH benchmarks on the same machine.

The anchors in ../shared/perf/ANCHORS.md were measured on a shared host whose speed drifts by
tens of percent from hour to hour, so a ratio means most when both sides ran in the same window.
This script measures PyTorch eager the way those anchors were measured: 2 threads, batch 1 at
224 x 224, random weights in eval mode, input gradients only, median wall time. It needs only
torch (no torchvision: the two architectures are defined below, as torchvision defines them).

    OPENBLAS_NUM_THREADS=1 python3 benchmarks/pytorch/side_by_side.py [--models resnet50,mobilenet_v2] [--runs 40]

Cases, each printed as "model case: median (min) ms":
- forward: a no-grad forward pass.
- gradcam: Grad-CAM end to end, as ExplainBenchmark.gradCam: the forward, the gradient of logit 7
  at the last stage's output, channel weights, ReLU, bilinear upsampling to 224 x 224.
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width)
        self.conv3, self.bn3 = nn.Conv2d(width, width * 4, 1, bias=False), nn.BatchNorm2d(width * 4)
        self.downsample = None
        if stride != 1 or cin != width * 4:
            self.downsample = nn.Sequential(nn.Conv2d(cin, width * 4, 1, stride, bias=False), nn.BatchNorm2d(width * 4))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet50(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        stages, cin = [], 64
        for width, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            stage = []
            for i in range(blocks):
                stage.append(Bottleneck(cin, width, stride if i == 0 else 1))
                cin = width * 4
            stages.append(nn.Sequential(*stage))
        self.body = nn.Sequential(self.stem, *stages)  # ends at layer4, Grad-CAM's layer
        self.fc = nn.Linear(2048, 1000)

    def head(self, a):
        return self.fc(a.mean((2, 3)))


def conv_bn(cin, cout, k, stride, groups=1, relu6=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, nn.ReLU6()) if relu6 else nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = [conv_bn(cin, hidden, 1, 1)] if expand != 1 else []
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden), conv_bn(hidden, cout, 1, 1, relu6=False)]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self):
        super().__init__()
        features, cin = [conv_bn(3, 32, 3, 2)], 32
        for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
            for i in range(n):
                features.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        features.append(conv_bn(cin, 1280, 1, 1))
        self.body = nn.Sequential(*features)  # ends at features.18, Grad-CAM's layer
        self.fc = nn.Linear(1280, 1000)

    def head(self, a):
        return self.fc(a.mean((2, 3)))


def forward(model, x):
    with torch.no_grad():
        return model.head(model.body(x))


def gradcam(model, x, target=7):
    a = model.body(x).detach().requires_grad_(True)
    score = model.head(a)[0, target]
    (g,) = torch.autograd.grad(score, a)
    weights = g.mean((2, 3), keepdim=True)
    cam = F.relu((weights * a).sum(1, keepdim=True))
    return F.interpolate(cam, size=x.shape[2:], mode="bilinear", align_corners=False)


def measure(fn, runs, warmup=10):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[len(times) // 2], times[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="resnet50,mobilenet_v2")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    builders = {"resnet50": ResNet50, "mobilenet_v2": MobileNetV2}
    for name in args.models.split(","):
        if name not in builders:
            parser.error(f"unknown model '{name}'; known: {', '.join(builders)}")
        model = builders[name]().eval()
        for p in model.parameters():
            p.requires_grad_(False)
        x = torch.randn(1, 3, 224, 224)
        for case, fn in [("forward", lambda: forward(model, x)), ("gradcam", lambda: gradcam(model, x))]:
            median, low = measure(fn, args.runs)
            print(f"{name} {case}: {median:.1f} ({low:.1f}) ms  [torch {torch.__version__}, {args.threads} threads]", flush=True)


if __name__ == "__main__":
    main()
