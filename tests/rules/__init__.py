"""Tests of the rule language, its loader and the reference files made from it."""
