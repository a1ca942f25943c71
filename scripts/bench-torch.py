# PyTorch side of `pnpm bench`'s digital-MLP row: trains the 784-256-128-10 sigmoid MLP that
# examples/mlp-mnist-txsim.yaml describes (batch 64, plain SGD, mean softmax cross-entropy) for one pass
# over the images bench.mjs hands over, so txsim and PyTorch are timed side by side in one run.
#   python3 scripts/bench-torch.py INPUTS LABELS COUNT
# INPUTS: COUNT x 784 float32 values (raw, little-endian); LABELS: COUNT uint8 values.
# Then it reads commands on stdin, one per line: "THREADS LEARNING_RATE BATCH" trains one pass with
# THREADS threads and answers one line, "WALL CPU": the seconds it took by the wall clock and in CPU time
# of the process (all threads); an empty line or end of input stops it. The first line it prints is "ready VERSION BLAS".
import ctypes
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def main() -> None:
    inputs_path, labels_path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    x_all = torch.from_numpy(np.fromfile(inputs_path, dtype=np.float32).reshape(count, 784))
    y_all = torch.from_numpy(np.fromfile(labels_path, dtype=np.uint8).astype(np.int64))
    torch.manual_seed(1)
    torch.ones(2, 2) @ torch.ones(2, 2)  # loads the BLAS library, to name it
    print(f"ready {torch.__version__} {blas_library()}", flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        threads, lr, batch = line.split()
        set_threads(int(threads))
        wall, cpu = one_pass(x_all, y_all, float(lr), int(batch))
        print(f"{wall:.6f} {cpu:.6f}", flush=True)


def set_threads(n: int) -> None:
    """torch.set_num_threads covers PyTorch's own (OpenMP) threads; a Debian torch calling OpenBLAS through
    libblas.so.3 does not tell OpenBLAS, whose pool would otherwise use every core, so tell it here."""
    torch.set_num_threads(n)
    for lib in ("libopenblas.so.0", "libblas.so.3"):
        try:
            ctypes.CDLL(lib).openblas_set_num_threads(n)
            return
        except (OSError, AttributeError):
            continue


def blas_library() -> str:
    """The BLAS this process loaded: Debian's torch calls whatever libblas.so.3 the alternatives system
    (or LD_LIBRARY_PATH) selects, and the reference libblas3 is ~20x slower than OpenBLAS."""
    with open("/proc/self/maps") as maps:
        names = {line.split()[-1].rsplit("/", 1)[-1] for line in maps if "blas" in line.lower()}
    for prefix in ("libopenblas", "libmkl", "libblis"):
        for name in sorted(names):
            if name.startswith(prefix):
                return name
    return "reference-libblas" if any(n.startswith("libblas") for n in names) else "unknown"


def one_pass(x_all: torch.Tensor, y_all: torch.Tensor, lr: float, batch: int) -> tuple[float, float]:
    # A fresh model per pass, as txsim builds a fresh network per timed run. The Glorot-uniform
    # initialisation matches txsim's (the values do not change the work, only the loss).
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.Sigmoid(),
        torch.nn.Linear(256, 128), torch.nn.Sigmoid(),
        torch.nn.Linear(128, 10),
    )
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    n = x_all.shape[0]
    t0 = time.perf_counter()
    c0 = time.process_time()
    # What txsim's trainer does per pass: a seeded shuffle, then per batch gather, forward, loss and
    # correct count, backward, SGD step; the epoch's mean loss and accuracy at the end.
    order = torch.randperm(n)
    loss_sum = torch.zeros(())
    correct = torch.zeros((), dtype=torch.int64)
    for start in range(0, n, batch):
        idx = order[start:start + batch]
        x, y = x_all[idx], y_all[idx]
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            loss_sum += loss.detach() * y.shape[0]
            correct += (logits.argmax(1) == y).sum()
    _ = (loss_sum.item() / n, correct.item() / n)
    return time.perf_counter() - t0, time.process_time() - c0


if __name__ == "__main__":
    main()
