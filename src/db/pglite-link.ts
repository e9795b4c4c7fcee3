import { Duplex } from 'node:stream';

/** What the link needs of a PGlite instance (its public wire-protocol API). */
export interface WireProtocolEngine {
  execProtocol(message: Uint8Array, options: { throwOnError: boolean }): Promise<{ data: Uint8Array }>;
  runExclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/** Codes of the untyped first messages a client may send (PostgreSQL's protocol). */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** The answer to an encryption request: 'N', not supported (as from a server without TLS). */
const DECLINE = Buffer.from('N');

/**
 * The `pg` driver's connection to an in-process PGlite, as the socket it expects: the same wire
 * protocol as a PostgreSQL server, without a socket. Every statement used to cross a unix socket
 * twice and wait for two event-loop turns and a `setImmediate` (≈0.3 ms of a `select 1`'s 0.4 ms).
 *
 * pg writes each protocol message on its own (Parse, Bind, Execute, Sync…); what it writes in one
 * go reaches PGlite in one call, and PGlite's answer is pushed back once that call returns.
 * Messages are framed here, so a partial message waits for the rest. An SSL or GSS encryption
 * request is declined ('N', as by a server without TLS) and a cancel request is ignored: the
 * engine runs one statement at a time on this thread and cannot be interrupted.
 */
export class PGliteLink extends Duplex {
  private pending: Buffer = Buffer.alloc(0);
  private startupDone = false;
  private flushQueued = false;
  private work: Promise<void> = Promise.resolve();

  constructor(private readonly engine: WireProtocolEngine) {
    super();
  }

  // The parts of net.Socket that pg calls.
  connect(): this {
    process.nextTick(() => this.emit('connect'));
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    // Whatever pg writes in the same turn (a statement's Bind, Execute and Sync) goes out together.
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    // The client is done (after its Terminate): end our side once every answer is out.
    this.work.then(() => {
      this.push(null);
      callback();
    }, callback);
  }

  private flush(): void {
    this.flushQueued = false;
    const batches = this.takeComplete();
    if (!batches.length) return;
    this.work = this.work.then(async () => {
      for (const batch of batches) {
        if (this.destroyed) return;
        // Not execProtocolRaw: PGlite parses every answer either way, and keeps what it parsed
        // until the next execProtocol call, so raw calls alone kept every row ever read (a 90 MB
        // export left 180 MB behind). Errors stay in the answer, for pg to read as from a server.
        const answer = batch === DECLINE ? batch : (await this.engine.runExclusive(() => this.engine.execProtocol(batch, { throwOnError: false }))).data;
        if (answer.byteLength && !this.destroyed) this.push(Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength));
      }
    });
    this.work.catch((e: unknown) => this.destroy(e instanceof Error ? e : new Error(String(e))));
  }

  /**
   * The complete messages at the head of what was written, in batches for the engine: the
   * startup message alone (PGlite reads a buffer that starts with it as nothing else), then the
   * typed messages together. DECLINE stands for the answer to an encryption request.
   */
  private takeComplete(): Uint8Array[] {
    const batches: Uint8Array[] = [];
    while (!this.startupDone) {
      // An untyped message: its length (itself included), then a code.
      const buf = this.pending;
      if (buf.length < 8) return batches;
      const length = buf.readInt32BE(0);
      if (buf.length < length) return batches;
      const code = buf.readInt32BE(4);
      this.pending = buf.subarray(length);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) batches.push(DECLINE);
      else if (code !== CANCEL_REQUEST) {
        this.startupDone = true;
        batches.push(buf.subarray(0, length));
      }
    }
    // Typed messages: a type byte, then a length that counts itself but not the type byte.
    const buf = this.pending;
    let end = 0;
    while (buf.length - end >= 5) {
      const size = 1 + buf.readInt32BE(end + 1);
      if (buf.length - end < size) break;
      end += size;
    }
    if (end > 0) {
      this.pending = buf.subarray(end);
      batches.push(buf.subarray(0, end));
    }
    return batches;
  }
}
