"""Fixtures shared by the CLI tests."""
import pytest
from clitools import write_user_csv

@pytest.fixture(scope='module')
def user_csv(tmp_path_factory):
    "The small user dataset of `clitools.user_frame`, as a CSV."
    return write_user_csv(tmp_path_factory.mktemp('data'))
