"""convgui.kernel_store: the user's own kernels, persisted atomically, never lost."""

import json
import os

import numpy as np
import pytest

from convgui.kernel_store import KernelStore, default_store_path


@pytest.fixture
def path(tmp_path):
    return tmp_path / "config" / "kernels.json"


def test_empty_when_no_file(path):
    store = KernelStore(path)
    assert store.names() == [] and len(store) == 0
    assert store.take_warnings() == []
    assert not path.exists()


def test_add_list_delete_persist_across_instances(path):
    first = KernelStore(path)
    first.add("cross", [[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    first.add("bank", np.arange(24.0).reshape(2, 2, 3, 2) / 7)
    assert path.exists()

    second = KernelStore(path)
    assert second.names() == ["cross", "bank"]
    np.testing.assert_array_equal(second.get("bank"), np.arange(24.0).reshape(2, 2, 3, 2) / 7)
    second.delete("cross")

    third = KernelStore(path)
    assert third.names() == ["bank"]
    assert "bank" in third and "cross" not in third


def test_replace_keeps_order_and_duplicates_are_refused(path):
    store = KernelStore(path)
    store.add("a", [[1]])
    store.add("b", [[2]])
    with pytest.raises(ValueError, match="already has a kernel called 'a'"):
        store.add("a", [[3]])
    store.replace("a", [[4, 4]])
    again = KernelStore(path)
    assert again.names() == ["a", "b"]
    np.testing.assert_array_equal(again.get("a"), [[4, 4]])
    with pytest.raises(KeyError):
        again.replace("missing", [[1]])
    with pytest.raises(KeyError):
        again.delete("missing")


def test_names_and_kernels_are_checked(path):
    store = KernelStore(path)
    with pytest.raises(ValueError, match="empty"):
        store.add("   ", [[1]])
    with pytest.raises(ValueError, match="finite"):
        store.add("nan", [[float("nan")]])
    assert store.names() == [] and not path.exists()


def test_a_change_by_another_instance_is_not_overwritten(path):
    one, two = KernelStore(path), KernelStore(path)
    one.add("from one", [[1]])
    two.add("from two", [[2]])
    assert KernelStore(path).names() == ["from one", "from two"]


def test_corrupt_file_is_set_aside_with_a_warning(path):
    path.parent.mkdir(parents=True)
    garbage = b'{"kernels": [ this is not json \x00\xff'
    path.write_bytes(garbage)
    store = KernelStore(path)
    warnings = store.take_warnings()
    assert len(warnings) == 1 and "could not be read" in warnings[0]
    assert store.names() == []
    aside = [p for p in path.parent.iterdir() if p.name.startswith("kernels.json.corrupt-")]
    assert len(aside) == 1
    assert aside[0].read_bytes() == garbage
    assert aside[0].name in warnings[0]
    assert not path.exists()
    store.add("fresh", [[1]])
    assert KernelStore(path).names() == ["fresh"]
    assert aside[0].read_bytes() == garbage


def test_bad_entries_are_set_aside_and_good_ones_kept(path):
    path.parent.mkdir(parents=True)
    text = json.dumps({"kernels": [{"name": "good", "kernel": [[1, 2]]},
                                   {"name": "ragged", "kernel": [[1, 2], [3]]}]})
    path.write_text(text, encoding="utf-8")
    store = KernelStore(path)
    warnings = store.take_warnings()
    assert len(warnings) == 1 and "entry 1" in warnings[0] and "ragged" in warnings[0]
    assert store.names() == ["good"]
    aside = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    assert aside[0].read_text(encoding="utf-8") == text
    assert KernelStore(path).names() == ["good"]


def test_two_corrupt_files_in_one_second_both_kept(path):
    path.parent.mkdir(parents=True)
    path.write_text("first", encoding="utf-8")
    KernelStore(path)
    path.write_text("second", encoding="utf-8")
    KernelStore(path)
    kept = sorted(p.read_text() for p in path.parent.iterdir() if ".corrupt-" in p.name)
    assert kept == ["first", "second"]


def test_default_path_is_in_the_app_config_folder():
    location = default_store_path()
    assert location.name == "kernels.json"
    store = KernelStore()
    store.add("x", [[1]])
    assert store.path.exists()
    assert KernelStore().names() == ["x"]
    assert str(location).startswith(os.environ["HOME"])


def test_unopenable_file_gives_a_warning_and_writes_fail_loudly(path):
    path.mkdir(parents=True)
    store = KernelStore(path)
    assert store.names() == []
    assert "could not be opened" in store.take_warnings()[0]
    with pytest.raises(OSError):
        store.add("x", [[1]])
    assert path.is_dir()


def test_deeply_nested_library_is_set_aside_not_a_crash(tmp_path):
    path = tmp_path / "kernels.json"
    path.write_text('{"kernels": ' + "[" * 100_000 + "]" * 100_000 + "}")
    store = KernelStore(path)
    assert store.names() == []
    (warning,) = store.take_warnings()
    assert "nested too deeply" in warning
    assert not path.exists()
    assert [p.name.startswith("kernels.json.corrupt-") for p in tmp_path.iterdir()] == [True]
    store.add("cross", [[0, 1], [1, 0]])
    assert KernelStore(path).names() == ["cross"]


def test_deeply_nested_entry_is_dropped_others_kept(tmp_path):
    path = tmp_path / "kernels.json"
    deep = "[" * 500 + "1" + "]" * 500
    path.write_text('{"kernels": [{"name": "ok", "kernel": [[1, 2]]}, '
                    '{"name": "deep", "kernel": ' + deep + '}]}')
    store = KernelStore(path)
    assert store.names() == ["ok"]
    assert any("entry 1" in w for w in store.take_warnings())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_library_is_a_warning_not_a_hang(tmp_path):
    import threading

    path = tmp_path / "kernels.json"
    os.mkfifo(path)
    result = []
    thread = threading.Thread(target=lambda: result.append(KernelStore(path)), daemon=True)
    thread.start()
    thread.join(10)
    if not result:
        with open(path, "w"):
            pass
    assert result, "opening a FIFO as the library hung"
    (warning,) = result[0].take_warnings()
    assert "named pipe (FIFO)" in warning
