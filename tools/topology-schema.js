'use strict';
// Writes topology.schema.json, the JSON Schema that editors (yaml-language-server) check topology files with. The
// rules come from the one zod schema (zod's own converter); the descriptions come from the TSDoc of
// constructs/model/topology-types.ts, read with the TypeScript checker, so that the documentation has one owner.
// `node tools/topology-schema.js` writes the file; `--check` exits 1 when the checked-in file is out of date.
const { writeOrCheck } = require('./generated-file');
const { join } = require('node:path');
const ts = require('typescript');
const { z } = require('zod');

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'topology.schema.json');
const TYPES = join(ROOT, 'constructs', 'model', 'topology-types.ts');

/** Copies each documented field's TSDoc into the JSON Schema node of the same path. */
function describe(node, type, checker) {
  if (node.type === 'object' && node.properties) {
    for (const [name, child] of Object.entries(node.properties)) {
      const symbol = checker.getPropertyOfType(type, name);
      if (!symbol) throw new Error(`${TYPES} documents no field "${name}" that the schema has`);
      const doc = ts.displayPartsToString(symbol.getDocumentationComment(checker)).replace(/\s+/g, ' ').trim();
      if (doc) child.description = doc;
      describe(child, checker.getNonNullableType(checker.getTypeOfSymbol(symbol)), checker);
    }
  } else if (node.type === 'array' && node.items && checker.isArrayType(type)) {
    describe(node.items, checker.getTypeArguments(type)[0], checker);
  }
}

/** The JSON Schema of a topology file, as a string ending in a newline. */
function topologyJsonSchema() {
  const { topologySchema } = require(join(ROOT, 'lib', 'constructs', 'model', 'topology'));
  // Editors read draft 7 best; "input" is the file as written (defaults optional).
  const schema = z.toJSONSchema(topologySchema, { target: 'draft-7', io: 'input' });
  const program = ts.createProgram([TYPES], { strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(TYPES);
  const root = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === 'TopologyFile');
  const rootType = checker.getTypeAtLocation(root.name);
  describe(schema, rootType, checker);
  const ordered = {
    $schema: schema.$schema,
    title: 'argo-multicluster topology',
    description: ts.displayPartsToString(checker.getSymbolAtLocation(root.name).getDocumentationComment(checker)),
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

module.exports = { topologyJsonSchema, SCHEMA_FILE: OUT };

if (require.main === module) writeOrCheck(OUT, topologyJsonSchema(), 'npm run schema');
