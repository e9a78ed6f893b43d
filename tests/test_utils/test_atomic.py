import os
import subprocess
import sys

import pytest

from mmdd.utils.atomic import (atomic_write, atomic_write_text, is_temporary,
                               temporary_path, temporary_writer, writer_alive)


def test_writes_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / 'sub' / 'a.txt'
    size = atomic_write_text(target, 'hello')
    assert target.read_text() == 'hello' and size == 5
    assert [p.name for p in target.parent.iterdir()] == ['a.txt']


def test_failed_write_keeps_old_content_and_removes_temporary(tmp_path):
    target = tmp_path / 'a.txt'
    target.write_text('old')

    def broken(tmp):
        tmp.write_text('half')
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, broken)
    assert target.read_text() == 'old'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['a.txt']


def test_temporary_name_names_its_writer(tmp_path):
    tmp = temporary_path(tmp_path / '000001.png')
    assert tmp.name.startswith('.000001.png.tmp-')
    host, pid = temporary_writer(tmp)
    assert pid == os.getpid() and host
    assert is_temporary(tmp) and not is_temporary(tmp_path / '000001.png')
    assert writer_alive(tmp)


def test_dead_writer_is_detected(tmp_path):
    child = subprocess.run(
        [sys.executable, '-c', 'import os; print(os.getpid())'],
        capture_output=True, text=True, check=True)
    dead_pid = int(child.stdout)
    tmp = temporary_path(tmp_path / 'x.jpg')
    dead = tmp.with_name(tmp.name.rsplit('-', 1)[0] + f'-{dead_pid}')
    assert temporary_writer(dead)[1] == dead_pid
    assert not writer_alive(dead)
    elsewhere = tmp_path / '.x.jpg.tmp-otherhost-1'
    assert writer_alive(elsewhere)  # another host's writer cannot be checked


def test_folder_is_replaced_whole(tmp_path):
    from mmdd.utils.atomic import atomic_write_dir
    target = tmp_path / 'model'

    def write(version):

        def fill(tmp):
            (tmp / 'unet').mkdir(parents=True)
            (tmp / 'unet' / 'weights').write_text(version)

        return fill

    assert atomic_write_dir(target, write('v1')) == target
    atomic_write_dir(target, write('v2'))
    assert (target / 'unet' / 'weights').read_text() == 'v2'
    assert [p.name for p in tmp_path.iterdir()] == ['model']

    def broken(tmp):
        write('v3')(tmp)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write_dir(target, broken)
    assert (target / 'unet' / 'weights').read_text() == 'v2'
    assert [p.name for p in tmp_path.iterdir()] == ['model']
