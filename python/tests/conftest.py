"""Shared helpers: the repository's paths and its stored R reference values."""

import csv
import os
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "python"))


def data(name):
    return os.path.join(REPO, "datasets", name)


def read_ref(name):
    """datasets/generated/NAME as {(model, vcov, what, term): value}."""
    out = {}
    with open(data(os.path.join("generated", name))) as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows)
        for model, vcov, what, term, value in rows:
            out[(model, vcov, what, term)] = float(value) if value != "NA" else float("nan")
    return out


def close(got, want, rel=1e-10):
    """Relative agreement to rel (absolute near zero), the C tests' criterion."""
    return abs(got - want) <= rel * max(abs(want), 1e-300) or abs(got - want) <= 1e-300


@pytest.fixture(scope="session")
def grunfeld():
    import pandas as pd
    return pd.read_csv(data("grunfeld.csv"))


@pytest.fixture(scope="session")
def psid():
    import pandas as pd
    return pd.read_csv(data("psid7682.csv"))
