/** A channel's iCal feed as a local HTTP server, for booking-source tests. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A channel's feed server: answers each request with whatever the test set last. */
export class FeedServer {
  response: { status: number; body: string | Buffer; headers?: Record<string, string> } = { status: 200, body: '' };
  /** Leave requests unanswered (a feed that hangs). */
  hang = false;
  readonly requests: http.IncomingMessage[] = [];
  private readonly server = http.createServer((req, res) => {
    this.requests.push(req);
    this.onRequest?.(req);
    if (this.hang) return;
    if (this.response.status === 304 && req.headers['if-none-match'] !== this.response.headers?.etag) {
      res.writeHead(500).end('test server: expected the ETag back');
      return;
    }
    res.writeHead(this.response.status, { 'content-type': 'text/calendar', ...this.response.headers });
    res.end(this.response.body);
  });
  onRequest: ((req: http.IncomingMessage) => void) | undefined;

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/calendar/ical/12345.ics?s=secret-token-abc`;
  }

  serve(status: number, body: string | Buffer, headers?: Record<string, string>): void {
    this.response = { status, body, headers };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
