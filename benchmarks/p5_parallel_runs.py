"""P5: do two 1-thread fine-tuning runs at once beat one 2-thread run at a time on this machine?

`poorman sweep --jobs 2` (the cpu profile's setting) trains two runs at once, each with
cores/2 threads. This measures the same work both ways, side by side, in one invocation:

    one_at_a_time  one process with all cores' threads does 2 x STEPS Trainer steps
    two_at_once    two processes with cores/2 threads each do STEPS steps concurrently

Each step is a real HF Trainer step of the cpu profile's recipe (MPNet-base, batch 16, max length
64, bf16 autocast, AdamW) on real GLUE training text. The modes alternate for --rounds rounds;
`speedup` is wall(one_at_a_time) / wall(two_at_once).

    HF_HUB_OFFLINE=1 python benchmarks/p5_parallel_runs.py [--task mrpc --steps 30 --rounds 2]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODEL = "sentence-transformers/all-mpnet-base-v2"


def worker(args):
    import torch
    torch.set_num_threads(args.threads)
    from transformers import DataCollatorWithPadding, Trainer, logging

    from poorman.experiments.data import load_glue, tokenize
    from poorman.experiments.models import load_for_classification
    from poorman.experiments.profiles import load_profile
    from poorman.experiments.data.tasks import get_task
    from poorman.experiments.run.training import training_arguments

    logging.set_verbosity_error()
    profile, task = load_profile("cpu"), get_task(args.task)
    train_cfg = profile.train
    model, tokenizer = load_for_classification(MODEL, task.num_labels)
    data = load_glue(task.name, "train", glue_dir=profile.resolved_glue_dir(), max_examples=1000, seed=0)
    data = tokenize(data, tokenizer, task, train_cfg["max_length"])
    with tempfile.TemporaryDirectory() as tmp:
        targs = training_arguments(train_cfg, tmp, seed=42, max_steps=args.steps, use_cpu=True)
        trainer = Trainer(model=model, args=targs, train_dataset=data, data_collator=DataCollatorWithPadding(tokenizer))
        t0 = time.perf_counter()
        trainer.train()
        print(json.dumps({"threads": args.threads, "steps": args.steps, "seconds": time.perf_counter() - t0}))


def launch(threads, steps, task):
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.Popen([sys.executable, __file__, "--worker", "--threads", str(threads), "--steps", str(steps),
                             "--task", task], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def timed(procs):
    """Wall time from launch to the last finish, and each worker's own training seconds."""
    t0 = time.perf_counter()
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    return time.perf_counter() - t0, [o["seconds"] for o in outs]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", default="mrpc")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "p5_parallel_runs.json"))
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    cores = os.cpu_count() or 2
    rows = []
    for r in range(args.rounds):
        # process start-up (imports, loading the model) is inside the wall time in both modes
        one_wall, one_train = timed([launch(cores, 2 * args.steps, args.task)])
        two_wall, two_train = timed([launch(cores // 2, args.steps, args.task) for _ in range(2)])
        rows.append({"round": r, "one_at_a_time_wall_s": one_wall, "one_at_a_time_train_s": one_train,
                     "two_at_once_wall_s": two_wall, "two_at_once_train_s": two_train,
                     "speedup_wall": one_wall / two_wall, "speedup_train": one_train[0] / max(two_train)})
        print(json.dumps(rows[-1]), flush=True)
    from poorman.experiments.run.finetune import environment
    result = {"model": MODEL, "task": args.task, "steps_per_run": args.steps, "cores": cores, "rounds": rows,
              "env": environment()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
