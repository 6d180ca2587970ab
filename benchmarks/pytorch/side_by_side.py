"""PyTorch on the benchmarks' cases, to run beside the JMH benchmarks on the same machine.

The anchors in ../shared/perf/ANCHORS.md were measured on a shared host whose speed drifts by
tens of percent from hour to hour, so a ratio means most when both sides ran in the same window.
This script measures PyTorch eager the way those anchors were measured: 2 threads, batch 1 at
224 x 224, random weights in eval mode, input gradients only, median wall time. It needs only
torch (no torchvision: the two architectures are defined below, as torchvision defines them).

    OPENBLAS_NUM_THREADS=1 python3 benchmarks/pytorch/side_by_side.py [--models resnet50,mobilenet_v2] [--runs 40]
    OPENBLAS_NUM_THREADS=1 python3 benchmarks/pytorch/side_by_side.py --models resnet50,resnet18 --cases occlusion

Cases (--cases, default forward,gradcam), each printed as "model case: median (min) ms":
- forward: a no-grad forward pass.
- gradcam: Grad-CAM end to end, as ExplainBenchmark.gradCam: the forward, the gradient of logit 7
  at the last stage's output, channel weights, ReLU, bilinear upsampling to 224 x 224.
- forward8: a no-grad forward pass of 8 copies (ForwardBenchmark and OnnxForwardBenchmark at batch 8).
- backward: the forward and the gradient of logit 7 with respect to the input (BackwardBenchmark.backwardToInput).
- ig: integrated gradients of logit 7 from a zero baseline, 32 steps (midpoints) in batches of 8,
  times (x - baseline) (ExplainBenchmark.integratedGradients32).
- smoothgrad: the mean input gradient of logit 7 over 25 noisy copies (noise 0.15 of the input's
  range), in batches of 8 (ExplainBenchmark.smoothGrad25).
The perturbation methods, as OcclusionBenchmark, RiseBenchmark and ScoreCamBenchmark run them
(the same counts of no-grad forward passes at the same batch size, --batch, default 8), timed over
--slow-runs runs after one warm-up:
- occlusion: the naive method: a clean pass, then squares of --patch every --stride pixels
  (32 and 16: 169 squares at 224 x 224) set to 0 in copies of the input, batched; the map is the
  mean score drop over the squares covering each pixel.
- rise: a clean pass, then --masks masks (--grid 7, keep 0.5, fill 0; drawn as in the paper's
  code: cells kept with probability 0.5, bilinear to (s + 1) c, a random crop) made batch by batch.
- scorecam: Score-CAM at the last stage: one pass for the maps and logits, one for the all-zero
  baseline, then the K masked inputs (512 on ResNet-18, 1280 on MobileNetV2), softmax at class 7.
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


class BasicBlock(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width)
        self.downsample = None
        if stride != 1 or cin != width:
            self.downsample = nn.Sequential(nn.Conv2d(cin, width, 1, stride, bias=False), nn.BatchNorm2d(width))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        stages, cin = [], 64
        for width, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            stages.append(nn.Sequential(BasicBlock(cin, width, stride), BasicBlock(width, width, 1)))
            cin = width
        self.body = nn.Sequential(self.stem, *stages)  # ends at layer4, Grad-CAM's and Score-CAM's layer
        self.fc = nn.Linear(512, 1000)

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


def backward(model, x, target=7):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(model.head(model.body(x))[0, target], x)
    return g


def input_gradients(model, xs, target=7):
    xs = xs.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(model.head(model.body(xs))[:, target].sum(), xs)
    return g


def ig(model, x, steps=32, batch=8, target=7):
    alphas = (torch.arange(steps, dtype=x.dtype) + 0.5) / steps
    total = torch.zeros_like(x)
    for start in range(0, steps, batch):
        a = alphas[start:start + batch].view(-1, 1, 1, 1)
        total += input_gradients(model, a * x, target).sum(0, keepdim=True)
    return x * total / steps


def smoothgrad(model, x, samples=25, batch=8, noise=0.15, target=7):
    sigma = noise * (x.max() - x.min())
    total = torch.zeros_like(x)
    for start in range(0, samples, batch):
        b = min(batch, samples - start)
        total += input_gradients(model, x + sigma * torch.randn(b, *x.shape[1:]), target).sum(0, keepdim=True)
    return total / samples


def occlusion(model, x, patch=32, stride=16, batch=8, fill=0.0, target=7):
    _, _, H, W = x.shape
    rows, cols = (H - patch) // stride + 1, (W - patch) // stride + 1
    with torch.no_grad():
        clean = forward(model, x)[0, target]
        drops = torch.empty(rows * cols)
        for start in range(0, rows * cols, batch):
            cells = range(start, min(start + batch, rows * cols))
            copies = x.repeat(len(cells), 1, 1, 1)
            for r, k in enumerate(cells):
                top, left = k // cols * stride, k % cols * stride
                copies[r, :, top:top + patch, left:left + patch] = fill
            drops[start:start + len(cells)] = clean - forward(model, copies)[:, target]
        total, count = torch.zeros(H, W), torch.zeros(H, W)
        for k in range(rows * cols):
            top, left = k // cols * stride, k % cols * stride
            total[top:top + patch, left:left + patch] += drops[k]
            count[top:top + patch, left:left + patch] += 1
        return torch.where(count > 0, total / count.clamp(min=1), total)


def rise(model, x, masks=4000, grid=7, keep=0.5, batch=8, fill=0.0, target=7):
    _, _, H, W = x.shape
    ch, cw = -(-H // grid), -(-W // grid)
    with torch.no_grad():
        forward(model, x)  # the clean pass, whose scores xai4j reports beside the map
        saliency = torch.zeros(H, W)
        for start in range(0, masks, batch):
            b = min(batch, masks - start)
            cells = (torch.rand(b, 1, grid, grid) < keep).float()
            up = F.interpolate(cells, size=((grid + 1) * ch, (grid + 1) * cw), mode="bilinear", align_corners=False)
            dy, dx = torch.randint(ch, (b,)), torch.randint(cw, (b,))
            m = torch.stack([up[i, :, dy[i]:dy[i] + H, dx[i]:dx[i] + W] for i in range(b)])
            scores = forward(model, m * x + (1 - m) * fill)[:, target]
            saliency += (scores.view(b, 1, 1) * m[:, 0]).sum(0)
        return saliency / (masks * keep)


def scorecam(model, x, batch=8, target=7):
    with torch.no_grad():
        a = model.body(x)
        model.head(a)  # the clean logits, whose scores xai4j reports beside the map
        k = a.shape[1]
        up = F.interpolate(a, size=x.shape[2:], mode="bilinear", align_corners=False)[0]
        lo = up.amin((1, 2), keepdim=True)
        hi = up.amax((1, 2), keepdim=True)
        masks = torch.where(hi > lo, (up - lo) / (hi - lo).clamp(min=1e-30), torch.zeros_like(up))
        baseline = F.softmax(forward(model, torch.zeros_like(x)), 1)[0, target]
        alpha = torch.empty(k)
        for start in range(0, k, batch):
            m = masks[start:start + batch].unsqueeze(1)
            alpha[start:start + m.shape[0]] = F.softmax(forward(model, m * x), 1)[:, target] - baseline
        cam = F.relu((alpha.view(1, k, 1, 1) * a).sum(1, keepdim=True))
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
    parser.add_argument("--cases", default="forward,gradcam")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--slow-runs", type=int, default=5, help="timed runs of the perturbation cases")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8, help="copies a forward pass in the perturbation cases")
    parser.add_argument("--patch", type=int, default=32)
    parser.add_argument("--stride", type=int, default=16)
    parser.add_argument("--masks", type=int, default=4000)
    parser.add_argument("--grid", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    builders = {"resnet50": ResNet50, "resnet18": ResNet18, "mobilenet_v2": MobileNetV2}
    cases = {
        "forward": (lambda model, x: forward(model, x), False),
        "forward8": (lambda model, x: forward(model, x.expand(8, -1, -1, -1).contiguous()), False),
        "backward": (lambda model, x: backward(model, x), False),
        "gradcam": (lambda model, x: gradcam(model, x), False),
        "ig": (lambda model, x: ig(model, x), True),
        "smoothgrad": (lambda model, x: smoothgrad(model, x), True),
        "occlusion": (lambda model, x: occlusion(model, x, args.patch, args.stride, args.batch), True),
        "rise": (lambda model, x: rise(model, x, args.masks, args.grid, 0.5, args.batch), True),
        "scorecam": (lambda model, x: scorecam(model, x, args.batch), True),
    }
    for case in args.cases.split(","):
        if case not in cases:
            parser.error(f"unknown case '{case}'; known: {', '.join(cases)}")
    for name in args.models.split(","):
        if name not in builders:
            parser.error(f"unknown model '{name}'; known: {', '.join(builders)}")
        model = builders[name]().eval()
        for p in model.parameters():
            p.requires_grad_(False)
        x = torch.randn(1, 3, 224, 224)
        for case in args.cases.split(","):
            fn, slow = cases[case]
            median, low = measure(lambda: fn(model, x), args.slow_runs if slow else args.runs, 1 if slow else 10)
            label = case
            if case == "occlusion":
                label += f" patch {args.patch} stride {args.stride} b{args.batch}"
            elif case == "rise":
                label += f" {args.masks} masks grid {args.grid} b{args.batch}"
            elif case == "scorecam":
                label += f" b{args.batch}"
            print(f"{name} {label}: {median:.1f} ({low:.1f}) ms  [torch {torch.__version__}, {args.threads} threads]", flush=True)


if __name__ == "__main__":
    main()
