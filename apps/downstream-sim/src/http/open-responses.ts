// The responses the simulator still owes: answers waiting out their simulated latency (each with
// its timer) and requests a `hang` fault keeps open (no timer at all). Each leaves the set when it
// is answered or when its client goes away, so a load test full of timeouts leaks neither timers
// nor sockets, and closing the simulator ends whatever is left.
import type { ServerResponse } from 'node:http';
import { sendJson } from './json-io';

export interface Reply {
  status: number;
  body: unknown;
}

export class OpenResponses {
  private readonly open = new Map<ServerResponse, NodeJS.Timeout | undefined>();

  /** How many responses are still owed; 0 once every client was answered or left. */
  get size(): number {
    return this.open.size;
  }

  replyAfter(res: ServerResponse, delayMs: number, reply: Reply): void {
    if (delayMs < 1) {
      sendJson(res, reply.status, reply.body);
      return;
    }
    const timer = setTimeout(() => {
      this.open.delete(res);
      sendJson(res, reply.status, reply.body);
    }, delayMs);
    this.track(res, timer);
  }

  /** Never answers: the socket stays open until the client gives up (the ambiguous case). */
  hang(res: ServerResponse): void {
    this.track(res, undefined);
  }

  closeAll(): void {
    for (const [res, timer] of this.open) {
      if (timer !== undefined) clearTimeout(timer);
      res.destroy();
    }
    this.open.clear();
  }

  private track(res: ServerResponse, timer: NodeJS.Timeout | undefined): void {
    this.open.set(res, timer);
    // 'close' also fires after a normal finish; forgetting twice is harmless.
    res.once('close', () => {
      if (timer !== undefined) clearTimeout(timer);
      this.open.delete(res);
    });
  }
}
