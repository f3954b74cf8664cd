import type { Request, Response } from 'express';
import type { Node, NodeDef } from 'node-red';
import { CheckInDesk, Reply } from '../../lib/guest/check-in';
import { clientKey, COOKIE_NAME, cookieHeader, cookieValue, failureAnswer, guestAddress, isHttps, pagePath, readForm, SECURITY_HEADERS } from '../../lib/guest/http';
import { checkInOptions, deskStatus, GuestPageSettings } from '../../lib/guest/page-settings';
import { clockFor, errorText, RED, showStatus } from '../shared/runtime';
import { guestPortalFor, PHONE_PINS_REFUSED } from '../shared/guest-portal';
import { Handler, removeRoutes } from './routes';
import { browserLanguage } from '../../lib/i18n/choose';

interface GuestPageDef extends NodeDef, GuestPageSettings {
  issuer: string;
  path?: string;
  /** Node-RED sits behind a reverse proxy: count guests by the address the proxy forwards. */
  behindProxy?: boolean;
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
      desk = new CheckInDesk(() => guestPortalFor(RED, config.issuer), checkInOptions(config, clock));
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
      const status = deskStatus(desk.status());
      showStatus(node, status.fill, status.text);
      // Lock-outs end and sessions expire with no request to notice: look again then.
      const next = desk.nextChangeAt();
      if (next) cancelTimer = clock.setTimer(Math.max(next.getTime() - clock.now().getTime(), 0) + 1, () => refreshStatus());
    };

    const behindProxy = config.behindProxy === true;
    const guest = (req: Request) => ({
      browserId: cookieValue(req.headers.cookie, COOKIE_NAME),
      client: clientKey(guestAddress(req, behindProxy)),
      acceptLanguage: req.headers['accept-language'],
    });
    const pageLanguage = checkInOptions(config, clock).language;

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
      res.set('Vary', 'Accept-Language');
      const cookiePath = `${req.baseUrl ?? ''}${path}`;
      if (reply.setBrowserId) res.append('Set-Cookie', cookieHeader(reply.setBrowserId, { path: cookiePath, secure: isHttps(req, behindProxy) }));
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

    const failed = (req: Request, res: Response, err: unknown) => {
      const failure = failureAnswer(err, browserLanguage(req.headers['accept-language']) ?? pageLanguage);
      if (failure.status === 500) node.error(`guest-page could not answer: ${errorText(err)}`);
      res.set(SECURITY_HEADERS);
      if (failure.close) res.set('Connection', 'close');
      res.status(failure.status).type('text/plain').send(failure.text);
    };

    const showPage: Handler = (req, res) => {
      try {
        answer(req, res, desk.show(guest(req)));
      } catch (err) {
        failed(req, res, err);
      }
    };

    const takeForm: Handler = (req, res) => {
      readForm(req)
        .then((fields) => answer(req, res, desk.submit(guest(req), fields)))
        .catch((err: unknown) => failed(req, res, err));
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
