"""Load an lwm checkpoint (task-<t>.safetensors) into a PyTorch model.

    python3 docs/pytorch/lwm_checkpoint.py runs/<run>/task-5.safetensors

The modules below mirror lwm's networks and PyTorch's naming (torchvision's resnet18 for
`resnet18`), so `load_state_dict(..., strict=True)` accepts every tensor of the file.
Needs: torch, safetensors.
"""

import json
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class ResNet(nn.Module):
    """`resnet{6n+2}` (CIFAR stem, three stages) or `resnet18` (ImageNet stem, four stages)."""

    def __init__(self, arch, width, in_channels, num_classes):
        super().__init__()
        if arch == "resnet18":
            self.conv1 = nn.Conv2d(in_channels, width, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            multipliers, blocks = [1, 2, 4, 8], 2
        else:
            depth = int(arch[len("resnet"):])
            self.conv1 = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
            self.maxpool = nn.Identity()
            multipliers, blocks = [1, 2, 4], (depth - 2) // 6
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        channels = width
        for stage, multiplier in enumerate(multipliers):
            layers = []
            for index in range(blocks):
                stride = 1 if stage == 0 or index > 0 else 2
                layers.append(BasicBlock(channels, width * multiplier, stride))
                channels = width * multiplier
            setattr(self, f"layer{stage + 1}", nn.Sequential(*layers))
        self.stages = len(multipliers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for stage in range(self.stages):
            x = getattr(self, f"layer{stage + 1}")(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def load_checkpoint(path):
    """Returns (model in eval mode, metadata) for an lwm checkpoint."""
    with safe_open(path, framework="pt") as file:
        metadata = file.metadata()
    if metadata.get("format") != "lwm-checkpoint/1":
        raise ValueError(f"{path}: not an lwm checkpoint (format {metadata.get('format')!r})")
    model = ResNet(
        metadata["arch"],
        int(metadata["width"]),
        int(metadata["in_channels"]),
        int(metadata["num_classes"]),
    )
    model.load_state_dict(load_file(path), strict=True)
    return model.eval(), metadata


if __name__ == "__main__":
    model, metadata = load_checkpoint(sys.argv[1])
    height, width = json.loads(metadata["input_size"])
    mean = torch.tensor(json.loads(metadata["mean"])).view(1, -1, 1, 1)
    std = torch.tensor(json.loads(metadata["std"])).view(1, -1, 1, 1)
    images = torch.rand(2, int(metadata["in_channels"]), height, width)  # pixels in 0…1
    logits = model((images - mean) / std)
    print(f"{metadata['arch']} after task {metadata['task']}: {metadata['num_classes']} classes,"
          f" logits {tuple(logits.shape)}")
    print("class order (dataset ids by output column):", json.loads(metadata["class_order"]))
