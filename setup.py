"""Install mmdd; also place tools/, configs/ and model-index.yml in mmdd/.mim.

``mim train mmdd CONFIG`` looks for them there. Develop and PEP 660
editable installs get symlinks (edits show at once); wheels and sdists get
copies.
"""
import os
import os.path as osp
import shutil
import sys
from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
MIM_FILES = ['tools', 'configs', 'model-index.yml']


def read_version() -> str:
    namespace = {}
    with open(osp.join(HERE, 'mmdd', 'version.py')) as f:
        exec(compile(f.read(), 'mmdd/version.py', 'exec'), namespace)
    return namespace['__version__']


def parse_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>.txt`` (comments dropped)."""
    lines = []
    with open(osp.join(HERE, 'requirements', f'{name}.txt')) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                lines.append(line)
    return lines


def install_requires() -> list:
    """Runtime needs and mminstall.txt without mmcv, as mmseg declares
    them: either mmcv or mmcv-lite serves (mmdd checks at registration),
    and pip would build a missing mmcv from source."""
    return parse_requirements('runtime') + [
        req for req in parse_requirements('mminstall')
        if not req.startswith('mmcv')
    ]


def add_mim_extension() -> None:
    if any(cmd in sys.argv for cmd in ('develop', 'editable_wheel')):
        mode = 'symlink'
    elif any(
            cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'build',
                                        'build_py', 'install')):
        mode = 'copy'
    else:
        return
    mim_dir = osp.join(HERE, 'mmdd', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        dst = osp.join(mim_dir, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isdir(src):
            shutil.copytree(
                src, dst,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmdd',
        version=read_version(),
        description='Dataset Diffusion for MMSegmentation: train segmenters '
        'on Stable Diffusion images with attention-derived labels',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        keywords='semantic segmentation, diffusion, synthetic data, openmmlab',
        packages=find_packages(
            exclude=('configs', 'tools', 'tests', 'tests.*', 'bench',
                     'bench.*', 'docs')),
        include_package_data=True,
        package_data={
            'mmdd': ['.mim/**/*', '.mim/*', 'shapes/pretrained/**/*']
        },
        # diffusers>=0.40 and transformers>=5.0 (requirements/runtime.txt)
        # need 3.10; the pinned set in constraints.txt needs 3.11.
        python_requires='>=3.10',
        license='Apache License 2.0',
        classifiers=[
            'License :: OSI Approved :: Apache Software License',
            'Programming Language :: Python :: 3',
            'Programming Language :: Python :: 3.10',
            'Programming Language :: Python :: 3.11',
            'Topic :: Scientific/Engineering :: Artificial Intelligence',
        ],
        install_requires=install_requires(),
        extras_require={
            'all':
            (parse_requirements('runtime') + parse_requirements('mminstall') +
             parse_requirements('tests') + parse_requirements('optional')),
            'tests':
            parse_requirements('tests'),
            'lint':
            parse_requirements('lint'),
            'optional':
            parse_requirements('optional'),
            'mim':
            parse_requirements('mminstall'),
        },
        zip_safe=False)
