"""The viewer tests' log dir (see view_helpers)."""

from pathlib import Path

import pytest

from support.view_helpers import ViewDir, make_view_dir


@pytest.fixture
def view_dir(fixture_root: Path, tmp_path: Path) -> ViewDir:
    return make_view_dir(fixture_root, tmp_path)
