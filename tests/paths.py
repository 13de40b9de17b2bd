"""Paths every test may need, wherever its file sits under ``tests/``."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
DATA = TESTS / "data"
SAMPLE_DATA = ROOT / "sample_data"
