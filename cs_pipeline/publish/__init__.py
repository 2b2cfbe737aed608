"""Publish stage: what leaves the warehouse for readers outside the data team."""
