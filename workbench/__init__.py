"""Anywhere Learning Workbench: plan anytime, anywhere learning with a learner and their family."""

from importlib.resources import files
from pathlib import Path

__version__ = "0.1.0"

#: Package data: the sample district, example mappings and example input files. Read through
#: importlib.resources so a wheel install has them too (the package is installed unzipped).
DATA = Path(str(files(__name__) / "data"))

#: The built-in sample data directory (a realistic catalogue with six learner personas).
SAMPLE_DATA = DATA / "sample"

#: Example files the README's commands name: a catalogue mapping, a family calendar, a
#: credential and a programme catalogue.
EXAMPLES = DATA / "examples"
