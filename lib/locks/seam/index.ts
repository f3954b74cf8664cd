/** Seam: one provider for the many lock brands Seam's access-code API reaches. */
export { openSeamAccount, SEAM_API } from './account';
export type { SeamAccount, SeamAccountSettings } from './account';
export { SeamLocks } from './seam';
export type { SeamLocksOptions } from './seam';
export { seamDeviceOf, seamRules, suggestedSeamLock } from './devices';
export type { SeamDevice } from './devices';
export { listSeamDevices } from './list-devices';
