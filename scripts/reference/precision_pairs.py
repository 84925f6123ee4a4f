"""Pairs bf16 runs with fp32 runs of the same seeds (issue #22's accuracy check; a development aid, stdlib only).

Usage: python3 scripts/reference/precision_pairs.py FP32_SESSION BF16_SESSION [BF16_SESSION ...]

Reads each session's events.jsonl: finished runs' macro-F1 by (strategy, run index), and the training loss of every
recorded step. For each strategy with pairs: the mean paired difference bf16 − fp32 with a paired-t 95 % interval, the
ratio of standard deviations (bf16 / fp32, sample std over the paired runs) with a 95 % percentile bootstrap interval
over pairs (10,000 resamples, seed 1), and the loss band: the largest difference of per-epoch mean training loss
between the two runs of a pair (over the steps both recorded), over every epoch and pair.
"""
import json
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 19: 2.093, 29: 2.045}


def read(folder):
    f1, losses = {}, defaultdict(lambda: defaultdict(list))
    for line in (Path(folder) / "events.jsonl").read_text().splitlines():
        e = json.loads(line)
        if e["kind"] == "run_end" and e.get("status") == "finished":
            f1[(e["strategy"], e["run"])] = e["metrics"]["macroF1"]
        elif e["kind"] == "step":
            losses[(e["strategy"], e["run"])][e["epoch"]].append((e["step"], e["loss"]))
    return f1, losses


def main():
    fp32_f1, fp32_loss = read(sys.argv[1])
    bf16_f1, bf16_loss = {}, {}
    for folder in sys.argv[2:]:
        f, l = read(folder)
        bf16_f1.update(f)
        bf16_loss.update(l)
    for strategy in sorted({s for s, _ in bf16_f1}):
        runs = sorted(r for s, r in bf16_f1 if s == strategy and (s, r) in fp32_f1)
        if not runs:
            continue
        a = [fp32_f1[(strategy, r)] for r in runs]
        b = [bf16_f1[(strategy, r)] for r in runs]
        d = [y - x for x, y in zip(a, b)]
        n = len(d)
        mean = statistics.fmean(d)
        line = f"{strategy}: {n} pairs (runs {runs[0]}-{runs[-1]}); fp32 {statistics.fmean(a):.2f}, bf16 {statistics.fmean(b):.2f}; bf16 − fp32 {mean:+.2f}"
        if n >= 2:
            half = T975.get(n - 1, 1.96) * statistics.stdev(d) / n ** 0.5
            rng = random.Random(1)
            ratios = []
            for _ in range(10_000):
                idx = [rng.randrange(n) for _ in range(n)]
                sa, sb = statistics.stdev([a[i] for i in idx]), statistics.stdev([b[i] for i in idx])
                if sa > 0:
                    ratios.append(sb / sa)
            ratios.sort()
            ratio = statistics.stdev(b) / statistics.stdev(a)
            line += (f" [{mean - half:+.2f}, {mean + half:+.2f}]; std fp32 {statistics.stdev(a):.2f}, bf16 {statistics.stdev(b):.2f},"
                     f" ratio {ratio:.2f} [{ratios[int(0.025 * len(ratios))]:.2f}, {ratios[int(0.975 * len(ratios)) - 1]:.2f}]")
        band = 0.0
        for r in runs:
            x, y = fp32_loss.get((strategy, r), {}), bf16_loss.get((strategy, r), {})
            for epoch in set(x) & set(y):
                # Only the steps both sessions recorded (a compacted session keeps every 10th step).
                ys = dict(y[epoch])
                common = [(loss, ys[step]) for step, loss in x[epoch] if step in ys]
                if common:
                    band = max(band, abs(statistics.fmean(p for p, _ in common) - statistics.fmean(q for _, q in common)))
        line += f"; loss band (per-epoch mean training loss) {band:.4f}"
        print(line)


if __name__ == "__main__":
    main()
