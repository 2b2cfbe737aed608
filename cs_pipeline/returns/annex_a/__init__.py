"""Ofsted's Annex A: the lists an inspection asks for on its first day (``returns.annex_a_list_<n>``, dbt) and the
workbook written from them."""
