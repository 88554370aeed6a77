"""The experiment side: GLUE tasks and your own data, fine-tuning runs, sweeps, the run store.

    data/     tasks, rows (GLUE from the Hub or TSVs, your own files), tokenising, metrics
    run/      one run: RunSpec -> train_and_evaluate -> RunRecord
    sweep/    a profile's grid, planned, each model trained once, every record written
    store/    the run store: records, caches, locks, migrations, results() as a DataFrame

    from poorman.experiments.data import load_glue, tokenize
    from poorman.experiments.data.tasks import get_task
    from poorman.experiments.data.metrics import compute_metrics, trainer_metrics
"""
