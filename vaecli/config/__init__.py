"""The typed configs: a dataclass schema per group (train, eval, report, bench, dataset, network), and their Hydra store."""
