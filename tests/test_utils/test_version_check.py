import pytest

from mmdd.utils.version_check import check_mm_versions, installed_version


def test_installed_stack_is_accepted():
    check_mm_versions()


def test_out_of_range_names_package_and_fix():
    found = installed_version('mmengine')
    with pytest.raises(AssertionError) as err:
        check_mm_versions({'mmengine': ('99.0', '100.0')})
    message = str(err.value)
    assert f'mmengine=={found} is installed' in message
    assert 'pip install "mmengine>=99.0,<100.0"' in message


def test_missing_packages_are_skipped():
    check_mm_versions({'surely-not-installed-pkg': ('1.0', '2.0')})
