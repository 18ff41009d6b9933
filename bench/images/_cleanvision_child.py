"""Run CleanVision on a folder (inside bench/.envs/cleanvision); write its issues as CSV.

Usage: python _cleanvision_child.py FOLDER OUT_CSV
Prints the seconds `find_issues` took.
"""

import sys
import time

from cleanvision import Imagelab

folder, out = sys.argv[1], sys.argv[2]
start = time.perf_counter()
lab = Imagelab(data_path=folder)
lab.find_issues()
seconds = time.perf_counter() - start
lab.issues.to_csv(out)
print(f"SECONDS {seconds:.3f}")
