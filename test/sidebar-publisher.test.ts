import { strict as assert } from 'node:assert';
import { ManualClock } from '../lib/time/clock';
import { Publisher } from '../nodes/sidebar/publisher';

/** A publisher on a ManualClock whose panels show what `shown` holds; records what the editors are told. */
function setUp() {
  const clock = new ManualClock('2026-07-14T10:00:00Z');
  const shown = new Map<string, unknown>();
  const told: Array<[string, unknown]> = [];
  let looks = 0;
  const publisher = new Publisher({
    clock,
    look: async (key) => {
      looks += 1;
      return shown.get(key);
    },
    comparable: (data) => ({ ...(data as object), at: undefined }),
    publish: (key, data) => told.push([key, data]),
  });
  const step = async (ms: number) => {
    clock.advance(ms);
    await publisher.idle();
  };
  return { clock, shown, told, publisher, step, looks: () => looks };
}

describe('the sidebar tells the editors of changes (nodes/sidebar/publisher.ts)', () => {
  it('draws a burst of changes once, after it settles', async () => {
    const { shown, told, publisher, step, looks } = setUp();
    shown.set('issuer/a', { codes: 1 });
    for (let i = 0; i < 20; i++) publisher.changed('issuer/a');
    await step(199);
    assert.deepEqual(told, [], 'not before the burst settles');
    await step(1);
    assert.deepEqual(told, [['issuer/a', { codes: 1 }]]);
    assert.equal(looks(), 1);
  });

  it('tells each node at most once a second, however busy', async () => {
    const { shown, told, publisher, step } = setUp();
    for (let ms = 0; ms < 5000; ms += 100) {
      shown.set('issuer/a', { codes: ms });
      publisher.changed('issuer/a');
      await step(100);
    }
    await step(1000);
    assert.ok(told.length >= 4 && told.length <= 6, `told ${told.length} times in 5 s`);
    assert.deepEqual(told[told.length - 1][1], { codes: 4900 }, 'the last change is told');
  });

  it('tells nothing when the panel shows what was told last, whatever time it was drawn', async () => {
    const { shown, told, publisher, step } = setUp();
    shown.set('issuer/a', { codes: 1, at: '10:00' });
    publisher.changed('issuer/a');
    await step(1000);
    shown.set('issuer/a', { codes: 1, at: '10:01' });
    publisher.changed('issuer/a');
    await step(1000);
    assert.equal(told.length, 1);
    shown.set('issuer/a', { codes: 2, at: '10:02' });
    publisher.changed('issuer/a');
    await step(1000);
    assert.equal(told.length, 2);
  });

  it('keeps each node to its own pace', async () => {
    const { shown, told, publisher, step } = setUp();
    shown.set('issuer/a', { codes: 1 });
    shown.set('source/b', { held: [] });
    publisher.changed('issuer/a');
    publisher.changed('source/b');
    await step(200);
    assert.deepEqual(told.map(([key]) => key).sort(), ['issuer/a', 'source/b']);
  });
});
