"""The BPMN 2.0 export, read back by bpmn-moddle (the model behind bpmn.io and Camunda Modeler)
under Node: both annexes of both services parse without a warning, every id egovsim wrote is
read back, the diagram interchange draws every flow node and flow, and the ids are the SVG's.

`make test` installs the pinned bpmn-moddle in tools/bpmn (`npm ci`); the test is skipped only
on a machine without Node.js.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from egovsim.config import Settings
from egovsim.diagrams import ANNEXES
from egovsim.diagrams.bpmn import BPMN
from egovsim.regulations.loader import load_regulations

NODE = shutil.which("node")
TOOLS = Path(__file__).resolve().parents[1] / "tools" / "bpmn"
REGULATIONS = load_regulations(Settings().regulations_dir)
SERVICES = sorted(REGULATIONS)
SVG = "{http://www.w3.org/2000/svg}"

pytestmark = pytest.mark.skipif(
    NODE is None,
    reason="Node.js is not installed: the BPMN export is validated with bpmn-moddle under Node "
    "(apt-get install nodejs npm, then make test)",
)

#: bpmn-moddle's types of the flow nodes and flows egovsim writes.
FLOW_NODES = {
    "bpmn:StartEvent",
    "bpmn:EndEvent",
    "bpmn:IntermediateCatchEvent",
    "bpmn:IntermediateThrowEvent",
    "bpmn:Task",
    "bpmn:UserTask",
    "bpmn:ServiceTask",
    "bpmn:CallActivity",
    "bpmn:ExclusiveGateway",
}
FLOWS = {"bpmn:SequenceFlow", "bpmn:MessageFlow", "bpmn:Association"}
DRAWN = FLOW_NODES | FLOWS | {"bpmn:Participant", "bpmn:Lane", "bpmn:DataObjectReference"}


def moddle(xml: bytes) -> dict[str, Any]:
    """What bpmn-moddle reads from the document (tools/bpmn/validate.mjs)."""
    if not (TOOLS / "node_modules" / "bpmn-moddle").is_dir():
        pytest.fail("bpmn-moddle is not installed: run `make test` (npm ci in tools/bpmn)")
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(TOOLS / "validate.mjs")],
        input=xml,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.stdout, done.stderr.decode()
    read: dict[str, Any] = json.loads(done.stdout)
    assert done.returncode == 0, read
    return read


def written_ids(xml: bytes) -> set[str]:
    return {str(e.get("id")) for e in etree.fromstring(xml).iter() if e.get("id")}


@pytest.mark.parametrize("annex", ANNEXES)
@pytest.mark.parametrize("service", SERVICES)
async def test_the_export_validates_with_bpmn_moddle_and_its_ids_round_trip(
    client, service: str, annex: int
) -> None:
    reply = await client.get(f"/api/v1/services/{service}/diagrams/{annex}.bpmn?lang=ru")
    assert reply.status == 200
    assert reply.content_type == "application/xml"
    xml = await reply.read()
    read = moddle(xml)
    assert read["ok"] is True
    assert read["warnings"] == []
    elements: dict[str, str] = read["elements"]
    assert written_ids(xml) <= set(elements)  # every id egovsim wrote, read back
    drawn = set(read["di"].values())
    for element_id, kind in elements.items():
        if kind in DRAWN:
            assert element_id in drawn, f"{kind} {element_id} has no shape or edge"
    assert all(target in elements for target in drawn)
    kinds = set(elements.values())
    assert {"bpmn:Collaboration", "bpmn:Participant", "bpmn:Process"} <= kinds
    if annex == 1:
        assert "bpmn:MessageFlow" in kinds
        # Exactly the regulation's own processes and conditions, under its own numbers.
        own = {e.id for e in REGULATIONS[service].portal.entries}
        numbered = {i for i in elements if i[:1] in "PC" and i[1:].isdigit()}
        assert numbered == own
    else:
        assert "bpmn:Lane" in kinds

    # The SVG of the same annex draws the same elements under the same ids.
    svg = etree.fromstring(
        await (await client.get(f"/api/v1/services/{service}/diagrams/{annex}.svg")).read()
    )
    drawn_in_svg = {
        str(g.get("id"))
        for g in svg.iter(f"{SVG}g")
        if g.get("id") and str(g.get("class", "")).split()[0] in ("node", "flow", "pool", "lane")
    }
    exported = {i for i, kind in elements.items() if kind in DRAWN}
    data_objects = {i for i, kind in elements.items() if kind == "bpmn:DataObjectReference"}
    assert drawn_in_svg == exported, drawn_in_svg ^ exported
    assert data_objects <= drawn_in_svg


async def test_the_export_is_the_same_each_time_and_names_in_the_asked_language(
    client,
) -> None:
    service = SERVICES[0]
    first = await (await client.get(f"/api/v1/services/{service}/diagrams/2.bpmn?lang=en")).read()
    again = await (await client.get(f"/api/v1/services/{service}/diagrams/2.bpmn?lang=en")).read()
    assert first == again
    kazakh = await (await client.get(f"/api/v1/services/{service}/diagrams/2.bpmn?lang=kk")).read()
    assert written_ids(kazakh) == written_ids(first)
    root = etree.fromstring(kazakh)
    names = [str(e.get("name")) for e in root.iter(f"{{{BPMN}}}userTask")]
    assert any("қол қояды" in name for name in names), names


@pytest.mark.parametrize("annex", ANNEXES)
@pytest.mark.parametrize("service", SERVICES)
async def test_the_export_documents_the_annexs_legend(client, service: str, annex: int) -> None:
    reply = await client.get(f"/api/v1/services/{service}/diagrams/{annex}.bpmn?lang=kk")
    root = etree.fromstring(await reply.read())
    collaboration = root.find(f"{{{BPMN}}}collaboration")
    assert collaboration is not None
    notes = [str(d.text) for d in collaboration.findall(f"{{{BPMN}}}documentation")]
    legend = next(n for n in notes if n.startswith("Шартты белгілер:"))
    assert "Таңдау нұсқасы (шарт)" in legend  # both annexes have conditions
    if annex == 1:
        assert "Бас тартумен аяқталу" in legend  # Annex 1's refusals end in errors
