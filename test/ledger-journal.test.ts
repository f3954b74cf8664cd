/**
 * The pin-issuer's ledger on disk: a snapshot (the one JSON file every StayKey before the journal wrote)
 * and a journal of the changes of each save beside it. These tests open real files in a temp directory.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Booking } from '../lib/bookings/booking';
import { Ledger, LedgerStore } from '../lib/ledger/ledger';
import { fileLedgerStore, readFileLedger } from '../lib/ledger/ledger-file';
import type { LedgerBatch } from '../lib/ledger/ledger-options';
import type { LedgerData } from '../lib/ledger/ledger-types';
import type { LockConfig } from '../lib/locks/provider';
import type { LockCommand, LockResultMessage, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';

/** The key test/fixtures/ledger-before-journal.json was sealed with (written by StayKey before the journal). */
const vault = Vault.withKey(Buffer.alloc(32, 7));
const front: LockConfig = { id: 'front', name: 'Front door', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 30 } };
const FIXTURE = path.join(__dirname, '..', '..', 'test', 'fixtures', 'ledger-before-journal.json');
const DAY = 24 * 3600_000;

function windowMessage(id: string, arrival: string, departure: string, change: WindowMessage['change'] = 'created'): WindowMessage {
  const booking: Booking = { id, unit: 'Room 101', source: 'test', arrival, departure, guestName: `Guest ${id}` };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front'] });
  return { kind: 'window', change, booking, window };
}

function ok(command: LockCommand): LockResultMessage {
  return { kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1 };
}

/** The ledger as the files hold it, without the empty records a ledger in memory keeps. */
function asSaved(data: LedgerData | undefined): unknown {
  const copy = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  for (const key of ['foreign', 'reads', 'lastUse']) if (copy[key] && Object.keys(copy[key] as object).length === 0) delete copy[key];
  return copy;
}

/** Every record the journal holds, header first. */
function journalRecords(file: string): unknown[] {
  return fs
    .readFileSync(`${file}.journal`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line.slice(line.indexOf(' ') + 1)) as unknown);
}

