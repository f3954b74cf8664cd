import type { SeamAccount } from './account';
import { SeamDevice, seamDeviceOf } from './devices';
import { requestFailure } from './errors';

/** The workspace's locks (devices that take access codes, online or offline), for the editor's list. */
export async function listSeamDevices(account: SeamAccount): Promise<SeamDevice[]> {
  let answer: unknown;
  try {
    answer = await account.client().devices.list();
  } catch (err) {
    throw requestFailure('the Seam account', err);
  }
  const devices = (Array.isArray(answer) ? answer.slice(0, 2000) : []).map(seamDeviceOf);
  return devices.filter((device): device is SeamDevice => device !== undefined && (device.onlineCodes || device.offlineCodes));
}
