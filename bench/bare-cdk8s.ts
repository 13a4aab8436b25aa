// The reference the CLI is compared with: what plain cdk8s costs to write the very same objects, with none of this
// package's constructs, validation, ordering or YAML key order. Run as a whole child process, like the CLI, so both
// pay the same Node start-up and module loading.
//
// Usage: node lib/bench/bare-cdk8s.js OBJECTS_JSON OUTDIR [file-per-resource|folder-per-chart]
// OBJECTS_JSON holds { clusters: [{ name, objects: [...] }] }, precomputed once by run.ts from the library.
import { readFileSync, rmSync } from 'node:fs';
import { ApiObject, ApiObjectProps, App, Chart, YamlOutputType } from 'cdk8s';

/** The objects file run.ts writes: each cluster's objects as the library builds them. */
interface ObjectsFile {
  clusters: { name: string; objects: ApiObjectProps[] }[];
}

const [objectsFile, outdir, layout = 'file-per-resource'] = process.argv.slice(2);
if (!objectsFile || !outdir) {
  process.stderr.write('usage: bare-cdk8s.js OBJECTS_JSON OUTDIR [file-per-resource|folder-per-chart]\n');
  process.exit(2);
}
const LAYOUTS: Record<string, YamlOutputType> = {
  'file-per-resource': YamlOutputType.FILE_PER_RESOURCE,
  'folder-per-chart': YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE,
};
if (!(layout in LAYOUTS)) {
  process.stderr.write(`unknown layout "${layout}"; valid: ${Object.keys(LAYOUTS).join(', ')}\n`);
  process.exit(2);
}

// Parsing the JSON is part of the timed child on purpose: the CLI too has to read and parse its input.
const { clusters }: ObjectsFile = JSON.parse(readFileSync(objectsFile, 'utf8'));

// `cdk8s synth` empties its output folder before every synth; doing the same makes this comparable with the CLI,
// which replaces its whole folder on every run.
rmSync(outdir, { recursive: true, force: true });
const app = new App({ outdir, yamlOutputType: LAYOUTS[layout] });
for (const cluster of clusters) {
  const chart = new Chart(app, cluster.name);
  // Construct ids only need to be unique within the chart; the index is, and it keeps the object's own name intact.
  cluster.objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
}
app.synth();
