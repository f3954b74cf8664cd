/** Entry point of the child process that times one ledger size (see reconcile.ts). */
import { serveChild } from './reconcile';

serveChild();
