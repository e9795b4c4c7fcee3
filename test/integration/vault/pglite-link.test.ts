import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedPool, PREPARED } from '../../../src/db/connect.ts';
import { PGliteLink } from '../../../src/db/pglite-link.ts';

// The embedded database's connection: pg speaking the wire protocol to PGlite without a socket.
let lite: PGlite;
beforeAll(async () => {
  lite = await PGlite.create();
});
afterAll(async () => {
  await lite?.close();
});

/** Protocol messages as a client writes them (PostgreSQL's frontend format). */
function startupMessage(): Buffer {
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196608, 4); // protocol 3.0
  return Buffer.concat([head, params]);
}
function typed(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0);
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}
const simpleQuery = (text: string) => typed('Q', Buffer.from(`${text}\0`));

/** Reads what the link answers until a ReadyForQuery ('Z') has arrived. */
function untilReady(link: PGliteLink): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      // Walk the backend messages; stop at 'Z'.
      for (let at = 0; got.length - at >= 5; ) {
        const size = 1 + got.readInt32BE(at + 1);
        if (got.length - at < size) break;
        if (got[at] === 0x5a) {
          link.off('data', onData);
          return resolve(got);
        }
        at += size;
      }
    };
    link.on('data', onData);
    link.once('error', reject);
  });
}

describe('the embedded database link', () => {
  it('runs the pg driver against PGlite, including named prepared statements', async () => {
    const pool = embeddedPool(lite);
    try {
      const r = await pool.query<{ n: number; s: string }>(`${PREPARED}select $1::int * 2 as n, 'käse' as s`, [21]);
      expect(r.rows).toEqual([{ n: 42, s: 'käse' }]);
      const again = await pool.query<{ n: number }>(`${PREPARED}select $1::int * 2 as n, 'käse' as s`, [5]);
      expect(again.rows[0].n).toBe(10);
      // A statement error comes back as the server's error, and the connection goes on.
      await expect(pool.query('select 1/0')).rejects.toMatchObject({ code: '22012' });
      expect((await pool.query<{ ok: boolean }>('select true as ok')).rows[0].ok).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('a new connection can prepare what an earlier one prepared (PGlite keeps one session)', async () => {
    const pool = embeddedPool(lite);
    try {
      const text = `${PREPARED}select $1::text || '!' as v`;
      const first = await pool.connect();
      expect((await first.query<{ v: string }>(text, ['a'])).rows[0].v).toBe('a!');
      first.release(true); // closes that connection: the next one is new
      const second = await pool.connect();
      try {
        expect((await second.query<{ v: string }>(text, ['b'])).rows[0].v).toBe('b!');
        expect((await second.query<{ plan_cache_mode: string }>('show plan_cache_mode')).rows[0].plan_cache_mode).toBe('force_custom_plan');
      } finally {
        second.release();
      }
    } finally {
      await pool.end();
    }
  });

  it('waits for the rest of a message written in pieces, and declines an encryption request', async () => {
    const link = new PGliteLink(lite);
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(80877103, 4);
    const declined = new Promise<Buffer>((r) => link.once('data', r));
    link.write(ssl);
    expect((await declined).toString()).toBe('N');

    const startup = startupMessage();
    let ready = untilReady(link);
    link.write(startup.subarray(0, 5));
    await new Promise((r) => setImmediate(r));
    link.write(startup.subarray(5));
    const hello = await ready;
    expect(hello[0]).toBe(0x52); // AuthenticationOk first

    const query = simpleQuery("select 'one piece at a time' as v");
    ready = untilReady(link);
    for (let i = 0; i < query.length; i += 7) {
      link.write(query.subarray(i, i + 7));
      await new Promise((r) => setImmediate(r));
    }
    const answer = await ready;
    expect(answer.includes(Buffer.from('one piece at a time'))).toBe(true);
    expect(answer[0]).toBe(0x54); // RowDescription: no error
    link.destroy();
  });
});
