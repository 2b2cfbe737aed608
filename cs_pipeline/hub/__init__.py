"""A regional hub: the pipeline run for several councils, each with its own sources, warehouse, output folder and
Dagster instance, and their degraded copies combined into one regional set (docs/regional.md).

- :mod:`cs_pipeline.hub.councils`: the councils file (no secrets in it: ``${NAME}`` references to the environment).
- :mod:`cs_pipeline.hub.run`: one council's pipeline in a process of its own, with its own environment.
- :mod:`cs_pipeline.hub.definitions`: the hub's code location (a partition per council, and the regional set).
- :mod:`cs_pipeline.hub.synthetic`: several synthetic councils and their councils file, for the demo and benchmark.
- ``python -m cs_pipeline.hub``: the command line (synthetic, run, ui, demo).
The combination itself is :mod:`cs_pipeline.publish.regional_set`.
"""
