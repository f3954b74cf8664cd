/**
 * The Seam requests StayKey makes, each through Seam's official client and each failure turned into
 * a LockError naming the lock (never the PIN, never the key). Answers are read as outside input.
 */
import { isSeamHttpApiError, SeamHttp, SeamHttpRequest } from '@seamapi/http';
import { LockConfig, LockError } from '../provider';
import type { SeamAccount } from './account';
import { SeamCode, seamCodeOf } from './codes';
import { isRecord, SeamDevice, seamDeviceOf } from './devices';
import { requestFailure } from './errors';

export interface NewCode {
  deviceId: string;
  name: string;
  startsAt: string;
  endsAt: string;
  /** Absent for an offline code: the lock's algorithm chooses it. */
  pin?: string;
  offline?: boolean;
  backupPool?: boolean;
}

export class SeamRequests {
  stopped = false;

  constructor(private readonly account: SeamAccount) {}

  async device(lock: LockConfig, deviceId: string): Promise<SeamDevice> {
    const device = seamDeviceOf(await this.call(lock, (seam) => seam.devices.get({ device_id: deviceId })));
    if (!device) throw new LockError(`${lock.name}: Seam's answer about device ${deviceId} was not a device`, 'vendor-error', true);
    return device;
  }

  /** Every code on the device, managed and unmanaged; one listed twice (Seam's fake lists unmanaged codes in both) is one. */
  async codesOn(lock: LockConfig, deviceId: string): Promise<SeamCode[]> {
    const managed = await this.call(lock, (seam) => seam.accessCodes.list({ device_id: deviceId }));
    const unmanaged = await this.call(lock, (seam) => seam.accessCodes.unmanaged.list({ device_id: deviceId }));
    const byId = new Map<string, SeamCode>();
    for (const code of [...listOf(managed, true), ...listOf(unmanaged, false)]) {
      if (!code.deviceId || code.deviceId === deviceId) byId.set(code.accessCodeId, code);
    }
    return [...byId.values()];
  }

  /** The code, or undefined when Seam no longer has it. */
  async code(lock: LockConfig, accessCodeId: string): Promise<SeamCode | undefined> {
    try {
      return seamCodeOf(await this.client().accessCodes.get({ access_code_id: accessCodeId }), true);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw requestFailure(lock.name, err);
    }
  }

  async create(lock: LockConfig, code: NewCode): Promise<SeamCode | undefined> {
    const body = {
      device_id: code.deviceId,
      name: code.name,
      starts_at: code.startsAt,
      ends_at: code.endsAt,
      ...(code.pin !== undefined ? { code: code.pin } : {}),
      // An offline code's hours are rounded by the lock's algorithm: to the hour up to four weeks, else to the day.
      ...(code.offline ? { is_offline_access_code: true, max_time_rounding: hoursBetween(code.startsAt, code.endsAt) <= 672 ? '1hour' : '1day' } : {}),
      ...(code.backupPool ? { use_backup_access_code_pool: true } : {}),
    };
    return seamCodeOf(await this.call(lock, (seam) => seam.accessCodes.create(body), code.pin), true);
  }

  /**
   * Seam's API reference documents `/access_codes/update` as a POST (and Seam's fake accepts only
   * POST), while this client sends PUT: the request goes through the client's own machinery, as POST.
   */
  async update(lock: LockConfig, body: Record<string, unknown>, pin?: string): Promise<void> {
    await this.call(lock, (seam) => {
      const config = { pathname: '/access_codes/update', method: 'POST', body, responseKey: 'action_attempt', options: { waitForActionAttempt: false } } as const;
      return new SeamHttpRequest<{ action_attempt: unknown }, 'action_attempt'>(seam.accessCodes, config);
    }, pin);
  }

  async delete(lock: LockConfig, accessCodeId: string): Promise<void> {
    try {
      await this.client().accessCodes.delete({ access_code_id: accessCodeId });
    } catch (err) {
      if (!isNotFound(err)) throw requestFailure(lock.name, err);
    }
  }

  /** A backup code from Seam's pool for a code that could not be set. Seam's reference and its fake name the answer differently: both are read. */
  async pullBackup(lock: LockConfig, accessCodeId: string): Promise<SeamCode | undefined> {
    const answer = await this.call(lock, (seam) =>
      new SeamHttpRequest<Record<string, unknown>, undefined>(seam.accessCodes, { pathname: '/access_codes/pull_backup_access_code', method: 'POST', body: { access_code_id: accessCodeId }, responseKey: undefined }).fetchResponse(),
    );
    if (!isRecord(answer)) return undefined;
    return seamCodeOf(answer.backup_access_code ?? answer.access_code, true);
  }

  private async call<T>(lock: LockConfig, request: (seam: SeamHttp) => Promise<T>, pin?: string): Promise<T> {
    const seam = this.client();
    try {
      return await request(seam);
    } catch (err) {
      throw requestFailure(lock.name, err, pin);
    }
  }

  client(): SeamHttp {
    if (this.stopped) throw new LockError('the Seam provider was stopped', 'busy', true);
    try {
      return this.account.client();
    } catch (err) {
      throw new LockError(err instanceof Error ? err.message : String(err), 'auth', false);
    }
  }
}

function listOf(answer: unknown, managed: boolean): SeamCode[] {
  if (!Array.isArray(answer)) return [];
  return answer
    .slice(0, 1000)
    .map((raw) => seamCodeOf(raw, managed))
    .filter((code): code is SeamCode => code !== undefined);
}

/** Seam answers a code that is gone with 404 (`access_code_not_found`; its fake says `not_found`). */
function isNotFound(err: unknown): boolean {
  if (!isSeamHttpApiError(err)) return false;
  return err.statusCode === 404 || err.code === 'access_code_not_found';
}

function hoursBetween(startsAt: string, endsAt: string): number {
  return (Date.parse(endsAt) - Date.parse(startsAt)) / 3600_000;
}
