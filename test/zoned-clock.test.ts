import { strict as assert } from 'node:assert';
import { clockFrom, ManualClock, systemClock } from '../lib/time/clock';

describe('ManualClock', () => {
  it('starts where it is told and only moves when advanced', () => {
    const clock = new ManualClock('2026-07-10T12:00:00Z');
    assert.equal(clock.now().toISOString(), '2026-07-10T12:00:00.000Z');
    assert.equal(clock.now().toISOString(), '2026-07-10T12:00:00.000Z');
    clock.advance(90_000);
    assert.equal(clock.now().toISOString(), '2026-07-10T12:01:30.000Z');
  });

  it('fires due timers in due order, each at its own time', () => {
    const clock = new ManualClock('2026-07-10T12:00:00Z');
    const fired: string[] = [];
    clock.setTimer(3000, () => fired.push(`c@${clock.now().toISOString().slice(11, 19)}`));
    clock.setTimer(1000, () => fired.push(`a@${clock.now().toISOString().slice(11, 19)}`));
    clock.setTimer(2000, () => fired.push(`b@${clock.now().toISOString().slice(11, 19)}`));
    clock.setTimer(10_000, () => fired.push('late'));
    clock.advance(5000);
    assert.deepEqual(fired, ['a@12:00:01', 'b@12:00:02', 'c@12:00:03']);
    assert.equal(clock.now().toISOString(), '2026-07-10T12:00:05.000Z');
    assert.equal(clock.pendingTimers, 1);
  });

  it('fires timers due at the same moment in the order they were set', () => {
    const clock = new ManualClock('2026-07-10T12:00:00Z');
    const fired: number[] = [];
    for (const n of [1, 2, 3, 4]) clock.setTimer(1000, () => fired.push(n));
    clock.advance(1000);
    assert.deepEqual(fired, [1, 2, 3, 4]);
  });

  it('does not fire a cancelled timer, and cancelling twice is harmless', () => {
    const clock = new ManualClock('2026-07-10T12:00:00Z');
    const fired: string[] = [];
    const cancel = clock.setTimer(1000, () => fired.push('cancelled'));
    clock.setTimer(2000, () => fired.push('kept'));
    cancel();
    cancel();
    clock.advance(3000);
    assert.deepEqual(fired, ['kept']);
    assert.equal(clock.pendingTimers, 0);
  });

  it('fires a timer set by another timer when it falls due within the same advance', () => {
    const clock = new ManualClock('2026-07-10T12:00:00Z');
    const fired: string[] = [];
    clock.setTimer(1000, () => {
      fired.push('first');
      clock.setTimer(1000, () => fired.push(`second@${clock.now().toISOString().slice(11, 19)}`));
    });
    clock.advance(5000);
    assert.deepEqual(fired, ['first', 'second@12:00:02']);
  });

  it('lets a timer cancel another that is due in the same advance', () => {
    const clock = new ManualClock('2026-07-10T12:00:00Z');
    const fired: string[] = [];
    let cancelSecond = () => {};
    clock.setTimer(1000, () => {
      fired.push('first');
      cancelSecond();
    });
    cancelSecond = clock.setTimer(2000, () => fired.push('second'));
    clock.advance(5000);
    assert.deepEqual(fired, ['first']);
  });

  it('never moves backwards', () => {
    const clock = new ManualClock('2026-07-10T12:00:00Z');
    clock.advanceTo('2026-07-10T11:00:00Z');
    assert.equal(clock.now().toISOString(), '2026-07-10T12:00:00.000Z');
  });

  it('refuses a start that is not a date', () => {
    assert.throws(() => new ManualClock('not a date'), /not a date/);
  });
});

describe('systemClock', () => {
  it('runs a timer and can cancel one', (done) => {
    let cancelledFired = false;
    const cancel = systemClock.setTimer(0, () => {
      cancelledFired = true;
    });
    cancel();
    systemClock.setTimer(1, () => {
      try {
        assert.equal(cancelledFired, false);
        done();
      } catch (err) {
        done(err);
      }
    });
  });
});

describe('clockFrom', () => {
  it('starts at the instant it is given and runs forward with the clock under it', () => {
    const wall = new ManualClock('2026-12-06T21:42:00Z');
    const clock = clockFrom('2026-07-14T09:00:00Z', wall);
    assert.equal(clock.now().toISOString(), '2026-07-14T09:00:00.000Z');
    wall.advance(90_000);
    assert.equal(clock.now().toISOString(), '2026-07-14T09:01:30.000Z');
  });

  it('fires timers after the same wait as the clock under it', () => {
    const wall = new ManualClock('2026-12-06T21:42:00Z');
    const clock = clockFrom('2026-07-14T09:00:00Z', wall);
    const fired: string[] = [];
    clock.setTimer(60_000, () => fired.push(clock.now().toISOString()));
    wall.advance(59_999);
    assert.deepEqual(fired, []);
    wall.advance(1);
    assert.deepEqual(fired, ['2026-07-14T09:01:00.000Z']);
  });

  it('refuses a start that is not a date', () => {
    assert.throws(() => clockFrom('at teatime'), /"at teatime" is not a date/);
  });
});
