"""Output targets are checked before any work, each problem one line (issue 14)."""

from __future__ import annotations

import errno
import json
import os
import signal
import tempfile
import threading

import pytest

from flysim.outputs import (
    MANIFEST_FILE,
    OutputPathError,
    check_output_file,
    check_result_folder,
    signals_deferred,
)


def manifest(folder, files=("summary.csv",)):
    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        (folder / name).write_text("x")
    (folder / MANIFEST_FILE).write_text(
        json.dumps({"format": "flysim-result", "files": [*files, MANIFEST_FILE], "plots": []})
    )


def refused(path, needle, **kwargs):
    with pytest.raises(OutputPathError) as info:
        check_result_folder(path, **kwargs)
    text = str(info.value)
    assert len(text.splitlines()) == 1 and needle in text, text
    return text


def test_new_folder_is_fine(tmp_path):
    assert check_result_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b"


def test_root_is_refused():
    refused("/", "root folder")


def test_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("")
    refused(tmp_path / "f", "is a file")
    refused(tmp_path / "f" / "sub", "is a file, not a folder")


def test_dev_null_is_refused():
    refused("/dev/null", "device")


def test_name_too_long_is_refused(tmp_path):
    refused(tmp_path / ("x" * 300), "too long")
    refused(tmp_path / ("x" * 300) / "sub", "too long")


def test_a_folder_that_is_not_a_result_is_refused(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("")
    refused(tmp_path / "docs", "not a flysim result folder")
    assert check_result_folder(tmp_path / "docs", replace=False) == tmp_path / "docs"


def test_a_users_file_in_an_earlier_result_is_refused(tmp_path):
    manifest(tmp_path / "out")
    assert check_result_folder(tmp_path / "out") == tmp_path / "out"
    (tmp_path / "out" / "notes.txt").write_text("mine")
    refused(tmp_path / "out", "'notes.txt', which flysim did not write")


def test_a_symlink_is_written_through(tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink("real", tmp_path / "link")
    assert check_result_folder(tmp_path / "link") == tmp_path / "real"
    assert check_output_file(tmp_path / "link" / "e.csv") == tmp_path / "real" / "e.csv"


def test_a_read_only_folder_is_refused(tmp_path, monkeypatch):
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o500)
    if os.access(tmp_path / "ro", os.W_OK):
        # root writes anywhere (CI runs as root): make the probe meet what a user would.
        def denied(*args: object, **kwargs: object) -> str:
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(tempfile, "mkdtemp", denied)
    try:
        refused(tmp_path / "ro" / "out", "permission denied")
    finally:
        (tmp_path / "ro").chmod(0o700)


def test_a_read_only_file_system_is_refused():
    if not os.path.isdir("/proc/sys"):
        pytest.skip("no read-only /proc/sys here")
    refused("/proc/sys/flysim-out", "cannot write in /proc/sys")


@pytest.mark.parametrize("name", ["/dev/null", "/tmp", "events\0.csv"])
def test_event_file_targets(name):
    with pytest.raises(OutputPathError):
        check_output_file(name)


def test_signals_are_deferred_to_the_end_of_the_block():
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers live in the main thread")
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda s, f: seen.append(s))
    try:
        with signals_deferred():
            signal.raise_signal(signal.SIGTERM)
            assert seen == []
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)
