"""One run: RunSpec in, RunRecord out.

    spec.py        the run types (RunSpec, RunRecord), run ids and training keys
    planning.py    a profile's RunSpec, and the layers it drops (chosen once, when planned)
    finetune.py    train_and_evaluate: load, drop, fine-tune, evaluate, measure; no store
    training.py    HF Trainer: arguments, train and evaluate stages
    similarity.py  how much fine-tuning moved each layer (CKA, cosine)
"""
