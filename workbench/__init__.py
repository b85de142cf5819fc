"""Anywhere Learning Workbench: plan anytime, anywhere learning with a learner and their family."""

from pathlib import Path

__version__ = "0.1.0"

#: The built-in sample data directory (a realistic catalogue with six learner personas).
SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"
