// Durations in playbooks: seconds as numbers, or "500ms"/"30s"/"5m"/"1h" strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, formatDuration } from '../../../src/config/duration.js';

test('numbers and numeric strings are seconds', () => {
  assert.equal(parseDuration(30), 30_000);
  assert.equal(parseDuration(0.5), 500);
  assert.equal(parseDuration('30'), 30_000);
  assert.equal(parseDuration(0), 0);
});

test('unit strings are converted to milliseconds and may be combined', () => {
  const table: Array<[string, number]> = [['500ms', 500], ['30s', 30_000], ['5m', 300_000], ['1h', 3_600_000], ['1m30s', 90_000], ['1.5s', 1500], ['1h5m', 3_900_000], [' 2s ', 2000]];
  for (const [s, ms] of table) assert.equal(parseDuration(s), ms, s);
});

test('anything else is not a duration', () => {
  for (const bad of ['', 'soon', '5 minutes', '-1s', '1d', 's', '5mm', '1s2', -1, NaN, Infinity, null, true, [], {}]) {
    assert.equal(parseDuration(bad), undefined, JSON.stringify(bad));
  }
});

test('durations are formatted for messages with the largest fitting unit', () => {
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(90_000), '1.5m');
  assert.equal(formatDuration(3_600_000), '1h');
});
