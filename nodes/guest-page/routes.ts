/** Node-RED's http app keeps every route it is given; a node that closes must take its own out. */
import type { Request, Response } from 'express';
import type { RED } from '../shared/runtime';

export type Handler = (req: Request, res: Response) => void;

/** What Express keeps per route; enough to find ours again and take it out. */
interface RouteLayer {
  route?: { stack?: { handle?: unknown }[] };
}

/** Takes this node's routes out of Node-RED's http app, so a redeploy does not stack a second set. */
export function removeRoutes(RED: RED, handlers: Handler[]): void {
  const app = RED.httpNode as unknown as { _router?: { stack: RouteLayer[] }; router?: { stack: RouteLayer[] } };
  const stack = app._router?.stack ?? app.router?.stack;
  if (!stack) return;
  for (let i = stack.length - 1; i >= 0; i -= 1) {
    const handles = stack[i].route?.stack?.map((layer) => layer.handle) ?? [];
    if (handles.some((handle) => handlers.includes(handle as Handler))) stack.splice(i, 1);
  }
}
