import pytest
from packaging.version import Version

from mmdd.utils.version_check import (SUPPORTED_RANGES, check_mm_versions,
                                      installed_version)


def test_installed_stack_is_accepted():
    # ``import mmdd`` no longer runs the check, so this test is what runs
    # it; every package must really be installed (the check skips absent
    # ones) and in range.
    for dist, (low, high) in SUPPORTED_RANGES.items():
        found = installed_version(dist)
        assert found is not None, f'{dist} is not installed'
        assert Version(low) <= Version(found) < Version(high), dist
    check_mm_versions()


def test_registration_runs_the_check(monkeypatch):
    from mmdd.utils.register import prepare_openmmlab
    monkeypatch.setitem(SUPPORTED_RANGES, 'mmengine', ('99.0', '100.0'))
    with pytest.raises(AssertionError, match='pip install "mmengine>=99.0'):
        prepare_openmmlab()


def test_out_of_range_names_package_and_fix():
    found = installed_version('mmengine')
    with pytest.raises(AssertionError) as err:
        check_mm_versions({'mmengine': ('99.0', '100.0')})
    message = str(err.value)
    assert f'mmengine=={found} is installed' in message
    assert 'pip install "mmengine>=99.0,<100.0"' in message


def test_missing_packages_are_skipped():
    check_mm_versions({'surely-not-installed-pkg': ('1.0', '2.0')})
