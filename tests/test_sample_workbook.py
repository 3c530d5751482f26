"""The bundled sample: reproducible from its script, and it shows what the product finds."""

from __future__ import annotations

import json

from kpi_cli.main import main
from workbook.samples.make_sample import SAMPLE, write_sample


def test_sample_is_reproducible(tmp_path):
    fresh = write_sample(tmp_path / "sample.xlsx")
    assert fresh.read_bytes() == SAMPLE.read_bytes()


def test_sample_validates_with_the_expected_findings(capsys):
    assert main(["validate", str(SAMPLE), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [(t["sheet"], t["header_row"]) for t in document["tables"]] == [
        ("Corporate KPIs", 6), ("Service Scorecard", 4)]
    assert len(document["indicators"]) == 40
    statuses = [item["status"] for item in document["indicators"]]
    assert {status: statuses.count(status) for status in set(statuses)} == {
        "on": 13, "within": 11, "off": 12, "none": 4}
    found = {(f["code"], f["cell"]) for f in document["findings"]}
    assert ("status_mismatch", "E8") in found  # ASC 04 typed "Within target", really off
    missing = sorted(cell for code, cell in found if code == "missing_commentary")
    assert missing == ["E22", "E28", "E8", "K14", "K19", "K8"]
    sections = {item["section"] for item in document["indicators"]}
    assert sections == {None, "Adults & Health", "Children's Services", "Finance", "Revenues",
                        "Housing", "Public Health"}  # fmt: skip


def test_sample_readable_output_names_the_rules_sheet(capsys):
    main(["validate", str(SAMPLE)])
    out = capsys.readouterr().out
    assert '(rules: "KPI Rules" sheet)' in out
    assert 'Commentary also read from sheet "Exception Notes"' in out
