"""Calibrate the label read-out on a few labelled real images
(docs/calibration.md): each image recorded once per timestep by inversion,
the candidates (blocks, steps, tau, refinements, label source, thresholds)
scored by label mIoU without further denoiser passes. No OpenMMLab import.
"""
from mmdd.lazy import lazy_exports

_EXPORTS = {
    'search': ('CalibrationResult', 'Example', 'calibrate'),
    'candidates': ('Family', 'FamilyRow', 'coordinate_descent'),
    'folder': ('LabelledImage', 'read_labelled_folder'),
    'inversion': ('InvertedImage', 'invert', 'read_steps'),
    'report': ('result_table', 'settings_text'),
    'scoring': ('LabelCounter', 'Labeller', 'with_thresholds'),
}

__getattr__, __all__ = lazy_exports(__name__, _EXPORTS)
