"""The benchmark loaders: one module per published format (GSM8K, MATH, miniF2F, ProofNet, Lean statements).

``registry.load_dataset(name, path)`` picks the loader; every loader returns a
:class:`~mathagent.datasets.problem.LoadResult` and reads files through ``reading``.
"""
