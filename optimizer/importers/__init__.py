"""CSV import: data that did not come from the Graph API, loaded into the same store tables.

``import_csv(store, paths)`` recognises each file by its header; ``import_kaggle_conversion`` and
``import_ab_campaigns`` load one kind explicitly. Every complaint names the file, row and column, and a
failed import writes nothing.
"""

from optimizer.importers.ab_campaigns import MissingMetricsWarning, import_ab_campaigns
from optimizer.importers.csv_files import BUNDLED, bundled, detect, import_csv
from optimizer.importers.kaggle_conversion import import_kaggle_conversion
from optimizer.importers.report import ImportReport

__all__ = [
    "BUNDLED",
    "ImportReport",
    "MissingMetricsWarning",
    "bundled",
    "detect",
    "import_ab_campaigns",
    "import_csv",
    "import_kaggle_conversion",
]
