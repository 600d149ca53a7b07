import numpy as np
import pytest
from sktime.datasets import load_basic_motions


@pytest.fixture(scope="session")
def basic_motions():
    """BasicMotions (ships with sktime): 40 train / 40 test series, 6 channels, length 100."""
    X_train, y_train = load_basic_motions(split="train", return_type="numpy3D")
    X_test, y_test = load_basic_motions(split="test", return_type="numpy3D")
    return X_train.astype(np.float32), y_train, X_test.astype(np.float32), y_test
