"""GridSearchCV over HiMAE layers: cost of the search with a pretraining cache vs one fit per fold.

    python benchmarks/gridsearch_memory.py [--max-epochs 100]

Prints a markdown table: wall time of cross_validate (one layer, one fit per fold),
GridSearchCV over the 5 layers of HiMAE-Base with `memory` set, and the same search
without `memory` (every candidate pretrains again). The measurement is
``_gridsearch.layer_search_report``, which ``speed.py`` also runs.
"""

from __future__ import annotations

import argparse

from _gridsearch import layer_search_report  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-epochs", type=int, default=100)
    args = parser.parse_args(argv)
    print(layer_search_report(args.max_epochs))


if __name__ == "__main__":
    main()
