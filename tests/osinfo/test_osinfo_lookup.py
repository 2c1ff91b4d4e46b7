"""Lookup and listing against the installed osinfo-db, checked against its XML files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.errors import NotFound, ValidationError
from hearth.osinfo import OSDatabase, default_db
from tests.osinfo.groundtruth import all_os_elements, os_xml, xml_attr, xml_text

# Old and new: Debian 12's own osinfo-db (20221130) has the first lines, the current one
# scripts/import-osinfo-db.sh imports into libosinfo's local database adds the rest.
KNOWN = (
    "debian11",
    "debiantesting",
    "ubuntu22.04",
    "fedora37",
    "win10",
    "win11",
    "winxp",
    "freebsd13.1",
    "alpinelinux3.17",
    "rhel9.1",
    "centos-stream9",
    "debian12",
    "debian13",
    "ubuntu24.04",
    "fedora41",
    "rhel10.0",
    "centos-stream10",
    "win2k25",
)


@pytest.mark.parametrize("short_id", KNOWN)
def test_get_matches_the_xml(db: OSDatabase, short_id: str) -> None:
    node = os_xml(short_id)
    os = db.get(short_id)
    assert os.short_id == short_id
    assert os.id == node.get("id")
    assert os.name == xml_text(node, "name")
    assert os.family == xml_text(node, "family")
    assert os.version == xml_text(node, "version")
    assert os.release_date == xml_text(node, "release-date")
    assert os.short_ids == tuple(dict.fromkeys(s.text for s in node.findall("short-id")))


def test_every_os_of_the_xml_is_loaded(db: OSDatabase) -> None:
    ids = {n.get("id") for n in all_os_elements()}
    assert len(db) == len(ids) > 700
    assert {o.id for o in db.list()} == ids


def test_aliases_uris_and_case_find_the_same_object(db: OSDatabase) -> None:
    jammy = db.get("ubuntu22.04")
    assert db.get("ubuntujammy") is jammy
    assert db.get("UBUNTU22.04") is jammy
    assert db.get("http://ubuntu.com/ubuntu/22.04") is jammy
    assert db.get("win11") is db.get("win11")  # cached, not rebuilt
    assert "win11" in db and "nosuchos" not in db


def test_parent_links_are_short_ids(db: OSDatabase) -> None:
    assert db.get("win11").derives_from == "win10"
    assert db.get("rocky9").clones == "rhel9.0"
    assert xml_attr(os_xml("rocky9"), "clones", "id") == db.get("rhel9.0").id


def test_unknown_short_id_names_it_and_suggests(db: OSDatabase) -> None:
    with pytest.raises(NotFound) as err:
        db.get("debain11")
    assert "'debain11'" in err.value.message
    assert "debian11" in err.value.details["suggestions"]
    assert "did you mean" in err.value.message and "debian11" in err.value.message
    assert "\n" not in err.value.message


def test_unknown_short_id_without_near_match_has_no_suggestions(db: OSDatabase) -> None:
    with pytest.raises(NotFound) as err:
        db.get("qqqqqqqqqqqqqqqqqqqqqq")
    assert err.value.details["suggestions"] == []
    assert "did you mean" not in err.value.message


def test_empty_short_id_is_a_validation_error(db: OSDatabase) -> None:
    with pytest.raises(ValidationError):
        db.get("  ")


def test_list_by_family_matches_the_xml(db: OSDatabase) -> None:
    winnt = db.list(family="winnt")
    expected = {n.get("id") for n in all_os_elements() if xml_text(n, "family") == "winnt"}
    assert {o.id for o in winnt} == expected
    assert {"win11", "winxp"} <= {o.short_id for o in winnt}
    assert all(o.family == "winnt" for o in winnt)


def test_list_search_matches_short_ids_and_names_ignoring_case(db: OSDatabase) -> None:
    assert [o.short_id for o in db.list(search="JAMMY")] == ["ubuntu22.04"]
    by_name = db.list(search="windows 1")
    assert {"win10", "win11"} <= {o.short_id for o in by_name}
    assert all("windows 1" in o.name.lower() for o in by_name)
    assert db.list(search="no-such-thing-at-all") == []
    assert {o.short_id for o in db.list(family="linux", search="centos-stream")} == {
        "centos-stream8",
        "centos-stream9",
        "centos-stream10",
    }


def test_list_is_in_natural_order(db: OSDatabase) -> None:
    fedoras = [o.short_id for o in db.list(search="fedora") if o.short_id[len("fedora") :].isdigit()]
    assert fedoras.index("fedora9") < fedoras.index("fedora10") < fedoras.index("fedora37")


def test_unknown_family_is_refused_with_the_known_ones(db: OSDatabase) -> None:
    with pytest.raises(ValidationError) as err:
        db.list(family="plan9")
    assert "'plan9'" in err.value.message and "winnt" in err.value.message


def test_default_db_is_shared() -> None:
    assert default_db() is default_db()
    assert default_db().get("win11").short_id == "win11"


def test_data_dir_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not a directory"):
        OSDatabase(tmp_path / "missing")


def test_empty_data_dir_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no operating systems"):
        OSDatabase(tmp_path)


def test_broken_xml_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "os" / "hearth.test" / "os-bad.xml"
    bad.parent.mkdir(parents=True)
    bad.write_text("<libosinfo><os id=</libosinfo>")
    with pytest.raises(ValidationError) as err:
        OSDatabase(tmp_path)
    assert "os-bad.xml" in err.value.message and "\n" not in err.value.message


def test_env_var_selects_the_data_dir(test_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_OSINFO_DATA_DIR", str(test_tree))
    only_test = OSDatabase()
    assert {o.short_id for o in only_test.list()} == {"hparent", "hchild", "hgrandchild", "hclone"}
    assert only_test.data_dir == test_tree.resolve()
