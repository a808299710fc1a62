"""AICA: project profiles, scorecards and the command line."""
import os

# numpy's OpenBLAS starts a thread per core and spins them around every small matrix product; the
# offline analysis does ~20 of them per call (sentences x examples), and on shared cores the spinning
# cost ten times the products (bench/rescore_throughput.py). Only read before numpy loads, hence here,
# the package every entry point imports first. The results do not depend on it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
