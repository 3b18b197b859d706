"""Run every benchmark script in turn (make bench)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["city.py", "compliance.py", "scan.py", "dashboard.py", "import_roster.py", "recordbook.py", "campaigns.py"]

failed = []
for script in SCRIPTS:
    if not (HERE / script).exists():
        continue
    print(f"== {script}", flush=True)
    if subprocess.run([sys.executable, script], cwd=HERE).returncode != 0:
        failed.append(script)
sys.exit(f"failed: {', '.join(failed)}" if failed else 0)
