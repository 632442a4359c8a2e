"""Datasets: samples in memory, or read from CSV and JSON files."""

from ._sample import Dataset, MemoryDataset, Sample
from ._sources import FieldSpec, RecordToSample, csv_dataset, json_dataset

__all__ = ["Dataset", "FieldSpec", "MemoryDataset", "RecordToSample", "Sample", "csv_dataset", "json_dataset"]
