/**
 * Keypad use, battery sensors and duplicate-code reports need the entity registry to know which device a
 * lock is. Where Home Assistant will not list it (by either of its listings), the host hears so once per
 * connection instead of those stopping without a word.
 */
import type { HaClient } from '../../ha/connection';
import { registryProblem } from './lock-entities';

/** Reads the registry on each connect; `onProblem` hears an unreadable registry once until it reads again. */
export function watchRegistry(client: HaClient, onProblem: (problem: string) => void): () => void {
  let told = false;
  return client.onState((change) => {
    if (change.state !== 'connected') return;
    client.entityRegistry(true).then(
      () => {
        told = false;
      },
      (err: unknown) => {
        const problem = registryProblem(err);
        if (!problem || told) return;
        told = true;
        onProblem(problem);
      },
    );
  });
}
