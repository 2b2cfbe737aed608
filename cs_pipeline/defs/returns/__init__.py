"""Returns stage: the statutory returns built by dbt (``returns/ssda903_*``, ``returns/cin_*``,
``returns/annex_a_list_<n>``), DfE's upload files, the CIN census message, Ofsted's Annex A workbook, DfE's rules
(``returns/dfe_rule_results``) and one WARN asset check per rule on the return tables."""
import dagster as dg

from cs_pipeline.defs.returns.annex_a import annex_a_workbook
from cs_pipeline.defs.returns.cin import cin_census_file
from cs_pipeline.defs.returns.rules import cin_rule_checks, dfe_rule_results, ssda903_rule_checks
from cs_pipeline.defs.returns.ssda903 import rebuild_ssda903_year, ssda903_files

defs = dg.Definitions(
    assets=[ssda903_files, cin_census_file, annex_a_workbook, dfe_rule_results],
    asset_checks=[ssda903_rule_checks, cin_rule_checks],
    jobs=[rebuild_ssda903_year],
)
