// The SDK's clientIds: valid on the wire, distinct, and in the order a device made them (what keeps the
// provider's index of them growing at its end).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newClientId } from '../src/util/bytes.js';

const WIRE = /^[A-Za-z0-9._:-]{1,64}$/; // protocol's ClientId

test('clientIds sort by the time they were made, and differ within one millisecond', () => {
  const times = [0, 1, 999, 1_700_000_000_000, 1_700_000_000_001, 2 ** 48 - 1];
  const ids = times.map((t) => newClientId(t));
  for (const id of ids) {
    assert.match(id, WIRE);
    assert.equal(id.length, 28);
  }
  assert.deepEqual([...ids].sort(), ids, 'ordered by time');
  const same = Array.from({ length: 1000 }, () => newClientId(1_700_000_000_000));
  assert.equal(new Set(same).size, same.length, 'distinct within one millisecond');
  assert.ok(newClientId() > newClientId(Date.now() - 1000), 'the default is the present');
});
