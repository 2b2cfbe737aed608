"""Pure helpers with no Dagster in them: warehouse IO, working days, identifiers."""
