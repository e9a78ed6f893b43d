"""The architecture table: which pipelines exist, and the refusal of the
others by name."""
import pytest
from diffusers import (FluxPipeline, PixArtSigmaPipeline,
                       StableDiffusion3Pipeline, StableDiffusionPipeline,
                       StableDiffusionXLPipeline)

from mmdd.diffusion import GenerationConfig, LabelledImageGenerator
from mmdd.diffusion.architectures import ARCHITECTURES, architecture_of
from mmdd.diffusion.conditioning import text_conditioning
from mmdd.diffusion.dit.reader import DiTReader
from mmdd.diffusion.unet.reader import UNetReader
from mmdd.testing import (build_random_dit_pipeline, build_random_pipeline,
                          build_random_sdxl_pipeline)

CLASSES = ['background', 'cat', 'dog']
TINY = {
    StableDiffusionPipeline: (build_random_pipeline, UNetReader),
    StableDiffusionXLPipeline: (build_random_sdxl_pipeline, UNetReader),
    StableDiffusion3Pipeline:
    (lambda: build_random_dit_pipeline('sd35-tiny'), DiTReader),
    FluxPipeline: (lambda: build_random_dit_pipeline('flux-tiny'), DiTReader),
}


def test_the_table_names_sd_sdxl_sd3_and_flux_once_each():
    assert [row.pipeline for row in ARCHITECTURES] == list(TINY)


@pytest.mark.parametrize('cls', list(TINY), ids=lambda c: c.__name__)
def test_each_tiny_pipeline_gets_its_row(cls):
    build, reader = TINY[cls]
    pipeline = build()
    row = architecture_of(pipeline)
    assert row.pipeline is cls and row.reader is reader
    generator = LabelledImageGenerator(pipeline, CLASSES,
                                       GenerationConfig(num_inference_steps=1))
    assert type(generator.reader) is reader
    assert type(generator.text) is row.conditioning
    # The table and the conditioning's own dispatch agree.
    assert type(text_conditioning(pipeline)) is row.conditioning


def test_a_subclass_gets_its_base_row():

    class MyFlux(FluxPipeline):
        pass

    class MySDXL(StableDiffusionXLPipeline):
        pass

    assert architecture_of(MyFlux).pipeline is FluxPipeline
    assert architecture_of(MySDXL).pipeline is StableDiffusionXLPipeline


def test_an_unknown_pipeline_is_refused_by_name():
    with pytest.raises(
            ValueError, match='PixArtSigmaPipeline is not a supported '
            'pipeline; .*StableDiffusionPipeline.*FluxPipeline'):
        architecture_of(PixArtSigmaPipeline)
    unknown = PixArtSigmaPipeline.__new__(PixArtSigmaPipeline)
    with pytest.raises(ValueError, match='PixArtSigmaPipeline .*SD3 / SD3.5'):
        LabelledImageGenerator(unknown, CLASSES, GenerationConfig())
