import type { Request, Response } from 'express';
import type { Node, NodeDef } from 'node-red';
import { CheckInDesk, Reply } from '../../lib/guest/check-in';
import { clientKey, COOKIE_NAME, cookieHeader, cookieValue, FormError, forwardedClient, pagePath, readForm, SECURITY_HEADERS } from '../../lib/guest/http';
import { clockFor, errorText, numberSetting, RED, showStatus } from '../shared/runtime';
import { guestPortalFor, PHONE_PINS_REFUSED } from '../shared/guest-portal';

interface GuestPageDef extends NodeDef {
  issuer: string;
  path?: string;
  property?: string;
  clientTries?: string | number;
  clientMinutes?: string | number;
  bookingTries?: string | number;
  bookingMinutes?: string | number;
  lockoutMinutes?: string | number;
  sessionMinutes?: string | number;
  /** Node-RED sits behind a reverse proxy: count guests by the address the proxy forwards. */
  behindProxy?: boolean;
}

type Handler = (req: Request, res: Response) => void;

/** What Express keeps per route; enough to find ours again and take it out. */
interface RouteLayer {
  route?: { stack?: { handle?: unknown }[] };
}

export = function register(RED: RED) {
  function GuestPageNode(this: Node, config: GuestPageDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const clock = clockFor(RED);
    let path: string;
    let desk: CheckInDesk;
    try {
      path = pagePath(config.path);
      desk = new CheckInDesk(() => guestPortalFor(RED, config.issuer), {
        clock,
        property: (config.property ?? '').trim(),
        perClient: { tries: numberSetting(config.clientTries, 5), windowMinutes: numberSetting(config.clientMinutes, 15), lockoutMinutes: numberSetting(config.lockoutMinutes, 15) },
        perBooking: { tries: numberSetting(config.bookingTries, 10), windowMinutes: numberSetting(config.bookingMinutes, 60), lockoutMinutes: numberSetting(config.lockoutMinutes, 15) },
        sessionMinutes: numberSetting(config.sessionMinutes, 60),
      });
      if (!RED.httpNode) throw new Error('guest-page needs Node-RED to serve http (httpNodeRoot is turned off in settings.js)');
    } catch (err) {
      showStatus(node, 'red', 'not serving', 'ring');
      node.error(errorText(err));
      return;
    }

    let cancelTimer: (() => void) | undefined;
    let closed = false;
    let lastProblem: string | undefined;

    const refreshStatus = (problem?: string) => {
      cancelTimer?.();
      cancelTimer = undefined;
      if (closed) return;
      if (problem) return showStatus(node, 'red', problem === PHONE_PINS_REFUSED ? 'phone PINs refused' : 'pin-issuer missing', 'ring');
      const { verified, lockedOut } = desk.status();
      if (lockedOut > 0) showStatus(node, 'yellow', `locked out ${lockedOut}`);
      else showStatus(node, 'green', `${verified} guest${verified === 1 ? '' : 's'} verified`);
      // Lock-outs end and sessions expire with no request to notice: look again then.
      const next = desk.nextChangeAt();
      if (next) cancelTimer = clock.setTimer(Math.max(next.getTime() - clock.now().getTime(), 0) + 1, () => refreshStatus());
    };

    // Behind a proxy the socket is the proxy's; only then do its forwarded headers count.
    const addressOf = (req: Request) => {
      const forwarded = config.behindProxy === true ? forwardedClient(req.headers['x-forwarded-for']) : undefined;
      return forwarded ?? req.socket.remoteAddress ?? req.ip;
    };
    const isHttps = (req: Request) => req.secure || (config.behindProxy === true && String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() === 'https');
    const guest = (req: Request) => ({ browserId: cookieValue(req.headers.cookie, COOKIE_NAME), client: clientKey(addressOf(req)) });

    /** Told once per cause, not on every guest's request. */
    const reportProblem = (problem: string | undefined) => {
      if (problem && problem !== lastProblem) node.error(`guest-page cannot serve its pin-issuer's bookings: ${problem}`);
      lastProblem = problem;
      refreshStatus(problem);
    };

    // The pin-issuer may start after this node: look once every node of the deploy is running.
    const checkIssuer = () => {
      try {
        guestPortalFor(RED, config.issuer);
        reportProblem(undefined);
      } catch (err) {
        reportProblem(errorText(err));
      }
    };

    const answer = (req: Request, res: Response, reply: Reply) => {
      res.set(SECURITY_HEADERS);
      const cookiePath = `${req.baseUrl ?? ''}${path}`;
      if (reply.setBrowserId) res.append('Set-Cookie', cookieHeader(reply.setBrowserId, { path: cookiePath, secure: isHttps(req) }));
      if (reply.retryAfterSeconds) res.set('Retry-After', String(reply.retryAfterSeconds));
      for (const alert of reply.alerts) node.send({ topic: alert.topic, payload: alert });
      if (reply.problem) reportProblem(reply.problem);
      else if (lastProblem) checkIssuer(); // it may be back
      else refreshStatus();
      if (reply.redirect) {
        res.redirect(303, cookiePath);
        return;
      }
      res.status(reply.status).type('html').send(reply.html ?? '');
    };

    const failed = (res: Response, err: unknown) => {
      const status = err instanceof FormError ? err.status : 500;
      if (status === 500) node.error(`guest-page could not answer: ${errorText(err)}`);
      res.set(SECURITY_HEADERS);
      if (status === 413) res.set('Connection', 'close'); // no reason to read the rest of an oversized body
      res.status(status).type('text/plain').send(status === 500 ? 'Something went wrong. Please try again or contact your host.' : 'Bad request');
    };

    const showPage: Handler = (req, res) => {
      try {
        answer(req, res, desk.show(guest(req)));
      } catch (err) {
        failed(res, err);
      }
    };

    const takeForm: Handler = (req, res) => {
      readForm(req)
        .then((fields) => answer(req, res, desk.submit(guest(req), fields)))
        .catch((err: unknown) => failed(res, err));
    };

    RED.httpNode.get(path, showPage);
    RED.httpNode.post(path, takeForm);
    refreshStatus();
    RED.events.on('flows:started', checkIssuer);

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      cancelTimer?.();
      RED.events.removeListener('flows:started', checkIssuer);
      removeRoutes(RED, [showPage, takeForm]);
      done();
    });
  }

  RED.nodes.registerType('staykey-guest-page', GuestPageNode);
};

/** Takes this node's routes out of Node-RED's http app, so a redeploy does not stack a second set. */
function removeRoutes(RED: RED, handlers: Handler[]): void {
  const app = RED.httpNode as unknown as { _router?: { stack: RouteLayer[] }; router?: { stack: RouteLayer[] } };
  const stack = app._router?.stack ?? app.router?.stack;
  if (!stack) return;
  for (let i = stack.length - 1; i >= 0; i -= 1) {
    const handles = stack[i].route?.stack?.map((layer) => layer.handle) ?? [];
    if (handles.some((handle) => handlers.includes(handle as Handler))) stack.splice(i, 1);
  }
}
