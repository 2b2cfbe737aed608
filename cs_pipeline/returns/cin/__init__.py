"""The CIN census: the XML message DfE receives, from the ``returns.cin_*`` tables."""
