// Fake SIEMs for polling ingestion: node:http servers on 127.0.0.1 that keep alerts by instance, the first segment of
// the path (GET /{instance}/alerts...), so one server stands for every instance of a suite. FakeSiem is what they all
// share (the server, the alerts); PagedSiem the SIEM that pages (test/e2e/cases-polling, bench/cases-poller);
// test/e2e/cases-enrichment extends FakeSiem with its details endpoint.
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export interface SiemAlert {
  id: string;
  /** ISO time: windows select on it. */
  ts: string;
}

export abstract class FakeSiem<A extends SiemAlert> {
  readonly alerts = new Map<string, A[]>();
  port = 0;
  private server!: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      void this.handle(req, res, url, url.pathname.split('/')[1]);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  /** An instance's base_url. */
  url(instance: string): string {
    return `http://127.0.0.1:${this.port}/${instance}`;
  }

  add(instance: string, ...alerts: A[]): void {
    const list = this.alerts.get(instance) ?? [];
    list.push(...alerts);
    this.alerts.set(instance, list);
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse, url: URL, instance: string): Promise<void>;
}

export interface PagedAlert extends SiemAlert {
  /** The SIEM shows it from this time on (Date.now(); a late arrival is shown after its ts). Default: at once. */
  visibleAt?: number;
  [field: string]: unknown;
}

export interface PagedSiemOptions {
  /** Each page after the first repeats the previous page's last item (the poller must store it once). */
  repeatAcrossPages?: boolean;
  /**
   * Each window's alerts are picked and sorted once, at its first request, and kept: for alerts that do not change
   * after that (a bench, where the SIEM's own work must not be what is measured).
   */
  fixedWindows?: boolean;
}

/**
 * GET /{instance}/alerts?start&end&page_size&page_token answers `{ alerts, next }`: the alerts with start <= ts < end
 * shown by now, in time order (then by id), a page of page_size at a time; `next` is the next page's token (its
 * number) or null. A request without a window or a page size is 400.
 */
export class PagedSiem extends FakeSiem<PagedAlert> {
  /** Ids served, by instance. */
  readonly served = new Map<string, Set<string>>();
  /** Requests being answered now, the most at once, and all so far, by instance. */
  readonly inFlight = new Map<string, number>();
  readonly maxInFlight = new Map<string, number>();
  readonly requests = new Map<string, number>();
  /** Every request's arrival and answer (performance.now()), in the order they arrived. */
  readonly timings: { arrivedAt: number; answeredAt: number }[] = [];
  /** Every answer waits this long. */
  delayMs = 0;
  /** This page of every window answers 500 while set; `failures` counts them. */
  failPage: number | undefined;
  failures = 0;
  private readonly windows = new Map<string, PagedAlert[]>();
  /** Each alert's ts, parsed when it was added (not while a request is measured). */
  private readonly times = new WeakMap<PagedAlert, number>();

  constructor(private readonly options: PagedSiemOptions = {}) {
    super();
  }

  override add(instance: string, ...alerts: PagedAlert[]): void {
    for (const a of alerts) this.times.set(a, Date.parse(a.ts));
    super.add(instance, ...alerts);
  }

  servedOf(instance: string): Set<string> {
    return this.served.get(instance) ?? new Set();
  }

  protected async handle(_req: IncomingMessage, res: ServerResponse, url: URL, instance: string): Promise<void> {
    const timing = { arrivedAt: performance.now(), answeredAt: 0 };
    this.timings.push(timing);
    const now = (this.inFlight.get(instance) ?? 0) + 1;
    this.inFlight.set(instance, now);
    this.maxInFlight.set(instance, Math.max(this.maxInFlight.get(instance) ?? 0, now));
    this.requests.set(instance, (this.requests.get(instance) ?? 0) + 1);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      const start = Date.parse(url.searchParams.get('start') ?? '');
      const end = Date.parse(url.searchParams.get('end') ?? '');
      const size = Number(url.searchParams.get('page_size'));
      const token = url.searchParams.get('page_token');
      const page = token && /^\d+$/.test(token) ? Number(token) : 1;
      if (Number.isNaN(start) || Number.isNaN(end) || !(size > 0)) {
        res.writeHead(400).end('{"error":"bad window"}');
        return;
      }
      if (page === this.failPage) {
        this.failures += 1;
        res.writeHead(500).end('{"error":"boom"}');
        return;
      }
      const visible = this.window(instance, start, end);
      const from = (page - 1) * size;
      const repeat = this.options.repeatAcrossPages && page > 1 ? 1 : 0;
      const items = visible.slice(Math.max(0, from - repeat), from + size);
      const next = from + size < visible.length ? String(page + 1) : null;
      const served = this.served.get(instance) ?? new Set<string>();
      for (const a of items) served.add(a.id);
      this.served.set(instance, served);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ alerts: items.map(({ visibleAt: _, ...a }) => a), next }));
    } finally {
      this.inFlight.set(instance, (this.inFlight.get(instance) ?? 1) - 1);
      timing.answeredAt = performance.now();
    }
  }

  private window(instance: string, start: number, end: number): PagedAlert[] {
    const key = `${instance} ${start} ${end}`;
    const kept = this.windows.get(key);
    if (kept) return kept;
    const at = (a: PagedAlert) => this.times.get(a) ?? Date.parse(a.ts);
    const visible = (this.alerts.get(instance) ?? [])
      .filter((a) => (a.visibleAt ?? 0) <= Date.now() && at(a) >= start && at(a) < end)
      .sort((a, b) => at(a) - at(b) || a.id.localeCompare(b.id));
    if (this.options.fixedWindows) this.windows.set(key, visible);
    return visible;
  }
}
