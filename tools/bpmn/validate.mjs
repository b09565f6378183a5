// Reads BPMN 2.0 XML (a file named on the command line, or standard input), parses it with
// bpmn-moddle and prints what it read as JSON:
//
//   {"ok": true, "warnings": [], "elements": {"<id>": "<bpmn type>", ...},
//    "di": {"<diagram element id>": "<id of the BPMN element it draws>", ...}}
//
// Exit status: 0 when the document parsed without a single warning; 1 when bpmn-moddle warned
// (an unknown element or attribute, an unresolved reference, a duplicate id) or could not parse
// it at all; 2 on a usage error. The warnings are in the JSON either way.
import { readFileSync } from 'node:fs';
import { BpmnModdle } from 'bpmn-moddle';

function readInput(args) {
  if (args.length > 1) {
    process.stderr.write('usage: node validate.mjs [FILE.bpmn]\n');
    process.exit(2);
  }
  return readFileSync(args.length === 1 ? args[0] : 0, 'utf8');
}

function describe(warning) {
  const element = warning.element && warning.element.id ? ` (element ${warning.element.id})` : '';
  return `${warning.message}${element}`;
}

function diagramElements(definitions) {
  const drawn = {};
  for (const diagram of definitions.diagrams || []) {
    const plane = diagram.plane;
    if (!plane) continue;
    drawn[plane.id] = plane.bpmnElement ? plane.bpmnElement.id : null;
    for (const shape of plane.planeElement || []) {
      drawn[shape.id] = shape.bpmnElement ? shape.bpmnElement.id : null;
    }
  }
  return drawn;
}

async function main() {
  const xml = readInput(process.argv.slice(2));
  const moddle = new BpmnModdle();
  let parsed;
  try {
    parsed = await moddle.fromXML(xml, 'bpmn:Definitions');
  } catch (error) {
    const warnings = (error.warnings || []).map(describe);
    process.stdout.write(JSON.stringify({ ok: false, error: error.message, warnings }) + '\n');
    process.exit(1);
  }
  const { rootElement, elementsById, warnings } = parsed;
  const elements = {};
  for (const [id, element] of Object.entries(elementsById)) {
    elements[id] = element.$type;
  }
  const found = warnings.map(describe);
  const answer = {
    ok: found.length === 0,
    warnings: found,
    elements,
    di: diagramElements(rootElement),
  };
  process.stdout.write(JSON.stringify(answer) + '\n');
  process.exit(found.length === 0 ? 0 : 1);
}

main();
