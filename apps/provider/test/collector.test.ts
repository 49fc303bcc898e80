/**
 * `parley serve` lets the old generation grow to twice its live size between full collections (see
 * HEAP_GROWING_PERCENT), unless node was started with a growing percentage of its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectorFlag, HEAP_GROWING_PERCENT } from '@parley/provider';

describe('the provider’s collector setting', () => {
  it('sets the heap growing percentage when the command line does not', () => {
    assert.equal(collectorFlag([]), `--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    assert.equal(
      collectorFlag(['--import', 'tsx', '--max-old-space-size=512']),
      `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
    );
  });

  it('leaves the operator’s own value alone, in either spelling', () => {
    assert.equal(collectorFlag(['--heap-growing-percent=50']), undefined);
    assert.equal(collectorFlag(['--heap_growing_percent=300']), undefined);
  });
});
