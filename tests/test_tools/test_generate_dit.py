"""tools/generate.py with a diffusion transformer: a SIGKILL in the middle,
then a rerun, gives the files of an uninterrupted run."""
import pytest

from tests.test_tools.test_generate import (generate_cmd, kill_after,
                                            run_generate, sample_files)

DIT_OPTIONS = [
    f'train_dataloader.dataset.generation.{key}'
    for key in ('height=64', 'width=64', 'max_sequence_length=32',
                'label_source=concept')
]


@pytest.mark.slow
def test_flux_cache_resumes_byte_identical(tiny_flux_dir, toy_prompts_file,
                                           tmp_path):
    reference = tmp_path / 'reference'
    run_generate(
        generate_cmd(str(tiny_flux_dir), toy_prompts_file, reference, 3) +
        DIT_OPTIONS)
    cache = tmp_path / 'cache'
    args = generate_cmd(str(tiny_flux_dir), toy_prompts_file, cache,
                        3) + DIT_OPTIONS
    kill_after(args, cache, 2)
    run_generate(args)
    assert sample_files(cache) == sample_files(reference)
