import os

import numpy as np
import torch
from PIL import Image

_FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _read_raw(path):
    # torchvision.datasets.mnist.read_sn3_pascalvincent_tensor, for the two ubyte kinds.
    with open(path, "rb") as fh:
        data = fh.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return torch.from_numpy(np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
                            .reshape(dims).copy())


class MNIST(torch.utils.data.Dataset):
    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        folder = os.environ["GENAI_BENCH_MNIST"]
        images, labels = _FILES[bool(train)]
        self.data = _read_raw(os.path.join(folder, images))
        self.targets = _read_raw(os.path.join(folder, labels)).long()
        self.transform, self.target_transform = transform, target_transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        img = Image.fromarray(img.numpy(), mode="L")
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target
