"""The eval engine: runs tasks' samples against models and writes their logs."""
