"""The installed environment: what one package's import does to another's."""
import subprocess
import sys


def test_great_expectations_imports_where_main_has_no_file():
    # GX imports pyspark.sql.connect when pyspark is installed; without pyspark's [connect] extras that calls
    # sys.exit(0) in a process whose __main__ has no file (python -c, pytest-xdist workers), silently
    result = subprocess.run([sys.executable, "-c", "import great_expectations; print('imported')"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "imported", result.stderr[-2000:]
