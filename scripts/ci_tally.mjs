#!/usr/bin/env node
// CI's closing line from vitest's JSON report: `vitest: N passed, N failed`, counting a test file
// that failed to load (its tests never ran, so no test of it is counted as failed) as one
// failure, and a missing or unreadable report as a failure too. Exits 0 only when nothing failed.
//
//   node scripts/ci_tally.mjs [coverage/vitest-results.json]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The tally of a parsed vitest JSON report. */
export function tally(report) {
  const files = Array.isArray(report?.testResults) ? report.testResults : [];
  // A file whose status is failed but none of whose tests failed did not load (or its hooks threw).
  const brokenFiles = files.filter((file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'));
  const passed = Number(report?.numPassedTests ?? 0);
  const failed = Number(report?.numFailedTests ?? 0) + brokenFiles.length;
  const skipped = Number(report?.numPendingTests ?? 0) + Number(report?.numTodoTests ?? 0);
  // vitest's own verdict, in case something fails that none of the counts above shows.
  const otherFailure = failed === 0 && report?.success === false ? 1 : 0;
  return {
    passed,
    failed: failed + otherFailure,
    skipped,
    brokenFiles: brokenFiles.map((file) => `${file.name}: ${String(file.message ?? '').split('\n')[0]}`),
    otherFailure: otherFailure === 1,
  };
}

export function tallyLine(counts) {
  const notes = [];
  if (counts.brokenFiles.length > 0) notes.push(`${counts.brokenFiles.length} test file${counts.brokenFiles.length === 1 ? '' : 's'} failed to load`);
  if (counts.otherFailure) notes.push('vitest reported a failure outside any test');
  if (counts.skipped > 0) notes.push(`${counts.skipped} skipped`);
  return `vitest: ${counts.passed} passed, ${counts.failed} failed${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

function main(path) {
  let report;
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    console.log(`vitest: 0 passed, 1 failed (no readable report at ${path}: ${error.message})`);
    return 1;
  }
  const counts = tally(report);
  console.log(tallyLine(counts));
  for (const broken of counts.brokenFiles) console.log(`  did not load: ${broken}`);
  return counts.failed === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exit(main(process.argv[2] ?? 'coverage/vitest-results.json'));
