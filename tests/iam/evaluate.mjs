// Policy evaluation server for the tests: one JSON simulation per stdin line, one JSON answer per
// stdout line. Uses @cloud-copilot/iam-simulate (test-only, pinned in package-lock.json), offline.
import { createInterface } from 'node:readline';
import { runSimulation, getDenialReasons, getGrantReasons } from '@cloud-copilot/iam-simulate';

function explain(result) {
  if (result.resultType === 'error') return { decision: 'Error', why: result.errors };
  const analyses = result.resultType === 'single' ? [result.result] : result.results;
  const why = analyses.map((r) =>
    result.overallResult === 'Allowed' ? getGrantReasons(r.analysis) : getDenialReasons(r.analysis)
  );
  return { decision: result.overallResult, why };
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const { id, simulation } = JSON.parse(line);
  let answer;
  try {
    answer = explain(await runSimulation(simulation, { simulationMode: 'Strict' }));
  } catch (error) {
    answer = { decision: 'Error', why: String(error) };
  }
  process.stdout.write(JSON.stringify({ id, ...answer }) + '\n');
}
