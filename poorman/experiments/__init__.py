"""The experiment side: GLUE tasks and data, metrics, fine-tuning runs, sweeps.

    from poorman.experiments.data import load_glue, load_custom, tokenize
    from poorman.experiments.data.tasks import get_task
    from poorman.experiments.data.metrics import compute_metrics, trainer_metrics
"""
