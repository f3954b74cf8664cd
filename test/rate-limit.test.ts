import { strict as assert } from 'node:assert';
import { KeyedGate, RateLimitClosed, RateLimiter, TokenBucket } from '../lib/locks/rate-limit';
import { ManualClock } from '../lib/time/clock';

/** Lets resolved promises run their callbacks. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Asks for `count` tokens and records when (on the clock) each was handed out. */
function ask(bucket: TokenBucket, clock: ManualClock, count: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < count; i++) void bucket.take().then(() => times.push(clock.now().getTime() - start));
  return times;
}

const start = Date.parse('2026-07-01T12:00:00Z');

describe('rate limits', () => {
  describe('TokenBucket', () => {
    it('lets a burst through at once, then one request per 1/rate seconds on the clock', async () => {
      const clock = new ManualClock(new Date(start));
      const bucket = new TokenBucket({ clock, perSecond: 2, burst: 3 });
      const times = ask(bucket, clock, 6);
      await flush();
      assert.deepEqual(times, [0, 0, 0], 'the burst');
      clock.advance(499);
      await flush();
      assert.equal(times.length, 3, 'nothing before half a second has passed');
      clock.advance(1);
      await flush();
      assert.deepEqual(times, [0, 0, 0, 500]);
      for (let step = 0; step < 2; step++) {
        clock.advance(500);
        await flush();
      }
      assert.deepEqual(times, [0, 0, 0, 500, 1000, 1500]);
      assert.equal(bucket.waiting, 0);
    });

    it('hands tokens out in the order they were asked for', async () => {
      const clock = new ManualClock(new Date(start));
      const bucket = new TokenBucket({ clock, perSecond: 1, burst: 1 });
      const order: string[] = [];
      for (const name of ['first', 'second', 'third']) void bucket.take().then(() => order.push(name));
      clock.advance(2000);
      await flush();
      assert.deepEqual(order, ['first', 'second', 'third']);
    });

    it('refills while quiet, but never beyond the burst', async () => {
      const clock = new ManualClock(new Date(start));
      const bucket = new TokenBucket({ clock, perSecond: 10, burst: 2 });
      ask(bucket, clock, 2);
      await flush();
      clock.advance(60_000);
      const times = ask(bucket, clock, 3);
      await flush();
      assert.equal(times.length, 2, 'a minute of quiet buys two requests, not six hundred');
    });

    it('sends nothing while the vendor asked for a pause (Retry-After), then one and the normal pace', async () => {
      const clock = new ManualClock(new Date(start));
      const bucket = new TokenBucket({ clock, perSecond: 2, burst: 4 });
      bucket.pauseFor(30_000);
      const times = ask(bucket, clock, 3);
      clock.advance(29_999);
      await flush();
      assert.deepEqual(times, []);
      clock.advance(1);
      await flush();
      assert.deepEqual(times, [30_000]);
      clock.advance(500);
      await flush();
      assert.deepEqual(times, [30_000, 30_500]);
    });

    it('a shorter pause never cuts a longer one short', async () => {
      const clock = new ManualClock(new Date(start));
      const bucket = new TokenBucket({ clock, perSecond: 5 });
      bucket.pauseFor(10_000);
      bucket.pauseFor(1_000);
      const times = ask(bucket, clock, 1);
      clock.advance(9_000);
      await flush();
      assert.deepEqual(times, []);
      clock.advance(1_000);
      await flush();
      assert.deepEqual(times, [10_000]);
    });

    it('turns every waiting request away when closed, and leaves no timer behind', async () => {
      const clock = new ManualClock(new Date(start));
      const bucket = new TokenBucket({ clock, perSecond: 1, burst: 1 });
      await bucket.take();
      const waiting = bucket.take();
      assert.equal(clock.pendingTimers, 1);
      bucket.close();
      await assert.rejects(waiting, RateLimitClosed);
      await assert.rejects(bucket.take(), RateLimitClosed);
      assert.equal(clock.pendingTimers, 0);
    });

    it('refuses a rate that is not positive', () => {
      assert.throws(() => new TokenBucket({ clock: new ManualClock(new Date(start)), perSecond: 0 }), /positive number of requests per second/);
    });
  });

  describe('RateLimiter', () => {
    it('keeps one bucket per key: one busy account does not slow another', async () => {
      const clock = new ManualClock(new Date(start));
      const limiter = new RateLimiter({ clock, perSecond: 1, burst: 1 });
      await limiter.take('account-a');
      let otherAccount = false;
      let sameAccount = false;
      void limiter.take('account-b').then(() => (otherAccount = true));
      void limiter.take('account-a').then(() => (sameAccount = true));
      await flush();
      assert.equal(otherAccount, true);
      assert.equal(sameAccount, false);
      clock.advance(1000);
      await flush();
      assert.equal(sameAccount, true);
      limiter.close();
      await assert.rejects(limiter.take('account-a'), RateLimitClosed);
    });
  });

  describe('KeyedGate', () => {
    /** A task that runs until the test lets it finish. */
    function held(log: string[], name: string): { task: () => Promise<string>; finish: () => void; fail: () => void } {
      let finish: () => void = () => undefined;
      let fail: () => void = () => undefined;
      const task = () => {
        log.push(`start ${name}`);
        return new Promise<string>((resolve, reject) => {
          finish = () => {
            log.push(`end ${name}`);
            resolve(name);
          };
          fail = () => {
            log.push(`fail ${name}`);
            reject(new Error(`${name} failed`));
          };
        });
      };
      return { task, finish: () => finish(), fail: () => fail() };
    }

    it('runs one write per lock at a time, in order, while other locks go ahead', async () => {
      const gate = new KeyedGate(1);
      const log: string[] = [];
      const first = held(log, 'door 1');
      const second = held(log, 'door 2');
      const gateWrite = held(log, 'gate 1');
      const results = [gate.run('door', first.task), gate.run('door', second.task), gate.run('gate', gateWrite.task)];
      await flush();
      assert.deepEqual(log, ['start door 1', 'start gate 1']);
      assert.equal(gate.active('door'), 1);
      first.finish();
      await flush();
      assert.deepEqual(log, ['start door 1', 'start gate 1', 'end door 1', 'start door 2']);
      second.finish();
      gateWrite.finish();
      assert.deepEqual(await Promise.all(results), ['door 1', 'door 2', 'gate 1']);
      assert.equal(gate.active('door'), 0);
    });

    it('frees the place of a task that failed', async () => {
      const gate = new KeyedGate(1);
      const log: string[] = [];
      const first = held(log, 'first');
      const second = held(log, 'second');
      const failing = gate.run('door', first.task);
      const next = gate.run('door', second.task);
      await flush();
      first.fail();
      await assert.rejects(failing, /first failed/);
      await flush();
      assert.deepEqual(log, ['start first', 'fail first', 'start second']);
      second.finish();
      assert.equal(await next, 'second');
    });

    it('lets `limit` tasks per key run together', async () => {
      const gate = new KeyedGate(2);
      const log: string[] = [];
      const tasks = ['a', 'b', 'c'].map((name) => held(log, name));
      const runs = tasks.map((t) => gate.run('hub', t.task));
      await flush();
      assert.deepEqual(log, ['start a', 'start b']);
      tasks[1].finish();
      await flush();
      assert.deepEqual(log, ['start a', 'start b', 'end b', 'start c']);
      tasks[0].finish();
      tasks[2].finish();
      await Promise.all(runs);
    });
  });
});
