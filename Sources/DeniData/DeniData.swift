// Datasets, loaders, the experiment protocol, metrics and statistics.
