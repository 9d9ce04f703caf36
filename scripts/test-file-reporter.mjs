// A node:test reporter for the test workers (scripts/test-shard.mjs): one line on its destination
// (stderr) each time the worker begins running the top-level tests of another file, so the runner
// (scripts/run-tests.mjs) knows which file is running and can give each file its own deadline.
export default async function* fileMarkers(source) {
  let current = null;
  for await (const event of source) {
    if (event.type !== 'test:dequeue' || event.data.nesting !== 0 || !event.data.file) continue;
    if (event.data.file === current) continue;
    current = event.data.file;
    yield `::gatehouse-file:: ${current}\n`;
  }
}
