#!/bin/bash
# All GPUs of one machine on one sweep: one shard per GPU, each process seeing only its own GPU.
#
#   POORMAN_RESULTS=/data/poorman-results bash scripts/multi_gpu_sweep.sh [profile]
#
# Why not `accelerate launch`: it runs one training data-parallel over the GPUs. These trainings
# are small (BERT-base, a few thousand examples, batch 8); splitting batch 8 over GPUs adds
# gradient all-reduces to every step, and growing the batch to 8 per GPU changes the paper's
# recipe, and with it every number. Independent runs, one per GPU, scale with the number of GPUs,
# need no communication and keep the recipe and run ids as they are.
set -euo pipefail
PROFILE=${1:-colab}
n=$(nvidia-smi -L | wc -l)
mkdir -p logs
for i in $(seq 0 $((n - 1))); do
  CUDA_VISIBLE_DEVICES=$i poorman sweep --profile "$PROFILE" --shard "$i/$n" > "logs/shard-$i-of-$n.log" 2>&1 &
done
wait
echo "all $n shards finished; poorman results --profile $PROFILE"
