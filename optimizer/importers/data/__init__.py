"""Public ad data shipped for demos: unchanged copies of the Kaggle files (see ``/work/shared/data``)."""