function filesText(file: string): string {
  return [file, `${file}.journal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

/** Takes every command as done, reconciling until nothing more goes out. */
async function settle(ledger: Ledger): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const { commands } = await ledger.reconcile();
    if (!commands.length) return;
    for (const command of commands) await ledger.acceptResult(ok(command));
  }
}

describe('ledger journal: the ledger on disk', () => {
  let directory: string;
  let file: string;
  let clock: ManualClock;
  const open = (store: LedgerStore = fileLedgerStore(file), keepFinishedDays?: number) => new Ledger({ clock, vault, locks: () => [front], store, keepFinishedDays });

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-journal-'));
    file = path.join(directory, 'ledger.json');
    clock = new ManualClock('2026-07-09T00:00:00Z');
  });

  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('opens a ledger written before the journal, resends its command under way, and keeps it through its first compaction', async () => {
    fs.copyFileSync(FIXTURE, file);
    const before = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as LedgerData;
    const ledger = open(fileLedgerStore(file, { compactAfterBytes: 1 }));
    assert.deepEqual(asSaved(ledger.snapshot()), asSaved(before), 'the old file is read as it is');
    const again = ledger.commandsInFlight();
    assert.deepEqual(again.map((command) => command.id), ['b2@front#2']);
    assert.match(vault.open(again[0].pin!), /^\d{6}$/, 'its sealed PIN opens with the installation key');

    await ledger.acceptResult(ok(again[0]));
    await ledger.reconcile();
    const snapshot = JSON.parse(fs.readFileSync(file, 'utf8')) as LedgerData & { journalGeneration?: number };
    assert.equal(snapshot.journalGeneration, 1, 'the save compacted into a new snapshot');
    assert.equal(snapshot.codes['b2@front'].state, 'confirmed');
    assert.equal(journalRecords(file).length, 1, 'and started an empty journal');
    assert.deepEqual(asSaved(open().snapshot()), asSaved(ledger.snapshot()), 'opened again, the ledger is the same');
  });

  it('writes only what a save changed: a change of one booking is one journal record about it and its code', async () => {
    const ledger = open();
    for (let n = 1; n <= 20; n++) ledger.acceptWindow(windowMessage(`b${n}`, '2026-07-10', '2026-07-13'));
    await settle(ledger);
    const whole = JSON.stringify(ledger.snapshot()).length;

    ledger.acceptWindow(windowMessage('b7', '2026-07-10', '2026-07-14', 'changed'));
    const size = fs.statSync(`${file}.journal`).size;
    const { commands } = await ledger.reconcile();
    assert.equal(commands.length, 1);
    const last = journalRecords(file).at(-1) as LedgerBatch;
    assert.deepEqual(last.changes.map((change) => `${change.kind} ${change.id}`).sort(), ['booking b7', 'code b7@front']);
    const grew = fs.statSync(`${file}.journal`).size - size;
    assert.ok(grew * 10 < whole, `the save wrote ${grew} bytes of a ${whole}-byte ledger`);
    assert.deepEqual(asSaved(open().snapshot()), asSaved(ledger.snapshot()));
  });

  it('drops a save cut short by a stop with a notice, and appends after it cleanly', async () => {
    const first = open();
    first.acceptWindow(windowMessage('b1', '2026-07-10', '2026-07-13'));
    await first.reconcile();
    const saved = first.snapshot();
    fs.appendFileSync(`${file}.journal`, '0123456789abcdef {"changes":[{"kind":"booking","id":"b9","value":{"cance');

    const notices: string[] = [];
    const second = open(fileLedgerStore(file, { onNotice: (text) => notices.push(text) }));
    assert.deepEqual(asSaved(second.snapshot()), asSaved(saved), 'the ledger as of the last whole save');
    assert.equal(notices.length, 1);
    assert.match(notices[0], /cut short/);

    second.acceptWindow(windowMessage('b2', '2026-07-10', '2026-07-12'));
    await second.reconcile();
    const later: string[] = [];
    const third = open(fileLedgerStore(file, { onNotice: (text) => later.push(text) }));
    assert.deepEqual(later, [], 'the torn record was cut off before the next one');
    assert.deepEqual(Object.keys(third.snapshot().bookings).sort(), ['b1', 'b2']);
  });

  it('lets go of the journal when closed, and appends to it as it is when saved again', async () => {
    const ledger = open();
    ledger.acceptWindow(windowMessage('b1', '2026-07-10', '2026-07-13'));
    await ledger.reconcile();
    ledger.acceptWindow(windowMessage('b2', '2026-07-10', '2026-07-12'));
    await ledger.reconcile();
    ledger.close();
    ledger.acceptWindow(windowMessage('b3', '2026-07-10', '2026-07-12'));
    await ledger.reconcile();
    assert.deepEqual(Object.keys(open().snapshot().bookings).sort(), ['b1', 'b2', 'b3']);
  });

  it('saves again what a failed save held, with the next save', async () => {
    const files = fileLedgerStore(file);
    let refuse = false;
    const store: LedgerStore = {
      load: () => files.load(),
      apply: (batch) => {
        if (refuse) throw new Error('ENOSPC: no space left on device');
        return files.apply(batch);
      },
    };
    const ledger = open(store);
    ledger.acceptWindow(windowMessage('b1', '2026-07-10', '2026-07-13'));
    await ledger.reconcile();
    ledger.acceptWindow(windowMessage('b2', '2026-07-10', '2026-07-12'));
    refuse = true;
    await assert.rejects(ledger.reconcile(), /ENOSPC/);
    refuse = false;
    ledger.acceptWindow(windowMessage('b3', '2026-07-10', '2026-07-12'));
    await ledger.reconcile();
    assert.deepEqual(asSaved(open().snapshot()), asSaved(ledger.snapshot()), 'b2 and its code reached the journal with the next save');
  });

  it('refuses a journal damaged before its last record, and leaves it for the host', async () => {
    const ledger = open();
    ledger.acceptWindow(windowMessage('b1', '2026-07-10', '2026-07-13'));
    await ledger.reconcile();
    ledger.acceptWindow(windowMessage('b2', '2026-07-10', '2026-07-12'));
    await ledger.reconcile();
    const lines = fs.readFileSync(`${file}.journal`, 'utf8').split('\n');
    lines[1] = lines[1].replace('Guest b1', 'Guest X1');
    fs.writeFileSync(`${file}.journal`, lines.join('\n'));
    const damaged = fs.readFileSync(`${file}.journal`, 'utf8');

    assert.throws(() => open(), /ledger\.json\.journal is corrupt at byte \d+.*Restore it from a backup/);
    assert.equal(fs.readFileSync(`${file}.journal`, 'utf8'), damaged, 'nothing was rewritten');
  });

  it('reads back names and ids that are not ASCII from both files, and counts a damaged record\'s place in bytes', async () => {
    // The files are read as bytes, and as Latin-1 only when every byte is ASCII: these must come back as written.
    const names = ['Zoë Ørsted', '山田 花子', 'Ana 😀', 'lone \ud800 half'];
    const first = open(fileLedgerStore(file, { compactAfterBytes: 1 }));
    names.forEach((name, index) => {
      const message = windowMessage(`b${index}-${name}`, '2026-07-10', '2026-07-13');
      message.booking.guestName = name;
      first.acceptWindow(message);
    });
    await first.reconcile();
    first.close();
    assert.ok(fs.readFileSync(file, 'utf8').includes('Zoë Ørsted'), 'the names are in the snapshot');
    const ledger = open();
    const renamed = windowMessage('b1-山田 花子', '2026-07-10', '2026-07-14', 'changed');
    renamed.booking.guestName = 'Yamada Hanako 山田';
    ledger.acceptWindow(renamed);
    await ledger.reconcile();
    ledger.close();
    assert.ok(journalRecords(file).length > 1, 'the rename is in the journal');
    const loaded = open().snapshot();
    assert.deepEqual(asSaved(loaded), asSaved(ledger.snapshot()));
    assert.deepEqual(
      Object.values(loaded.bookings).map((entry) => entry.booking.guestName).sort(),
      ['Ana 😀', 'Yamada Hanako 山田', 'Zoë Ørsted', 'lone \ud800 half'].sort(),
    );

    ledger.acceptWindow(windowMessage('b9', '2026-07-10', '2026-07-12'));
    await ledger.reconcile();
    ledger.acceptWindow(windowMessage('b10', '2026-07-10', '2026-07-12'));
    await ledger.reconcile();
    // The record after the rename is damaged: the rename's characters before it take more bytes than one each.
    const lines = fs.readFileSync(`${file}.journal`, 'utf8').split('\n');
    assert.ok(lines[1].includes('山田') && lines[2].includes('Guest b9'), 'the journal holds the rename, then b9');
    const damagedAt = Buffer.byteLength(lines.slice(0, 2).join('\n') + '\n');
    lines[2] = lines[2].replace('Guest b9', 'Guest b8');
    fs.writeFileSync(`${file}.journal`, lines.join('\n'));
    assert.throws(() => open(), new RegExp(`is corrupt at byte ${damagedAt} `));
  });

  it('after a compaction stopped between its snapshot and its journal, loads the snapshot and starts a new journal', async () => {
    const ledger = open();
    ledger.acceptWindow(windowMessage('b1', '2026-07-10', '2026-07-13'));
    await settle(ledger);
    // What a compaction leaves when stopped halfway: the new snapshot, and the journal it folded in.
    fs.writeFileSync(file, JSON.stringify({ ...ledger.snapshot(), journalGeneration: 1 }));
    fs.writeFileSync(`${file}.1234.5678.tmp`, '{"half of a journal":');

    const notices: string[] = [];
    const reopened = open(fileLedgerStore(file, { onNotice: (text) => notices.push(text) }));
    assert.deepEqual(asSaved(reopened.snapshot()), asSaved(ledger.snapshot()));
    assert.equal(notices.length, 2, notices.join(' / '));
    assert.ok(!fs.existsSync(`${file}.1234.5678.tmp`), 'the temp file of the stopped write is gone');

    reopened.acceptWindow(windowMessage('b2', '2026-07-10', '2026-07-12'));
    await reopened.reconcile();
    assert.deepEqual((journalRecords(file)[0] as { generation: number }).generation, 1, 'the new journal continues the new snapshot');
    assert.deepEqual(Object.keys(open().snapshot().bookings).sort(), ['b1', 'b2']);
  });

  it('keeps no forgotten guest in either file, and no sealed PIN once only its hash is kept', async () => {
    const ledger = open(fileLedgerStore(file), 7);
    ledger.acceptWindow(windowMessage('b1', '2026-07-10', '2026-07-13'));
    await settle(ledger);
    const sealed = ledger.snapshot().codes['b1@front'].sealedPin!;
    assert.ok(filesText(file).includes('Guest b1') && filesText(file).includes(sealed), 'both in the journal during the stay');

    ledger.acceptDelivery({ kind: 'delivery', bookingId: 'b1', channel: 'email', delivered: true });
    await ledger.reconcile();
    assert.ok(ledger.snapshot().codes['b1@front'].pinHash, 'hashed once delivered');
    assert.ok(!filesText(file).includes(sealed), 'the sealed PIN left the journal with the compaction that followed');

    clock.advanceTo(new Date(Date.parse('2026-07-13T10:00:00Z') + 8 * DAY));
    await settle(ledger);
    assert.equal(ledger.snapshot().bookings.b1, undefined, 'the booking is forgotten');
    assert.ok(!filesText(file).includes('Guest b1'), 'and so is the guest, in the snapshot and the journal');
  });
});
