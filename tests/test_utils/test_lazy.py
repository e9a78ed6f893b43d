import subprocess
import sys

import pytest

import mmdd.diffusion


@pytest.mark.slow
def test_names_load_their_module_on_first_use():
    code = ('import sys, mmdd.diffusion as d\n'
            "assert 'mmdd.diffusion.labelling.labels' not in sys.modules\n"
            'f = d.label_from_attention\n'
            "assert 'mmdd.diffusion.labelling.labels' in sys.modules\n"
            "assert 'mmdd.diffusion.generator' not in sys.modules\n")
    subprocess.run([sys.executable, '-c', code], check=True)


def test_unknown_name_is_an_attribute_error():
    assert 'LabelledImageGenerator' in mmdd.diffusion.__all__
    with pytest.raises(AttributeError, match="'mmdd.diffusion' has no "
                       "attribute 'nope'"):
        mmdd.diffusion.nope
