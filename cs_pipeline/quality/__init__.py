"""Validation, without Dagster: suites as data (``suites/<raw table>.yaml``), Great Expectations 1.x on pandas
batches for row rules, portable SQL for references and cross-table rules, quarantine writing and the report.

- ``rules``: the rule catalogue (ids, severities, descriptions);
- ``suite_spec``: the YAML suites; ``code_lists``: code lists by collection year (``reference/code_lists``);
- ``gx_expectations`` / ``gx_suite``: custom GX expectations and the suite builder/runner (GX imported lazily);
- ``sql_rules``: foreign keys, birth dates, overlaps, CIN/CP consistency, health records the council holds;
- ``engine``: ``validate_table`` / ``validate_all``; ``report``: the HTML + XLSX report.
"""
