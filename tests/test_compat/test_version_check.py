import pytest
from packaging.version import Version

from mmdd.compat.version_check import (SUPPORTED_RANGES, check_mm_versions,
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
    from mmdd.compat.prepare import prepare_openmmlab
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


def test_an_alternative_distribution_serves(monkeypatch):
    """mmcv-lite counts as mmcv; the message names the one installed."""
    from mmdd.compat import version_check
    monkeypatch.setitem(version_check.ALTERNATIVES, 'surely-not-installed',
                        ('mmengine', ))
    found = installed_version('mmengine')
    assert installed_version('surely-not-installed') == found
    with pytest.raises(AssertionError) as err:
        check_mm_versions({'surely-not-installed': ('99.0', '100.0')})
    assert f'mmengine=={found} is installed' in str(err.value)


def test_mmseg_without_any_mmcv_is_named(monkeypatch):
    from mmdd.compat import version_check
    real = version_check.installed_version

    def without_mmcv(dist):
        return None if dist == 'mmcv' else real(dist)

    monkeypatch.setattr(version_check, 'installed_version', without_mmcv)
    with pytest.raises(AssertionError, match='mmcv-lite==2.1.0'):
        version_check.check_mm_versions()
