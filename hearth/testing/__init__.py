"""Helpers that tests of every layer share, shipped in the package so later layers reuse them."""
