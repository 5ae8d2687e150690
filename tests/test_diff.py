"""`nlsc diff`: the semantic changelog between two builds."""

from __future__ import annotations

import json
import shutil

from conftest import run_cli

AIVD = "https://w3id.org/nlsc/id/organisatie/aivd"


def test_no_change_between_a_build_and_itself(dist):
    run = run_cli("diff", str(dist), str(dist))
    assert run.returncode == 0, run.stderr
    assert "0 statements removed, 0 added, 0 subjects changed" in run.stdout


def test_a_changed_statement_is_reported_under_its_subject_with_its_label(dist, tmp_path):
    new = tmp_path / "new"
    shutil.copytree(dist, new)
    nt = (new / "nlsc.nt").read_text(encoding="utf-8").splitlines()
    # drop one statement and add another: the MIVD no longer cooperates, the IND does
    dropped = f"<{AIVD}> <https://w3id.org/nlsc/def#cooperatesWith> <https://w3id.org/nlsc/id/organisatie/mivd> ."
    assert dropped in nt
    nt.remove(dropped)
    nt.append(f"<{AIVD}> <https://w3id.org/nlsc/def#cooperatesWith> <https://w3id.org/nlsc/id/organisatie/ind> .")
    (new / "nlsc.nt").write_text("\n".join(nt) + "\n", encoding="utf-8")

    run = run_cli("diff", str(dist), str(new), "--lang", "nl")
    assert run.returncode == 1, run.stderr
    assert "organisatie:aivd  (Algemene Inlichtingen- en Veiligheidsdienst)" in run.stdout
    assert "  - nlsc:cooperatesWith organisatie:mivd" in run.stdout
    assert "  + nlsc:cooperatesWith organisatie:ind" in run.stdout
    assert "1 statement removed, 1 added, 1 subject changed" in run.stdout

    as_json = json.loads(run_cli("diff", str(dist), str(new), "--format", "json").stdout)
    assert (as_json["removed"], as_json["added"]) == (1, 1)
    assert [s["subject"] for s in as_json["subjects"]] == [AIVD]


def test_unusable_input_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.nt"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    run = run_cli("diff", str(bad), str(tmp_path / "missing"))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "bad.nt: cannot parse" in run.stderr
