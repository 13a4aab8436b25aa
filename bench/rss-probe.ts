// Preloaded with `node --require` into every benchmarked child, so peak RSS comes from the kernel's own rusage
// (getrusage ru_maxrss, in KiB) without GNU time, which is not on every machine. Written at 'exit' because that is
// the last moment JS runs; by then the child's peak has been reached. The probe itself costs one require.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
