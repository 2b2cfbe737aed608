"""Returns stage: the statutory returns built by dbt (``returns/ssda903_*``, ``returns/cin_*``), DfE's upload files
and CIN census message, DfE's rules (``returns/dfe_rule_results``) and one WARN asset check per rule on the return
tables."""
import dagster as dg

from cs_pipeline.defs.returns.cin import cin_census_file
from cs_pipeline.defs.returns.ssda903 import dfe_rule_results, rebuild_ssda903_year, ssda903_files, ssda903_rule_checks

defs = dg.Definitions(
    assets=[ssda903_files, cin_census_file, dfe_rule_results],
    asset_checks=[ssda903_rule_checks],
    jobs=[rebuild_ssda903_year],
)
