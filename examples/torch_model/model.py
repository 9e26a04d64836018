"""A user's own PyTorch model: a tiny residual CNN for 32x32 RGB images (CIFAR-sized).

Export and inspect it (needs ``pip install "carbonloop[torch]"``):

    carbonloop import-torch examples/torch_model/model.py:TinyResNet --input-shape 1,3,32,32 -o tiny.onnx
    carbonloop workload show tiny.onnx
"""

from __future__ import annotations

import torch
from torch import nn


class TinyResNet(nn.Module):
    """Stem conv (3->16), one residual block of two 3x3 convs, global average pool, 10-way classifier."""

    def __init__(self, width: int = 16, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()
        )
        self.conv1 = nn.Sequential(
            nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()
        )
        self.conv2 = nn.Sequential(nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        x = torch.relu(x + self.conv2(self.conv1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))
